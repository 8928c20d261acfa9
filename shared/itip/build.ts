// Outgoing iTIP messages over email (iMIP, RFC 6047), one planner per method. A plan is plain data (headers, text
// and html bodies, the iCalendar object, a stable Message-ID and boundary seed); electron/mail/smtp/mime.ts turns it
// into MIME bytes with nodemailer, so this module stays free of Node (shared/ imports nothing from Node or the DOM).
//
// MIME shape (RFC 6047 §2.4, and what Outlook, Gmail, Apple Mail and Thunderbird all recognise as an invitation):
//   multipart/mixed
//     multipart/alternative
//       text/plain; charset=utf-8
//       text/html; charset=utf-8
//       text/calendar; charset=utf-8; method=X      ← the scheduling message; method= equals METHOD (§2.4)
//     application/ics; name=invite.ics (attachment) ← the same object, for clients that only offer a file
// nodemailer's MailComposer builds exactly this from its `icalEvent` option (in the adapter); nodemailer picks a
// transfer encoding that keeps 8-bit text safe (quoted-printable or base64) for every text part.
//
// Every planner is deterministic given `now` and `messageId`: the outbox persists the message before sending and
// relies on a stable Message-ID to never send the same message twice. When no messageId is given, one is derived
// from the content (method, UID, RECURRENCE-ID, SEQUENCE, DTSTAMP, sender, recipients), so building twice from the
// same input still yields the same id. The multipart boundaries derive from the Message-ID for the same reason.
//
// Who the mail comes from (RFC 6047 §3, RFC 5546 §3.2): the organizer sends PUBLISH, REQUEST, ADD, CANCEL and
// DECLINECOUNTER (or a delegate named in ORGANIZER;SENT-BY, who is then the From address); an attendee sends REPLY,
// COUNTER and REFRESH, to the organizer only.
//
// Planners throw AppError('ITIP_INVALID' | 'BAD_REQUEST') for a request they cannot turn into a valid message (a
// REQUEST without attendees, a REPLY to an event without organizer): those are caller bugs or UI states that must
// not reach the outbox.

import { AppError } from '../errors';
import { normalizeAddress } from './address';
import { calendarText, isKnownZone, toUtcIso, utcToWall, zonedDateTime, dateValue } from './ics-write';
import { findAttendee, newAttendee, occurrenceAt } from './event-state';
import { draftTimes } from './meeting';
import { describeRecurrence } from '../present/rrule-text';
import { personWithAddress, usefulName } from '../present/names';
import type { Attendee, DateTimeValue, EventData, ItipMethod, Organizer, PartStat } from './types';

/** One iMIP mail as plain data: everything the MIME adapter needs, nothing Node-specific. */
export interface MailPlan {
  method: ItipMethod;
  uid: string;
  /** Bare address of the sender (the From header). */
  from: string;
  /** The sender's display name, when known. */
  fromName: string | null;
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string;
  /** The iCalendar object carried by the text/calendar part (and the invite.ics attachment). */
  ics: string;
  /** With angle brackets, as in the header: '<...@convene>'. */
  messageId: string;
  /** ISO instant for the Date header. */
  date: string;
  /** Seed of the multipart boundaries, derived from the Message-ID so rebuilding gives the same bytes. */
  boundary: string;
}

/** A mail identity: a bare address and an optional display name; `sentBy` when acting on someone's behalf. */
export interface Identity {
  email: string;
  cn?: string | null;
  /** RFC 5545 §3.2.18: the delegate actually sending for `email` (ORGANIZER;SENT-BY). */
  sentBy?: string | null;
}

interface CommonOptions {
  /** ISO instant: becomes DTSTAMP and the Date header. */
  now: string;
  /** Message-ID, with or without angle brackets; derived from the content when absent. */
  messageId?: string;
  /** VTIMEZONE texts to use for the TZIDs written (generated from Intl when missing). */
  vtimezones?: string[];
  cc?: string[];
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

function uidOf(e: EventData): string {
  if (!e.uid) throw new AppError('ITIP_INVALID', 'the event has no UID (RFC 5546 §3.2: UID is required)');
  return e.uid;
}

function organizerOf(e: EventData, override?: Identity): Organizer {
  const o: Organizer | null = override
    ? {
        email: normalizeAddress(override.email),
        cn: override.cn ?? e.organizer?.cn ?? null,
        sentBy: override.sentBy ? normalizeAddress(override.sentBy) : null,
      }
    : e.organizer;
  if (!o || !o.email) throw new AppError('ITIP_INVALID', 'the event has no ORGANIZER (RFC 5546 §3.2 requires one)');
  return o;
}

function dedupe(addresses: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of addresses) {
    const n = normalizeAddress(a);
    if (n && !out.includes(n)) out.push(n);
  }
  return out;
}

