// iCalendar text → plain data (CalendarObject). Uses ical.js for the grammar and the VTIMEZONE maths, but never lets
// it throw out of here: real producers write broken files (see ../corpus MANIFEST features `malformed`), and a
// broken invitation must still show up as mail with a reason (Problem), not as an exception.
//
// Pipeline: repair the line structure (RFC 5545 §3.1 folding, blank lines, stray content), parse with ical.js,
// then read each VEVENT/VTODO/VJOURNAL/VFREEBUSY into EventData with our own date handling so that Windows TZIDs
// (Outlook/Exchange) and TZIDs without a VTIMEZONE still give a correct UTC instant.

import { splitLines } from './lines';
import ICAL from 'ical.js';
import { findIana, WINDOWS_TO_IANA_MAP } from 'windows-iana';
import type { Attendee, CalendarObject, ComponentKind, DateTimeValue, EventData, Organizer, Problem } from './types';
import { normalizeAddress } from './address';
import { decodeCharset, decodeTransfer } from './mime';

const COMPONENT_KINDS: readonly ComponentKind[] = ['VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY'];

/** Parses one iCalendar object. Never throws: unreadable input gives components [] and an `invalid-ics` problem. */
export function parseCalendar(text: string): CalendarObject {
  const problems: Problem[] = [];
  const empty = (message: string): CalendarObject => ({
    method: null,
    prodid: null,
    components: [],
    vtimezones: [],
    problems: [...problems, { code: 'invalid-ics', severity: 'error', message }],
  });
  if (typeof text !== 'string') return empty('calendar text is not a string');
  try {
    text = undoStrayQuotedPrintable(text, problems);
    const repaired = repairLines(text, problems);
    if (repaired === null) return empty('no BEGIN:VCALENDAR (or BEGIN:VEVENT) found');
    const roots = parseRoots(repaired, problems);
    if (roots === null) return empty('iCalendar syntax could not be parsed');
    return readRoots(roots, problems);
  } catch (err) {
    // A bug in our reading or an ical.js edge case: still a value, never an exception.
    return empty(`iCalendar could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Line repair

/**
 * A calendar saved still quoted-printable encoded (KDE libkcal, corpus feature `stray-quoted-printable`): its
 * parameters are written `NAME=3D...`, which would read as PARTSTAT "3DNEEDS-ACTION". Only when most parameters are
 * written so is the text decoded (RFC 2045 §6.7), so a value that merely contains "=3D" is left alone.
 */
function undoStrayQuotedPrintable(text: string, problems: Problem[]): string {
  const encoded = text.match(/;[A-Za-z0-9-]+=3D/g)?.length ?? 0;
  if (encoded < 2) return text;
  const plain = (text.match(/;[A-Za-z0-9-]+=(?!3D)/g) ?? []).length;
  if (plain >= encoded) return text;
  const bytes = decodeTransfer(bytesOfUtf8(text), 'quoted-printable');
  problems.push({ code: 'malformed-ics', severity: 'warning', message: 'calendar text was still quoted-printable encoded; decoded' });
  return decodeCharset(bytes, null).text;
}

function bytesOfUtf8(text: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(text)) out += String.fromCharCode(b);
  return out;
}

const CONTENT_LINE = /^[A-Za-z0-9-]+[;:]/;
const DATE_PROPS = new Set(['DTSTART', 'DTEND', 'DUE', 'RECURRENCE-ID', 'EXDATE', 'RDATE']);

/**
 * Returns content lines joined with CRLF, or null when there is no component at all. Repairs (with a warning when
 * data may have been lost): LF-only / CR-only endings, tab folding (RFC 5545 §3.1 allows SPACE or HTAB), blank
 * lines, lines before BEGIN / after the last END, unbalanced BEGIN/END, dates written without VALUE=DATE, RRULEs
 * with spaces (Exchange CDO's "BYDAY=MO, TU").
 */
function repairLines(text: string, problems: Problem[]): string | null {
  const raw = splitLines(text.replace(/^\uFEFF/, ''));
  // Unfold first: a line starting with SPACE or HTAB continues the previous one (RFC 5545 §3.1).
  const lines: string[] = [];
  for (const line of raw) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && lines.length > 0 && line.trim() !== '') {
      lines[lines.length - 1] += line.slice(1);
    } else {
      lines.push(line);
    }
  }
  const out: string[] = [];
  const stack: string[] = [];
  let sawBegin = false;
  let dropped = 0;
  let bareRange = 0;
  let finished = false;
  for (let line of lines) {
    if (line.trim() === '') continue; // blank lines inside components (Teams, KDE) carry nothing
    if (finished) {
      // Content after END:VCALENDAR (Podio): a second VCALENDAR is read as well, anything else is dropped.
      if (/^BEGIN:VCALENDAR\s*$/i.test(line.trim())) finished = false;
      else {
        dropped++;
        continue;
      }
    }
    const trimmed = line.trim();
    const begin = /^BEGIN:([A-Za-z0-9-]+)$/i.exec(trimmed);
    const end = /^END:([A-Za-z0-9-]+)$/i.exec(trimmed);
    if (begin?.[1]) {
      const name = begin[1].toUpperCase();
      if (stack.length === 0 && name !== 'VCALENDAR' && !COMPONENT_KINDS.includes(name as ComponentKind)) {
        dropped++;
        continue;
      }
      sawBegin = true;
      stack.push(name);
      out.push(`BEGIN:${name}`);
      continue;
    }
    if (end?.[1]) {
      const name = end[1].toUpperCase();
      const at = stack.lastIndexOf(name);
      if (at < 0) {
        dropped++;
        continue;
      }
      while (stack.length > at + 1) out.push(`END:${stack.pop()}`);
      stack.pop();
      out.push(`END:${name}`);
      if (stack.length === 0) finished = true;
      continue;
    }
    if (stack.length === 0) {
      dropped++;
      continue;
    }
    if (!CONTENT_LINE.test(line) || !line.includes(':')) {
      // Not a content line: most often a producer that did not fold a long text value. Keep the text on the
      // previous property rather than losing it, but only when that property is a text one.
      const prev = out[out.length - 1];
      if (prev && !/^(BEGIN|END):/i.test(prev) && /^(DESCRIPTION|SUMMARY|COMMENT|LOCATION|X-[A-Z0-9-]+)[;:]/i.test(prev)) {
        out[out.length - 1] = prev + ' ' + line.trim();
      } else dropped++;
      continue;
    }
    // RFC 5546 §4.4.5 writes "RECURRENCE-ID;THISANDFUTURE:..." (corpus quirk thisandfuture-without-range-param): a
    // parameter without a name, which ical.js rejects, losing the RECURRENCE-ID and turning the change of the future
    // occurrences into a new master. RFC 5545 §3.2.13 names it RANGE=THISANDFUTURE; read it so, with a warning.
    if (/^RECURRENCE-ID;(?:[^:]*;)?THISANDFUTURE[;:]/i.test(line)) {
      line = line.replace(/;THISANDFUTURE(?=[;:])/i, ';RANGE=THISANDFUTURE');
      bareRange++;
    }
    line = fixValue(line);
    out.push(line);
  }
  if (bareRange > 0) {
    problems.push({ code: 'malformed-ics', severity: 'warning', message: 'RECURRENCE-ID;THISANDFUTURE without RANGE= read as RANGE=THISANDFUTURE (RFC 5545 §3.2.13)' });
  }
  if (!sawBegin) return null;
  if (stack.length > 0) {
    problems.push({ code: 'malformed-ics', severity: 'warning', message: `missing END for ${stack.join(', ')}` });
    while (stack.length > 0) out.push(`END:${stack.pop()}`);
  }
  if (dropped > 0) {
    problems.push({ code: 'malformed-ics', severity: 'warning', message: `${dropped} malformed line(s) ignored` });
  }
  return out.join('\r\n') + '\r\n';
}

/** Small value repairs that keep ical.js from misreading or throwing on common producer mistakes. */
function fixValue(line: string): string {
  const m = /^([A-Za-z0-9-]+)((?:;(?:[^:";]|"[^"]*")*)*):(.*)$/.exec(line);
  if (!m) return line;
  const name = (m[1] ?? '').toUpperCase();
  const params = m[2] ?? '';
  let value = m[3] ?? '';
  let extra = '';
  if (DATE_PROPS.has(name) && !/;VALUE=/i.test(params) && /^\s*\d{8}(\s*,\s*\d{8})*\s*$/.test(value)) {
    // RFC 5545 §3.3.4 wants VALUE=DATE for dates; ZideStore and others omit it. Without it ical.js reads a
    // DATE-TIME and mangles the value.
    extra = ';VALUE=DATE';
    value = value.replace(/\s+/g, '');
  }
  if (name === 'RRULE' || name === 'EXRULE') value = value.replace(/\s+/g, '');
  if (DATE_PROPS.has(name) || name === 'DTSTAMP' || name === 'CREATED' || name === 'LAST-MODIFIED') value = value.trim();
  return `${m[1]}${params}${extra}:${value}`;
}

/** ical.js parse; on failure retry with only the lines ical.js accepts one by one. */
function parseRoots(text: string, problems: Problem[]): ICAL.Component[] | null {
  let jcal: unknown;
  try {
    jcal = ICAL.parse(text);
  } catch {
    const kept: string[] = [];
    let bad = 0;
    for (const line of text.split('\r\n')) {
      if (line === '' || /^(BEGIN|END):/.test(line)) {
        kept.push(line);
        continue;
      }
      try {
        ICAL.parse.property(line);
        kept.push(line);
      } catch {
        bad++;
      }
    }
    try {
      jcal = ICAL.parse(kept.join('\r\n'));
    } catch {
      return null;
    }
    problems.push({ code: 'malformed-ics', severity: 'warning', message: `${bad} unparseable propert(y/ies) ignored` });
  }
  if (!Array.isArray(jcal) || jcal.length === 0) return null;
  const list = typeof jcal[0] === 'string' ? [jcal] : (jcal as unknown[]);
  const roots: ICAL.Component[] = [];
  for (const j of list) if (Array.isArray(j)) roots.push(new ICAL.Component(j));
  return roots.length > 0 ? roots : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

function readRoots(roots: ICAL.Component[], problems: Problem[]): CalendarObject {
  let method: string | null = null;
  let prodid: string | null = null;
  const vtimezones: string[] = [];
  const zones = new Map<string, ICAL.Timezone>();
  const comps: ICAL.Component[] = [];
  for (const root of roots) {
    if (root.name === 'vcalendar') {
      method ??= textOf(root.getFirstProperty('method'))?.trim().toUpperCase() || null;
      prodid ??= textOf(root.getFirstProperty('prodid'));
      for (const sub of root.getAllSubcomponents()) {
        if (sub.name === 'vtimezone') {
          vtimezones.push(sub.toString());
          const id = cleanTzid(textOf(sub.getFirstProperty('tzid')) ?? '');
          try {
            if (id && !zones.has(id)) zones.set(id, new ICAL.Timezone(sub));
          } catch {
            // An unusable VTIMEZONE: times referring to it fall back to the IANA database when the name maps.
          }
        } else if (COMPONENT_KINDS.includes(sub.name.toUpperCase() as ComponentKind)) comps.push(sub);
      }
    } else if (COMPONENT_KINDS.includes(root.name.toUpperCase() as ComponentKind)) {
      // A bare VEVENT without the VCALENDAR wrapper: read it, but say so (RFC 5545 §3.4 requires the wrapper).
      problems.push({ code: 'malformed-ics', severity: 'warning', message: 'component without VCALENDAR wrapper' });
      comps.push(root);
    }
  }
  const ctx: ReadCtx = { zones, problems, reported: new Set() };
  const components: EventData[] = [];
  for (const c of comps) {
    try {
      components.push(readComponent(c, ctx));
    } catch (err) {
      problems.push({
        code: 'invalid-component',
        severity: 'warning',
        message: `${c.name.toUpperCase()} could not be read: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }
  // Masters first (in file order), then overrides by RECURRENCE-ID (types.ts contract).
  const masters = components.filter((c) => c.recurrenceId === null);
  const overrides = components
    .filter((c) => c.recurrenceId !== null)
    .sort((a, b) => ((a.recurrenceId ?? '') < (b.recurrenceId ?? '') ? -1 : a.recurrenceId === b.recurrenceId ? 0 : 1));
  if (components.length === 0 && comps.length === 0 && roots.every((r) => r.name !== 'vcalendar')) {
    problems.push({ code: 'invalid-ics', severity: 'error', message: 'no VCALENDAR found' });
  }
  return { method, prodid, components: [...masters, ...overrides], vtimezones, problems };
}

interface ReadCtx {
  zones: Map<string, ICAL.Timezone>;
  problems: Problem[];
  /** Problem messages already reported, so a 2,000-override file does not repeat one warning 2,000 times. */
  reported: Set<string>;
}

function warn(ctx: ReadCtx, code: string, message: string): void {
  const key = `${code}|${message}`;
  if (ctx.reported.has(key)) return;
  ctx.reported.add(key);
  ctx.problems.push({ code, severity: 'warning', message });
}

function readComponent(c: ICAL.Component, ctx: ReadCtx): EventData {
  const kind = c.name.toUpperCase() as ComponentKind;
  const one = (name: string): ICAL.Property | null => c.getFirstProperty(name);
  const ridProp = one('recurrence-id');
  const rid = ridProp ? dateValue(ridProp, ctx) : null;
  const start = dateProp(one('dtstart'), ctx);
  // VTODO's end is DUE (RFC 5545 §3.6.2).
  const endProp = one('dtend') ?? (kind === 'VTODO' ? one('due') : null);
  const end = dateProp(endProp, ctx);
  const durText = rawValues(one('duration'))[0];
  const seqRaw = rawValues(one('sequence'))[0];
  const seq = typeof seqRaw === 'number' ? seqRaw : Number.parseInt(String(seqRaw ?? '0'), 10);
  const dtstamp = dateProp(one('dtstamp'), ctx);
  const uidText = textOf(one('uid'));
  let rrule: string | null = null;
  const rruleProp = one('rrule');
  if (rruleProp) {
    try {
      rrule = String((rruleProp.getFirstValue() as { toString(): string } | null)?.toString() ?? '') || null;
    } catch {
      warn(ctx, 'invalid-rrule', 'RRULE could not be read');
    }
  }
  return {
    component: kind,
    uid: uidText && uidText.trim() !== '' ? uidText.trim() : null,
    recurrenceId: rid ? normalisedInstant(rid) : null,
    thisAndFuture: ridProp ? String(ridProp.getFirstParameter('range') ?? '').toUpperCase() === 'THISANDFUTURE' : false,
    sequence: Number.isFinite(seq) && seq >= 0 ? seq : 0,
    // DTSTAMP is UTC by definition (RFC 5545 §3.8.7.2); a floating one (RFC 5546 examples) is read as UTC.
    dtstamp: dtstamp ? (dtstamp.utc ?? (dtstamp.allDay ? null : `${dtstamp.value}Z`)) : null,
    start,
    end,
    // RFC 5545 §3.6.1: DTEND and DURATION are exclusive; when both are sent we keep DTEND.
    duration: endProp ? null : durText !== undefined ? String(durText) : null,
    summary: textOf(one('summary')),
    location: textOf(one('location')),
    description: textOf(one('description')),
    status: textOf(one('status'))?.trim().toUpperCase() || null,
    comment: c.getAllProperties('comment').map((p) => textOf(p) ?? '').filter((s) => s !== ''),
    organizer: readOrganizer(one('organizer')),
    attendees: c.getAllProperties('attendee').map(readAttendee).filter((a): a is Attendee => a !== null),
    rrule,
    rdate: c.getAllProperties('rdate').flatMap((p) => multiDates(p, ctx)),
    exdate: c.getAllProperties('exdate').flatMap((p) => multiDates(p, ctx)),
    requestStatus: c.getAllProperties('request-status').map((p) => {
      const v = rawValues(p)[0];
      return Array.isArray(v) ? v.map(String).join(';') : String(v ?? '');
    }),
    ics: c.toString(),
  };
}

/** The jCal values without ical.js decoration (decoration can throw on junk). */
function rawValues(p: ICAL.Property | null): unknown[] {
  if (!p) return [];
  const j = p.toJSON() as unknown[];
  return j.slice(3);
}

function textOf(p: ICAL.Property | null): string | null {
  const v = rawValues(p)[0];
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(String).join(';');
  return String(v);
}

function param(p: ICAL.Property, name: string): string | null {
  const v = p.getParameter(name) as unknown;
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(String).join(',');
  return String(v);
}

function paramList(p: ICAL.Property, name: string): string[] {
  const v = p.getParameter(name) as unknown;
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v.map(String) : String(v).split(',');
  // KDE writes DELEGATED-TO without mailto: or quotes (corpus: delegated-params-not-uris); normalizeAddress copes.
  return list.map((s) => normalizeAddress(s.replace(/^"|"$/g, ''))).filter((s) => s !== '');
}

function readOrganizer(p: ICAL.Property | null): Organizer | null {
  if (!p) return null;
  const email = normalizeAddress(textOf(p));
  if (!email) return null;
  const sentBy = param(p, 'sent-by');
  return { email, cn: param(p, 'cn'), sentBy: sentBy ? normalizeAddress(sentBy) : null };
}

function readAttendee(p: ICAL.Property): Attendee | null {
  const email = normalizeAddress(textOf(p));
  if (!email) return null;
  const sentBy = param(p, 'sent-by');
  const cutype = param(p, 'cutype');
  return {
    email,
    cn: param(p, 'cn'),
    // RFC 5545 §3.2.12 / §3.2.16: PARTSTAT defaults to NEEDS-ACTION, ROLE to REQ-PARTICIPANT.
    partstat: param(p, 'partstat')?.trim().toUpperCase() || 'NEEDS-ACTION',
    // Yahoo writes REQ_PARTICIPANT (corpus: role-underscore).
    role: param(p, 'role')?.trim().toUpperCase().replace(/_/g, '-') || 'REQ-PARTICIPANT',
    rsvp: (param(p, 'rsvp') ?? '').trim().toUpperCase() === 'TRUE',
    cutype: cutype ? cutype.trim().toUpperCase() : null,
    delegatedTo: paramList(p, 'delegated-to'),
    delegatedFrom: paramList(p, 'delegated-from'),
    sentBy: sentBy ? normalizeAddress(sentBy) : null,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Dates and time zones

interface Fields {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  date: boolean;
  utc: boolean;
}

/** Reads 'YYYY-MM-DD', 'YYYY-MM-DDTHH:MM:SS[Z]' (jCal) or the iCalendar basic forms; null for junk. */
function fieldsOf(raw: string): Fields | null {
  const s = raw.trim().replace(/[-:]/g, '');
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?T?$/i.exec(s);
  if (!m) return null;
  const f: Fields = {
    y: +m[1]!,
    mo: +m[2]!,
    d: +m[3]!,
    h: m[4] ? +m[4] : 0,
    mi: m[5] ? +m[5] : 0,
    s: m[6] ? +m[6] : 0,
    date: m[4] === undefined,
    utc: !!m[7],
  };
  if (f.mo < 1 || f.mo > 12 || f.d < 1 || f.d > 31 || f.h > 24 || f.mi > 59 || f.s > 60) return null;
  return f;
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const dateText = (f: Fields): string => `${pad(f.y, 4)}-${pad(f.mo)}-${pad(f.d)}`;
const localText = (f: Fields): string => `${dateText(f)}T${pad(f.h)}:${pad(f.mi)}:${pad(f.s)}`;
const isoUtc = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const localMs = (f: Fields): number => {
  const d = new Date(0);
  d.setUTCFullYear(f.y, f.mo - 1, f.d);
  d.setUTCHours(f.h, f.mi, f.s, 0);
  return d.getTime();
};

function offsetText(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+';
  const a = Math.abs(Math.round(seconds / 60));
  return `${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

function dateProp(p: ICAL.Property | null, ctx: ReadCtx): DateTimeValue | null {
  return p ? dateValue(p, ctx) : null;
}

function dateValue(p: ICAL.Property, ctx: ReadCtx, rawOverride?: unknown): DateTimeValue | null {
  let raw = rawOverride ?? rawValues(p)[0];
  if (Array.isArray(raw)) raw = raw[0]; // PERIOD (RDATE;VALUE=PERIOD): its start
  if (typeof raw === 'string' && raw.includes('/')) raw = raw.split('/')[0];
  const f = typeof raw === 'string' ? fieldsOf(raw) : null;
  if (!f) {
    warn(ctx, 'invalid-date', `${p.name.toUpperCase()} has an unreadable value`);
    return null;
  }
  const check = new Date(Date.UTC(f.y, f.mo - 1, f.d));
  if (check.getUTCDate() !== f.d) {
    // Feb 30 (Lotus Notes 8.5.3): keep the rolled-over day, as Outlook does, but say so.
    warn(ctx, 'invalid-date', `${p.name.toUpperCase()} names a day that does not exist (${dateText(f)})`);
    const ms = localMs(f);
    const d = new Date(ms);
    f.y = d.getUTCFullYear();
    f.mo = d.getUTCMonth() + 1;
    f.d = d.getUTCDate();
  }
  if (f.date || p.type === 'date') {
    return { value: dateText(f), tzid: null, allDay: true, floating: false, utc: null };
  }
  if (f.utc) {
    // RFC 5545 §3.3.5: a UTC time ignores any TZID (Yahoo sends both: corpus utc-time-with-tzid).
    const u = isoUtc(localMs(f));
    return { value: u, tzid: 'UTC', allDay: false, floating: false, utc: u };
  }
  const tzRaw = param(p, 'tzid');
  const original = tzRaw === null ? '' : cleanTzid(tzRaw);
  if (original === '') {
    if (tzRaw !== null) warn(ctx, 'unknown-tzid', `${p.name.toUpperCase()} has an empty TZID; read as floating time`);
    return { value: localText(f), tzid: null, allDay: false, floating: true, utc: null };
  }
  const zone = resolveZone(original, ctx.zones);
  let offset: number | null = null;
  if (zone.vtimezone) {
    // The embedded VTIMEZONE is what the sender meant (RFC 5545 §3.2.19), so its rules win over our database.
    try {
      const t = ICAL.Time.fromData({ year: f.y, month: f.mo, day: f.d, hour: f.h, minute: f.mi, second: f.s, isDate: false });
      const o = zone.vtimezone.utcOffset(t);
      if (Number.isFinite(o)) offset = o;
    } catch {
      offset = null;
    }
  }
  if (offset === null && zone.iana) offset = ianaOffsetForLocal(zone.iana, localMs(f));
  if (offset === null) {
    warn(ctx, 'unknown-tzid', `TZID "${original}" has no VTIMEZONE and no known mapping; read as floating time`);
    return { value: localText(f), tzid: null, originalTzid: original, allDay: false, floating: true, utc: null };
  }
  const tzid = zone.iana ?? original;
  const out: DateTimeValue = {
    value: `${localText(f)}${offset === 0 && tzid === 'UTC' ? 'Z' : offsetText(offset)}`,
    tzid,
    allDay: false,
    floating: false,
    utc: isoUtc(localMs(f) - offset * 1000),
  };
  if (tzRaw !== null && tzRaw !== tzid) out.originalTzid = tzRaw;
  return out;
}

function normalisedInstant(v: DateTimeValue): string {
  if (v.allDay) return v.value;
  return v.utc ?? v.value; // floating recurrence ids keep their local form
}

function multiDates(p: ICAL.Property, ctx: ReadCtx): string[] {
  const out: string[] = [];
  for (const raw of rawValues(p)) {
    const v = dateValue(p, ctx, raw);
    if (v) out.push(normalisedInstant(v));
  }
  return out;
}

/** Strips quotes and whitespace that Outlook and Exchange CDO put around TZID values. */
function cleanTzid(tzid: string): string {
  return tzid.trim().replace(/^"+|"+$/g, '').replace(/\\,/g, ',').trim();
}

interface Zone {
  iana: string | null;
  vtimezone: ICAL.Timezone | null;
}

const zoneCache = new Map<string, string | null>();

function resolveZone(tzid: string, zones: Map<string, ICAL.Timezone>): Zone {
  return { iana: toIana(tzid), vtimezone: zones.get(tzid) ?? null };
}

let ianaByCity: Map<string, string> | null = null;
function cityIndex(): Map<string, string> {
  if (ianaByCity) return ianaByCity;
  ianaByCity = new Map();
  let all: string[] = [];
  try {
    all = Intl.supportedValuesOf('timeZone');
  } catch {
    all = [];
  }
  for (const z of all) {
    const city = z.split('/').pop();
    if (city && z.includes('/')) ianaByCity.set(city.replace(/_/g, ' ').toLowerCase(), z);
  }
  return ianaByCity;
}

// Display names written by Outlook for Mac / Exchange 2003 whose cities are not IANA zone names.
const DISPLAY_NAMES: Record<string, string> = {
  'eastern time (us & canada)': 'America/New_York',
  'central time (us & canada)': 'America/Chicago',
  'mountain time (us & canada)': 'America/Denver',
  'pacific time (us & canada)': 'America/Los_Angeles',
  'pacific time (us & canada), tijuana': 'America/Los_Angeles',
  'greenwich mean time : dublin, edinburgh, lisbon, london': 'Europe/London',
};

const CDO_OFFSETS: Record<string, string> = {
  '+0000/+0100': 'Europe/London',
  '+0100/+0200': 'Europe/Berlin',
  '+0200/+0300': 'Europe/Helsinki',
  '-0500/-0400': 'America/New_York',
  '-0600/-0500': 'America/Chicago',
  '-0700/-0600': 'America/Denver',
  '-0800/-0700': 'America/Los_Angeles',
};

/** Maps a TZID as written to an IANA name (or 'UTC'); null when there is no safe mapping. */
export function toIana(tzidIn: string): string | null {
  const tzid = cleanTzid(tzidIn);
  if (zoneCache.has(tzid)) return zoneCache.get(tzid) ?? null;
  const found = computeIana(tzid);
  zoneCache.set(tzid, found);
  return found;
}

function isIana(name: string): boolean {
  if (!/^[A-Za-z]/.test(name) || !/^[A-Za-z0-9_+\-/]+$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function windowsToIana(name: string): string | null {
  const tryOne = (n: string): string | null => {
    try {
      return findIana(n)[0] ?? null;
    } catch {
      return null;
    }
  };
  const exact = tryOne(name);
  if (exact) return exact;
  // windows-iana is case-sensitive; Exchange and Lotus also drop the " Standard Time" suffix ("W. Europe", "FLE").
  const lower = name.toLowerCase();
  for (const w of windowsNames()) {
    const wl = w.toLowerCase();
    if (wl === lower || wl === `${lower} standard time` || wl === `${lower} time`) return tryOne(w);
  }
  return null;
}

let winNames: string[] | null = null;
function windowsNames(): string[] {
  winNames ??= [...new Set(WINDOWS_TO_IANA_MAP.map((row) => row.windowsName as string))];
  return winNames;
}

function computeIana(tzid: string): string | null {
  if (tzid === '') return null;
  if (/^(utc|gmt|z|etc\/utc|etc\/gmt|universal|zulu|coordinated universal time)$/i.test(tzid)) return 'UTC';
  if (isIana(tzid)) return tzid;
  const win = windowsToIana(tzid);
  if (win) return win;
  // Mozilla / Evolution style prefixes: '/mozilla.org/20050126_1/Europe/Berlin', '/softwarestudio.org/.../X/Y'.
  const tail = /([A-Za-z]+\/[A-Za-z0-9_+\-]+(?:\/[A-Za-z0-9_+\-]+)?)$/.exec(tzid)?.[1];
  if (tail && tail !== tzid) {
    const parts = tail.split('/');
    for (let i = 0; i < parts.length - 1; i++) {
      const cand = parts.slice(i).join('/');
      if (isIana(cand)) return cand;
    }
  }
  // Exchange CDO writes 'GMT +0100 (Standard) / GMT +0200 (Daylight)'. The offsets alone do not name a zone, so
  // this is a labelled guess (the region's most common zone); the embedded VTIMEZONE still supplies the offsets.
  const cdo = /^GMT\s*([+-]\d{4})\s*\(Standard\)\s*\/\s*GMT\s*([+-]\d{4})\s*\(Daylight\)$/i.exec(tzid);
  if (cdo) return CDO_OFFSETS[`${cdo[1]}/${cdo[2]}`] ?? null;
  // Lotus Notes writes 'America-Chicago'.
  if (/^[A-Za-z]+-[A-Za-z_]+$/.test(tzid) && isIana(tzid.replace('-', '/'))) return tzid.replace('-', '/');
  // Windows display names: '(GMT-05.00) Eastern Time (US & Canada)', 'Sarajevo, Skopje, Warsaw, Zagreb'.
  const bare = tzid.replace(/^\((?:GMT|UTC)[^)]*\)\s*/i, '').trim();
  const known = DISPLAY_NAMES[bare.toLowerCase()];
  if (known) return known;
  if (bare !== tzid) {
    const w = windowsToIana(bare);
    if (w) return w;
  }
  if (!/\d/.test(bare)) {
    const cities = cityIndex();
    for (const part of bare.split(/[,/;]| - /)) {
      const hit = cities.get(part.trim().toLowerCase());
      if (hit) return hit;
    }
  }
  return null;
}

const dtfCache = new Map<string, Intl.DateTimeFormat>();

/** Offset (seconds east of UTC) of an IANA zone at a UTC instant, from Node's built-in tz database. */
function ianaOffsetAt(zone: string, utcMs: number): number | null {
  if (zone === 'UTC') return 0;
  let dtf = dtfCache.get(zone);
  if (!dtf) {
    try {
      dtf = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch {
      return null;
    }
    dtfCache.set(zone, dtf);
  }
  const parts: Record<string, string> = {};
  for (const p of dtf.formatToParts(new Date(utcMs))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era && /^b/i.test(parts.era)) year = 1 - year;
  const d = new Date(0);
  d.setUTCFullYear(year, Number(parts.month) - 1, Number(parts.day));
  d.setUTCHours(Number(parts.hour) % 24, Number(parts.minute), Number(parts.second), 0);
  const off = Math.round((d.getTime() - Math.floor(utcMs / 1000) * 1000) / 1000);
  return Number.isFinite(off) ? off : null;
}

/** Offset for a wall-clock time in a zone (two passes settle DST edges; a skipped hour takes the later offset). */
function ianaOffsetForLocal(zone: string, local: number): number | null {
  const first = ianaOffsetAt(zone, local);
  if (first === null) return null;
  const second = ianaOffsetAt(zone, local - first * 1000);
  return second ?? first;
}
