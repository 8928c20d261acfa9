// The agenda: stored events expanded into occurrences within a window, with overrides applied and cancelled
// instances (STATUS:CANCELLED overrides, EXDATE, cancelled events) left out. Pure: no Node or DOM APIs.
//
// Recurrence expansion is ical.js's (RFC 5545 §3.8.5.3 rules, EXDATE, RDATE); RANGE=THISANDFUTURE overrides
// (RFC 5545 §3.8.4.4) are applied here, zone-correctly, to the occurrences they govern; the event's own
// VTIMEZONEs travel with it in the store, so each expansion builds one VCALENDAR with them and lets ical.js resolve
// TZIDs inside that tree (no global timezone registry). A TZID without a VTIMEZONE falls back to the parsed IANA
// zone (DateTimeValue.tzid) through Intl.
import ICAL from 'ical.js';
import { isKnownZone, zoneOffsetSeconds } from './ics-write';
import { useCachedZones, ZoneTooComplexError } from './zones/vtimezone';
import { RECUR_STEP_BUDGET, ruleAdmits, withRecurBudget } from './recur-guard';
import { shiftedStart } from './recur-window';
import { simpleInstances, simpleSeries, type SimpleSeries } from './simple-series';
import type { DateTimeValue, EventData, StoredEvent } from './types';

/** An attendee as they stand for one occurrence (the override's list where the occurrence has one). */
export interface OccurrenceAttendee {
  email: string;
  partstat: string;
  /** The attendee's CN as the event states it (absent when it gives none): the calendar names people, not addresses. */
  cn?: string;
}

export interface Occurrence {
  uid: string;
  /** Normalised like EventData.recurrenceId ('...Z' instant, or 'YYYY-MM-DD'); null for non-recurring events. */
  recurrenceId: string | null;
  /** ISO with offset like DateTimeValue.value, or 'YYYY-MM-DD' for all-day. */
  start: string;
  end: string;
  summary: string | null;
  status: string | null;
  allDay: boolean;
  /** The attendees for this occurrence (issue 8 §5): the override's where there is one, else the series'. */
  attendees: OccurrenceAttendee[];
  /** Present (true) when this event's expansion was cut short by the iteration budget: later rows may be missing. */
  truncated?: true;
}

/** An event whose expansion stopped at the iteration budget (RFC 5545 rules that never or hardly ever match). */
export interface CutShort {
  uid: string;
  reason: string;
}

export interface AgendaReport {
  occurrences: Occurrence[];
  cutShort: CutShort[];
}

export interface ExpandOptions {
  /**
   * The plain way, for the property test (test/unit/agenda-fast-start.test.ts checks the results are the same):
   * every rule iterated from its DTSTART, never from a start moved near the window (recur-window.ts); the series
   * read afresh, not from the cache of series read; every occurrence's details asked of ical.js.
   */
  reference?: boolean;
}

/** Margin between a moved iteration start and anything the expansion shows (zone offsets, the loop's own slack). */
const SHIFT_MARGIN_MS = 4 * 86_400_000;

/** Upper bound on rule iterations per event: a FREQ=SECONDLY rule without COUNT or UNTIL must not hang the UI. */
export const MAX_ITERATIONS = 100_000;

type ICalTime = InstanceType<typeof ICAL.Time>;
type ICalEvent = InstanceType<typeof ICAL.Event>;

/** Milliseconds for an ISO string as this module writes them; floating and date values read as UTC. */
export function isoToMs(iso: string): number {
  const fast = writtenInstantMs(iso);
  if (fast === fast) return fast; // not NaN
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return Date.parse(`${iso}T00:00:00Z`);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(iso)) return Date.parse(`${iso}Z`);
  return Date.parse(iso);
}

const D0 = 48; // '0'

/** Two ASCII digits at `i` as a number, or NaN. */
function two(s: string, i: number): number {
  const a = s.charCodeAt(i) - D0;
  const b = s.charCodeAt(i + 1) - D0;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : NaN;
}

/**
 * The instants this module writes for every timed occurrence ('2025-06-03T10:00:00Z', '2025-06-03T10:00:00+02:00')
 * read by arithmetic (an agenda reads each start and end a few times): exactly Date.parse's answer, or NaN to let
 * Date.parse answer. Only fields every calendar date has take this path (years from 1000, days up to 28, hours up
 * to 23): the edge cases Date.parse decides (day 31 of a short month, hour 24, two-digit years) never get here.
 */