/** `addresses` deduplicated, less the organizer and its SENT-BY delegate: the organizer does not mail itself. */
function othersThan(organizer: Organizer, addresses: readonly string[]): string[] {
  const me = [organizer.email, organizer.sentBy ?? ''];
  return dedupe(addresses).filter((a) => !me.includes(a));
}

function durationMs(e: EventData): number | null {
  if (e.start?.utc && e.end?.utc) return Date.parse(e.end.utc) - Date.parse(e.start.utc);
  if (e.start?.allDay && e.end?.allDay) return Date.parse(e.end.value) - Date.parse(e.start.value);
  if (e.start?.floating && e.end?.floating) return Date.parse(`${e.end.value}Z`) - Date.parse(`${e.start.value}Z`);
  return null;
}

/** A DateTimeValue at a normalised instant ('...Z' or 'YYYY-MM-DD'), in the zone of `like`. */
function valueAt(instant: string, like: DateTimeValue | null): DateTimeValue {
  if (/^\d{4}-\d{2}-\d{2}$/.test(instant)) return dateValue(instant);
  const ms = Date.parse(/Z$|[+-]\d{2}:\d{2}$/.test(instant) ? instant : `${instant}Z`);
  if (like?.floating) {
    const wall = new Date(ms).toISOString().slice(0, 19);
    return { value: wall, tzid: null, allDay: false, floating: true, utc: null };
  }
  const tz = like?.tzid && like.tzid !== 'UTC' && isKnownZone(like.tzid) ? like.tzid : 'UTC';
  return zonedDateTime(tz === 'UTC' ? new Date(ms).toISOString().slice(0, 19) : utcToWall(ms, tz), tz);
}

/**
 * The component for one occurrence of `master`: the override when `overrides` has it, else the master moved to the
 * occurrence (RECURRENCE-ID = the original start, DTSTART there, same length, no recurrence rule: RFC 5545 §3.8.4.4).
 */
export function occurrenceOf(master: EventData, recurrenceId: string, overrides: readonly EventData[] = []): EventData {
  const found = overrides.find((o) => o.recurrenceId === recurrenceId);
  if (found) return found;
  const start = valueAt(recurrenceId, master.start);
  const len = durationMs(master);
  let end: DateTimeValue | null = null;
  if (len !== null && master.end) {
    end = start.allDay
      ? dateValue(new Date(Date.parse(start.value) + len).toISOString().slice(0, 10))
      : start.floating
        ? valueAt(new Date(Date.parse(`${start.value}Z`) + len).toISOString().slice(0, 19), master.start)
        : valueAt(toUtcIso(Date.parse(start.utc ?? start.value) + len), master.start);
  }
  return occurrenceAt(master, recurrenceId, start, end);
}

function withStamp(e: EventData, now: string): EventData {
  // RFC 5546 §2.1.5 / RFC 5545 §3.8.7.2: in a METHOD'd object, DTSTAMP is when the iTIP message was created.
  return { ...e, dtstamp: toUtcIso(now), ics: '' };
}

// ---------------------------------------------------------------------------------------------------------------
// Human text

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function fmt(ms: number, tz: string, opts: Intl.DateTimeFormatOptions): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: tz, ...opts }).format(new Date(ms));
}

/** 'Mon 5 Jan 2026 10:00 – 11:00 (Europe/Berlin)' in the event's own zone, like Gmail and Outlook subjects. */
export function describeWhen(start: DateTimeValue | null, end: DateTimeValue | null): string {
  if (!start) return '';
  const dayOpts: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' };
  const timeOpts: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
  if (start.allDay) {
    const s = Date.parse(`${start.value.slice(0, 10)}T00:00:00Z`);
    const lastDay = end?.allDay ? Date.parse(`${end.value.slice(0, 10)}T00:00:00Z`) - 86_400_000 : s;
    const first = fmt(s, 'UTC', dayOpts);
    return lastDay > s ? `${first} – ${fmt(lastDay, 'UTC', dayOpts)} (all day)` : `${first} (all day)`;
  }
  const floating = start.floating || !start.utc;
  const tz = floating ? 'UTC' : start.tzid && isKnownZone(start.tzid) ? start.tzid : 'UTC';
  const s = floating ? Date.parse(`${start.value.slice(0, 19)}Z`) : Date.parse(start.utc!);
  const e = end ? (floating ? Date.parse(`${end.value.slice(0, 19)}Z`) : end.utc ? Date.parse(end.utc) : NaN) : NaN;
  let text = `${fmt(s, tz, dayOpts)} ${fmt(s, tz, timeOpts)}`;
  if (!Number.isNaN(e)) {
    const sameDay = fmt(s, tz, dayOpts) === fmt(e, tz, dayOpts);
    text += ` – ${sameDay ? '' : `${fmt(e, tz, dayOpts)} `}${fmt(e, tz, timeOpts)}`;
  }
  return floating ? text : `${text} (${tz})`;
}

