// The occurrences of the commonest series by arithmetic, without reading the series with ical.js (issue 9: reading
// and iterating one series costs ~0.5 ms, and a month of a large calendar touches a thousand series). Pure: no Node
// or DOM APIs.
//
// Only one shape is handled, the one Outlook, Exchange and Google write for almost every meeting series: a timed
// DTSTART in UTC or in a zone whose VTIMEZONE came with it; `FREQ=WEEKLY` whose BYDAY names DTSTART's weekday
// (several weekdays only with INTERVAL 1), or `FREQ=DAILY` without BYxxx; COUNT or UNTIL (UTC) or neither; EXDATEs as
// UTC instants; no RDATE, no override. Every other series returns null and takes agenda.ts's ical.js path.
//
// For that shape RFC 5545 §3.3.10 gives the instances directly: DTSTART's wall time on every day of DTSTART's
// weekday pattern (each INTERVAL-th week, or day), from DTSTART on; the COUNT first of them (DTSTART is the first,
// §3.8.5.3), or those whose instant is not after UNTIL. Offsets come from ical.js's own zone for the VTIMEZONE (the
// same cached Timezone agenda.ts's path uses, zones/vtimezone.ts), and each occurrence is written as that path writes
// it (its start and end wall time with the offset there; the end is the start plus the series' duration in wall
// time, as ical.js's Event#getOccurrenceDetails adds it). test/unit/agenda-fast-start.test.ts compares both paths.
import ICAL from 'ical.js';
import { cachedTimezone } from './zones/vtimezone';
import type { StoredEvent } from './types';

type ICalTimezone = InstanceType<typeof ICAL.Timezone>;

const DAY = 86_400_000;
const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
const ALLOWED_PARTS = new Set(['FREQ', 'INTERVAL', 'UNTIL', 'COUNT', 'BYDAY', 'WKST']);

/** One instance: its wall times (read as UTC ms) and the zone offsets there (seconds), ascending. */
export interface SimpleInstance {
  startWall: number;
  startOffset: number;
  endWall: number;
  endOffset: number;
}

export interface SimpleSeries {
  /** null: DTSTART is UTC ('Z'); else the VTIMEZONE's zone. */
  zone: ICalTimezone | null;
  /** DTSTART's wall time read as UTC ms. */
  startWall: number;
  /** DTEND − DTSTART in seconds, as ical.js's Event#duration gives it (instants, DTEND in DTSTART's zone). */
  durationSec: number;
  /** Days from DTSTART's day of each instance in one cycle, ascending, the first 0. */
  offsets: number[];
  cycleDays: number;
  count: number | null;
  /** UNTIL as an instant (ms), or null. */
  untilMs: number | null;
  /** What each occurrence shows: the component's SUMMARY (else the stored one) and STATUS. */
  summary: string | null;
  status: string | null;
}

/** Zones by their VTIMEZONE text, read once (bounded; the zone itself comes from zones/vtimezone.ts's cache). */
const zones = new Map<string, ICalTimezone>();
const MAX_ZONES = 64;

function zoneFor(text: string): ICalTimezone {
  let z = zones.get(text);
  if (!z) {
    z = cachedTimezone(ICAL.Component.fromString(text));
    while (zones.size >= MAX_ZONES) zones.delete(zones.keys().next().value as string);
    zones.set(text, z);
  }
  return z;
}

/** The TZID lines' values of each VTIMEZONE text, read once (bounded): 1601 zones are long to split per series. */
const tzidsByText = new Map<string, string[]>();

function zoneTzids(text: string): string[] {
  let ids = tzidsByText.get(text);
  if (!ids) {
    ids = text.split(/\r?\n/).filter((l) => l.startsWith('TZID:')).map((l) => l.slice(5));
    while (tzidsByText.size >= MAX_ZONES) tzidsByText.delete(tzidsByText.keys().next().value as string);
    tzidsByText.set(text, ids);
  }
  return ids;
}

/** Digits from `at` to `to` as a number, or NaN. */
function digits(s: string, at: number, to: number): number {
  let n = 0;
  for (let i = at; i < to; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return NaN;
    n = n * 10 + d;
  }
  return n;
}

/** 'YYYY-MM-DDTHH:MM:SS…' read as UTC ms (by character codes: every series' DTSTART and DTEND go through here). */
function wallOf(value: string): number {
  if (value.length < 19 || value[4] !== '-' || value[7] !== '-' || value[10] !== 'T' || value[13] !== ':' || value[16] !== ':') return NaN;
  const y = digits(value, 0, 4);
  const mo = digits(value, 5, 7);
  const d = digits(value, 8, 10);
  const h = digits(value, 11, 13);
  const mi = digits(value, 14, 16);
  const s = digits(value, 17, 19);
  return y === y && mo === mo && d === d && h === h && mi === mi && s === s ? Date.UTC(y, mo - 1, d, h, mi, s) : NaN;
}

/**
 * The content lines of a component's text by property name (a folded line reads as another property: ineligible).
 * Scanned by character codes, not regular expressions: a month's agenda reads a thousand series this way.
 */
