import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { CalendarStore, STORE_FILES, type StoreChangeEvent } from '../../electron/store/calendar-store';
import { AppError } from '../../shared/errors';
import { makeEvent } from './store-fixtures';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'convene-store-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('CalendarStore', () => {
  it('round-trips events, processed records and threads across reopen', async () => {
    const dir = tmp();
    const s = await CalendarStore.open(dir);
    const changes: StoreChangeEvent[] = [];
    const off = s.onChange((c) => changes.push(c));
    await s.put(makeEvent('a', 1));
    await s.put(makeEvent('b', 2));
    await s.markProcessed('k1', { action: 'created', uid: 'a', reason: 'new', at: '2026-01-01T00:00:00Z', messageId: '<m1@x>' });
    await s.addToThread('a', { key: 'k1', method: 'REQUEST', from: 'org@example.com', subject: 'Hi', date: null, action: 'created', reason: 'new' });
    await s.addToThread('a', { key: 'k1', method: 'REQUEST', from: 'org@example.com', subject: 'Hi', date: null, action: 'duplicate', reason: 'again' });
    expect(await s.delete('b')).toBe(true);
    expect(await s.delete('nope')).toBe(false);
    off();
    await s.put(makeEvent('c', 3));
    expect(changes.map((c) => c.uids.concat(c.processed, c.threads))).toEqual([['a'], ['b'], ['k1'], ['a'], ['a'], ['b']]);
    await s.close();

    const r = await CalendarStore.open(dir);
    expect(r.all().map((e) => e.uid).sort()).toEqual(['a', 'c']);
    expect(r.get('a')).toEqual(makeEvent('a', 1));
    expect(r.get('b')).toBeUndefined();
    expect(r.processedRecord('k1')).toMatchObject({ action: 'created', uid: 'a', messageId: '<m1@x>' });
    // The same message twice is one thread entry; the later outcome wins.
    expect(r.thread('a')).toEqual([{ key: 'k1', method: 'REQUEST', from: 'org@example.com', subject: 'Hi', date: null, action: 'duplicate', reason: 'again' }]);
    expect(r.thread('zzz')).toEqual([]);
    await r.close();
  });

  it('keeps its own copy: mutating the object passed to put changes nothing', async () => {
    const s = await CalendarStore.open(tmp());
    const ev = makeEvent('a');
    await s.put(ev);
    ev.cancelled = true;
    expect(s.get('a')?.cancelled).toBe(false);
    await s.close();
  });

  it('commits a batch atomically and rejects invalid changes without writing anything', async () => {
    const dir = tmp();
    const s = await CalendarStore.open(dir);
    await s.commit([
      { type: 'put', event: makeEvent('x') },
      { type: 'processed', key: 'h1', record: { action: 'created', uid: 'x', reason: 'r', at: 'now' } },
      { type: 'thread', uid: 'x', entry: { key: 'h1', method: 'REQUEST', from: null, subject: null, date: null, action: 'created', reason: 'r' } },
    ]);
    const before = statSync(join(dir, STORE_FILES.journal)).size;
    await expect(s.commit([{ type: 'put', event: makeEvent('y') }, { type: 'put', event: { ...makeEvent(''), uid: '' } }])).rejects.toMatchObject({ code: 'STORE_IO' });
    expect(s.get('y')).toBeUndefined();
    expect(statSync(join(dir, STORE_FILES.journal)).size).toBe(before);
    // One journal line per commit.
    expect(readFileSync(join(dir, STORE_FILES.journal), 'utf8').trim().split('\n')).toHaveLength(1);
    await s.close();
    await expect(s.put(makeEvent('late'))).rejects.toBeInstanceOf(AppError);
  });

  it('replays the journal on open and ignores a torn last line (and cuts it off)', async () => {
    const dir = tmp();
    const s = await CalendarStore.open(dir);
    for (let i = 0; i < 10; i++) await s.put(makeEvent(`e${i}`, i));
    await s.close();
    expect(existsSync(join(dir, STORE_FILES.snapshot))).toBe(false); // everything is in the journal
    const journal = join(dir, STORE_FILES.journal);
    const good = statSync(journal).size;
    appendFileSync(journal, '{"g":0,"ops":[{"o":"put","e":{"uid":"torn"'); // a write cut short by a crash
    const r = await CalendarStore.open(dir);
    expect(r.size).toBe(10);
    expect(r.get('torn')).toBeUndefined();
    expect(r.stats().droppedOnOpen).toBe(1);
    expect(statSync(journal).size).toBe(good);
    await r.put(makeEvent('after'));
    await r.close();
    const again = await CalendarStore.open(dir);
    expect(again.size).toBe(11);
    expect(again.get('after')?.uid).toBe('after');
    await again.close();
  });

  it('stops replay at a line whose checksum is wrong', async () => {
    const dir = tmp();
    const s = await CalendarStore.open(dir);
    await s.put(makeEvent('a'));
    await s.put(makeEvent('b'));
    await s.close();
    const journal = join(dir, STORE_FILES.journal);
    const lines = readFileSync(journal, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"uid":"b"', '"uid":"B"'); // bit rot in the last record
    writeFileSync(journal, lines.join('\n'));
    const r = await CalendarStore.open(dir);
    expect(r.all().map((e) => e.uid)).toEqual(['a']);
    await r.close();
  });

  it('compacts into a snapshot when the journal grows, and reopens from snapshot + journal', async () => {
    const dir = tmp();
    const s = await CalendarStore.open(dir, { compactAfterBytes: 20_000 });
    for (let i = 0; i < 60; i++) await s.put(makeEvent(`e${i}`, i));
    await s.markProcessed('p', { action: 'created', uid: 'e1', reason: 'r', at: 'now' });
    await s.addToThread('e1', { key: 'p', method: 'REQUEST', from: null, subject: null, date: null, action: 'created', reason: 'r' });
    await s.delete('e0');
    const st = s.stats();
    expect(st.generation).toBeGreaterThan(0);
    expect(st.snapshotBytes).toBeGreaterThan(0);
    expect(st.journalBytes).toBeLessThan(Math.max(20_000, st.snapshotBytes) + 5_000);
    await s.compact();
    expect(s.stats().journalBytes).toBe(0);
    await s.put(makeEvent('post'));
    await s.close();
    const r = await CalendarStore.open(dir);
    expect(r.size).toBe(60);
    expect(r.get('e0')).toBeUndefined();
    expect(r.get('post')).toBeDefined();
    expect(r.processedRecord('p')?.uid).toBe('e1');
    expect(r.thread('e1')).toHaveLength(1);
    await r.close();
  });

  it('skips journal lines of an older generation (crash after the snapshot rename, before the journal reset)', async () => {
    const dir = tmp();
    const s = await CalendarStore.open(dir);
    await s.put(makeEvent('a'));
    await s.put(makeEvent('b'));
    const oldJournal = readFileSync(join(dir, STORE_FILES.journal));
    await s.compact();
    await s.delete('b');
    await s.close();
    // Put the pre-compaction lines back in front, as if the reset never happened: they must not resurrect 'b'.
    const cur = readFileSync(join(dir, STORE_FILES.journal));
    writeFileSync(join(dir, STORE_FILES.journal), Buffer.concat([oldJournal, cur]));
    const r = await CalendarStore.open(dir);
    expect(r.all().map((e) => e.uid)).toEqual(['a']);
    await r.close();
  });

  it('refuses a damaged snapshot with STORE_IO instead of opening a partial store', async () => {
    const dir = tmp();
    const s = await CalendarStore.open(dir);
    await s.put(makeEvent('a'));
    await s.compact();
    await s.close();
    const snap = join(dir, STORE_FILES.snapshot);
    writeFileSync(snap, readFileSync(snap).subarray(0, 200));
    await expect(CalendarStore.open(dir)).rejects.toMatchObject({ code: 'STORE_IO' });
    // ...and the failed open left no lock behind.
    expect(existsSync(join(dir, STORE_FILES.lock))).toBe(false);
  });

  it('locks the store: a second opener gets STORE_IO naming the pid; a dead owner\'s lock is taken over', async () => {
    const dir = tmp();
    const s = await CalendarStore.open(dir);
    const err = await CalendarStore.open(dir, { lockWaitMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('STORE_IO');
    expect((err as AppError).message).toContain(`store is in use by pid ${process.pid}`);
    // Waiting briefly: released while waiting → opens.
    const waiting = CalendarStore.open(dir, { lockWaitMs: 3_000 });
    setTimeout(() => void s.close(), 150);
    const w = await waiting;
    await w.close();
    // Another live process holds it.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, STORE_FILES.lock), `${child.pid}\n`);
      await expect(CalendarStore.open(dir, { lockWaitMs: 100 })).rejects.toThrow(`store is in use by pid ${child.pid}`);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    // Its owner is dead now: the stale lock is taken over.
    const t = await CalendarStore.open(dir, { lockWaitMs: 100 });
    expect(readFileSync(join(dir, STORE_FILES.lock), 'utf8').trim()).toBe(String(process.pid));
    await t.close();
    expect(existsSync(join(dir, STORE_FILES.lock))).toBe(false);
  });

  it('opens read-only without the lock, refuses writes, and never repairs a tail a writer may be appending', async () => {
    const dir = tmp();
    const w = await CalendarStore.open(dir);
    await w.put(makeEvent('a'));
    await w.compact();
    await w.put(makeEvent('b'));
    const journal = join(dir, STORE_FILES.journal);
    appendFileSync(journal, '{"g":1,"ops":[{"o":"put"'); // a commit in flight
    const size = statSync(journal).size;
    const r = await CalendarStore.open(dir, { readOnly: true });
    expect(r.all().map((e) => e.uid).sort()).toEqual(['a', 'b']);
    expect(statSync(journal).size).toBe(size);
    await expect(r.put(makeEvent('c'))).rejects.toMatchObject({ code: 'STORE_IO', message: expect.stringContaining('read-only') });
    await r.close();
    expect(readFileSync(join(dir, STORE_FILES.lock), 'utf8').trim()).toBe(String(process.pid)); // still the writer's
    await w.close();
    // A store that was never written reads as empty, and nothing is created.
    const none = join(dir, 'never');
    expect((await CalendarStore.open(none, { readOnly: true })).size).toBe(0);
    expect(existsSync(none)).toBe(false);
  });

  it('reports an unusable directory as STORE_IO', async () => {
    const dir = tmp();
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    await expect(CalendarStore.open(join(file, 'sub'))).rejects.toMatchObject({ code: 'STORE_IO' });
  });

  it('handles concurrent writes (group commit) in order', async () => {
    const s = await CalendarStore.open(tmp());
    await Promise.all(Array.from({ length: 200 }, (_, i) => s.put(makeEvent(`c${i}`, i))));
    await Promise.all([s.put({ ...makeEvent('same'), summary: 1 } as never), s.put({ ...makeEvent('same'), myAddress: 'last@example.com' })]);
    expect(s.size).toBe(201);
    expect(s.get('same')?.myAddress).toBe('last@example.com');
    await s.close();
  });

  it('holds 50,000 events: batched puts, single puts, reopen (timings printed)', async () => {
    const dir = tmp();
    const N = 50_000;
    let t = performance.now();
    const s = await CalendarStore.open(dir);
    for (let i = 0; i < N; i += 1000) {
      await s.commit(Array.from({ length: 1000 }, (_, j) => ({ type: 'put' as const, event: makeEvent(`big-${i + j}`, i + j) })));
    }
    const loadMs = performance.now() - t;
    t = performance.now();
    const single = 200;
    for (let i = 0; i < single; i++) await s.put(makeEvent(`big-${i}`, i + 1));
    const putMs = (performance.now() - t) / single;
    await s.close();
    t = performance.now();
    const r = await CalendarStore.open(dir);
    const openMs = performance.now() - t;
    expect(r.size).toBe(N);
    expect(r.get('big-199')?.master?.sequence).toBe(200 % 5);
    expect(r.get(`big-${N - 1}`)?.uid).toBe(`big-${N - 1}`);
    t = performance.now();
    await r.put(makeEvent('one-more'));
    const putAfterOpenMs = performance.now() - t;
    const st = r.stats();
    await r.close();
    console.log(
      `[store 50k] batched load ${loadMs.toFixed(0)} ms, single put ${putMs.toFixed(2)} ms avg, reopen ${openMs.toFixed(0)} ms, ` +
        `put after open ${putAfterOpenMs.toFixed(2)} ms, snapshot ${(st.snapshotBytes / 1e6).toFixed(1)} MB, journal ${(st.journalBytes / 1e6).toFixed(2)} MB`,
    );
  }, 180_000);
});
