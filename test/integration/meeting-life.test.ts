// The whole life of a meeting on the real test servers (Dovecot + SMTP → LMTP), three accounts: alice organizes,
// bob and carol are invited. Receiving is the real SyncService (bob sees the invitation through IDLE); sending is
// MeetingsService + the durable Outbox over SMTP. Every message is read back from the recipient's mailbox and
// checked on the wire (MIME structure, method=, SEQUENCE, From/ORGANIZER, recipients, `convene lint`), and the
// other side's engine processes each REQUEST, REPLY, COUNTER and CANCEL (round trip).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sameAddress } from '../../shared/itip/address';
import { findReply } from '../../shared/itip/event-state';
import type { StoredEvent } from '../../shared/itip/types';
import { startMailServers, type MailServers, type TestUser } from '../servers/mail-servers';
import { scenarioSteps } from '../servers/steps';
import { waitFor } from '../servers/wait';
import { itipIn, makeParty, type Party, type WireFacts } from './meeting-party';

let servers: MailServers;
let alice: Party;
let bob: Party;
let carol: Party;

beforeAll(async () => {
  servers = await startMailServers();
  const [a, b, c] = await Promise.all([servers.addUser('alice'), servers.addUser('bob'), servers.addUser('carol')]);
  alice = await makeParty(servers, a);
  bob = await makeParty(servers, b);
  carol = await makeParty(servers, c);
  // The receivers are connected and idling before anything is sent.
  await Promise.all([alice, bob, carol].map((p) => waitFor(() => p.sync!.status()[0]?.state === 'idle', { what: `${p.user.name} idle`, timeoutMs: 20_000 })));
});

afterAll(async () => {
  for (const p of [alice, bob, carol]) await p?.close();
  await servers?.stop();
});

const WAIT = { timeoutMs: 20_000 };

/** Waits until `user`'s inbox holds `n` iTIP messages and returns them. */
async function inbox(user: TestUser, n: number): Promise<WireFacts[]> {
  return waitFor(async () => {
    const list = await itipIn(servers, user);
    return list.length >= n ? list : null;
  }, { ...WAIT, what: `${n} iTIP messages for ${user.name}` });
}

function processedOf(p: Party, method: string, uid: string): string[] {
  return p.processed.filter((x) => x.method === method && x.uid === uid && x.mailbox === 'INBOX').map((x) => x.action);
}

function attendee(ev: StoredEvent | undefined, email: string) {
  return ev?.master?.attendees.find((a) => sameAddress(a.email, email));
}

