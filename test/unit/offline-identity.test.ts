// Offline work becomes the first account's: meetings organized (and invitations answered) with no account use the
// local identity (me@convene.invalid); the outbox never hands such a message to SMTP (it stays queued, "waiting for
// an account"); adopting the account rebuilds every queued message through the engine builders for the account
// (same outbox ids, same order, validated again) and re-addresses the stored events. Real CalendarStore, Outbox and
// MeetingsService on a temp dir, and a real smtp-server on loopback to see what goes on the wire.
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox, WAITING_FOR_ACCOUNT } from '../../electron/mail/smtp/outbox';
import { smtpSender } from '../../electron/mail/smtp/transport';
import { MeetingsService, type ServiceIdentity } from '../../electron/services/meetings-service';
import { createCore } from '../../electron/core';
import { CalendarStore } from '../../electron/store/calendar-store';
import { LOCAL_IDENTITY } from '../../shared/api';
import { lintMessage } from '../../shared/itip/lint';
import { readMessage } from '../../shared/itip/message';
import { processRead } from '../../shared/itip/process';
import { waitFor } from '../servers/wait';

interface Wire {
  mailFrom: string;
  rcptTo: string[];
  raw: string;
}

const ALICE = 'alice@example.test';
const BOB = 'bob@example.test';
const CAROL = 'carol@example.test';
const DAVE = 'dave@example.test';
const LOCAL: ServiceIdentity = { accountId: null, email: LOCAL_IDENTITY, aliases: [] };
const ACCOUNT: ServiceIdentity = { accountId: 'acct-alice', email: ALICE, aliases: [], displayName: 'Alice' };

let dir: string;
let server: SMTPServer;
let port: number;
let wire: Wire[];
let smtpCalls: number;
let identity: ServiceIdentity;
let calendar: CalendarStore;
let outbox: Outbox;
let meetings: MeetingsService;
let closeSender: () => void;

async function openSide(): Promise<void> {
  calendar = await CalendarStore.open(join(dir, 'calendar'));
  const sender = smtpSender(async () => ({ smtp: { host: '127.0.0.1', port, security: 'none', user: '' }, password: null }));
  closeSender = () => sender.close();
  outbox = await Outbox.open(join(dir, 'outbox'), {
    sendRaw: (item) => {
      smtpCalls++;
      return sender.sendRaw(item);
    },
    backoff: { baseMs: 40, maxMs: 400 },
  });
  meetings = new MeetingsService({ calendar, outbox, identities: () => [identity] });
  outbox.start();
}

async function closeSide(): Promise<void> {
  await outbox.stop();
  closeSender();
  await calendar.close();
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convene-offline-id-'));
  wire = [];
  smtpCalls = 0;
  identity = LOCAL;
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, session, cb) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        wire.push({
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.server.address() as AddressInfo).port;
  await openSide();
});

