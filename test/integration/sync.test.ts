// Sync against a real Dovecot and SMTP→LMTP path: IDLE delivery, detection parity with the engine on the corpus,
// idempotent re-sync (also across devices), forged and stale messages, and readable connection errors.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMessage } from '../../shared/itip/message';
import { AppError } from '../../shared/errors';
import { createCore } from '../../electron/core';
import { connectImap } from '../../electron/mail/imap/connection';
import { fetchCalendarParts, structurePass } from '../../electron/mail/imap/detect-pass';
import { readFetchedMessage } from '../../electron/mail/imap/calendar-parts';
import { PROCESSED_KEYWORD } from '../../electron/mail/imap/keywords';
import { startMailServers, testAccount, type MailServers, type TestUser } from '../servers/mail-servers';
import { buildMail, makeIcs } from '../servers/seed';
import { makeSync, type SyncFixture } from '../servers/sync-fixture';
import { waitFor } from '../servers/wait';

// The shared corpus sits beside the repo (or at $CONVENE_CORPUS); where it is absent this one test says so and
// skips, as the corpus suites do.
const CORPUS = path.join(process.env.CONVENE_CORPUS ?? path.resolve(__dirname, '../../../shared/corpus'), 'eml');
const haveCorpus = existsSync(CORPUS);
if (!haveCorpus) console.warn(`corpus not found at ${CORPUS}: the corpus detection test is skipped (set CONVENE_CORPUS)`);

let servers: MailServers;
let alice: TestUser;
let bob: TestUser;
const open: SyncFixture[] = [];

beforeAll(async () => {
  servers = await startMailServers();
  alice = await servers.addUser('alice');
  bob = await servers.addUser('bob');
});

afterAll(async () => {
  for (const f of open) await f.dispose().catch(() => {});
  await servers?.stop();
});

async function fixture(user: TestUser, opts: Parameters<typeof makeSync>[2] = {}): Promise<SyncFixture> {
  const f = await makeSync(servers, user, opts);
  open.push(f);
  return f;
}

function smtpAs(user: TestUser) {
  return nodemailer.createTransport({ host: servers.smtp.host, port: servers.smtp.port, secure: false, ignoreTLS: true, auth: { user: user.email, pass: user.password } });
}

async function imapAs(user: TestUser): Promise<ImapFlow> {
  const c = new ImapFlow({ host: servers.imap.host, port: servers.imap.port, secure: false, auth: { user: user.name, pass: user.password }, logger: false });
  await c.connect();
  return c;
}

