// The outgoing half of the broker: given the old and the new state of one calendar object and the user's addresses,
// which iTIP messages are due (RFC 5546), to whom, and what each carries. Pure: no clock (the time is an argument),
// no I/O, no MIME (electron/mail turns a plan into mail). The incoming half is decide.ts.
//
// The shape follows sabre/vobject's ITip\Broker::parseEvent (the reference design this project was asked to
// match), with RFC 5546 applied where sabre departs from it:
// - a significant change (§2.1.4: start, end, duration, recurrence, RDATE/EXDATE, status) raises SEQUENCE when the
//   caller did not, and resets the attendees' PARTSTAT to NEEDS-ACTION (§3.2.2.1 "the Organizer ... MUST reset");
// - an occurrence the organizer cancels (a new EXDATE, or an override set to STATUS:CANCELLED) is a CANCEL with that
//   RECURRENCE-ID only (§3.2.5), not a whole-series REQUEST, when nothing else changed for that attendee;
// - an override changed on its own is a REQUEST with that RECURRENCE-ID only (§3.2.2.? "rescheduling an instance");
// - SCHEDULE-AGENT (RFC 6638 §7.1): Convene is the CLIENT agent, so users explicitly marked SERVER or NONE are not
//   messaged (sabre, a server, skips CLIENT instead).

import { isMine, normalizeAddress, sameAddress } from './address';
import { calendarText, toUtcIso } from './ics-write';
import { deriveOccurrence } from './event-state';
import { parseCalendar } from './parse';
import { handledByUs, scheduleParamsOf, type ComponentScheduleParams } from './schedule-params';
import type { Attendee, CalendarObject, EventData, Organizer } from './types';

export type ScheduleMethod = 'REQUEST' | 'CANCEL' | 'REPLY';

/**
 * Why a recipient gets a message: newly invited, an update to an invitation they hold, uninvited (removed from every
 * instance), the whole event cancelled (deleted or STATUS:CANCELLED), one occurrence cancelled, or an attendee's
 * answer.
 */
export type ScheduleChange = 'invited' | 'updated' | 'uninvited' | 'cancelled' | 'occurrence-cancelled' | 'replied';

/** One message to send, to one recipient. */
export interface ScheduledMessage {
  method: ScheduleMethod;
  change: ScheduleChange;
  uid: string;
  /** Bare lower-case address (no mailto:). */
  sender: string;
  senderName: string | null;
  recipient: string;
  recipientName: string | null;
  /** RFC 5546 §2.1.4 (per recipient, as sabre reports it): does this message change what the recipient must answer? */
  significantChange: boolean;
  /**
   * False when the recipient's view of the event is the same as before (a re-save, answers recorded): sabre and the
   * command line still list the REQUEST; the app does not mail it.
   */
  contentChanged: boolean;
  sequence: number;
  /** The components carried, master first, as plain data (for the app's MIME builder and its store). */
  events: EventData[];
  vtimezones: string[];
  /** The whole iCalendar object (METHOD set), CRLF line endings, folded. */
  ics: string;
}

export type ScheduleRefusal =
  | 'invalid-ics'
  | 'uid-mismatch'
  | 'missing-uid'
  | 'missing-dtstart'
  | 'organizer-mismatch'
  | 'organizer-changed'
  | 'no-address';

export type SchedulePlan =
  | { ok: true; messages: ScheduledMessage[] }
  | { ok: false; code: ScheduleRefusal; reason: string };

export interface ScheduleInput {
  /** The calendar object before the change (absent: created). iCalendar text or parsed. */
  old?: string | CalendarObject | null;
  /** After the change (absent: deleted). */
  new?: string | CalendarObject | null;
  /** The user's addresses (account and aliases), with or without mailto:. */
  me: readonly string[];
  /** ISO instant: the DTSTAMP of every message. */
  now: string;
}

