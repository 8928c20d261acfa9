// The scheduling use cases: answer an invitation (REPLY, COUNTER) and organize meetings (REQUEST, CANCEL, ADD of
// attendees, DECLINECOUNTER, answers to REFRESH and party crashers).
//
// Every action works offline: the message is built by the engine (shared/itip/build), read back and validated as an
// outgoing message (nothing with an error problem reaches the outbox), written durably to the outbox, and then the
// calendar store changes in one atomic commit. Enqueue comes FIRST on purpose: a crash between the two leaves a
// message that will be sent and a calendar that does not show it yet (the sync of the organizer's or attendee's
// answer fixes the view, and the user sees the outbox), whereas the other order could lose a message silently.
//
// Identity: replies go out from the address the invitation was addressed to (StoredEvent.myAddress, aliases
// included) through the account that owns that address; organizing uses the account whose address or alias equals
// the draft's organizer.
import { randomUUID } from 'node:crypto';
import {
  LOCAL_IDENTITY,
  type CancelRequest,
  type ProposeRequest,
  type QueuedOutcome,
  type RequestUpdateRequest,
  type RespondRequest,
  type ResolvePendingRequest,
  type SaveMeetingOutcome,
} from '../../shared/api';
import { AppError } from '../../shared/errors';
import { isMine, normalizeAddress, sameAddress } from '../../shared/itip/address';
import type { CancelOptions } from '../../shared/itip/build';
import { buildCancel, buildCounter, buildDeclineCounter, buildRefresh, buildReply, buildRequest, type OutgoingMessage } from '../mail/smtp/mime';
import {
  allComponents,
  componentFor,
  deriveOccurrence,
  effectiveOccurrence,
  findAttendee,
  findReply,
  myAttendee,
  upsertOverride,
  upsertReply,
  withAttendee,
  withRevisionAndStatus,
} from '../../shared/itip/event-state';
import { utcToWall, eventToComponentText } from '../../shared/itip/ics-write';
import { eventFromDraft, type MeetingDraft } from '../../shared/itip/meeting';
import { readCalendarText, readMessage } from '../../shared/itip/message';
import { calendarOf, planSchedule, recipientsFor, type ScheduledMessage } from '../../shared/itip/schedule';
import type { EventData, MyProposal, PartStat, PendingItem, StoredEvent } from '../../shared/itip/types';
import { validate } from '../../shared/itip/validate';
import type { CalendarStore } from '../store/calendar-store';
import { usefulName } from '../../shared/present/names';
import type { Outbox, WaitingItem } from '../mail/smtp/outbox';

export interface ServiceIdentity {
  accountId: string | null;
  email: string;
  aliases: string[];
  displayName?: string;
}

export interface MeetingsDeps {
  calendar: CalendarStore;
  outbox: Outbox;
  identities(): ServiceIdentity[];
  now?: () => Date;
}

interface Sender {
  accountId: string | null;
  /** The exact address used (an alias when the invitation went to an alias). */
  email: string;
  cn: string | null;
}

export interface AdoptOutcome {
  /** Outbox items rebuilt for the account (same ids: they keep their place in the order). */
  readdressed: string[];
  /** Items that could not be rebuilt; they keep waiting (with the reason in the log). */
  left: { id: string; reason: string }[];
  /** Stored events whose ORGANIZER or my address was the local identity. */
  events: string[];
}

export class MeetingsService {
  private readonly deps: MeetingsDeps;
  /** Read-modify-write of the store and the outbox, one action at a time (in call order). */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(deps: MeetingsDeps) {
    this.deps = deps;
  }

