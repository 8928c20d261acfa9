// `convene inspect`: one plain object describing what Convene recognises in a message or calendar file. Pure.
import { eventEnd } from './agenda';
import { isMine, normalizeAddress } from './address';
import type { ReadResult } from './message';
import type { CalendarObject, EventData, Problem } from './types';
import { validate } from './validate';
import { isKnownZone } from './zones/intl';

export interface InspectAttendee {
  email: string;
  partstat: string;
  role: string;
  rsvp: boolean;
}

export interface InspectOutput {
  kind: 'message' | 'calendar-file';
  /** A scheduling message with a METHOD was found (RFC 6047 iMIP, or an iTIP .ics file). */
  imip: boolean;
  /** The METHOD property (upper case), or null. */
  method: string | null;
  /** The Content-Type `method` parameter of the calendar part (upper case), or null. */
  methodParam: string | null;
  prodid: string | null;
  component: string | null;
  uid: string | null;
  /** SEQUENCE, 0 when absent (RFC 5545 §3.8.7.4). */
  sequence: number;
  recurrenceId: string | null;
  /** Components in the calendar: the master (or first) plus overrides. */
  components: number;
  overrides: number;
  organizer: string | null;
  attendees: InspectAttendee[];
  summary: string | null;
  /** ISO 8601 with offset, or YYYY-MM-DD for all-day. */
  start: string | null;
  end: string | null;
  allDay: boolean;
  /** IANA zone of DTSTART ('UTC' for UTC times), or null for floating and all-day values. */
  timezone: string | null;
  rrule: string | null;
  status: string | null;
  from: string | null;
  subject: string | null;
  /** Read problems + incoming validation, one per code (the first occurrence). */
  problems: Problem[];
  /** With --me: my addresses (normalised), my PARTSTAT, and whether the message concerns me. */
  me?: string[];
  myPartstat?: string | null;
  addressedToMe?: boolean;
  iAmOrganizer?: boolean;
}

/** The documented contract is 'IANA name or null': a custom TZID we could not map ('America-SanJose') is null. */
function ianaOrNull(tzid: string | null | undefined): string | null {
  if (!tzid) return null;
  if (tzid === 'UTC') return tzid;
  if (!/^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/.test(tzid)) return null;
  return isKnownZone(tzid) ? tzid : null;
}

/** The described component: the master (no RECURRENCE-ID) when there is one, else the first. */
export function primaryComponent(cal: CalendarObject | null | undefined): EventData | null {
  if (!cal) return null;
  return cal.components.find((c) => c.recurrenceId === null) ?? cal.components[0] ?? null;
}

export function dedupeProblems(list: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const p of list) {
    if (!p || seen.has(p.code)) continue;
    seen.add(p.code);
    out.push(p);
  }
  return out;
}

export function inspectResult(r: ReadResult, me: string[] = []): InspectOutput {
  const itip = r.itip;
  const calendar = itip?.calendar ?? r.calendars[0]?.calendar ?? null;
  const part = itip?.part ?? r.calendars[0]?.part ?? r.parts[0] ?? null;
  const ev = primaryComponent(calendar);
  const validation = itip ? validate(itip, { direction: 'incoming' }) : [];
  const methodParam = itip?.methodParam ?? part?.methodParam ?? null;
  const out: InspectOutput = {
    kind: r.kind,
    imip: itip !== null,
    method: itip?.method ?? calendar?.method ?? null,
    methodParam: methodParam ? methodParam.toUpperCase() : null,
    prodid: calendar?.prodid ?? null,
    component: ev?.component ?? null,
    uid: ev?.uid ?? null,
    sequence: ev?.sequence ?? 0,
    recurrenceId: ev?.recurrenceId ?? null,
    components: calendar?.components.length ?? 0,
    overrides: calendar?.components.filter((c) => c.recurrenceId !== null).length ?? 0,
    organizer: ev?.organizer?.email ? normalizeAddress(ev.organizer.email) : null,
    attendees: (ev?.attendees ?? []).map((a) => ({ email: normalizeAddress(a.email), partstat: a.partstat, role: a.role, rsvp: a.rsvp })),
    summary: ev?.summary ?? null,
    start: ev?.start?.value ?? null,
    end: ev ? eventEnd(ev) : null,
    allDay: ev?.start?.allDay ?? false,
    timezone: ev?.start && !ev.start.allDay && !ev.start.floating ? ianaOrNull(ev.start.tzid) : null,
    rrule: ev?.rrule ?? null,
    status: ev?.status ?? null,
    from: r.envelope?.from ?? null,
    subject: r.envelope?.subject ?? null,
    problems: dedupeProblems([...r.problems, ...validation]),
  };
  if (me.length > 0) {
    const mine = me.map(normalizeAddress).filter((m) => m !== '');
    const myAttendee = ev?.attendees.find((a) => isMine(a.email, mine));
    const env = r.envelope;
    const inEnvelope = [...(env?.to ?? []), ...(env?.cc ?? [])].some((a) => isMine(a, mine));
    out.me = mine;
    out.myPartstat = myAttendee ? myAttendee.partstat : null;
    out.iAmOrganizer = isMine(ev?.organizer?.email, mine);
    out.addressedToMe = !!myAttendee || inEnvelope;
  }
  return out;
}
