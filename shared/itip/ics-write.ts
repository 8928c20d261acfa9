// The writing half of the iCalendar layer: plain EventData → iCalendar text.
//
// ical.js builds the components and escapes the values (RFC 5545 §3.3.11 TEXT escaping, RFC 6868 parameter
// escaping); we only take over line folding, because ical.js folds by UTF-16 code units while RFC 5545 §3.1 counts
// OCTETS ("Lines of text SHOULD NOT be longer than 75 octets") and forbids splitting a multi-octet UTF-8 sequence.
// Outlook and some Exchange gateways reject or mangle lines longer than 75 octets, so every line we write is folded
// here, after ical.js, without touching ical.js's global `foldLength` (other modules share the ical.js instance).
//
// Time zones: every TZID we write gets a VTIMEZONE (RFC 5545 §3.6.5 requires one per TZID; Outlook ignores the
// TZID and uses only the VTIMEZONE). When the caller has none (the event was created here, from an IANA name) one is
// generated from the platform's tz database through Intl, see `vtimezoneFromIntl`.

import ICAL from 'ical.js';
import type { Attendee, DateTimeValue, EventData, ItipMethod, Organizer } from './types';
import { normalizeAddress, toMailto } from './address';
import { isKnownZone, zoneOffsetMinutes, zoneOffsetSeconds } from './zones/intl';

export const PRODID = '-//Convene//Convene 0.1//EN';

const CRLF = '\r\n';
/** RFC 5545 §3.1: 75 octets per physical line, excluding the CRLF. */
export const MAX_LINE_OCTETS = 75;

// ---------------------------------------------------------------------------------------------------------------
// Folding (RFC 5545 §3.1)

const encoder = new TextEncoder();

function utf8Length(codePoint: number): number {
  if (codePoint < 0x80) return 1;
  if (codePoint < 0x800) return 2;
  if (codePoint < 0x10000) return 3;
  return 4;
}

/**
 * Folds one logical content line into physical lines of at most 75 octets. A continuation line begins with one
 * SPACE, which counts toward its 75 octets. Splits only between code points, so a UTF-8 sequence (and a surrogate
 * pair) is never cut in two (RFC 5545 §3.1: "care MUST be taken not to split a multi-octet character").
 */
export function foldLine(line: string): string {
  if (encoder.encode(line).length <= MAX_LINE_OCTETS) return line;
  const out: string[] = [];
  let current = '';
  let octets = 0;
  let limit = MAX_LINE_OCTETS;
  for (const ch of line) {
    const n = utf8Length(ch.codePointAt(0) ?? 0);
    if (octets + n > limit) {
      out.push(current);
      current = ' ';
      octets = 1;
      limit = MAX_LINE_OCTETS;
    }
    current += ch;
    octets += n;
  }
  out.push(current);
  return out.join(CRLF);
}

/** Undoes folding: a CRLF (or bare LF) followed by one SPACE or HTAB is removed (RFC 5545 §3.1). */
export function unfold(text: string): string {
  return text.replace(/\r?\n[ \t]/g, '');
}

/** Unfolds whatever folding `text` has, then folds every line by octets, with CRLF endings and a final CRLF. */
export function foldText(text: string): string {
  const lines = unfold(text)
    .split(/\r?\n/)
    .filter((l) => l.length > 0);
  return lines.map(foldLine).join(CRLF) + CRLF;
}

// ---------------------------------------------------------------------------------------------------------------
// Time zones through Intl: one module for the whole engine (zones/intl.ts); re-exported for existing imports.

export { isKnownZone, zoneOffsetMinutes, zoneOffsetSeconds };

/** 'YYYY-MM-DDTHH:mm[:ss]' wall time as if it were UTC, in ms. */
function wallMs(wall: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(wall);
  if (!m) throw new RangeError(`not a wall time: ${wall}`);
  return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0));
}

/**
 * Local wall time in `tz` → UTC instant (ms). Nonexistent times (in a spring-forward gap) move forward by the gap,
 * ambiguous ones (fall-back) take the first (daylight) instance, as RFC 5545 §3.3.5 prescribes for DATE-TIME with
 * TZID.
 */
export function wallToUtcMs(wall: string, tz: string): number {
  const w = wallMs(wall);
  // Try the offsets in force a day either side: one of them gives back the same wall time.
  const before = zoneOffsetMinutes(tz, w - 86_400_000);
  const after = zoneOffsetMinutes(tz, w + 86_400_000);
  const candidates = [...new Set([before, after])]
    .map((off) => w - off * 60000)
    .filter((t) => t + zoneOffsetMinutes(tz, t) * 60000 === w)
    .sort((a, b) => a - b);
  if (candidates[0] !== undefined) return candidates[0];
  // In the gap: RFC 5545 §3.3.5 says interpret with the offset before the gap (the time "moves forward").
  return w - before * 60000;
}

