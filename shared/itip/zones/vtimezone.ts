// VTIMEZONE definitions (RFC 5545 §3.6.5) computed once: a bounded cache of zone definitions keyed by their text, and
// expansions that start near the year asked for.
//
// Why: ical.js's Timezone expands every STANDARD/DAYLIGHT rule year by year from its DTSTART each time a new
// Timezone is built, and it builds one per zone per parsed calendar. Outlook, Exchange and Teams zones start in 1601:
// about 850 recurrence steps per zone per read, most of the engine's time.
//
// Identity with ical.js: the offset of a local time is still ical.js's own `Timezone#utcOffset` (its nearby-change
// search, its "before the first change is offset 0" rule, its ambiguous-hour choice), run over a list of changes
// we build with ical.js's own recurrence iterator. Only the list is different: for the yearly rules every real
// VTIMEZONE uses (FREQ=YEARLY, INTERVAL 1, no COUNT, BYMONTH/BYDAY/BYMONTHDAY only), the occurrences of a year do not
// depend on the year DTSTART is in, so the iteration may start a year before the window and drop that first year
// (where the moved DTSTART itself would count as an occurrence, RFC 5545 §3.8.5.3). A window is only used when it
// holds at least two changes before the years it answers for: then every change `utcOffset` looks at (the last one
// at or before the time, the one before it, the first one after) is one the full list has too, in the same order.
// Otherwise the whole list is built from DTSTART, as ical.js does. test/unit/zones.test.ts checks both against
// ical.js's own expansion; test/corpus/zone-cache.test.ts checks the whole corpus through inspect and agenda.

import ICAL from 'ical.js';
// Imported for its effect too: the step bound on every ical.js recurrence iterator is installed before any zone is
// expanded (a reader's first act may be a VTIMEZONE, before any guarded expansion ran).
import { RecurBudgetExceeded } from '../recur-guard';

type ICalTime = InstanceType<typeof ICAL.Time>;
type ICalComponent = InstanceType<typeof ICAL.Component>;

/** ical.js's change record (see Timezone#_expandComponent): a transition instant in UTC fields, with its offsets. */
interface Change {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  isDate?: boolean;
  utcOffset: number;
  prevUtcOffset: number;
  is_daylight: boolean;
}

/** The parts of ical.js's Timezone this module drives (typed privately in ical.js's d.ts). */
interface TimezoneInternals {
  changes: Change[];
  expandedUntilYear: number;
}

interface TimezoneStatics {
  adjust_change(change: Change, days: number, hours: number, minutes: number, seconds: number): void;
  _compare_change_fn(a: Change, b: Change): number;
}
const TZ = ICAL.Timezone as unknown as TimezoneStatics;

/** Zone definitions kept (least recently used dropped first). */
export const MAX_ZONE_DEFINITIONS = 256;
/** Windows kept per definition (each ~7 years of changes); a definition asked about more years starts over. */
const MAX_WINDOWS_PER_ZONE = 16;
/** A definition whose text is longer is not cached (still computed, as before). */
const MAX_KEY_CHARS = 64 * 1024;
/** Recurrence steps per expansion: a FREQ=SECONDLY rule from 1601 must not hang the reader (bound work done). */
export const MAX_ZONE_STEPS = 50_000;
/**
 * Years a window answers for, and the years before them that must hold two changes (the change in force at a time
 * and the one before it, which ical.js consults for an ambiguous hour). Few years: a zone seen once (every message
 * its own zone) costs a few steps per year kept.
 */
const WINDOW_YEARS = 4;
const LEAD_YEARS = 2;
/**
 * ical.js expands to (the year asked or now) + 5; the years after the one asked only matter as "the next change is
 * later than the time", so a window keeps one year past its last: a change two years on is later whatever its offset.
 */
const TAIL_YEARS = 1;

const SHIFTABLE_PARTS = new Set(['BYMONTH', 'BYDAY', 'BYMONTHDAY']);

/** Thrown when a definition needs more than MAX_ZONE_STEPS steps: the caller treats the zone as unusable. */
export class ZoneTooComplexError extends Error {
  readonly code = 'zone-too-complex';
}

/**
 * One VTIMEZONE, usable wherever ical.js expects a Timezone (ICAL.Time zones, a component tree's zone cache), whose
 * offsets come from windows of changes computed once.
 */
export class CachedTimezone extends ICAL.Timezone {
  private readonly windows = new Map<number, Window | null>();
  /** Answers for quiet days, by day number (one map for all windows: the days differ). */
  private readonly quiet = new Map<number, number>();

