// The store never loses acknowledged data silently (issue 10 §6): migration of a snapshot+journal store written by
// the code before SQLite, damage refused with STORE_CORRUPT (files kept byte for byte), and `convene store check` /
// `convene store repair` run as subprocesses.
//
// test/fixtures/legacy-store/ was written by the journal store of commit 468a1de (8 events with processed records
// and threads, compacted into a snapshot, then 5 journal commits: a thread entry, legacy-1 cancelled, legacy-7
// deleted, legacy-8 added, a processed record).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalendarStore, STORE_FILES } from '../../electron/store/calendar-store';
import { makeEvent } from './store-fixtures';

const root = resolve(__dirname, '../..');
const fixture = join(root, 'test/fixtures/legacy-store');
let work: string;

beforeAll(() => {
  const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--cli'], { cwd: root, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  work = mkdtempSync(join(tmpdir(), 'convene-recovery-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
function legacyCopy(): string {
  const dir = join(work, `legacy-${++n}`);
  cpSync(fixture, dir, { recursive: true });
  return dir;
}

function convene(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/convene.mjs'), ...args], { cwd: work, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/**
 * Every file of a directory (not sub-folders) with its hash: "kept byte for byte". SQLite's -shm (an index of the
 * WAL, rebuilt by any connection) and an empty -wal hold no data and come and go with connections.
 */
function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    if (!f.isFile() || f.name.endsWith('-shm')) continue;
    const bytes = readFileSync(join(dir, f.name));
    if (f.name.endsWith('-wal') && bytes.length === 0) continue;
    out[f.name] = createHash('sha256').update(bytes).digest('hex');
  }
  return out;
}

function flipByteAt(path: string, offset: number): void {
  const buf = readFileSync(path);
  buf[offset] = buf[offset]! ^ 0x20;
  writeFileSync(path, buf);
}

