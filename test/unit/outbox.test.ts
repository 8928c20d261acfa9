// The outbox against a real SMTP server (smtp-server on loopback, started here; no mock transport): ordering per
// meeting, backoff on 4xx and on a refused connection, permanent failures kept with their reason, and the queue
// surviving a reopen from disk (including a crash in 'sending').
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox, type OutboxDeps, type OutboxMessage } from '../../electron/mail/smtp/outbox';
import { mapSmtpError, smtpSender } from '../../electron/mail/smtp/transport';
import { waitFor } from '../servers/wait';

interface Received {
  from: string;
  to: string[];
  messageId: string;
  subject: string;
  raw: string;
}

type Mode = 'ok' | 'tempfail' | 'permfail';

class TestSmtp {
  server: SMTPServer | null = null;
  port = 0;
  received: Received[] = [];
  mode: Mode = 'ok';
  /** Fail this many DATA commands with 451 before accepting again. */
  tempfailNext = 0;
  /** Recipients answered 550 at RCPT TO. */
  rejectRcpt = new Set<string>();
  /** Subjects answered 451 at end of DATA (per-message transient failures). */
  tempfailSubjects = new Map<string, number>();
  /** Subject → another subject: answered 451 until that other one has been received (order without timing). */
  holdUntilReceived = new Map<string, string>();
  dataAttempts = 0;

  async start(port = 0): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo: (addr, _s, cb) => {
        if (this.rejectRcpt.has(addr.address)) {
          const e = new Error('5.1.1 no such user') as Error & { responseCode: number };
          e.responseCode = 550;
          cb(e);
          return;
        }
        cb();
      },
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          this.dataAttempts++;
          const raw = Buffer.concat(chunks).toString('utf8');
          const subject = /^Subject: (.*)$/m.exec(raw)?.[1]?.trim() ?? '';
          const left = this.tempfailSubjects.get(subject) ?? 0;
          const waitFor = this.holdUntilReceived.get(subject);
          const held = waitFor !== undefined && !this.received.some((r) => r.subject === waitFor);
          if (this.mode === 'tempfail' || this.tempfailNext > 0 || left > 0 || held) {
            if (this.tempfailNext > 0) this.tempfailNext--;
            if (left > 0) this.tempfailSubjects.set(subject, left - 1);
            const e = new Error('4.3.0 try again later') as Error & { responseCode: number };
            e.responseCode = 451;
            cb(e);
            return;
          }
          if (this.mode === 'permfail') {
            const e = new Error('5.7.1 message refused') as Error & { responseCode: number };
            e.responseCode = 554;
            cb(e);
            return;
          }
          this.received.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            messageId: /^Message-ID: (.*)$/im.exec(raw)?.[1]?.trim() ?? '',
            subject,
            raw,
          });
          cb();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    server.on('error', () => undefined);
    this.server = server;
    this.port = (server.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }
}