  constructor(component: ICalComponent) {
    super({ component, tzid: String(component.getFirstPropertyValue('tzid') ?? '') });
  }

  /** Seconds east of UTC for a local time in this zone, exactly as ical.js computes it. */
  override utcOffset(tt: ICalTime): number {
    const bucket = Math.floor(tt.year / WINDOW_YEARS);
    let win = this.windows.get(bucket);
    if (win === undefined) {
      if (this.windows.size >= MAX_WINDOWS_PER_ZONE) this.windows.clear();
      win = this.buildWindow(bucket);
      this.windows.set(bucket, win);
    }
    // An empty list: ical.js answers 0 for a zone without changes.
    if (win === null) return 0;
    const day = dayNumber(tt.year, tt.month, tt.day);
    const known = this.knownOffset(win, day);
    if (known !== undefined) return known;
    const offset = win.tz.utcOffset(tt);
    const at = firstChangeFrom(win.changeDays, day - win.margin);
    if (isQuietAt(win.changeDays, at, day, win.margin)) {
      if (this.quiet.size >= MAX_QUIET_DAYS) this.quiet.clear();
      this.quiet.set(day, offset);
      win.stretches.set(at, offset);
    }
    return offset;
  }

  /**
   * The answer for a quiet day (no change within the window's margin of it), if one is known. A quiet day has one
   * answer for all its times: every comparison ical.js makes for any time of that day comes out the same (its adjusted
   * changes move by less than the margin). More: every quiet day between the same two changes (a stretch) has the
   * same changes before it and the same after it, so ical.js's search compares the same way and answers the same.
   */
  private knownOffset(win: Window, day: number): number | undefined {
    const known = this.quiet.get(day);
    if (known !== undefined) return known;
    const at = firstChangeFrom(win.changeDays, day - win.margin);
    return isQuietAt(win.changeDays, at, day, win.margin) ? win.stretches.get(at) : undefined;
  }

  /**
   * utcOffset's answer for any time of a day already known to be quiet, or undefined (then ask utcOffset). Lets a
   * caller holding plain fields skip building an ICAL.Time (the big invitation's 2,000 overrides).
   */
  quietOffset(year: number, month: number, day: number): number | undefined {
    const win = this.windows.get(Math.floor(year / WINDOW_YEARS));
    return win ? this.knownOffset(win, dayNumber(year, month, day)) : undefined;
  }

  /** How many changes the offsets of `year` are read from (0 before any was asked): the work a read costs. */
  changesFor(year: number): number {
    const win = this.windows.get(Math.floor(year / WINDOW_YEARS));
    return win ? (win.tz as unknown as TimezoneInternals).changes.length : 0;
  }

  private buildWindow(bucket: number): Window | null {
    const first = bucket * WINDOW_YEARS;
    const from = first - LEAD_YEARS;
    const until = first + WINDOW_YEARS - 1 + TAIL_YEARS;
    let changes: ReturnType<typeof expandChanges>;
    try {
      changes = expandChanges(this.component!, from, until);
      if (changes.windowed && countInYears(changes.list, from, first - 2) < 2) changes = expandChanges(this.component!, null, until);
    } catch (err) {
      // ical.js's search for one occurrence of a rule that never matches ran out of its own step budget
      // (recur-guard.ts bounds every iterator, guarded call or not): the zone is unusable, as past MAX_ZONE_STEPS.
      if (err instanceof RecurBudgetExceeded) throw new ZoneTooComplexError(`VTIMEZONE rule search stopped after ${err.steps} steps`);
      throw err;
    }
    if (changes.list.length === 0) return null;
    const tz = new ICAL.Timezone({ component: this.component!, tzid: this.tzid });
    const inner = tz as unknown as TimezoneInternals;
    inner.changes = changes.list;
    inner.expandedUntilYear = until;
    const changeDays = changes.list.map((c) => dayNumber(c.year, c.month, c.day)).sort((a, b) => a - b);
    // ical.js compares times with changes moved by their offsets: a hostile +99:59 moves one by more than 4 days.
    const maxOffset = Math.max(...changes.list.map((c) => Math.max(Math.abs(c.utcOffset), Math.abs(c.prevUtcOffset))));
    return { tz, changeDays, margin: Math.ceil(maxOffset / 86_400) + 2, stretches: new Map() };
  }
}

/**
 * Seconds east of UTC of a local date-time in `zone`: `zone.utcOffset` of the ICAL.Time with these fields, without
 * building one when a CachedTimezone already knows the day (the big invitation's 2,000 overrides ask about a few days).
 */
