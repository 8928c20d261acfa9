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

export function safeZone(tz: string): string {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return tz;
  } catch {
    return 'UTC';
  }
}

export function fmtDate(v: string | null, tz: string): string {
  if (!v) return '';
  if (isDateOnly(v)) {
    return new Intl.DateTimeFormat(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(
      new Date(`${v}T00:00:00Z`),
    );
  }
  return new Intl.DateTimeFormat(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', timeZone: safeZone(tz) }).format(new Date(v));
}

export function fmtTime(v: string | null, tz: string): string {
  if (!v || isDateOnly(v)) return '';
  return new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZone: safeZone(tz) }).format(new Date(v));
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
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'short' }).formatToParts(at && !isDateOnly(at) ? new Date(at) : new Date());
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
  const parts = new Intl.DateTimeFormat('en-CA', {
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
