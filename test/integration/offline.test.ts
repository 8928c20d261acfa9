// Offline first, and crashes: the calendar changes at once and the messages wait in the durable outbox while the
// servers are down; they drain in order when the servers are back. Then the sending process (a separate node
// process running the outbox on the same directory) is SIGKILLed in the middle of an SMTP transaction and
// restarted: every attendee receives every message exactly once, in order. Last, the one window a crash cannot
// close (after the server's 250, before 'sent' is on disk) is exercised: the message goes out again with the same
// Message-ID and the receiving engine recognises the copy as a duplicate (docs/OUTBOX.md).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Outbox } from '../../electron/mail/smtp/outbox';
import { MeetingsService } from '../../electron/services/meetings-service';
import { CalendarStore } from '../../electron/store/calendar-store';
import { readMessage } from '../../shared/itip/message';
import { processRead } from '../../shared/itip/process';
import type { Decision, StoredEvent } from '../../shared/itip/types';
import { startMailServers, type MailServers, type TestUser } from '../servers/mail-servers';
import { waitFor } from '../servers/wait';
import type { ChildConfig } from './outbox-child';
import { itipIn, mailbox, makeParty, type Party } from './meeting-party';

let servers: MailServers;
let alice: Party;
let bob: TestUser;
let carol: TestUser;
let work: string;
let childScript: string;