export function localUtcOffset(zone: InstanceType<typeof ICAL.Timezone>, year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  if (zone instanceof CachedTimezone && month >= 1 && month <= 12 && day >= 1 && day <= 28 + 3 && hour < 24 && minute < 60 && second < 60 && validDay(year, month, day)) {
    const known = zone.quietOffset(year, month, day);
    if (known !== undefined) return known;
  }
  return zone.utcOffset(ICAL.Time.fromData({ year, month, day, hour, minute, second, isDate: false }));
}

/** The day exists in the proleptic Gregorian calendar (ICAL.Time would not move it to the next month). */
function validDay(y: number, m: number, d: number): boolean {
  return d <= dayNumber(m === 12 ? y + 1 : y, m === 12 ? 1 : m + 1, 1) - dayNumber(y, m, 1);
}

interface Window {
  tz: InstanceType<typeof ICAL.Timezone>;
  /** Day numbers of the changes (UTC fields), sorted. */
  changeDays: number[];
  /** Days either side of a change where times are asked of ical.js one by one. */
  margin: number;
  /** utcOffset's answer for the quiet days before change number N (at most one entry per change, plus one). */
  stretches: Map<number, number>;
}

/** Quiet days remembered per zone (×256 zones: a bounded few MB at worst). */
const MAX_QUIET_DAYS = 1024;