/** A stored event's components (master first) as the calendar object planSchedule reads. */
export function calendarOf(components: readonly (EventData | null | undefined)[], vtimezones: readonly string[] = []): CalendarObject {
  return { method: null, prodid: null, components: components.filter((c): c is EventData => !!c), vtimezones: [...vtimezones], problems: [] };
}

/** The recipients of the messages planned for one kind of change, in plan order. */
export function recipientsFor(messages: readonly ScheduledMessage[], change: ScheduleChange): string[] {
  return messages.filter((m) => m.change === change).map((m) => m.recipient);
}

// ---------------------------------------------------------------------------------------------------------------
// One side (old or new) read into what the rules need

interface Side {
  uid: string;
  organizer: Organizer | null;
  master: EventData | null;
  /** Overrides by normalised RECURRENCE-ID. */
  overrides: Map<string, EventData>;
  components: EventData[];
  params: Map<EventData, ComponentScheduleParams>;
  vtimezones: string[];
}

class Refused extends Error {
  constructor(
    readonly code: ScheduleRefusal,
    message: string,
  ) {
    super(message);
  }
}

const MASTER = '';

function idOf(e: EventData): string {
  return e.recurrenceId ?? MASTER;
}

function readSide(input: string | CalendarObject | null | undefined, which: 'old' | 'new'): Side | null | 'not-event' {
  if (input === null || input === undefined) return null;
  const cal = typeof input === 'string' ? parseCalendar(input) : input;
  const events = cal.components.filter((c) => c.component === 'VEVENT');
  if (!events.length) {
    if (cal.components.length) return 'not-event';
    throw new Refused('invalid-ics', `the ${which} calendar has no readable component${cal.problems[0] ? `: ${cal.problems[0].message}` : ''}`);
  }
  let uid: string | null = null;
  let organizer: Organizer | null = null;
  for (const e of events) {
    if (!e.uid) throw new Refused('missing-uid', `a VEVENT of the ${which} calendar has no UID (RFC 5545 §3.8.4.7)`);
    if (uid === null) uid = e.uid;
    else if (uid !== e.uid) {
      throw new Refused('uid-mismatch', `the ${which} calendar holds two events (UID ${uid} and ${e.uid}); one calendar object is one UID (RFC 5546 §1.3)`);
    }
    if (!e.start) throw new Refused('missing-dtstart', `a VEVENT of the ${which} calendar has no DTSTART (RFC 5546 §3.2 requires it)`);
    if (e.organizer) {
      if (organizer === null) organizer = e.organizer;
      else if (!sameAddress(organizer.email, e.organizer.email)) {
        throw new Refused('organizer-mismatch', `the ${which} calendar names two organizers (${organizer.email} and ${e.organizer.email}); every instance has the same ORGANIZER`);
      }
    }
  }
  const master = events.find((e) => e.recurrenceId === null) ?? null;
  const overrides = new Map<string, EventData>();
  for (const e of events) if (e.recurrenceId !== null && !overrides.has(e.recurrenceId)) overrides.set(e.recurrenceId, e);
  const components = [...(master ? [master] : []), ...overrides.values()];
  const params = new Map(components.map((c) => [c, scheduleParamsOf(c)] as const));
  for (const [c, p] of params) writtenDurations.set(c, p.duration);
  return { uid: uid!, organizer, master, overrides, components, params, vtimezones: cal.vtimezones };
}

/** An attendee's entry in one component, unless RFC 6638 says someone else schedules for them. */
function attendeeIn(side: Side, c: EventData, email: string): Attendee | undefined {
  const a = c.attendees.find((x) => x.email === email);
  if (!a) return undefined;
  return handledByUs(side.params.get(c)?.attendees.get(email)) ? a : undefined;
}

function scheduledAttendees(side: Side | null): Map<string, Attendee> {
  const out = new Map<string, Attendee>();
  if (!side) return out;
  for (const c of side.components) {
    for (const a of c.attendees) if (!out.has(a.email) && attendeeIn(side, c, a.email)) out.set(a.email, a);
  }
  return out;
}

