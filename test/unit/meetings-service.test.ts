// MeetingsService against real stores (CalendarStore, Outbox on temp dirs; the outboxes are not started, the queued
// bytes are read from disk) and the real engine on the other side: occurrence answers from an alias, party
// crashers, REFRESH, DECLINECOUNTER, and the refusals.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../electron/mail/smtp/outbox';
import { detailView, listView } from '../../electron/services/invitations-view';
import { MeetingsService } from '../../electron/services/meetings-service';
import { CalendarStore } from '../../electron/store/calendar-store';
import { buildCounter, buildRefresh, buildReply } from '../../electron/mail/smtp/mime';
import { findReply } from '../../shared/itip/event-state';
import { lintMessage } from '../../shared/itip/lint';
import { readMessage } from '../../shared/itip/message';
import { processRead } from '../../shared/itip/process';
import type { Decision, ItipMessage } from '../../shared/itip/types';

interface Side {
  dir: string;
  calendar: CalendarStore;
  outbox: Outbox;
  meetings: MeetingsService;
  me: string[];
}

let root: string;
let alice: Side;
let bob: Side;
const ALICE = 'alice@example.test';
const BOB = 'bob@example.test';
const BOB_ALIAS = 'robert@example.test';
const CAROL = 'carol@example.test';

async function side(name: string, email: string, aliases: string[]): Promise<Side> {
  const dir = join(root, name);
  const calendar = await CalendarStore.open(join(dir, 'cal'));
  const outbox = await Outbox.open(join(dir, 'out'), { sendRaw: async () => undefined });
  const meetings = new MeetingsService({ calendar, outbox, identities: () => [{ accountId: `acct-${name}`, email, aliases }] });
  return { dir, calendar, outbox, meetings, me: [email, ...aliases] };
}

async function raw(s: Side, id: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(join(s.dir, 'out', `${id}.eml`)));
}

async function itipOf(bytes: Uint8Array): Promise<ItipMessage> {
  const r = await readMessage(bytes);
  expect((await lintMessage(bytes)).filter((p) => p.severity === 'error')).toEqual([]);
  return r.itip!;
}

/** Processes a message on a side, as its SyncService would, and stores the outcome. */
async function deliver(s: Side, bytes: Uint8Array): Promise<Decision> {
  const r = await readMessage(bytes);
  const uid = r.itip?.calendar.components[0]?.uid ?? '';
  const d = processRead(r.itip, r.problems, s.calendar.get(uid), { me: s.me, policy: 'always', knownContacts: [], now: new Date().toISOString() });
  if (d.next) await s.calendar.put(d.next);
  return d;
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'convene-meetings-'));
  alice = await side('alice', ALICE, []);
  bob = await side('bob', BOB, [BOB_ALIAS]);
});

afterEach(async () => {
  for (const s of [alice, bob]) await s.calendar.close();
  await rm(root, { recursive: true, force: true });
});

async function invite(attendees: string[], rrule: string | null = 'FREQ=DAILY;COUNT=3'): Promise<string> {
  const out = await alice.meetings.saveMeeting({
    summary: 'Sync',
    start: '2026-12-10T09:00',
    end: '2026-12-10T09:30',
    timezone: 'UTC',
    allDay: false,
    rrule,
    attendees: attendees.map((email) => ({ email })),
    organizer: { email: ALICE },
  });
  expect(out.queued).toHaveLength(1);
  expect((await deliver(bob, await raw(alice, out.queued[0]!))).action).toBe('created');
  return out.uid;
}