beforeAll(async () => {
  servers = await startMailServers();
  const a = await servers.addUser('alice');
  bob = await servers.addUser('bob');
  carol = await servers.addUser('carol');
  alice = await makeParty(servers, a, { sync: false });
  work = await mkdtemp(join(tmpdir(), 'convene-offline-'));
  // The child sending process: bundled to one .mjs (nodemailer and imapflow are CommonJS: give the bundle a require).
  childScript = join(work, 'outbox-child.mjs');
  await build({
    entryPoints: [resolve(__dirname, 'outbox-child.ts')],
    outfile: childScript,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
});

afterAll(async () => {
  await alice?.close();
  await servers?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const WAIT = { timeoutMs: 20_000 };

function draft(attendees: string[], start: string, end: string, location = 'Room 1') {
  return {
    summary: 'Offline planning',
    start,
    end,
    timezone: 'Europe/Berlin',
    allDay: false,
    location,
    attendees: attendees.map((email) => ({ email })),
    organizer: { email: alice.user.email },
  };
}

/**
 * alice's app in `dir` while its sender is not running: saving a meeting only enqueues, into the same outbox
 * directory the child process (runChild) then sends from.
 */
async function enqueueOnly(dir: string): Promise<{ calendar: CalendarStore; enqueuer: Outbox; meetings: MeetingsService }> {
  const calendar = await CalendarStore.open(join(dir, 'calendar'));
  const enqueuer = await Outbox.open(join(dir, 'outbox'), { sendRaw: async () => { throw new Error('never called'); } });
  const meetings = new MeetingsService({
    calendar,
    outbox: enqueuer,
    identities: () => [{ accountId: alice.accountId, email: alice.user.email, aliases: [] }],
  });
  return { calendar, enqueuer, meetings };
}

/** Each of bob's and carol's iTIP messages for `uid`, oldest first: method, SEQUENCE and Message-ID. */
async function received(user: TestUser, uid: string): Promise<{ method: string; sequence: number; messageId: string | null }[]> {
  return (await itipIn(servers, user))
    .filter((m) => m.components[0]?.uid === uid)
    .map((m) => ({ method: m.method, sequence: m.sequence, messageId: m.messageId }));
}

describe('offline', () => {
  it('with the SMTP (and IMAP) server down: the calendar changes at once; after restart each message arrives once, in order', async () => {
    await servers.stopSmtp();
    await servers.stopImap();
    try {
      await offlineLife();
    } finally {
      // Later tests need the servers whatever happened here.
      await servers.startSmtp().catch(() => undefined);
      await servers.startImap().catch(() => undefined);
    }
  });

  async function offlineLife(): Promise<void> {
    const created = await alice.meetings.saveMeeting(draft([bob.email, carol.email], '2026-12-03T10:00', '2026-12-03T11:00'));
    const uid = created.uid;
    // The calendar shows it at once, and each step after it.
    expect(alice.calendar.get(uid)?.master?.sequence).toBe(0);
    const d1 = alice.meetings.getMeetingDraft(uid);
    const moved = await alice.meetings.saveMeeting({ ...d1, start: '2026-12-03T12:00', end: '2026-12-03T13:00' });
    expect(moved.sequence).toBe(1);
    expect(alice.calendar.get(uid)?.master?.start?.utc).toBe('2026-12-03T11:00:00Z');
    const d2 = alice.meetings.getMeetingDraft(uid);
    const relocated = await alice.meetings.saveMeeting({ ...d2, location: 'Room 2' });
    expect(relocated.sequence).toBe(2);
    expect(alice.calendar.get(uid)?.master?.location).toBe('Room 2');

    // The messages wait: tried, refused (connection refused), kept queued with a next attempt.
    const mine = () => alice.outbox.details().filter((d) => d.uid === uid);
    expect(mine()).toHaveLength(3);
    await waitFor(() => mine()[0]!.attempts >= 2 && mine()[0]!.state === 'queued', { ...WAIT, what: 'two refused attempts' });
    expect(mine().map((d) => d.state)).toEqual(['queued', 'queued', 'queued']);
    expect(mine()[0]!.lastError).toMatch(/unreachable|ECONNREFUSED/i);
    // Per-meeting order: the later ones were never tried before the first.
    expect(mine()[1]!.attempts).toBe(0);
    expect(mine()[2]!.attempts).toBe(0);

    await servers.startSmtp();
    await servers.startImap();
    alice.outbox.kick(); // the network is back
    await alice.outbox.drain();
    expect(mine().map((d) => d.state)).toEqual(['sent', 'sent', 'sent']);
    const ids = mine().map((d) => d.messageId);
    for (const u of [bob, carol]) {
      const got = await waitFor(async () => {
        const r = await received(u, uid);
        return r.length >= 3 ? r : null;
      }, { ...WAIT, what: `3 messages for ${u.name}` });
      expect(got).toEqual([
        { method: 'REQUEST', sequence: 0, messageId: ids[0] },
        { method: 'REQUEST', sequence: 1, messageId: ids[1] },
        { method: 'REQUEST', sequence: 2, messageId: ids[2] },
      ]);
    }
    // The Sent copies were filed once IMAP was back (appends retried after the sends).
    await waitFor(() => mine().every((d) => d.filed === 'done'), { ...WAIT, what: 'the Sent copies' });
    const sent = (await itipIn(servers, alice.user, 'Sent')).filter((m) => m.components[0]?.uid === uid).map((m) => m.messageId);
    expect(sent).toEqual(ids);
  }

  it('SIGKILL mid-send and restart: each attendee receives each message exactly once, in order', async () => {
    // alice's app enqueues while its sender is not running (same outbox directory the child process will use).
    const dir = join(work, 'kill');
    const { calendar, enqueuer, meetings } = await enqueueOnly(dir);
    const created = await meetings.saveMeeting(draft([bob.email, carol.email], '2026-12-04T10:00', '2026-12-04T11:00'));
    const uid = created.uid;
    await meetings.saveMeeting({ ...meetings.getMeetingDraft(uid), start: '2026-12-04T15:00', end: '2026-12-04T16:00' });
    await meetings.saveMeeting({ ...meetings.getMeetingDraft(uid), location: 'Room 9' });
    const ids = enqueuer.details().map((d) => d.messageId);
    expect(ids).toHaveLength(3);
    await calendar.close();

    // A proxy in front of the SMTP server holds the client's bytes after the 2nd DATA command, so the process can
    // be killed while that transaction is in flight (the final "." never reaches the server).
    const proxy = await smtpProxy(servers.smtp.port);
    proxy.holdAfterData = 2;
    const cfg: ChildConfig = {
      dir: join(dir, 'outbox'),
      smtp: { host: '127.0.0.1', port: proxy.port, user: alice.user.email, password: alice.user.password },
      imap: { host: servers.imap.host, port: servers.imap.port, user: alice.user.name, password: alice.user.password },
    };
    const first = runChild(cfg);
    await waitFor(() => proxy.held, { ...WAIT, what: 'the second transaction held mid-DATA' });
    // On disk, the message is 'sending' (written before the transaction started).
    const onDisk = await stateOnDisk(cfg.dir);
    expect(onDisk.map((s) => s.state)).toEqual(['sent', 'sending', 'queued']);
    first.child.kill('SIGKILL');
    expect(await first.exit).toBe('SIGKILL');
    proxy.release(); // drop the held connection: the server aborts that transaction
    proxy.holdAfterData = 0;

    const second = runChild(cfg);
    expect(await second.exit).toBe(0);
    const done = second.lines.find((l) => l.event === 'done') as { items: { state: string; interrupted: number; attempts: number; messageId: string }[] };
    expect(done.items.map((i) => i.state)).toEqual(['sent', 'sent', 'sent']);
    expect(done.items.map((i) => i.interrupted)).toEqual([0, 1, 0]);
    expect(done.items.map((i) => i.attempts)).toEqual([1, 2, 1]);
    for (const u of [bob, carol]) {
      const got = await waitFor(async () => {
        const r = await received(u, uid);
        return r.length >= 3 ? r : null;
      }, { ...WAIT, what: `3 messages for ${u.name}` });
      expect(got.map((g) => [g.sequence, g.messageId])).toEqual([
        [0, ids[0]],
        [1, ids[1]],
        [2, ids[2]],
      ]);
    }
    await proxy.close();
    await enqueuer.stop();
  });

  it('the window after the server accepted: resent with the same Message-ID, and the receiver’s engine sees a duplicate', async () => {
    const dir = join(work, 'window');
    const { calendar, enqueuer, meetings } = await enqueueOnly(dir);
    const created = await meetings.saveMeeting(draft([bob.email], '2026-12-05T10:00', '2026-12-05T11:00'));
    const uid = created.uid;
    const [item] = enqueuer.details();
    await calendar.close();
    const cfg: ChildConfig = {
      dir: join(dir, 'outbox'),
      smtp: { host: servers.smtp.host, port: servers.smtp.port, user: alice.user.email, password: alice.user.password },
      imap: { host: servers.imap.host, port: servers.imap.port, user: alice.user.name, password: alice.user.password },
      crashAfterAccept: item!.messageId,
    };
    const crashed = runChild(cfg);
    expect(await crashed.exit).toBe('SIGKILL');
    expect(crashed.lines.some((l) => l.event === 'accepted')).toBe(true);
    expect((await stateOnDisk(cfg.dir)).map((s) => s.state)).toEqual(['sending']);
    const again = runChild({ ...cfg, crashAfterAccept: undefined });
    expect(await again.exit).toBe(0);

    const copies = await waitFor(async () => {
      const r = await received(bob, uid);
      return r.length >= 2 ? r : null;
    }, { ...WAIT, what: 'both copies at bob' });
    expect(copies).toHaveLength(2);
    expect(copies[0]!.messageId).toBe(item!.messageId);
    expect(copies[1]!.messageId).toBe(item!.messageId);

    // Bob's engine, fed his inbox in order: the first copy creates the event, the second is a duplicate.
    let stored: StoredEvent | undefined;
    const decisions: Decision[] = [];
    for (const m of await mailbox(servers, bob)) {
      const read = await readMessage(m.raw);
      if (read.itip?.calendar.components[0]?.uid !== uid) continue;
      const d = processRead(read.itip, read.problems, stored, { me: [bob.email], policy: 'always', knownContacts: [], now: new Date().toISOString() });
      decisions.push(d);
      if (d.next) stored = d.next;
    }
    expect(decisions.map((d) => d.action)).toEqual(['created', 'duplicate']);
    await enqueuer.stop();
  });
});

// ---------------------------------------------------------------------------------------------------------------

async function stateOnDisk(dir: string): Promise<{ id: string; state: string }[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (n) => JSON.parse(await readFile(join(dir, n), 'utf8')) as { id: string; state: string }));
}

interface ChildRun {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  /** Resolves with the exit code, or the signal name when killed. */
  exit: Promise<number | string>;
}

function runChild(cfg: ChildConfig): ChildRun {
  const child = spawn(process.execPath, [childScript], {
    env: { ...process.env, CONVENE_OUTBOX_CHILD: JSON.stringify(cfg) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let buf = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | string>((res) =>
    child.on('exit', (code, signal) => {
      if (code && code !== 0) process.stderr.write(`outbox child failed: ${err}\n`);
      res(signal ?? code ?? -1);
    }),
  );
  return { child, lines, exit };
}

interface SmtpProxy {
  port: number;
  /** Hold the client's bytes after its Nth DATA command (counted over all connections); 0: pass everything. */
  holdAfterData: number;
  held: boolean;
  release(): void;
  close(): Promise<void>;
}

/** A TCP proxy to the SMTP server that can freeze a transaction right after the client's DATA command. */
async function smtpProxy(upstreamPort: number): Promise<SmtpProxy> {
  let dataCount = 0;
  const sockets = new Set<net.Socket>();
  let heldPair: [net.Socket, net.Socket] | null = null;
  const state: SmtpProxy = {
    port: 0,
    holdAfterData: 0,
    held: false,
    release() {
      if (heldPair) for (const s of heldPair) s.destroy();
      heldPair = null;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port: upstreamPort });
    sockets.add(client);
    sockets.add(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => {
      // Killed mid-transaction: keep the upstream open while held (release() drops it), else close it too.
      if (heldPair?.[0] !== client) upstream.destroy();
    });
    upstream.on('close', () => client.destroy());
    upstream.pipe(client);
    let holding = false;
    let line = '';
    client.on('data', (chunk: Buffer) => {
      if (holding) return; // swallowed: the server never sees the rest of the message
      const text = chunk.toString('latin1');
      // Commands are line-based until DATA; find a "DATA" command line in this chunk.
      const all = line + text;
      const m = /(^|\r\n)DATA\r\n/i.exec(all);
      if (m) {
        dataCount++;
        if (state.holdAfterData > 0 && dataCount === state.holdAfterData) {
          const end = m.index + m[0].length - line.length;
          upstream.write(chunk.subarray(0, Math.max(0, end)));
          holding = true;
          state.held = true;
          heldPair = [client, upstream];
          line = '';
          return;
        }
      }
      // Keep a short tail for a command split across chunks, but never one already counted.
      line = (m ? all.slice(m.index + m[0].length) : all).slice(-8);
      upstream.write(chunk);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.port = (server.address() as net.AddressInfo).port;
  return state;
}