/** The instances (MASTER or RECURRENCE-ID) `email` takes part in. */
function instancesOf(side: Side | null, email: string): Set<string> {
  const out = new Set<string>();
  if (!side) return out;
  for (const c of side.components) if (attendeeIn(side, c, email)) out.add(idOf(c));
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Comparing (RFC 5546 §2.1.4)

function instantKey(v: EventData['start']): string {
  if (!v) return '';
  return v.utc ?? `${v.value}|${v.allDay ? 'date' : 'floating'}`;
}

/** RRULE parts sorted, the default INTERVAL=1 dropped: 'BYDAY=MO;FREQ=WEEKLY' equals 'FREQ=WEEKLY;BYDAY=MO'. */
function rruleKey(rrule: string | null): string {
  if (!rrule) return '';
  return rrule
    .toUpperCase()
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '' && p !== 'INTERVAL=1')
    .sort()
    .join(';');
}

const sortedKey = (xs: readonly string[]): string => [...xs].sort().join(',');

const writtenDurations = new WeakMap<EventData, string | null>();
/** DURATION as written in the component text (kept even beside a DTEND), read once per component. */
function durationWritten(e: EventData): string | null {
  if (!writtenDurations.has(e)) writtenDurations.set(e, scheduleParamsOf(e).duration);
  return writtenDurations.get(e) ?? null;
}

/** The properties whose change is significant, for one component. */
function significantKey(e: EventData): string {
  return JSON.stringify([
    idOf(e),
    instantKey(e.start),
    instantKey(e.end),
    e.duration ?? durationWritten(e) ?? '',
    rruleKey(e.rrule),
    sortedKey(e.rdate),
    sortedKey(e.exdate),
    e.status ?? '',
  ]);
}

function sideSignificantKey(side: Side | null): string {
  if (!side) return '';
  return side.components.map(significantKey).sort().join('\n');
}

/** What an attendee sees of a component, less what does not change the invitation (DTSTAMP, SEQUENCE, answers). */
function contentKey(e: EventData): string {
  return JSON.stringify([
    significantKey(e),
    // The zone the times are shown in, even when the instant is the same.
    e.start?.tzid ?? '',
    e.summary ?? '',
    e.location ?? '',
    e.description ?? '',
    e.organizer?.email ?? '',
    e.attendees.map((a) => `${a.email}|${a.role}|${a.cn ?? ''}`).sort(),
  ]);
}

// ---------------------------------------------------------------------------------------------------------------
// Entry point

/**
 * The messages due when one calendar object goes from `old` to `new` (either absent), seen by the user `me`.
 * Refuses (with a reason) inputs that make no sense; returns `messages: []` where nothing is due.
 */
export function planSchedule(input: ScheduleInput): SchedulePlan {
  try {
    return { ok: true, messages: plan(input) };
  } catch (err) {
    if (err instanceof Refused) return { ok: false, code: err.code, reason: err.message };
    throw err;
  }
}

function plan(input: ScheduleInput): ScheduledMessage[] {
  const me = input.me.map(normalizeAddress).filter((a) => a !== '');
  if (!me.length) throw new Refused('no-address', 'no address of the user (--me) to schedule as');
  const oldSide = readSide(input.old, 'old');
  const newSide = readSide(input.new, 'new');
  // Only events are scheduled here (VTODO etc.: nothing to send).
  if (oldSide === 'not-event' || newSide === 'not-event') return [];
  if (!oldSide && !newSide) return [];
  if (oldSide && newSide && oldSide.uid !== newSide.uid) {
    throw new Refused('uid-mismatch', `the old (${oldSide.uid}) and new (${newSide.uid}) calendars are different events`);
  }
  const oldOrg = oldSide?.organizer ?? null;
  const newOrg = newSide?.organizer ?? null;
  // Moving a meeting between two of the user's own addresses (an alias and the account) is theirs to do.
  if (oldOrg && newOrg && !sameAddress(oldOrg.email, newOrg.email) && !(isMine(oldOrg.email, me) && isMine(newOrg.email, me))) {
    throw new Refused(
      'organizer-changed',
      isMine(oldOrg.email, me)
        ? `the organizer changed from ${oldOrg.email} to ${newOrg.email}; hand the meeting over by cancelling it and inviting anew`
        : `only the organizer ${oldOrg.email} can change the organizer of this event`,
    );
  }
  const organizer = newOrg ?? oldOrg;
  // RFC 5546 §1.4: without an organizer the object is not a scheduling object; without attendees there is nobody.
  if (!organizer) return [];
  if (!scheduledAttendeeCount(oldSide, newSide)) return [];
  const now = toUtcIso(input.now);
  if (isMine(organizer.email, me) || (organizer.sentBy && isMine(organizer.sentBy, me))) {
    return forOrganizer(oldSide, newSide, organizer, me, now);
  }
  return forAttendee(oldSide, newSide, organizer, me, now);
}