describe('the life of a meeting', () => {
  // invite → accept → reschedule → counter → accept counter → decline → remove carol → cancel one → cancel all:
  // one scenario in named steps (each reports on its own; a failure skips the steps after it).
  const step = scenarioSteps();
  let A: string;
  let B: string;
  let C: string;
  let uid: string;
  let pending: { id: string };
  const second = '2026-12-08T15:00:00Z';

  step('1. alice invites bob and carol to a weekly meeting', async () => {
    [A, B, C] = [alice.user.email, bob.user.email, carol.user.email];
    const created = await alice.meetings.saveMeeting({
      summary: 'Planning',
      description: 'Quarterly planning',
      location: 'Room 1',
      start: '2026-12-01T10:00',
      end: '2026-12-01T11:00',
      timezone: 'Europe/Berlin',
      allDay: false,
      rrule: 'FREQ=WEEKLY;COUNT=4',
      attendees: [{ email: B, cn: 'Bob' }, { email: C, cn: 'Carol' }],
      organizer: { email: A, cn: 'Alice' },
    });
    uid = created.uid;
    expect(created.sequence).toBe(0);
    expect(created.queued).toHaveLength(1);
    expect(alice.calendar.get(uid)?.role).toBe('organizer');
    await alice.outbox.drain();

    for (const [p, n] of [
      [bob, 1],
      [carol, 1],
    ] as const) {
      const [req] = await inbox(p.user, n);
      expect(req).toMatchObject({ method: 'REQUEST', sequence: 0, organizer: A, from: A, status: 'CONFIRMED' });
      expect(req!.to.sort()).toEqual([B, C].sort());
      expect(req!.attendees.sort()).toEqual([B, C].sort());
    }
    // alice's Sent folder holds the copy (same Message-ID).
    const sentItem = alice.outbox.details().find((d) => d.uid === uid)!;
    expect(sentItem).toMatchObject({ state: 'sent', filed: 'done', attempts: 1 });
  });

  step('2. bob’s client sees it through IDLE (no syncNow)', async () => {
    await waitFor(() => bob.calendar.get(uid), { ...WAIT, what: 'the invitation in bob’s calendar' });
    expect(processedOf(bob, 'REQUEST', uid)).toEqual(['created']);
    expect(bob.calendar.get(uid)!.myAddress).toBe(B);
    await waitFor(() => carol.calendar.get(uid), { ...WAIT, what: 'the invitation in carol’s calendar' });
  });

  step('3. bob accepts with a comment', async () => {
    const beforeRespond = Math.floor(Date.now() / 1000) * 1000;
    const acc = await bob.meetings.respond({ uid, partstat: 'ACCEPTED', comment: 'See you there' });
    expect(acc.queued).toHaveLength(1);
    // The local calendar shows the answer at once (before anything is sent).
    expect(attendee(bob.calendar.get(uid), B)?.partstat).toBe('ACCEPTED');
    expect(findReply(bob.calendar.get(uid)!.replies, B, null)).toMatchObject({ partstat: 'ACCEPTED', comment: 'See you there', sequence: 0 });
    await bob.outbox.drain();

    const [reply] = await inbox(alice.user, 1);
    expect(reply).toMatchObject({ method: 'REPLY', sequence: 0, organizer: A, from: B, to: [A], cc: [] });
    expect(reply!.attendees).toEqual([B]); // RFC 5546 §3.2.3: exactly one ATTENDEE
    expect(reply!.components[0]!.comment).toEqual(['See you there']);
    // A fresh DTSTAMP: the time of the answer (not the invitation's).
    expect(Date.parse(reply!.components[0]!.dtstamp!)).toBeGreaterThanOrEqual(beforeRespond);
    expect(Date.parse(reply!.components[0]!.dtstamp!)).toBeLessThanOrEqual(Date.now());
    // The REPLY reached alice only: carol's inbox still holds just the REQUEST.
    expect((await itipIn(servers, carol.user)).map((m) => m.method)).toEqual(['REQUEST']);
  });

  step('4. alice’s calendar shows bob ACCEPTED with the comment (her engine applied the REPLY)', async () => {
    await waitFor(() => attendee(alice.calendar.get(uid), B)?.partstat === 'ACCEPTED', { ...WAIT, what: 'bob ACCEPTED at alice' });
    expect(findReply(alice.calendar.get(uid)!.replies, B, null)).toMatchObject({ partstat: 'ACCEPTED', comment: 'See you there' });
    expect(processedOf(alice, 'REPLY', uid)).toEqual(['reply-applied']);
  });

  step('5. alice reschedules: SEQUENCE 1, bob back to NEEDS-ACTION', async () => {
    const draft = alice.meetings.getMeetingDraft(uid);
    expect(draft).toMatchObject({ start: '2026-12-01T10:00', end: '2026-12-01T11:00', timezone: 'Europe/Berlin', rrule: 'FREQ=WEEKLY;COUNT=4' });
    const moved = await alice.meetings.saveMeeting({ ...draft, start: '2026-12-01T14:00', end: '2026-12-01T15:00' });
    expect(moved.sequence).toBe(1);
    expect(attendee(alice.calendar.get(uid), B)?.partstat).toBe('NEEDS-ACTION');
    await alice.outbox.drain();
    for (const p of [bob, carol]) {
      const list = await inbox(p.user, 2);
      expect(list[1]).toMatchObject({ method: 'REQUEST', sequence: 1, organizer: A, from: A });
      expect(list[1]!.components[0]!.start!.utc).toBe('2026-12-01T13:00:00Z');
    }
    await waitFor(() => bob.calendar.get(uid)?.master?.sequence === 1, { ...WAIT, what: 'the update at bob' });
    expect(attendee(bob.calendar.get(uid), B)?.partstat).toBe('NEEDS-ACTION');
  });

  step('6. bob proposes a new time (COUNTER to alice only)', async () => {
    await bob.meetings.proposeNewTime({ uid, start: '2026-12-01T16:00', end: '2026-12-01T17:00', timezone: 'Europe/Berlin', comment: 'Later?' });
    await bob.outbox.drain();
    const [, counter] = await inbox(alice.user, 2);
    expect(counter).toMatchObject({ method: 'COUNTER', sequence: 1, organizer: A, from: B, to: [A] });
    expect(counter!.components[0]!.start!.utc).toBe('2026-12-01T15:00:00Z');
    pending = await waitFor(() => alice.calendar.get(uid)?.pending.find((p) => p.kind === 'counter'), { ...WAIT, what: 'the counter at alice' });
    expect((await itipIn(servers, carol.user)).map((m) => m.method)).toEqual(['REQUEST', 'REQUEST']);
  });

  step('7. alice accepts the counter: REQUEST with the proposed time to all, SEQUENCE 2', async () => {
    const accepted = await alice.meetings.resolvePending({ uid, pendingId: pending.id, action: 'accept' });
    expect(accepted.queued).toHaveLength(1);
    expect(alice.calendar.get(uid)!.pending).toEqual([]);
    expect(alice.calendar.get(uid)!.master!.sequence).toBe(2);
    await alice.outbox.drain();
    for (const p of [bob, carol]) {
      const list = await inbox(p.user, 3);
      expect(list[2]).toMatchObject({ method: 'REQUEST', sequence: 2, organizer: A, from: A });
      expect(list[2]!.components[0]!.start!.utc).toBe('2026-12-01T15:00:00Z');
      expect(list[2]!.to.sort()).toEqual([B, C].sort());
    }
    await waitFor(() => bob.calendar.get(uid)?.master?.sequence === 2, { ...WAIT, what: 'the accepted counter at bob' });
    expect(bob.calendar.get(uid)!.master!.start!.utc).toBe('2026-12-01T15:00:00Z');
  });

  step('8. bob declines', async () => {
    await bob.meetings.respond({ uid, partstat: 'DECLINED', comment: 'Cannot make it after all' });
    expect(attendee(bob.calendar.get(uid), B)?.partstat).toBe('DECLINED');
    await bob.outbox.drain();
    const [, , decline] = await inbox(alice.user, 3);
    expect(decline).toMatchObject({ method: 'REPLY', sequence: 2, from: B, to: [A], attendees: [B] });
    await waitFor(() => attendee(alice.calendar.get(uid), B)?.partstat === 'DECLINED', { ...WAIT, what: 'bob DECLINED at alice' });
  });

  step('9. alice removes carol: carol gets a CANCEL, bob the update', async () => {
    const d2 = alice.meetings.getMeetingDraft(uid);
    const removed = await alice.meetings.saveMeeting({ ...d2, attendees: d2.attendees.filter((a) => a.email !== C) });
    expect(removed.sequence).toBe(2); // the attendee list is not a significant change
    expect(removed.queued).toHaveLength(2);
    await alice.outbox.drain();
    const carolList = await inbox(carol.user, 4);
    expect(carolList[3]).toMatchObject({ method: 'CANCEL', sequence: 2, organizer: A, from: A, to: [C], status: 'CANCELLED', attendees: [C] });
    const bobList = await inbox(bob.user, 4);
    expect(bobList[3]).toMatchObject({ method: 'REQUEST', sequence: 2, to: [B], attendees: [B] });
    await waitFor(() => carol.calendar.get(uid)?.cancelled, { ...WAIT, what: 'carol’s copy cancelled' });
    expect(processedOf(carol, 'CANCEL', uid)).toEqual(['cancelled']);
  });

  step('10. one occurrence of the recurring meeting is cancelled', async () => {
    const one = await alice.meetings.cancelMeeting({ uid, recurrenceId: second, comment: 'Holiday' });
    expect(one.queued).toHaveLength(1);
    expect(alice.calendar.get(uid)!.overrides.find((o) => o.recurrenceId === second)?.status).toBe('CANCELLED');
    await alice.outbox.drain();
    const bobList2 = await inbox(bob.user, 5);
    expect(bobList2[4]).toMatchObject({ method: 'CANCEL', recurrenceId: second, status: 'CANCELLED', organizer: A, from: A, to: [B] });
    expect(bobList2[4]!.sequence).toBeGreaterThanOrEqual(2);
    await waitFor(() => bob.calendar.get(uid)?.overrides.find((o) => o.recurrenceId === second)?.status === 'CANCELLED', {
      ...WAIT,
      what: 'the cancelled occurrence at bob',
    });
    expect(bob.calendar.get(uid)!.cancelled).toBe(false);
  });

  step('11. the whole meeting is cancelled', async () => {
    const all = await alice.meetings.cancelMeeting({ uid });
    expect(all.queued).toHaveLength(1);
    expect(alice.calendar.get(uid)!.cancelled).toBe(true);
    await alice.outbox.drain();
    const bobList3 = await inbox(bob.user, 6);
    expect(bobList3[5]).toMatchObject({ method: 'CANCEL', sequence: 3, status: 'CANCELLED', recurrenceId: null, organizer: A, from: A, to: [B] });
    await waitFor(() => bob.calendar.get(uid)?.cancelled, { ...WAIT, what: 'bob’s copy cancelled' });
  });

  step('12. every message left exactly once; carol never received a REPLY or COUNTER; all of alice’s went to Sent', async () => {
    expect((await itipIn(servers, carol.user)).map((m) => m.method)).toEqual(['REQUEST', 'REQUEST', 'REQUEST', 'CANCEL']);
    expect((await itipIn(servers, bob.user)).map((m) => m.method)).toEqual(['REQUEST', 'REQUEST', 'REQUEST', 'REQUEST', 'CANCEL', 'CANCEL']);
    const aliceOut = alice.outbox.details();
    expect(aliceOut.every((d) => d.state === 'sent' && d.attempts === 1 && d.filed === 'done')).toBe(true);
    const aliceSent = await itipIn(servers, alice.user, 'Sent');
    expect(aliceSent.map((m) => m.messageId).sort()).toEqual(aliceOut.map((d) => d.messageId).sort());
    expect(processedOf(bob, 'REQUEST', uid).every((a) => a === 'created' || a === 'updated')).toBe(true);
    expect(processedOf(bob, 'CANCEL', uid)).toEqual(['cancelled', 'cancelled']);
    expect(processedOf(alice, 'REPLY', uid)).toEqual(['reply-applied', 'reply-applied']);
  });

  it('a meeting with no attendees is a personal event: stored, never sent', async () => {
    const before = alice.outbox.list().length;
    const out = await alice.meetings.saveMeeting({
      summary: 'Focus time',
      start: '2026-12-02T09:00',
      end: '2026-12-02T10:00',
      timezone: 'Europe/Berlin',
      allDay: false,
      attendees: [],
      organizer: { email: alice.user.email },
    });
    expect(out.queued).toEqual([]);
    expect(alice.calendar.get(out.uid)?.role).toBe('personal');
    expect(alice.outbox.list()).toHaveLength(before);
  });
});
