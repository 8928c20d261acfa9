// The organizer's model of a meeting, and the one place its revisions are numbered.
//
// RFC 5546 §2.1.4: the organizer increments SEQUENCE whenever a change is "significant" (start, end, duration,
// recurrence, location, status: see event-state.ts), and attendees then must re-confirm, so their PARTSTAT goes back
// to NEEDS-ACTION with RSVP=TRUE. Any other edit (summary, description, attendee list) keeps SEQUENCE and answers.
// DTSTAMP is always the time the revision was made (RFC 5545 §3.8.7.2), passed in as data.

import { AppError } from '../errors';
import { normalizeAddress } from './address';
import { isSignificantChange } from './event-state';
import { dateValue, eventToComponentText, isKnownZone, toUtcIso, zonedDateTime } from './ics-write';
import type { Attendee, DateTimeValue, EventData } from './types';

export interface MeetingDraft {
  uid?: string;
  summary: string;
  description?: string;
  location?: string;
  /** 'YYYY-MM-DDTHH:mm' local wall time in `timezone`, or 'YYYY-MM-DD' when allDay. */
  start: string;
  /**
   * Same form as `start`. For all-day events this is the EXCLUSIVE end date, as DTEND is in iCalendar (RFC 5545
   * §3.6.1); an end on or before the start means a one-day event.
   */
  end: string;
  /** IANA zone, e.g. 'Europe/Berlin' (or 'UTC'). Ignored for all-day events, which float. */
  timezone: string;
  allDay: boolean;
  attendees: { email: string; cn?: string; role?: string; rsvp?: boolean }[];
  /** RRULE value text, e.g. 'FREQ=WEEKLY;COUNT=5'. */
  rrule?: string | null;
  organizer: { email: string; cn?: string; sentBy?: string };
}

export interface UidSeed {
  /** Source of the random part (tests pin it); defaults to crypto.randomUUID. */
  random?: () => string;
  /** Right-hand side; defaults to 'convene'. */
  domain?: string;
}

/**
 * A globally unique UID (RFC 5545 §3.8.4.7 recommends an identifier with a domain-like right-hand side). A random
 * (v4) UUID gives 122 random bits: collisions are not a practical concern. Uses Web Crypto from globalThis so the
 * engine stays free of Node APIs.
 */
export function newUid(seed?: UidSeed): string {
  const random = seed?.random ?? (() => globalThis.crypto.randomUUID());
  return `${random()}@${seed?.domain ?? 'convene'}`;
}

const WALL_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(date: string): boolean {
  const d = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === date;
}

function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** A draft's start/end as DateTimeValues; throws AppError BAD_REQUEST for malformed input (a caller bug or bad UI). */
export function draftTimes(draft: Pick<MeetingDraft, 'start' | 'end' | 'timezone' | 'allDay'>): {
  start: DateTimeValue;
  end: DateTimeValue;
} {
  if (draft.allDay) {
    const s = draft.start.slice(0, 10);
    const e = draft.end.slice(0, 10);
    if (!DATE_RE.test(s) || !validDate(s)) throw new AppError('BAD_REQUEST', `invalid start date: ${draft.start}`);
    if (!DATE_RE.test(e) || !validDate(e)) throw new AppError('BAD_REQUEST', `invalid end date: ${draft.end}`);
    return { start: dateValue(s), end: dateValue(e > s ? e : addDays(s, 1)) };
  }
  for (const [label, v] of [
    ['start', draft.start],
    ['end', draft.end],
  ] as const) {
    if (!WALL_RE.test(v) || !validDate(v.slice(0, 10))) throw new AppError('BAD_REQUEST', `invalid ${label} time: ${v}`);
  }
  const utcLike = ['UTC', 'Etc/UTC', 'Z'].includes(draft.timezone);
  if (!utcLike && !isKnownZone(draft.timezone)) {
    throw new AppError('BAD_REQUEST', `unknown time zone: ${draft.timezone}`);
  }
  const start = zonedDateTime(draft.start, draft.timezone);
  const end = zonedDateTime(draft.end, draft.timezone);
  if ((end.utc ?? '') < (start.utc ?? '')) throw new AppError('BAD_REQUEST', 'the meeting ends before it starts');
  return { start, end };
}