let n = 0;
function message(uid: string, subject: string, to = ['bob@example.test'], from = 'Alice <alice@example.test>'): OutboxMessage {
  const messageId = `<test-${++n}-${Date.now()}@convene.test>`;
  const raw = [
    `From: ${from}`,
    `To: ${to.join(', ')}`,
    `Subject: ${subject}`,
    `Message-ID: ${messageId}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `body of ${subject}`,
    '',
  ].join('\r\n');
  return { method: 'REQUEST', uid, from, to, cc: [], subject, messageId, raw: new TextEncoder().encode(raw) };
}

let smtp: TestSmtp;
let dir: string;
const open: Outbox[] = [];
const senders: { close(): void }[] = [];

function deps(extra: Partial<OutboxDeps> = {}): OutboxDeps {
  const sender = smtpSender(async () => ({
    smtp: { host: '127.0.0.1', port: smtp.port, security: 'none', user: '' },
    password: null,
  }));
  senders.push(sender);
  return { sendRaw: (item) => sender.sendRaw(item), backoff: { baseMs: 40, maxMs: 400 }, ...extra };
}

async function openOutbox(extra: Partial<OutboxDeps> = {}): Promise<Outbox> {
  const ob = await Outbox.open(dir, deps(extra));
  open.push(ob);
  return ob;
}

beforeEach(async () => {
  smtp = new TestSmtp();
  await smtp.start();
  dir = await mkdtemp(join(tmpdir(), 'convene-outbox-'));
});

afterEach(async () => {
  for (const ob of open.splice(0)) await ob.stop();
  for (const s of senders.splice(0)) s.close();
  await smtp.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('Outbox', () => {
  it('writes each message to disk before any attempt and sends it once, envelope from the sending identity', async () => {
    const ob = await openOutbox();
    const m = message('uid-1', 'first', ['Bob <bob@example.test>', 'carol@example.test']);
    const view = await ob.enqueue(m, 'acct');
    // On disk before start(): the bytes and the state.
    const files = await readdir(dir);
    expect(files).toContain(`${view.id}.eml`);
    expect(files).toContain(`${view.id}.json`);
    expect(view.state).toBe('queued');
    expect(smtp.received).toHaveLength(0);
    ob.start();
    await ob.drain();
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]!.from).toBe('alice@example.test');
    expect(smtp.received[0]!.to.sort()).toEqual(['bob@example.test', 'carol@example.test']);
    expect(smtp.received[0]!.messageId).toBe(m.messageId);
    const after = ob.get(view.id)!;
    expect(after.state).toBe('sent');
    expect(after.attempts).toBe(1);
    expect(after.sentAt).not.toBeNull();
  });

  it('keeps per-meeting order while a message waits in backoff, without holding back other meetings', async () => {
    const ob = await openOutbox();
    smtp.tempfailSubjects.set('X1', 2); // X1 is refused at least twice with 451…
    smtp.holdUntilReceived.set('X1', 'Y2'); // …and until Y2 is in: if Y were held behind X1, drain() never ends
    await ob.enqueue(message('X', 'X1'), null);
    await ob.enqueue(message('Y', 'Y1'), null);
    await ob.enqueue(message('X', 'X2'), null);
    await ob.enqueue(message('Y', 'Y2'), null);
    await ob.enqueue(message('X', 'X3'), null);
    ob.start();
    await ob.drain();
    const order = smtp.received.map((r) => r.subject);
    expect(order.filter((s) => s.startsWith('X'))).toEqual(['X1', 'X2', 'X3']);
    expect(order.filter((s) => s.startsWith('Y'))).toEqual(['Y1', 'Y2']);
    // Y went out while X1 was backing off: both Y messages arrived before X1 did.
    expect(order.indexOf('Y2')).toBeLessThan(order.indexOf('X1'));
    const x1 = ob.list().find((v) => v.subject === 'X1')!;
    expect(x1.attempts).toBeGreaterThanOrEqual(3);
    expect(smtp.received).toHaveLength(5);
  });

  it('retries 4xx with growing backoff and the same Message-ID, then marks sent', async () => {
    const ob = await openOutbox({ backoff: { baseMs: 60, maxMs: 1000 } });
    smtp.tempfailNext = 3;
    const m = message('R', 'retry-me');
    const view = await ob.enqueue(m, null);
    const attemptsAt: number[] = [];
    ob.on('change', () => {
      const v = ob.get(view.id);
      if (v?.state === 'sending' && attemptsAt.length < v.attempts) attemptsAt.push(Date.now());
    });
    ob.start();
    await ob.drain();
    expect(ob.get(view.id)!.state).toBe('sent');
    expect(ob.get(view.id)!.attempts).toBe(4);
    expect(smtp.dataAttempts).toBe(4);
    expect(smtp.received.map((r) => r.messageId)).toEqual([m.messageId]);
    // Backoff 60, 120, 240 ms between the attempts (allow scheduling slack below, none above needed).
    const gaps = attemptsAt.slice(1).map((t, i) => t - attemptsAt[i]!);
    expect(gaps).toHaveLength(3);
    expect(gaps[0]!).toBeGreaterThanOrEqual(50);
    expect(gaps[1]!).toBeGreaterThanOrEqual(110);
    expect(gaps[2]!).toBeGreaterThanOrEqual(230);
  });

  it('backs off while the server refuses connections and drains once it is back (kick)', async () => {
    const port = smtp.port;
    await smtp.stop();
    const ob = await openOutbox({ backoff: { baseMs: 30, maxMs: 200 } });
    const a = await ob.enqueue(message('A', 'A1'), null);
    await ob.enqueue(message('A', 'A2'), null);
    ob.start();
    // The attempt counter grows when an attempt starts: wait until the third one has also failed.
    await waitFor(() => {
      const x = ob.get(a.id)!;
      return x.attempts >= 3 && x.state === 'queued' && x.lastError !== null;
    }, { what: 'three refused attempts', timeoutMs: 10_000 });
    const v = ob.get(a.id)!;
    expect(v.state).toBe('queued');
    expect(v.lastError).toMatch(/unreachable|ECONNREFUSED/i);
    expect(v.nextAttemptAt).not.toBeNull();
    // A2 never left before A1 (it was not even attempted).
    expect(ob.list().find((x) => x.subject === 'A2')!.attempts).toBe(0);
    await smtp.start(port);
    ob.kick();
    await ob.drain();
    expect(smtp.received.map((r) => r.subject)).toEqual(['A1', 'A2']);
  });

  it('keeps a permanent failure (5xx, rejected recipient) with its reason, across a reopen, and sends it on retry', async () => {
    const ob = await openOutbox();
    smtp.rejectRcpt.add('nobody@example.test');
    const bad = await ob.enqueue(message('P', 'to-nobody', ['nobody@example.test']), null);
    smtp.mode = 'permfail';
    const refused = await ob.enqueue(message('Q', 'refused'), null);
    ob.start();
    await ob.drain();
    expect(ob.get(bad.id)!.state).toBe('failed');
    expect(ob.get(bad.id)!.lastError).toMatch(/550|no such user|reject/i);
    expect(ob.get(bad.id)!.attempts).toBe(1);
    expect(ob.get(refused.id)!.state).toBe('failed');
    expect(ob.get(refused.id)!.lastError).toMatch(/554|refused/);
    await ob.stop();

    // Reopen: still there, still failed, with the reason.
    const ob2 = await openOutbox();
    expect(ob2.list().map((v) => [v.subject, v.state])).toEqual([
      ['to-nobody', 'failed'],
      ['refused', 'failed'],
    ]);
    expect(ob2.get(refused.id)!.lastError).toMatch(/554|refused/);
    smtp.mode = 'ok';
    ob2.start();
    await ob2.retry(refused.id);
    await ob2.drain();
    expect(ob2.get(refused.id)!.state).toBe('sent');
    expect(ob2.get(refused.id)!.attempts).toBe(2);
    expect(smtp.received.map((r) => r.subject)).toEqual(['refused']);
  });

  it('marks sent with the refused recipients listed when the server accepts for the others', async () => {
    const ob = await openOutbox();
    smtp.rejectRcpt.add('gone@example.test');
    const v = await ob.enqueue(message('S', 'partial', ['bob@example.test', 'gone@example.test']), null);
    ob.start();
    await ob.drain();
    const d = ob.details().find((x) => x.id === v.id)!;
    expect(d.state).toBe('sent');
    expect(d.rejected).toEqual(['gone@example.test']);
    expect(d.lastError).toMatch(/gone@example.test/);
    expect(smtp.received[0]!.to).toEqual(['bob@example.test']);
  });

  it('reopens the queue from disk in order, drops an unacknowledged enqueue, and sends each message once', async () => {
    const ob = await openOutbox();
    const ids: string[] = [];
    for (const s of ['k1', 'k2', 'k3']) ids.push((await ob.enqueue(message('K', s), null)).id);
    await ob.stop();
    // An enqueue that crashed between its .eml and its .json: never acknowledged, so it is removed.
    await writeFile(join(dir, '9999999999-deadbeef.eml'), 'From: x\r\n\r\n');
    const ob2 = await openOutbox();
    expect(ob2.list().map((v) => v.id)).toEqual(ids);
    expect((await readdir(dir)).some((f) => f.startsWith('9999999999'))).toBe(false);
    ob2.start();
    await ob2.drain();
    expect(smtp.received.map((r) => r.subject)).toEqual(['k1', 'k2', 'k3']);
    // A later enqueue continues the numbering (order survives the reopen).
    const next = await ob2.enqueue(message('K', 'k4'), null);
    expect(next.id > ids[2]!).toBe(true);
    await ob2.drain();
    expect(smtp.received.map((r) => r.subject)).toEqual(['k1', 'k2', 'k3', 'k4']);
  });

  it('recovers an item left in sending: found in Sent → marked sent without resending; not found → resent once', async () => {
    // A process "dies" after the server accepted: the afterAccepted hook never returns, as if killed there.
    const hang = new Promise<void>(() => undefined);
    const ob = await openOutbox({ hooks: { afterAccepted: () => hang } });
    const a = await ob.enqueue(message('C', 'crash-a'), 'acct');
    const b = await ob.enqueue(message('D', 'crash-b'), 'acct');
    ob.start();
    await waitFor(() => smtp.received.length === 1, { what: 'the first accepted message' });
    // Abandon ob (its pump is stuck as a killed process would be) and reopen the same directory.
    open.splice(open.indexOf(ob), 1);
    const sentFolder = new Set<string>([smtp.received[0]!.messageId]);
    const appended: string[] = [];
    const ob2 = await openOutbox({
      findSent: async (_acct, id) => sentFolder.has(id),
      appendSent: async (_acct, _raw, id) => {
        appended.push(id);
        sentFolder.add(id);
      },
    });
    const d = ob2.details();
    expect(d.find((x) => x.id === a.id)).toMatchObject({ state: 'queued', interrupted: 1 });
    ob2.start();
    await ob2.drain();
    const after = ob2.details();
    // crash-a was in Sent (as a provider that files sent mail would have it): not sent again.
    expect(after.find((x) => x.id === a.id)).toMatchObject({ state: 'sent', sentBy: 'sent-folder', attempts: 1 });
    expect(after.find((x) => x.id === b.id)).toMatchObject({ state: 'sent', sentBy: 'smtp', filed: 'done' });
    expect(smtp.received.map((r) => r.subject)).toEqual(['crash-a', 'crash-b']);
    expect(appended).toHaveLength(1);

    // Not in Sent: resent with the same bytes and Message-ID (at-least-once; OUTBOX.md).
    const ob3dir = dir;
    const hang2 = new Promise<void>(() => undefined);
    const ob3 = await Outbox.open(ob3dir, deps({ hooks: { afterAccepted: () => hang2 } }));
    const c = await ob3.enqueue(message('E', 'crash-c'), 'acct');
    ob3.start();
    await waitFor(() => smtp.received.length === 3, { what: 'crash-c accepted' });
    const ob4 = await openOutbox({ findSent: async () => false });
    ob4.start();
    await ob4.drain();
    const cs = smtp.received.filter((r) => r.subject === 'crash-c');
    expect(cs).toHaveLength(2);
    expect(cs[0]!.messageId).toBe(cs[1]!.messageId);
    expect(ob4.details().find((x) => x.id === c.id)).toMatchObject({ state: 'sent', attempts: 2, interrupted: 1 });
  });

  it('schedules retries on the real clock even when the app clock is pinned (records use the app clock)', async () => {
    const pinned = new Date('2020-01-01T00:00:00Z');
    const ob = await openOutbox({ now: () => pinned });
    smtp.tempfailNext = 2;
    const v = await ob.enqueue(message('T', 'pinned'), null);
    ob.start();
    await ob.drain();
    expect(ob.get(v.id)).toMatchObject({ state: 'sent', attempts: 3, createdAt: pinned.toISOString(), sentAt: pinned.toISOString() });
  });

  it('refuses to send from a directory another live process is sending from; takes over a dead one’s lock', async () => {
    const ob = await openOutbox();
    await writeFile(join(dir, 'send.lock'), `${process.ppid}\n`);
    expect(() => ob.start()).toThrow(/being sent by pid/);
    await writeFile(join(dir, 'send.lock'), '2147483646\n'); // no such process
    ob.start();
    await ob.enqueue(message('L', 'locked'), null);
    await ob.drain();
    expect(smtp.received.map((r) => r.subject)).toEqual(['locked']);
    await ob.stop();
    expect((await readdir(dir)).includes('send.lock')).toBe(false);
  });
});

describe('mapSmtpError', () => {
  const cases: [Record<string, unknown>, string, boolean][] = [
    [{ code: 'EAUTH', responseCode: 535, message: 'bad password' }, 'SMTP_AUTH', false],
    [{ code: 'EAUTH', responseCode: 454, message: 'try later' }, 'SMTP_AUTH', true],
    [{ code: 'ECONNECTION', message: 'closed' }, 'SMTP_UNAVAILABLE', true],
    [{ code: 'ETIMEDOUT', message: 'timeout' }, 'SMTP_UNAVAILABLE', true],
    [{ code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:1' }, 'SMTP_UNAVAILABLE', true],
    [{ code: 'ESOCKET', message: 'unable to verify the first certificate' }, 'SMTP_TLS', false],
    [{ code: 'ETLS', message: 'STARTTLS failed' }, 'SMTP_TLS', false],
    [{ code: 'EDNS', message: 'getaddrinfo ENOTFOUND' }, 'SMTP_DNS', true],
    [{ code: 'EENVELOPE', responseCode: 550, message: 'all recipients were rejected' }, 'SMTP_REJECTED', false],
    [{ code: 'EENVELOPE', responseCode: 452, message: 'too many recipients' }, 'SMTP_UNAVAILABLE', true],
    [{ code: 'EENVELOPE', message: 'No recipients defined' }, 'SMTP_REJECTED', false],
    [{ code: 'EMESSAGE', responseCode: 554, message: 'spam' }, 'SMTP_REJECTED', false],
    [{ code: 'EMESSAGE', responseCode: 451, message: 'later' }, 'SMTP_UNAVAILABLE', true],
    [{ code: 'EPROTOCOL', responseCode: 503, message: 'bad sequence' }, 'SMTP_UNAVAILABLE', true],
  ];
  it.each(cases)('%o → %s (retryable %s)', (err, code, retryable) => {
    const e = mapSmtpError(Object.assign(new Error(String(err.message)), err));
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(retryable);
  });
});