function person(email: string, cn: string | null | undefined): string {
  return personWithAddress(cn, email);
}

const PARTSTAT_TEXT: Record<string, string> = {
  'NEEDS-ACTION': 'not answered',
  ACCEPTED: 'accepted',
  DECLINED: 'declined',
  TENTATIVE: 'maybe',
  DELEGATED: 'delegated',
};

interface BodyInput {
  headline: string;
  event: EventData;
  comment?: string | null;
  note?: string | null;
  showAttendees?: boolean;
}

function bodies(b: BodyInput): { text: string; html: string } {
  const e = b.event;
  const rows: [string, string][] = [];
  const when = describeWhen(e.start, e.end);
  if (when) rows.push(['When', when]);
  // People read the rule in words (issue 11 §14); the calendar part carries the RRULE itself.
  if (e.rrule) rows.push(['Repeats', describeRecurrence(e.rrule, e.start?.value ?? null)]);
  if (e.location) rows.push(['Where', e.location]);
  if (e.organizer) rows.push(['Organizer', person(e.organizer.email, e.organizer.cn)]);
  const who = b.showAttendees === false ? [] : e.attendees;
  const text: string[] = [b.headline, ''];
  if (e.summary) text.push(e.summary, '');
  for (const [k, v] of rows) text.push(`${k}: ${v}`);
  if (who.length) {
    text.push('Guests:');
    for (const a of who) text.push(`  - ${person(a.email, a.cn)} (${PARTSTAT_TEXT[String(a.partstat)] ?? String(a.partstat).toLowerCase()})`);
  }
  if (b.comment) text.push('', `Comment: ${b.comment}`);
  if (b.note) text.push('', b.note);
  if (e.description) text.push('', e.description);
  text.push('', '--', 'Sent by Convene. The attached invite.ics works with any calendar.');

  const h = escapeHtml;
  const html: string[] = [
    '<!doctype html><html><head><meta charset="utf-8"></head><body style="font-family:sans-serif">',
    `<p>${h(b.headline)}</p>`,
  ];
  if (e.summary) html.push(`<h2>${h(e.summary)}</h2>`);
  html.push('<table>');
  for (const [k, v] of rows) html.push(`<tr><th align="left">${h(k)}</th><td>${h(v)}</td></tr>`);
  if (who.length) {
    html.push(
      `<tr><th align="left" valign="top">Guests</th><td>${who
        .map((a) => `${h(person(a.email, a.cn))} (${h(PARTSTAT_TEXT[String(a.partstat)] ?? String(a.partstat).toLowerCase())})`)
        .join('<br>')}</td></tr>`,
    );
  }
  html.push('</table>');
  if (b.comment) html.push(`<p><b>Comment:</b> ${h(b.comment)}</p>`);
  if (b.note) html.push(`<p>${h(b.note)}</p>`);
  if (e.description) html.push(`<p style="white-space:pre-wrap">${h(e.description)}</p>`);
  html.push('<p style="color:#777">Sent by Convene. The attached invite.ics works with any calendar.</p></body></html>');
  return { text: text.join('\n') + '\n', html: html.join('\n') + '\n' };
}

// ---------------------------------------------------------------------------------------------------------------
// MIME

async function sha256Hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function bracketed(id: string): string {
  const bare = id.trim().replace(/^<|>$/g, '');
  return `<${bare}>`;
}

interface ComposeInput {
  method: ItipMethod;
  uid: string;
  from: Identity;
  to: string[];
  cc: string[];
  subject: string;
  text: string;
  html: string;
  ics: string;
  now: string;
  messageId?: string;
  /** Content that identifies this message, for the derived Message-ID. */
  key: string;
}

async function planMail(c: ComposeInput): Promise<MailPlan> {
  const from = normalizeAddress(c.from.email);
  const to = dedupe(c.to);
  const cc = dedupe(c.cc).filter((a) => !to.includes(a));
  const digest = await sha256Hex(
    [c.method, c.uid, c.key, toUtcIso(c.now), from, to.join(','), cc.join(','), c.subject].join('\n'),
  );
  const messageId = bracketed(c.messageId ?? `${digest.slice(0, 32)}@convene`);
  const boundary = c.messageId ? (await sha256Hex(messageId)).slice(0, 16) : digest.slice(32, 48);
  return {
    method: c.method,
    uid: c.uid,
    from,
    fromName: c.from.cn ?? null,
    to,
    cc,
    subject: c.subject,
    text: c.text,
    html: c.html,
    ics: c.ics,
    messageId,
    date: c.now,
    boundary,
  };
}

