// The iTIP engine's decision: one incoming message + the stored copy of its event → what to do (Decision), and the
// complete next stored state when the calendar changes. After sabre/vobject's ITip\Broker, minus its in-place
// mutation, plus the SEQUENCE/DTSTAMP ordering RFC 5546 §2.1.5 requires. Pure: time and identities come in `ctx`.
//
// Choices (see also the rule comments below):
//  - Authority: with an envelope, updates and CANCELs must come from the ORGANIZER or its SENT-BY, as stored or as
//    written on the same ORGANIZER in the incoming message (RFC 5546 §3.2.2.5 names the SENT-BY of the message; an
//    assistant who was not named in the first invitation may send the update). The ORGANIZER itself may not change
//    (see below), so a stranger who names themself SENT-BY still speaks for the stored organizer in the open: the
//    thread shows who sent it. Without an envelope (a bare .ics file the user opened) the sender check is skipped.
//  - A REQUEST/PUBLISH/CANCEL that changes the ORGANIZER of a stored event is rejected as forged (RFC 5546 §3.2.2.4
//    allows a new organizer, but nothing in the message proves the old one agreed; the user can import it by hand).
//  - REPLY for an unknown UID: rejected ('unknown-uid'): nothing to update, and the organizer's copy is ours, so an
//    unknown UID means the event was deleted here (or never organized here).
//  - CANCEL for an unknown UID: 'cancelled' with a tombstone (master = the CANCEL, cancelled: true), so a REQUEST of
//    the same or an older SEQUENCE delivered late (mail is not ordered) is recognised as stale instead of resurrecting
//    the meeting.
//  - ADD for an unknown UID: needs-decision 'refresh-needed' (RFC 5546 §3.2.4: the recipient SHOULD send a REFRESH);
//    no state is stored, the caller offers to send the REFRESH.
//  - PUBLISH: stored with role 'personal' (no attendees, nobody to answer; RFC 5546 §3.2.1), or 'organizer' when the
//    ORGANIZER is one of my addresses. Policy applies as for invitations.
//  - COUNTER/REFRESH: pending items on the organizer's copy; DECLINECOUNTER: a pending item on the attendee's copy (so
//    the UI shows it), no calendar change.
//  - RECURRENCE-ID;RANGE=THISANDFUTURE (RFC 5545 §3.8.4.4): a REQUEST without a master stores the component as an
//    override governing its occurrence and all later ones (time shift DTSTART − RECURRENCE-ID, its properties; my
//    PARTSTAT back to NEEDS-ACTION for them on a reschedule); later overrides are superseded, cancelled ones stay.
//    A CANCEL ends the master's rule just before the occurrence (UNTIL, or a smaller COUNT), drops later RDATEs,
//    overrides and answers, and keeps a cancelled RANGE=THISANDFUTURE tombstone with the CANCEL's revision; a cut
//    at or before the first occurrence cancels the event. Details in event-state.ts; agenda.ts expands both.

import { listFew } from './few';
import { isOccurrenceOf } from './agenda';
import { assertNever } from '../errors';
import { isMine, normalizeAddress, sameAddress } from './address';
import type { Decision, DecideContext, EventData, ItipMessage, PendingItem, Problem, ReplyRecord, StoredEvent } from './types';
import {
  actsForOrganizer,
  addPending,
  compareRevision,
  componentFor,
  effectiveOccurrence,
  findAttendee,
  findReply,
  instantMs,
  isSignificantChange,
  myAttendee,
  normalisedStart,
  pendingId,
  storedOrganizer,
  truncatedBefore,
  mergeOverrides,
  upsertOverride,
  upsertReply,
  withAttendee,
  withoutAttendees,
  withRdate,
  withRevisionAndStatus,
  withThisAndFuture,
} from './event-state';
import { hasUnknownSender, replyingAttendee, senderAddresses } from './validate';
import { diffVersions, versionFields } from './changes';
import { lazyField } from './lazy';

export function decide(msg: ItipMessage, stored: StoredEvent | undefined, ctx: DecideContext): Decision {
  try {
    const bad = checkShape(msg);
    if (bad) return bad;
    // A stored entry with no component only holds pending items (an invitation held by the policy, a forward): the
    // event is not in the calendar, so the message is decided as for an unknown UID and the held items are kept.
    if (stored && !stored.master && stored.overrides.length === 0) return withHeld(decideMethod(msg, undefined, ctx), stored);
    return decideMethod(msg, stored, ctx);
  } catch (err) {
    // Bad input never throws out of the engine (a bug still shows, as a rejected decision with the message).
    return {
      action: 'rejected',
      uid: firstUid(msg),
      reason: `internal error while deciding: ${err instanceof Error ? err.message : String(err)}`,
      detail: 'internal-error',
    };
  }
}

/** Merges the pending items of a held (component-less) entry into a decision made as if the UID were unknown. */
function withHeld(d: Decision, held: StoredEvent): Decision {
  if (!d.next) return d;
  const fresh = d.next.pending;
  if (d.action === 'needs-decision') {
    const item = fresh[fresh.length - 1];
    if (item && held.pending.some((p) => p.id === item.id)) {
      return { action: 'duplicate', uid: d.uid, reason: `already waiting for a decision: ${d.reason}`, ...(d.detail ? { detail: d.detail } : {}) };
    }
  }
  // Once the event is in the calendar (created, cancelled), the held invitation is no longer waiting.
  const applied = d.next.master !== null || d.next.overrides.length > 0;
  const kept = held.pending.filter((p) => !fresh.some((q) => q.id === p.id) && !(applied && (p.kind === 'new-invitation' || p.kind === 'forwarded')));
  return { ...d, next: { ...d.next, pending: [...kept, ...fresh] } };
}