function scheduledAttendeeCount(a: Side | null, b: Side | null): number {
  const all = new Set([...scheduledAttendees(a).keys(), ...scheduledAttendees(b).keys()]);
  return all.size;
}

// ---------------------------------------------------------------------------------------------------------------
// The organizer's side

function isCancelled(e: EventData | null | undefined): boolean {
  return (e?.status ?? '').toUpperCase() === 'CANCELLED';
}

function sideCancelled(side: Side): boolean {
  return side.master ? isCancelled(side.master) : side.components.every(isCancelled);
}

function baseSequence(side: Side): number {
  return side.master?.sequence ?? Math.max(0, ...side.components.map((c) => c.sequence));
}

function withStamp(e: EventData, now: string, sequence: number): EventData {
  return { ...e, dtstamp: now, sequence, requestStatus: [] };
}

function forOrganizer(oldSide: Side | null, newSide: Side | null, organizer: Organizer, me: readonly string[], now: string): ScheduledMessage[] {
  const sender = normalizeAddress(organizer.email);
  // The organizer (and its SENT-BY delegate, RFC 5545 §3.2.18) does not mail itself.
  const skip = (email: string): boolean => sameAddress(email, organizer.email) || sameAddress(email, organizer.sentBy) || isMine(email, me);
  const messages: ScheduledMessage[] = [];

  if (!newSide) {
    // Deleting the event cancels it for everybody (§3.2.5), as a new revision.
    const old = oldSide!;
    const sequence = baseSequence(old) + 1;
    for (const [email, a] of scheduledAttendees(old)) {
      if (skip(email)) continue;
      messages.push(cancelWhole(old, organizer, a, sequence, now, true));
    }
    return messages;
  }

  const significant = sideSignificantKey(oldSide) !== sideSignificantKey(newSide);
  const base = baseSequence(newSide);
  // §2.1.4: a significant change is a new SEQUENCE; a caller that already raised it keeps its number. A sequence
  // never goes back below what the attendees hold (§2.1.5 would make the message stale).
  const sequence = oldSide ? Math.max(base, baseSequence(oldSide) + (significant ? 1 : 0)) : base;
  const cancelledAll = sideCancelled(newSide);
  const attendees = new Map([...scheduledAttendees(oldSide), ...scheduledAttendees(newSide)]);
  const occurrenceCancels = oldSide && !cancelledAll ? cancelledOccurrences(oldSide, newSide) : [];

  for (const [email, known] of attendees) {
    if (skip(email)) continue;
    const oldInst = instancesOf(oldSide, email);
    const newInst = instancesOf(newSide, email);
    const current = newSide.components.map((c) => attendeeIn(newSide, c, email)).find(Boolean) ?? known;

    if (!newInst.size || cancelledAll) {
      // Removed from every instance, or the whole meeting cancelled (STATUS:CANCELLED): CANCEL (§3.2.5).
      messages.push(cancelWhole(newSide, organizer, current, sequence, now, cancelledAll));
      continue;
    }

    const params = newSide.components.map((c) => newSide.params.get(c)?.attendees.get(email)?.forceSend).find(Boolean);
    const sameInstances = oldInst.size === newInst.size && [...oldInst].every((i) => newInst.has(i));
    const significantChange = params === 'REQUEST' || !oldSide || !sameInstances || significant;

    // Occurrences cancelled for this attendee, and whether anything else changed for them.
    const mine = occurrenceCancels.filter((o) => oldInst.has(o.id) || (oldInst.has(MASTER) && !oldSide!.overrides.has(o.id)));
    const cancelledIds = new Set(mine.map((o) => o.id));
    const view = (side: Side | null, ignoreExdates: readonly string[]): Map<string, string> => {
      const out = new Map<string, string>();
      if (!side) return out;
      for (const c of attendeeComponents(side, email, cancelledIds, ignoreExdates)) out.set(idOf(c), contentKey(c));
      return out;
    };
    const before = view(oldSide, []);
    const after = view(newSide, [...cancelledIds]);
    const changedIds = [...after.keys()].filter((id) => before.get(id) !== after.get(id));
    const goneIds = [...before.keys()].filter((id) => !after.has(id));
    const sameOtherwise = [...oldInst].filter((i) => !cancelledIds.has(i)).sort().join() === [...newInst].filter((i) => !cancelledIds.has(i)).sort().join();
    const masterTouched = !oldSide || !sameOtherwise || changedIds.includes(MASTER) || goneIds.length > 0;

    for (const o of mine) messages.push(cancelOccurrence(newSide, organizer, current, o, sequence, now));
    if (oldSide && !masterTouched && mine.length && !changedIds.length) continue;

    const events = requestComponents(newSide, email, sequence, now, significant && !!oldSide, organizer);
    const chosen = oldSide && !masterTouched && changedIds.length && !mine.length ? events.filter((e) => changedIds.includes(idOf(e))) : events;
    const contentChanged = !oldSide || masterTouched || changedIds.length > 0;
    messages.push(
      message(
        'REQUEST',
        oldInst.size ? 'updated' : 'invited',
        newSide,
        organizer,
        sender,
        organizer.cn,
        email,
        current.cn,
        significantChange,
        sequence,
        chosen.length ? chosen : events,
        contentChanged,
      ),
    );
  }
  return messages;
}