/** The From identity for organizer-sent methods: the delegate when SENT-BY is set (RFC 5545 §3.2.18). */
function organizerSender(o: Organizer): Identity {
  return o.sentBy ? { email: o.sentBy } : { email: o.email, cn: o.cn };
}

function whenSuffix(e: EventData): string {
  const w = describeWhen(e.start, e.end);
  return w ? ` @ ${w}` : '';
}

function title(e: EventData): string {
  return e.summary?.trim() || '(no title)';
}

// ---------------------------------------------------------------------------------------------------------------
// REQUEST

export interface RequestOptions extends CommonOptions {
  /** The master first, then overrides (same UID). A single event may be passed as `event`. */
  events?: EventData[];
  event?: EventData;
  /** Replaces the ORGANIZER (e.g. to add SENT-BY when a delegate sends). */
  organizer?: Identity;
  /** Recipients; default: every attendee except the organizer and the delegate. */
  to?: string[];
  /** Forces the 'Updated invitation' wording; default: SEQUENCE > 0. */
  update?: boolean;
}

function eventsOf(o: { events?: EventData[]; event?: EventData }): EventData[] {
  const list = o.events?.length ? o.events : o.event ? [o.event] : [];
  if (!list.length) throw new AppError('BAD_REQUEST', 'no event to send');
  return list;
}

