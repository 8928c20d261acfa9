// What an update changed, for the "what changed" view (issue 11 §6). When an update from the organizer is applied,
// the store keeps the key fields of the version it replaced (VersionFields); the view compares them with the
// current version. Pure: plain data in, plain data out.
import { normalizeAddress } from './address';
import type { EventData } from './types';

/** The fields of one version of an event (or occurrence) a person compares: time, place, title, guests. */
export interface VersionFields {
  /** The occurrence the update was about; null for the series (or a single event). */
  recurrenceId: string | null;
  sequence: number;
  /** UTC instant for timed values, the date for all-day, the wall time for floating. */
  start: string | null;
  end: string | null;
  allDay: boolean;
  summary: string | null;
  location: string | null;
  rrule: string | null;
  attendees: { email: string; cn: string | null }[];
}

export type VersionChange =
  | { field: 'time'; before: { start: string | null; end: string | null; allDay: boolean }; after: { start: string | null; end: string | null; allDay: boolean } }
  | { field: 'location' | 'summary' | 'rrule'; before: string | null; after: string | null }
  | { field: 'attendees'; added: { email: string; cn: string | null }[]; removed: { email: string; cn: string | null }[] };

function instant(v: EventData['start']): string | null {
  if (!v) return null;
  return v.allDay ? v.value.slice(0, 10) : (v.utc ?? v.value);
}

function durationMs(d: string | null): number | null {
  const m = d ? /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(d) : null;
  if (!m) return null;
  return ((+(m[1] ?? 0) * 7 + +(m[2] ?? 0)) * 86400 + +(m[3] ?? 0) * 3600 + +(m[4] ?? 0) * 60 + +(m[5] ?? 0)) * 1000;
}

/** The key fields of one component (DURATION turned into an end, so DTEND vs DURATION is no change). */
export function versionFields(e: EventData): VersionFields {
  const start = instant(e.start);
  let end = instant(e.end);
  const len = durationMs(e.duration);
  if (!end && start && len !== null) {
    const ms = Date.parse(start.length === 10 ? `${start}T00:00:00Z` : start) + len;
    end = Number.isFinite(ms) ? (e.start?.allDay ? new Date(ms).toISOString().slice(0, 10) : new Date(ms).toISOString().replace(/\.000Z$/, 'Z')) : null;
  }
  return {
    recurrenceId: e.recurrenceId,
    sequence: e.sequence,
    start,
    end,
    allDay: e.start?.allDay ?? false,
    summary: e.summary,
    location: e.location,
    rrule: e.rrule,
    // The organizer is listed as an attendee by many clients; that is no guest change.
    attendees: e.attendees.filter((a) => !e.organizer || normalizeAddress(a.email) !== normalizeAddress(e.organizer.email)).map((a) => ({ email: normalizeAddress(a.email), cn: a.cn })),
  };
}

/** Instants compare as instants ('…Z' vs '….000Z' or an offset are the same time). */
function sameInstant(a: string | null, b: string | null): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  const x = Date.parse(a.length === 10 ? `${a}T00:00:00Z` : a);
  const y = Date.parse(b.length === 10 ? `${b}T00:00:00Z` : b);
  return Number.isFinite(x) && x === y && (a.length === 10) === (b.length === 10);
}

const text = (s: string | null): string => (s ?? '').trim();

/** The differences from `before` to `after`, in reading order: time, title, place, repetition, guests. */
export function diffVersions(before: VersionFields, after: VersionFields): VersionChange[] {
  const out: VersionChange[] = [];
  if (!sameInstant(before.start, after.start) || !sameInstant(before.end, after.end) || before.allDay !== after.allDay) {
    out.push({ field: 'time', before: { start: before.start, end: before.end, allDay: before.allDay }, after: { start: after.start, end: after.end, allDay: after.allDay } });
  }
  if (text(before.summary) !== text(after.summary)) out.push({ field: 'summary', before: before.summary, after: after.summary });
  if (text(before.location) !== text(after.location)) out.push({ field: 'location', before: before.location, after: after.location });
  if (text(before.rrule) !== text(after.rrule)) out.push({ field: 'rrule', before: before.rrule, after: after.rrule });
  const had = new Set(before.attendees.map((a) => a.email));
  const has = new Set(after.attendees.map((a) => a.email));
  const added = after.attendees.filter((a) => !had.has(a.email));
  const removed = before.attendees.filter((a) => !has.has(a.email));
  if (added.length || removed.length) out.push({ field: 'attendees', added, removed });
  return out;
}
