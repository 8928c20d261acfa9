// Resilience against real failures: Dovecot killed and restarted in the middle of an initial sync, and the syncing
// process itself SIGKILLed in the middle of writing its store.
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import type { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalendarStore } from '../../electron/store/calendar-store';
import { startMailServers, type MailServers } from '../servers/mail-servers';
import { seedMailbox } from '../servers/seed';
import { makeSync, type SyncFixture } from '../servers/sync-fixture';
import { waitFor, waitForEvent } from '../servers/wait';

const ROOT = path.resolve(__dirname, '../..');
let servers: MailServers;
const open: SyncFixture[] = [];

beforeAll(async () => {
  servers = await startMailServers();
});
afterAll(async () => {
  for (const f of open) await f.dispose().catch(() => {});
  await servers?.stop();
});

function assertEachOnce(f: { calendar: CalendarStore }, uids: string[]): void {
  for (const uid of uids) {
    expect(f.calendar.get(uid), `event ${uid}`).toBeDefined();
    expect(f.calendar.thread(uid).length, `thread of ${uid}`).toBe(1);
  }
}

describe('resilience', () => {
  it('resumes and completes when Dovecot is killed and restarted mid-sync, applying nothing twice', async () => {
    const henry = await servers.addUser('henry');
    const seed = await seedMailbox(servers, henry, { count: 2000, invitationRatio: 0.05, organizer: 'alice@example.test', tag: 'kill' });
    const f = await makeSync(servers, henry, { settings: { policy: 'always' }, sync: { batchSize: 200, backoff: { initialMs: 100, maxMs: 1000 } } });
    open.push(f);
    let reconnects = 0;
    f.service.accountSync(f.accountId)!.on('reconnecting', () => reconnects++);
    await waitForEvent<[{ done: number; total: number }]>(f.service, 'progress', { timeoutMs: 60_000, what: 'a third of the initial sync', pred: (p) => p.done >= 600 });
    const processedBefore = f.processed.length;
    const killedAt = Date.now();
    await servers.killImap();
    await servers.startImap();
    await waitFor(() => f.processed.length >= seed.invitationUids.length && f.service.status()[0]?.state === 'idle', { timeoutMs: 60_000, what: 'the sync to finish after the restart' });
    console.log(`killed after ${processedBefore} invitations processed; ${reconnects} reconnect attempt(s); completed ${Date.now() - killedAt} ms after the kill`);
    expect(reconnects).toBeGreaterThan(0);
    expect(processedBefore).toBeLessThan(seed.invitationUids.length);
    const keys = f.processed.map((p) => p.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(seed.invitationUids.length);
    assertEachOnce(f, seed.invitationUids);
    // And a re-sync finds nothing new.
    f.processed.length = 0;
    await f.service.syncNow();
    expect(f.processed).toEqual([]);
  });

  it('a connection lost between the commands of a window is not taken for an empty window', async () => {
    // Deterministic version of the race above: imapflow's fetch() and search() answer "nothing" instead of failing
    // once the connection is gone, so a drop between two commands of a window looked like an empty window that was
    // then saved as seen (and never read again). Drop A: between two windows (the next structure FETCH runs on the
    // dead connection). Drop B: inside a window, after its structure FETCH (the contacts SEARCH and the parts FETCH
    // run on the dead connection).
    const judy = await servers.addUser('judy');
    const seed = await seedMailbox(servers, judy, { count: 1000, invitationRatio: 0.1, organizer: 'alice@example.test', tag: 'drop' });
    const f = await makeSync(servers, judy, { settings: { policy: 'always' }, sync: { batchSize: 100, backoff: { initialMs: 50, maxMs: 200 } } });
    open.push(f);
    const sync = f.service.accountSync(f.accountId)!;
    const live = () => (sync as unknown as { client: ImapFlow | null }).client;
    const drops: string[] = [];
    sync.on('progress', (p: { mailbox: string; done: number }) => {
      const c = live();
      if (!c || p.mailbox !== 'INBOX') return;
      if (!drops.includes('A') && p.done >= 200) {
        drops.push('A');
        c.close();
      } else if (drops.length === 1 && p.done >= 500) {
        drops.push('B');
        const search = c.search.bind(c);
        c.search = ((...args: Parameters<ImapFlow['search']>) => {
          c.close();
          return search(...args);
        }) as ImapFlow['search'];
      }
    });
    await waitFor(() => drops.length === 2 && f.service.status()[0]?.state === 'idle', { timeoutMs: 60_000, what: 'both drops and the sync to finish' });
    const keys = f.processed.map((p) => p.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBe(seed.invitationUids.length);
    assertEachOnce(f, seed.invitationUids);
  });

  it('a syncing process SIGKILLed mid-write leaves a readable store, and the next run completes', async () => {
    const ivan = await servers.addUser('ivan');
    const seed = await seedMailbox(servers, ivan, { count: 1500, invitationRatio: 0.2, organizer: 'alice@example.test', tag: 'sigkill' });
    const outfile = path.join(ROOT, 'dist', 'test', 'child-sync.mjs');
    await build({ entryPoints: [path.join(ROOT, 'test/servers/child-sync-entry.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, logLevel: 'silent' });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convene-child-'));
    const child = spawn(process.execPath, [outfile], {
      cwd: ROOT,
      env: { ...process.env, CONVENE_CHILD: JSON.stringify({ imapPort: servers.imap.port, smtpPort: servers.smtp.port, user: ivan, dir, batchSize: 50 }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let processed = 0;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<string>((r) => child.once('exit', (code, sig) => r(`${code ?? sig}`)));
    child.stdout.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/processed (\d+)/g)) processed = Number(m[1]);
    });
    await waitFor(() => processed >= 120 || child.exitCode !== null, { timeoutMs: 60_000, what: `the child to process 120 invitations (stderr: ${stderr})` });
    expect(child.exitCode, `child exited early: ${stderr}`).toBeNull();
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    console.log(`child SIGKILLed after reporting ${processed} of ${seed.invitationUids.length} invitations processed`);

    // The store opens (the dead owner's lock is taken over) and holds a consistent prefix.
    const store = await CalendarStore.open(path.join(dir, 'calendar'));
    const n = store.all().length;
    expect(n).toBeGreaterThanOrEqual(100);
    for (const ev of store.all()) expect(store.thread(ev.uid).length).toBe(1);
    await store.close();

    // The next run finishes the job without applying anything twice.
    const f = await makeSync(servers, ivan, { dir, settings: { policy: 'always' }, sync: { batchSize: 500 } });
    open.push(f);
    await f.service.syncNow();
    console.log(`after restart: ${n} events survived the kill, ${f.processed.length} processed by the next run`);
    expect(n + f.processed.length).toBe(seed.invitationUids.length);
    assertEachOnce(f, seed.invitationUids);
  });
});