/**
 * The organizer's next revision of the event. `prev` is the stored master (null for a new meeting); `now` is an ISO
 * instant and becomes DTSTAMP.
 *
 * SEQUENCE: 0 for a new meeting; prev + 1 when the change is significant (RFC 5546 §2.1.4); prev otherwise.
 * PARTSTAT: kept per attendee unless the change is significant, then NEEDS-ACTION with RSVP=TRUE (§2.1.4: attendees
 * re-confirm a rescheduled meeting). New attendees start at NEEDS-ACTION.
 */
export function eventFromDraft(draft: MeetingDraft, prev: EventData | null, now: string): EventData {
  const summary = draft.summary.trim();
  const { start, end } = draftTimes(draft);
  const organizer = {
    email: normalizeAddress(draft.organizer.email),
    cn: draft.organizer.cn?.trim() || null,
    sentBy: draft.organizer.sentBy ? normalizeAddress(draft.organizer.sentBy) : null,
  };
  if (!organizer.email) throw new AppError('BAD_REQUEST', 'the meeting has no organizer address');

  const prevByEmail = new Map((prev?.attendees ?? []).map((a) => [normalizeAddress(a.email), a]));
  const seen = new Set<string>();
  const attendees: Attendee[] = [];
  for (const d of draft.attendees) {
    const email = normalizeAddress(d.email);
    // The same person twice would get two REPLY slots; RFC 5545 §3.8.4.1 has one ATTENDEE per calendar user.
    if (!email || seen.has(email)) continue;
    seen.add(email);
    const old = prevByEmail.get(email);
    attendees.push({
      email,
      cn: d.cn?.trim() || old?.cn || null,
      partstat: old?.partstat ?? 'NEEDS-ACTION',
      role: d.role ?? old?.role ?? 'REQ-PARTICIPANT',
      rsvp: d.rsvp ?? old?.rsvp ?? true,
      cutype: old?.cutype ?? 'INDIVIDUAL',
      delegatedTo: old?.delegatedTo ?? [],
      delegatedFrom: old?.delegatedFrom ?? [],
      sentBy: old?.sentBy ?? null,
    });
  }

  const next: EventData = {
    component: 'VEVENT',
    uid: draft.uid ?? prev?.uid ?? newUid(),
    recurrenceId: null,
    thisAndFuture: false,
    sequence: prev?.sequence ?? 0,
    dtstamp: toUtcIso(now),
    start,
    end,
    duration: null,
    summary,
    location: draft.location?.trim() || null,
    description: draft.description?.trim() ? draft.description : null,
    // A new meeting is CONFIRMED; an edit keeps the stored STATUS (so a summary edit is not read as a status
    // change), except that re-saving a cancelled meeting reinstates it (a significant change, §2.1.4).
    status: !prev ? 'CONFIRMED' : prev.status?.toUpperCase() === 'CANCELLED' ? 'CONFIRMED' : prev.status,
    comment: [],
    organizer,
    attendees,
    rrule: draft.rrule?.trim() ? draft.rrule.trim().replace(/^RRULE:/i, '') : null,
    // Exceptions belong to the series; they stay unless the recurrence itself changed (then they may not exist).
    rdate: prev && prev.rrule === (draft.rrule?.trim() || null) ? prev.rdate : [],
    exdate: prev && prev.rrule === (draft.rrule?.trim() || null) ? prev.exdate : [],
    requestStatus: [],
    ics: '',
  };

  if (prev && isSignificantChange(prev, next)) {
    next.sequence = prev.sequence + 1;
    next.attendees = next.attendees.map((a) => ({ ...a, partstat: 'NEEDS-ACTION', rsvp: true }));
  }
  next.ics = eventToComponentText(next);
  return next;
}
