// A bound on ical.js's recurrence search, counted in iterations done, not in occurrences returned.
//
// ical.js's RecurIterator.next() loops until it finds an instance that satisfies the rule. For a rule that can
// never match (BYMONTH=2;BYMONTHDAY=31 at FREQ=DAILY, HOURLY, MINUTELY or SECONDLY) that loop never ends, and no
// caller-side counter of returned occurrences can stop it. Every pass of that loop calls check_contracting_rules()
// once, so counting those calls counts the search steps: past the budget the guard throws RecurBudgetExceeded out
// of next(), and the caller reports the expansion as cut short. The patch is installed once, on first use; outside
// a guarded call it only forwards.
import ICAL from 'ical.js';

export class RecurBudgetExceeded extends Error {
  constructor(readonly steps: number) {
    super(`recurrence search stopped after ${steps} iterations`);
    this.name = 'RecurBudgetExceeded';
  }
}

/** Search steps per guarded expansion: about 0.1–1 s of ical.js work, 68 years of a daily rule. */
export const RECUR_STEP_BUDGET = 25_000;

interface Guard {
  steps: number;
  max: number;
}

let current: Guard | null = null;
const STEPS = '__conveneRecurSteps';
/** The iterator whose expand_year_days is running (its day tests and day times are charged, see install()). */
let settingUpYear: Record<string, unknown> | null = null;
/** Steps one unguarded iterator may take: a real VTIMEZONE rule from 1601 to 2100 takes about 500. */
const ITERATOR_STEP_BUDGET = 50_000;
/** Rule + DTSTART of unguarded iterators that ran out of budget. */
const exhausted = new Set<string>();