interface CancelledOccurrence {
  id: string;
  /** The component describing it (the cancelled override, or the master moved to it). */
  event: EventData;
}

/** Occurrences the organizer cancelled between old and new: a new EXDATE, or an override newly STATUS:CANCELLED. */
function cancelledOccurrences(oldSide: Side, newSide: Side): CancelledOccurrence[] {
  const out: CancelledOccurrence[] = [];
  const oldEx = new Set(oldSide.master?.exdate ?? []);
  if (newSide.master) {
    for (const x of newSide.master.exdate) {
      if (oldEx.has(x)) continue;
      const ev = oldSide.overrides.get(x) ?? (oldSide.master ? deriveOccurrence(oldSide.master, x) : deriveOccurrence(newSide.master, x));
      out.push({ id: x, event: ev });
    }
  }
  for (const [id, o] of newSide.overrides) {
    if (!isCancelled(o)) continue;
    if (isCancelled(oldSide.overrides.get(id))) continue;
    out.push({ id, event: o });
  }
  return out;
}

/**
 * The components `email` sees (sabre's per-attendee object): the instances they take part in; the master lists the
 * overrides they are not invited to as EXDATEs, so their calendar does not show those occurrences.
 */
function attendeeComponents(side: Side, email: string, skipIds: ReadonlySet<string>, ignoreExdates: readonly string[]): EventData[] {
  const out: EventData[] = [];
  const excluded = side.components.filter((c) => c.recurrenceId !== null && !attendeeIn(side, c, email)).map(idOf);
  for (const c of side.components) {
    if (skipIds.has(idOf(c)) || !attendeeIn(side, c, email)) continue;
    if (c.recurrenceId === null) {
      const ex = [...c.exdate.filter((x) => !ignoreExdates.includes(x))];
      for (const id of excluded) if (!ex.includes(id)) ex.push(id);
      out.push({ ...c, exdate: ex });
    } else out.push(c);
  }
  return out;
}