describe('sync', () => {
  it('an invitation delivered to bob appears in his store through IDLE (the poll is 60 s away; the latency is printed)', async () => {
    const f = await fixture(bob, { settings: { policy: 'always' } });
    await f.service.syncNow(); // initial sync done, now idling on INBOX
    const uid = `idle-${Date.now()}@example.test`;
    const ics = makeIcs({ method: 'REQUEST', uid, organizer: alice.email, attendees: [bob.email], summary: 'IDLE test' });
    const t = smtpAs(alice);
    const sentAt = Date.now();
    await t.sendMail({ from: alice.email, to: bob.email, subject: 'Invitation: IDLE test', text: 'Join us', icalEvent: { method: 'REQUEST', content: ics } });
    const deliveredAt = Date.now(); // our SMTP answers 250 only after Dovecot's LMTP stored the message
    await waitFor(() => f.calendar.get(uid), { timeoutMs: 30_000, what: `event ${uid} in bob's store via IDLE` });
    const now = Date.now();
    console.log(`IDLE-to-store: ${now - deliveredAt} ms after delivery (${now - sentAt} ms after SMTP send started)`);
    const ev = f.calendar.get(uid)!;
    expect(ev.role).toBe('attendee');
    expect(ev.myAddress).toBe(bob.email);
    expect(f.calendar.thread(uid)).toHaveLength(1);
    // The message got the processed keyword on the server.
    const c = await imapAs(bob);
    await c.mailboxOpen('INBOX');
    const flags = (await c.fetchAll('1:*', { uid: true, flags: true })).map((m) => [...(m.flags ?? [])]);
    await c.logout();
    expect(flags.some((fl) => fl.includes(PROCESSED_KEYWORD))).toBe(true);
    t.close();
    await f.dispose();
    open.splice(open.indexOf(f), 1);
  });

  it.skipIf(!haveCorpus)('detects every corpus message exactly as readMessage() sees the file', async () => {
    const files = readdirSync(CORPUS).filter((n) => n.endsWith('.eml')).sort();
    expect(files.length, `no .eml files in ${CORPUS}`).toBeGreaterThan(0);
    const carol = await servers.addUser('carol');
    const c = await imapAs(carol);
    await c.mailboxCreate('Corpus');
    const byUid = new Map<number, string>();
    for (const name of files) {
      const raw = readFileSync(path.join(CORPUS, name));
      const r = await c.append('Corpus', raw);
      if (!r || !r.uid) throw new Error(`APPEND of ${name} returned no UID (UIDPLUS expected)`);
      byUid.set(r.uid, name);
    }
    await c.mailboxOpen('Corpus');
    const pass = await structurePass(c, '1:*');
    expect(pass.count).toBe(files.length);
    const fetched = await fetchCalendarParts(c, pass.hits);
    const got = new Map(fetched.map((m) => [m.uid, m]));
    await c.logout();
    const mismatches: string[] = [];
    for (const [uid, name] of byUid) {
      const want = await readMessage(readFileSync(path.join(CORPUS, name)));
      const hit = pass.hits.find((h) => h.uid === uid);
      const wantSummary = {
        parts: want.parts.map((p) => `${p.path}:${p.methodParam}`),
        method: want.itip?.method ?? null,
        uid: want.itip?.calendar.components.find((x) => x.uid)?.uid ?? null,
        methodParam: want.itip?.methodParam ?? null,
        calendars: want.calendars.length,
        from: want.envelope?.from ?? null,
      };
      const m = got.get(uid);
      const read = m ? readFetchedMessage(m.parts, m.envelope) : null;
      const gotSummary = {
        parts: (hit?.parts ?? []).map((p) => `${p.path}:${p.methodParam}`),
        method: read?.itip?.method ?? null,
        uid: read?.itip?.calendar.components.find((x) => x.uid)?.uid ?? null,
        methodParam: read?.itip?.methodParam ?? null,
        calendars: read?.calendars.length ?? 0,
        from: m ? m.envelope.from : wantSummary.from,
      };
      if (JSON.stringify(wantSummary) !== JSON.stringify(gotSummary)) mismatches.push(`${name}:\n  file ${JSON.stringify(wantSummary)}\n  imap ${JSON.stringify(gotSummary)}`);
    }
    console.log(`corpus: ${files.length} messages, ${pass.hits.length} with calendar parts, ${mismatches.length} mismatches`);
    expect(mismatches, mismatches.join('\n')).toEqual([]);
  });

  it('a second sync applies nothing twice, nor does a second device', async () => {
    const dave = await servers.addUser('dave');
    const uids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const uid = `twice-${i}-${Date.now()}@example.test`;
      uids.push(uid);
      const raw = await buildMail({ from: alice.email, to: [dave.email], subject: `Invitation ${i}`, ics: { method: 'REQUEST', content: makeIcs({ method: 'REQUEST', uid, organizer: alice.email, attendees: [dave.email] }) } });
      await servers.deliver(raw, [dave.email]);
    }
    await servers.deliver(await buildMail({ from: alice.email, to: [dave.email], subject: 'plain mail' }), [dave.email]);
    const f = await fixture(dave, { settings: { policy: 'always' } });
    await f.service.syncNow();
    expect(f.processed.map((p) => p.action).sort()).toEqual(Array(5).fill('created'));
    for (const uid of uids) expect(f.calendar.get(uid)).toBeDefined();
    const snapshot = JSON.stringify(f.calendar.all());
    // Re-sync: nothing new, nothing processed.
    f.processed.length = 0;
    await f.service.syncNow();
    await f.service.syncNow();
    expect(f.processed).toEqual([]);
    expect(JSON.stringify(f.calendar.all())).toBe(snapshot);
    // Lost local sync state (a re-install keeping the store): the processed keys stop it.
    await f.close();
    open.splice(open.indexOf(f), 1);
    const { rm } = await import('node:fs/promises');
    await rm(path.join(f.dir, 'sync-state'), { recursive: true, force: true });
    const again = await fixture(dave, { dir: f.dir, settings: { policy: 'always' } });
    await again.service.syncNow();
    expect(again.processed).toEqual([]);
    expect(JSON.stringify(again.calendar.all())).toBe(snapshot);
    // A second device (own empty store): the server keyword says "already applied": listed, not applied.
    const other = await fixture(dave, { settings: { policy: 'always' } });
    await other.service.syncNow();
    expect(other.processed.map((p) => p.action)).toEqual(Array(5).fill('duplicate'));
    expect(other.calendar.all()).toEqual([]);
    for (const uid of uids) expect(other.calendar.thread(uid)).toHaveLength(1);
  });

  it('a forged CANCEL and a late stale update change nothing', async () => {
    const erin = await servers.addUser('erin');
    const f = await fixture(erin, { settings: { policy: 'always' } });
    await f.service.syncNow();
    const uid = `guard-${Date.now()}@example.test`;
    const t0 = new Date(Date.now() - 3600_000);
    const send = async (from: string, method: 'REQUEST' | 'CANCEL', sequence: number, summary: string, dtstamp: Date) => {
      const raw = await buildMail({ from, to: [erin.email], subject: `${method} ${summary}`, ics: { method, content: makeIcs({ method, uid, organizer: alice.email, attendees: [erin.email], sequence, summary, dtstamp }) } });
      const before = f.processed.length;
      await servers.deliver(raw, [erin.email]);
      await f.service.syncNow();
      await waitFor(() => f.processed.length > before, { timeoutMs: 5000, what: `${method} ${summary} processed` });
      return f.processed[f.processed.length - 1]!;
    };
    expect((await send(alice.email, 'REQUEST', 2, 'Planning v2', new Date(t0.getTime() + 2000))).action).toBe('created');
    const stored = JSON.stringify(f.calendar.get(uid));
    const forged = await send('mallory@example.org', 'CANCEL', 3, 'Planning v2', new Date(t0.getTime() + 3000));
    console.log(`forged CANCEL → ${forged.action}: ${forged.reason}`);
    expect(forged.action).not.toBe('cancelled');
    expect(f.calendar.get(uid)!.cancelled).toBe(false);
    const stale = await send(alice.email, 'REQUEST', 1, 'Planning v1', new Date(t0.getTime() + 1000));
    console.log(`stale update → ${stale.action}: ${stale.reason}`);
    expect(stale.action).toBe('stale');
    // The stored event is unchanged (pending items may record what was refused, but not the event data).
    const after = f.calendar.get(uid)!;
    const before = JSON.parse(stored) as typeof after;
    expect(after.master).toEqual(before.master);
    expect(after.cancelled).toBe(false);
    expect(f.calendar.thread(uid).map((e) => e.action)).toEqual(['created', forged.action, 'stale']);
  });

  it('an invitation addressed to an alias is still mine; old invitations are listed, not applied', async () => {
    const frank = await servers.addUser('frank');
    const uidNew = `alias-${Date.now()}@example.test`;
    const uidOld = `old-${Date.now()}@example.test`;
    await servers.deliver(await buildMail({ from: alice.email, to: [frank.email], subject: 'alias', ics: { method: 'REQUEST', content: makeIcs({ method: 'REQUEST', uid: uidNew, organizer: alice.email, attendees: ['f.alias@example.test'] }) } }), [frank.email]);
    const old = new Date(Date.now() - 60 * 86_400_000);
    await servers.deliver(await buildMail({ from: alice.email, to: [frank.email], subject: 'old', date: old, ics: { method: 'REQUEST', content: makeIcs({ method: 'REQUEST', uid: uidOld, organizer: alice.email, attendees: [frank.email], dtstamp: old }) } }), [frank.email]);
    const f = await fixture(frank, { aliases: ['F.Alias@example.test'], settings: { policy: 'always' } });
    await f.service.syncNow();
    expect(f.calendar.get(uidNew)?.myAddress).toBe('f.alias@example.test');
    expect(f.calendar.get(uidOld)).toBeUndefined();
    expect(f.calendar.thread(uidOld).map((e) => [e.action, e.reason])).toEqual([['needs-decision', 'older than the time frame']]);
  });

  it('reads Sent (my own invitations from another client), skips Trash/Junk/Drafts, and learns contacts for the known policy', async () => {
    const hank = await servers.addUser('hank');
    const mine = `sent-${Date.now()}@example.test`;
    const trashed = `trash-${Date.now()}@example.test`;
    const fromStranger = `stranger-${Date.now()}@example.test`;
    const c = await imapAs(hank);
    await c.append('Sent', await buildMail({ from: hank.email, to: ['zoe@example.org'], subject: 'My meeting', ics: { method: 'REQUEST', content: makeIcs({ method: 'REQUEST', uid: mine, organizer: hank.email, attendees: ['zoe@example.org'] }) } }));
    for (const box of ['Trash', 'Junk', 'Drafts']) {
      await c.append(box, await buildMail({ from: alice.email, to: [hank.email], subject: 'ignored', ics: { method: 'REQUEST', content: makeIcs({ method: 'REQUEST', uid: trashed, organizer: alice.email, attendees: [hank.email] }) } }));
    }
    await servers.deliver(await buildMail({ from: 'stranger@example.org', to: [hank.email], subject: 'who?', ics: { method: 'REQUEST', content: makeIcs({ method: 'REQUEST', uid: fromStranger, organizer: 'stranger@example.org', attendees: [hank.email] }) } }), [hank.email]);
    const f = await fixture(hank); // default policy: known
    await f.service.syncNow();
    expect(f.calendar.get(mine)?.role).toBe('organizer');
    expect(f.calendar.thread(trashed)).toEqual([]);
    expect(f.service.knownContacts()).toContain('zoe@example.org');
    expect(f.processed.find((p) => p.uid === fromStranger)?.action).toBe('needs-decision');
    // zoe is in my mail history now: her invitation is applied under the 'known' policy.
    const fromZoe = `zoe-${Date.now()}@example.test`;
    await servers.deliver(await buildMail({ from: 'zoe@example.org', to: [hank.email], subject: 'from zoe', ics: { method: 'REQUEST', content: makeIcs({ method: 'REQUEST', uid: fromZoe, organizer: 'zoe@example.org', attendees: [hank.email] }) } }), [hank.email]);
    await f.service.syncNow();
    expect(f.processed.find((p) => p.uid === fromZoe)?.action).toBe('created');
    expect(f.service.addressBook('zo')).toEqual(['zoe@example.org']);
    await c.logout();
  });

  it('moves processed invitation mails to the chosen folder', async () => {
    const gina = await servers.addUser('gina');
    const uid = `move-${Date.now()}@example.test`;
    await servers.deliver(await buildMail({ from: alice.email, to: [gina.email], subject: 'move me', ics: { method: 'REQUEST', content: makeIcs({ method: 'REQUEST', uid, organizer: alice.email, attendees: [gina.email] }) } }), [gina.email]);
    await servers.deliver(await buildMail({ from: alice.email, to: [gina.email], subject: 'stay' }), [gina.email]);
    const f = await fixture(gina, { settings: { policy: 'always', processedFolder: 'Invitations' } });
    await f.service.syncNow();
    expect(f.calendar.get(uid)).toBeDefined();
    const c = await imapAs(gina);
    const inbox = await c.status('INBOX', { messages: true });
    const moved = await c.status('Invitations', { messages: true });
    await c.logout();
    expect(inbox && inbox.messages).toBe(1);
    expect(moved && moved.messages).toBe(1);
  });

  it('a keyword set by another client is seen by the next sync (CONDSTORE CHANGEDSINCE) and recorded, not applied', async () => {
    const ivy = await servers.addUser('ivy');
    const uid = `kw-${Date.now()}@example.test`;
    await servers.deliver(await buildMail({ from: 'stranger@example.org', to: [ivy.email], subject: 'pending', ics: { method: 'REQUEST', content: makeIcs({ method: 'REQUEST', uid, organizer: 'stranger@example.org', attendees: [ivy.email] }) } }), [ivy.email]);
    const f = await fixture(ivy); // policy 'known': a stranger's invitation waits for a decision
    await f.service.syncNow();
    expect(f.processed.map((p) => p.action)).toEqual(['needs-decision']);
    const key = f.processed[0]!.key;
    const pending = JSON.stringify(f.calendar.get(uid) ?? null);
    const c = await imapAs(ivy);
    await c.mailboxOpen('INBOX');
    const [msg] = await c.fetchAll('1:*', { uid: true, flags: true });
    // A pending decision is not "applied": no keyword from us.
    expect([...(msg!.flags ?? [])]).not.toContain(PROCESSED_KEYWORD);
    // Another device applies it and sets the keyword.
    await c.messageFlagsAdd(String(msg!.uid), [PROCESSED_KEYWORD], { uid: true });
    await c.logout();
    f.processed.length = 0;
    const before = f.service.accountSync(f.accountId)!.traffic().received;
    await f.service.syncNow();
    console.log(`flag sync: ${f.service.accountSync(f.accountId)!.traffic().received - before} bytes received`);
    expect(f.processed.map((p) => [p.key, p.action])).toEqual([[key, 'duplicate']]);
    expect(f.calendar.processedRecord(key)?.action).toBe('duplicate');
    expect(f.calendar.thread(uid).map((e) => e.action)).toEqual(['duplicate']);
    expect(JSON.stringify(f.calendar.get(uid) ?? null)).toBe(pending);
    // And once only.
    f.processed.length = 0;
    await f.service.syncNow();
    expect(f.processed).toEqual([]);
  });

  it('an expunged invitation mail is marked deleted in its thread; the event stays', async () => {
    const jack = await servers.addUser('jack');
    const uid = `gone-${Date.now()}@example.test`;
    await servers.deliver(await buildMail({ from: alice.email, to: [jack.email], subject: 'to be deleted', ics: { method: 'REQUEST', content: makeIcs({ method: 'REQUEST', uid, organizer: alice.email, attendees: [jack.email] }) } }), [jack.email]);
    await servers.deliver(await buildMail({ from: alice.email, to: [jack.email], subject: 'plain' }), [jack.email]);
    const f = await fixture(jack, { settings: { policy: 'always' } });
    await f.service.syncNow();
    expect(f.calendar.get(uid)).toBeDefined();
    expect(f.calendar.thread(uid)[0]!.deleted).toBeUndefined();
    const c = await imapAs(jack);
    await c.mailboxOpen('INBOX');
    const inv = (await c.fetchAll('1:*', { uid: true, envelope: true })).find((m) => m.envelope?.subject === 'to be deleted')!;
    await c.messageDelete(String(inv.uid), { uid: true });
    await c.logout();
    await f.service.syncNow();
    const t = f.calendar.thread(uid);
    expect(t).toHaveLength(1);
    expect(t[0]!.deleted).toBeTruthy();
    expect(f.calendar.get(uid)?.cancelled).toBe(false);
  });

  it('a held invitation gets the processed keyword once the user adds it to the calendar (core.resolvePending)', async () => {
    const hank = await servers.addUser('hank');
    const stranger = 'stranger@example.test';
    const uid = `held-${Date.now()}@example.test`;
    await servers.deliver(await buildMail({ from: stranger, to: [hank.email], subject: 'held', ics: { method: 'REQUEST', content: makeIcs({ method: 'REQUEST', uid, organizer: stranger, attendees: [hank.email] }) } }), [hank.email]);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convene-core-held-'));
    const core = await createCore({ dataDir: dir, shell: 'browser' });
    const keywords = async () => {
      const c = await imapAs(hank);
      await c.mailboxOpen('INBOX');
      const msgs = await c.fetchAll('1:*', { uid: true, flags: true, envelope: true });
      await c.logout();
      return msgs.filter((m) => m.envelope?.subject === 'held').map((m) => [...(m.flags ?? [])].includes(PROCESSED_KEYWORD));
    };
    try {
      const settings = await core.getSettings();
      expect(settings.ok).toBe(true);
      if (settings.ok) await core.saveSettings({ ...settings.value, policy: 'known' });
      const acct = await core.saveAccount(testAccount(servers, hank));
      expect(acct.ok).toBe(true);
      const held = await waitFor(async () => {
        const r = await core.getInvitation({ uid });
        return r.ok && r.value.pending.some((p) => p.kind === 'new-invitation') ? r.value : null;
      }, { timeoutMs: 10_000, what: 'the held invitation in the core' });
      expect(held.thread.map((t) => t.action)).toEqual(['needs-decision']);
      expect(await keywords()).toEqual([false]);

      const r = await core.resolvePending({ uid, pendingId: held.pending[0]!.id, action: 'accept' });
      expect(r.ok).toBe(true);
      await waitFor(async () => ((await keywords())[0] ? true : null), { timeoutMs: 5000, what: `${PROCESSED_KEYWORD} on the decided mail` });
      const after = await core.getInvitation({ uid });
      expect(after.ok && after.value.pending).toEqual([]);
      expect(after.ok && after.value.thread.map((t) => t.action)).toEqual(['created']);
      // Our own keyword coming back through CONDSTORE is not read as "applied by another Convene".
      const lastSync = async () => {
        const st = await core.getStatus();
        return st.ok ? (st.value.accounts[0]?.lastSync ?? null) : null;
      };
      const before = await lastSync();
      // lastSync has millisecond resolution: wait until the clock has moved past it, so the next pass differs.
      await waitFor(() => (before === null || Date.now() > Date.parse(before) ? true : null), { what: 'the clock past the last sync' });
      await core.syncNow();
      await waitFor(async () => ((await lastSync()) !== before ? true : null), { timeoutMs: 5000, what: 'a sync pass after the decision' });
      const again = await core.getInvitation({ uid });
      expect(again.ok && again.value.thread.map((t) => t.action)).toEqual(['created']);
    } finally {
      await core.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a UIDVALIDITY change (mailbox recreated, mail re-delivered) resyncs without applying anything twice', async () => {
    const kate = await servers.addUser('kate');
    const uid = `uv-${Date.now()}@example.test`;
    const raw = await buildMail({ from: alice.email, to: [kate.email], subject: 'uidvalidity', ics: { method: 'REQUEST', content: makeIcs({ method: 'REQUEST', uid, organizer: alice.email, attendees: [kate.email] }) } });
    await servers.deliver(raw, [kate.email]);
    const f = await fixture(kate, { settings: { policy: 'always' } });
    await f.service.syncNow();
    expect(f.processed.map((p) => p.action)).toEqual(['created']);
    const oldKey = f.processed[0]!.key;
    const event = JSON.stringify(f.calendar.get(uid));
    await f.close();
    open.splice(open.indexOf(f), 1);
    const c = await imapAs(kate);
    const uv0 = String(((await c.status('INBOX', { uidValidity: true })) || { uidValidity: 'none' }).uidValidity);
    await c.logout();
    await servers.doveadm(['mailbox', 'delete', '-u', kate.name, 'INBOX']);
    await servers.doveadm(['mailbox', 'create', '-u', kate.name, 'INBOX']).catch(() => ''); // Dovecot may recreate INBOX itself
    await servers.deliver(raw, [kate.email]);
    const c2 = await imapAs(kate);
    const uv1 = String(((await c2.status('INBOX', { uidValidity: true })) || { uidValidity: 'none' }).uidValidity);
    await c2.logout();
    expect(uv1).not.toBe(uv0);
    const again = await fixture(kate, { dir: f.dir, settings: { policy: 'always' } });
    await again.service.syncNow();
    // The same invitation under a new key: the engine sees a duplicate, the event is unchanged.
    expect(again.processed.map((p) => p.key)).not.toContain(oldKey);
    expect(again.processed.map((p) => p.action)).toEqual(['duplicate']);
    expect(JSON.stringify(again.calendar.get(uid))).toBe(event);
    const t = again.calendar.thread(uid);
    expect(t.map((e) => [e.key === oldKey, e.action, Boolean(e.deleted)])).toEqual([
      [true, 'created', true],
      [false, 'duplicate', false],
    ]);
    again.processed.length = 0;
    await again.service.syncNow();
    expect(again.processed).toEqual([]);
  });

  it('wrong password, unreachable port and TLS to a plaintext port give distinct readable errors', async () => {
    const codeOf = async (p: Parameters<typeof connectImap>[0]) => {
      try {
        const c = await connectImap(p);
        await c.logout();
        return 'connected';
      } catch (err) {
        expect(err).toBeInstanceOf(AppError);
        console.log(`  ${(err as AppError).code}: ${(err as AppError).message}`);
        return (err as AppError).code;
      }
    };
    const base = { host: servers.imap.host, port: servers.imap.port, security: 'none' as const, user: bob.name, password: bob.password };
    expect(await codeOf(base)).toBe('connected');
    expect(await codeOf({ ...base, password: 'wrong' })).toBe('IMAP_AUTH');
    const net = await import('node:net');
    const free = await new Promise<number>((r) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as { port: number }).port;
        s.close(() => r(port));
      });
    });
    expect(await codeOf({ ...base, port: free, timeoutMs: 3000 })).toBe('IMAP_UNAVAILABLE');
    expect(await codeOf({ ...base, security: 'tls', timeoutMs: 3000 })).toBe('IMAP_TLS');
    expect(await codeOf({ ...base, host: 'no-such-host.invalid', timeoutMs: 3000 })).toBe('IMAP_DNS');

    // The same through the service's connection test (IMAP and SMTP).
    const f = await fixture(bob, { start: false });
    const input = { name: 'bob', email: bob.email, aliases: [], imap: { host: servers.imap.host, port: servers.imap.port, security: 'none' as const, user: bob.name }, smtp: { host: servers.smtp.host, port: servers.smtp.port, security: 'none' as const, user: bob.email } };
    expect(await f.service.testConnection({ ...input, password: bob.password })).toEqual({ imap: { ok: true }, smtp: { ok: true } });
    const bad = await f.service.testConnection({ ...input, password: 'nope' });
    expect(bad.imap.ok ? '' : bad.imap.code).toBe('IMAP_AUTH');
    expect(bad.smtp.ok ? '' : bad.smtp.code).toBe('SMTP_AUTH');
  });
});