function propertyLines(ics: string): (name: string) => string[] {
  const by = new Map<string, string[]>();
  let at = 0;
  while (at < ics.length) {
    let nl = ics.indexOf('\n', at);
    if (nl < 0) nl = ics.length;
    const lineEnd = nl < ics.length && nl > at && ics.charCodeAt(nl - 1) === 13 ? nl - 1 : nl; // CRLF or LF, as split(/\r?\n/)
    let end = -1;
    for (let i = at; i < lineEnd; i++) {
      const c = ics.charCodeAt(i);
      if (c === 58 || c === 59) {
        end = i; // ':' or ';'
        break;
      }
    }
    if (end > at) {
      const name = ics.slice(at, end).toUpperCase();
      const l = ics.slice(at, lineEnd);
      const list = by.get(name);
      if (list) list.push(l);
      else by.set(name, [l]);
    }
    at = nl + 1;
  }
  return (name) => by.get(name) ?? [];
}

/**
 * Series looked at, with what they were read from (compared by reference): a series is read once until it changes.
 * Weak: an entry lives no longer than the stored event it describes.
 */
const seriesCache = new WeakMap<StoredEvent, { master: unknown; vtimezones: readonly string[]; series: SimpleSeries | null }>();

/** The series in the handled shape, or null (see the file comment). */
export function simpleSeries(ev: StoredEvent): SimpleSeries | null {
  const hit = seriesCache.get(ev);
  if (hit && hit.master === ev.master && hit.vtimezones === ev.vtimezones && ev.overrides.length === 0 && !ev.cancelled) return hit.series;
  const series = readSeries(ev);
  seriesCache.set(ev, { master: ev.master, vtimezones: ev.vtimezones, series });
  return series;
}

function readSeries(ev: StoredEvent): SimpleSeries | null {
  const m = ev.master;
  if (!m || ev.cancelled || ev.overrides.length > 0 || !m.rrule || m.rdate.length > 0 || !m.start) return null;
  if (m.start.allDay || m.start.floating || m.duration && m.end) return null;
  if (m.exdate.some((x) => !x.endsWith('Z'))) return null;
  const lines = propertyLines(m.ics);
  // Exactly one of each property this shape reads, written plainly (what ical.js would read is what was stored).
  if (lines('RRULE').length !== 1 || lines('RDATE').length || lines('EXRULE').length || lines('RECURRENCE-ID').length) return null;
  if (lines('DTSTART').length !== 1 || lines('DTEND').length > 1 || lines('DURATION').length > 1) return null;
  // SUMMARY and STATUS as ical.js reads them (agenda.ts's path shows the component's values): plain text only.
  const summaryLines = lines('SUMMARY');
  const statusLines = lines('STATUS');
  if (summaryLines.length > 1 || statusLines.length > 1) return null;
  const summary = summaryLines.length ? /^SUMMARY:([^\\]*)$/.exec(summaryLines[0]!)?.[1] : m.summary;
  const status = statusLines.length ? /^STATUS:([A-Za-z-]+)$/.exec(statusLines[0]!)?.[1] : null;
  if (summary === undefined || status === undefined || status?.toUpperCase() === 'CANCELLED') return null;

  // The rule as written in the component (what ical.js reads), not the parser's copy of it.
  const ruleLine = lines('RRULE')[0]!;
  if (!ruleLine.startsWith('RRULE:')) return null;
  const parts = new Map<string, string>();
  for (const p of ruleLine.slice(6).split(';')) {
    const eq = p.indexOf('=');
    if (eq <= 0) return null;
    // Written exactly as RFC 5545 §3.3.10 spells it (upper case): anything else is left to ical.js's own reading.
    const k = p.slice(0, eq);
    if (!ALLOWED_PARTS.has(k) || parts.has(k)) return null;
    parts.set(k, p.slice(eq + 1));
  }
  if (parts.has('WKST') && !WEEKDAYS.includes(parts.get('WKST')!)) return null;
  const freq = parts.get('FREQ');
  const interval = parts.has('INTERVAL') ? Number(parts.get('INTERVAL')) : 1;
  if (!Number.isSafeInteger(interval) || interval < 1 || interval > 1000 || !/^\d+$/.test(parts.get('INTERVAL') ?? '1')) return null;
  if (parts.has('COUNT') && parts.has('UNTIL')) return null;
  let count: number | null = null;
  if (parts.has('COUNT')) {
    if (!/^\d{1,6}$/.test(parts.get('COUNT')!)) return null;
    count = Number(parts.get('COUNT'));
    if (count < 1) return null;
  }
  let untilMs: number | null = null;
  if (parts.has('UNTIL')) {
    const u = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(parts.get('UNTIL')!);
    if (!u) return null;
    untilMs = Date.UTC(+u[1]!, +u[2]! - 1, +u[3]!, +u[4]!, +u[5]!, +u[6]!);
  }

  const startWall = wallOf(m.start.value);
  if (!Number.isFinite(startWall)) return null;
  let zone: ICalTimezone | null = null;
  if (m.start.value.endsWith('Z')) {
    if (m.start.tzid !== 'UTC' || !/^DTSTART:\d{8}T\d{6}Z$/.test(lines('DTSTART')[0]!)) return null;
  } else {
    const tzid = m.start.originalTzid ?? m.start.tzid;
    if (!tzid || tzid.toUpperCase() === 'UTC' || lines('DTSTART')[0] !== `DTSTART;TZID=${tzid}:${m.start.value.slice(0, 19).replace(/[-:]/g, '')}`) return null;
    // The one VTIMEZONE naming it (two would leave the choice to ical.js's order).
    const texts = ev.vtimezones.filter((t) => zoneTzids(t).includes(tzid));
    if (texts.length !== 1) return null;
    zone = zoneFor(texts[0]!);
  }

  const dow = new Date(startWall).getUTCDay();
  let offsets = [0];
  let cycleDays = interval;
  if (freq === 'WEEKLY') {
    cycleDays = 7 * interval;
    if (parts.has('BYDAY')) {
      const days = parts.get('BYDAY')!.split(',').map((d) => WEEKDAYS.indexOf(d));
      if (days.some((d) => d < 0) || !days.includes(dow) || new Set(days).size !== days.length) return null;
      if (days.length > 1 && interval !== 1) return null;
      offsets = days.map((d) => (d - dow + 7) % 7).sort((a, b) => a - b);
    }
  } else if (freq !== 'DAILY' || parts.has('BYDAY')) {
    return null;
  }

  // ical.js's Event#duration: DTEND − DTSTART as instants, or DURATION, or none.
  let durationSec = 0;
  if (m.duration) {
    try {
      durationSec = ICAL.Duration.fromString(m.duration).toSeconds();
    } catch {
      return null;
    }
  } else if (m.end) {
    const e = m.end;
    if (e.allDay || e.floating || e.tzid !== m.start.tzid || e.originalTzid !== m.start.originalTzid) return null;
    const endWall = wallOf(e.value);
    if (!Number.isFinite(endWall)) return null;
    durationSec = (endWall - offsetAt(zone, endWall) * 1000 - (startWall - offsetAt(zone, startWall) * 1000)) / 1000;
  }
  return { zone, startWall, durationSec, offsets, cycleDays, count, untilMs, summary: summary ?? null, status };
}