function ruleKey(it: Record<string, unknown>): string {
  return `${String(it['rule'] ?? '')}@${String(it['dtstart'] ?? '')}`;
}
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  const proto = (ICAL as unknown as { RecurIterator: { prototype: Record<string, unknown> } }).RecurIterator.prototype;
  // check_contracting_rules: once per pass of next()'s search loop. expand_year_days: once per year searched by a
  // YEARLY rule's set-up, which walks up to year 20000 looking for a year the rule names.
  for (const name of ['check_contracting_rules', 'expand_year_days']) {
    const original = proto[name] as (this: unknown, ...args: unknown[]) => unknown;
    proto[name] = function guarded(this: Record<string, unknown>, ...args: unknown[]): unknown {
      const g = current;
      if (g && ++g.steps > g.max) throw new RecurBudgetExceeded(g.max);
      // Outside a guarded call (ical.js expanding a VTIMEZONE's own rules while converting a time, during parsing)
      // each iterator still has a budget of its own: a hostile STANDARD/DAYLIGHT rule cannot search forever.
      if (!g) {
        const n = ((this[STEPS] as number | undefined) ?? 0) + 1;
        this[STEPS] = n;
        if (n === 1 && exhausted.has(ruleKey(this))) throw new RecurBudgetExceeded(ITERATOR_STEP_BUDGET);
        if (n > ITERATOR_STEP_BUDGET) {
          // ical.js does not cache a zone expansion that failed: remember the rule, so the next conversion with the
          // same rule stops at its first step instead of spending the whole budget again.
          if (exhausted.size > 1000) exhausted.clear();
          exhausted.add(ruleKey(this));
          throw new RecurBudgetExceeded(ITERATOR_STEP_BUDGET);
        }
      }
      if (name !== 'expand_year_days') return original.apply(this, args);
      const outer = settingUpYear;
      settingUpYear = this;
      try {
        return original.apply(this, args);
      } finally {
        settingUpYear = outer;
      }
    };
  }
  // One year's set-up is not one unit of work: it may test every day of the months named against every BYDAY entry
  // (BYSETPOS with BYDAY and BYMONTH: ~120 tests, ~1.4 ms per year) or build a time for every weekday of the year
  // (BYDAY with BYMONTHDAY or BYMONTH: ~365, ~0.4 ms). A YEARLY rule that never matches (BYSETPOS=0, BYMONTHDAY=0)
  // or never advances (INTERVAL=0) sets up year after year, so those day tests and day times are charged as steps:
  // the budget then bounds the work done, not the number of years.
  const dayInByday = proto['is_day_in_byday'] as (this: unknown, ...args: unknown[]) => unknown;
  proto['is_day_in_byday'] = function chargedDayTest(this: Record<string, unknown>, ...args: unknown[]): unknown {
    if (settingUpYear === this) charge(this, 1);
    return dayInByday.apply(this, args);
  };
  const TimeClass = ICAL.Time as unknown as Record<string, (...args: unknown[]) => unknown>;
  const fromDayOfYear = TimeClass['fromDayOfYear']!;
  TimeClass['fromDayOfYear'] = function chargedDayTime(this: unknown, ...args: unknown[]): unknown {
    if (settingUpYear) charge(settingUpYear, 1);
    return fromDayOfYear.apply(this, args);
  };
  // A huge INTERVAL (RFC 5545 §3.3.10 sets no upper bound) makes a single step spin: increment_monthday(n) walks n
  // days one by one, and an HOURLY/MINUTELY/SECONDLY step stores 10^12 hours in the time and ical.js's Time#adjust
  // then normalizes it month by month (10^9 passes, inside one step, where no step counter sees it). Dates end at
  // year 9999 (§3.3.4: a 4-digit year), so a step that certainly lands past it means the rule has no further
  // instance: the iterator ends there (LeftDateRange, caught in next() below), whatever the mode. A step below that
  // bound walks at most ~120,000 months, and is charged as many steps as it walks days.
  const generic = proto['increment_generic'] as (this: unknown, inc: number, attr: string, factor: number, nextAttr: string) => unknown;
  proto['increment_generic'] = function rangedGeneric(this: Record<string, unknown>, inc: number, attr: string, factor: number, nextAttr: string): unknown {
    const unit = UNIT_SECONDS[attr];
    if (unit !== undefined && Number(inc) * unit > secondsLeft(this)) throw new LeftDateRange();
    return generic.call(this, inc, attr, factor, nextAttr);
  };
  const monthday = proto['increment_monthday'] as (this: unknown, inc: number) => unknown;
  proto['increment_monthday'] = function guardedMonthday(this: Record<string, unknown>, inc: number): unknown {
    const days = Math.max(0, Number(inc) || 0);
    if (days * 86_400 > secondsLeft(this)) throw new LeftDateRange();
    charge(this, days);
    return monthday.call(this, inc);
  };
  const year = proto['increment_year'] as (this: unknown, inc: number) => unknown;
  proto['increment_year'] = function rangedYear(this: Record<string, unknown>, inc: number): unknown {
    if (Number(inc) * 366 * 86_400 > secondsLeft(this)) throw new LeftDateRange();
    return year.call(this, inc);
  };
  // A MONTHLY rule without BYMONTH adds INTERVAL months at once (ical.js then repeats a wrapped-around time).
  const month = proto['increment_month'] as (this: unknown) => unknown;
  proto['increment_month'] = function rangedMonth(this: Record<string, unknown>): unknown {
    const rule = this['rule'] as { freq?: string; interval?: number; parts?: Record<string, unknown> } | undefined;
    if (rule?.freq === 'MONTHLY' && !('BYMONTH' in (rule.parts ?? {})) && Number(rule.interval) * 31 * 86_400 > secondsLeft(this)) throw new LeftDateRange();
    return month.call(this);
  };
  const next = proto['next'] as (this: unknown, again?: boolean) => unknown;
  proto['next'] = function rangedNext(this: Record<string, unknown>, again?: boolean): unknown {
    try {
      return next.call(this, again);
    } catch (err) {
      if (!(err instanceof LeftDateRange)) throw err;
      // Not a cut-short search: the rule is complete, every later instance is past the last representable date.
      this['completed'] = true;
      return null;
    }
  };
}

/** Thrown from inside an iterator's step when the step lands past year 9999; next() ends the iterator. */
class LeftDateRange extends Error {}

const UNIT_SECONDS: Record<string, number> = { second: 1, minute: 60, hour: 3_600 };

