// Free slots near a meeting's time, from my own calendar, for "Propose new time" (issue 11 §10). Pure: the busy
// intervals, the time, the length and what counts as working time come in as data; bounded by `maxSteps`.

export interface Interval {
  start: number;
  end: number;
}

export interface FreeSlotOptions {
  /** My busy time (epoch ms), in any order. */
  busy: readonly Interval[];
  /** The meeting's current start (epoch ms): slots are offered nearest to it first. */
  around: number;
  durationMs: number;
  /** Nothing before this (now). */
  notBefore: number;
  /** Whether a slot fits my day (working hours in my zone); default: any time. */
  fits?: (slot: Interval) => boolean;
  /** How many slots to offer (default 4). */
  count?: number;
  /** Candidate spacing (default 30 minutes). */
  stepMs?: number;
  /** How far to look on each side (default 3 days). */
  rangeMs?: number;
}

/**
 * The free slots of the meeting's length nearest to its current time (that time itself excluded: it is what I am
 * moving away from), earlier first on equal distance, in time order. A slot is free when it overlaps none of the
 * busy intervals and `fits` accepts it.
 */
export function freeSlots(o: FreeSlotOptions): Interval[] {
  const step = o.stepMs ?? 30 * 60_000;
  const range = o.rangeMs ?? 3 * 86_400_000;
  const want = o.count ?? 4;
  const len = Math.max(o.durationMs, 60_000);
  const busy = [...o.busy].sort((a, b) => a.start - b.start);
  const free = (s: Interval) => !busy.some((b) => b.start < s.end && s.start < b.end);
  const found: Interval[] = [];
  const maxSteps = Math.ceil(range / step);
  for (let k = 1; k <= maxSteps && found.length < want; k++) {
    for (const t of [o.around - k * step, o.around + k * step]) {
      const slot = { start: t, end: t + len };
      if (t >= o.notBefore && free(slot) && (o.fits ? o.fits(slot) : true)) found.push(slot);
      if (found.length >= want) break;
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/**
 * Working time in a zone: Monday to Friday, 08:00 to 18:00 wall time, start and end on the same day. The zone's
 * wall time comes from Intl (the renderer's formatter; no zone data of our own).
 */
export function workingHours(tz: string, from = 8, to = 18): (slot: Interval) => boolean {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', day: '2-digit' });
  const wall = (ms: number) => {
    const parts = fmt.formatToParts(new Date(ms));
    const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
    return { day: get('day'), weekday: get('weekday'), minutes: Number(get('hour')) * 60 + Number(get('minute')) };
  };
  return (slot) => {
    const a = wall(slot.start);
    const b = wall(slot.end);
    if (a.weekday === 'Sat' || a.weekday === 'Sun') return false;
    const endMinutes = b.day === a.day ? b.minutes : b.minutes === 0 ? 24 * 60 : -1;
    return a.minutes >= from * 60 && endMinutes > a.minutes && endMinutes <= to * 60;
  };
}
