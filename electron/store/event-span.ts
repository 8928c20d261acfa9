// The time span of a stored series: from its first start to its last end, computed once when the event is written
// and kept as indexed columns, so a window query (agenda, conflicts) reads only the series that can touch it.
//
// The span must never be too small (a series missing from a window would be a wrong agenda), so every doubt widens
// it: an endless rule (RFC 5545 §3.3.10: no COUNT, no UNTIL), a COUNT rule whose BYxxx parts can skip periods, a
// RANGE=THISANDFUTURE override (it shifts later occurrences), or a value that does not read are open-ended. Floating
// and all-day values read as UTC, so two days of slack cover every zone offset (±14 h) and all-day lengths.
import { eventEnd, isoToMs } from '../../shared/itip/agenda';
import type { EventData, StoredEvent } from '../../shared/itip/types';

export interface Span {
  /** First possible start (ms), -Infinity when unknown. */
  lo: number;
  /** Last possible end (ms), Infinity for open-ended series. */
  hi: number;
}

const DAY = 86_400_000;
const SLACK = 2 * DAY;
/** The longest a period of each FREQ can last (a year of 366 days, a month of 31). */
const PERIOD_MS: Record<string, number> = {
  SECONDLY: 1000,
  MINUTELY: 60_000,
  HOURLY: 3_600_000,
  DAILY: DAY,
  WEEKLY: 7 * DAY,
  MONTHLY: 31 * DAY,
  YEARLY: 366 * DAY,
};

const FULL: Span = { lo: -Infinity, hi: Infinity };

function startMs(e: EventData): number {
  if (!e.start) return NaN;
  return e.start.utc ? Date.parse(e.start.utc) : isoToMs(e.start.allDay ? e.start.value.slice(0, 10) : e.start.value.slice(0, 19));
}

function endMs(e: EventData): number {
  const end = eventEnd(e);
  if (end === null) return NaN;
  const ms = isoToMs(end);
  return Number.isFinite(ms) ? Math.max(ms, startMs(e) + (e.start?.allDay ? DAY : 0)) : NaN;
}

/** The last instant a recurrence rule can produce, or Infinity. */
function ruleEnd(rrule: string, firstMs: number): number {
  const parts = new Map<string, string>();
  for (const p of rrule.split(';')) {
    const eq = p.indexOf('=');
    if (eq > 0) parts.set(p.slice(0, eq).toUpperCase(), p.slice(eq + 1));
  }
  const until = parts.get('UNTIL');
  if (until) {
    const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(until);
    if (!m) return Infinity;
    return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 23), +(m[5] ?? 59), +(m[6] ?? 59));
  }
  const count = Number(parts.get('COUNT'));
  const period = PERIOD_MS[(parts.get('FREQ') ?? '').toUpperCase()];
  const interval = Number(parts.get('INTERVAL') ?? '1');
  // BYxxx parts may skip whole periods (BYMONTHDAY=31 in short months, BYSETPOS...): no safe bound from COUNT.
  // Except BYDAY in a WEEKLY rule (how Outlook and Exchange write every weekly series): every week of the interval
  // has at least one occurrence, DTSTART's week aside.
  const weeklyByDay = (parts.get('FREQ') ?? '').toUpperCase() === 'WEEKLY' && parts.has('BYDAY');
  const restricted = [...parts.keys()].some((k) => k.startsWith('BY') && !(weeklyByDay && k === 'BYDAY'));
  if (weeklyByDay && !restricted && Number.isInteger(count) && count > 0 && Number.isInteger(interval) && interval > 0) {
    return firstMs + (count + 1) * interval * PERIOD_MS.WEEKLY!;
  }
  if (!Number.isInteger(count) || count <= 0 || !period || !Number.isInteger(interval) || interval <= 0 || restricted) return Infinity;
  return firstMs + count * interval * period;
}

/** The span of a stored event (see the file comment). Pure. */
export function spanOf(ev: StoredEvent): Span {
  const comps = [ev.master, ...ev.overrides].filter((c): c is EventData => !!c);
  if (comps.length === 0 || !comps.some((c) => c.start)) return FULL;
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of comps) {
    if (!c.start) continue;
    const s = startMs(c);
    const e = endMs(c);
    if (!Number.isFinite(s) || !Number.isFinite(e)) return FULL;
    if (c.thisAndFuture) return FULL;
    lo = Math.min(lo, s);
    hi = Math.max(hi, e);
    if (c.recurrenceId) {
      const rid = isoToMs(c.recurrenceId);
      if (!Number.isFinite(rid)) return FULL;
      lo = Math.min(lo, rid);
      hi = Math.max(hi, rid);
    }
  }
  const m = ev.master;
  if (m?.start && (m.rrule || m.rdate.length > 0)) {
    const first = startMs(m);
    const length = Math.max(0, endMs(m) - first);
    if (m.rrule) hi = Math.max(hi, ruleEnd(m.rrule, first) + length);
    for (const r of m.rdate) {
      // RDATE values are normalised like RECURRENCE-ID; a PERIOD is 'start/end' or 'start/duration'.
      const [a, b] = r.split('/');
      const at = isoToMs(a ?? '');
      if (!Number.isFinite(at)) return { lo: lo - SLACK, hi: Infinity };
      const bMs = b && /^\d{4}-/.test(b) ? isoToMs(b) : NaN;
      hi = Math.max(hi, Number.isFinite(bMs) ? bMs : b ? Infinity : at + length);
      lo = Math.min(lo, at);
    }
  }
  return { lo: lo - SLACK, hi: hi + SLACK };
}

// The index stores minutes in 32-bit integers (SQLite's rtree_i32): ±4,000 years around 1970.
const MIN32 = -2_147_483_647;
const MAX32 = 2_147_483_647;

export function toIndexMinutes(span: Span): { lo: number; hi: number } {
  const lo = Number.isFinite(span.lo) ? Math.max(MIN32, Math.floor(span.lo / 60_000)) : MIN32;
  const hi = Number.isFinite(span.hi) ? Math.min(MAX32, Math.ceil(span.hi / 60_000)) : MAX32;
  return lo <= hi ? { lo, hi } : { lo: MIN32, hi: MAX32 };
}

export function windowMinutes(fromMs: number, toMs: number): { from: number; to: number } {
  return { from: Math.floor(fromMs / 60_000), to: Math.ceil(toMs / 60_000) };
}