/**
 * Seconds from the iterator's current time to the end of year 10000, over-estimated (366-day years, one spare year):
 * a step longer than this certainly ends past 9999-12-31. Read from ical.js's raw fields, not its getters: a getter
 * would normalize a half-set time early and change what the iterator computes.
 */
function secondsLeft(it: Record<string, unknown>): number {
  const last = it['last'] as { _time?: { year?: number } } | undefined;
  const y = Number(last?._time?.year);
  return (Math.max(0, 10_001 - (Number.isFinite(y) ? y : 0)) + 1) * 366 * 86_400;
}

/** Charges `n` steps to the active budget, or outside one to the iterator's own. */
function charge(it: Record<string, unknown>, n: number): void {
  const g = current;
  if (g) {
    if ((g.steps += n) > g.max) throw new RecurBudgetExceeded(g.max);
    return;
  }
  const total = ((it[STEPS] as number | undefined) ?? 0) + n;
  it[STEPS] = total;
  if (total > ITERATOR_STEP_BUDGET) throw new RecurBudgetExceeded(ITERATOR_STEP_BUDGET);
}

/**
 * Runs `fn` with ical.js's recurrence search bounded to `max` steps. Returns fn's value and whether the budget ran
 * out (then `value` is undefined; whatever fn collected before is the caller's to keep). Nested calls share the outer
 * budget. Errors other than the budget's propagate.
 */
export function withRecurBudget<T>(max: number, fn: () => T): { value: T | undefined; cutShort: boolean; steps: number } {
  install();
  if (current) {
    // Nested: the outer budget governs.
    return { value: fn(), cutShort: false, steps: 0 };
  }
  const g: Guard = { steps: 0, max };
  current = g;
  try {
    return { value: fn(), cutShort: false, steps: g.steps };
  } catch (err) {
    if (err instanceof RecurBudgetExceeded) return { value: undefined, cutShort: true, steps: g.steps };
    throw err;
  } finally {
    current = null;
  }
}

// Installed when this module loads, not on the first guarded call: ical.js iterates rules outside any guarded call
// (VTIMEZONE expansion while a calendar is read), and in a fresh process that can come first.
install();

// ---------------------------------------------------------------------------------------------------------------
// RFC 5545 §3.3.10: "Recurrence rules may generate recurrence instances with an invalid date (e.g., February 30) or
// nonexistent local time ... Such recurrence instances MUST be ignored". ical.js moves some of them instead (a
// YEARLY BYMONTH=2;BYMONTHDAY=30 rule yields March 2). An instance is kept only if it satisfies every BYxxx part it
// can be checked against (each is a necessary condition, so no valid instance is ever dropped).

type Parts = Record<string, (number | string)[] | undefined>;

const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

/** Days in a month (1-12) of a proleptic Gregorian year. */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The wall-clock fields of an instance, in the series' own time (BYxxx parts apply there). */
export interface WallFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  isDate: boolean;
}

export function ruleAdmits(recur: InstanceType<typeof ICAL.Recur>, t: WallFields, dtstart: WallFields): boolean {
  const parts = (recur.parts ?? {}) as Parts;
  const has = (k: string): boolean => (parts[k]?.length ?? 0) > 0;
  const dim = daysInMonth(t.year, t.month);
  if (t.day < 1 || t.day > dim || t.month < 1 || t.month > 12) return false;
  if (has('BYMONTH') && !parts['BYMONTH']!.map(Number).includes(t.month)) return false;
  if (has('BYMONTHDAY')) {
    const ok = parts['BYMONTHDAY']!.map(Number).some((d) => {
      const day = d > 0 ? d : dim + 1 + d;
      return day >= 1 && day <= dim && day === t.day;
    });
    if (!ok) return false;
  }
  if (has('BYDAY')) {
    const dow = WEEKDAYS[new Date(Date.UTC(t.year, t.month - 1, t.day)).getUTCDay()]!;
    if (!parts['BYDAY']!.some((d) => String(d).toUpperCase().endsWith(dow))) return false;
  }
  if (!t.isDate) {
    if (has('BYHOUR') && !parts['BYHOUR']!.map(Number).includes(t.hour)) return false;
    if (has('BYMINUTE') && !parts['BYMINUTE']!.map(Number).includes(t.minute)) return false;
    if (has('BYSECOND') && !parts['BYSECOND']!.map(Number).includes(t.second)) return false;
  }
  // RFC 5545 §3.3.10: parts not given are taken from DTSTART. A MONTHLY/YEARLY rule without a day selector recurs on
  // DTSTART's day of the month (January 31 → the months that have a 31st, never "March 3"), a YEARLY one also in
  // DTSTART's month.
  const daySelectors = has('BYMONTHDAY') || has('BYDAY') || has('BYYEARDAY') || has('BYWEEKNO');
  const freq = String(recur.freq ?? '').toUpperCase();
  if ((freq === 'MONTHLY' || freq === 'YEARLY') && !daySelectors && t.day !== dtstart.day) return false;
  if (freq === 'YEARLY' && !daySelectors && !has('BYMONTH') && t.month !== dtstart.month) return false;
  return true;
}