/** UTC instant → local wall time 'YYYY-MM-DDTHH:mm:ss' in `tz`. */
export function utcToWall(ms: number, tz: string): string {
  const off = zoneOffsetMinutes(tz, ms);
  return isoNoZone(ms + off * 60000);
}

function pad(n: number, w = 2): string {
  return String(Math.abs(n)).padStart(w, '0');
}

function isoNoZone(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** '+01:00' style offset. */
export function offsetText(minutes: number, colon = true): string {
  const sign = minutes < 0 ? '-' : '+';
  const a = Math.abs(minutes);
  return `${sign}${pad(Math.floor(a / 60))}${colon ? ':' : ''}${pad(a % 60)}`;
}

/** An ISO instant (any offset, with or without ms) → 'YYYY-MM-DDTHH:mm:ssZ'. */
export function toUtcIso(instant: string | number | Date): string {
  const d = instant instanceof Date ? instant : new Date(instant);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not an instant: ${String(instant)}`);
  return d.toISOString().slice(0, 19) + 'Z';
}

/** Builds a DateTimeValue for a wall time in an IANA zone (or 'UTC'). */
export function zonedDateTime(wall: string, tz: string): DateTimeValue {
  const w = wall.length === 16 ? `${wall}:00` : wall.slice(0, 19);
  if (tz === 'UTC' || tz === 'Etc/UTC' || tz === 'Z') {
    const utc = toUtcIso(wallMs(w));
    return { value: utc, tzid: 'UTC', allDay: false, floating: false, utc };
  }
  const ms = wallToUtcMs(w, tz);
  const off = zoneOffsetMinutes(tz, ms);
  // The value carries the wall time actually in force (a time in a DST gap moves forward).
  const local = isoNoZone(ms + off * 60000);
  return { value: `${local}${offsetText(off)}`, tzid: tz, allDay: false, floating: false, utc: toUtcIso(ms) };
}

export function dateValue(date: string): DateTimeValue {
  return { value: date.slice(0, 10), tzid: null, allDay: true, floating: false, utc: null };
}

interface Transition {
  /** UTC ms of the change. */
  at: number;
  from: number;
  to: number;
}

/** Offset changes of `tz` during one calendar year (UTC), found by a daily scan refined by bisection. */
function transitionsInYear(tz: string, year: number): Transition[] {
  const out: Transition[] = [];
  let t = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  let off = zoneOffsetMinutes(tz, t);
  while (t < end) {
    const next = Math.min(t + 86_400_000, end);
    const nextOff = zoneOffsetMinutes(tz, next);
    if (nextOff !== off) {
      let lo = t;
      let hi = next;
      while (hi - lo > 60_000) {
        const mid = lo + Math.floor((hi - lo) / 2 / 60_000) * 60_000;
        if (mid <= lo) break;
        if (zoneOffsetMinutes(tz, mid) === off) lo = mid;
        else hi = mid;
      }
      out.push({ at: hi, from: off, to: nextOff });
      off = nextOff;
    }
    t = next;
  }
  return out;
}

const DAY_CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;

/** The yearly rule 'BYMONTH=3;BYDAY=-1SU' a local onset date matches (last weekday when no later one fits). */
function yearlyRuleFor(localMs: number): { month: number; byday: string } {
  const d = new Date(localMs);
  const day = d.getUTCDate();
  const month = d.getUTCMonth() + 1;
  const daysInMonth = new Date(Date.UTC(d.getUTCFullYear(), month, 0)).getUTCDate();
  const code = DAY_CODES[d.getUTCDay()]!;
  const nth = day + 7 > daysInMonth ? -1 : Math.ceil(day / 7);
  return { month, byday: `${nth}${code}` };
}

function ruleKey(t: Transition): string {
  const local = t.at + t.from * 60000;
  const r = yearlyRuleFor(local);
  return `${t.from}>${t.to}@${isoNoZone(local).slice(11)}/${r.month}/${r.byday}`;
}

const vtimezoneCache = new Map<string, string>();

/**
 * A VTIMEZONE for an IANA zone, from Intl. With two yearly transitions that follow a stable rule over
 * `fromYear`..`fromYear + 5`, it is a STANDARD and a DAYLIGHT sub-component with a yearly RRULE (what Outlook and
 * Exchange write and expect); when the rule is not stable, the onsets are listed as RDATEs; with no transitions it is
 * a fixed-offset STANDARD. Returns null for a zone the platform does not know.
 */
export function vtimezoneFromIntl(tz: string, fromYear: number): string | null {
  const key = `${tz}|${fromYear}`;
  const cached = vtimezoneCache.get(key);
  if (cached) return cached;
  if (!isKnownZone(tz)) return null;
  const years = [0, 1, 2, 3, 4, 5].map((i) => fromYear + i);
  const perYear = years.map((y) => transitionsInYear(tz, y));
  const vtz = new ICAL.Component('vtimezone');
  vtz.addPropertyWithValue('tzid', tz);

  const first = perYear[0] ?? [];
  const stableRule =
    first.length === 2 && perYear.every((ts) => ts.length === 2 && ts.map(ruleKey).join() === first.map(ruleKey).join());

  const addObservance = (t: Transition, rule: string | null, rdates: number[]): void => {
    // RFC 5545 §3.6.5: DAYLIGHT when the new offset is ahead of the other one of the pair, else STANDARD.
    const kind = t.to > t.from ? 'daylight' : 'standard';
    const sub = new ICAL.Component(kind);
    const local = t.at + t.from * 60000;
    sub.addPropertyWithValue('dtstart', ICAL.Time.fromDateTimeString(isoNoZone(local)));
    sub.addPropertyWithValue('tzoffsetfrom', ICAL.UtcOffset.fromString(offsetText(t.from)));
    sub.addPropertyWithValue('tzoffsetto', ICAL.UtcOffset.fromString(offsetText(t.to)));
    if (rule) sub.addPropertyWithValue('rrule', ICAL.Recur.fromString(rule));
    for (const r of rdates) sub.addPropertyWithValue('rdate', ICAL.Time.fromDateTimeString(isoNoZone(r)));
    vtz.addSubcomponent(sub);
  };

  if (stableRule) {
    for (const t of first) {
      const r = yearlyRuleFor(t.at + t.from * 60000);
      addObservance(t, `FREQ=YEARLY;BYMONTH=${r.month};BYDAY=${r.byday}`, []);
    }
  } else if (perYear.some((ts) => ts.length > 0)) {
    // Irregular zone (rules changing, or more than two changes a year): list every onset as an RDATE, grouped by
    // (from, to) so each observance keeps its own offsets.
    const all = perYear.flat();
    const groups = new Map<string, Transition[]>();
    for (const t of all) {
      const k = `${t.from}>${t.to}`;
      groups.set(k, [...(groups.get(k) ?? []), t]);
    }
    for (const ts of groups.values()) {
      // The first onset is DTSTART and is listed again as an RDATE: ical.js ignores DTSTART as an onset when an
      // observance has RDATEs, and RFC 5545 §3.8.5.2 allows an RDATE that repeats DTSTART.
      const head = ts[0];
      if (head) addObservance(head, null, ts.map((t) => t.at + t.from * 60000));
    }
  } else {
    // No change in the period: a fixed-offset zone.
    const off = zoneOffsetMinutes(tz, Date.UTC(fromYear, 0, 1));
    const sub = new ICAL.Component('standard');
    sub.addPropertyWithValue('dtstart', ICAL.Time.fromDateTimeString('1970-01-01T00:00:00'));
    sub.addPropertyWithValue('tzoffsetfrom', ICAL.UtcOffset.fromString(offsetText(off)));
    sub.addPropertyWithValue('tzoffsetto', ICAL.UtcOffset.fromString(offsetText(off)));
    vtz.addSubcomponent(sub);
  }
  const text = vtz.toString();
  vtimezoneCache.set(key, text);
  return text;
}

// ---------------------------------------------------------------------------------------------------------------
// EventData → component

/** Zone ids that mean UTC: written with the 'Z' suffix, never with a TZID (RFC 5545 §3.3.5 FORM #2). */
function isUtcZone(tzid: string | null): boolean {
  return tzid === 'UTC' || tzid === 'Etc/UTC' || tzid === 'Z' || tzid === 'GMT' || tzid === 'Etc/GMT';
}

/** The TZID this value is written with, or null (UTC, floating, date, or a zone we cannot describe). */
function writtenTzid(v: DateTimeValue, known: ReadonlySet<string>): string | null {
  if (v.allDay || v.floating || !v.tzid || isUtcZone(v.tzid)) return null;
  return known.has(v.tzid) || isKnownZone(v.tzid) ? v.tzid : null;
}

function dateTimeProperty(name: string, v: DateTimeValue, known: ReadonlySet<string>): ICAL.Property {
  const prop = new ICAL.Property(name);
  if (v.allDay) {
    prop.setValue(ICAL.Time.fromDateString(v.value.slice(0, 10)));
    return prop;
  }
  if (v.floating) {
    prop.setValue(ICAL.Time.fromDateTimeString(v.value.slice(0, 19)));
    return prop;
  }
  const tzid = writtenTzid(v, known);
  if (tzid) {
    prop.setParameter('tzid', tzid);
    // The value's own digits are the wall time in that zone; recompute from the instant when they might not be.
    const wall = /[+-]\d{2}:\d{2}$|Z$/.test(v.value) && v.utc && isKnownZone(tzid) ? utcToWall(Date.parse(v.utc), tzid) : v.value.slice(0, 19);
    prop.setValue(ICAL.Time.fromDateTimeString(wall));
    return prop;
  }
  // UTC, or a zone with neither a VTIMEZONE nor platform data: the instant in UTC is still exact.
  const utc = v.utc ?? toUtcIso(v.value);
  prop.setValue(ICAL.Time.fromDateTimeString(utc));
  return prop;
}

/**
 * A normalised instant/date (RECURRENCE-ID, RDATE, EXDATE: '...Z' or 'YYYY-MM-DD') written in the form of DTSTART:
 * RFC 5545 §3.8.4.4 wants RECURRENCE-ID in DTSTART's value type, and Outlook matches overrides more reliably when the
 * TZID is the same as the master's.
 */
function instantProperty(name: string, value: string, start: DateTimeValue | null, known: ReadonlySet<string>): ICAL.Property {
  const prop = new ICAL.Property(name);
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    prop.setValue(ICAL.Time.fromDateString(value));
    return prop;
  }
  const ms = Date.parse(value);
  const tzid = start ? writtenTzid(start, known) : null;
  if (tzid && !Number.isNaN(ms) && isKnownZone(tzid)) {
    prop.setParameter('tzid', tzid);
    prop.setValue(ICAL.Time.fromDateTimeString(utcToWall(ms, tzid)));
    return prop;
  }
  if (start?.floating && !/Z$|[+-]\d{2}:\d{2}$/.test(value)) {
    prop.setValue(ICAL.Time.fromDateTimeString(value.slice(0, 19)));
    return prop;
  }
  prop.setValue(ICAL.Time.fromDateTimeString(Number.isNaN(ms) ? value : toUtcIso(ms)));
  return prop;
}

function organizerProperty(o: Organizer): ICAL.Property {
  const prop = new ICAL.Property('organizer');
  if (o.cn) prop.setParameter('cn', o.cn);
  // RFC 5545 §3.2.18: SENT-BY is a quoted mailto URI; ical.js quotes values with ':'.
  if (o.sentBy) prop.setParameter('sent-by', toMailto(o.sentBy));
  prop.setValue(toMailto(o.email));
  return prop;
}

function attendeeProperty(a: Attendee): ICAL.Property {
  const prop = new ICAL.Property('attendee');
  if (a.cn) prop.setParameter('cn', a.cn);
  if (a.cutype) prop.setParameter('cutype', a.cutype);
  if (a.role) prop.setParameter('role', a.role);
  if (a.partstat) prop.setParameter('partstat', String(a.partstat));
  // RSVP=TRUE asks for a REPLY (RFC 5545 §3.2.17); FALSE is the default and is left out.
  if (a.rsvp) prop.setParameter('rsvp', 'TRUE');
  if (a.delegatedTo.length) prop.setParameter('delegated-to', a.delegatedTo.map(toMailto));
  if (a.delegatedFrom.length) prop.setParameter('delegated-from', a.delegatedFrom.map(toMailto));
  if (a.sentBy) prop.setParameter('sent-by', toMailto(a.sentBy));
  prop.setValue(toMailto(a.email));
  return prop;
}

function eventComponent(e: EventData, known: ReadonlySet<string>, method: ItipMethod | null = null): ICAL.Component {
  const c = new ICAL.Component(e.component.toLowerCase());
  if (e.uid) c.addPropertyWithValue('uid', e.uid);
  if (e.dtstamp) c.addPropertyWithValue('dtstamp', ICAL.Time.fromDateTimeString(toUtcIso(e.dtstamp)));
  // RFC 5546 §2.1.4: SEQUENCE is written even when 0, so every client sees the same revision number; a REFRESH
  // carries only UID, DTSTAMP, ORGANIZER, ATTENDEE and optionally RECURRENCE-ID and COMMENT (§3.2.6).
  if (method !== 'REFRESH') c.addPropertyWithValue('sequence', e.sequence);
  if (e.recurrenceId) {
    const rid = instantProperty('recurrence-id', e.recurrenceId, e.start, known);
    if (e.thisAndFuture) rid.setParameter('range', 'THISANDFUTURE');
    c.addProperty(rid);
  }
  if (e.organizer) c.addProperty(organizerProperty(e.organizer));
  if (e.start) c.addProperty(dateTimeProperty('dtstart', e.start, known));
  if (e.end) c.addProperty(dateTimeProperty(e.component === 'VTODO' ? 'due' : 'dtend', e.end, known));
  else if (e.duration) c.addPropertyWithValue('duration', ICAL.Duration.fromString(e.duration));
  if (e.rrule) c.addPropertyWithValue('rrule', ICAL.Recur.fromString(e.rrule));
  for (const r of e.rdate) c.addProperty(instantProperty('rdate', r, e.start, known));
  for (const x of e.exdate) c.addProperty(instantProperty('exdate', x, e.start, known));
  if (e.summary !== null) c.addPropertyWithValue('summary', e.summary);
  if (e.location) c.addPropertyWithValue('location', e.location);
  if (e.description) c.addPropertyWithValue('description', e.description);
  if (e.status) c.addPropertyWithValue('status', e.status);
  for (const text of e.comment) c.addPropertyWithValue('comment', text);
  for (const a of e.attendees) c.addProperty(attendeeProperty(a));
  for (const rs of e.requestStatus) {
    // REQUEST-STATUS is structured (code;description[;exdata], RFC 5545 §3.8.8.3): the separators stay unescaped.
    const [code = '', desc = '', ...rest] = rs.split(';');
    const prop = new ICAL.Property('request-status');
    prop.setValue(rest.length ? [code, desc, rest.join(';')] : [code, desc]);
    c.addProperty(prop);
  }
  return c;
}

/** One component (BEGIN:VEVENT...END:VEVENT) as folded iCalendar text with CRLF endings. */
export function eventToComponentText(e: EventData): string {
  return foldText(eventComponent(e, new Set()).toString());
}

/** The TZIDs `events` will be written with (and the earliest year each is used in). */
function zonesUsed(events: readonly EventData[], supplied: ReadonlySet<string>): Map<string, number> {
  const used = new Map<string, number>();
  const note = (v: DateTimeValue | null): void => {
    if (!v) return;
    const tzid = writtenTzid(v, supplied);
    if (!tzid) return;
    const year = Number(v.value.slice(0, 4)) || 1970;
    used.set(tzid, Math.min(used.get(tzid) ?? year, year));
  };
  for (const e of events) {
    note(e.start);
    note(e.end);
  }
  return used;
}

function tzidOf(vtimezone: string): string | null {
  try {
    const comp = new ICAL.Component(ICAL.parse(`BEGIN:VCALENDAR\r\n${unfold(vtimezone).trim()}\r\nEND:VCALENDAR`));
    const vtz = comp.getFirstSubcomponent('vtimezone');
    const id = vtz?.getFirstPropertyValue('tzid');
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

/**
 * A whole iCalendar object: VCALENDAR with PRODID, VERSION:2.0, METHOD (when given, RFC 5546 §1.4), one VTIMEZONE
 * per TZID used (the supplied one when its TZID matches, else generated from Intl), then the components in order
 * (the caller puts the master first). CRLF line endings, lines folded at 75 octets.
 */
export function calendarText(method: ItipMethod | null, events: EventData[], vtimezones: string[] = []): string {
  const supplied = new Map<string, string>();
  for (const text of vtimezones) {
    const id = tzidOf(text);
    if (id && !supplied.has(id)) supplied.set(id, text);
  }
  const known = new Set(supplied.keys());
  const cal = new ICAL.Component('vcalendar');
  cal.addPropertyWithValue('prodid', PRODID);
  cal.addPropertyWithValue('version', '2.0');
  // Outlook shows REQUESTs from files without CALSCALE fine, but some older clients want it; it is the default.
  cal.addPropertyWithValue('calscale', 'GREGORIAN');
  if (method) cal.addPropertyWithValue('method', method);
  const tzTexts: string[] = [];
  for (const [tzid, year] of zonesUsed(events, known)) {
    // Generated zones start a year before first use so the observance DTSTART precedes every event instance.
    const text = supplied.get(tzid) ?? vtimezoneFromIntl(tzid, year - 1);
    if (text) tzTexts.push(unfold(text).trim());
  }
  const body = events.map((e) => eventComponent(e, known, method).toString());
  const lines = cal.toString().split(/\r?\n/);
  const endLine = lines.pop();
  const text = [...lines, ...tzTexts, ...body, endLine ?? 'END:VCALENDAR'].join(CRLF);
  return foldText(text);
}