function writtenInstantMs(iso: string): number {
  const n = iso.length;
  if (n !== 20 && n !== 25) return NaN;
  if (iso.charCodeAt(4) !== 45 || iso.charCodeAt(7) !== 45 || iso.charCodeAt(10) !== 84 || iso.charCodeAt(13) !== 58 || iso.charCodeAt(16) !== 58) return NaN;
  let offsetMin = 0;
  const z = iso.charCodeAt(19);
  if (n === 20) {
    if (z !== 90) return NaN; // 'Z'
  } else {
    if ((z !== 43 && z !== 45) || iso.charCodeAt(22) !== 58) return NaN; // '+' or '-', ':'
    const oh = two(iso, 20);
    const om = two(iso, 23);
    if (!(oh <= 23 && om <= 59)) return NaN;
    offsetMin = (z === 45 ? -1 : 1) * (oh * 60 + om);
  }
  const year = two(iso, 0) * 100 + two(iso, 2);
  const month = two(iso, 5);
  const day = two(iso, 8);
  const hour = two(iso, 11);
  const minute = two(iso, 14);
  const second = two(iso, 17);
  if (!(year >= 1000 && month >= 1 && month <= 12 && day >= 1 && day <= 28 && hour <= 23 && minute <= 59 && second <= 59)) return NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second) - offsetMin * 60_000;
}

export function expandAgenda(events: StoredEvent[], from: string, to: string): Occurrence[] {
  return expandAgendaReport(events, from, to).occurrences;
}

/**
 * expandAgenda, and which events were cut short. Every expansion is bounded by the requested window and by
 * RECUR_STEP_BUDGET search steps per event (recur-guard.ts), never by occurrences returned alone: a rule that can
 * never match ends in bounded time, and its rows carry `truncated: true` and its UID is listed in `cutShort`.
 */
export function expandAgendaReport(events: StoredEvent[], from: string, to: string, opts: ExpandOptions = {}): AgendaReport {
  const fromMs = isoToMs(from);
  const toMs = isoToMs(to);
  const cutShort: CutShort[] = [];
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs <= fromMs) return { occurrences: [], cutShort };
  const out: Occurrence[] = [];
  for (const ev of events) {
    const cut = expandEventInto(ev, fromMs, toMs, out, opts);
    if (cut) cutShort.push(cut);
  }
  // By start, then UID (a stable sort: each series keeps its own order), each start read once.
  const keyed = out.map((o) => ({ o, ms: isoToMs(o.start) }));
  keyed.sort((a, b) => a.ms - b.ms || compareUids(a.o.uid, b.o.uid));
  return { occurrences: keyed.map((k) => k.o), cutShort };
}

/**
 * The order of UIDs for equal starts: String#localeCompare with no locale or options is by definition (ECMA-402
 * §19.1.1) the compare function of a default Intl.Collator; made once, it costs a tenth of a localeCompare call.
 */
export const compareUids: (a: string, b: string) => number = new Intl.Collator().compare;

/**
 * One event's occurrences overlapping [fromMs, toMs), appended to `out` in expansion order (expandAgendaReport sorts
 * them all by start, then UID, with a stable sort); what was cut short, or null. The expansion cache
 * (electron/store/expansion-cache.ts) expands series one by one through this, and sorts as expandAgendaReport does.
 */
export function expandEventInto(ev: StoredEvent, fromMs: number, toMs: number, out: Occurrence[], opts: ExpandOptions = {}): CutShort | null {
  if (!ev || ev.cancelled) return null;
  const mark = out.length;
  let cut = false;
  let zoneCut = false;
  try {
    cut = withRecurBudget(RECUR_STEP_BUDGET, () => expandOne(ev, fromMs, toMs, out, opts)).cutShort;
  } catch (err) {
    // One broken stored event must not hide the rest of the agenda; fall back to what the parser recorded.
    out.length = mark;
    fallbackSingles(ev, fromMs, toMs, out);
    // A zone whose own rule ran out of steps: the series could not be expanded, and the agenda says so.
    if (err instanceof ZoneTooComplexError) cut = zoneCut = true;
  }
  if (!cut) return null;
  for (let i = mark; i < out.length; i++) out[i]!.truncated = true;
  return {
    uid: ev.uid,
    reason: zoneCut
      ? 'a VTIMEZONE rule needs too many recurrence steps: only the times the message stated are shown'
      : `recurrence expansion stopped after ${RECUR_STEP_BUDGET} iterations: the rule matches no date, or too few to find (RFC 5545 §3.3.10)`,
  };
}

function attendeesOf(e: EventData | null | undefined): OccurrenceAttendee[] {
  return (e?.attendees ?? []).map((a) => {
    const row: OccurrenceAttendee = { email: a.email, partstat: String(a.partstat || 'NEEDS-ACTION').toUpperCase() };
    if (a.cn) row.cn = a.cn;
    return row;
  });
}

function isCancelled(status: string | null | undefined): boolean {
  return (status ?? '').toUpperCase() === 'CANCELLED';
}

function overlaps(startMs: number, endMs: number, fromMs: number, toMs: number): boolean {
  if (!Number.isFinite(startMs)) return false;
  if (!Number.isFinite(endMs) || endMs <= startMs) return startMs >= fromMs && startMs < toMs;
  return startMs < toMs && endMs > fromMs;
}

function isRecurring(e: EventData): boolean {
  return !!e.rrule || e.rdate.length > 0;
}