function requestComponents(side: Side, email: string, sequence: number, now: string, reset: boolean, organizer: Organizer): EventData[] {
  return attendeeComponents(side, email, new Set(), []).map((c) => ({
    ...withStamp(c, now, sequence),
    // §3.2.2.1: after a significant change the answers are void; the organizer's own entry stays.
    attendees: c.attendees.map((a) =>
      reset && !sameAddress(a.email, organizer.email) && a.partstat !== 'NEEDS-ACTION' ? { ...a, partstat: 'NEEDS-ACTION' } : a,
    ),
  }));
}

/** The CANCEL for a whole event (deleted, STATUS:CANCELLED) or for one attendee removed from it (§3.2.5). */
function cancelWhole(side: Side, organizer: Organizer, attendee: Attendee, sequence: number, now: string, wholeEvent: boolean): ScheduledMessage {
  const base = side.master ?? side.components[0]!;
  const ev: EventData = {
    ...withStamp(base, now, sequence),
    organizer,
    recurrenceId: null,
    thisAndFuture: false,
    attendees: [{ ...attendee, rsvp: false }],
    // §3.2.5: STATUS:CANCELLED when the event itself is cancelled; not set when only uninviting attendees.
    status: wholeEvent ? 'CANCELLED' : null,
    comment: [],
    description: null,
  };
  return message('CANCEL', wholeEvent ? 'cancelled' : 'uninvited', side, organizer, normalizeAddress(organizer.email), organizer.cn, attendee.email, attendee.cn, true, sequence, [ev]);
}

function cancelOccurrence(side: Side, organizer: Organizer, attendee: Attendee, o: CancelledOccurrence, sequence: number, now: string): ScheduledMessage {
  const ev: EventData = {
    ...withStamp(o.event, now, sequence),
    organizer,
    recurrenceId: o.id,
    thisAndFuture: false,
    rrule: null,
    rdate: [],
    exdate: [],
    attendees: [{ ...attendee, rsvp: false }],
    status: 'CANCELLED',
    comment: [],
    description: null,
  };
  return message('CANCEL', 'occurrence-cancelled', side, organizer, normalizeAddress(organizer.email), organizer.cn, attendee.email, attendee.cn, true, sequence, [ev]);
}