describe('migration of a snapshot+journal store', () => {
  it('migrates on first open: every event, processed record and thread; zones kept; old files kept renamed', async () => {
    const dir = legacyCopy();
    const s = await CalendarStore.open(dir);
    expect(s.stats().migrated).toBe(true);
    expect(s.all().map((e) => e.uid).sort()).toEqual(['legacy-0', 'legacy-1', 'legacy-2', 'legacy-3', 'legacy-4', 'legacy-5', 'legacy-6', 'legacy-8']);
    expect(s.get('legacy-1')?.cancelled).toBe(true);
    expect(s.get('legacy-0')?.vtimezones).toEqual([expect.stringContaining('TZID:W. Europe Standard Time\r\nBEGIN:STANDARD\r\nDTSTART:16010101T030000')]);
    expect(s.get('legacy-3')).toEqual(makeEvent('legacy-3', 3));
    expect(s.thread('legacy-1').map((t) => t.action)).toEqual(['created', 'cancelled']);
    expect(s.processedRecord('key-5')).toMatchObject({ uid: 'legacy-5', account: 'acc1', imapUid: 105 });
    expect(s.processedRecord('key-1b')?.action).toBe('cancelled');
    await s.close();
    expect(existsSync(join(dir, 'snapshot.jsonl'))).toBe(false);
    expect(readFileSync(join(dir, 'snapshot.jsonl.migrated'))).toEqual(readFileSync(join(fixture, 'snapshot.jsonl')));
    expect(readFileSync(join(dir, 'journal.jsonl.migrated'))).toEqual(readFileSync(join(fixture, 'journal.jsonl')));
    const again = await CalendarStore.open(dir);
    expect(again.stats().migrated).toBe(false);
    expect(again.size).toBe(8);
    await again.close();
  });

  it('a torn journal tail is not damage: migrated without it, and the CLI reads an unmigrated store without writing', async () => {
    const dir = legacyCopy();
    writeFileSync(join(dir, 'journal.jsonl'), Buffer.concat([readFileSync(join(dir, 'journal.jsonl')), Buffer.from('{"g":1,"ops":[{"o":"del","u":"legac')]));
    const before = files(dir);
    const check = convene('store', 'check', '--store', dir);
    expect(check.code, check.err).toBe(0);
    expect(JSON.parse(check.out)).toMatchObject({ format: 'legacy', ok: true, tornTail: 1, problems: [], counts: { events: 8 } });
    const cal = convene('calendar', '--store', dir);
    expect(cal.code, cal.err).toBe(0);
    expect(JSON.parse(cal.out)).toHaveLength(8);
    expect(files(dir)).toEqual(before); // readers never migrate or repair
    const s = await CalendarStore.open(dir);
    expect(s.stats()).toMatchObject({ migrated: true, droppedOnOpen: 1, events: 8 });
    await s.close();
  });

  it('a damaged record in the middle of the journal is refused (STORE_CORRUPT, where), every file kept; repair keeps the later commits', async () => {
    const dir = legacyCopy();
    const journal = join(dir, 'journal.jsonl');
    const text = readFileSync(journal, 'utf8');
    // One byte of the second of five commits (the thread entry is line 1, legacy-1 cancelled is line 2).
    flipByteAt(journal, text.indexOf('\n') + 40);
    const before = files(dir);
    const err = await CalendarStore.open(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORE_CORRUPT', message: expect.stringContaining('journal.jsonl line 2') });
    expect(files(dir)).toEqual(before);
    expect(existsSync(join(dir, STORE_FILES.db))).toBe(false);
    expect(existsSync(join(dir, STORE_FILES.lock))).toBe(false);

    const agenda = convene('agenda', '--store', dir, '--from', '2026-01-01', '--to', '2027-01-01');
    expect(agenda.code).toBe(2);
    expect(agenda.err).toMatch(/^convene agenda: STORE_CORRUPT: .*journal\.jsonl line 2/);
    expect(agenda.out).toBe('');

    const check = convene('store', 'check', '--store', dir);
    expect(check.code).toBe(1);
    expect(JSON.parse(check.out)).toMatchObject({ format: 'legacy', ok: false, problems: [{ where: 'journal.jsonl line 2' }] });
    expect(files(dir)).toEqual(before);

    const repair = convene('store', 'repair', '--store', dir);
    expect(repair.code, repair.err).toBe(0);
    const rep = JSON.parse(repair.out);
    expect(rep).toMatchObject({ format: 'legacy', repaired: true, kept: { events: 8 }, dropped: [{ where: 'journal.jsonl line 2' }] });
    // The backup holds every file exactly as it was.
    expect(files(rep.backup)).toEqual(before);
    const s = await CalendarStore.open(dir);
    expect(s.get('legacy-7')).toBeUndefined(); // line 3, after the damage: kept
    expect(s.get('legacy-8')).toBeDefined(); // line 4
    expect(s.processedRecord('key-1b')).toBeDefined(); // line 5
    expect(s.get('legacy-1')?.cancelled).toBe(false); // line 2 is lost: the snapshot's version
    await s.close();
  });
});

describe('a damaged SQLite store', () => {
  async function store(events = 200): Promise<string> {
    const dir = join(work, `db-${++n}`);
    const s = await CalendarStore.open(dir);
    await s.commit(Array.from({ length: events }, (_, i) => ({ type: 'put' as const, event: makeEvent(`e${i}`, i) })));
    await s.markProcessed('p1', { action: 'created', uid: 'e1', reason: 'r', at: '2026-01-01T00:00:00Z' });
    await s.close(); // the last connection checkpoints the WAL into calendar.db
    return dir;
  }

  it('one damaged byte inside a row: that read is refused with STORE_CORRUPT naming the event, later writes too, the file untouched', async () => {
    const dir = await store();
    const db = join(dir, STORE_FILES.db);
    const bytes = readFileSync(db);
    const at = bytes.indexOf('Meeting number 117 about');
    expect(at).toBeGreaterThan(0);
    flipByteAt(db, at + 8);
    const before = files(dir);
    const s = await CalendarStore.open(dir);
    expect(s.get('e3')?.uid).toBe('e3');
    expect(() => s.get('e117')).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT', message: expect.stringContaining('event "e117"') }));
    await expect(s.put(makeEvent('new'))).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    await s.close();
    expect(files(dir)).toEqual(before);

    const cal = convene('calendar', '--store', dir);
    expect(cal.code).toBe(2);
    expect(cal.err).toMatch(/STORE_CORRUPT: .*event "e117"/);
    const check = convene('store', 'check', '--store', dir);
    expect(check.code).toBe(1);
    expect(JSON.parse(check.out)).toMatchObject({ format: 'sqlite', ok: false, counts: { events: 199, processed: 1 }, problems: [{ where: 'calendar.db events uid="e117"' }] });
    const repair = convene('store', 'repair', '--store', dir);
    expect(repair.code, repair.err).toBe(0);
    const rep = JSON.parse(repair.out);
    expect(rep).toMatchObject({ repaired: true, kept: { events: 199, processed: 1 }, dropped: [{ where: 'calendar.db events uid="e117"' }] });
    expect(files(rep.backup)).toEqual(before);
    const r = await CalendarStore.open(dir);
    expect(r.size).toBe(199);
    expect(r.get('e117')).toBeUndefined();
    await r.put(makeEvent('new'));
    await r.close();
    expect(convene('store', 'check', '--store', dir).code).toBe(0);
  });

  it('a damaged page in the middle of the file: open refuses (STORE_CORRUPT), repair keeps every row of the other pages', async () => {
    const dir = await store();
    const path = join(dir, STORE_FILES.db);
    const meta = new Database(path, { readonly: true });
    const leaves = meta.prepare("SELECT pageno FROM dbstat WHERE name = 'events' AND pagetype = 'leaf' ORDER BY pageno").pluck().all() as number[];
    const pageSize = Number(meta.pragma('page_size', { simple: true }));
    meta.close();
    expect(leaves.length).toBeGreaterThan(10);
    const page = leaves[Math.floor(leaves.length / 2)]!;
    // The b-tree page type byte (0x0d, a table leaf) of a page in the middle.
    flipByteAt(path, (page - 1) * pageSize);
    const before = files(dir);
    const err = await CalendarStore.open(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORE_CORRUPT', message: expect.stringContaining('calendar.db') });
    expect(files(dir)).toEqual(before);
    expect(existsSync(join(dir, STORE_FILES.lock))).toBe(false);

    // A database too big to check on open (verifyOnOpenMaxBytes) is checked before its first write instead: the
    // invitation list asked for new addresses (which rewrites the rows' badges) too.
    const lister = await CalendarStore.open(dir, { verifyOnOpenMaxBytes: 0 });
    expect(() => lister.invitationPage(['someone-new@example.com'], 'all', 0, 10)).toThrow(expect.objectContaining({ code: 'STORE_CORRUPT' }));
    await lister.close();
    expect(files(dir)).toEqual(before);
    const big = await CalendarStore.open(dir, { verifyOnOpenMaxBytes: 0 });
    await expect(big.put(makeEvent('new'))).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    await expect(big.markProcessed('k', { action: 'created', uid: 'new', reason: 'r', at: 'now' })).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    await big.close();
    expect(files(dir)).toEqual(before);

    const check = convene('store', 'check', '--store', dir);
    expect(check.code).toBe(1);
    const chk = JSON.parse(check.out);
    expect(chk.ok).toBe(false);
    expect(chk.problems.length).toBeGreaterThan(0);
    const repair = convene('store', 'repair', '--store', dir);
    expect(repair.code, repair.err).toBe(0);
    const rep = JSON.parse(repair.out);
    expect(rep.repaired).toBe(true);
    expect(rep.kept.events).toBeGreaterThan(150);
    expect(rep.kept.events).toBeLessThan(200);
    expect(rep.kept.processed).toBe(1);
    expect(files(rep.backup)).toEqual(before);
    const r = await CalendarStore.open(dir);
    expect(r.size).toBe(rep.kept.events);
    expect(r.all().every((e) => /^e\d+$/.test(e.uid))).toBe(true);
    await r.close();
  });

  it('a deleted database is refused, not opened empty: nothing is created; repair starts an empty one after a backup', async () => {
    const dir = await store(20);
    unlinkSync(join(dir, STORE_FILES.db));
    const before = files(dir);
    await expect(CalendarStore.open(dir)).rejects.toMatchObject({ code: 'STORE_CORRUPT', message: expect.stringContaining('missing') });
    const agenda = convene('agenda', '--store', dir, '--from', '2026-01-01', '--to', '2027-01-01');
    expect(agenda.code).toBe(2);
    expect(agenda.err).toMatch(/STORE_CORRUPT: .*missing/);
    expect(files(dir)).toEqual(before);
    const check = convene('store', 'check', '--store', dir);
    expect(check.code).toBe(1);
    expect(JSON.parse(check.out).problems[0]).toMatchObject({ where: 'calendar.db', message: expect.stringContaining('missing') });
    const repair = convene('store', 'repair', '--store', dir);
    expect(repair.code, repair.err).toBe(0);
    expect(JSON.parse(repair.out)).toMatchObject({ repaired: true, kept: { events: 0 } });
    const s = await CalendarStore.open(dir);
    expect(s.size).toBe(0);
    await s.close();
  });

  it('store check on an intact store exits 0; usage errors and a missing folder exit 2', async () => {
    const dir = await store(5);
    const ok = convene('store', 'check', '--store', dir);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toMatchObject({ format: 'sqlite', ok: true, counts: { events: 5, processed: 1, threads: 0 }, problems: [] });
    const rep = convene('store', 'repair', '--store', dir);
    expect(rep.code).toBe(0);
    expect(JSON.parse(rep.out)).toMatchObject({ repaired: false, backup: null });
    expect(convene('store', 'check').code).toBe(2);
    expect(convene('store', 'frobnicate', '--store', dir).code).toBe(2);
    const missing = convene('store', 'check', '--store', join(work, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^convene store: STORE_IO: no store at/);
  });
});
