// The calendar store: stored events by UID, processed-message records and invitation threads, in one SQLite
// database (better-sqlite3), the way Thunderbird, Evolution and Signal keep their state.
//
// Plain Node (no electron import): the app's main process and the `convene` command line (`--store DIR`) share it.
//
// Layout of DIR (0700; every file 0600 whatever the umask):
//   calendar.db (+ -wal, -shm)  WAL mode; one transaction per commit, synchronous=FULL: a commit resolves once it
//                               is durable, and a crash (SIGKILL, power loss) leaves the previous or the next state.
//   store.json                  written once the database exists: a store.json without calendar.db is a deleted
//                               database (refused), not a new store.
//   lock                        the writer's pid; a second writer gets STORE_IO 'store is in use by pid N' (after
//                               waiting briefly); a lock left by a dead process is taken over. Readers need none.
//   snapshot.jsonl.migrated, journal.jsonl.migrated
//                               a store of the format before SQLite, kept after its migration on first open.
//
// Tables: events (uid, the event as JSON without its VTIMEZONEs, their ids, a CRC-32, its span), zones (each
// VTIMEZONE text once, by content hash), event_span (an rtree_i32 over each series' [first start, last end] in
// minutes, open-ended for endless rules: event-span.ts), processed (by message key), threads (by uid, key),
// summaries (the invitation list's row of each event, written with it: summary-table.ts; built on the first open of
// a store written before it).
//
// Damage (issue 10 §6): every row carries a CRC-32 of its content, checked when it is read and by `convene store
// check`; SQLite's own structure is checked on open (quick_check). A damaged database is refused with STORE_CORRUPT
// naming the table and row; nothing is written to it, every file is kept; `convene store repair` keeps every intact
// row after a backup (store-repair.ts).
//
// Reads are synchronous (better-sqlite3 is): parsed events are kept per series until they change, so a read never
// parses twice; occurrences are cached per series and month (expansion-cache.ts).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import Database from 'better-sqlite3';
import { AppError } from '../../shared/errors';
import { isoToMs, type Occurrence } from '../../shared/itip/agenda';
import type { ProcessedRecord, StoreChange, ThreadEntry } from '../../shared/itip/apply';
import type { InvitationFilter } from '../../shared/api';
import type { StoredEvent } from '../../shared/itip/types';
import { summaryParts, type SummaryParts } from '../services/invitation-summary';
import { ensurePrivateDir, ensurePrivateFileSync, ioError, pidAlive, syncDir } from './durable-file';
import { spanOf, toIndexMinutes, windowMinutes } from './event-span';
import { ExpansionCache } from './expansion-cache';
import { LEGACY_FILES, hasLegacyStore, readLegacyStore, type LegacyState } from './legacy-store';
import { SUMMARY_VERSION, SummaryTable, type SummaryPage, type SummaryRow } from './summary-table';

// The change and record types are the apply path's (shared/itip/apply.ts: planApply plans them as plain data).
export type { ProcessedRecord, StoreChange, ThreadEntry } from '../../shared/itip/apply';

export interface StoreChangeEvent {
  /** UIDs whose stored event was put or deleted. */
  uids: string[];
  /** Processed keys recorded. */
  processed: string[];
  /** UIDs whose thread grew. */
  threads: string[];
}

/** The change notification the app subscribes to (to push `onInvitationsChanged`). */
export interface StoreEvents {
  onChange(cb: (change: StoreChangeEvent) => void): () => void;
}

export interface StoreOptions {
  /** Unused since the SQLite store (WAL checkpoints are automatic); accepted so existing callers compile. */
  compactAfterBytes?: number;
  /** Unused since the SQLite store. */
  compactAfterRecords?: number;
  /** How long to wait for another process's lock before failing. Default 2,000 ms. */
  lockWaitMs?: number;
  /** Durable commits (synchronous=FULL). Default true; false only for throwaway stores (benchmarks). */
  durable?: boolean;
  /**
   * SQLite's structural check (quick_check) reads the whole file: on open up to this size (default 8 MiB, about
   * 3,000 events), above it before the first write instead (so a start stays fast and nothing is ever written into a
   * damaged file; reads find damage through the row checksums and SQLite's own errors).
   */
  verifyOnOpenMaxBytes?: number;
  /**
   * Open without the lock, for readers (`convene calendar` while the app runs): never writes, migrates or repairs
   * files, every write is refused. Sees the state as of the last commit before open.
   */
  readOnly?: boolean;
}

export interface StoreStats {
  events: number;
  processed: number;
  threads: number;
  /** Bytes of calendar.db and of its WAL. */
  dbBytes: number;
  walBytes: number;
  /** Kept for callers of the journal store: always 0 (generation, journal) or the db size (snapshotBytes). */
  generation: number;
  journalRecords: number;
  journalBytes: number;
  snapshotBytes: number;
  /** Torn journal lines dropped when a legacy store was migrated on this open. */
  droppedOnOpen: number;
  /** Whether this open migrated a snapshot+journal store. */
  migrated: boolean;
}

