// `convene store check` and `convene store repair` (issue 10 §6): what is damaged in a store, and a recovery that
// keeps every intact record after a backup of every file.
//
// check never writes. repair takes the writer's lock, copies every file of the store into backup-<time>/ (fsynced)
// before it changes anything, then rebuilds calendar.db from every row (SQLite) or record (snapshot+journal) whose
// checksum holds, reading a damaged SQLite table row by row so one bad page costs only its own rows.
import { copyFileSync, existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { AppError } from '../../shared/errors';
import type { StoredEvent } from '../../shared/itip/types';
import { CalendarStore, RowWriter, STORE_FILES, acquireStoreLock, createSchema, openDatabase, rowCrc, type ProcessedRecord, type ThreadEntry } from './calendar-store';
import { ensurePrivateDirSync, syncDir } from './durable-file';
import { hasLegacyStore, readLegacyStore } from './legacy-store';

export interface StoreProblem {
  /** File, and table + row or line, e.g. 'calendar.db events uid="a"', 'journal.jsonl line 7'. */
  where: string;
  message: string;
}

export interface StoreCounts {
  events: number;
  processed: number;
  threads: number;
}

/** `convene store check --store DIR` prints this. */
export interface StoreCheckReport {
  store: string;
  format: 'sqlite' | 'legacy' | 'none';
  ok: boolean;
  /** Intact records. */
  counts: StoreCounts;
  problems: StoreProblem[];
  /** Legacy journal lines torn by a crash (never acknowledged): not a problem. */
  tornTail: number;
}

/** `convene store repair --store DIR` prints this. */
export interface StoreRepairReport {
  store: string;
  format: 'sqlite' | 'legacy' | 'none';
  /** False when the store was intact: nothing was changed and no backup made. */
  repaired: boolean;
  /** The folder holding a copy of every file as it was before the repair. */
  backup: string | null;
  kept: StoreCounts;
  /** Rows or records that could not be read (their content is only in the backup). */
  dropped: StoreProblem[];
}

const TABLES = ['zones', 'events', 'processed', 'threads'] as const;
type Table = (typeof TABLES)[number];

interface Salvage {
  zones: Map<string, string>;
  events: { uid: string; zones: string; data: string }[];
  processed: { key: string; data: string }[];
  threads: { uid: string; seq: number; data: string }[];
  problems: StoreProblem[];
}

function formatOf(dir: string): StoreCheckReport['format'] {
  if (existsSync(join(dir, STORE_FILES.db)) || existsSync(join(dir, STORE_FILES.marker))) return 'sqlite';
  if (hasLegacyStore(dir)) return 'legacy';
  return 'none';
}

function requireDir(dir: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new AppError('STORE_IO', `no store at ${dir}`);
  }
  if (!st.isDirectory()) throw new AppError('STORE_IO', `not a store directory: ${dir}`);
}