function message(
  method: ScheduleMethod,
  change: ScheduleChange,
  side: Side,
  organizer: Organizer,
  sender: string,
  senderName: string | null,
  recipient: string,
  recipientName: string | null,
  significantChange: boolean,
  sequence: number,
  events: EventData[],
  contentChanged = true,
): ScheduledMessage {
  const withOrganizer = events.map((e) => ({ ...e, uid: side.uid, organizer: e.organizer ?? organizer }));
  return {
    method,
    change,
    uid: side.uid,
    sender: normalizeAddress(sender),
    senderName,
    recipient: normalizeAddress(recipient),
    recipientName,
    significantChange,
    contentChanged,
    sequence,
    events: withOrganizer,
    vtimezones: side.vtimezones,
    ics: calendarText(method, withOrganizer, side.vtimezones),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The attendee's side

function forAttendee(oldSide: Side | null, newSide: Side | null, organizer: Organizer, me: readonly string[], now: string): ScheduledMessage[] {
  const base = newSide ?? oldSide!;
  // RFC 6638 §7.1 on ORGANIZER: someone else (a server) or nobody delivers the replies.
  const orgParams = base.components.map((c) => base.params.get(c)?.organizer).find((p) => p?.agent || p?.forceSend);
  if (!handledByUs(orgParams)) return [];
  // A cancelled meeting needs no answer.
  if (sideCancelled(base)) return [];
  const email = [...scheduledAttendees(base).keys()].find((a) => isMine(a, me));
  if (!email) return [];
  const forceReply = orgParams?.forceSend === 'REPLY';

  const statusIn = (side: Side | null, id: string): string | null => {
    if (!side) return null;
    const c = id === MASTER ? side.master : side.overrides.get(id);
    if (c) return attendeeIn(side, c, email)?.partstat.toUpperCase() ?? null;
    // No override: the occurrence answers as the series does (RFC 5545 §3.8.4.4).
    return side.master && !side.master.exdate.includes(id) ? (attendeeIn(side, side.master, email)?.partstat.toUpperCase() ?? null) : null;
  };

  const ids = new Set<string>();
  for (const s of [oldSide, newSide]) if (s) for (const c of s.components) ids.add(idOf(c));
  const answers: { id: string; partstat: string }[] = [];
  if (!newSide) {
    // The attendee deleted the event: decline what they were invited to (sabre: REPLY DECLINED; RFC 5546 §3.2.3).
    const old = oldSide!;
    const targets = old.master && attendeeIn(old, old.master, email) ? [MASTER] : [...old.overrides.keys()].filter((id) => statusIn(old, id) !== null);
    for (const id of targets) if (statusIn(old, id) !== 'DECLINED' || forceReply) answers.push({ id, partstat: 'DECLINED' });
  } else {
    const newEx = newSide.master?.exdate ?? [];
    const oldEx = new Set(oldSide?.master?.exdate ?? []);
    const masterDeclined = statusIn(newSide, MASTER) === 'DECLINED';
    for (const id of [MASTER, ...[...ids].filter((i) => i !== MASTER).sort()]) {
      const before = oldSide ? statusIn(oldSide, id) : id === MASTER || newSide.overrides.has(id) ? 'NEEDS-ACTION' : null;
      const after = statusIn(newSide, id);
      if (after === null) continue;
      if (after !== (before ?? 'NEEDS-ACTION') || (forceReply && id === MASTER)) answers.push({ id, partstat: after });
    }
    // An occurrence the attendee removed from their copy (a new EXDATE) is declined for that occurrence (sabre), as
    // long as the series is not declined already.
    if (newSide.master && !masterDeclined && attendeeIn(newSide, newSide.master, email)) {
      for (const x of newEx) {
        if (oldEx.has(x)) continue;
        const before = oldSide ? (statusIn(oldSide, x) ?? statusIn(oldSide, MASTER)) : null;
        if (before === 'DECLINED') continue;
        if (!answers.some((a) => a.id === x)) answers.push({ id: x, partstat: 'DECLINED' });
      }
    }
  }
  if (!answers.length) return [];

  const me0 = base.components.map((c) => attendeeIn(base, c, email)).find(Boolean)!;
  const sequence = baseSequence(base);
  const events = answers.map(({ id, partstat }) => replyComponent(base, id, me0, partstat, organizer, now));
  return [message('REPLY', 'replied', base, organizer, email, me0.cn, organizer.email, organizer.cn, true, sequence, events)];
}

/**
 * One REPLY component (§3.2.3): UID, SEQUENCE as the organizer sent it, DTSTAMP now, the instance's times and
 * SUMMARY (Outlook and Google match replies with them), RECURRENCE-ID for one occurrence, ORGANIZER, and exactly one
 * ATTENDEE with no RSVP (a reply asks for nothing).
 */
function replyComponent(side: Side, id: string, me: Attendee, partstat: string, organizer: Organizer, now: string): EventData {
  const own = id === MASTER ? side.master : side.overrides.get(id);
  const src = own ?? (side.master ? deriveOccurrence(side.master, id) : side.components[0]!);
  const summary = src.summary ?? side.master?.summary ?? null;
  return {
    ...src,
    uid: side.uid,
    recurrenceId: id === MASTER ? null : id,
    thisAndFuture: false,
    dtstamp: now,
    sequence: own?.sequence ?? side.master?.sequence ?? src.sequence,
    summary,
    location: null,
    description: null,
    status: null,
    comment: [],
    organizer,
    attendees: [{ ...(src.attendees.find((a) => a.email === me.email) ?? me), partstat, rsvp: false }],
    rrule: null,
    rdate: [],
    exdate: [],
    requestStatus: [],
  };
}