/** A series read for expansion: its ical.js tree and what every call derives from it (never from the window). */
interface Prepared {
  /** What it was read from (compared by reference: a changed series is a new StoredEvent with new strings). */
  source: readonly string[];
  masterComp: InstanceType<typeof ICAL.Component>;
  rule: InstanceType<typeof ICAL.Recur> | null;
  dtstartTime: ICalTime;
  event: ICalEvent;
  rdates: RdateValue[];
  overrideById: Map<string, EventData>;
  masterZone: string | null;
  ranges: RangeOverride[];
  earlier: number;
  exdates: Set<string>;
  durationMs: number;
  dtstartRid: string;
}

/**
 * Series read lately (least recently used dropped first): switching the week re-expands the series the last week
 * showed, and reading one is most of what an expansion costs. Bounded, so memory stays flat however many series
 * one scrolls through.
 */
const MAX_PREPARED = 512;
const preparedCache = new Map<StoredEvent, Prepared | null>();

function sourceOf(ev: StoredEvent, master: EventData): string[] {
  return [master.ics, ...ev.overrides.map((o) => o.ics), ...ev.vtimezones];
}

function sameSource(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The series read for expansion (cached), or null when it has no usable master DTSTART. */
function prepared(ev: StoredEvent, master: EventData): Prepared | null {
  const source = sourceOf(ev, master);
  const hit = preparedCache.get(ev);
  if (hit !== undefined && (hit === null || sameSource(hit.source, source))) {
    preparedCache.delete(ev);
    preparedCache.set(ev, hit);
    return hit;
  }
  const p = prepare(ev, master, source);
  preparedCache.delete(ev);
  while (preparedCache.size >= MAX_PREPARED) preparedCache.delete(preparedCache.keys().next().value as StoredEvent);
  preparedCache.set(ev, p);
  return p;
}

function prepare(ev: StoredEvent, master: EventData, source: readonly string[]): Prepared | null {
  const text = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Convene//agenda//EN',
    ...ev.vtimezones.map((t) => t.replace(/\r?\n$/, '')),
    master.ics.replace(/\r?\n$/, ''),
    ...ev.overrides.map((o) => o.ics.replace(/\r?\n$/, '')),
    'END:VCALENDAR',
    '',
  ].join('\r\n');
  const cal = new ICAL.Component(ICAL.parse(text));
  useCachedZones(cal); // each zone definition expanded once, not per event per call (zones/vtimezone.ts)
  const comps = cal.getAllSubcomponents(master.component.toLowerCase());
  const masterComp = comps.find((c) => !c.hasProperty('recurrence-id'));
  if (!masterComp || !masterComp.hasProperty('dtstart')) return null;
  for (const c of comps) {
    const ridProp = c.getFirstProperty('recurrence-id');
    if (ridProp && String(ridProp.getParameter('range') ?? '').toUpperCase() === 'THISANDFUTURE') {
      // RFC 5545 §3.8.4.4: applied to the later occurrences below, from the plain data. ical.js would apply it too
      // (its Event relates the tree's exceptions when built), but it moves an occurrence into the override's zone
      // without converting it (wrong when the override's DTSTART is written in another zone than the series, or the
      // TZID has no VTIMEZONE), so it must only see the override as the exception of its own instance.
      ridProp.removeParameter('range');
    }
  }
  // RDATEs (DATE, DATE-TIME and PERIOD values, RFC 5545 §3.8.5.2) are expanded below by this module, beside
  // DTSTART's own occurrence: ical.js drops DTSTART when a series has RDATEs and no RRULE, and PERIOD values.
  const rdates = readRdates(masterComp);
  masterComp.removeAllProperties('rdate');
  const rule = masterComp.getFirstPropertyValue('rrule') as InstanceType<typeof ICAL.Recur> | null;
  const dtstartTime = masterComp.getFirstPropertyValue('dtstart') as ICalTime;
  const event: ICalEvent = new ICAL.Event(masterComp, { strictExceptions: false });
  const overrideById = new Map<string, EventData>();
  for (const o of ev.overrides) if (o.recurrenceId) overrideById.set(o.recurrenceId, o);
  const masterZone = master.start?.tzid ?? null;
  for (const c of comps) {
    if (c === masterComp || !c.hasProperty('recurrence-id')) continue;
    try {
      event.relateException(c);
    } catch {
      /* an override whose RECURRENCE-ID does not parse is ignored, as clients do */
    }
  }
  const ranges = ev.overrides.map(rangeOverride).filter((r): r is RangeOverride => r !== null).sort((a, b) => a.ridMs - b.ridMs);
  // A this-and-future change can move occurrences earlier: iterate that much further.
  const earlier = Math.max(0, ...ranges.map((r) => -r.shiftMs).filter(Number.isFinite));
  return {
    source,
    masterComp,
    rule,
    dtstartTime,
    event,
    rdates,
    overrideById,
    masterZone,
    ranges,
    earlier,
    exdates: new Set(master.exdate),
    durationMs: Math.max(0, event.duration.toSeconds() * 1000),
    dtstartRid: normRecurrenceId(dtstartTime, masterZone),
  };
}