/** Offsets asked of each zone, by wall time (many series meet at the same hours): a pure function, kept bounded. */
const offsetMemo = new WeakMap<ICalTimezone, Map<number, number>>();
const MAX_OFFSETS_PER_ZONE = 4096;

/** ical.js's offset (seconds) of a wall time in `zone` (Time#utcOffset); 0 for UTC. */
export function offsetAt(zone: ICalTimezone | null, wall: number): number {
  if (!zone) return 0;
  // Keyed by whole minutes, small integers V8 keeps unboxed: a key in milliseconds (beyond 2^31) is a heap number,
  // allocated on every lookup, which made the lookups the agenda's costliest step. Other wall times are not kept.
  const key = wall / 60_000;
  const keep = Number.isInteger(key) && key > -1e9 && key < 1e9;
  let memo = offsetMemo.get(zone);
  if (!memo) offsetMemo.set(zone, (memo = new Map()));
  const hit = keep ? memo.get(key) : undefined;
  if (hit !== undefined) return hit;
  const d = new Date(wall);
  // Time#utcOffset is zone.utcOffset(time), which reads only the time's fields (ical.js Timezone#utcOffset, and
  // zones/vtimezone.ts's CachedTimezone): the fields alone, without building an ICAL.Time.
  const fields = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), isDate: false };
  const offset = zone.utcOffset(fields as unknown as InstanceType<typeof ICAL.Time>);
  if (!keep) return offset;
  if (memo.size >= MAX_OFFSETS_PER_ZONE) memo.clear();
  memo.set(key, offset);
  return offset;
}

/**
 * The instances whose wall start lies in [loWall, hiWall) (the caller widens its window by zone offsets and the
 * duration), in order; bounded by the window, never by the series' length.
 */
export function simpleInstances(s: SimpleSeries, loWall: number, hiWall: number): SimpleInstance[] {
  const out: SimpleInstance[] = [];
  const per = s.offsets.length;
  const cycleMs = s.cycleDays * DAY;
  let cycle = Math.max(0, Math.floor((loWall - s.startWall) / cycleMs) - 1);
  for (;;) {
    for (let i = 0; i < per; i++) {
      const k = cycle * per + i;
      if (s.count !== null && k >= s.count) return out;
      const startWall = s.startWall + cycle * cycleMs + s.offsets[i]! * DAY;
      if (startWall >= hiWall) return out;
      const startOffset = offsetAt(s.zone, startWall);
      // RFC 5545 §3.3.10 UNTIL: the last instance is the one at or before it (compared as instants, as ical.js does).
      if (s.untilMs !== null && startWall - startOffset * 1000 > s.untilMs) return out;
      if (startWall < loWall) continue;
      const endWall = startWall + s.durationSec * 1000;
      out.push({ startWall, startOffset, endWall, endOffset: endWall === startWall ? startOffset : offsetAt(s.zone, endWall) });
    }
    cycle++;
  }
}
