// The engine's data model. Everything here is plain data (JSON-serialisable): it crosses IPC, lands in the
// store and appears in the command line's output. Never put ical.js objects or class instances in these types.
import type { VersionFields } from './changes';

/** RFC 5546 §1.4 methods. */
export type ItipMethod =
  | 'PUBLISH'
  | 'REQUEST'
  | 'REPLY'
  | 'ADD'
  | 'CANCEL'
  | 'REFRESH'
  | 'COUNTER'
  | 'DECLINECOUNTER';

export const ITIP_METHODS: readonly ItipMethod[] = [
  'PUBLISH',
  'REQUEST',
  'REPLY',
  'ADD',
  'CANCEL',
  'REFRESH',
  'COUNTER',
  'DECLINECOUNTER',
];

export type PartStat = 'NEEDS-ACTION' | 'ACCEPTED' | 'DECLINED' | 'TENTATIVE' | 'DELEGATED' | 'COMPLETED' | 'IN-PROCESS';

export type Severity = 'error' | 'warning';

/** A validation finding. `code` is stable kebab-case (see validate.ts for the list). */
export interface Problem {
  code: string;
  severity: Severity;
  message: string;
}

// ---------------------------------------------------------------------------------------------------------------
// MIME structure (the same shape whether it came from a raw message or from an IMAP BODYSTRUCTURE)

export interface MimeNode {
  /** IMAP part path: '1', '1.2', '2.1.3'. A single-part message's body is '1'. The root multipart is ''. */
  path: string;
  /** Lower-case type/subtype, e.g. 'text/calendar'. */
  contentType: string;
  /** Content-Type parameters, keys lower-case, values as sent (e.g. method: 'REQUEST'). */
  params: Record<string, string>;
  disposition: 'inline' | 'attachment' | null;
  filename: string | null;
  /** Lower-case Content-Transfer-Encoding ('7bit', 'base64', 'quoted-printable', ...), null when absent. */
  encoding: string | null;
  /** Size in octets as transferred, when known. */
  size: number | null;
  children: MimeNode[];
  /** For message/rfc822 parts: the encapsulated message's top node. */
  message?: MimeNode;
}

/** A calendar part found in a message's structure. */
export interface CalendarPartRef {
  path: string;
  contentType: string;
  /** The `method` Content-Type parameter, upper-cased, or null. */
  methodParam: string | null;
  charset: string | null;
  filename: string | null;
  encoding: string | null;
  /** True when the part is a sibling of a text body inside a multipart/alternative (RFC 6047 §2.4). */
  inAlternative: boolean;
  /** True when the part is inside a message/rfc822 (a forwarded message). */
  forwarded: boolean;
  disposition: 'inline' | 'attachment' | null;
}

/** Mail-level facts the validator and decider need, taken from the message headers. */
export interface MailEnvelope {
  /** The first From addr-spec (for display); see fromAddresses for the sender check. */
  from: string | null;
  /** Every From addr-spec, present only when there are several (RFC 5322 §3.6.2); absent means [from]. */
  fromAddresses?: string[];
  sender: string | null;
  to: string[];
  cc: string[];
  subject: string | null;
  messageId: string | null;
  date: string | null;
}

// ---------------------------------------------------------------------------------------------------------------
// iCalendar as plain data

export interface DateTimeValue {
  /**
   * ISO 8601: 'YYYY-MM-DD' for all-day dates, 'YYYY-MM-DDTHH:mm:ss±hh:mm' for zoned or UTC times (UTC as 'Z'),
   * 'YYYY-MM-DDTHH:mm:ss' (no offset) for floating times.
   */
  value: string;
  /** IANA zone name (Windows names already mapped), 'UTC', or null for floating and all-day values. */
  tzid: string | null;
  /** The TZID as written in the file, when it differs from `tzid` (e.g. 'W. Europe Standard Time'). */
  originalTzid?: string;
  allDay: boolean;
  floating: boolean;
  /** The instant in UTC ('...Z'), null for all-day and floating values. */
  utc: string | null;
}

export interface Organizer {
  /** Bare lower-case address, no mailto:. */
  email: string;
  cn: string | null;
  /** SENT-BY, bare lower-case address, or null. */
  sentBy: string | null;
}

export interface Attendee {
  email: string;
  cn: string | null;
  partstat: PartStat | string;
  role: string;
  rsvp: boolean;
  cutype: string | null;
  delegatedTo: string[];
  delegatedFrom: string[];
  sentBy: string | null;
}

export type ComponentKind = 'VEVENT' | 'VTODO' | 'VJOURNAL' | 'VFREEBUSY';