afterEach(async () => {
  await closeSide();
  await new Promise<void>((r) => server.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

/** Carol's invitation to the local identity, as an opened .ics would bring it (built by carol's own service). */
async function carolInvitesMe(): Promise<string> {
  const cdir = join(dir, 'carol');
  const ccal = await CalendarStore.open(join(cdir, 'calendar'));
  const cout = await Outbox.open(join(cdir, 'outbox'), { sendRaw: async () => undefined });
  const carol = new MeetingsService({ calendar: ccal, outbox: cout, identities: () => [{ accountId: 'c', email: CAROL, aliases: [] }] });
  const made = await carol.saveMeeting({
    summary: 'Carol planning',
    start: '2030-05-02T10:00',
    end: '2030-05-02T11:00',
    timezone: 'UTC',
    allDay: false,
    attendees: [{ email: LOCAL_IDENTITY }],
    organizer: { email: CAROL },
  });
  const bytes = await cout.raw(made.queued[0]!);
  await ccal.close();
  const read = await readMessage(bytes);
  const d = processRead(read.itip, read.problems, undefined, { me: [LOCAL_IDENTITY], policy: 'always', knownContacts: [], now: new Date().toISOString() });
  expect(d.action).toBe('created');
  await calendar.put(d.next!);
  return made.uid;
}

describe('offline identity → first account', () => {
  it('never sends From me@convene.invalid, then re-addresses the queue and the calendar to the account', async () => {
    // Offline: a meeting with bob and carol, then carol removed (CANCEL to her + update to bob), a second meeting,
    // and an answer to an invitation addressed to the local identity.
    const a = await meetings.saveMeeting({
      summary: 'Roadmap',
      start: '2030-05-01T09:00',
      end: '2030-05-01T10:00',
      timezone: 'Europe/Berlin',
      allDay: false,
      attendees: [{ email: BOB }, { email: CAROL }],
      organizer: { email: LOCAL_IDENTITY },
    });
    await meetings.saveMeeting({ ...meetings.getMeetingDraft(a.uid), attendees: [{ email: BOB }] });
    const b = await meetings.saveMeeting({
      summary: 'Budget',
      start: '2030-05-03T14:00',
      end: '2030-05-03T15:00',
      timezone: 'UTC',
      allDay: false,
      attendees: [{ email: DAVE }],
      organizer: { email: LOCAL_IDENTITY },
    });
    const invited = await carolInvitesMe();
    await meetings.respond({ uid: invited, partstat: 'ACCEPTED', comment: 'see you' });

    const before = outbox.details();
    expect(before.map((i) => i.method)).toEqual(['REQUEST', 'CANCEL', 'REQUEST', 'REQUEST', 'REPLY']);
    // The outbox refuses them: queued with the reason, SMTP never tried, even when kicked; drain does not hang.
    outbox.kick();
    await outbox.drain();
    expect(outbox.list().every((i) => i.state === 'queued' && i.lastError === WAITING_FOR_ACCOUNT)).toBe(true);
    expect(smtpCalls).toBe(0);
    expect(wire).toEqual([]);

    // ... and so after a restart.
    await closeSide();
    await openSide();
    outbox.kick();
    await outbox.drain();
    expect(outbox.list().map((i) => [i.id, i.state, i.lastError])).toEqual(before.map((i) => [i.id, 'queued', WAITING_FOR_ACCOUNT]));
    expect(smtpCalls).toBe(0);

    // The first account arrives.
    identity = ACCOUNT;
    const out = await meetings.adoptIdentity(ACCOUNT);
    expect(out.left).toEqual([]);
    expect(out.readdressed).toEqual(before.map((i) => i.id));
    expect(out.events.sort()).toEqual([a.uid, b.uid, invited].sort());
    await waitFor(() => outbox.list().every((i) => i.state === 'sent'), { what: 'every re-addressed message sent' });

    // Same ids, same order, same meetings; new Message-IDs on the account's domain; nothing waits any more.
    const after = outbox.details();
    expect(after.map((i) => [i.id, i.uid, i.method])).toEqual(before.map((i) => [i.id, i.uid, i.method]));
    expect(after.every((i) => i.accountId === 'acct-alice' && i.lastError === null && /@example\.test>$/.test(i.messageId))).toBe(true);

    // On the wire: in enqueue order, From the account (envelope and header), ORGANIZER the account, never .invalid.
    expect(wire).toHaveLength(5);
    for (const w of wire) {
      expect(w.raw).not.toMatch(/convene\.invalid/i);
      expect(w.mailFrom).toBe(ALICE);
      expect(w.raw).toMatch(/^From: (?:"?Alice"? )?<?alice@example\.test>?\r?$/m);
      expect((await lintMessage(new TextEncoder().encode(w.raw))).filter((p) => p.severity === 'error')).toEqual([]);
    }
    const itips = await Promise.all(wire.map(async (w) => (await readMessage(new TextEncoder().encode(w.raw))).itip!));
    expect(itips.map((m) => m.method)).toEqual(['REQUEST', 'CANCEL', 'REQUEST', 'REQUEST', 'REPLY']);
    expect(wire.map((w) => w.rcptTo)).toEqual([[BOB, CAROL], [CAROL], [BOB], [DAVE], [CAROL]]);
    for (const m of itips.slice(0, 4)) expect(m.calendar.components[0]!.organizer?.email).toBe(ALICE);
    // The update keeps its wording and revision; the reply carries my answer as the account's ATTENDEE.
    expect(itips[2]!.envelope?.subject).toMatch(/^Updated invitation: Roadmap/);
    const reply = itips[4]!.calendar.components[0]!;
    expect(reply.organizer?.email).toBe(CAROL);
    expect(reply.attendees.map((x) => [x.email, x.partstat])).toEqual([[ALICE, 'ACCEPTED']]);
    expect(reply.comment).toEqual(['see you']);

    // Bob's engine takes the rebuilt invitation as a normal one from alice.
    const bobSees = processRead(itips[0]!, [], undefined, { me: [BOB], policy: 'always', knownContacts: [], now: new Date().toISOString() });
    expect(bobSees.action).toBe('created');
    expect(bobSees.next?.master?.organizer?.email).toBe(ALICE);

    // The calendar follows: the organizer copies are alice's, the attendee copy answers as alice.
    for (const uid of [a.uid, b.uid]) {
      const ev = calendar.get(uid)!;
      expect(ev.master?.organizer?.email).toBe(ALICE);
      expect(ev.myAddress).toBe(ALICE);
      expect(ev.master?.ics).toContain('mailto:alice@example.test');
      expect(ev.master?.ics).not.toMatch(/convene\.invalid/i);
    }
    const mine = calendar.get(invited)!;
    expect(mine.myAddress).toBe(ALICE);
    expect(mine.master?.organizer?.email).toBe(CAROL);
    expect(mine.master?.attendees.find((x) => x.email === ALICE)?.partstat).toBe('ACCEPTED');
    expect(mine.replies.map((r) => r.email)).toEqual([ALICE]);
    // Later actions work as the account: editing the meeting sends an update From alice.
    await meetings.saveMeeting({ ...meetings.getMeetingDraft(b.uid), summary: 'Budget (moved)' });
    await waitFor(() => wire.length === 6, { what: 'the edit sent' });
    expect(wire[5]!.mailFrom).toBe(ALICE);

    // Adopting again (a restart after a crash mid-way) changes nothing.
    const again = await meetings.adoptIdentity(ACCOUNT);
    expect(again).toEqual({ readdressed: [], left: [], events: [] });
  });

  it('after the account arrives the local identity is not mine any more; the meeting is edited as the account', async () => {
    const m = await meetings.saveMeeting({
      summary: 'Solo then team',
      start: '2030-06-01T09:00',
      end: '2030-06-01T10:00',
      timezone: 'UTC',
      allDay: false,
      attendees: [{ email: BOB }],
      organizer: { email: LOCAL_IDENTITY },
    });
    const [item] = outbox.list();
    expect(item?.lastError).toBe(WAITING_FOR_ACCOUNT);
    // The account arrives but the service cannot build as the local identity any more: organizing as LOCAL fails.
    identity = ACCOUNT;
    await expect(meetings.saveMeeting({ ...meetings.getMeetingDraft(m.uid), summary: 'x' })).rejects.toThrow(/not one of my addresses/);
    const out = await meetings.adoptIdentity(ACCOUNT);
    expect(out.readdressed).toEqual([item!.id]);
    await waitFor(() => wire.length === 1, { what: 'the invitation sent' });
    expect(wire[0]!.mailFrom).toBe(ALICE);
    expect(wire[0]!.rcptTo).toEqual([BOB]);
    expect(meetings.getMeetingDraft(m.uid).organizer.email).toBe(ALICE);
  });

  it('core.saveAccount of the first account re-addresses what was queued offline', async () => {
    const core = await createCore({ dataDir: join(dir, 'core'), shell: 'browser' });
    try {
      const saved = await core.saveMeeting({
        summary: 'Offline kickoff',
        start: '2030-07-01T09:00',
        end: '2030-07-01T10:00',
        timezone: 'UTC',
        allDay: false,
        attendees: [{ email: BOB }],
        organizer: { email: LOCAL_IDENTITY },
      });
      expect(saved.ok).toBe(true);
      const queued = await core.listOutbox();
      expect(queued.ok && queued.value.map((i) => [i.state, i.lastError])).toEqual([['queued', WAITING_FOR_ACCOUNT]]);

      const acct = await core.saveAccount({
        name: 'Work',
        email: ALICE,
        displayName: 'Alice',
        aliases: [],
        // IMAP is never reached in this test (sync fails quietly in the background); SMTP is the loopback server.
        imap: { host: '127.0.0.1', port: 1, security: 'none', user: 'alice' },
        smtp: { host: '127.0.0.1', port, security: 'none', user: '' },
      });
      expect(acct.ok).toBe(true);
      await waitFor(async () => {
        const l = await core.listOutbox();
        return l.ok && l.value.length === 1 && l.value[0]!.state === 'sent';
      }, { what: 'the re-addressed invitation sent' });
      expect(wire).toHaveLength(1);
      expect(wire[0]!.mailFrom).toBe(ALICE);
      expect(wire[0]!.raw).not.toMatch(/convene\.invalid/i);
      const itip = (await readMessage(new TextEncoder().encode(wire[0]!.raw))).itip!;
      expect(itip.calendar.components[0]!.organizer?.email).toBe(ALICE);
      const detail = await core.getInvitation({ uid: saved.ok ? saved.value.uid : '' });
      expect(detail.ok && detail.value.organizer?.email).toBe(ALICE);
      expect(detail.ok && detail.value.role).toBe('organizer');
    } finally {
      await core.close();
    }
  });
});