function expandOne(ev: StoredEvent, fromMs: number, toMs: number, out: Occurrence[], opts: ExpandOptions): void {
  const master = ev.master;
  if (!master || !isRecurring(master)) {
    fallbackSingles(ev, fromMs, toMs, out);
    return;
  }
  if (!opts.reference) {
    // The commonest shape (a plain weekly or daily series) by arithmetic, without reading it with ical.js.
    const simple = simpleSeries(ev);
    if (simple && pushSimple(ev, master, simple, fromMs, toMs, out)) return;
  }
  const p = opts.reference ? prepare(ev, master, []) : prepared(ev, master);
  if (!p) {
    fallbackSingles(ev, fromMs, toMs, out);
    return;
  }
  const { masterComp, rule, dtstartTime, event, rdates, overrideById, masterZone, ranges, earlier, exdates, durationMs, dtstartRid } = p;
  const seen = new Set<string>();
  const hasExceptions = Object.keys(event.exceptions).length > 0;
  const duration = event.duration;
  const it = event.iterator((opts.reference ? null : iterationStart(masterComp, rule, dtstartTime, ev, fromMs - durationMs - earlier)) ?? undefined);
  let n = 0;
  // The budget (recur-guard) may stop the loop with an exception from it.next(): the occurrences pushed so far are
  // kept and the remaining RDATEs/overrides still applied, so a cut-short series shows what it found.
  try {
  for (let t = it.next(); t; t = it.next()) {
    if (++n > MAX_ITERATIONS) break;
    // RFC 5545 §3.3.10: instances on dates the rule does not name (Feb 30 moved to Mar 2) are ignored. DTSTART is
    // always the first instance (§3.8.5.3), whatever the rule says.
    if (rule && t.compare(dtstartTime) !== 0 && !ruleAdmits(rule, t, dtstartTime)) continue;
    // Cheap instant (zone offsets differ by < 1 day, covered by the slack): the Intl path is only for output.
    const roughMs = t.toUnixTime() * 1000;
    // Overrides can move an instance earlier; a day's slack covers moves within the window's neighbourhood, and
    // overrides moved from further away are picked up below.
    if (roughMs >= toMs + 2 * 86_400_000 + earlier) break;
    // Long before the window, with no override that could move it there: nothing to read (the check below, early).
    if (!opts.reference && !hasExceptions && ranges.length === 0 && roughMs + durationMs + 2 * 86_400_000 < fromMs) continue;
    // No override related to the series: ical.js's getOccurrenceDetails would only add its duration (its
    // non-exception branch, without the exception lookups' zone conversions).
    const d = hasExceptions || opts.reference ? event.getOccurrenceDetails(t) : { item: event, startDate: t, endDate: plusDuration(t, duration) };
    const item: ICalEvent = d.item;
    const isException = item !== event;
    const recurrenceId = normRecurrenceId(t, masterZone);
    const range = isException ? null : governing(ranges, isoToMs(recurrenceId));
    if (!isException && !range && roughMs + durationMs + 2 * 86_400_000 < fromMs) continue;
    seen.add(recurrenceId);
    // EXDATEs as parsed (normalised instants): ical.js misses those written in another form than DTSTART (a UTC
    // EXDATE against a Windows TZID it cannot resolve).
    if (exdates.has(recurrenceId)) continue;
    const stored = overrideById.get(recurrenceId) ?? null;
    if (stored && !isException) {
      // An override ical.js did not relate (its RECURRENCE-ID written in another form, e.g. UTC for a TZID series,
      // as when a CANCEL or REPLY named the instance in UTC): apply it by its normalised instant.
      if (!isCancelled(stored.status)) pushSingle(ev.uid, stored, recurrenceId, fromMs, toMs, out);
      continue;
    }
    if (range) {
      // Governed by a this-and-future override: its properties, at the occurrence moved by its time shift.
      if (!isCancelled(range.data.status)) pushShifted(ev.uid, master, range, isoToMs(timeToIso(t, masterZone)), recurrenceId, fromMs, toMs, out);
      continue;
    }
    const over = isException ? stored : null;
    const status = (isException ? item.component.getFirstPropertyValue('status') : masterComp.getFirstPropertyValue('status')) as string | null;
    if (isCancelled(status)) continue;
    const zone = over?.start?.tzid ?? masterZone;
    const endZone = over?.end?.tzid ?? over?.start?.tzid ?? master.end?.tzid ?? masterZone;
    const start = timeToIso(d.startDate, zone);
    const end = d.endDate ? timeToIso(d.endDate, endZone) : start;
    const startMs = isoToMs(start);
    const endMs = d.startDate.isDate && end === start ? startMs + 86_400_000 : isoToMs(end);
    if (!overlaps(startMs, endMs, fromMs, toMs)) continue;
    const summary = (item.component.getFirstPropertyValue('summary') as string | null) ?? master.summary;
    out.push({ uid: ev.uid, recurrenceId, start, end, summary: summary ?? null, status: status ?? null, allDay: d.startDate.isDate, attendees: attendeesOf(over ?? master) });
  }
  } finally {
    // DTSTART's own occurrence is never lost (RFC 5545 §3.8.5.3: it is the first instance of the set).
    if (!seen.has(dtstartRid)) {
      seen.add(dtstartRid);
      pushInstance(ev, master, { rid: dtstartRid, startMs: NaN, endMs: NaN }, exdates, overrideById, ranges, fromMs, toMs, out);
    }
    for (const r of rdates) {
      const rid = normRecurrenceId(r.start, masterZone);
      if (seen.has(rid)) continue;
      seen.add(rid);
      const startMs = isoToMs(timeToIso(r.start, masterZone));
      const endMs = r.end ? isoToMs(timeToIso(r.end, masterZone)) : r.start.isDate ? startMs + 86_400_000 : startMs + durationMs;
      pushInstance(ev, master, { rid, startMs, endMs, allDay: r.start.isDate }, exdates, overrideById, ranges, fromMs, toMs, out);
    }
  }
  // Overrides whose instance lies beyond where the iteration stopped but which were moved into the window.
  for (const o of ev.overrides) {
    if (!o.recurrenceId || seen.has(o.recurrenceId) || isCancelled(o.status) || !o.start) continue;
    if (isoToMs(o.recurrenceId) < toMs + 2 * 86_400_000) continue; // within the iterated span: EXDATEd or not an instance
    pushSingle(ev.uid, o, o.recurrenceId, fromMs, toMs, out);
  }
}