const DB = 'calendar.db';
const MARKER = 'store.json';
const LOCK = 'lock';
const MIGRATING = 'calendar.db.migrating';
const SCHEMA_VERSION = 1;
/** window(): up to this many rows not held are read one by one after the window's ids (else the whole window's rows). */
const WINDOW_POINT_READS = 64;
/** Parsed events kept in memory: a month's agenda and the invitations at hand, not the whole history. */
const PARSED_MAX = 2_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS zones(id TEXT PRIMARY KEY, text TEXT NOT NULL, crc INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS events(uid TEXT PRIMARY KEY, zones TEXT NOT NULL, data TEXT NOT NULL, crc INTEGER NOT NULL,
  first_start INTEGER NOT NULL, last_end INTEGER NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS event_span USING rtree_i32(id, lo, hi);
CREATE TABLE IF NOT EXISTS processed(key TEXT PRIMARY KEY, uid TEXT, data TEXT NOT NULL, crc INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS processed_uid ON processed(uid);
CREATE TABLE IF NOT EXISTS threads(uid TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL,
  crc INTEGER NOT NULL, PRIMARY KEY(uid, key));
CREATE INDEX IF NOT EXISTS threads_key ON threads(key);
CREATE INDEX IF NOT EXISTS threads_seq ON threads(uid, seq);
`;

type Db = Database.Database;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function validUid(uid: unknown): uid is string {
  return typeof uid === 'string' && uid.length > 0;
}

/** CRC of a row's content, as stored in its `crc` column. */
export function rowCrc(...parts: string[]): number {
  return crc32(parts.join('\n'));
}

function zoneId(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** SQLite's corruption codes (SQLITE_CORRUPT*, SQLITE_NOTADB) as STORE_CORRUPT; other failures as STORE_IO. */
export function storeError(what: string, err: unknown, path: string): AppError {
  if (err instanceof AppError) return err;
  const code = String((err as { code?: unknown })?.code ?? '');
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new AppError('STORE_CORRUPT', `${path} is damaged (${what}: ${(err as Error).message}); nothing was written. Run: convene store check --store DIR`, false, { cause: err });
  }
  return ioError(`${what} (${path})`, err);
}

function corrupt(where: string): AppError {
  return new AppError('STORE_CORRUPT', `${where} is damaged; nothing was written. Run: convene store check --store DIR`);
}

/** Opens (creating when missing) a database file with the store's settings. */
export function openDatabase(path: string, opts: { readOnly?: boolean; durable?: boolean } = {}): Db {
  if (!opts.readOnly) {
    // Created 0600 before SQLite opens it: SQLite gives its -wal and -shm files the database file's mode.
    ensurePrivateFileSync(path);
  }
  // Inside Electron (npm start), scripts/start.mjs points to a build of the native module for Electron's ABI.
  const nativeBinding = process.env.CONVENE_SQLITE_BINDING || undefined;
  const db = new Database(path, { readonly: !!opts.readOnly, fileMustExist: !!opts.readOnly, ...(nativeBinding ? { nativeBinding } : {}) });
  try {
    if (!opts.readOnly) {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.durable === false ? 'OFF' : 'FULL'}`);
    }
    db.pragma('busy_timeout = 5000');
    // 4 MiB of page cache instead of 16: reads are index lookups, and the OS keeps the file cached anyway.
    db.pragma('cache_size = -4000');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

export function createSchema(db: Db): void {
  db.exec(SCHEMA);
  SummaryTable.createSchema(db);
  db.prepare('INSERT OR IGNORE INTO meta(key, value) VALUES (?, ?)').run('schema', String(SCHEMA_VERSION));
}

/** The prepared statements one writer uses; shared with migration and repair so a row is written one way. */
export class RowWriter {
  private readonly putZone;
  private readonly upsertEvent;
  private readonly eventRowid;
  private readonly putSpan;
  private readonly delEvent;
  private readonly delSpan;
  private readonly upsertProcessed;
  private readonly upsertThread;
  private readonly maxSeq;
  private seq: number;

  constructor(private readonly db: Db) {
    this.putZone = db.prepare('INSERT OR IGNORE INTO zones(id, text, crc) VALUES (?, ?, ?)');
    this.upsertEvent = db.prepare(
      'INSERT INTO events(uid, zones, data, crc, first_start, last_end) VALUES (@uid, @zones, @data, @crc, @lo, @hi) ' +
        'ON CONFLICT(uid) DO UPDATE SET zones = excluded.zones, data = excluded.data, crc = excluded.crc, first_start = excluded.first_start, last_end = excluded.last_end',
    );
    this.eventRowid = db.prepare('SELECT rowid FROM events WHERE uid = ?').pluck();
    this.putSpan = db.prepare('INSERT OR REPLACE INTO event_span(id, lo, hi) VALUES (?, ?, ?)');
    this.delEvent = db.prepare('DELETE FROM events WHERE rowid = ?');
    this.delSpan = db.prepare('DELETE FROM event_span WHERE id = ?');
    this.upsertProcessed = db.prepare(
      'INSERT INTO processed(key, uid, data, crc) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET uid = excluded.uid, data = excluded.data, crc = excluded.crc',
    );
    // The same message processed twice is one thread entry in its first place (the later outcome wins).
    this.upsertThread = db.prepare(
      'INSERT INTO threads(uid, key, seq, data, crc) VALUES (?, ?, ?, ?, ?) ON CONFLICT(uid, key) DO UPDATE SET data = excluded.data, crc = excluded.crc',
    );
    this.maxSeq = db.prepare('SELECT coalesce(max(seq), 0) FROM threads').pluck();
    this.seq = Number(this.maxSeq.get());
  }

  /** Writes an event; its VTIMEZONEs go to `zones` once each. Returns the JSON stored (without the zones). */
  putEvent(ev: StoredEvent): void {
    const ids: string[] = [];
    for (const text of ev.vtimezones ?? []) {
      const id = zoneId(text);
      this.putZone.run(id, text, rowCrc(text));
      ids.push(id);
    }
    const zones = JSON.stringify(ids);
    const data = JSON.stringify({ ...ev, vtimezones: [] });
    const span = toIndexMinutes(spanOf(ev));
    this.upsertEvent.run({ uid: ev.uid, zones, data, crc: rowCrc(zones, data), lo: span.lo, hi: span.hi });
    const rowid = this.eventRowid.get(ev.uid) as number;
    this.putSpan.run(rowid, span.lo, span.hi);
  }

  deleteEvent(uid: string): void {
    const rowid = this.eventRowid.get(uid) as number | undefined;
    if (rowid === undefined) return;
    this.delEvent.run(rowid);
    this.delSpan.run(rowid);
  }

  putProcessed(key: string, record: ProcessedRecord): void {
    const data = JSON.stringify(record);
    this.upsertProcessed.run(key, record?.uid ?? null, data, rowCrc(key, data));
  }

  putThread(uid: string, entry: ThreadEntry): void {
    const data = JSON.stringify(entry);
    this.upsertThread.run(uid, entry.key, ++this.seq, data, rowCrc(uid, data));
  }

  /** Writes a whole legacy state (migration, repair of a legacy store) in one transaction. */
  writeAll(state: Pick<LegacyState, 'events' | 'processed' | 'threads'>): void {
    this.db.transaction(() => {
      for (const ev of state.events.values()) this.putEvent(ev);
      for (const [k, r] of state.processed) this.putProcessed(k, r);
      for (const [u, list] of state.threads) for (const t of list) this.putThread(u, t);
    })();
  }
}

export class CalendarStore implements StoreEvents {
  readonly dir: string;
  private readonly listeners = new Set<(c: StoreChangeEvent) => void>();
  private readonly opts: Required<StoreOptions>;
  private db: Db | null = null;
  private writer: RowWriter | null = null;
  /**
   * Parsed events (the store's own objects) most recently read, replaced on write; bounded so that 50,000 events
   * are never all held at once (all() parses the rest as it streams them and keeps none of them).
   */
  private readonly parsed = new Map<string, StoredEvent>();
  /** The parsed events read from their rows, by rowid (event_span's id), and each one's rowid by UID. */
  private readonly heldAt = new Map<number, StoredEvent>();
  private readonly rowOf = new Map<string, number>();
  /** VTIMEZONE texts by id: one string per zone in memory, shared by every event that uses it. */
  private readonly zoneText = new Map<string, string>();
  private readonly expansions = new ExpansionCache();
  /** The invitation list's rows; a reader builds its own (temporary) copy when it is first asked. */
  private summaries: SummaryTable | null = null;
  /** A reader's copy is of the database as of this data_version (another connection's commit changes it). */
  private summariesOf: unknown = null;
  private droppedOnOpen = 0;
  private migrated = false;
  private closed = false;
  /** Set when damage is found while open: every later write is refused. */
  private damaged: AppError | null = null;
  /** Whether quick_check ran since open (see verifyOnOpenMaxBytes). */
  private verified = false;
  private lock: { release(): void } | null = null;
  private stmts!: {
    getEvent: Database.Statement;
    hasEvent: Database.Statement;
    allEvents: Database.Statement;
    eventsAfter: Database.Statement;
    countEvents: Database.Statement;
    windowEvents: Database.Statement;
    windowIds: Database.Statement;
    eventAt: Database.Statement;
    getZone: Database.Statement;
    getProcessed: Database.Statement;
    countProcessed: Database.Statement;
    getThread: Database.Statement;
    countThreads: Database.Statement;
  };

  private constructor(dir: string, opts: StoreOptions) {
    this.dir = dir;
    this.opts = {
      compactAfterBytes: opts.compactAfterBytes ?? 0,
      compactAfterRecords: opts.compactAfterRecords ?? 0,
      lockWaitMs: opts.lockWaitMs ?? 2_000,
      durable: opts.durable ?? true,
      readOnly: opts.readOnly ?? false,
      verifyOnOpenMaxBytes: opts.verifyOnOpenMaxBytes ?? 8 * 1024 * 1024,
    };
  }

  private get dbPath(): string {
    return join(this.dir, DB);
  }

  /** Opens (creating when missing, migrating a snapshot+journal store) the store in `dir`. Throws AppError
   * STORE_IO (unusable directory, lock held) or STORE_CORRUPT (damaged files; nothing written). */
  static async open(dir: string, opts: StoreOptions = {}): Promise<CalendarStore> {
    if (opts.readOnly) return CalendarStore.openReadOnly(dir, opts);
    const store = new CalendarStore(dir, opts);
    try {
      await ensurePrivateDir(dir);
    } catch (err) {
      throw ioError(`cannot create store directory ${dir}`, err);
    }
    await store.acquireLock();
    try {
      await store.openWriter();
    } catch (err) {
      store.db?.close();
      store.db = null;
      store.releaseLock();
      throw storeError('cannot open store', err, join(dir, DB));
    }
    return store;
  }

  private static async openReadOnly(dir: string, opts: StoreOptions): Promise<CalendarStore> {
    const store = new CalendarStore(dir, opts);
    const dirStat = await stat(dir).catch(() => null);
    if (dirStat && !dirStat.isDirectory()) throw new AppError('STORE_IO', `not a store directory: ${dir}`);
    try {
      if (dirStat && existsSync(store.dbPath)) {
        store.db = openDatabase(store.dbPath, { readOnly: true });
        if (statSync(store.dbPath).size <= store.opts.verifyOnOpenMaxBytes) store.verifyStructure();
      } else {
        if (dirStat) store.refuseMissingDatabase();
        // Nothing written yet, or a store not yet migrated (a reader never migrates): read it into memory.
        store.db = new Database(':memory:');
        createSchema(store.db);
        if (dirStat && hasLegacyStore(dir)) store.loadLegacy(new RowWriter(store.db));
      }
      store.prepare();
    } catch (err) {
      store.db?.close();
      throw storeError('cannot read store', err, store.dbPath);
    }
    return store;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Reads (the returned objects are the store's: treat them as read-only)

  get(uid: string): StoredEvent | undefined {
    const cached = this.parsed.get(uid);
    if (cached) return cached;
    const row = this.read(() => this.stmts.getEvent.get(uid)) as EventRow | undefined;
    if (!row) return undefined;
    return this.remember(this.decodeEvent(row), row.rowid);
  }

  /** Every stored event, in the order they were first stored. */
  all(): StoredEvent[] {
    // Row by row (iterate, not all()): each row's text is garbage as soon as it is parsed, so reading 50,000 rows
    // never holds 100+ MB of JSON at once.
    const out: StoredEvent[] = [];
    this.read(() => {
      for (const row of this.stmts.allEvents.iterate() as IterableIterator<EventRow>) out.push(this.parsed.get(row.uid) ?? this.decodeEvent(row));
    });
    return out;
  }

  /**
   * Every stored event, read 1,000 rows at a time: at most one batch of parsed events is alive at once (the list of
   * 50,000 invitations summarises them as they come). Other reads may run between batches.
   */
  *each(): IterableIterator<StoredEvent> {
    let after = 0;
    for (;;) {
      const rows = this.read(() => this.stmts.eventsAfter.all(after)) as (EventRow & { rowid: number })[];
      if (rows.length === 0) return;
      after = rows[rows.length - 1]!.rowid;
      const batch = rows.map((row) => this.parsed.get(row.uid) ?? this.decodeEvent(row));
      rows.length = 0;
      yield* batch;
    }
  }

  /**
   * The events whose span (first start to last end, open-ended for endless rules) touches [from, to): a superset
   * of those with an occurrence in the window, read through the index. In the order they were first stored.
   */
  window(from: string, to: string): StoredEvent[] {
    const fromMs = isoToMs(from);
    const toMs = isoToMs(to);
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) return this.all();
    const w = windowMinutes(fromMs, toMs);
    const out: StoredEvent[] = [];
    this.read(() => {
      if (this.heldAt.size > 0 && !this.opts.readOnly) {
        // Most of the window is usually parsed already (a conflict check after the month's agenda): the index's row
        // ids first, and only the rows not held are read and decoded (reading 1,200 event rows to keep none of them
        // cost ~10 ms). Only the writer: its rowids cannot change under it (each write forgets what it touched).
        const ids = this.stmts.windowIds.all(w.to, w.from) as number[];
        let missing = 0;
        for (const id of ids) if (!this.heldAt.has(id)) missing++;
        if (missing <= WINDOW_POINT_READS || missing * 4 <= ids.length) {
          for (const id of ids) {
            const held = this.heldAt.get(id);
            if (held) {
              out.push(held);
              continue;
            }
            const row = this.stmts.eventAt.get(id) as EventRow | undefined;
            if (row) out.push(this.parsed.get(row.uid) ?? this.remember(this.decodeEvent(row), row.rowid));
          }
          return;
        }
      }
      for (const row of this.stmts.windowEvents.iterate(w.to, w.from) as IterableIterator<EventRow>) {
        out.push(this.parsed.get(row.uid) ?? this.remember(this.decodeEvent(row), row.rowid));
      }
    });
    return out;
  }

  /**
   * expandAgenda(events, from, to) with each series' occurrences cached per month until the series changes.
   * `events` must be this store's current objects (from get/all/window).
   */
  expand(events: readonly StoredEvent[], from: string, to: string): Occurrence[] {
    return this.expansions.expand(events, from, to);
  }

  has(uid: string): boolean {
    if (this.parsed.has(uid)) return true;
    return this.read(() => this.stmts.hasEvent.get(uid)) !== undefined;
  }

  get size(): number {
    return Number(this.read(() => this.stmts.countEvents.get()));
  }

  processedRecord(key: string): ProcessedRecord | undefined {
    const row = this.read(() => this.stmts.getProcessed.get(key)) as { data: string; crc: number } | undefined;
    if (!row) return undefined;
    if (rowCrc(key, row.data) !== row.crc) throw this.markDamaged(corrupt(`${this.dbPath}: processed record ${JSON.stringify(key)}`));
    return JSON.parse(row.data) as ProcessedRecord;
  }

  thread(uid: string): ThreadEntry[] {
    const rows = this.read(() => this.stmts.getThread.all(uid)) as { data: string; crc: number }[];
    return rows.map((row) => {
      if (rowCrc(uid, row.data) !== row.crc) throw this.markDamaged(corrupt(`${this.dbPath}: thread entry of ${JSON.stringify(uid)}`));
      return JSON.parse(row.data) as ThreadEntry;
    });
  }

  /**
   * One page of the invitation list (newest thread first) under `filter`, with its total and the count per filter,
   * read from the list's rows (summary-table.ts); badges for my addresses `me`.
   */
  invitationPage(me: readonly string[], filter: InvitationFilter, offset: number, limit: number): SummaryPage {
    return this.read(() => this.summaryTable(me).page(filter, offset, limit));
  }

  /** The whole invitation list, newest thread first, from the list's rows. */
  invitationRows(me: readonly string[]): SummaryRow[] {
    return this.read(() => this.summaryTable(me).all());
  }

  stats(): StoreStats {
    const size = (p: string) => {
      try {
        return statSync(p).size;
      } catch {
        return 0;
      }
    };
    const dbBytes = size(this.dbPath);
    return {
      events: this.size,
      processed: Number(this.read(() => this.stmts.countProcessed.get())),
      threads: Number(this.read(() => this.stmts.countThreads.get())),
      dbBytes,
      walBytes: size(`${this.dbPath}-wal`),
      generation: 0,
      journalRecords: 0,
      journalBytes: 0,
      snapshotBytes: dbBytes,
      droppedOnOpen: this.droppedOnOpen,
      migrated: this.migrated,
    };
  }

  onChange(cb: (change: StoreChangeEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Writes: each resolves once durable (its transaction committed) and visible to reads.

  put(ev: StoredEvent): Promise<void> {
    return this.commit([{ type: 'put', event: ev }]);
  }

  async delete(uid: string): Promise<boolean> {
    if (!this.has(uid)) return false;
    await this.commit([{ type: 'delete', uid }]);
    return true;
  }

  markProcessed(key: string, record: ProcessedRecord): Promise<void> {
    return this.commit([{ type: 'processed', key, record }]);
  }

  addToThread(uid: string, entry: ThreadEntry): Promise<void> {
    return this.commit([{ type: 'thread', uid, entry }]);
  }

  /** Writes several changes in one transaction: after a crash either all of them are there or none. */
  commit(changes: StoreChange[]): Promise<void> {
    if (this.opts.readOnly) return Promise.reject(new AppError('STORE_IO', `store ${this.dir} is open read-only`));
    if (this.closed || !this.db || !this.writer) return Promise.reject(new AppError('STORE_IO', `store ${this.dir} is closed`));
    if (!this.verified) {
      try {
        this.verifyStructure();
      } catch (err) {
        return Promise.reject(this.markDamaged(storeError('structure check', err, this.dbPath)));
      }
    }
    if (this.damaged) return Promise.reject(this.damaged);
    if (changes.length === 0) return Promise.resolve();
    let copies: StoreChange[];
    try {
      for (const c of changes) validate(c);
      // JSON round trip: the store keeps its own copy, and a non-serialisable value fails here, before any write.
      copies = JSON.parse(JSON.stringify(changes)) as StoreChange[];
    } catch (err) {
      return Promise.reject(err instanceof AppError ? err : new AppError('STORE_IO', `cannot serialise change: ${String(err)}`));
    }
    const writer = this.writer;
    try {
      this.db.transaction(() => {
        for (const c of copies) {
          if (c.type === 'put') writer.putEvent(c.event);
          else if (c.type === 'delete') writer.deleteEvent(c.uid);
          else if (c.type === 'processed') writer.putProcessed(c.key, c.record);
          else writer.putThread(c.uid, c.entry);
        }
        this.updateSummaries(copies);
      })();
    } catch (err) {
      const e = storeError('cannot write store', err, this.dbPath);
      if (e.code === 'STORE_CORRUPT') this.markDamaged(e);
      return Promise.reject(e);
    }
    const change: StoreChangeEvent = { uids: [], processed: [], threads: [] };
    for (const c of copies) {
      if (c.type === 'put') {
        this.forget(c.event.uid);
        this.remember(this.internZones(c.event));
        this.expansions.invalidate(c.event.uid);
        change.uids.push(c.event.uid);
      } else if (c.type === 'delete') {
        this.forget(c.uid);
        this.expansions.invalidate(c.uid);
        change.uids.push(c.uid);
      } else if (c.type === 'processed') change.processed.push(c.key);
      else change.threads.push(c.uid);
    }
    this.emit(change);
    return Promise.resolve();
  }

  /** Moves the WAL into the database file (SQLite also does this on its own). Public for tests and tools. */
  async compact(): Promise<void> {
    if (this.opts.readOnly || this.closed || !this.db) return;
    try {
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      throw storeError('cannot checkpoint store', err, this.dbPath);
    }
  }

  /** Closes the database and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.db?.close();
    } catch {
      /* closing cannot lose acknowledged data: every commit was durable when it resolved */
    }
    this.db = null;
    this.writer = null;
    this.summaries = null;
    if (!this.opts.readOnly) this.releaseLock();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Internals

  private async openWriter(): Promise<void> {
    const dir = this.dir;
    // A migration that did not finish: the legacy files are complete, start it again.
    await rm(join(dir, MIGRATING), { force: true });
    await rm(join(dir, `${MIGRATING}-wal`), { force: true });
    await rm(join(dir, `${MIGRATING}-shm`), { force: true });
    if (!existsSync(this.dbPath)) {
      this.refuseMissingDatabase();
      if (hasLegacyStore(dir)) await this.migrate();
    }
    const fresh = !existsSync(this.dbPath);
    const bytes = fresh ? 0 : statSync(this.dbPath).size;
    this.db = openDatabase(this.dbPath, { durable: this.opts.durable });
    if (fresh) this.verified = true;
    else if (bytes <= this.opts.verifyOnOpenMaxBytes) this.verifyStructure();
    else this.read(() => this.db!.prepare('SELECT count(*) FROM sqlite_master').get()); // the header and schema read
    createSchema(this.db);
    if (!existsSync(join(dir, MARKER))) {
      await writeFile(join(dir, MARKER), `${JSON.stringify({ format: 'sqlite', schema: SCHEMA_VERSION })}\n`, { mode: 0o600 });
      ensurePrivateFileSync(join(dir, MARKER));
      await syncDir(dir);
    }
    this.finishMigration();
    this.writer = new RowWriter(this.db);
    this.prepare();
    const db = this.db;
    const damaged = (uid: string) => this.summaryDamaged(uid);
    if (db.prepare("SELECT value FROM meta WHERE key = 'summaries'").pluck().get() === SUMMARY_VERSION) {
      this.summaries = new SummaryTable(db, true, damaged);
    } else {
      // A store written before the list's rows existed (or with rows of an older format): built once, in one
      // transaction (a crash before its end leaves the store as it was, and the next open builds them again).
      if (!this.verified) this.verifyStructure();
      db.transaction(() => {
        SummaryTable.drop(db);
        SummaryTable.createSchema(db);
        this.summaries = new SummaryTable(db, true, damaged);
        this.summaries.rebuild(this.allSummaryParts());
      })();
    }
  }

  /** A store.json (or WAL) without calendar.db is a deleted database: opening it empty would lose everything. */
  private refuseMissingDatabase(): void {
    for (const f of [MARKER, `${DB}-wal`]) {
      if (existsSync(join(this.dir, f))) {
        throw new AppError('STORE_CORRUPT', `${this.dbPath} is missing but ${f} is there; nothing was written. Run: convene store check --store DIR`);
      }
    }
  }

  /** SQLite's structural check (b-trees, pages, indexes): a damaged database is refused before anything is written. */
  private verifyStructure(): void {
    this.verified = true;
    const db = this.db as Db;
    let result: unknown[];
    try {
      result = db.pragma('quick_check(5)', { simple: false }) as unknown[];
    } catch (err) {
      throw storeError('structure check', err, this.dbPath);
    }
    const lines = result.map((r) => Object.values(r as object)[0]).map(String);
    if (lines.length !== 1 || lines[0] !== 'ok') throw corrupt(`${this.dbPath} (${lines.join('; ')})`);
  }

  /** First open of a snapshot+journal store: everything into a new database, or nothing (refused when damaged). */
  private async migrate(): Promise<void> {
    const state = readLegacyStore(this.dir);
    if (state.damage.length > 0) {
      const where = state.damage.slice(0, 3).map((d) => `${d.file} line ${d.line}: ${d.message}`).join('; ');
      throw new AppError('STORE_CORRUPT', `store ${this.dir} cannot be migrated, it is damaged (${where}); every file was kept. Run: convene store repair --store DIR`);
    }
    const tmp = join(this.dir, MIGRATING);
    const db = openDatabase(tmp, { durable: this.opts.durable });
    try {
      createSchema(db);
      new RowWriter(db).writeAll(state);
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
    await rm(`${tmp}-wal`, { force: true });
    await rm(`${tmp}-shm`, { force: true });
    renameSync(tmp, this.dbPath);
    await syncDir(this.dir);
    this.droppedOnOpen = state.tornTail;
    this.migrated = true;
  }

  /** The legacy files stay beside the new database, renamed, so a later open does not read them again. */
  private finishMigration(): void {
    for (const f of [LEGACY_FILES.snapshot, LEGACY_FILES.journal]) {
      const p = join(this.dir, f);
      if (existsSync(p)) renameSync(p, `${p}.migrated`);
    }
    rmSync(join(this.dir, LEGACY_FILES.snapshotTmp), { force: true });
  }

  private loadLegacy(writer: RowWriter): void {
    const state = readLegacyStore(this.dir);
    if (state.damage.length > 0) {
      const d = state.damage[0]!;
      throw new AppError('STORE_CORRUPT', `store ${this.dir} is damaged (${d.file} line ${d.line}: ${d.message}). Run: convene store check --store DIR`);
    }
    writer.writeAll(state);
    this.droppedOnOpen = state.tornTail;
  }

  private prepare(): void {
    const db = this.db as Db;
    const cols = 'rowid, uid, zones, data, crc';
    this.stmts = {
      getEvent: db.prepare(`SELECT ${cols} FROM events WHERE uid = ?`),
      hasEvent: db.prepare('SELECT 1 FROM events WHERE uid = ?'),
      allEvents: db.prepare(`SELECT ${cols} FROM events ORDER BY rowid`),
      eventsAfter: db.prepare(`SELECT ${cols} FROM events WHERE rowid > ? ORDER BY rowid LIMIT 1000`),
      countEvents: db.prepare('SELECT count(*) FROM events').pluck(),
      windowEvents: db.prepare(`SELECT ${cols} FROM events WHERE rowid IN (SELECT id FROM event_span WHERE lo <= ? AND hi >= ?) ORDER BY rowid`),
      windowIds: db.prepare('SELECT id FROM event_span WHERE lo <= ? AND hi >= ? ORDER BY id').pluck(),
      eventAt: db.prepare(`SELECT ${cols} FROM events WHERE rowid = ?`),
      getZone: db.prepare('SELECT text, crc FROM zones WHERE id = ?'),
      getProcessed: db.prepare('SELECT data, crc FROM processed WHERE key = ?'),
      countProcessed: db.prepare('SELECT count(*) FROM processed').pluck(),
      getThread: db.prepare('SELECT data, crc FROM threads WHERE uid = ? ORDER BY seq'),
      countThreads: db.prepare('SELECT count(DISTINCT uid) FROM threads').pluck(),
    };
  }

  /** Runs a read; SQLite's corruption errors become STORE_CORRUPT (and refuse later writes). */
  private read<T>(fn: () => T): T {
    if (!this.db) throw new AppError('STORE_IO', `store ${this.dir} is closed`);
    try {
      return fn();
    } catch (err) {
      const e = storeError('cannot read store', err, this.dbPath);
      if (e.code === 'STORE_CORRUPT') this.markDamaged(e);
      throw e;
    }
  }

  /** Keeps a parsed event among the most recently used (the oldest beyond PARSED_MAX go). */
  /** Keeps a parsed event; `rowid` when it was read from its row (window() then finds it by the index's id). */
  private remember(ev: StoredEvent, rowid?: number): StoredEvent {
    this.forget(ev.uid);
    this.parsed.set(ev.uid, ev);
    if (rowid !== undefined) {
      this.rowOf.set(ev.uid, rowid);
      this.heldAt.set(rowid, ev);
    }
    if (this.parsed.size > PARSED_MAX) this.forget(this.parsed.keys().next().value as string);
    return ev;
  }

  private forget(uid: string): void {
    this.parsed.delete(uid);
    const rowid = this.rowOf.get(uid);
    if (rowid === undefined) return;
    this.rowOf.delete(uid);
    this.heldAt.delete(rowid);
  }

  private summaryTable(me: readonly string[]): SummaryTable {
    const db = this.db as Db;
    if (this.opts.readOnly) {
      // A reader writes nothing to the file: its rows live in a temporary table, rebuilt when a writer committed.
      const version = db.pragma('data_version', { simple: true });
      if (!this.summaries || version !== this.summariesOf) {
        if (!this.summaries) {
          SummaryTable.createSchema(db, true);
          this.summaries = new SummaryTable(db, false, (uid) => this.summaryDamaged(uid));
        }
        const table = this.summaries;
        db.transaction(() => table.rebuild(this.allSummaryParts()))();
        this.summariesOf = version;
      }
    }
    const table = this.summaries as SummaryTable;
    if (!this.opts.readOnly && table.changesAddresses(me)) {
      // New addresses rewrite badges: a write like any other, never into a damaged file.
      if (!this.verified) this.verifyStructure();
      if (this.damaged) throw this.damaged;
    }
    table.useAddresses(me);
    return table;
  }

  /** Every event's list row, computed from the events (streamed, 1,000 at a time). */
  private *allSummaryParts(): IterableIterator<SummaryParts> {
    for (const ev of this.each()) yield summaryParts(ev, this.thread(ev.uid));
  }

  /** The list's rows of the events a commit touched (inside its transaction): written, replaced or deleted. */
  private updateSummaries(changes: StoreChange[]): void {
    const table = this.summaries;
    if (!table) return;
    // Per UID, the event as this commit leaves it: put, deleted (null), or unchanged (undefined: read it).
    const touched = new Map<string, StoredEvent | null | undefined>();
    for (const c of changes) {
      if (c.type === 'put') touched.set(c.event.uid, c.event);
      else if (c.type === 'delete') touched.set(c.uid, null);
      else if (c.type === 'thread' && !touched.has(c.uid)) touched.set(c.uid, undefined);
    }
    for (const [uid, known] of touched) {
      const ev = known === undefined ? this.get(uid) : known;
      if (ev) table.put(summaryParts(ev, this.thread(uid)));
      else table.delete(uid);
    }
  }

  private summaryDamaged(uid: string): AppError {
    return this.markDamaged(corrupt(`${this.dbPath}: invitation list row ${JSON.stringify(uid)}`));
  }

  private markDamaged(e: AppError): AppError {
    this.damaged ??= e;
    return e;
  }

  private decodeEvent(row: EventRow): StoredEvent {
    if (rowCrc(row.zones, row.data) !== row.crc) throw this.markDamaged(corrupt(`${this.dbPath}: event ${JSON.stringify(row.uid)}`));
    let ev: StoredEvent;
    let ids: string[];
    try {
      ev = JSON.parse(row.data) as StoredEvent;
      ids = JSON.parse(row.zones) as string[];
    } catch {
      throw this.markDamaged(corrupt(`${this.dbPath}: event ${JSON.stringify(row.uid)}`));
    }
    ev.vtimezones = ids.map((id) => this.zone(id));
    return ev;
  }

  private zone(id: string): string {
    const known = this.zoneText.get(id);
    if (known !== undefined) return known;
    const row = this.read(() => this.stmts.getZone.get(id)) as { text: string; crc: number } | undefined;
    if (!row || rowCrc(row.text) !== row.crc) throw this.markDamaged(corrupt(`${this.dbPath}: time zone ${id}`));
    this.zoneText.set(id, row.text);
    return row.text;
  }

  /** The event as kept in memory: its VTIMEZONE strings replaced by the one shared copy of each. */
  private internZones(ev: StoredEvent): StoredEvent {
    ev.vtimezones = (ev.vtimezones ?? []).map((text) => {
      const id = zoneId(text);
      const known = this.zoneText.get(id);
      if (known !== undefined) return known;
      this.zoneText.set(id, text);
      return text;
    });
    return ev;
  }

  private emit(change: StoreChangeEvent): void {
    for (const cb of this.listeners) {
      try {
        cb(change);
      } catch (err) {
        process.emitWarning(`convene store: change listener threw: ${String(err)}`);
      }
    }
  }

  private async acquireLock(): Promise<void> {
    this.lock = await acquireStoreLock(this.dir, this.opts.lockWaitMs);
  }

  private releaseLock(): void {
    this.lock?.release();
    this.lock = null;
  }
}

/**
 * The writer's lock: DIR/lock holds the owner's pid. Waits up to `waitMs` for another live owner; a lock left by a
 * dead process is taken over. Released on release() or process exit. Throws STORE_IO 'store is in use by pid N'.
 */
export async function acquireStoreLock(dir: string, waitMs: number): Promise<{ release(): void }> {
  const path = join(dir, LOCK);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(`cannot lock store ${dir}`, err);
    }
    let pid = NaN;
    try {
      pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    } catch {
      /* vanished or half-written: look again */
    }
    const held = Number.isInteger(pid) && pid > 0 && (pid === process.pid || pidAlive(pid));
    if (!held) {
      // A lock whose owner is gone (crash, SIGKILL). An empty lock is a writer that died between create and
      // write, unless it is very fresh.
      let stale = true;
      if (!Number.isInteger(pid)) {
        const st = await stat(path).catch(() => null);
        stale = !st || Date.now() - st.mtimeMs > 1_000;
      }
      if (stale) {
        await rm(path, { force: true });
        continue;
      }
    }
    if (Date.now() >= deadline) {
      throw new AppError('STORE_IO', `store is in use by pid ${Number.isInteger(pid) ? pid : 'unknown'} (${dir})`, true);
    }
    await sleep(50);
  }
  const releaseSync = () => {
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
    } catch {
      /* already gone */
    }
  };
  process.once('exit', releaseSync);
  return {
    release() {
      process.removeListener('exit', releaseSync);
      releaseSync();
    },
  };
}

interface EventRow {
  rowid: number;
  uid: string;
  zones: string;
  data: string;
  crc: number;
}

function validate(c: StoreChange): void {
  switch (c?.type) {
    case 'put':
      if (!c.event || !validUid(c.event.uid)) throw new AppError('STORE_IO', 'cannot store an event without a UID');
      return;
    case 'delete':
      if (!validUid(c.uid)) throw new AppError('STORE_IO', 'cannot delete an event without a UID');
      return;
    case 'processed':
      if (!c.key) throw new AppError('STORE_IO', 'a processed record needs a key');
      return;
    case 'thread':
      if (!validUid(c.uid) || !c.entry || typeof c.entry.key !== 'string') throw new AppError('STORE_IO', 'a thread entry needs a UID and a key');
      return;
    default:
      throw new AppError('STORE_IO', `unknown store change ${JSON.stringify(c)}`);
  }
}

// Exported for tools and tests that look at a store's files.
export const STORE_FILES = { db: DB, marker: MARKER, lock: LOCK, ...LEGACY_FILES } as const;