describe('sync on a server without IDLE, CONDSTORE, QRESYNC or MOVE', () => {
  let plain: MailServers;
  beforeAll(async () => {
    // Dovecot advertises only what imap_capability lists; imapflow uses nothing that is not advertised.
    plain = await startMailServers({
      extraDovecotConfig:
        'protocol imap {\n  imap_capability = IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE SORT THREAD=REFERENCES MULTIAPPEND UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY SPECIAL-USE\n}\n',
    });
  });
  afterAll(async () => {
    await plain?.stop();
  });

  it('polls, compares UIDs and moves with COPY + EXPUNGE', async () => {
    const polly = await plain.addUser('polly');
    const f = await makeSync(plain, polly, { settings: { policy: 'always', processedFolder: 'Done' }, sync: { pollMs: 300 } });
    open.push(f);
    await f.service.syncNow();
    const c = await (async () => {
      const cl = new ImapFlow({ host: plain.imap.host, port: plain.imap.port, secure: false, auth: { user: polly.name, pass: polly.password }, logger: false });
      await cl.connect();
      return cl;
    })();
    const caps = [...c.capabilities.keys()];
    expect(caps).not.toContain('IDLE');
    expect(caps).not.toContain('CONDSTORE');
    expect(caps).not.toContain('MOVE');
    const uid = `poll-${Date.now()}@example.test`;
    await plain.deliver(await buildMail({ from: alice.email, to: [polly.email], subject: 'poll', ics: { method: 'REQUEST', content: makeIcs({ method: 'REQUEST', uid, organizer: alice.email, attendees: [polly.email] }) } }), [polly.email]);
    await plain.deliver(await buildMail({ from: alice.email, to: [polly.email], subject: 'plain' }), [polly.email]);
    const t0 = Date.now();
    await waitFor(() => f.calendar.get(uid), { timeoutMs: 5000, what: 'the invitation found by polling' });
    console.log(`polling found the invitation in ${Date.now() - t0} ms (poll interval 300 ms)`);
    await waitFor(async () => {
      const st = await c.status('Done', { messages: true }).catch(() => false as const);
      return st && st.messages === 1;
    }, { timeoutMs: 5000, what: 'the invitation mail moved to Done by COPY + EXPUNGE' });
    // COPY lands before the EXPUNGE: wait for the source side too.
    await waitFor(async () => {
      const st = await c.status('INBOX', { messages: true });
      return st && st.messages === 1;
    }, { timeoutMs: 5000, what: 'the moved mail expunged from INBOX' });
    await c.logout();
    f.processed.length = 0;
    await f.service.syncNow();
    expect(f.processed).toEqual([]);
  });

  it('notices an expunged invitation mail by comparing UIDs (no CONDSTORE)', async () => {
    const quinn = await plain.addUser('quinn');
    const uid = `plain-gone-${Date.now()}@example.test`;
    await plain.deliver(await buildMail({ from: alice.email, to: [quinn.email], subject: 'to be deleted', ics: { method: 'REQUEST', content: makeIcs({ method: 'REQUEST', uid, organizer: alice.email, attendees: [quinn.email] }) } }), [quinn.email]);
    await plain.deliver(await buildMail({ from: alice.email, to: [quinn.email], subject: 'plain' }), [quinn.email]);
    const f = await makeSync(plain, quinn, { settings: { policy: 'always' } });
    open.push(f);
    await f.service.syncNow();
    expect(f.calendar.get(uid)).toBeDefined();
    const cl = new ImapFlow({ host: plain.imap.host, port: plain.imap.port, secure: false, auth: { user: quinn.name, pass: quinn.password }, logger: false });
    await cl.connect();
    await cl.mailboxOpen('INBOX');
    const inv = (await cl.fetchAll('1:*', { uid: true, envelope: true })).find((m) => m.envelope?.subject === 'to be deleted')!;
    await cl.messageDelete(String(inv.uid), { uid: true });
    // New mail in the same pass: the count compare must still see the expunge.
    await plain.deliver(await buildMail({ from: alice.email, to: [quinn.email], subject: 'another plain' }), [quinn.email]);
    await cl.logout();
    await f.service.syncNow();
    expect(f.calendar.thread(uid)[0]!.deleted).toBeTruthy();
    expect(f.calendar.get(uid)).toBeDefined();
  });
});