function decideMethod(msg: ItipMessage, stored: StoredEvent | undefined, ctx: DecideContext): Decision {
  switch (msg.method) {
    case 'REQUEST':
      return decideRequest(msg, stored, ctx);
    case 'PUBLISH':
      return decidePublish(msg, stored, ctx);
    case 'REPLY':
      return decideReply(msg, stored, ctx);
    case 'CANCEL':
      return decideCancel(msg, stored, ctx);
    case 'ADD':
      return decideAdd(msg, stored, ctx);
    case 'COUNTER':
    case 'REFRESH':
      return decideToOrganizer(msg, stored, ctx);
    case 'DECLINECOUNTER':
      return decideDeclineCounter(msg, stored, ctx);
    default:
      return assertNever(msg.method);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Shared pieces

function firstUid(msg: ItipMessage): string | null {
  return msg?.calendar?.components?.find((c) => c.uid)?.uid ?? null;
}

/** Scheduling components (VFREEBUSY is not scheduled here). */
function comps(msg: ItipMessage): EventData[] {
  return msg.calendar.components.filter((c) => c.component !== 'VFREEBUSY');
}

function reject(uid: string | null, reason: string, detail: string, problems?: Problem[]): Decision {
  return { action: 'rejected', uid, reason, detail, ...(problems ? { problems } : {}) };
}

/** Messages no rule can act on: no components, no UID, mixed UIDs, free/busy. */
function checkShape(msg: ItipMessage): Decision | null {
  const all = msg.calendar.components;
  const uid = firstUid(msg);
  if (all.length > 0 && all.every((c) => c.component === 'VFREEBUSY')) {
    return reject(uid, `VFREEBUSY ${msg.method}: free/busy requests are not handled`, 'unsupported-component');
  }
  const cs = comps(msg);
  if (cs.length === 0) return reject(null, `METHOD:${msg.method} without an event or task`, 'no-components');
  if (cs.some((c) => !c.uid)) return reject(uid, 'a component has no UID (RFC 5546 §3: UID 1)', 'missing-uid');
  if (new Set(cs.map((c) => c.uid)).size > 1) {
    return reject(uid, 'components with different UIDs in one message (RFC 5546 §3.2.2)', 'multiple-uids');
  }
  return null;
}

/** The component that carries the message's revision: the master when present, else the first override. */
function lead(msg: ItipMessage): EventData {
  const cs = comps(msg);
  return cs.find((c) => c.recurrenceId === null) ?? cs[0]!;
}

function masterOf(msg: ItipMessage): EventData | undefined {
  return comps(msg).find((c) => c.recurrenceId === null);
}

function overridesOf(msg: ItipMessage): EventData[] {
  return comps(msg).filter((c) => c.recurrenceId !== null);
}

/**
 * RFC 6047 §3: the mail sender must be the organizer (or SENT-BY). True when there is no envelope to check (a bare
 * file the user opened); false for a mail whose sender cannot be named (hasUnknownSender).
 */
function fromOrganizer(msg: ItipMessage, organizer: EventData['organizer']): boolean {
  const senders = senderAddresses(msg);
  if (senders.length === 0) return !hasUnknownSender(msg);
  return senders.some((s) => actsForOrganizer(s, organizer));
}

/** Who sent a mail, for reasons: its sending addresses, or why there is none. */
function sentByText(msg: ItipMessage): string {
  return senderAddresses(msg).join(' / ') || 'no single sender (several or no From, no Sender)';
}

/** The sending address used in pending items and ids: the envelope sender, else who the message speaks for. */
function senderOf(msg: ItipMessage, fallback: string | null | undefined): string {
  return senderAddresses(msg)[0] ?? normalizeAddress(fallback) ?? '';
}

function calendarSummary(msg: ItipMessage): string {
  return lead(msg).summary ?? comps(msg).find((c) => c.summary)?.summary ?? '';
}

/** The whole incoming calendar as text, kept on pending items so the decision can be applied later. */
function messageText(msg: { method: string; calendar: { components: readonly EventData[]; vtimezones: readonly string[] } }): string {
  const body = msg.calendar.components.map((c) => c.ics.trim()).join('\r\n');
  return `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:${msg.method}\r\n${msg.calendar.vtimezones.map((v) => v.trim()).join('\r\n')}${
    msg.calendar.vtimezones.length ? '\r\n' : ''
  }${body}\r\nEND:VCALENDAR\r\n`;
}

function emptyStored(uid: string, role: StoredEvent['role'], ctx: DecideContext): StoredEvent {
  return {
    uid,
    role,
    master: null,
    overrides: [],
    vtimezones: [],
    replies: [],
    pending: [],
    cancelled: false,
    myAddress: null,
    updatedAt: ctx.now,
  };
}

function mergeTimezones(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}

function isCancelledStatus(e: EventData): boolean {
  return (e.status ?? '').toUpperCase() === 'CANCELLED';
}

/** True when the normalised instant `rid` is at or after `from` (both RECURRENCE-ID forms). */
function atOrAfter(rid: string | null, from: string): boolean {
  return rid !== null && instantMs(rid) >= instantMs(from);
}

/**
 * Stores one incoming override. RFC 5545 §3.8.4.4: a RECURRENCE-ID with RANGE=THISANDFUTURE speaks for its
 * occurrence and every later one, so the later overrides earlier messages left (moved or edited instances, earlier
 * this-and-future changes) are superseded by it; cancelled ones stay (a change to the series does not bring back an
 * instance the organizer cancelled). Used for messages without a master: with a master the message is the series.
 */
function applyOverrides(overrides: readonly EventData[], incoming: readonly EventData[]): EventData[] {
  // One pass instead of a filter per override (issue 10 §3: linear cost): an override is superseded when a
  // this-and-future override that came after it (a higher stamp; stored ones have -1) starts at or before it.
  const ranges = incoming
    .map((o, stamp) => ({ o, stamp, ms: o.thisAndFuture && o.recurrenceId !== null ? instantMs(o.recurrenceId) : NaN }))
    .filter((r) => Number.isFinite(r.ms))
    .sort((a, b) => a.ms - b.ms);
  if (ranges.length === 0) return mergeOverrides(overrides, incoming);
  // latestFrom[i]: the highest stamp among ranges[0..i] (those starting at or before ranges[i].ms).
  const latestFrom: number[] = [];
  for (const [i, r] of ranges.entries()) latestFrom.push(Math.max(r.stamp, i > 0 ? latestFrom[i - 1]! : -1));
  const latestCovering = (rid: string | null): number => {
    if (rid === null) return -1;
    const ms = instantMs(rid);
    let lo = 0;
    let hi = ranges.length; // first index with ranges[i].ms > ms
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ranges[mid]!.ms <= ms) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? -1 : latestFrom[lo - 1]!;
  };
  const kept = (o: EventData, stamp: number): boolean => isCancelledStatus(o) || latestCovering(o.recurrenceId) <= stamp;
  const lastStamp = new Map<string | null, number>();
  incoming.forEach((o, i) => lastStamp.set(o.recurrenceId, i));
  return mergeOverrides(
    overrides.filter((o) => lastStamp.has(o.recurrenceId) || kept(o, -1)),
    incoming.filter((o, i) => lastStamp.get(o.recurrenceId) === i && kept(o, i)),
  );
}

function ridScope(o: EventData): string {
  return `${o.recurrenceId}${o.thisAndFuture ? ' and following' : ''}`;
}

/**
 * Adds a pending item (needs-decision). Idempotent: the id is derived from uid+method+sender+dtstamp, so the same
 * message processed twice is a 'duplicate'.
 */
function pendingDecision(
  msg: ItipMessage,
  stored: StoredEvent | undefined,
  ctx: DecideContext,
  kind: PendingItem['kind'],
  from: string,
  reason: string,
  detail: string,
  base?: StoredEvent,
): Decision {
  const l = lead(msg);
  const uid = l.uid!;
  const item = {
    id: pendingId(uid, msg.method, from, l.dtstamp, l.recurrenceId),
    kind,
    from: normalizeAddress(from),
    recurrenceId: l.recurrenceId,
  } as PendingItem;
  // The whole calendar's text is made on first read (lazy.ts): a decision shown or answered on the spot never needs it.
  const parts = { method: msg.method, calendar: { components: [...msg.calendar.components], vtimezones: [...msg.calendar.vtimezones] } };
  lazyField(item, 'ics', () => messageText(parts));
  item.receivedAt = ctx.now;
  item.summary = calendarSummary(msg);
  const current = base ?? stored ?? { ...emptyStored(uid, 'attendee', ctx), vtimezones: [...msg.calendar.vtimezones] };
  if (current.pending.some((p) => p.id === item.id)) {
    return { action: 'duplicate', uid, reason: `already waiting for a decision: ${reason}`, detail };
  }
  return {
    action: 'needs-decision',
    uid,
    reason,
    detail,
    next: { ...current, pending: addPending(current.pending, item), updatedAt: ctx.now },
  };
}

/** Which of my addresses the message lists as attendee (any component). */
function myAddressIn(components: readonly EventData[], me: readonly string[]): string | null {
  for (const c of components) {
    const a = myAttendee(c, me);
    if (a) return a.email;
  }
  return null;
}

function policyAllowsNew(org: EventData['organizer'], ctx: DecideContext): boolean {
  switch (ctx.policy) {
    case 'always':
      return true;
    case 'known':
      return !!org && ctx.knownContacts.some((k) => sameAddress(k, org.email) || sameAddress(k, org.sentBy));
    case 'never':
      return false;
    default:
      return assertNever(ctx.policy);
  }
}

/**
 * Staleness of an organizer message against the stored copy (RFC 5546 §2.1.5). Compares the message's lead
 * component with the stored component of the same RECURRENCE-ID; a new override (none stored yet) is compared with
 * the master by SEQUENCE only (an instance change sent with an older SEQUENCE than the series is out of date, but
 * its DTSTAMP says nothing about the master's).
 */
function revisionCheck(msg: ItipMessage, stored: StoredEvent): 'newer' | 'same' | 'older' {
  const l = lead(msg);
  const same = componentFor(stored, l.recurrenceId);
  if (same) {
    const c = compareRevision(l, same);
    return c > 0 ? 'newer' : c < 0 ? 'older' : 'same';
  }
  const m = stored.master;
  if (m && l.recurrenceId !== null && l.sequence < m.sequence) return 'older';
  return 'newer';
}

function staleOrDuplicate(uid: string, rev: 'same' | 'older', what: string): Decision {
  return rev === 'same'
    ? { action: 'duplicate', uid, reason: `${what} already applied (same SEQUENCE and DTSTAMP)`, detail: 'duplicate' }
    : { action: 'stale', uid, reason: `${what} is older than the stored version (RFC 5546 §2.1.5)`, detail: 'older' };
}

/** Common guard for organizer methods against a stored event: sender and organizer identity. */
function organizerGuard(msg: ItipMessage, stored: StoredEvent): Decision | null {
  const uid = stored.uid;
  const have = storedOrganizer(stored);
  const claimed = lead(msg).organizer;
  if (have && claimed && !sameAddress(have.email, claimed.email)) {
    return reject(uid, `${msg.method} changes the organizer from ${have.email} to ${claimed.email}: not applied`, 'organizer-changed');
  }
  // RFC 5546 §3.2.2.5 / RFC 6047 §3: the organizer or its SENT-BY, as stored or as written on the (same) ORGANIZER of
  // this message; a SENT-BY is no easier to forge than the From header it is compared with.
  if (!fromOrganizer(msg, have ?? claimed) && !(claimed && fromOrganizer(msg, claimed))) {
    return reject(
      uid,
      `${msg.method} sent by ${sentByText(msg)}, who is not the organizer ${(have ?? claimed)?.email ?? '(none)'} or its SENT-BY`,
      'not-organizer',
    );
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// REQUEST (RFC 5546 §3.2.2)

function decideRequest(msg: ItipMessage, stored: StoredEvent | undefined, ctx: DecideContext): Decision {
  const l = lead(msg);
  const uid = l.uid!;
  const organizer = l.organizer;
  if (!organizer) return reject(uid, 'REQUEST without ORGANIZER: nobody to answer (RFC 5546 §3.2.2)', 'missing-organizer');

  // My own event (sent from another client, or copied to me): keep the organizer's copy in step.
  if (isMine(organizer.email, ctx.me)) return applyOrganizerCopy(msg, stored, ctx);

  if (stored) {
    const guard = organizerGuard(msg, stored);
    if (guard) return guard;
    const rev = revisionCheck(msg, stored);
    if (rev !== 'newer') return staleOrDuplicate(uid, rev, 'REQUEST');
  }

  // RFC 5546 §3.2.2.6: a REQUEST that does not list me was forwarded; the organizer must add me (I may REPLY).
  const mine = myAddressIn(comps(msg), ctx.me);
  if (!mine) {
    return pendingDecision(msg, stored, ctx, 'forwarded', senderOf(msg, organizer.email), 'invitation forwarded to me: I am not an attendee', 'forwarded');
  }
  if (!stored && !fromOrganizer(msg, organizer)) {
    // A new invitation relayed by someone else (a list, an assistant without SENT-BY): ask rather than trust.
    return pendingDecision(
      msg,
      stored,
      ctx,
      'forwarded',
      senderOf(msg, organizer.email),
      `invitation from ${organizer.email} sent by ${sentByText(msg)}`,
      'forwarded',
    );
  }

  if (!stored) {
    if (!policyAllowsNew(organizer, ctx)) {
      return pendingDecision(msg, stored, ctx, 'new-invitation', senderOf(msg, organizer.email), `new invitation held by policy '${ctx.policy}'`, 'policy');
    }
    const next: StoredEvent = {
      ...emptyStored(uid, 'attendee', ctx),
      master: masterOf(msg) ?? null,
      overrides: mergeOverrides([], overridesOf(msg)),
      vtimezones: [...msg.calendar.vtimezones],
      myAddress: mine,
    };
    return { action: 'created', uid, reason: `new invitation from ${organizer.email}`, detail: 'invitation', next };
  }

  if (ctx.policy === 'never') {
    return pendingDecision(msg, stored, ctx, 'new-invitation', senderOf(msg, organizer.email), "update held by policy 'never'", 'policy');
  }
  return applyAttendeeUpdate(msg, stored, ctx, mine);
}

/**
 * Applies a newer REQUEST to the attendee's copy. With a master, the message describes the whole series and replaces
 * it (overrides included, RFC 5546 §3.2.2: "multiple VEVENT components are needed to express the entire series");
 * with only RECURRENCE-ID components, just those occurrences change. My PARTSTAT survives a non-significant change
 * and returns to NEEDS-ACTION on a reschedule (RFC 5546 §3.2.2.1, §2.1.4).
 */
function applyAttendeeUpdate(msg: ItipMessage, stored: StoredEvent, ctx: DecideContext, mine: string): Decision {
  const uid = stored.uid;
  const m = masterOf(msg);
  let replies = stored.replies;
  let rescheduled = false;

  const carryAnswer = (incoming: EventData): EventData => {
    // A new override is compared with the occurrence as stored until now (derived from the master or from the
    // this-and-future override governing it), so an edit that keeps the time does not void my answer.
    const before = componentFor(stored, incoming.recurrenceId) ?? (incoming.recurrenceId ? effectiveOccurrence(stored, incoming.recurrenceId) : null);
    const meNow = myAttendee(incoming, ctx.me);
    if (!before || !meNow) return incoming;
    if (isSignificantChange(before, incoming)) {
      rescheduled = true;
      // My earlier answers for this component no longer hold: a master reschedule voids them all.
      // A this-and-future reschedule voids them for every later occurrence too (RFC 5545 §3.8.4.4).
      const rid = incoming.recurrenceId;
      const affected = (r: ReplyRecord): boolean =>
        rid === null || r.recurrenceId === rid || (incoming.thisAndFuture && atOrAfter(r.recurrenceId, rid));
      replies = replies.filter((r) => !(isMine(r.email, ctx.me) && affected(r)));
      return meNow.partstat === 'NEEDS-ACTION' ? incoming : withAttendee(incoming, meNow.email, { partstat: 'NEEDS-ACTION' });
    }
    const mineBefore = myAttendee(before, ctx.me);
    // My stored answer stands against the organizer's older view of it; with no answer stored here (NEEDS-ACTION),
    // the organizer's copy knows better (I answered from another device).
    if (mineBefore && mineBefore.partstat !== meNow.partstat && String(mineBefore.partstat).toUpperCase() !== 'NEEDS-ACTION') {
      return withAttendee(incoming, meNow.email, { partstat: String(mineBefore.partstat) });
    }
    return incoming;
  };

  let master = stored.master;
  let overrides = stored.overrides;
  if (m) {
    master = carryAnswer(m);
    overrides = mergeOverrides([], overridesOf(msg).map(carryAnswer));
  } else {
    overrides = applyOverrides(overrides, overridesOf(msg).map(carryAnswer));
  }
  // What a person sees changed (time, place, title, guests): the replaced version's key fields are kept for the
  // "what changed" view (issue 11 §6); an update that changes none of them keeps the earlier record.
  const lead = m ?? overridesOf(msg)[0];
  const before = lead ? (componentFor(stored, lead.recurrenceId) ?? (lead.recurrenceId ? effectiveOccurrence(stored, lead.recurrenceId) : null)) : null;
  const changed = before && lead && diffVersions(versionFields(before), versionFields(lead)).length > 0;
  const next: StoredEvent = {
    ...stored,
    master,
    overrides,
    replies,
    ...(changed ? { previous: versionFields(before) } : {}),
    // A newer REQUEST after a CANCEL reinstates the event (the organizer re-invited).
    cancelled: m ? false : stored.cancelled,
    vtimezones: mergeTimezones(stored.vtimezones, msg.calendar.vtimezones),
    myAddress: stored.myAddress ?? mine,
    updatedAt: ctx.now,
  };
  const scope = m ? 'event' : `occurrence ${listFew(overridesOf(msg).map(ridScope))}`;
  return rescheduled
    ? { action: 'updated', uid, reason: `${scope} rescheduled: my answer is needed again`, detail: 'rescheduled', next }
    : { action: 'updated', uid, reason: `${scope} updated; my answer stands`, detail: 'details', next };
}

/** The organizer's own copy, from a REQUEST/PUBLISH whose ORGANIZER is me. */
function applyOrganizerCopy(msg: ItipMessage, stored: StoredEvent | undefined, ctx: DecideContext): Decision {
  const l = lead(msg);
  const uid = l.uid!;
  if (!fromOrganizer(msg, stored ? storedOrganizer(stored) ?? l.organizer : l.organizer) && !fromOrganizer(msg, l.organizer)) {
    return reject(uid, `${msg.method} claims I organize it, but was sent by ${sentByText(msg)}`, 'not-organizer');
  }
  if (stored) {
    const have = storedOrganizer(stored);
    if (have && l.organizer && !sameAddress(have.email, l.organizer.email)) {
      return reject(uid, `${msg.method} changes the organizer from ${have.email} to ${l.organizer.email}`, 'organizer-changed');
    }
    const rev = revisionCheck(msg, stored);
    if (rev !== 'newer') return staleOrDuplicate(uid, rev, msg.method);
  }
  const base = stored ?? { ...emptyStored(uid, 'organizer', ctx), vtimezones: [...msg.calendar.vtimezones] };
  const m = masterOf(msg);
  let overrides = m ? [] : base.overrides;
  overrides = m ? mergeOverrides([], overridesOf(msg)) : applyOverrides(overrides, overridesOf(msg));
  const next: StoredEvent = {
    ...base,
    role: 'organizer',
    master: m ?? base.master,
    overrides,
    cancelled: m ? false : base.cancelled,
    vtimezones: mergeTimezones(base.vtimezones, msg.calendar.vtimezones),
    myAddress: l.organizer?.email ?? base.myAddress,
    updatedAt: ctx.now,
  };
  return stored
    ? { action: 'updated', uid, reason: 'my own event updated from a copy of what I sent', detail: 'organizer-copy', next }
    : { action: 'created', uid, reason: 'my own event recorded from a copy of what I sent', detail: 'organizer-copy', next };
}

// ---------------------------------------------------------------------------------------------------------------
// PUBLISH (RFC 5546 §3.2.1)

function decidePublish(msg: ItipMessage, stored: StoredEvent | undefined, ctx: DecideContext): Decision {
  const l = lead(msg);
  const uid = l.uid!;
  const organizer = l.organizer;
  if (organizer && isMine(organizer.email, ctx.me)) return applyOrganizerCopy(msg, stored, ctx);
  if (stored) {
    const guard = organizerGuard(msg, stored);
    if (guard) return guard;
    const rev = revisionCheck(msg, stored);
    if (rev !== 'newer') return staleOrDuplicate(uid, rev, 'PUBLISH');
    if (ctx.policy === 'never') {
      return pendingDecision(msg, stored, ctx, 'new-invitation', senderOf(msg, organizer?.email), "update held by policy 'never'", 'policy');
    }
    const m = masterOf(msg);
    let overrides = m ? [] : stored.overrides;
    overrides = m ? mergeOverrides([], overridesOf(msg)) : applyOverrides(overrides, overridesOf(msg));
    const next: StoredEvent = {
      ...stored,
      master: m ?? stored.master,
      overrides,
      cancelled: m ? false : stored.cancelled,
      vtimezones: mergeTimezones(stored.vtimezones, msg.calendar.vtimezones),
      updatedAt: ctx.now,
    };
    return { action: 'updated', uid, reason: 'published event updated', detail: 'published', next };
  }
  if (!policyAllowsNew(organizer, ctx)) {
    return pendingDecision(msg, stored, ctx, 'new-invitation', senderOf(msg, organizer?.email), `published event held by policy '${ctx.policy}'`, 'policy', {
      ...emptyStored(uid, 'personal', ctx),
      vtimezones: [...msg.calendar.vtimezones],
    });
  }
  const next: StoredEvent = {
    ...emptyStored(uid, 'personal', ctx),
    master: masterOf(msg) ?? null,
    overrides: mergeOverrides([], overridesOf(msg)),
    vtimezones: [...msg.calendar.vtimezones],
  };
  return { action: 'created', uid, reason: `published event from ${organizer?.email ?? 'unknown'}`, detail: 'published', next };
}

// ---------------------------------------------------------------------------------------------------------------
// REPLY (RFC 5546 §3.2.3)

function decideReply(msg: ItipMessage, stored: StoredEvent | undefined, ctx: DecideContext): Decision {
  const l = lead(msg);
  const uid = l.uid!;
  if (!stored) return reject(uid, 'REPLY for an event not in my calendar (deleted, or not organized here)', 'unknown-uid');
  if (stored.role !== 'organizer') {
    return reject(uid, 'REPLY to an event I do not organize: only the organizer applies replies (RFC 5546 §3.2.3)', 'not-organizer');
  }
  const senders = senderAddresses(msg);
  const replier = replyingAttendee(l, senders[0] ?? null);
  if (!replier) {
    return l.attendees.length === 0
      ? reject(uid, 'REPLY without ATTENDEE', 'no-attendee')
      : reject(uid, `REPLY with ${l.attendees.length} ATTENDEEs: a REPLY answers for exactly one (RFC 5546 §3.2.3)`, 'reply-multiple-attendees');
  }
  if (hasUnknownSender(msg) || (senders.length > 0 && !senders.some((s) => sameAddress(s, replier.email) || sameAddress(s, replier.sentBy)))) {
    return reject(uid, `REPLY for ${replier.email} sent by ${sentByText(msg)} (RFC 6047 §3)`, 'attendee-mismatch');
  }
  // RFC 5546 §3.6: REQUEST-STATUS 3.x–5.x means the attendee could not process the request; no answer to apply.
  const failed = l.requestStatus.find((rs) => /^\s*[345]\./.test(rs));
  if (failed) return reject(uid, `${replier.email} reported an error: ${failed}`, 'request-status-error');

  let master = stored.master;
  let overrides = stored.overrides;
  let replies = stored.replies;
  const applied: string[] = [];
  for (const c of comps(msg)) {
    const who = replyingAttendee(c, senders[0] ?? null) ?? replier;
    const rid = c.recurrenceId;
    let target = componentFor({ ...stored, master, overrides }, rid);
    // RFC 5546 §3.2.3 / RFC 5545 §3.8.4.4: a REPLY for an instance the series does not have would create a phantom
    // override; it is refused with the reason.
    if (!target && rid && master && !isOccurrenceOf({ ...stored, master, overrides }, rid)) {
      return reject(uid, `REPLY for ${rid}, which is not an occurrence of this series`, 'unknown-occurrence');
    }
    if (!target && rid && master) target = effectiveOccurrence({ ...stored, master, overrides }, rid);
    if (!target) return reject(uid, `REPLY for occurrence ${rid} of an event I have no master for`, 'unknown-occurrence');

    // RFC 5546 §2.1.5: an answer to an older version of the event is out of date.
    if (c.sequence < target.sequence) {
      return { action: 'stale', uid, reason: `REPLY from ${who.email} answers SEQUENCE ${c.sequence}; the event is at ${target.sequence}`, detail: 'old-sequence' };
    }
    const last = findReply(replies, who.email, rid);
    if (last) {
      const cmp = compareRevision(c, last);
      if (cmp < 0) return { action: 'stale', uid, reason: `a newer REPLY from ${who.email} is already applied`, detail: 'older' };
      if (cmp === 0) return { action: 'duplicate', uid, reason: `REPLY from ${who.email} already applied`, detail: 'duplicate' };
    }

    const known = findAttendee(target, who.email);
    // A delegate answering before the delegator's REPLY arrived: DELEGATED-FROM names an invited attendee
    // (RFC 5546 §3.2.2.3), so it is not a party crasher.
    const delegatedByInvitee = who.delegatedFrom.some((d) => !!findAttendee(target, d));
    if (!known && !delegatedByInvitee) {
      return pendingDecision(msg, stored, ctx, 'party-crasher', who.email, `${who.email} answered but was not invited (RFC 5546 §3.2.3)`, 'party-crasher');
    }

    let updated = withAttendee(target, who.email, {
      partstat: String(who.partstat),
      // The attendee has answered: nothing is asked of them any more (RSVP, RFC 5545 §3.2.17). An override derived
      // from the master for this answer would otherwise keep the master's RSVP=TRUE.
      rsvp: false,
      ...(who.delegatedTo.length ? { delegatedTo: who.delegatedTo } : {}),
      ...(who.delegatedFrom.length ? { delegatedFrom: who.delegatedFrom } : {}),
    });
    // RFC 5546 §3.2.2.3: DELEGATED-TO brings the delegate into the event, answering for itself.
    if (String(who.partstat).toUpperCase() === 'DELEGATED') {
      for (const d of who.delegatedTo) {
        const existing = findAttendee(updated, d);
        updated = withAttendee(updated, d, {
          delegatedFrom: [...new Set([...(existing?.delegatedFrom ?? []), normalizeAddress(who.email)])],
          ...(existing ? {} : { rsvp: true }),
        });
      }
    }
    if (rid === null) master = updated;
    else overrides = upsertOverride(overrides, updated);

    const rec: ReplyRecord = {
      email: normalizeAddress(who.email),
      recurrenceId: rid,
      partstat: String(who.partstat),
      sequence: c.sequence,
      dtstamp: c.dtstamp,
      comment: c.comment.length ? c.comment.join('\n') : null,
      delegatedTo: who.delegatedTo,
      delegatedFrom: who.delegatedFrom,
    };
    replies = upsertReply(replies, rec);
    applied.push(`${who.email} ${who.partstat}${rid ? ` (occurrence ${rid})` : ''}`);
  }
  const next: StoredEvent = { ...stored, master, overrides, replies, updatedAt: ctx.now };
  return { action: 'reply-applied', uid, reason: `reply applied: ${listFew(applied, 3, '; ')}`, detail: String(replier.partstat), next };
}

// ---------------------------------------------------------------------------------------------------------------
// CANCEL (RFC 5546 §3.2.5)

function decideCancel(msg: ItipMessage, stored: StoredEvent | undefined, ctx: DecideContext): Decision {
  const l = lead(msg);
  const uid = l.uid!;
  if (!stored) {
    if (!fromOrganizer(msg, l.organizer)) {
      return reject(uid, `CANCEL sent by ${sentByText(msg)}, not by the organizer`, 'not-organizer');
    }
    const tomb = withRevisionAndStatus(l, { status: 'CANCELLED' });
    const next: StoredEvent = {
      ...emptyStored(uid, 'attendee', ctx),
      master: tomb.recurrenceId === null ? tomb : null,
      overrides: tomb.recurrenceId === null ? [] : [tomb],
      cancelled: tomb.recurrenceId === null,
      myAddress: myAddressIn([l], ctx.me),
    };
    return {
      action: 'cancelled',
      uid,
      reason: 'CANCEL for an event not in my calendar: recorded as cancelled so a late REQUEST is not applied',
      detail: 'unknown-uid',
      next,
    };
  }
  if (stored.role === 'organizer' && !(l.organizer && isMine(l.organizer.email, ctx.me))) {
    return reject(uid, `CANCEL of my own event sent by ${l.organizer?.email ?? 'someone else'}`, 'not-organizer');
  }
  const guard = organizerGuard(msg, stored);
  if (guard) return guard;

  const cancelStatus = l.status === 'CANCELLED';
  const listed = l.attendees;
  const meListed = listed.some((a) => isMine(a.email, ctx.me));
  // RFC 5546 §3.2.5: STATUS is left out when specific attendees are uninvited. If those are others, my copy only
  // loses them; if I am among them, my copy is cancelled (RFC 5546 §4.2.10).
  if (!cancelStatus && listed.length > 0 && !meListed && stored.role !== 'organizer') {
    const removed = listed.map((a) => a.email);
    const target = componentFor(stored, l.recurrenceId);
    if (!target) return { action: 'stale', uid, reason: 'CANCEL of other attendees for an occurrence I do not hold', detail: 'not-applicable' };
    if (l.sequence < target.sequence) return staleOrDuplicate(uid, 'older', 'CANCEL');
    const updated = withoutAttendees(target, removed);
    const next: StoredEvent =
      l.recurrenceId === null
        ? { ...stored, master: updated, updatedAt: ctx.now }
        : { ...stored, overrides: upsertOverride(stored.overrides, updated), updatedAt: ctx.now };
    return { action: 'updated', uid, reason: `organizer removed ${listFew(removed)}`, detail: 'attendees-removed', next };
  }
  const removedOnly = !cancelStatus && meListed;

  let master = stored.master;
  let overrides = stored.overrides;
  let replies = stored.replies;
  let cancelledWhole = stored.cancelled;
  const scope: string[] = [];
  for (const c of comps(msg)) {
    const rid = c.recurrenceId;
    let target = componentFor({ ...stored, master, overrides }, rid);
    if (!target && rid) target = effectiveOccurrence({ ...stored, master, overrides }, rid);
    if (target) {
      // RFC 5546 §2.1.5: an older SEQUENCE, or the same SEQUENCE with an older DTSTAMP, is a stale CANCEL.
      if (compareRevision(c, target) < 0) return staleOrDuplicate(uid, 'older', 'CANCEL');
      if (target.status === 'CANCELLED' && (rid !== null || stored.cancelled) && compareRevision(c, target) <= 0) {
        return staleOrDuplicate(uid, compareRevision(c, target) === 0 ? 'same' : 'older', 'CANCEL');
      }
    }
    const base = target ?? c;
    // The organizer's COMMENT (RFC 5546 §3.2.5 allows one) says why: kept for "Alice cancelled …: 'reason'".
    const cancelled = withRevisionAndStatus(base, { status: 'CANCELLED', sequence: c.sequence, dtstamp: c.dtstamp, ...(c.comment.length ? { comment: c.comment } : {}) });
    if (rid === null) {
      master = cancelled;
      cancelledWhole = true;
      scope.push('event');
    } else if (c.thisAndFuture) {
      // RFC 5546 §3.2.5 with RFC 5545 §3.8.4.4 RANGE=THISANDFUTURE: this occurrence and every later one are
      // cancelled. The master ends just before it (earlier occurrences, overrides and answers stay); later overrides
      // and answers go; a cancelled RANGE=THISANDFUTURE override at the cut keeps the CANCEL's revision, so the same
      // CANCEL again is a duplicate and an older REQUEST for the series is stale (see event-state.ts).
      const truncated = master ? truncatedBefore(master, rid) : null;
      if (master && !truncated) {
        // The cut is at or before the first occurrence: the whole series is cancelled.
        master = withRevisionAndStatus(master, { status: 'CANCELLED', sequence: Math.max(c.sequence, master.sequence), dtstamp: c.dtstamp });
        cancelledWhole = true;
        overrides = overrides.filter((o) => !atOrAfter(o.recurrenceId, rid));
        scope.push('event');
        continue;
      }
      if (master && truncated) {
        master = compareRevision(c, master) > 0 ? withRevisionAndStatus(truncated, { sequence: c.sequence, dtstamp: c.dtstamp }) : truncated;
      }
      overrides = upsertOverride(
        overrides.filter((o) => !atOrAfter(o.recurrenceId, rid)),
        withThisAndFuture(cancelled),
      );
      replies = replies.filter((r) => !atOrAfter(r.recurrenceId, rid));
      scope.push(`occurrence ${rid} and following`);
    } else {
      // An occurrence: an override with STATUS:CANCELLED (the master and the other occurrences stay).
      overrides = upsertOverride(overrides, cancelled);
      scope.push(`occurrence ${rid}`);
    }
  }
  const next: StoredEvent = { ...stored, master, overrides, replies, cancelled: cancelledWhole, updatedAt: ctx.now };
  return {
    action: 'cancelled',
    uid,
    reason: removedOnly ? 'the organizer removed me from the event' : `cancelled: ${listFew(scope)}`,
    detail: removedOnly
      ? 'removed'
      : scope.every((s) => s === 'event')
        ? 'event'
        : scope.some((s) => s.endsWith(' and following'))
          ? 'this-and-future'
          : 'occurrence',
    next,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// ADD (RFC 5546 §3.2.4)

function decideAdd(msg: ItipMessage, stored: StoredEvent | undefined, ctx: DecideContext): Decision {
  const l = lead(msg);
  const uid = l.uid!;
  if (!stored || !stored.master) {
    // RFC 5546 §3.2.4: "If the UID ... is not found on the recipient's calendar, then the recipient SHOULD send a
    // REFRESH to the Organizer".
    return { action: 'needs-decision', uid, reason: 'ADD for an event I do not have: ask the organizer for it (REFRESH)', detail: 'refresh-needed' };
  }
  const guard = organizerGuard(msg, stored);
  if (guard) return guard;
  const master = stored.master;
  if (compareRevision(l, master) < 0) return staleOrDuplicate(uid, 'older', 'ADD');

  let nextMaster = master;
  let overrides = stored.overrides;
  const added: string[] = [];
  for (const c of comps(msg)) {
    const at = normalisedStart(c.start);
    if (!at) return reject(uid, 'ADD instance without DTSTART', 'missing-dtstart');
    if (master.rdate.includes(at) && overrides.some((o) => o.recurrenceId === at && compareRevision(c, o) <= 0)) continue;
    // Each ADDed component is an RDATE of the master plus an override holding its own details.
    nextMaster = withRdate(nextMaster, at);
    overrides = upsertOverride(overrides, { ...c, recurrenceId: at, thisAndFuture: false, rrule: null, rdate: [], exdate: [] });
    added.push(at);
  }
  if (added.length === 0) return staleOrDuplicate(uid, 'same', 'ADD');
  // The ADD's SEQUENCE/DTSTAMP become the event's revision (the organizer incremented it, RFC 5546 §3.2.4 table).
  nextMaster = withRevisionAndStatus(nextMaster, { sequence: Math.max(l.sequence, master.sequence), dtstamp: l.dtstamp ?? master.dtstamp });
  const next: StoredEvent = {
    ...stored,
    master: nextMaster,
    overrides,
    vtimezones: mergeTimezones(stored.vtimezones, msg.calendar.vtimezones),
    updatedAt: ctx.now,
  };
  return { action: 'updated', uid, reason: `occurrence(s) added: ${listFew(added)}`, detail: 'added', next };
}

// ---------------------------------------------------------------------------------------------------------------
// COUNTER (§3.2.7) and REFRESH (§3.2.6): attendee → organizer

function decideToOrganizer(msg: ItipMessage, stored: StoredEvent | undefined, ctx: DecideContext): Decision {
  const l = lead(msg);
  const uid = l.uid!;
  const kind = msg.method === 'COUNTER' ? 'counter' : 'refresh';
  if (!stored) return reject(uid, `${msg.method} for an event not in my calendar`, 'unknown-uid');
  if (stored.role !== 'organizer') return reject(uid, `${msg.method} is for the organizer, and I do not organize this event`, 'not-organizer');
  const senders = senderAddresses(msg);
  const org = storedOrganizer(stored);
  // Who asks: the envelope sender; without one, the single non-organizer attendee (a COUNTER may list everyone, in
  // which case the first attendee that is not the organizer is the best guess).
  const asking =
    senders[0] ??
    (replyingAttendee(l, null)?.email || l.attendees.find((a) => !actsForOrganizer(a.email, org))?.email || '');
  if (msg.method === 'COUNTER') {
    const target = componentFor(stored, l.recurrenceId) ?? stored.master;
    // RFC 5546 §3.2.7: SEQUENCE "MUST echo the original SEQUENCE": a counter to an older version is out of date.
    if (target && l.sequence < target.sequence) {
      return { action: 'stale', uid, reason: `COUNTER to SEQUENCE ${l.sequence}; the event is at ${target.sequence}`, detail: 'old-sequence' };
    }
  }
  const reason =
    msg.method === 'COUNTER' ? `${asking || 'an attendee'} proposes a change` : `${asking || 'an attendee'} asks for the latest version`;
  return pendingDecision(msg, stored, ctx, kind, asking, reason, kind);
}

// ---------------------------------------------------------------------------------------------------------------
// DECLINECOUNTER (§3.2.8): organizer → attendee

function decideDeclineCounter(msg: ItipMessage, stored: StoredEvent | undefined, ctx: DecideContext): Decision {
  const l = lead(msg);
  const uid = l.uid!;
  if (!stored) return reject(uid, 'DECLINECOUNTER for an event not in my calendar', 'unknown-uid');
  const guard = organizerGuard(msg, stored);
  if (guard) return guard;
  // Shown to the attendee (the organizer said no to my proposal); the event itself does not change.
  return pendingDecision(msg, stored, ctx, 'declinecounter', senderOf(msg, l.organizer?.email), 'the organizer declined my proposed change', 'declinecounter');
}

