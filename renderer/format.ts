// Time formatting in the user's zone. Timed values are instants (ISO with offset or Z); all-day values are plain
// dates ('YYYY-MM-DD') and float: they are shown as dates, never shifted by a zone.
import type { Result } from '../shared/errors';

export function systemZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export function isDateOnly(v: string | null | undefined): boolean {
  return !!v && DATE_ONLY.test(v);
}

/**
 * One Intl.DateTimeFormat per (locale, options) — building one costs far more than formatting with it (profiled at
 * 61% of page time with 10,000 invitations when each date built its own). Bounded: a page uses a handful of zones
 * and option sets; the cache is cleared if something pathological (many zones) ever fills it.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATTERS = 200;

export function formatter(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale ?? ''}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    f = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, f);
  }
  return f;
}

/** How many formatters the cache holds (for the cache's unit test). */
export function formatterCount(): number {
  return formatters.size;
}

const zoneOk = new Map<string, string>();
export function safeZone(tz: string): string {
  let z = zoneOk.get(tz);
  if (z === undefined) {
    try {
      formatter('en-GB', { timeZone: tz });
      z = tz;
    } catch {
      z = 'UTC';
    }
    if (zoneOk.size >= MAX_FORMATTERS) zoneOk.clear();
    zoneOk.set(tz, z);
  }
  return z;
}

const DATE_OPTS = { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric' } as const;
// The locale's own clock (12- or 24-hour): one time format across the app (issue 11 §15).
const TIME_OPTS = { hour: 'numeric', minute: '2-digit' } as const;

export function fmtDate(v: string | null, tz: string): string {
  if (!v) return '';
  if (isDateOnly(v)) return formatter(undefined, { ...DATE_OPTS, timeZone: 'UTC' }).format(new Date(`${v}T00:00:00Z`));
  return formatter(undefined, { ...DATE_OPTS, timeZone: safeZone(tz) }).format(new Date(v));
}

/** A calendar day 'YYYY-MM-DD' as the week's column heading: 'Tue, 3 Mar'. */
export function fmtDayHead(day: string): string {
  return formatter(undefined, { weekday: 'short', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`));
}

export function fmtTime(v: string | null, tz: string): string {
  if (!v || isDateOnly(v)) return '';
  return formatter(undefined, { ...TIME_OPTS, timeZone: safeZone(tz) }).format(new Date(v));
}

/** An hour of the day (0–23) in the locale's clock, for the week's gutter. */
export function fmtHour(h: number): string {
  return formatter(undefined, { ...TIME_OPTS, timeZone: 'UTC' }).format(new Date(Date.UTC(2000, 0, 1, h)));
}

export function fmtDateTime(v: string | null, tz: string): string {
  if (!v) return '';
  if (isDateOnly(v)) return fmtDate(v, tz);
  return `${fmtDate(v, tz)}, ${fmtTime(v, tz)}`;
}

/** 'Tue, 3 Mar 2026, 10:00 – 11:00' (same day) or the two full ends. */
export function fmtRange(start: string | null, end: string | null, tz: string, allDay: boolean): string {
  if (!start) return 'no time given';
  if (allDay || isDateOnly(start)) {
    const s = fmtDate(start, tz);
    if (!end || !isDateOnly(end)) return `${s} (all day)`;
    // DTEND of an all-day event is exclusive.
    const last = new Date(Date.parse(`${end}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    return last <= start ? `${s} (all day)` : `${s} – ${fmtDate(last, tz)} (all day)`;
  }
  if (!end) return fmtDateTime(start, tz);
  const sameDay = fmtDate(start, tz) === fmtDate(end, tz);
  return sameDay ? `${fmtDateTime(start, tz)} – ${fmtTime(end, tz)}` : `${fmtDateTime(start, tz)} – ${fmtDateTime(end, tz)}`;
}

/** The zone's short name at an instant ('CET', 'GMT+2'). */
export function zoneLabel(tz: string, at: string | null): string {
  try {
    const parts = formatter('en-US', { timeZone: tz, timeZoneName: 'short' }).formatToParts(at && !isDateOnly(at) ? new Date(at) : new Date());
    return parts.find((p) => p.type === 'timeZoneName')?.value ?? tz;
  } catch {
    return tz;
  }
}

/** The zone for a reader: 'Europe/Berlin, GMT+1' (the IANA name and its offset or abbreviation at that time). */
export function zoneName(tz: string, at: string | null): string {
  const short = zoneLabel(tz, at);
  return short === tz ? tz : `${tz}, ${short}`;
}

/** An instant as local wall time 'YYYY-MM-DDTHH:mm' in `tz` (for datetime-local inputs). */
export function toWall(instant: string | number | Date, tz: string): string {
  const parts = formatter('en-CA', {
    timeZone: safeZone(tz),
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(instant));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}`;
}

/** The UTC instant (ms) of a wall time 'YYYY-MM-DDTHH:mm[:ss]' in `tz` (a time in a DST gap moves forward). */
export function wallToUtcMs(wall: string, tz: string): number {
  const w = wall.length === 16 ? `${wall}:00` : wall.slice(0, 19);
  const asUtc = Date.parse(`${w}Z`);
  const asUtcMinute = Date.parse(`${w.slice(0, 16)}:00Z`);
  // Two rounds of "how far is the zone's wall clock from UTC at this instant" settle across a DST change (offsets
  // are whole minutes, and toWall shows minutes).
  let guess = asUtc;
  for (let i = 0; i < 2; i++) {
    const shown = Date.parse(`${toWall(guess, tz)}:00Z`);
    guess += asUtcMinute - shown;
  }
  return guess;
}

/** The calendar date 'YYYY-MM-DD' of an instant in `tz`. */
export function dayKey(v: string, tz: string): string {
  if (isDateOnly(v)) return v;
  return toWall(v, tz).slice(0, 10);
}

export const BADGE_TEXT: Record<string, string> = {
  'needs-response': 'Needs response',
  accepted: 'Accepted',
  tentative: 'Tentative',
  declined: 'Declined',
  updated: 'Updated',
  cancelled: 'Cancelled',
  outdated: 'Outdated',
  organizer: 'Organizer',
  'needs-decision': 'Needs decision',
};

export const PARTSTAT_TEXT: Record<string, string> = {
  'NEEDS-ACTION': 'No answer yet',
  ACCEPTED: 'Accepted',
  TENTATIVE: 'Tentative',
  DECLINED: 'Declined',
  DELEGATED: 'Delegated',
};

export function errText<T>(r: Result<T>): string {
  return r.ok ? '' : `${r.error.message} (${r.error.code})`;
}

export function toBase64(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