/** RFC 5546 §3.2.2: METHOD:REQUEST, the organizer invites (or updates) the attendees. */
export async function planRequest(opts: RequestOptions): Promise<MailPlan> {
  const given = eventsOf(opts);
  const uid = uidOf(given[0]!);
  const organizer = organizerOf(given[0]!, opts.organizer);
  if (!given.some((e) => e.attendees.length > 0)) {
    // RFC 5546 §3.2.2: ATTENDEE is 1+ in a REQUEST.
    throw new AppError('ITIP_INVALID', 'a meeting with no attendees is a personal event; export it with PUBLISH');
  }
  const events = given.map((e) => ({ ...withStamp(e, opts.now), uid, organizer }));
  const to = othersThan(organizer, opts.to ?? events.flatMap((e) => e.attendees.map((a) => a.email)));
  if (!to.length) throw new AppError('ITIP_INVALID', 'the invitation has no recipient other than the organizer');
  const master = events[0]!;
  const update = opts.update ?? master.sequence > 0;
  const subject = `${update ? 'Updated invitation' : 'Invitation'}: ${title(master)}${whenSuffix(master)}`;
  const { text, html } = bodies({
    headline: `${person(organizer.email, organizer.cn)} ${update ? 'has updated the invitation to' : 'has invited you to'}:`,
    event: master,
  });
  return planMail({
    method: 'REQUEST',
    uid,
    from: organizerSender(organizer),
    to,
    cc: opts.cc ?? [],
    subject,
    text,
    html,
    ics: calendarText('REQUEST', events, opts.vtimezones),
    now: opts.now,
    messageId: opts.messageId,
    key: events.map((e) => `${e.recurrenceId ?? ''}:${e.sequence}`).join(';'),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// CANCEL

export interface CancelOptions extends CommonOptions {
  /**
   * The event as it stands, with SEQUENCE ALREADY INCREMENTED by the caller: RFC 5546 §3.2.5 makes a cancellation a
   * new revision, and the caller's store must record that same number.
   */
  event: EventData;
  /** Known overrides, used for the occurrence's own times when `recurrenceId` names one. */
  overrides?: EventData[];
  /** Cancels one occurrence (RFC 5546 §3.2.5: RECURRENCE-ID set), else the whole event. */
  recurrenceId?: string | null;
  /** Recipients; default: all attendees. Attendees being removed are listed here (they may no longer be in event). */
  to?: string[];
  organizer?: Identity;
  comment?: string;
}

/** RFC 5546 §3.2.5: METHOD:CANCEL, STATUS:CANCELLED, same UID and ORGANIZER. */
export async function planCancel(opts: CancelOptions): Promise<MailPlan> {
  const base = opts.event;
  const uid = uidOf(base);
  const organizer = organizerOf(base, opts.organizer);
  const target = opts.recurrenceId ? occurrenceOf(base, opts.recurrenceId, opts.overrides) : base;
  const to = othersThan(organizer, opts.to ?? target.attendees.map((a) => a.email));
  // §3.2.5: ATTENDEE lists the attendees the cancellation is for (all of them, or those being removed).
  // RSVP is dropped: nothing is asked of them any more.
  const attendees = to.map((addr) => ({
    ...(findAttendee(target, addr) ?? findAttendee(base, addr) ?? newAttendee(addr)),
    rsvp: false,
  }));
  const event: EventData = {
    ...withStamp(target, opts.now),
    uid,
    organizer,
    // A stored override's SEQUENCE may lag the master's; the cancellation is the caller's new revision.
    sequence: Math.max(target.sequence, base.sequence),
    status: 'CANCELLED',
    attendees,
    comment: opts.comment ? [opts.comment] : [],
    requestStatus: [],
  };
  const subject = `Cancelled: ${title(event)}${whenSuffix(event)}`;
  const { text, html } = bodies({
    headline: opts.recurrenceId
      ? `${person(organizer.email, organizer.cn)} has cancelled one occurrence of:`
      : `${person(organizer.email, organizer.cn)} has cancelled:`,
    event,
    comment: opts.comment,
    showAttendees: false,
  });
  return planMail({
    method: 'CANCEL',
    uid,
    from: organizerSender(organizer),
    to,
    cc: opts.cc ?? [],
    subject,
    text,
    html,
    ics: calendarText('CANCEL', [event], opts.vtimezones),
    now: opts.now,
    messageId: opts.messageId,
    key: `${event.recurrenceId ?? ''}:${event.sequence}`,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Answering an invitation (REPLY, COUNTER) and a counter-proposal (DECLINECOUNTER)

/** The component a message answers: `stored` itself, or the occurrence `recurrenceId` names when `stored` is not it. */
function answeredComponent(stored: EventData, recurrenceId?: string | null, overrides?: readonly EventData[]): EventData {
  return recurrenceId && stored.recurrenceId !== recurrenceId ? occurrenceOf(stored, recurrenceId, overrides) : stored;
}

/** What an attendee's REPLY or COUNTER starts from: the event's UID and organizer, my address and my ATTENDEE. */
function attendeeSide(
  opts: { event: EventData; overrides?: EventData[]; me: string; recurrenceId?: string | null },
  verb: string,
): { uid: string; organizer: Organizer; me: string; target: EventData; mine: Attendee | undefined } {
  const stored = opts.event;
  const uid = uidOf(stored);
  const organizer = organizerOf(stored);
  const me = normalizeAddress(opts.me);
  if (!me) throw new AppError('BAD_REQUEST', `no address to ${verb} as`);
  const target = answeredComponent(stored, opts.recurrenceId, opts.overrides);
  // An override may not list me (yet); then my entry in the component I was given stands.
  const mine = findAttendee(target, me) ?? findAttendee(stored, me);
  return { uid, organizer, me, target, mine };
}

// ---------------------------------------------------------------------------------------------------------------
// REPLY

export interface ReplyOptions extends CommonOptions {
  /** The invitation as stored (master, or the override when answering one occurrence). */
  event: EventData;
  overrides?: EventData[];
  /** My address: the identity the invitation was addressed to. */
  me: string;
  /** My display name, when the invitation did not have one. */
  cn?: string;
  partstat: PartStat;
  comment?: string;
  /** Answering one occurrence only. */
  recurrenceId?: string | null;
  delegatedTo?: string[];
}

const REPLY_SUBJECT: Record<string, string> = {
  ACCEPTED: 'Accepted',
  DECLINED: 'Declined',
  TENTATIVE: 'Tentatively accepted',
  DELEGATED: 'Delegated',
};

/**
 * RFC 5546 §3.2.3: METHOD:REPLY to the organizer only, exactly one ATTENDEE (me), the same UID and SEQUENCE (an
 * attendee never changes SEQUENCE), DTSTAMP = now, ORGANIZER; DTSTART/DTEND and SUMMARY are kept because Outlook
 * and Google match and display replies with them.
 */
export async function planReply(opts: ReplyOptions): Promise<MailPlan> {
  const { uid, organizer, me, target, mine } = attendeeSide(opts, 'reply');
  const attendee: Attendee = {
    ...(mine ?? newAttendee(me)),
    email: me,
    // A CN that is just my address (Google writes those) names nobody: use my account's name then.
    cn: usefulName(mine?.cn, me) ?? opts.cn ?? null,
    partstat: opts.partstat,
    // The REPLY answers; it asks for nothing back.
    rsvp: false,
    delegatedTo: opts.delegatedTo ? dedupe(opts.delegatedTo) : (mine?.delegatedTo ?? []),
  };
  const event: EventData = {
    ...withStamp(target, opts.now),
    uid,
    organizer,
    attendees: [attendee],
    comment: opts.comment ? [opts.comment] : [],
    description: null,
    // RFC 5546 §3.2.3: STATUS is not part of a REPLY.
    status: null,
    requestStatus: [],
    // Exceptions describe the organizer's series; a reply does not restate them.
    rdate: [],
    exdate: [],
  };
  const verb = REPLY_SUBJECT[opts.partstat] ?? 'Reply';
  const subject = `${verb}: ${title(event)}${whenSuffix(event)}`;
  const { text, html } = bodies({
    headline: `${person(me, attendee.cn)} has ${PARTSTAT_TEXT[opts.partstat] ?? opts.partstat.toLowerCase()} this invitation${
      opts.recurrenceId ? ' (one occurrence)' : ''
    }:`,
    event,
    comment: opts.comment,
    showAttendees: false,
  });
  return planMail({
    method: 'REPLY',
    uid,
    from: { email: me, cn: attendee.cn },
    to: [organizer.email],
    cc: [],
    subject,
    text,
    html,
    ics: calendarText('REPLY', [event], opts.vtimezones),
    now: opts.now,
    messageId: opts.messageId,
    key: `${event.recurrenceId ?? ''}:${event.sequence}:${opts.partstat}:${opts.comment ?? ''}`,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// COUNTER / DECLINECOUNTER

export type ProposedTimes =
  | { start: DateTimeValue; end: DateTimeValue | null }
  | { start: string; end: string; timezone: string; allDay?: boolean };

function proposedValues(p: ProposedTimes): { start: DateTimeValue; end: DateTimeValue | null } {
  if (typeof p.start === 'string') {
    const d = p as { start: string; end: string; timezone: string; allDay?: boolean };
    return draftTimes({ start: d.start, end: d.end, timezone: d.timezone, allDay: d.allDay ?? false });
  }
  return p as { start: DateTimeValue; end: DateTimeValue | null };
}

export interface CounterOptions extends CommonOptions {
  event: EventData;
  overrides?: EventData[];
  me: string;
  cn?: string;
  proposed: ProposedTimes;
  comment?: string;
  recurrenceId?: string | null;
}

/** RFC 5546 §3.2.7: METHOD:COUNTER, an attendee proposes new times to the organizer; SEQUENCE unchanged. */
export async function planCounter(opts: CounterOptions): Promise<MailPlan> {
  const { uid, organizer, me, target, mine } = attendeeSide(opts, 'counter');
  const { start, end } = proposedValues(opts.proposed);
  const event: EventData = {
    ...withStamp(target, opts.now),
    uid,
    organizer,
    start,
    end,
    duration: null,
    attendees: [{ ...(mine ?? newAttendee(me)), email: me, cn: mine?.cn ?? opts.cn ?? null, rsvp: false }],
    comment: opts.comment ? [opts.comment] : [],
    requestStatus: [],
  };
  const subject = `New time proposed: ${title(event)}${whenSuffix(event)}`;
  const { text, html } = bodies({
    headline: `${person(me, mine?.cn ?? opts.cn)} proposes a new time for:`,
    event,
    comment: opts.comment,
    note: `Currently: ${describeWhen(target.start, target.end)}`,
    showAttendees: false,
  });
  return planMail({
    method: 'COUNTER',
    uid,
    from: { email: me, cn: mine?.cn ?? opts.cn ?? null },
    to: [organizer.email],
    cc: [],
    subject,
    text,
    html,
    ics: calendarText('COUNTER', [event], opts.vtimezones),
    now: opts.now,
    messageId: opts.messageId,
    key: `${event.recurrenceId ?? ''}:${event.sequence}:${start.value}:${end?.value ?? ''}`,
  });
}

export interface DeclineCounterOptions extends CommonOptions {
  /** The organizer's event as stored. */
  event: EventData;
  /** The attendee whose COUNTER is declined. */
  to: string;
  comment?: string;
  recurrenceId?: string | null;
  organizer?: Identity;
}

/**
 * A component that names an event and who speaks, and nothing of its times or text: what REFRESH (§3.2.6) and
 * DECLINECOUNTER (§3.2.8) carry (UID, DTSTAMP, ORGANIZER, one ATTENDEE, RECURRENCE-ID, COMMENT; SEQUENCE for the
 * latter).
 */
function identityOnly(c: {
  component: EventData['component'];
  uid: string;
  recurrenceId: string | null;
  thisAndFuture: boolean;
  sequence: number;
  now: string;
  organizer: Organizer;
  attendee: Attendee;
  comment?: string;
}): EventData {
  return {
    component: c.component,
    uid: c.uid,
    recurrenceId: c.recurrenceId,
    thisAndFuture: c.thisAndFuture,
    sequence: c.sequence,
    dtstamp: toUtcIso(c.now),
    start: null,
    end: null,
    duration: null,
    summary: null,
    location: null,
    description: null,
    status: null,
    comment: c.comment ? [c.comment] : [],
    organizer: c.organizer,
    attendees: [c.attendee],
    rrule: null,
    rdate: [],
    exdate: [],
    requestStatus: [],
    ics: '',
  };
}

/**
 * RFC 5546 §3.2.8: METHOD:DECLINECOUNTER to the proposer. The table allows UID, SEQUENCE (the current one),
 * DTSTAMP, ORGANIZER, ATTENDEE, RECURRENCE-ID, COMMENT and REQUEST-STATUS only: DTSTART, DTEND, SUMMARY, LOCATION,
 * RRULE... are 0, so they are left out of the calendar object (libical's restriction table flags them). What still
 * stands is told in the human text instead.
 */
export async function planDeclineCounter(opts: DeclineCounterOptions): Promise<MailPlan> {
  const stored = opts.event;
  const uid = uidOf(stored);
  const organizer = organizerOf(stored, opts.organizer);
  const proposer = normalizeAddress(opts.to);
  if (!proposer) throw new AppError('BAD_REQUEST', 'no proposer to answer');
  const target = answeredComponent(stored, opts.recurrenceId);
  const shown: EventData = { ...withStamp(target, opts.now), uid, organizer, description: null };
  const event = identityOnly({
    component: target.component,
    uid,
    recurrenceId: target.recurrenceId,
    thisAndFuture: target.thisAndFuture,
    sequence: target.sequence,
    now: opts.now,
    organizer,
    attendee: { ...(findAttendee(target, proposer) ?? findAttendee(stored, proposer) ?? newAttendee(proposer)), rsvp: false },
    comment: opts.comment,
  });
  const subject = `New time proposal declined: ${title(shown)}`;
  const { text, html } = bodies({
    headline: `${person(organizer.email, organizer.cn)} has declined your proposed new time for:`,
    event: shown,
    comment: opts.comment,
    showAttendees: false,
  });
  return planMail({
    method: 'DECLINECOUNTER',
    uid,
    from: organizerSender(organizer),
    to: [proposer],
    cc: [],
    subject,
    text,
    html,
    // Without DTSTART a RECURRENCE-ID is written as its UTC instant (RFC 5545 §3.3.5 form #2), which names the same
    // occurrence.
    ics: calendarText('DECLINECOUNTER', [event], opts.vtimezones),
    now: opts.now,
    messageId: opts.messageId,
    key: `${event.recurrenceId ?? ''}:${event.sequence}:${opts.comment ?? ''}`,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// REFRESH

export interface RefreshOptions extends CommonOptions {
  uid: string;
  organizer: string | Identity;
  me: string;
  cn?: string;
  recurrenceId?: string | null;
  comment?: string;
  /** For the subject line only. */
  summary?: string | null;
}

/**
 * RFC 5546 §3.2.6: METHOD:REFRESH asks the organizer to resend the latest version. The component carries only
 * UID, DTSTAMP, ORGANIZER, one ATTENDEE (the asker) and optionally RECURRENCE-ID and COMMENT.
 */
export async function planRefresh(opts: RefreshOptions): Promise<MailPlan> {
  const me = normalizeAddress(opts.me);
  const org = typeof opts.organizer === 'string' ? { email: opts.organizer } : opts.organizer;
  const orgEmail = normalizeAddress(org.email);
  if (!opts.uid || !orgEmail || !me) throw new AppError('BAD_REQUEST', 'REFRESH needs a UID, an organizer and my address');
  const event = identityOnly({
    component: 'VEVENT',
    uid: opts.uid,
    recurrenceId: opts.recurrenceId ?? null,
    thisAndFuture: false,
    // Not written: a REFRESH has no SEQUENCE (§3.2.6).
    sequence: 0,
    now: opts.now,
    organizer: { email: orgEmail, cn: org.cn ?? null, sentBy: null },
    attendee: { ...newAttendee(me), cn: opts.cn ?? null },
    comment: opts.comment,
  });
  const what = opts.summary?.trim() || opts.uid;
  const { text, html } = bodies({
    headline: `${person(me, opts.cn)} asks for the latest version of this event:`,
    event: { ...event, summary: opts.summary ?? null },
    comment: opts.comment,
    showAttendees: false,
  });
  return planMail({
    method: 'REFRESH',
    uid: opts.uid,
    from: { email: me, cn: opts.cn ?? null },
    to: [orgEmail],
    cc: [],
    subject: `Request for update: ${what}`,
    text,
    html,
    ics: calendarText('REFRESH', [event], opts.vtimezones),
    now: opts.now,
    messageId: opts.messageId,
    key: `${event.recurrenceId ?? ''}:${opts.comment ?? ''}`,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// ADD

export interface AddOptions extends CommonOptions {
  /** The series master, SEQUENCE ALREADY INCREMENTED by the caller (RFC 5546 §3.2.4: SEQUENCE > 0). */
  event: EventData;
  /** The new instances' times. */
  added: { start: DateTimeValue; end: DateTimeValue | null }[];
  to?: string[];
  organizer?: Identity;
}

/**
 * RFC 5546 §3.2.4: METHOD:ADD adds instances to an existing recurring event: one component per new instance, the
 * same UID, no RRULE/RDATE/EXDATE and no RECURRENCE-ID (the attendee's client gives each an RDATE).
 */
export async function planAdd(opts: AddOptions): Promise<MailPlan> {
  const master = opts.event;
  const uid = uidOf(master);
  const organizer = organizerOf(master, opts.organizer);
  if (!opts.added.length) throw new AppError('BAD_REQUEST', 'ADD needs at least one new instance');
  if (!master.attendees.length) {
    throw new AppError('ITIP_INVALID', 'a meeting with no attendees is a personal event; export it with PUBLISH');
  }
  if (master.sequence < 1) {
    // RFC 5546 §3.2.4: an ADD's SEQUENCE MUST be greater than 0. New instances are new RDATEs, a significant
    // change (§2.1.4): the caller increments SEQUENCE in its store first and passes that revision here.
    throw new AppError('ITIP_INVALID', 'ADD needs SEQUENCE > 0: increment the series SEQUENCE before adding instances');
  }
  const events: EventData[] = opts.added.map((a) => ({
    ...withStamp(master, opts.now),
    uid,
    organizer,
    recurrenceId: null,
    thisAndFuture: false,
    start: a.start,
    end: a.end,
    duration: a.end ? null : master.duration,
    rrule: null,
    rdate: [],
    exdate: [],
  }));
  const to = othersThan(organizer, opts.to ?? master.attendees.map((a) => a.email));
  if (!to.length) throw new AppError('ITIP_INVALID', 'nobody to send the new occurrences to');
  const first = events[0]!;
  const { text, html } = bodies({
    headline: `${person(organizer.email, organizer.cn)} has added ${events.length === 1 ? 'an occurrence' : `${events.length} occurrences`} to:`,
    event: first,
    note: events.length > 1 ? `New dates: ${events.map((e) => describeWhen(e.start, e.end)).join('; ')}` : null,
  });
  return planMail({
    method: 'ADD',
    uid,
    from: organizerSender(organizer),
    to,
    cc: opts.cc ?? [],
    subject: `Updated invitation: ${title(first)}${whenSuffix(first)}`,
    text,
    html,
    ics: calendarText('ADD', events, opts.vtimezones),
    now: opts.now,
    messageId: opts.messageId,
    key: events.map((e) => `${e.start?.value ?? ''}:${e.sequence}`).join(';'),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// PUBLISH

export interface PublishOptions extends CommonOptions {
  event?: EventData;
  events?: EventData[];
  /** Required when the event has no ORGANIZER (RFC 5546 §3.2.1: ORGANIZER is 1 in PUBLISH). */
  organizer?: Identity;
  to?: string[];
}

/**
 * RFC 5546 §3.2.1: METHOD:PUBLISH, an event shared without scheduling (an export). ATTENDEE must not appear, so
 * attendees are dropped: this is the way to send a personal event to someone.
 */
export async function planPublish(opts: PublishOptions): Promise<MailPlan> {
  const given = eventsOf(opts);
  const uid = uidOf(given[0]!);
  const organizer = organizerOf(given[0]!, opts.organizer);
  const events = given.map((e) => ({ ...withStamp(e, opts.now), uid, organizer, attendees: [] }));
  const master = events[0]!;
  const { text, html } = bodies({ headline: `${person(organizer.email, organizer.cn)} shared an event:`, event: master });
  return planMail({
    method: 'PUBLISH',
    uid,
    from: organizerSender(organizer),
    to: opts.to ?? [],
    cc: opts.cc ?? [],
    subject: `Event: ${title(master)}${whenSuffix(master)}`,
    text,
    html,
    ics: calendarText('PUBLISH', events, opts.vtimezones),
    now: opts.now,
    messageId: opts.messageId,
    key: events.map((e) => `${e.recurrenceId ?? ''}:${e.sequence}`).join(';'),
  });
}
