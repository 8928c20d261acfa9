// Durability: SIGKILL a writer at random moments; every reopen must be readable, consistent (batches all-or-nothing)
// and hold every acknowledged write.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listView } from '../../electron/services/invitations-view';
import { invitationList, invitationPage } from '../../electron/services/reading-view';
import { CalendarStore } from '../../electron/store/calendar-store';
import { rng, seedNote } from '../random';

let work: string;
let childJs: string;
let childDir: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'convene-crash-'));
  mkdirSync(join(__dirname, '../../node_modules/.cache'), { recursive: true });
  // Inside the repo, so the native better-sqlite3 (external: it cannot be bundled) resolves from node_modules.
  childDir = mkdtempSync(join(__dirname, '../../node_modules/.cache/convene-crash-'));
  childJs = join(childDir, 'child.mjs');
  buildSync({
    entryPoints: [join(__dirname, 'store-crash-child.ts')],
    outfile: childJs,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['better-sqlite3'],
    logLevel: 'error',
  });
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(childDir, { recursive: true, force: true });
});

function runAndKill(dir: string, delayMs: number): Promise<{ acked: number; sawReady: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childJs, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let acked = 0;
    let sawReady = false;
    let buf = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'ready' && !sawReady) {
          sawReady = true;
          setTimeout(() => child.kill('SIGKILL'), delayMs);
        }
        const m = /^ack (\d+)$/.exec(line);
        if (m) acked = Math.max(acked, Number(m[1]));
      }
    });
    child.on('error', reject);
    // Reopen only after 'exit': until the child is reaped its pid still looks alive and holds the lock.
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited ${code ?? signal}: ${stderr}`));
      else resolve({ acked, sawReady });
    });
  });
}

describe('store crash safety', () => {
  it('survives ~20 SIGKILLs at random moments with every acknowledged write present', async () => {
    const dir = join(work, 'store');
    let lastAcked = 0;
    let kills = 0;
    let totalAcked = 0;
    const random = rng();
    for (let round = 0; round < 20; round++) {
      const delayMs = Math.floor(random() * 250);
      const { acked } = await runAndKill(dir, delayMs);
      kills++;
      const s = await CalendarStore.open(dir, { lockWaitMs: 2_000 });
      try {
        const meta = Number(s.get('meta')?.myAddress ?? '0');
        const at = `round ${round}, killed after ${delayMs} ms, ${seedNote}`;
        // Every acknowledged write is there (meta is written in the same batch as ev-N).
        expect(meta, at).toBeGreaterThanOrEqual(acked);
        expect(meta, at).toBeGreaterThanOrEqual(lastAcked);
        // Batches are all-or-nothing and nothing after the last batch exists.
        expect(s.get(`ev-${meta + 1}`), at).toBeUndefined();
        for (let j = 1; j <= meta; j++) {
          const deleted = (j + 5) % 10 === 0 && j + 5 <= meta;
          if (deleted) expect(s.get(`ev-${j}`), at).toBeUndefined();
          else expect(s.get(`ev-${j}`)?.master?.uid, at).toBe(`ev-${j}`);
          expect(s.processedRecord(`k-${j}`)?.uid, at).toBe(`ev-${j}`);
        }
        // The invitation list's rows are written in the same transactions: they are exactly the list of the events.
        const ctx = { me: ['me@example.com'], now: '2026-01-01T00:00:00Z', accountFor: () => null };
        expect(invitationList(s, ctx), at).toEqual(listView(s.each(), (uid) => s.thread(uid), ctx));
        expect(invitationPage(s, { offset: 0, limit: 0 }, ctx).total, at).toBe(s.size);
        totalAcked += Math.max(0, acked - lastAcked);
        lastAcked = Math.max(meta, acked);
      } finally {
        await s.close();
      }
    }
    console.log(`[store crash] ${kills} kills, ${lastAcked} commits survived, ${totalAcked} acked`);
    expect(kills).toBe(20);
    expect(lastAcked).toBeGreaterThan(0);
  }, 120_000);
});