/**
 * Where to start the rule's iteration for a window from `targetMs`: DTSTART moved forward by whole periods
 * (recur-window.ts), early enough that the moved start's own instance ends before the window and before every
 * override's RECURRENCE-ID (so every override, moved or this-and-future, is still met by the iteration as from
 * DTSTART); null to iterate from DTSTART.
 */
function iterationStart(
  masterComp: InstanceType<typeof ICAL.Component>,
  rule: InstanceType<typeof ICAL.Recur> | null,
  dtstart: ICalTime,
  ev: StoredEvent,
  targetMs: number,
): ICalTime | null {
  if (!rule || masterComp.getAllProperties('rrule').length !== 1) return null;
  let target = targetMs;
  for (const o of ev.overrides) {
    const rid = o.recurrenceId ? isoToMs(o.recurrenceId) : NaN;
    if (!Number.isFinite(rid)) return null;
    target = Math.min(target, rid);
  }
  return shiftedStart(rule, dtstart, target - SHIFT_MARGIN_MS);
}

/** Wall times as written (many series meet at the same hours in a month): a pure function, kept bounded. */
const wallTexts = new Map<number, string>();

function wallText(wallMs: number): string {
  // Keyed by whole minutes (small integers V8 keeps unboxed, as simple-series.ts's offsetAt); others not kept.
  const key = wallMs / 60_000;
  const keep = Number.isInteger(key) && key > -1e9 && key < 1e9;
  let t = keep ? wallTexts.get(key) : undefined;
  if (t === undefined) {
    t = new Date(wallMs).toISOString().slice(0, 19);
    if (!keep) return t;
    if (wallTexts.size >= 8192) wallTexts.clear();
    wallTexts.set(key, t);
  }
  return t;
}

/** A simple series' occurrences in the window, written as the ical.js path below writes them (simple-series.ts). */
function pushSimple(ev: StoredEvent, master: EventData, s: SimpleSeries, fromMs: number, toMs: number, out: Occurrence[]): boolean {
  const lo = fromMs - Math.max(0, s.durationSec * 1000) - 2 * 86_400_000;
  const hi = toMs + 2 * 86_400_000;
  // A window holding more instances than the iteration budget allows: the ical.js path, whose budget reports the
  // series as cut short (recur-guard.ts), so a huge window costs no more than it did.
  if (((hi - lo) / (s.cycleDays * 86_400_000) + 2) * s.offsets.length > RECUR_STEP_BUDGET) return false;
  const exdates = master.exdate.length > 0 ? new Set(master.exdate) : null;
  const write = (wallMs: number, offset: number): string => `${wallText(wallMs)}${s.zone ? offsetText(offset) : 'Z'}`;
  // Every occurrence shows the master's attendees: one list for the series (occurrences are read-only to callers,
  // and the expansion cache hands the same objects out again anyway).
  let attendees: OccurrenceAttendee[] | null = null;
  // Wall times are within a day of their instants: two days either side, and the duration before, cover the window.
  for (const x of simpleInstances(s, lo, hi)) {
    // The instants the written strings read back as: wall − offset, exactly when the offset is whole minutes (as
    // offsetText writes it); otherwise read back from the strings.
    const whole = x.startOffset % 60 === 0 && x.endOffset % 60 === 0;
    const startMs = whole ? x.startWall - x.startOffset * 1000 : isoToMs(write(x.startWall, x.startOffset));
    const endMs = whole ? x.endWall - x.endOffset * 1000 : isoToMs(write(x.endWall, x.endOffset));
    if (!overlaps(startMs, endMs, fromMs, toMs)) continue;
    const recurrenceId = `${new Date(startMs).toISOString().slice(0, 19)}Z`;
    if (exdates?.has(recurrenceId)) continue;
    attendees ??= attendeesOf(master);
    out.push({ uid: ev.uid, recurrenceId, start: write(x.startWall, x.startOffset), end: write(x.endWall, x.endOffset), summary: s.summary, status: s.status, allDay: false, attendees });
  }
  return true;
}

