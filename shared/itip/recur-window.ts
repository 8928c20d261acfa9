// Where to start iterating a recurrence rule for a window far after DTSTART (issue 9: a weekly series from 2015
// must not be walked week by week to show June 2025). Pure: no Node or DOM APIs.
//
// RFC 5545 §3.3.10: a rule without COUNT whose FREQ is DAILY, WEEKLY, MONTHLY or YEARLY selects, in each period of
// INTERVAL × FREQ (counted in DTSTART's wall time from DTSTART's period), the same instants relative to that period,
// with the BYxxx parts DTSTART does not fix. Iterating from DTSTART moved forward by a whole number k of such
// periods therefore yields the same instances from the moved start on, provided the parts the rule takes from
// DTSTART stay the same: the weekday (WEEKLY without BYDAY, kept by whole weeks), the day of the month (MONTHLY
// and YEARLY without a day selector) and the month (YEARLY): the moved date must keep DTSTART's day (and month),
// which rules out "January 31 + 1 month" and "February 29 + 1 year" (those k are skipped). What is not shifted:
// - COUNT rules (the count runs from the real DTSTART);
// - SECONDLY/MINUTELY/HOURLY rules (rare in mail; their wall time is not periodic across DST changes);
// - the moved start itself, which the iterator always emits (§3.8.5.3: DTSTART is the first instance) even when
//   the rule does not name it: the caller picks a target so early that this instance ends before anything it
//   shows (the window, every override's RECURRENCE-ID), and iteration skips it like any instance before the window.
import ICAL from 'ical.js';
import { daysInMonth } from './recur-guard';

type ICalTime = InstanceType<typeof ICAL.Time>;
type ICalRecur = InstanceType<typeof ICAL.Recur>;

const DAY = 86_400_000;
/** Tries at a smaller k when the moved date does not exist (31st in a short month, February 29). */
const MAX_TRIES = 48;

/** DTSTART's wall time read as UTC ms (an estimate within ±14 h of the instant: callers keep days of margin). */
function wallMs(t: ICalTime): number {
  return Date.UTC(t.year, t.month - 1, t.day, t.isDate ? 0 : t.hour, t.isDate ? 0 : t.minute, t.isDate ? 0 : t.second);
}

function moved(t: ICalTime, year: number, month: number, day: number): ICalTime {
  return new ICAL.Time({ year, month, day, hour: t.hour, minute: t.minute, second: t.second, isDate: t.isDate }, t.zone);
}

/**
 * A start for iterating `rule` that yields the same instances as DTSTART from `targetMs` on (see the file comment),
 * as late as possible but with its wall time no later than `targetMs` − 1 day; null when the rule must be iterated
 * from DTSTART (COUNT, sub-daily FREQ, DTSTART not before the target, no valid moved date found).
 */
export function shiftedStart(rule: ICalRecur, dtstart: ICalTime, targetMs: number): ICalTime | null {
  if (rule.count !== null && rule.count !== undefined) return null;
  const freq = String(rule.freq ?? '').toUpperCase();
  const interval = Number(rule.interval ?? 1);
  if (!Number.isSafeInteger(interval) || interval < 1) return null;
  const limit = targetMs - DAY; // zone offsets are < 1 day: a wall time before this is an instant before the target
  const start = wallMs(dtstart);
  if (!Number.isFinite(start) || !Number.isFinite(limit) || start >= limit) return null;
  if (freq === 'DAILY' || freq === 'WEEKLY') {
    const stepDays = interval * (freq === 'WEEKLY' ? 7 : 1);
    const k = Math.floor((limit - start) / (stepDays * DAY));
    if (k < 1) return null;
    // Whole days in wall time: Date.UTC normalises the day count into year/month/day.
    const d = new Date(Date.UTC(dtstart.year, dtstart.month - 1, dtstart.day + k * stepDays));
    const t = moved(dtstart, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
    return wallMs(t) <= limit ? t : null;
  }
  if (freq === 'MONTHLY' || freq === 'YEARLY') {
    const stepMonths = interval * (freq === 'YEARLY' ? 12 : 1);
    const lim = new Date(limit);
    const months = (lim.getUTCFullYear() - dtstart.year) * 12 + (lim.getUTCMonth() + 1 - dtstart.month);
    for (let k = Math.floor(months / stepMonths), tries = 0; k >= 1 && tries < MAX_TRIES; k--, tries++) {
      const m0 = dtstart.month - 1 + k * stepMonths;
      const year = dtstart.year + Math.floor(m0 / 12);
      const month = (m0 % 12) + 1;
      // The rule takes the day of the month (and for YEARLY the month) from DTSTART: keep it exactly.
      if (dtstart.day > daysInMonth(year, month)) continue;
      const t = moved(dtstart, year, month, dtstart.day);
      if (wallMs(t) <= limit) return t;
    }
    return null;
  }
  return null;
}
