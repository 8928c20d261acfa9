// The meeting editor's recurrence choices ⇄ an RRULE value (RFC 5545 §3.3.10). Pure, so the round trip is tested:
// weekly with chosen weekdays, monthly by date (BYMONTHDAY) or by weekday (BYDAY=2TU, or -1TU for the last),
// ending on a date (UNTIL) or after a count (COUNT). A rule the form cannot show stays as it is ('custom').
import { toWall, wallToUtcMs } from './format';

export type RepeatFreq = '' | 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY' | 'CUSTOM';
export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface RepeatForm {
  freq: RepeatFreq;
  interval: number;
  /** WEEKLY: the days; empty means the start's weekday. */
  days: Weekday[];
  /** MONTHLY: by the start's date, or by its weekday position ('2nd Tuesday', 'last Friday'). */
  monthly: 'date' | 'weekday';
  end: 'never' | 'until' | 'count';
  /** 'YYYY-MM-DD' (inclusive last day). */
  until: string;
  count: number;
  /** The original rule, kept for 'CUSTOM'. */
  raw: string;
}

export const NO_REPEAT: RepeatForm = { freq: '', interval: 1, days: [], monthly: 'date', end: 'never', until: '', count: 10, raw: '' };

/** The weekday ('TU') of a 'YYYY-MM-DD...' date. */
export function weekdayOf(date: string): Weekday {
  const d = new Date(`${date.slice(0, 10)}T12:00:00Z`).getUTCDay();
  return WEEKDAYS[(d + 6) % 7]!;
}

/** The weekday position of a date in its month: 1..4, or -1 when it is the last such weekday (5th or 4th-and-last). */
export function weekdayPosition(date: string): number {
  const d = new Date(`${date.slice(0, 10)}T12:00:00Z`);
  const day = d.getUTCDate();
  const monthLen = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  if (day + 7 > monthLen) return -1;
  return Math.ceil(day / 7);
}

/**
 * The RRULE for the form, given the start ('YYYY-MM-DD' or wall time) and its zone: UNTIL is the end of the chosen
 * last day in UTC when the start is timed (RFC 5545 §3.3.10: UNTIL in UTC when DTSTART has a TZID), a DATE for
 * all-day events. Null for no repetition.
 */
export function toRrule(f: RepeatForm, start: string, allDay: boolean, timezone = 'UTC'): string | null {
  if (!f.freq) return null;
  if (f.freq === 'CUSTOM') return f.raw || null;
  const parts = [`FREQ=${f.freq}`];
  if (f.interval > 1) parts.push(`INTERVAL=${Math.floor(f.interval)}`);
  if (f.freq === 'WEEKLY') {
    const days = f.days.length ? f.days : [weekdayOf(start)];
    parts.push(`BYDAY=${WEEKDAYS.filter((d) => days.includes(d)).join(',')}`);
  }
  if (f.freq === 'MONTHLY') {
    if (f.monthly === 'weekday') parts.push(`BYDAY=${weekdayPosition(start)}${weekdayOf(start)}`);
    else parts.push(`BYMONTHDAY=${Number(start.slice(8, 10))}`);
  }
  if (f.end === 'count' && f.count > 0) parts.push(`COUNT=${Math.floor(f.count)}`);
  if (f.end === 'until' && /^\d{4}-\d{2}-\d{2}$/.test(f.until)) {
    const d = f.until.replace(/-/g, '');
    if (allDay) parts.push(`UNTIL=${d}`);
    else {
      // The end of the chosen day where the meeting happens, as a UTC instant.
      const ms = wallToUtcMs(`${f.until}T23:59:59`, timezone);
      const utc = Number.isFinite(ms) ? new Date(ms).toISOString() : `${f.until}T23:59:59Z`;
      parts.push(`UNTIL=${utc.replace(/[-:]/g, '').replace(/\.\d+/, '').slice(0, 15)}Z`);
    }
  }
  return parts.join(';');
}

/** The form for a stored rule; anything it cannot show exactly becomes CUSTOM (kept verbatim). */
export function fromRrule(rrule: string | null | undefined, start: string, timezone = 'UTC'): RepeatForm {
  if (!rrule) return { ...NO_REPEAT };
  const raw = rrule.replace(/^RRULE:/i, '');
  const p = new Map<string, string>();
  for (const kv of raw.split(';')) {
    const i = kv.indexOf('=');
    if (i > 0) p.set(kv.slice(0, i).toUpperCase(), kv.slice(i + 1).toUpperCase());
  }
  const custom: RepeatForm = { ...NO_REPEAT, freq: 'CUSTOM', raw };
  const freq = p.get('FREQ') ?? '';
  if (!['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'].includes(freq)) return custom;
  const allowed = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'WKST']);
  if ([...p.keys()].some((k) => !allowed.has(k))) return custom;
  const f: RepeatForm = { ...NO_REPEAT, freq: freq as RepeatFreq, raw };
  const interval = Number(p.get('INTERVAL') ?? '1');
  if (!Number.isInteger(interval) || interval < 1) return custom;
  f.interval = interval;
  if (p.has('COUNT')) {
    f.end = 'count';
    f.count = Number(p.get('COUNT'));
    if (!Number.isInteger(f.count) || f.count < 1) return custom;
  } else if (p.has('UNTIL')) {
    const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z)?$/.exec(p.get('UNTIL')!);
    if (!m) return custom;
    f.end = 'until';
    // A UTC UNTIL names the last day where the meeting happens.
    f.until = m[4] ? toWall(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`, timezone).slice(0, 10) : `${m[1]}-${m[2]}-${m[3]}`;
  }
  const byday = p.get('BYDAY');
  const bymd = p.get('BYMONTHDAY');
  if (freq === 'WEEKLY') {
    if (bymd) return custom;
    const days = (byday ?? '').split(',').filter(Boolean);
    if (days.some((d) => !(WEEKDAYS as readonly string[]).includes(d))) return custom;
    f.days = days as Weekday[];
  } else if (freq === 'MONTHLY') {
    if (byday && bymd) return custom;
    if (byday) {
      if (byday !== `${weekdayPosition(start)}${weekdayOf(start)}`) return custom;
      f.monthly = 'weekday';
    } else if (bymd && Number(bymd) !== Number(start.slice(8, 10))) return custom;
  } else if (byday || bymd) return custom;
  return f;
}