/** Search steps the arrival check spends on one rule (validate): enough for any rule that matches at least yearly. */
export const PROBE_STEP_BUDGET = 5_000;

/**
 * Whether an RRULE ever yields an instance after DTSTART (`start`: DTSTART's wall time, 'YYYY-MM-DD' or
 * 'YYYY-MM-DDTHH:mm:ss'). 'never' when the search runs out of budget or ical.js only yields dates the rule does not
 * name (which RFC 5545 §3.3.10 ignores); 'ok' otherwise, including rules that end (COUNT, UNTIL) before a second
 * instance. Never throws: an RRULE ical.js rejects is 'ok' here (the parser reports it).
 */
export function probeRule(rrule: string, start: string): 'ok' | 'never' {
  // A pure function of its two texts when it runs under its own budget (not nested in a caller's): validate() runs
  // twice per message (inspect, then process), so the verdict is remembered, keyed by the texts, in a bounded map.
  const key = current === null && rrule.length + start.length <= PROBE_KEY_MAX ? `${rrule}\n${start}` : null;
  const known = key === null ? undefined : probed.get(key);
  if (known !== undefined) return known;
  const verdict = probeRuleUncached(rrule, start);
  if (key !== null) {
    if (probed.size >= PROBE_CACHE_MAX) probed.delete(probed.keys().next().value as string);
    probed.set(key, verdict);
  }
  return verdict;
}

/** Bounds of probeRule's memory: entries, and key length (a hostile RRULE of 300 kB is probed, not remembered). */
const PROBE_CACHE_MAX = 1024;
const PROBE_KEY_MAX = 512;
const probed = new Map<string, 'ok' | 'never'>();

function probeRuleUncached(rrule: string, start: string): 'ok' | 'never' {
  try {
    const recur = ICAL.Recur.fromString(rrule);
    const dt = /^\d{4}-\d{2}-\d{2}$/.test(start) ? ICAL.Time.fromDateString(start) : ICAL.Time.fromDateTimeString(start.slice(0, 19));
    const r = withRecurBudget(PROBE_STEP_BUDGET, () => {
      const it = recur.iterator(dt);
      let rejected = 0;
      for (let t = it.next(); t; t = it.next()) {
        if (t.compare(dt) === 0) continue;
        if (ruleAdmits(recur, t, dt)) return 'ok' as const;
        if (++rejected > 400) return 'never' as const;
      }
      // The iterator gave up (ical.js stops MONTHLY/YEARLY searches itself) or the rule ended. Without COUNT or
      // UNTIL, or with a COUNT promising more, the rule had more instances to give: it matches nothing.
      return !recur.until && (recur.count === null || recur.count === undefined || recur.count > 1) ? ('never' as const) : ('ok' as const);
    });
    return r.cutShort ? 'never' : (r.value ?? 'ok');
  } catch (err) {
    // ical.js's own verdict for a YEARLY rule naming no date in any year.
    return err instanceof Error && /no valid occurrences/i.test(err.message) ? 'never' : 'ok';
  }
}