/** Reads every row it can, table by table; a table whose scan fails is read again row by row (by rowid). */
function salvage(db: Database.Database): Salvage {
  const out: Salvage = { zones: new Map(), events: [], processed: [], threads: [], problems: [] };
  const where = (t: Table, id: string) => `${STORE_FILES.db} ${t} ${id}`;
  for (const table of TABLES) {
    let rows: Record<string, unknown>[];
    try {
      rows = db.prepare(`SELECT rowid AS _rowid, * FROM ${table} ORDER BY rowid`).all() as Record<string, unknown>[];
    } catch (err) {
      out.problems.push({ where: `${STORE_FILES.db} ${table}`, message: `table cannot be read whole (${(err as Error).message}); read row by row` });
      rows = byRowid(db, table, out.problems);
    }
    for (const r of rows) {
      const id = table === 'zones' ? `id=${String(r.id)}` : table === 'processed' ? `key=${JSON.stringify(r.key)}` : `uid=${JSON.stringify(r.uid)}`;
      const parts =
        table === 'zones' ? [r.text] : table === 'events' ? [r.zones, r.data] : table === 'processed' ? [r.key, r.data] : [r.uid, r.data];
      if (parts.some((p) => typeof p !== 'string') || rowCrc(...(parts as string[])) !== r.crc) {
        out.problems.push({ where: where(table, id), message: 'checksum does not match: the row is damaged' });
        continue;
      }
      try {
        if (table !== 'zones') JSON.parse(String(r.data));
      } catch {
        out.problems.push({ where: where(table, id), message: 'not valid JSON' });
        continue;
      }
      if (table === 'zones') out.zones.set(String(r.id), String(r.text));
      else if (table === 'events') out.events.push({ uid: String(r.uid), zones: String(r.zones), data: String(r.data) });
      else if (table === 'processed') out.processed.push({ key: String(r.key), data: String(r.data) });
      else out.threads.push({ uid: String(r.uid), seq: Number(r.seq), data: String(r.data) });
    }
  }
  out.events = out.events.filter((e) => {
    const missing = (JSON.parse(e.zones) as string[]).filter((id) => !out.zones.has(id));
    if (missing.length > 0) out.problems.push({ where: where('events', `uid=${JSON.stringify(e.uid)}`), message: `its time zone ${missing[0]} is lost` });
    return missing.length === 0;
  });
  return out;
}

function byRowid(db: Database.Database, table: Table, problems: StoreProblem[]): Record<string, unknown>[] {
  let max = 0;
  try {
    max = Number(db.prepare(`SELECT max(rowid) FROM ${table}`).pluck().get() ?? 0);
  } catch {
    // The rightmost path is damaged too: probe as far as the file could hold rows.
    max = Number(db.pragma('page_count', { simple: true })) * 64;
  }
  const one = db.prepare(`SELECT rowid AS _rowid, * FROM ${table} WHERE rowid = ?`);
  const rows: Record<string, unknown>[] = [];
  let unreadable = 0;
  for (let id = 1; id <= max; id++) {
    try {
      const r = one.get(id) as Record<string, unknown> | undefined;
      if (r) rows.push(r);
    } catch {
      unreadable++;
    }
  }
  if (unreadable > 0) problems.push({ where: `${STORE_FILES.db} ${table}`, message: `${unreadable} row ids could not be read` });
  return rows;
}

function structureProblems(db: Database.Database): StoreProblem[] {
  try {
    const res = db.pragma('integrity_check(20)', { simple: false }) as Record<string, unknown>[];
    const lines = res.map((r) => String(Object.values(r)[0]));
    return lines.length === 1 && lines[0] === 'ok' ? [] : lines.map((l) => ({ where: STORE_FILES.db, message: l }));
  } catch (err) {
    return [{ where: STORE_FILES.db, message: (err as Error).message }];
  }
}

function openForCheck(dir: string): Database.Database | StoreProblem {
  const path = join(dir, STORE_FILES.db);
  if (!existsSync(path)) return { where: STORE_FILES.db, message: `missing, but ${STORE_FILES.marker} says the store was created` };
  try {
    const db = openDatabase(path, { readOnly: true });
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (err) {
    return { where: STORE_FILES.db, message: `cannot be opened: ${(err as Error).message}` };
  }
}

/** What is damaged in the store in `dir`. Never writes. Throws STORE_IO when `dir` is not a directory. */
export function checkStore(dir: string): StoreCheckReport {
  requireDir(dir);
  const format = formatOf(dir);
  const report: StoreCheckReport = { store: dir, format, ok: true, counts: { events: 0, processed: 0, threads: 0 }, problems: [], tornTail: 0 };
  if (format === 'legacy') {
    const state = readLegacyStore(dir);
    report.counts = { events: state.events.size, processed: state.processed.size, threads: state.threads.size };
    report.problems = state.damage.map((d) => ({ where: `${d.file} line ${d.line}`, message: d.message }));
    report.tornTail = state.tornTail;
  } else if (format === 'sqlite') {
    const db = openForCheck(dir);
    if (!('prepare' in db)) report.problems.push(db);
    else {
      try {
        report.problems.push(...structureProblems(db));
        const s = salvage(db);
        report.problems.push(...s.problems);
        report.counts = { events: s.events.length, processed: s.processed.length, threads: new Set(s.threads.map((t) => t.uid)).size };
      } finally {
        db.close();
      }
    }
  }
  report.ok = report.problems.length === 0;
  return report;
}

function backupAll(dir: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let backup = join(dir, `backup-${stamp}`);
  for (let n = 2; existsSync(backup); n++) backup = join(dir, `backup-${stamp}-${n}`);
  ensurePrivateDirSync(backup);
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (f === STORE_FILES.lock || !statSync(p).isFile()) continue;
    copyFileSync(p, join(backup, f));
  }
  return backup;
}