describe('MeetingsService', () => {
  it('answers one occurrence from the alias the invitation went to: REPLY to the organizer only, one ATTENDEE, SEQUENCE kept', async () => {
    const uid = await invite([BOB_ALIAS, CAROL]);
    expect(bob.calendar.get(uid)!.myAddress).toBe(BOB_ALIAS);
    const rid = '2026-12-11T09:00:00Z';
    const out = await bob.meetings.respond({ uid, partstat: 'TENTATIVE', comment: 'maybe', recurrenceId: rid });
    const [view] = bob.outbox.list();
    expect(view).toMatchObject({ accountId: 'acct-bob', method: 'REPLY', to: [ALICE] });
    const msg = await itipOf(await raw(bob, out.queued[0]!));
    expect(msg.method).toBe('REPLY');
    expect(msg.envelope!.from).toBe(BOB_ALIAS);
    expect(msg.envelope!.to).toEqual([ALICE]);
    const c = msg.calendar.components[0]!;
    expect(c.recurrenceId).toBe(rid);
    expect(c.sequence).toBe(0);
    expect(c.attendees.map((a) => [a.email, a.partstat])).toEqual([[BOB_ALIAS, 'TENTATIVE']]);
    // Local: the override carries my answer at once; the series is untouched.
    const stored = bob.calendar.get(uid)!;
    expect(stored.overrides.find((o) => o.recurrenceId === rid)!.attendees.find((a) => a.email === BOB_ALIAS)!.partstat).toBe('TENTATIVE');
    expect(stored.master!.attendees.find((a) => a.email === BOB_ALIAS)!.partstat).toBe('NEEDS-ACTION');
    expect(findReply(stored.replies, BOB_ALIAS, rid)).toMatchObject({ partstat: 'TENTATIVE', comment: 'maybe' });
    // Round trip: alice's engine applies it.
    expect((await deliver(alice, await raw(bob, out.queued[0]!))).action).toBe('reply-applied');
  });

  it('answering again with the same PARTSTAT sends nothing (the organizer has it); a new comment is sent', async () => {
    const uid = await invite([BOB], null);
    expect((await bob.meetings.respond({ uid, partstat: 'ACCEPTED' })).queued).toHaveLength(1);
    expect((await bob.meetings.respond({ uid, partstat: 'ACCEPTED' })).queued).toEqual([]);
    expect(bob.outbox.list()).toHaveLength(1);
    const withNote = await bob.meetings.respond({ uid, partstat: 'ACCEPTED', comment: 'running 5 min late' });
    expect(withNote.queued).toHaveLength(1);
    expect((await itipOf(await raw(bob, withNote.queued[0]!))).calendar.components[0]!.comment).toEqual(['running 5 min late']);
    // A different answer is due again.
    expect((await bob.meetings.respond({ uid, partstat: 'DECLINED' })).queued).toHaveLength(1);
  });

  it('adds a party crasher: the crasher gets the REQUEST, the others the update', async () => {
    const uid = await invite([BOB]);
    const dave = 'dave@example.test';
    const crash = await buildReply({ event: bob.calendar.get(uid)!.master!, me: dave, partstat: 'ACCEPTED', now: new Date().toISOString() });
    const d = await deliver(alice, crash.raw);
    expect(d.action).toBe('needs-decision');
    const pending = alice.calendar.get(uid)!.pending.find((p) => p.kind === 'party-crasher')!;
    const out = await alice.meetings.resolvePending({ uid, pendingId: pending.id, action: 'add' });
    expect(out.queued).toHaveLength(2);
    const [toDave, toOthers] = await Promise.all(out.queued.map(async (id) => itipOf(await raw(alice, id))));
    expect(toDave!.envelope!.to).toEqual([dave]);
    expect(toOthers!.envelope!.to).toEqual([BOB]);
    expect(toOthers!.calendar.components[0]!.attendees.map((a) => a.email).sort()).toEqual([BOB, dave]);
    const stored = alice.calendar.get(uid)!;
    expect(stored.pending).toEqual([]);
    expect(stored.master!.attendees.find((a) => a.email === dave)?.partstat).toBe('ACCEPTED');
    expect((await deliver(bob, await raw(alice, out.queued[1]!))).action).toBe('updated');
  });

  it('asks the organizer for the latest version (REFRESH, RFC 5546 §3.2.6), from the address invited, and gets the REQUEST back', async () => {
    const uid = await invite([BOB_ALIAS, CAROL]);
    const before = JSON.stringify(bob.calendar.get(uid));
    const out = await bob.meetings.requestUpdate({ uid, comment: 'my copy got lost' });
    expect(bob.outbox.list()[0]).toMatchObject({ accountId: 'acct-bob', method: 'REFRESH', to: [ALICE] });
    const msg = await itipOf(await raw(bob, out.queued[0]!));
    expect(msg.method).toBe('REFRESH');
    expect(msg.envelope!.from).toBe(BOB_ALIAS);
    expect(msg.calendar.components[0]!.attendees.map((a) => a.email)).toEqual([BOB_ALIAS]);
    expect(msg.calendar.components[0]!.comment).toEqual(['my copy got lost']);
    expect(JSON.stringify(bob.calendar.get(uid))).toBe(before);
    // The organizer sees it as a pending refresh and answers with the current REQUEST to the asker.
    expect((await deliver(alice, await raw(bob, out.queued[0]!))).detail).toBe('refresh');
    const r = alice.calendar.get(uid)!.pending.find((p) => p.kind === 'refresh')!;
    const sent = await alice.meetings.resolvePending({ uid, pendingId: r.id, action: 'send' });
    expect((await itipOf(await raw(alice, sent.queued[0]!))).envelope!.to).toEqual([BOB_ALIAS]);
    // Only an attendee asks the organizer.
    await expect(alice.meetings.requestUpdate({ uid })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('answers a REFRESH with the current REQUEST to the asker, and declines a COUNTER to the proposer', async () => {
    const uid = await invite([BOB, CAROL], null);
    const now = new Date().toISOString();
    const refresh = await buildRefresh({ uid, organizer: ALICE, me: BOB, now });
    await deliver(alice, refresh.raw);
    const r = alice.calendar.get(uid)!.pending.find((p) => p.kind === 'refresh')!;
    const sent = await alice.meetings.resolvePending({ uid, pendingId: r.id, action: 'send' });
    const req = await itipOf(await raw(alice, sent.queued[0]!));
    expect(req.method).toBe('REQUEST');
    expect(req.envelope!.to).toEqual([BOB]);

    const counter = await buildCounter({
      event: bob.calendar.get(uid)!.master!,
      me: BOB,
      proposed: { start: '2026-12-10T11:00', end: '2026-12-10T11:30', timezone: 'UTC' },
      now: new Date(Date.now() + 1000).toISOString(),
    });
    await deliver(alice, counter.raw);
    const c = alice.calendar.get(uid)!.pending.find((p) => p.kind === 'counter')!;
    const dec = await alice.meetings.resolvePending({ uid, pendingId: c.id, action: 'decline', comment: 'No room then' });
    const dc = await itipOf(await raw(alice, dec.queued[0]!));
    expect(dc.method).toBe('DECLINECOUNTER');
    expect(dc.envelope!.to).toEqual([BOB]);
    expect(dc.calendar.components[0]!.comment).toEqual(['No room then']);
    expect(alice.calendar.get(uid)!.master!.sequence).toBe(0);
    expect(alice.calendar.get(uid)!.pending).toEqual([]);
  });

  it('adding and removing attendees: CANCEL to the removed, REQUEST to the added, the update to the rest', async () => {
    const uid = await invite([BOB, CAROL], null);
    const dave = 'dave@example.test';
    const d = alice.meetings.getMeetingDraft(uid);
    const out = await alice.meetings.saveMeeting({ ...d, attendees: [{ email: BOB }, { email: dave }] });
    expect(out.sequence).toBe(0);
    const msgs = await Promise.all(out.queued.map(async (id) => itipOf(await raw(alice, id))));
    expect(msgs.map((m) => [m.method, m.envelope!.to, m.calendar.components[0]!.sequence])).toEqual([
      ['CANCEL', [CAROL], 0],
      ['REQUEST', [dave], 0],
      ['REQUEST', [BOB], 0],
    ]);
    expect(msgs[0]!.calendar.components[0]!.status).toBe('CANCELLED');
    expect(msgs[1]!.calendar.components[0]!.attendees.map((a) => a.email).sort()).toEqual([BOB, dave]);
    // bob's engine takes the update (same SEQUENCE, later DTSTAMP) even within the same second.
    expect((await deliver(bob, await raw(alice, out.queued[2]!))).action).toBe('updated');
    // Down to no attendees: bob and dave get the CANCEL, and it becomes a personal event.
    const solo = await alice.meetings.saveMeeting({ ...alice.meetings.getMeetingDraft(uid), attendees: [] });
    expect(solo.queued).toHaveLength(1);
    expect((await itipOf(await raw(alice, solo.queued[0]!))).envelope!.to.sort()).toEqual([BOB, dave]);
    expect(alice.calendar.get(uid)!.role).toBe('personal');
    expect((await deliver(bob, await raw(alice, solo.queued[0]!))).action).toBe('cancelled');
  });

  it('refuses what must not be sent', async () => {
    const uid = await invite([BOB]);
    await expect(
      alice.meetings.saveMeeting({ summary: 'x', start: '2026-12-10T09:00', end: '2026-12-10T10:00', timezone: 'UTC', allDay: false, attendees: [{ email: BOB }], organizer: { email: 'mallory@example.test' } }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(bob.meetings.saveMeeting({ ...alice.meetings.getMeetingDraft(uid), organizer: { email: BOB } })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(bob.meetings.cancelMeeting({ uid })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(bob.meetings.respond({ uid: 'nope', partstat: 'ACCEPTED' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(alice.meetings.respond({ uid, partstat: 'ACCEPTED' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    // A summary-only edit keeps SEQUENCE and answers, and still updates the attendees.
    const out = await alice.meetings.saveMeeting({ ...alice.meetings.getMeetingDraft(uid), summary: 'Sync (renamed)' });
    expect(out.sequence).toBe(0);
    expect(out.queued).toHaveLength(1);
    // Saving without any change sends nothing.
    const same = await alice.meetings.saveMeeting(alice.meetings.getMeetingDraft(uid));
    expect(same.queued).toEqual([]);
  });
});

// Issue 11 §1, §2, §5, §6, §8, §10: what the services keep for the invitation screen, read through the view model.
describe('MeetingsService: what the invitation screen shows', () => {
  const ctxFor = (s: Side) => ({ me: s.me, now: '2026-12-01T00:00:00Z', accountFor: () => null });
  const detailOf = (s: Side, uid: string) => detailView(s.calendar.get(uid)!, s.calendar.thread(uid), s.calendar.all(), ctxFor(s));
  /** A single meeting alice sends to one attendee, read back from her outbox (not delivered anywhere yet). */
  const invitation = async (attendee: string) => {
    const out = await alice.meetings.saveMeeting({ summary: 'One-off', start: '2026-12-10T09:00', end: '2026-12-10T09:30', timezone: 'UTC', allDay: false, attendees: [{ email: attendee }], organizer: { email: ALICE } });
    return { out, r: await readMessage(await raw(alice, out.queued[0]!)) };
  };

  it('ignoring an invitation the policy held leaves no entry behind (no "(no title)" ghost)', async () => {
    const { out, r } = await invitation(BOB);
    const d = processRead(r.itip, r.problems, undefined, { me: bob.me, policy: 'known', knownContacts: [], now: new Date().toISOString() });
    expect(d.action).toBe('needs-decision');
    await bob.calendar.put(d.next!);
    const held = detailOf(bob, out.uid);
    expect(held.held).toBe(true);
    // The answer bar is offered for it: it is addressed to me (issue 11 §4).
    expect(held.addressedToMe).toBe(true);
    await bob.meetings.resolvePending({ uid: out.uid, pendingId: bob.calendar.get(out.uid)!.pending[0]!.id, action: 'ignore' });
    expect(bob.calendar.get(out.uid)).toBeUndefined();
    expect(listView(bob.calendar.all(), () => [], ctxFor(bob))).toEqual([]);
  });

  it('a forwarded invitation says who forwarded it and that I am not on the list; it offers no answer bar', async () => {
    const { out, r } = await invitation(CAROL);
    const fwd = { ...r.itip!, envelope: { ...r.itip!.envelope!, from: CAROL, to: [BOB] } };
    const d = processRead(fwd, r.problems, undefined, { me: bob.me, policy: 'always', knownContacts: [], now: new Date().toISOString() });
    expect(d.next!.pending[0]!.kind).toBe('forwarded');
    await bob.calendar.put(d.next!);
    expect(detailOf(bob, out.uid)).toMatchObject({ held: true, addressedToMe: false, forwardedBy: CAROL });
  });

  it('"Do not send a response" changes my calendar and queues nothing', async () => {
    const uid = await invite([BOB], null);
    const out = await bob.meetings.respond({ uid, partstat: 'ACCEPTED', send: false });
    expect(out.queued).toEqual([]);
    expect(bob.outbox.list()).toEqual([]);
    expect(detailOf(bob, uid).myAnswer).toMatchObject({ partstat: 'ACCEPTED' });
    expect(detailOf(bob, uid).myPartstat).toBe('ACCEPTED');
  });

  it("the organizer's board shows an attendee's answer to one occurrence, with the comment", async () => {
    const uid = await invite([BOB, CAROL]);
    const rid = '2026-12-11T09:00:00Z';
    const all = await bob.meetings.respond({ uid, partstat: 'ACCEPTED' });
    const one = await bob.meetings.respond({ uid, partstat: 'DECLINED', recurrenceId: rid, comment: 'Dentist that day' });
    for (const id of [...all.queued, ...one.queued]) expect((await deliver(alice, await raw(bob, id))).action).toBe('reply-applied');
    const board = detailOf(alice, uid).attendees;
    const b = board.find((a) => a.email === BOB)!;
    expect(b.partstat).toBe('ACCEPTED');
    expect(b.exceptions).toEqual([{ recurrenceId: rid, start: rid, allDay: false, partstat: 'DECLINED', comment: 'Dentist that day' }]);
    expect(board.find((a) => a.email === CAROL)!.exceptions).toBeUndefined();
    // Bob's own view lists the day he declined.
    expect(detailOf(bob, uid).myOccurrenceAnswers).toEqual([{ recurrenceId: rid, start: rid, allDay: false, partstat: 'DECLINED', comment: 'Dentist that day' }]);
  });

  it("a cancelled occurrence keeps the organizer's reason on both sides", async () => {
    const uid = await invite([BOB]);
    const rid = '2026-12-12T09:00:00Z';
    const out = await alice.meetings.cancelMeeting({ uid, recurrenceId: rid, comment: 'Christmas break' });
    expect((await deliver(bob, await raw(alice, out.queued[0]!))).action).toBe('cancelled');
    for (const s of [alice, bob]) expect(detailOf(s, uid).cancelledOccurrences).toEqual([{ recurrenceId: rid, start: rid, allDay: false, by: ALICE, comment: 'Christmas break' }]);
  });

  it('an update keeps what it replaced: the attendee sees the old and the new time and place', async () => {
    const uid = await invite([BOB], null);
    expect(detailOf(bob, uid).changes).toBeNull();
    const out = await alice.meetings.saveMeeting({ ...alice.meetings.getMeetingDraft(uid), start: '2026-12-10T11:00', end: '2026-12-10T11:30', location: 'Room 7', attendees: [{ email: BOB }, { email: CAROL }] });
    expect((await deliver(bob, await raw(alice, out.queued.at(-1)!))).action).toBe('updated');
    const changes = detailOf(bob, uid).changes!;
    expect(changes.recurrenceId).toBeNull();
    expect(changes.items).toEqual([
      { field: 'time', before: { start: '2026-12-10T09:00:00Z', end: '2026-12-10T09:30:00Z', allDay: false }, after: { start: '2026-12-10T11:00:00Z', end: '2026-12-10T11:30:00Z', allDay: false } },
      { field: 'location', before: null, after: 'Room 7' },
      { field: 'attendees', added: [{ email: CAROL, cn: null }], removed: [] },
    ]);
  });

  it('a proposal of a new time shows as waiting until the organizer sends something after it', async () => {
    const uid = await invite([BOB], null);
    await bob.meetings.proposeNewTime({ uid, start: '2026-12-10T14:00', end: '2026-12-10T14:30', timezone: 'UTC', comment: 'After lunch?' });
    const p = detailOf(bob, uid).proposal!;
    expect(p).toMatchObject({ start: '2026-12-10T14:00:00Z', end: '2026-12-10T14:30:00Z', comment: 'After lunch?', waiting: true });
    await bob.calendar.addToThread(uid, { key: 'k1', method: 'DECLINECOUNTER', from: ALICE, subject: 's', date: new Date(Date.parse(p.sentAt) + 60_000).toISOString(), action: 'updated', reason: 'declined' });
    expect(detailOf(bob, uid).proposal!.waiting).toBe(false);
  });

  it('the thread knows who answered what: my own sent REPLY and the organizer-side applied ones', async () => {
    const uid = await invite([BOB], null);
    const out = await bob.meetings.respond({ uid, partstat: 'TENTATIVE' });
    const sentAt = bob.calendar.get(uid)!.replies[0]!.dtstamp!;
    // Before its copy in Sent comes back, the thread shows my answer from my own record.
    expect(detailOf(bob, uid).thread.map((t) => [t.method, t.mine, t.partstat])).toEqual([['REPLY', true, 'TENTATIVE']]);
    // The copy in Sent comes back through the sync; the engine does not apply it to an attendee's copy.
    await bob.calendar.addToThread(uid, { key: 'sent1', method: 'REPLY', from: `Bob <${BOB}>`, subject: 's', date: sentAt, action: 'rejected', reason: 'REPLY to an event I do not organize' });
    expect(detailOf(bob, uid).thread.at(-1)).toMatchObject({ key: 'sent1', mine: true, partstat: 'TENTATIVE' });
    expect(detailOf(bob, uid).thread.filter((t) => t.method === 'REPLY')).toHaveLength(1);
    const d = await deliver(alice, await raw(bob, out.queued[0]!));
    await alice.calendar.addToThread(uid, { key: 'in1', method: 'REPLY', from: BOB, subject: 's', date: sentAt, action: d.action, reason: d.reason });
    expect(detailOf(alice, uid).thread.at(-1)).toMatchObject({ partstat: 'TENTATIVE', recurrenceId: null });
    expect(detailOf(alice, uid).thread.at(-1)!.mine).toBeUndefined();
  });
});