/** Index of the first change day >= `from` in the sorted list (its length when there is none). */
function firstChangeFrom(sortedDays: readonly number[], from: number): number {
  let lo = 0;
  let hi = sortedDays.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sortedDays[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Quiet: the first change day >= day - margin (at index `at`) is none, or beyond day + margin. */
function isQuietAt(sortedDays: readonly number[], at: number, day: number, margin: number): boolean {
  return at === sortedDays.length || sortedDays[at]! > day + margin;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil); month may be 1–12 only. */
function dayNumber(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function countInYears(list: readonly Change[], from: number, to: number): number {
  let n = 0;
  for (const c of list) if (c.year >= from && c.year <= to) n++;
  return n;
}

/**
 * ical.js's Timezone#_expandComponent over every STANDARD/DAYLIGHT, sorted by its comparator. With `from`, the yearly
 * rules that allow it start one year before `from` and keep occurrences from `from` on (`windowed` says whether any
 * did); `until` is the last year kept.
 */
function expandChanges(zone: ICalComponent, from: number | null, until: number): { list: Change[]; windowed: boolean } {
  const list: Change[] = [];
  let windowed = false;
  let steps = 0;
  for (const comp of zone.getAllSubcomponents()) {
    if (!comp.hasProperty('dtstart') || !comp.hasProperty('tzoffsetto') || !comp.hasProperty('tzoffsetfrom')) continue;
    const dtstart = comp.getFirstPropertyValue('dtstart') as ICalTime;
    // Read once per STANDARD/DAYLIGHT, not once per change (a zone seen once pays for every lookup).
    const isDaylight = comp.name === 'daylight';
    const to = seconds(comp.getFirstPropertyValue('tzoffsetto'));
    const fromOffset = seconds(comp.getFirstPropertyValue('tzoffsetfrom'));
    const base = (): Change => ({
      year: 0,
      month: 0,
      day: 0,
      hour: 0,
      minute: 0,
      second: 0,
      is_daylight: isDaylight,
      utcOffset: to,
      prevUtcOffset: fromOffset,
    });
    if (!comp.hasProperty('rrule') && !comp.hasProperty('rdate')) {
      const change = base();
      setFields(change, dtstart);
      TZ.adjust_change(change, 0, 0, 0, -change.prevUtcOffset);
      list.push(change);
      continue;
    }
    for (const rdate of comp.getAllProperties('rdate')) {
      const time = rdate.getFirstValue() as ICalTime;
      const change = base();
      change.year = time.year;
      change.month = time.month;
      change.day = time.day;
      const clock = time.isDate ? dtstart : time;
      change.hour = clock.hour;
      change.minute = clock.minute;
      change.second = clock.second;
      if (clock.zone !== ICAL.Timezone.utcTimezone) TZ.adjust_change(change, 0, 0, 0, -change.prevUtcOffset);
      list.push(change);
    }
    const rruleProp = comp.getFirstProperty('rrule');
    if (!rruleProp) continue;
    const given = rruleProp.getFirstValue() as InstanceType<typeof ICAL.Recur>;
    // A UTC UNTIL is turned into local time below (as ical.js does): on a clone, so the cached component stays
    // unchanged. Without one the rule is only read (the computed path) or iterated (which does not change it).
    const rule = given.until && given.until.zone === ICAL.Timezone.utcTimezone ? given.clone() : given;
    if (rule !== given) {
      rule.until!.adjust(0, 0, 0, fromOffset);
      rule.until!.zone = ICAL.Timezone.localTimezone;
    }
    let keepFrom = -Infinity;
    if (from !== null && dtstart.year < from - 1 && shiftable(rule, dtstart, from)) {
      keepFrom = from;
      windowed = true;
    }
    const nth = keepFrom > -Infinity ? nthWeekdayRule(rule, dtstart) : null;
    if (nth) {
      // The rule every zone in use is written with ("the last Sunday of October"): computed, one step a year.
      for (let y = keepFrom; y <= until; y++) {
        if (++steps > MAX_ZONE_STEPS) throw new ZoneTooComplexError(`VTIMEZONE needs more than ${MAX_ZONE_STEPS} recurrence steps`);
        const change = base();
        setFields(change, { year: y, month: nth.month, day: nthWeekday(y, nth.month, nth.n, nth.weekday), hour: dtstart.hour, minute: dtstart.minute, second: dtstart.second });
        change.isDate = false;
        TZ.adjust_change(change, 0, 0, 0, -change.prevUtcOffset);
        list.push(change);
      }
      continue;
    }
    let start = dtstart;
    if (keepFrom > -Infinity) {
      start = dtstart.clone();
      start.year = from! - 1;
    }
    const it = rule.iterator(start);
    for (let occ = it.next(); occ; occ = it.next()) {
      if (++steps > MAX_ZONE_STEPS) throw new ZoneTooComplexError(`VTIMEZONE needs more than ${MAX_ZONE_STEPS} recurrence steps`);
      if (occ.year > until) break;
      if (occ.year < keepFrom) continue;
      const change = base();
      setFields(change, occ);
      change.isDate = occ.isDate;
      TZ.adjust_change(change, 0, 0, 0, -change.prevUtcOffset);
      list.push(change);
    }
  }
  list.sort(TZ._compare_change_fn);
  return { list, windowed };
}

/** True when the rule's occurrences in a year do not depend on the year DTSTART is in (see the header). */
function shiftable(rule: InstanceType<typeof ICAL.Recur>, dtstart: ICalTime, from: number): boolean {
  if (rule.freq !== 'YEARLY' || (rule.interval ?? 1) !== 1 || rule.count) return false;
  if (dtstart.month === 2 && dtstart.day === 29) return false;
  if (rule.until && rule.until.year < from) return false;
  for (const [name, value] of Object.entries(rule.parts ?? {})) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
    if (!SHIFTABLE_PARTS.has(name)) return false;
  }
  return true;
}

const WEEKDAYS: Record<string, number> = { SU: 0, MO: 1, TU: 2, WE: 3, TH: 4, FR: 5, SA: 6 };

/**
 * BYMONTH=m;BYDAY=nWD alone (n in ±1…4, so every year has one), no UNTIL, on a DATE-TIME DTSTART: the one occurrence
 * of each year is computed. Anything else goes through ical.js's iterator.
 */
function nthWeekdayRule(rule: InstanceType<typeof ICAL.Recur>, dtstart: ICalTime): { month: number; n: number; weekday: number } | null {
  if (rule.until || dtstart.isDate) return null;
  const parts = rule.parts as Record<string, unknown[] | undefined>;
  const names = Object.keys(parts).filter((k) => (parts[k]?.length ?? 0) > 0);
  if (names.length !== 2 || !parts.BYMONTH || !parts.BYDAY || parts.BYMONTH.length !== 1 || parts.BYDAY.length !== 1) return null;
  const month = Number(parts.BYMONTH[0]);
  const m = /^([+-]?[1-4])(SU|MO|TU|WE|TH|FR|SA)$/.exec(String(parts.BYDAY[0]));
  if (!Number.isInteger(month) || month < 1 || month > 12 || !m) return null;
  return { month, n: Number(m[1]), weekday: WEEKDAYS[m[2]!]! };
}

/** Day of the month of the n-th (n < 0: from the end) `weekday` (0 = Sunday) of month `m` of year `y`. */
function nthWeekday(y: number, m: number, n: number, weekday: number): number {
  const first = dayNumber(y, m, 1);
  const days = (m === 12 ? dayNumber(y + 1, 1, 1) : dayNumber(y, m + 1, 1)) - first;
  if (n > 0) return 1 + ((weekday - weekdayOf(first) + 7) % 7) + (n - 1) * 7;
  return days - ((weekdayOf(first + days - 1) - weekday + 7) % 7) + (n + 1) * 7;
}

/** 0 = Sunday; day 0 (1970-01-01) was a Thursday. */
function weekdayOf(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

function setFields(change: Change, t: { year: number; month: number; day: number; hour: number; minute: number; second: number }): void {
  change.year = t.year;
  change.month = t.month;
  change.day = t.day;
  change.hour = t.hour;
  change.minute = t.minute;
  change.second = t.second;
}

function seconds(offset: unknown): number {
  const o = offset as { factor: number; hours: number; minutes: number };
  return o.factor * (o.hours * 3600 + o.minutes * 60);
}

// ---------------------------------------------------------------------------------------------------------------
// The cache

interface Definition {
  /** The VTIMEZONE as ical.js writes it (what CalendarObject.vtimezones carries). */
  text: string;
  zone: CachedTimezone;
}

/** Keyed by the definition's jCal (JSON): one stringify, no folding; the text is kept with it. */
const definitions = new Map<string, Definition>();
let maxDefinitions = MAX_ZONE_DEFINITIONS;
/** The pre-cache behaviour (a fresh ical.js Timezone per calendar), kept as the reference the tests compare with. */
let reference = false;

/**
 * A VTIMEZONE as the reader needs it: its text (as ical.js writes it) and its zone, shared by every calendar that
 * sends the same definition. The cached zone holds its own copy of the component, never the message's tree.
 * `timezone()` may throw (an unusable definition): the caller falls back to the IANA database.
 */
export function zoneDefinition(vtimezone: ICalComponent): { text: string; timezone: () => InstanceType<typeof ICAL.Timezone> } {
  if (reference) return { text: vtimezone.toString(), timezone: () => new ICAL.Timezone(vtimezone) };
  const key = JSON.stringify(vtimezone.toJSON());
  if (maxDefinitions <= 0 || key.length > MAX_KEY_CHARS) {
    return { text: vtimezone.toString(), timezone: () => new CachedTimezone(detached(key)) };
  }
  let def = definitions.get(key);
  if (def) {
    // Least recently used first out: re-insert to move to the end of the Map's order.
    definitions.delete(key);
  } else {
    def = { text: vtimezone.toString(), zone: new CachedTimezone(detached(key)) };
    while (definitions.size >= maxDefinitions) definitions.delete(definitions.keys().next().value as string);
  }
  definitions.set(key, def);
  const zone = def.zone;
  return { text: def.text, timezone: () => zone };
}

/** The zone for a VTIMEZONE component (see zoneDefinition). */
export function cachedTimezone(vtimezone: ICalComponent): InstanceType<typeof ICAL.Timezone> {
  return zoneDefinition(vtimezone).timezone();
}

function detached(jcal: string): ICalComponent {
  return new ICAL.Component(JSON.parse(jcal) as unknown[]);
}

/**
 * Lets a component tree (ical.js resolves a TZID through its root's zone cache, see Component#getTimeZoneByID) use
 * the cached zones for its VTIMEZONEs. Call on the root right after building it.
 */
export function useCachedZones(root: ICalComponent): void {
  if (reference) return;
  const cache = (root as unknown as { _timezoneCache: Map<string, unknown> | null })._timezoneCache;
  if (!cache) return;
  for (const sub of root.getAllSubcomponents('vtimezone')) {
    const tzid = sub.getFirstPropertyValue('tzid');
    if (typeof tzid !== 'string' || cache.has(tzid)) continue;
    cache.set(tzid, cachedTimezone(sub));
  }
}

/**
 * Settings for tests and benchmarks: `maxDefinitions: 0` turns the cache off (windows still used); `reference: true`
 * reads zones as before this module (a fresh ical.js Timezone per calendar, expanded from DTSTART); `clear` empties.
 */
export function configureZoneCache(opts: { maxDefinitions?: number; reference?: boolean; clear?: boolean }): void {
  if (opts.reference !== undefined) reference = opts.reference;
  if (opts.maxDefinitions !== undefined) maxDefinitions = opts.maxDefinitions;
  if (opts.clear) definitions.clear();
  while (definitions.size > maxDefinitions) definitions.delete(definitions.keys().next().value as string);
}

export function zoneCacheSize(): number {
  return definitions.size;
}