/**
 * Rebuilds the store in `dir` from every intact row or record, after copying every file to a backup folder. A
 * store that checks intact is left alone. Throws STORE_IO when the store is in use or `dir` is not a directory.
 */
export async function repairStore(dir: string): Promise<StoreRepairReport> {
  requireDir(dir);
  const before = checkStore(dir);
  const report: StoreRepairReport = { store: dir, format: before.format, repaired: false, backup: null, kept: before.counts, dropped: [] };
  if (before.ok) return report;
  // The writer's lock: nobody writes while the files are replaced (the store is not opened: it would refuse).
  const lock = await acquireStoreLock(dir, 2_000);
  try {
    report.backup = backupAll(dir);
    await syncDir(report.backup);
    const tmp = join(dir, 'calendar.db.repairing');
    rmSync(tmp, { force: true });
    const out = openDatabase(tmp);
    try {
      createSchema(out);
      const writer = new RowWriter(out);
      if (before.format === 'legacy') {
        const state = readLegacyStore(dir);
        writer.writeAll(state);
        report.kept = { events: state.events.size, processed: state.processed.size, threads: state.threads.size };
        report.dropped = state.damage.map((d) => ({ where: `${d.file} line ${d.line}`, message: d.message }));
      } else {
        const db = openForCheck(dir);
        const s: Salvage = 'prepare' in db ? salvage(db) : { zones: new Map(), events: [], processed: [], threads: [], problems: [db] };
        if ('prepare' in db) db.close();
        out.transaction(() => {
          for (const e of s.events) {
            const ev = JSON.parse(e.data) as StoredEvent;
            ev.vtimezones = (JSON.parse(e.zones) as string[]).map((id) => s.zones.get(id)!);
            writer.putEvent(ev);
          }
          for (const p of s.processed) writer.putProcessed(p.key, JSON.parse(p.data) as ProcessedRecord);
          for (const t of s.threads.sort((a, b) => a.seq - b.seq)) writer.putThread(t.uid, JSON.parse(t.data) as ThreadEntry);
        })();
        report.kept = { events: s.events.length, processed: s.processed.length, threads: new Set(s.threads.map((t) => t.uid)).size };
        report.dropped = s.problems;
      }
      out.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      out.close();
    }
    rmSync(`${tmp}-wal`, { force: true });
    rmSync(`${tmp}-shm`, { force: true });
    // The damaged files are in the backup; the rebuilt database takes their place.
    for (const f of [STORE_FILES.db, `${STORE_FILES.db}-wal`, `${STORE_FILES.db}-shm`]) rmSync(join(dir, f), { force: true });
    for (const f of [STORE_FILES.snapshot, STORE_FILES.journal]) {
      const p = join(dir, f);
      if (existsSync(p)) renameSync(p, `${p}.migrated`);
    }
    renameSync(tmp, join(dir, STORE_FILES.db));
    await syncDir(dir);
    report.repaired = true;
    report.format = before.format;
  } finally {
    lock.release();
  }
  // Opening writes the marker and checks the result like any open.
  const s = await CalendarStore.open(dir);
  await s.close();
  return report;
}