/** ical.js's occurrence end: a clone of the start with the event's duration added (Event#getOccurrenceDetails). */
function plusDuration(t: ICalTime, duration: InstanceType<typeof ICAL.Duration>): ICalTime {
  const end = t.clone();
  end.addDuration(duration);
  return end;
}

interface RdateValue {
  start: ICalTime;
  /** The PERIOD's end (explicit, or start + its duration); null for DATE and DATE-TIME values. */
  end: ICalTime | null;
}

function readRdates(comp: InstanceType<typeof ICAL.Component>): RdateValue[] {
  const out: RdateValue[] = [];
  for (const prop of comp.getAllProperties('rdate')) {
    for (const v of prop.getValues() as unknown[]) {
      if (v instanceof ICAL.Period) out.push({ start: v.start, end: v.getEnd() });
      else if (v instanceof ICAL.Time) out.push({ start: v, end: null });
    }
  }
  return out;
}

/**
 * One instance not produced by the RRULE iterator (DTSTART's own, an RDATE): EXDATE, an override of that instance,
 * a governing this-and-future override, or the master's data at the instance's time. `startMs` NaN: the master's
 * own DTSTART (its stored values are used).
 */
function pushInstance(
  ev: StoredEvent,
  master: EventData,
  at: { rid: string; startMs: number; endMs: number; allDay?: boolean },
  exdates: ReadonlySet<string>,
  overrideById: ReadonlyMap<string, EventData>,
  ranges: readonly RangeOverride[],
  fromMs: number,
  toMs: number,
  out: Occurrence[],
): void {
  if (exdates.has(at.rid)) return;
  const over = overrideById.get(at.rid);
  if (over) {
    if (!isCancelled(over.status)) pushSingle(ev.uid, over, at.rid, fromMs, toMs, out);
    return;
  }
  const range = governing(ranges, isoToMs(at.rid));
  if (range) {
    if (!isCancelled(range.data.status)) pushShifted(ev.uid, master, range, Number.isNaN(at.startMs) ? isoToMs(at.rid) : at.startMs, at.rid, fromMs, toMs, out);
    return;
  }
  if (isCancelled(master.status)) return;
  if (Number.isNaN(at.startMs)) {
    pushSingle(ev.uid, master, at.rid, fromMs, toMs, out);
    return;
  }
  if (!overlaps(at.startMs, at.endMs, fromMs, toMs)) return;
  const zone = master.start?.tzid ?? null;
  const write = (ms: number): string => {
    const iso = new Date(ms).toISOString();
    if (at.allDay) return iso.slice(0, 10);
    if (master.start?.floating) return iso.slice(0, 19);
    if (!zone || zone === 'UTC') return `${iso.slice(0, 19)}Z`;
    return formatInZone(ms, zone) ?? `${iso.slice(0, 19)}Z`;
  };
  out.push({
    uid: ev.uid,
    recurrenceId: at.rid,
    start: write(at.startMs),
    end: write(at.endMs),
    summary: master.summary,
    status: master.status,
    allDay: !!at.allDay,
    attendees: attendeesOf(master),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// RANGE=THISANDFUTURE (RFC 5545 §3.8.4.4): "the time shift ... is applied to all subsequent instances", and the
// override's properties replace the master's for them, up to the next this-and-future override.

interface RangeOverride {
  ridMs: number;
  /** The override's zone: IANA name, 'UTC', or null for floating and all-day values. */
  zone: string | null;
  allDay: boolean;
  /** DTSTART − RECURRENCE-ID in the override's wall time (so a move of "one hour later" survives DST changes). */
  shiftMs: number;
  /** The override's own length (DTEND − DTSTART, or DURATION). */
  lengthMs: number;
  data: EventData;
}

/** ms in wall time of `zone` (IANA), or the instant itself for UTC, floating and dates. */
function toWall(ms: number, zone: string | null): number {
  if (!zone || zone === 'UTC') return ms;
  return ms + (zoneOffset(ms, zone) ?? 0) * 1000;
}

function fromWall(wall: number, zone: string | null): number {
  if (!zone || zone === 'UTC') return wall;
  let ms = wall - (zoneOffset(wall, zone) ?? 0) * 1000;
  ms = wall - (zoneOffset(ms, zone) ?? 0) * 1000;
  return ms;
}

function valueMs(v: DateTimeValue): number {
  return v.utc ? Date.parse(v.utc) : isoToMs(v.allDay ? v.value.slice(0, 10) : v.value.slice(0, 19));
}

function rangeOverride(o: EventData): RangeOverride | null {
  if (!o.thisAndFuture || !o.recurrenceId || !o.start) return null;
  const ridMs = isoToMs(o.recurrenceId);
  const startMs = valueMs(o.start);
  if (!Number.isFinite(ridMs) || !Number.isFinite(startMs)) return null;
  const zone = o.start.allDay || o.start.floating ? null : o.start.tzid && isKnownZone(o.start.tzid) ? o.start.tzid : 'UTC';
  const endMs = isoToMs(endOf(o));
  const lengthMs = Number.isFinite(endMs) && endMs >= startMs ? endMs - startMs : 0;
  return { ridMs, zone, allDay: o.start.allDay, shiftMs: toWall(startMs, zone) - toWall(ridMs, zone), lengthMs, data: o };
}

/** The this-and-future override governing an occurrence: the latest one strictly before it. */
function governing(ranges: readonly RangeOverride[], atMs: number): RangeOverride | null {
  let best: RangeOverride | null = null;
  for (const r of ranges) {
    if (r.ridMs < atMs) best = r;
    else break;
  }
  return best;
}

/** One occurrence (its instant `occMs`) as the governing override describes it: moved by its shift, its details. */
function pushShifted(uid: string, master: EventData, r: RangeOverride, occMs: number, recurrenceId: string, fromMs: number, toMs: number, out: Occurrence[]): void {
  const startMs = fromWall(toWall(occMs, r.zone) + r.shiftMs, r.zone);
  const endMs = startMs + (r.allDay && r.lengthMs === 0 ? 86_400_000 : r.lengthMs);
  if (!overlaps(startMs, endMs, fromMs, toMs)) return;
  const write = (ms: number): string => {
    const iso = new Date(ms).toISOString();
    if (r.allDay) return iso.slice(0, 10);
    if (!r.zone) return iso.slice(0, 19);
    if (r.zone === 'UTC') return `${iso.slice(0, 19)}Z`;
    return formatInZone(ms, r.zone) ?? `${iso.slice(0, 19)}Z`;
  };
  out.push({
    uid,
    recurrenceId,
    start: write(startMs),
    end: write(endMs),
    summary: r.data.summary ?? master.summary,
    status: r.data.status,
    allDay: r.allDay,
    attendees: attendeesOf(r.data.attendees.length ? r.data : master),
  });
}

/** Non-recurring events, and events whose expansion failed: the values the parser recorded. */
function fallbackSingles(ev: StoredEvent, fromMs: number, toMs: number, out: Occurrence[]): void {
  if (ev.master) {
    // A single event, or a series whose expansion failed (the first instance is the best we can show).
    if (!isCancelled(ev.master.status)) pushSingle(ev.uid, ev.master, null, fromMs, toMs, out);
    return;
  }
  // Only overrides known (an invitation to some instances): each is an occurrence of its own.
  for (const o of ev.overrides) if (!isCancelled(o.status)) pushSingle(ev.uid, o, o.recurrenceId, fromMs, toMs, out);
}

function pushSingle(uid: string, e: EventData, recurrenceId: string | null, fromMs: number, toMs: number, out: Occurrence[]): void {
  if (!e.start) return;
  const start = e.start.value;
  const end = endOf(e);
  const startMs = isoToMs(start);
  const endMs = e.start.allDay && end === start ? startMs + 86_400_000 : isoToMs(end);
  if (!overlaps(startMs, endMs, fromMs, toMs)) return;
  out.push({ uid, recurrenceId, start, end, summary: e.summary, status: e.status, allDay: e.start.allDay, attendees: attendeesOf(e) });
}

/** DTEND, or DTSTART + DURATION, or (RFC 5545 §3.6.1) one day for a date and the start itself for a date-time. */
export function eventEnd(e: EventData): string | null {
  return e.start ? endOf(e) : null;
}

function endOf(e: EventData): string {
  const start = e.start as DateTimeValue;
  if (e.end) return e.end.value;
  if (e.duration) {
    try {
      const dur = ICAL.Duration.fromString(e.duration);
      return shiftIso(start, dur.toSeconds());
    } catch {
      /* fall through */
    }
  }
  if (start.allDay) return shiftIso(start, 86_400);
  return start.value;
}

/** Adds seconds to a DateTimeValue, keeping its zone's offset rules. */
function shiftIso(v: DateTimeValue, seconds: number): string {
  if (v.allDay) {
    const d = new Date(isoToMs(v.value) + seconds * 1000);
    return d.toISOString().slice(0, 10);
  }
  const ms = isoToMs(v.value) + seconds * 1000;
  if (v.floating) return new Date(ms).toISOString().slice(0, 19);
  if (v.tzid === 'UTC' || v.value.endsWith('Z')) return `${new Date(ms).toISOString().slice(0, 19)}Z`;
  if (v.tzid) {
    const s = formatInZone(ms, v.tzid);
    if (s) return s;
  }
  // Keep the original offset.
  const m = /([+-]\d{2}:\d{2})$/.exec(v.value);
  const off = m?.[1] ?? '+00:00';
  const offMin = (off.startsWith('-') ? -1 : 1) * (Number(off.slice(1, 3)) * 60 + Number(off.slice(4, 6)));
  return `${new Date(ms + offMin * 60_000).toISOString().slice(0, 19)}${off}`;
}

// ---------------------------------------------------------------------------------------------------------------
// ical.js times → ISO strings

function pad(n: number, w = 2): string {
  return String(Math.abs(n)).padStart(w, '0');
}

function wall(t: ICalTime): string {
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`;
}

function offsetText(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+';
  const m = Math.round(Math.abs(seconds) / 60);
  return `${sign}${pad(Math.floor(m / 60))}:${pad(m % 60)}`;
}

function isUtcZone(t: ICalTime): boolean {
  return t.zone === ICAL.Timezone.utcTimezone || t.zone?.tzid === 'UTC' || t.zone?.tzid === 'Z';
}

function isFloatingZone(t: ICalTime): boolean {
  return !t.zone || t.zone === ICAL.Timezone.localTimezone || t.zone.tzid === 'floating';
}

/** An ical.js time as DateTimeValue.value would write it. `fallbackZone`: IANA zone for an unresolved TZID. */
export function timeToIso(t: ICalTime, fallbackZone: string | null): string {
  if (t.isDate) return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`;
  if (isUtcZone(t)) return `${wall(t)}Z`;
  if (isFloatingZone(t)) {
    if (fallbackZone === 'UTC') return `${wall(t)}Z`;
    if (fallbackZone) {
      const s = wallInZone(t, fallbackZone);
      if (s) return s;
    }
    return wall(t);
  }
  return `${wall(t)}${offsetText(t.utcOffset())}`;
}

/** RECURRENCE-ID normalised as EventData.recurrenceId: the UTC instant, or the date. */
function normRecurrenceId(t: ICalTime, fallbackZone: string | null): string {
  if (t.isDate) return timeToIso(t, null);
  const iso = timeToIso(t, fallbackZone);
  const ms = isoToMs(iso);
  if (/[+-]\d{2}:\d{2}$|Z$/.test(iso) && Number.isFinite(ms)) return `${new Date(ms).toISOString().slice(0, 19)}Z`;
  return iso;
}

// ---------------------------------------------------------------------------------------------------------------
// IANA zones through Intl (for TZIDs that came without a VTIMEZONE)

/** The zone's UTC offset in seconds at an instant, or null for an unknown zone. */
function zoneOffset(ms: number, zone: string): number | null {
  return isKnownZone(zone) ? zoneOffsetSeconds(zone, ms) : null;
}

function formatInZone(ms: number, zone: string): string | null {
  const off = zoneOffset(ms, zone);
  if (off === null) return null;
  return `${new Date(ms + off * 1000).toISOString().slice(0, 19)}${offsetText(off)}`;
}

function wallInZone(t: ICalTime, zone: string): string | null {
  const wallMs = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  let off = zoneOffset(wallMs, zone);
  if (off === null) return null;
  const off2 = zoneOffset(wallMs - off * 1000, zone);
  if (off2 !== null && off2 !== off) off = off2;
  return `${wall(t)}${offsetText(off)}`;
}

/**
 * True when `recurrenceId` (normalised like EventData.recurrenceId) names an instance of the stored series: DTSTART,
 * an RRULE instance or an RDATE, not EXDATEd (RFC 5545 §3.8.4.4: a RECURRENCE-ID identifies an instance). Overrides
 * are left out (one may have moved its instance elsewhere). False when the series cannot be expanded there.
 */
export function isOccurrenceOf(ev: StoredEvent, recurrenceId: string): boolean {
  const master = ev.master;
  if (!master) return false;
  const atMs = isoToMs(recurrenceId);
  if (!Number.isFinite(atMs)) return false;
  const bare: StoredEvent = { ...ev, cancelled: false, overrides: [] };
  const day = 86_400_000;
  // A floating or all-day RECURRENCE-ID reads as UTC; two days either side cover every zone offset.
  const r = expandAgendaReport([bare], new Date(atMs - 2 * day).toISOString(), new Date(atMs + 2 * day).toISOString());
  return r.occurrences.some((o) => o.recurrenceId === recurrenceId);
}