/** One VEVENT (or VTODO...) as plain data. */
export interface EventData {
  component: ComponentKind;
  uid: string | null;
  /** Normalised RECURRENCE-ID: the UTC instant ('...Z') for timed values, 'YYYY-MM-DD' for dates. Null for masters. */
  recurrenceId: string | null;
  /** RANGE=THISANDFUTURE on the RECURRENCE-ID. */
  thisAndFuture: boolean;
  sequence: number;
  /** DTSTAMP as a UTC ISO instant, or null when missing. */
  dtstamp: string | null;
  start: DateTimeValue | null;
  end: DateTimeValue | null;
  /** DURATION as written (e.g. 'PT1H'), when the event has no DTEND. */
  duration: string | null;
  summary: string | null;
  location: string | null;
  description: string | null;
  status: string | null;
  comment: string[];
  organizer: Organizer | null;
  attendees: Attendee[];
  /** RRULE as its iCalendar value text ('FREQ=WEEKLY;COUNT=5'), or null. */
  rrule: string | null;
  /** RDATE and EXDATE values, normalised like recurrenceId. */
  rdate: string[];
  exdate: string[];
  requestStatus: string[];
  /** This component serialised as iCalendar text (BEGIN:VEVENT...END:VEVENT), for storage and re-building. */
  ics: string;
}

/** A parsed calendar object (one text/calendar part or .ics file). */
export interface CalendarObject {
  /** METHOD property, upper-cased; null means an event file, not a scheduling message. */
  method: string | null;
  prodid: string | null;
  /** All components of the kinds above, the master (no RECURRENCE-ID) first, then overrides by recurrenceId. */
  components: EventData[];
  /** VTIMEZONE components as iCalendar text, so stored events can be expanded later. */
  vtimezones: string[];
  /** Parse problems (invalid-ics, not-utf8, ...). */
  problems: Problem[];
}

/** An iTIP message: a calendar object plus where it came from. */
export interface ItipMessage {
  method: ItipMethod;
  calendar: CalendarObject;
  /** The Content-Type `method` parameter (upper case) of the part it came from, null if absent or a bare file. */
  methodParam: string | null;
  envelope: MailEnvelope | null;
  part: CalendarPartRef | null;
}

// ---------------------------------------------------------------------------------------------------------------
// The calendar as stored

export type ProcessingPolicy = 'always' | 'known' | 'never';

/** The last REPLY (or our own answer) recorded for one attendee, per occurrence. */
export interface ReplyRecord {
  email: string;
  /** null: the whole series. */
  recurrenceId: string | null;
  partstat: string;
  sequence: number;
  dtstamp: string | null;
  comment: string | null;
  delegatedTo: string[];
  delegatedFrom: string[];
}

/** Something the organizer (or attendee) must decide about: a counter-proposal, a party crasher, a refresh... */
export interface PendingItem {
  id: string;
  kind: 'counter' | 'party-crasher' | 'refresh' | 'declinecounter' | 'forwarded' | 'new-invitation';
  from: string;
  recurrenceId: string | null;
  /** The iTIP message as received (the whole calendar text), so the decision can be applied later. */
  ics: string;
  receivedAt: string;
  summary: string;
}

export interface StoredEvent {
  uid: string;
  /** My role in this event: the organizer's copy or an attendee's copy. 'personal': no attendees. */
  role: 'organizer' | 'attendee' | 'personal';
  /** The series master (or the single event); null when only overrides are known. */
  master: EventData | null;
  /** Overrides (RECURRENCE-ID), sorted by recurrenceId. */
  overrides: EventData[];
  /** VTIMEZONE texts needed to expand this event. */
  vtimezones: string[];
  /** Last reply recorded per attendee (and per occurrence). */
  replies: ReplyRecord[];
  pending: PendingItem[];
  /** Set when the whole event is cancelled. */
  cancelled: boolean;
  /** The identity (one of my addresses) the invitation was addressed to, for replies. */
  myAddress: string | null;
  updatedAt: string;
  /**
   * The key fields of the version the last visible update replaced (an attendee's copy): the UI's "what changed"
   * (issue 11 §6). Absent until an update changes something a person sees.
   */
  previous?: VersionFields | null;
  /** My last proposal of a new time (COUNTER, RFC 5546 §3.2.7), shown as waiting until the organizer answers. */
  proposal?: MyProposal | null;
}

/** A proposal of a new time I sent (instants in UTC, or dates for all-day). */
export interface MyProposal {
  recurrenceId: string | null;
  start: string;
  end: string | null;
  comment: string | null;
  sentAt: string;
}

// ---------------------------------------------------------------------------------------------------------------
// Decisions

export type DecisionAction =
  | 'created'
  | 'updated'
  | 'cancelled'
  | 'reply-applied'
  | 'stale'
  | 'duplicate'
  | 'rejected'
  | 'needs-decision'
  | 'not-imip';

export interface DecideContext {
  /** My addresses (account address and aliases), any case, with or without mailto:. */
  me: readonly string[];
  policy: ProcessingPolicy;
  /** Addresses of known contacts (mail history, contacts): used by the 'known' policy. */
  knownContacts: readonly string[];
  /** Current time as an ISO instant: time comes in as data so tests pin it. */
  now: string;
}

export interface Decision {
  action: DecisionAction;
  uid: string | null;
  /** A human reason, shown in the UI and printed by the command line. */
  reason: string;
  /** Finer detail for the UI: 'counter', 'refresh', 'party-crasher', 'forwarded', 'organizer-copy', 'policy'... */
  detail?: string;
  /** The next stored state for this UID when the decision changes the calendar (including pending items). */
  next?: StoredEvent;
  /** Problems that led to the decision (for rejected and not-imip). */
  problems?: Problem[];
}