  private nowIso(): string {
    return (this.deps.now ? this.deps.now() : new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /**
   * DTSTAMP for a new revision: now, but strictly after the given earlier stamps. RFC 5546 §2.1.5 orders revisions
   * of one SEQUENCE by DTSTAMP (second resolution), so two changes within one second would otherwise look like the
   * same revision to the receiver and the second would be dropped as a duplicate.
   */
  private stampAfter(...earlier: (string | null | undefined)[]): string {
    let ms = Date.parse(this.nowIso());
    for (const e of earlier) {
      const t = e ? Date.parse(e) : NaN;
      if (!Number.isNaN(t) && t >= ms) ms = Math.floor(t / 1000) * 1000 + 1000;
    }
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Attendee side

  /** Accept / Tentative / Decline, whole series or one occurrence (RFC 5546 §3.2.3). */
  respond(req: RespondRequest): Promise<QueuedOutcome> {
    return this.serial(async () => {
      const stored = this.requireStored(req.uid);
      if (stored.role !== 'attendee') throw new AppError('BAD_REQUEST', `I am not an attendee of ${req.uid}`);
      if (!['ACCEPTED', 'TENTATIVE', 'DECLINED'].includes(req.partstat)) {
        throw new AppError('BAD_REQUEST', `cannot answer ${String(req.partstat)}`);
      }
      const rid = req.recurrenceId ?? null;
      const base = this.baseFor(stored, rid);
      const sender = this.replyIdentity(stored, base);
      const now = this.stampAfter(findReply(stored.replies, sender.email, rid)?.dtstamp);
      const comment = req.comment?.trim() || undefined;
      // The local calendar shows the answer at once: my PARTSTAT in the component answered, and my own reply
      // record (with the comment) for that occurrence.
      let next: StoredEvent;
      if (rid === null) {
        const master = withAttendee(stored.master!, sender.email, { partstat: req.partstat, rsvp: false });
        // Answering the series answers every occurrence I had not answered separately (RFC 5546 §3.2.3 scope).
        next = { ...stored, master };
      } else {
        const occ = effectiveOccurrence(stored, rid) ?? deriveOccurrence(stored.master!, rid);
        const updated = withAttendee(occ, sender.email, { partstat: req.partstat, rsvp: false });
        next = { ...stored, overrides: upsertOverride(stored.overrides, updated) };
      }
      const target = componentFor(next, rid) ?? base;
      next = {
        ...next,
        myAddress: stored.myAddress ?? sender.email,
        replies: upsertReply(stored.replies, {
          email: sender.email,
          recurrenceId: rid,
          partstat: req.partstat,
          sequence: target.sequence,
          dtstamp: now,
          comment: comment ?? null,
          delegatedTo: [],
          delegatedFrom: [],
        }),
        updatedAt: now,
      };

      // "Do not send a response" (issue 11 §5, as Thunderbird and Outlook offer): only my calendar changes.
      if (req.send === false) {
        await this.deps.calendar.put(next);
        return { queued: [] };
      }
      // Whether a REPLY is due is the engine's decision (planSchedule): not when the organizer already has this
      // answer (RSVP answered with the same PARTSTAT), unless a comment is new information to pass on.
      if (!comment && !this.replyDue(stored, next, sender.email, now)) {
        await this.deps.calendar.put(next);
        return { queued: [] };
      }
      const msg = await buildReply({
        event: base,
        overrides: stored.overrides,
        me: sender.email,
        ...(sender.cn ? { cn: sender.cn } : {}),
        partstat: req.partstat,
        ...(comment ? { comment } : {}),
        recurrenceId: rid,
        now,
        messageId: messageIdFor(sender.email),
      });
      await this.check(msg);
      const view = await this.deps.outbox.enqueue(msg, sender.accountId);
      await this.deps.calendar.put(next);
      return { queued: [view.id] };
    });
  }

  /** Propose a new time (RFC 5546 §3.2.7 COUNTER) to the organizer; my calendar keeps the current time. */
  proposeNewTime(req: ProposeRequest): Promise<QueuedOutcome> {
    return this.serial(async () => {
      const stored = this.requireStored(req.uid);
      if (stored.role !== 'attendee') throw new AppError('BAD_REQUEST', `I am not an attendee of ${req.uid}`);
      const rid = req.recurrenceId ?? null;
      const base = this.baseFor(stored, rid);
      const sender = this.replyIdentity(stored, base);
      const comment = req.comment?.trim() || undefined;
      const msg = await buildCounter({
        event: base,
        overrides: stored.overrides,
        me: sender.email,
        ...(sender.cn ? { cn: sender.cn } : {}),
        proposed: { start: req.start, end: req.end, timezone: req.timezone, allDay: req.start.length === 10 },
        ...(comment ? { comment } : {}),
        recurrenceId: rid,
        now: this.nowIso(),
        messageId: messageIdFor(sender.email),
      });
      const queued = await this.enqueueAll([msg], sender.accountId);
      // My view shows the proposal as waiting for the organizer (issue 11 §10); the calendar keeps the current time.
      const sent = readCalendarText(msg.ics).calendar.components[0];
      const proposal: MyProposal = {
        recurrenceId: rid,
        start: instantText(sent?.start) ?? req.start,
        end: instantText(sent?.end),
        comment: comment ?? null,
        sentAt: this.nowIso(),
      };
      await this.deps.calendar.put({ ...stored, proposal });
      return { queued };
    });
  }

  /**
   * Asks the organizer for the latest version (RFC 5546 §3.2.6 REFRESH): for a copy that is missing an update or
   * damaged. My calendar is unchanged; the organizer's answer arrives as a REQUEST and is processed as usual.
   */
  requestUpdate(req: RequestUpdateRequest): Promise<QueuedOutcome> {
    return this.serial(async () => {
      const stored = this.requireStored(req.uid);
      if (stored.role !== 'attendee') throw new AppError('BAD_REQUEST', `I am not an attendee of ${req.uid}`);
      const rid = req.recurrenceId ?? null;
      const ev = componentFor(stored, rid) ?? stored.master ?? stored.overrides[0];
      const organizer = ev?.organizer ?? stored.master?.organizer;
      if (!ev || !organizer) throw new AppError('BAD_REQUEST', `${req.uid} names no organizer to ask`);
      const sender = this.replyIdentity(stored, ev);
      const comment = req.comment?.trim() || undefined;
      const msg = await buildRefresh({
        uid: stored.uid,
        organizer: { email: organizer.email, cn: organizer.cn },
        me: sender.email,
        ...(sender.cn ? { cn: sender.cn } : {}),
        recurrenceId: rid,
        ...(comment ? { comment } : {}),
        summary: ev.summary,
        now: this.nowIso(),
        messageId: messageIdFor(sender.email),
      });
      return { queued: await this.enqueueAll([msg], sender.accountId) };
    });
  }

  /** Removes an event from my calendar without telling anyone (declining is respond()). */
  removeFromCalendar(uid: string): Promise<true> {
    return this.serial(async () => {
      this.requireStored(uid);
      await this.deps.calendar.delete(uid);
      return true as const;
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Organizer side

  /**
   * Creates or updates a meeting I organize. Attendee changes: removed → CANCEL to them, added → REQUEST, the rest
   * → the updated REQUEST. No attendees: a personal event, stored only and never sent (RFC 5546 has no scheduling
   * without attendees). SEQUENCE grows only on a significant change (eventFromDraft, RFC 5546 §2.1.4).
   */
  saveMeeting(draft: MeetingDraft): Promise<SaveMeetingOutcome> {
    return this.serial(() => this.saveMeetingNow(draft, null));
  }

  /** The editable form of a meeting I organize (or a personal event). */
  getMeetingDraft(uid: string): MeetingDraft {
    const stored = this.requireStored(uid);
    const m = stored.master;
    if (!m || !m.start) throw new AppError('NOT_FOUND', `no master event for ${uid}`);
    const organizer = m.organizer ?? { email: stored.myAddress ?? this.primary().email, cn: null, sentBy: null };
    const allDay = m.start.allDay;
    const tz = m.start.tzid ?? 'UTC';
    const endValue = m.end ?? m.start;
    return {
      uid,
      summary: m.summary ?? '',
      ...(m.description ? { description: m.description } : {}),
      ...(m.location ? { location: m.location } : {}),
      start: wallTime(m.start, tz),
      end: wallTime(endValue, tz),
      timezone: tz,
      allDay,
      attendees: m.attendees
        .filter((a) => !sameAddress(a.email, organizer.email))
        .map((a) => ({ email: a.email, ...(a.cn ? { cn: a.cn } : {}), role: a.role, rsvp: a.rsvp })),
      rrule: m.rrule,
      organizer: { email: organizer.email, ...(organizer.cn ? { cn: organizer.cn } : {}), ...(organizer.sentBy ? { sentBy: organizer.sentBy } : {}) },
    };
  }

  /** Cancels the whole meeting (METHOD:CANCEL, STATUS:CANCELLED, SEQUENCE+1) or one occurrence (RECURRENCE-ID). */
  cancelMeeting(req: CancelRequest): Promise<QueuedOutcome> {
    return this.serial(async () => {
      const stored = this.requireStored(req.uid);
      const master = stored.master;
      if (!master) throw new AppError('NOT_FOUND', `no master event for ${req.uid}`);
      const rid = req.recurrenceId ?? null;
      const now = this.stampAfter(master.dtstamp, ...stored.overrides.map((o) => o.dtstamp));
      if (stored.role === 'attendee') throw new AppError('FORBIDDEN', 'only the organizer can cancel the meeting; decline it instead');
      const comment = req.comment?.trim() || undefined;

      if (rid === null) {
        // RFC 5546 §3.2.5 / §2.1.4: a cancellation is a new revision (STATUS changes).
        const cancelled = withRevisionAndStatus(master, { status: 'CANCELLED', sequence: master.sequence + 1, dtstamp: now });
        const next: StoredEvent = { ...stored, master: cancelled, cancelled: true, updatedAt: now };
        const to = this.cancelRecipients(stored, [cancelled, ...stored.overrides], 'cancelled', now);
        const queued = await this.queueCancel(stored, to, { event: cancelled, overrides: stored.overrides, ...(comment ? { comment } : {}) }, now);
        await this.deps.calendar.put(next);
        return { queued };
      }

      // One occurrence: an override with STATUS:CANCELLED and its own SEQUENCE+1; the series keeps its revision.
      const occ = effectiveOccurrence(stored, rid) ?? deriveOccurrence(master, rid);
      const seq = Math.max(occ.sequence, master.sequence) + 1;
      const cancelledOcc = withRevisionAndStatus(occ, { status: 'CANCELLED', sequence: seq, dtstamp: now, ...(comment ? { comment: [comment] } : {}) });
      const overrides = upsertOverride(stored.overrides, cancelledOcc);
      const next: StoredEvent = { ...stored, overrides, updatedAt: now };
      const to = this.cancelRecipients(stored, [master, ...overrides], 'occurrence-cancelled', now);
      const queued = await this.queueCancel(stored, to, { event: master, overrides, recurrenceId: rid, ...(comment ? { comment } : {}) }, now);
      await this.deps.calendar.put(next);
      return { queued };
    });
  }

  /**
   * Decides a pending item: a COUNTER (accept: the proposed time goes to everyone as an updated REQUEST, SEQUENCE+1;
   * decline: DECLINECOUNTER to the proposer), a party crasher (add: the crasher becomes an attendee with the answer
   * they gave, gets the REQUEST, the others the update; ignore), a REFRESH (send: the current REQUEST to the asker).
   */
  resolvePending(req: ResolvePendingRequest): Promise<QueuedOutcome> {
    return this.serial(async () => {
      const stored = this.requireStored(req.uid);
      const item = stored.pending.find((p) => p.id === req.pendingId);
      if (!item) throw new AppError('NOT_FOUND', `no pending item ${req.pendingId} on ${req.uid}`);
      const now = this.stampAfter(stored.master?.dtstamp, ...stored.overrides.map((o) => o.dtstamp));
      const dropped: StoredEvent = { ...stored, pending: stored.pending.filter((p) => p.id !== item.id), updatedAt: now };
      const comment = req.comment?.trim() || undefined;

      if (req.action === 'ignore' || req.action === 'dismiss') {
        // An invitation held by the policy and ignored leaves nothing of itself: without a stored version and
        // without other items to decide, the entry goes (issue 11 §1: no "(no title)" ghost with dead buttons).
        if (!dropped.master && dropped.overrides.length === 0 && dropped.pending.length === 0) await this.deps.calendar.delete(stored.uid);
        else await this.deps.calendar.put(dropped);
        return { queued: [] };
      }
      if (stored.role !== 'organizer' || !stored.master) throw new AppError('BAD_REQUEST', `${req.action} needs a meeting I organize`);
      const master = stored.master;
      const sender = this.organizerIdentity(master.organizer?.email ?? '');

      if (item.kind === 'counter' && req.action === 'accept') {
        const proposed = pendingComponent(item);
        if (!proposed.start) throw new AppError('ITIP_INVALID', 'the counter-proposal has no DTSTART');
        if (item.recurrenceId) {
          // One occurrence moves: its override gets the proposed times and a new SEQUENCE.
          const occ = effectiveOccurrence(stored, item.recurrenceId) ?? deriveOccurrence(master, item.recurrenceId);
          const moved = rewrite({
            ...occ,
            start: proposed.start,
            end: proposed.end,
            duration: proposed.end ? null : occ.duration,
            sequence: Math.max(occ.sequence, master.sequence) + 1,
            dtstamp: now,
            attendees: occ.attendees.map((a) => ({ ...a, partstat: 'NEEDS-ACTION', rsvp: true })),
          });
          const next: StoredEvent = { ...dropped, overrides: upsertOverride(stored.overrides, moved) };
          const msg = await buildRequest({ events: [master, ...next.overrides], now, messageId: messageIdFor(sender.email), update: true });
          const queued = await this.enqueueAll([msg], sender.accountId);
          await this.deps.calendar.put(next);
          return { queued };
        }
        const draft = this.getMeetingDraft(stored.uid);
        const tz = draft.timezone;
        const start = wallTime(proposed.start, tz);
        let end = wallTime(proposed.end, tz);
        if (!end) {
          const len = durationOf(master);
          end = len !== null && proposed.start.utc ? wallTime({ ...proposed.start, utc: new Date(Date.parse(proposed.start.utc) + len).toISOString().slice(0, 19) + 'Z' }, tz) : start;
        }
        const out = await this.saveMeetingNow({ ...draft, start, end, allDay: proposed.start.allDay }, dropped);
        return { queued: out.queued };
      }

      if (item.kind === 'counter' && req.action === 'decline') {
        const msg = await buildDeclineCounter({
          event: master,
          to: item.from,
          ...(comment ? { comment } : {}),
          recurrenceId: item.recurrenceId,
          now,
          messageId: messageIdFor(sender.email),
        });
        const queued = await this.enqueueAll([msg], sender.accountId);
        await this.deps.calendar.put(dropped);
        return { queued };
      }

      if (item.kind === 'party-crasher' && req.action === 'add') {
        const answer = pendingComponent(item);
        const theirs = findAttendee(answer, item.from) ?? answer.attendees[0];
        const partstat = String(theirs?.partstat ?? 'NEEDS-ACTION');
        // The update is a new revision of the same SEQUENCE: it carries (and the store records) the new DTSTAMP.
        const withCrasher = withRevisionAndStatus(withAttendee(master, item.from, { partstat, rsvp: false }), { dtstamp: now });
        const next: StoredEvent = {
          ...dropped,
          master: withCrasher,
          replies: upsertReply(stored.replies, {
            email: normalizeAddress(item.from),
            recurrenceId: item.recurrenceId,
            partstat,
            sequence: answer.sequence,
            dtstamp: answer.dtstamp,
            comment: answer.comment[0] ?? null,
            delegatedTo: theirs?.delegatedTo ?? [],
            delegatedFrom: theirs?.delegatedFrom ?? [],
          }),
        };
        const events = [withCrasher, ...stored.overrides];
        const others = recipientsFor(this.plan([master, ...stored.overrides], events, [sender.email], now, stored.vtimezones), 'updated').filter(
          (a) => !sameAddress(a, item.from),
        );
        const msgs: OutgoingMessage[] = [];
        msgs.push(await buildRequest({ events, to: [normalizeAddress(item.from)], now, messageId: messageIdFor(sender.email) }));
        if (others.length) msgs.push(await buildRequest({ events, to: others, now, messageId: messageIdFor(sender.email), update: true }));
        const queued = await this.enqueueAll(msgs, sender.accountId);
        await this.deps.calendar.put(next);
        return { queued };
      }

      if (item.kind === 'refresh' && req.action === 'send') {
        // RFC 5546 §3.2.6: answer a REFRESH with the current REQUEST (master and overrides) to the asker only.
        const msg = await buildRequest({
          events: [master, ...stored.overrides],
          to: [normalizeAddress(item.from)],
          now,
          messageId: messageIdFor(sender.email),
        });
        const queued = await this.enqueueAll([msg], sender.accountId);
        await this.deps.calendar.put({ ...dropped, master: withRevisionAndStatus(master, { dtstamp: now }) });
        return { queued };
      }

      throw new AppError('BAD_REQUEST', `cannot ${req.action} a ${item.kind} item`);
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Offline identity → the first account

  /**
   * The user's first account arrived: what was organized or answered offline as LOCAL_IDENTITY becomes theirs.
   * Every queued message From the local identity is read back from the outbox, its calendar data re-addressed
   * (ORGANIZER, or my ATTENDEE in a reply), rebuilt by the same engine builder with the same DTSTAMP and SEQUENCE
   * (nobody has seen it, so it is still the same revision), validated again, and put in place of the old item
   * (same id, same order). Then the stored events follow in one commit: organizer copies get the account as
   * ORGANIZER, attendee copies get myAddress (and my ATTENDEE / reply records). Outbox first, calendar second, as
   * everywhere here; both halves are idempotent, so core simply runs this again after a crash (at startup).
   */
  adoptIdentity(identity: ServiceIdentity): Promise<AdoptOutcome> {
    return this.serial(async () => {
      const email = normalizeAddress(identity.email);
      if (!email || sameAddress(email, LOCAL_IDENTITY)) throw new AppError('BAD_REQUEST', 'adopting needs a real account address');
      const cn = identity.displayName?.trim() || null;
      const out: AdoptOutcome = { readdressed: [], left: [], events: [] };

      const rebuilt: { item: WaitingItem; msg: OutgoingMessage }[] = [];
      for (const item of this.deps.outbox.waitingForAccount()) {
        try {
          const msg = await this.rebuildFor(item, email, cn);
          await this.check(msg);
          if (sameAddress(msg.from, LOCAL_IDENTITY)) throw new Error('the rebuilt message is still from the local identity');
          rebuilt.push({ item, msg });
        } catch (err) {
          const reason = err instanceof Error ? err.message : String(err);
          console.warn(`[meetings] cannot re-address outbox item ${item.id} (${item.method} ${item.uid}): ${reason}`);
          out.left.push({ id: item.id, reason });
        }
      }
      for (const { item, msg } of rebuilt) {
        await this.deps.outbox.replaceWaiting(item.id, msg, identity.accountId);
        out.readdressed.push(item.id);
      }

      const puts: StoredEvent[] = [];
      for (const ev of this.deps.calendar.all()) {
        const next = readdressEvent(ev, email, cn);
        if (next) puts.push({ ...next, updatedAt: this.nowIso() });
      }
      if (puts.length) await this.deps.calendar.commit(puts.map((event) => ({ type: 'put' as const, event })));
      out.events = puts.map((e) => e.uid);
      return out;
    });
  }

  /** One queued message, rebuilt by its builder for `email` from its own bytes. */
  private async rebuildFor(item: WaitingItem, email: string, cn: string | null): Promise<OutgoingMessage> {
    const read = await readMessage(await this.deps.outbox.raw(item.id));
    const itip = read.itip;
    if (!itip) throw new Error(`the queued bytes are not readable as iTIP (${read.problems.map((p) => p.code).join(', ')})`);
    const comps = itip.calendar.components.map((c) => swapIdentity(c, email, cn));
    const first = comps[0];
    if (!first) throw new Error('the queued message holds no component');
    const common = {
      // Same revision: nobody has received it yet, so DTSTAMP (and SEQUENCE, kept in the data) stay.
      now: first.dtstamp ?? this.nowIso(),
      messageId: messageIdFor(email),
      vtimezones: itip.calendar.vtimezones,
    };
    const rid = first.recurrenceId ?? null;
    const comment = first.comment[0];
    switch (itip.method) {
      case 'REQUEST':
        return buildRequest({ ...common, events: comps, to: item.to, ...(item.cc.length ? { cc: item.cc } : {}), update: /^Updated invitation/i.test(item.subject) });
      case 'CANCEL':
        return buildCancel({ ...common, event: first, overrides: comps, recurrenceId: rid, to: item.to, ...(comment ? { comment } : {}) });
      case 'DECLINECOUNTER':
        return buildDeclineCounter({ ...common, event: first, to: item.to[0] ?? '', recurrenceId: rid, ...(comment ? { comment } : {}) });
      case 'REPLY': {
        const mine = findAttendee(first, email);
        if (!mine) throw new Error('the queued REPLY does not carry my ATTENDEE');
        return buildReply({ ...common, event: first, me: email, ...(cn ? { cn } : {}), partstat: mine.partstat as PartStat, recurrenceId: rid, ...(comment ? { comment } : {}) });
      }
      case 'COUNTER': {
        if (!first.start) throw new Error('the queued COUNTER has no DTSTART');
        return buildCounter({ ...common, event: first, me: email, ...(cn ? { cn } : {}), proposed: { start: first.start, end: first.end }, recurrenceId: rid, ...(comment ? { comment } : {}) });
      }
      default:
        throw new Error(`no rebuild for METHOD:${itip.method}`);
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Internals

  private async saveMeetingNow(draft: MeetingDraft, base: StoredEvent | null): Promise<SaveMeetingOutcome> {
    const prevStored = base ?? (draft.uid ? this.deps.calendar.get(draft.uid) ?? null : null);
    if (prevStored && prevStored.role === 'attendee') {
      throw new AppError('FORBIDDEN', `${draft.uid} is someone else's meeting: only its organizer can change it`);
    }
    const sender = this.organizerIdentity(draft.organizer.email);
    const prev = prevStored?.master ?? null;
    const now = this.stampAfter(prev?.dtstamp, ...(prevStored?.overrides ?? []).map((o) => o.dtstamp));
    // A re-saved cancelled meeting is reinstated by eventFromDraft (STATUS back to CONFIRMED, a significant change).
    const next = eventFromDraft({ ...draft, organizer: { ...draft.organizer, email: sender.email } }, prev, now);
    const uid = next.uid!;
    const events = [next, ...(prevStored?.overrides ?? [])];

    // Who gets what is the engine's decision (shared/itip/schedule.ts, RFC 5546): removed attendees a CANCEL, added
    // ones the invitation, the others the update. This service only builds, queues and stores.
    const formerOrganizer = prev?.organizer && isMine(prev.organizer.email, this.allAddresses()) ? [prev.organizer.email] : [];
    const plan = this.plan(prevStored ? [prev, ...prevStored.overrides] : null, events, [sender.email, ...formerOrganizer], now, prevStored?.vtimezones);
    const removed = recipientsFor(plan, 'uninvited');
    const added = recipientsFor(plan, 'invited');
    // The others hear of it when their view changed, or when the guest list did (they see who comes).
    const updated = plan.filter((m) => m.change === 'updated');
    const kept = updated.some((m) => m.contentChanged) || removed.length || added.length ? updated.map((m) => m.recipient) : [];

    const msgs: OutgoingMessage[] = [];
    if (removed.length && prev) {
      // RFC 5546 §3.2.5: uninvited attendees get a CANCEL naming them (the meeting goes on for the others).
      msgs.push(await buildCancel({ event: { ...next, attendees: prev.attendees }, to: removed, now, messageId: messageIdFor(sender.email) }));
    }
    if (added.length) {
      msgs.push(await buildRequest({ events, to: added, now, messageId: messageIdFor(sender.email), update: false }));
    }
    if (kept.length) {
      msgs.push(await buildRequest({ events, to: kept, now, messageId: messageIdFor(sender.email), update: true }));
    }
    const queued = await this.enqueueAll(msgs, sender.accountId);

    const stored: StoredEvent = {
      uid,
      role: added.length || updated.length ? 'organizer' : 'personal',
      master: next,
      overrides: prevStored?.overrides ?? [],
      vtimezones: prevStored?.vtimezones ?? [],
      replies: (prevStored?.replies ?? []).filter((r) => !removed.some((x) => sameAddress(x, r.email))),
      pending: base?.pending ?? prevStored?.pending ?? [],
      cancelled: false,
      myAddress: sender.email,
      updatedAt: now,
    };
    await this.deps.calendar.put(stored);
    return { uid, sequence: next.sequence, queued };
  }

  /**
   * The CANCEL for `opts` to `to`, validated and queued from my organizer account, when I organize the meeting and
   * someone is left to tell; else nothing is sent.
   */
  private async queueCancel(stored: StoredEvent, to: string[], opts: Omit<CancelOptions, 'now' | 'messageId' | 'to'>, now: string): Promise<string[]> {
    if (stored.role !== 'organizer' || to.length === 0) return [];
    const sender = this.organizerIdentity(opts.event.organizer?.email ?? '');
    const msg = await buildCancel({ ...opts, to, now, messageId: messageIdFor(sender.email) });
    return this.enqueueAll([msg], sender.accountId);
  }

  /**
   * Does my copy going from `stored` to `next` call for a REPLY (planSchedule, attendee side)? A copy the engine
   * cannot plan for (it refuses it) is answered anyway: the user asked to answer, and the organizer is known.
   */
  private replyDue(stored: StoredEvent, next: StoredEvent, me: string, now: string): boolean {
    const p = planSchedule({ old: calendarOf(allComponents(stored), stored.vtimezones), new: calendarOf(allComponents(next), next.vtimezones), me: [me], now });
    return !p.ok || p.messages.some((m) => m.method === 'REPLY');
  }

  /** Who the engine says must hear of this cancellation (the whole meeting, or one occurrence). */
  private cancelRecipients(stored: StoredEvent, next: readonly EventData[], change: 'cancelled' | 'occurrence-cancelled', now: string): string[] {
    const organizer = stored.master?.organizer?.email;
    if (stored.role !== 'organizer' || !organizer) return [];
    return recipientsFor(this.plan([stored.master, ...stored.overrides], next, [organizer], now, stored.vtimezones), change);
  }

  /** The engine's plan for a change I make as `me` (planSchedule); a refusal is a caller bug, reported as such. */
  private plan(old: readonly (EventData | null)[] | null, next: readonly EventData[], me: string[], now: string, vtimezones: readonly string[] = []): ScheduledMessage[] {
    const p = planSchedule({ old: old ? calendarOf(old, vtimezones) : null, new: calendarOf(next, vtimezones), me, now });
    if (!p.ok) throw new AppError('ITIP_INVALID', p.reason);
    return p.messages;
  }

  /** Validates every message first, then enqueues them in order (one meeting's messages leave in this order). */
  private async enqueueAll(msgs: OutgoingMessage[], accountId: string | null): Promise<string[]> {
    for (const m of msgs) await this.check(m);
    const ids: string[] = [];
    for (const m of msgs) ids.push((await this.deps.outbox.enqueue(m, accountId)).id);
    return ids;
  }

  /** Reads the built message back (MIME and calendar) and runs the outgoing validator: no error may remain. */
  private async check(msg: OutgoingMessage): Promise<void> {
    const read = await readMessage(msg.raw);
    if (!read.itip) {
      throw new AppError('ITIP_INVALID', `built ${msg.method} is not readable as iTIP: ${read.problems.map((p) => p.code).join(', ')}`);
    }
    const problems = [...read.problems, ...validate(read.itip, { direction: 'outgoing' })].filter((p) => p.severity === 'error');
    if (read.itip.methodParam !== msg.method) problems.push({ code: 'method-mismatch', severity: 'error', message: `method=${String(read.itip.methodParam)}` });
    if (problems.length) {
      throw new AppError('ITIP_INVALID', `built ${msg.method} fails validation: ${problems.map((p) => `${p.code}: ${p.message}`).join('; ')}`);
    }
  }

  private requireStored(uid: string): StoredEvent {
    const s = this.deps.calendar.get(uid);
    if (!s) throw new AppError('NOT_FOUND', `no event ${uid}`);
    return s;
  }

  private baseFor(stored: StoredEvent, rid: string | null): EventData {
    const base = componentFor(stored, rid) ?? stored.master ?? stored.overrides[0];
    if (!base) throw new AppError('NOT_FOUND', `no component for ${stored.uid}`);
    if (stored.cancelled) throw new AppError('BAD_REQUEST', `${stored.uid} is cancelled`);
    return base;
  }

  private allAddresses(): string[] {
    return this.deps.identities().flatMap((i) => [i.email, ...i.aliases]);
  }

  private primary(): ServiceIdentity {
    const first = this.deps.identities()[0];
    if (!first) throw new AppError('BAD_REQUEST', 'no account is set up');
    return first;
  }

  /** The identity the invitation was addressed to (StoredEvent.myAddress or my ATTENDEE), and its account. */
  private replyIdentity(stored: StoredEvent, ev: EventData): Sender {
    const mine = this.allAddresses();
    const address = stored.myAddress && isMine(stored.myAddress, mine) ? stored.myAddress : (myAttendee(ev, mine) ?? myAttendee(stored.master, mine))?.email;
    if (!address) throw new AppError('BAD_REQUEST', `none of my addresses is invited to ${stored.uid}`);
    const id = this.deps.identities().find((i) => isMine(address, [i.email, ...i.aliases]))!;
    const listed = findAttendee(ev, address) ?? findAttendee(stored.master, address);
    return { accountId: id.accountId, email: normalizeAddress(address), cn: usefulName(listed?.cn, address) ?? id.displayName ?? null };
  }

  private organizerIdentity(email: string): Sender {
    const id = this.deps.identities().find((i) => isMine(email, [i.email, ...i.aliases]));
    if (!id) throw new AppError('BAD_REQUEST', `${email || 'the organizer'} is not one of my addresses`);
    return { accountId: id.accountId, email: normalizeAddress(email), cn: id.displayName ?? null };
  }
}

/** A value as the views show it: the UTC instant for timed values, the date for all-day ones. */
function instantText(v: EventData['start'] | undefined): string | null {
  if (!v) return null;
  return v.allDay ? v.value.slice(0, 10) : (v.utc ?? v.value);
}

/** A DateTimeValue as the meeting editor writes it in `tz`: 'YYYY-MM-DD' all day, else 'YYYY-MM-DDTHH:MM'. */
function wallTime(v: EventData['start'], tz: string): string {
  if (!v) return '';
  if (v.allDay) return v.value.slice(0, 10);
  if (v.utc) return tz === 'UTC' ? v.utc.slice(0, 16) : utcToWall(Date.parse(v.utc), tz).slice(0, 16);
  return v.value.slice(0, 16);
}

/** A fresh, globally unique Message-ID on the sender's domain; the outbox keeps it for every attempt. */
function messageIdFor(sender: string): string {
  const domain = normalizeAddress(sender).split('@')[1] || 'convene.invalid';
  return `<${randomUUID()}@${domain}>`;
}

function durationOf(e: EventData): number | null {
  if (e.start?.utc && e.end?.utc) return Date.parse(e.end.utc) - Date.parse(e.start.utc);
  return null;
}

function pendingComponent(item: PendingItem): EventData {
  const read = readCalendarText(item.ics);
  const comps = read.calendar.components;
  const c = comps.find((x) => (x.recurrenceId ?? null) === item.recurrenceId) ?? comps[0];
  if (!c) throw new AppError('ITIP_INVALID', `pending item ${item.id} holds no component`);
  return c;
}

/** The component with the local identity (ORGANIZER, ATTENDEE) replaced by `email`; null when it has none. */
function swapIdentity(e: EventData, email: string, cn: string | null): EventData {
  const org = e.organizer && sameAddress(e.organizer.email, LOCAL_IDENTITY) ? { ...e.organizer, email, cn: cn ?? e.organizer.cn } : e.organizer;
  const attendees = e.attendees.map((a) => (sameAddress(a.email, LOCAL_IDENTITY) ? { ...a, email, cn: a.cn ?? cn } : a));
  return { ...e, organizer: org, attendees };
}

function mentionsLocal(e: EventData | null): boolean {
  return !!e && (sameAddress(e.organizer?.email, LOCAL_IDENTITY) || e.attendees.some((a) => sameAddress(a.email, LOCAL_IDENTITY)));
}

/**
 * A stored event re-addressed from the local identity to the account, or null when it does not involve it. Only
 * my own entries change: the ORGANIZER of a meeting I organized offline, my ATTENDEE and reply records in an
 * invitation I opened offline, and myAddress.
 */
function readdressEvent(ev: StoredEvent, email: string, cn: string | null): StoredEvent | null {
  const comps = [ev.master, ...ev.overrides];
  if (!sameAddress(ev.myAddress, LOCAL_IDENTITY) && !comps.some((c) => mentionsLocal(c))) return null;
  const swap = (c: EventData): EventData => (mentionsLocal(c) ? rewrite(swapIdentity(c, email, cn)) : c);
  return {
    ...ev,
    master: ev.master ? swap(ev.master) : null,
    overrides: ev.overrides.map(swap),
    replies: ev.replies.map((r) => (sameAddress(r.email, LOCAL_IDENTITY) ? { ...r, email } : r)),
    myAddress: !ev.myAddress || sameAddress(ev.myAddress, LOCAL_IDENTITY) ? email : ev.myAddress,
  };
}

function rewrite(e: EventData): EventData {
  return { ...e, ics: eventToComponentText(e) };
}
