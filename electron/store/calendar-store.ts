// The calendar store: stored events by UID, processed-message records and invitation threads.
//
// Plain Node (no electron import): the app's main process and the `convene` command line (`--store DIR`) share it.
//
// Layout of DIR:
//   snapshot.jsonl   the full state at generation G, one record per line, written to a temp file, fsynced, renamed
//                    over the old one, then the directory fsynced: it is always the old or the new snapshot.
//   journal.jsonl    append-only: one line per commit (`{"g":G,"ops":[...]}` + TAB + CRC-32), fsynced before the
//                    commit resolves. Replayed on open; lines of an older generation are skipped (a crash between
//                    the snapshot rename and the journal reset), a torn or bad tail is cut off.
//   lock             the owner's pid; a second process gets STORE_IO 'store is in use by pid N' (after waiting
//                    briefly); a lock left by a dead process is taken over.
//
// Why this design: a write costs one appended line and one fdatasync whatever the store size; compaction happens
// when the journal outgrows the snapshot (and at least `compactAfterBytes`), so its cost is amortised to a
// constant per write. A commit is one line, so a batch of changes is atomic: on a crash (SIGKILL, power loss after
// fsync) the store opens in the previous or the next state, never in between.
import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { AppError } from '../../shared/errors';
import type { ProcessedRecord, StoreChange, ThreadEntry } from '../../shared/itip/apply';
import type { StoredEvent } from '../../shared/itip/types';
import { ioError, pidAlive, syncDir } from './durable-file';

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
  /** Compact when the journal exceeds max(this, snapshot size). Default 4 MiB. */
  compactAfterBytes?: number;
  /** Also compact when the journal holds this many commits. Default 100,000. */
  compactAfterRecords?: number;
  /** How long to wait for another process's lock before failing. Default 2,000 ms. */
  lockWaitMs?: number;
  /** fsync journal appends and snapshots. Default true; false only for throwaway stores (benchmarks). */
  durable?: boolean;
  /**
   * Open without the lock, for readers (`convene calendar` while the app runs): never writes or repairs files,
   * every write is refused. Sees the state as of the last commit fsynced before open.
   */
  readOnly?: boolean;
}

export interface StoreStats {
  events: number;
  processed: number;
  threads: number;
  generation: number;
  journalRecords: number;
  journalBytes: number;
  snapshotBytes: number;
  /** Journal lines dropped on open (a torn tail). */
  droppedOnOpen: number;
}

const SNAPSHOT = 'snapshot.jsonl';
const SNAPSHOT_TMP = 'snapshot.jsonl.tmp';
const JOURNAL = 'journal.jsonl';
const LOCK = 'lock';
const FORMAT = 1;

type Op =
  | { o: 'put'; e: StoredEvent }
  | { o: 'del'; u: string }
  | { o: 'proc'; k: string; r: ProcessedRecord }
  | { o: 'thr'; u: string; t: ThreadEntry };

interface Pending {
  /** The ops as JSON; framed with the generation at write time (a compaction may come between). */
  opsJson: string;
  ops: Op[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

function frame(json: string): string {
  return `${json}\t${crc32(json).toString(16)}\n`;
}

/** Returns the JSON text of a framed line, or null when the line is torn or its checksum is wrong. */
function unframe(line: string): string | null {
  const tab = line.lastIndexOf('\t');
  if (tab < 0) return null;
  const json = line.slice(0, tab);
  if (crc32(json).toString(16) !== line.slice(tab + 1)) return null;
  return json;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function validUid(uid: unknown): uid is string {
  return typeof uid === 'string' && uid.length > 0;
}

export class CalendarStore implements StoreEvents {
  readonly dir: string;
  private readonly events = new Map<string, StoredEvent>();
  private readonly processed = new Map<string, ProcessedRecord>();
  private readonly threads = new Map<string, ThreadEntry[]>();
  private readonly listeners = new Set<(c: StoreChangeEvent) => void>();
  private readonly opts: Required<StoreOptions>;
  private journal: FileHandle | null = null;
  private generation = 0;
  private journalRecords = 0;
  private journalBytes = 0;
  private snapshotBytes = 0;
  private droppedOnOpen = 0;
  private queue: Pending[] = [];
  private drainScheduled = false;
  private mutex: Promise<void> = Promise.resolve();
  private closed = false;
  private exitHook: (() => void) | null = null;

  private constructor(dir: string, opts: StoreOptions) {
    this.dir = dir;
    this.opts = {
      compactAfterBytes: opts.compactAfterBytes ?? 4 * 1024 * 1024,
      compactAfterRecords: opts.compactAfterRecords ?? 100_000,
      lockWaitMs: opts.lockWaitMs ?? 2_000,
      durable: opts.durable ?? true,
      readOnly: opts.readOnly ?? false,
    };
  }

  /** Opens (creating when missing) the store in `dir`. Throws AppError STORE_IO. */
  static async open(dir: string, opts: StoreOptions = {}): Promise<CalendarStore> {
    if (opts.readOnly) return CalendarStore.openReadOnly(dir, opts);
    const store = new CalendarStore(dir, opts);
    try {
      await mkdir(dir, { recursive: true });
    } catch (err) {
      throw ioError(`cannot create store directory ${dir}`, err);
    }
    await store.acquireLock();
    try {
      await store.load();
    } catch (err) {
      store.releaseLock();
      throw ioError(`cannot open store ${dir}`, err);
    }
    return store;
  }

  /**
   * A writer may compact while we read (snapshot renamed, journal reset): the snapshot's identity is checked
   * before and after, and the read retried when it changed.
   */
  private static async openReadOnly(dir: string, opts: StoreOptions): Promise<CalendarStore> {
    const ident = async () => {
      const st = await stat(join(dir, SNAPSHOT)).catch(() => null);
      return st ? `${st.ino}:${st.mtimeMs}:${st.size}` : 'none';
    };
    const dirStat = await stat(dir).catch(() => null);
    if (dirStat && !dirStat.isDirectory()) throw new AppError('STORE_IO', `not a store directory: ${dir}`);
    if (!dirStat) {
      // Nothing written yet: an empty store, and (read-only) no directory created.
      const empty = new CalendarStore(dir, opts);
      empty.closed = true;
      return empty;
    }
    for (let attempt = 0; ; attempt++) {
      const store = new CalendarStore(dir, opts);
      const before = await ident();
      try {
        await store.loadSnapshot();
        await store.replayJournal();
      } catch (err) {
        if (attempt < 3) continue;
        throw ioError(`cannot read store ${dir}`, err);
      }
      if ((await ident()) === before || attempt >= 3) {
        store.closed = true;
        return store;
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Reads (from memory; the returned objects are the store's: treat them as read-only)

  get(uid: string): StoredEvent | undefined {
    return this.events.get(uid);
  }

  all(): StoredEvent[] {
    return [...this.events.values()];
  }

  has(uid: string): boolean {
    return this.events.has(uid);
  }

  get size(): number {
    return this.events.size;
  }

  processedRecord(key: string): ProcessedRecord | undefined {
    return this.processed.get(key);
  }

  thread(uid: string): ThreadEntry[] {
    return [...(this.threads.get(uid) ?? [])];
  }

  stats(): StoreStats {
    return {
      events: this.events.size,
      processed: this.processed.size,
      threads: this.threads.size,
      generation: this.generation,
      journalRecords: this.journalRecords,
      journalBytes: this.journalBytes,
      snapshotBytes: this.snapshotBytes,
      droppedOnOpen: this.droppedOnOpen,
    };
  }

  onChange(cb: (change: StoreChangeEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Writes: each resolves once durable (journal line fsynced) and applied in memory.

  put(ev: StoredEvent): Promise<void> {
    return this.commit([{ type: 'put', event: ev }]);
  }

  async delete(uid: string): Promise<boolean> {
    if (!this.events.has(uid)) return false;
    await this.commit([{ type: 'delete', uid }]);
    return true;
  }

  markProcessed(key: string, record: ProcessedRecord): Promise<void> {
    return this.commit([{ type: 'processed', key, record }]);
  }

  addToThread(uid: string, entry: ThreadEntry): Promise<void> {
    return this.commit([{ type: 'thread', uid, entry }]);
  }

  /** Writes several changes atomically: after a crash either all of them are there or none. */
  commit(changes: StoreChange[]): Promise<void> {
    if (this.opts.readOnly) return Promise.reject(new AppError('STORE_IO', `store ${this.dir} is open read-only`));
    if (this.closed) return Promise.reject(new AppError('STORE_IO', `store ${this.dir} is closed`));
    if (changes.length === 0) return Promise.resolve();
    let ops: Op[];
    let opsJson: string;
    try {
      ops = changes.map(toOp);
      // JSON round trip: the store keeps its own copy, and a non-serialisable value fails here, not on replay.
      opsJson = JSON.stringify(ops);
      ops = JSON.parse(opsJson) as Op[];
    } catch (err) {
      return Promise.reject(err instanceof AppError ? err : new AppError('STORE_IO', `cannot serialise change: ${String(err)}`));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ opsJson, ops, resolve, reject });
      if (!this.drainScheduled) {
        this.drainScheduled = true;
        void this.serialized(() => this.drain());
      }
    });
  }

  /** Writes a new snapshot and empties the journal. Runs automatically; public for tests and tools. */
  compact(): Promise<void> {
    return this.serialized(() => this.compactNow());
  }

  /** Waits for pending writes, closes the journal and releases the lock. */
  async close(): Promise<void> {
    if (this.closed || this.opts.readOnly) {
      this.closed = true;
      return;
    }
    // New commits are refused from now on; queued ones were scheduled ahead of this on the mutex.
    this.closed = true;
    await this.serialized(async () => {
      try {
        await this.journal?.close();
      } catch {
        /* closing a handle cannot lose acknowledged data: every commit was fsynced */
      }
      this.journal = null;
      this.releaseLock();
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Internals

  /** Group commit: every queued commit's line goes out in one write and one fdatasync. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        const text = batch.map((p) => frame(`{"g":${this.generation},"ops":${p.opsJson}}`)).join('');
        try {
          const fh = await this.journalHandle();
          await fh.write(text);
          if (this.opts.durable) await fh.datasync();
        } catch (err) {
          // The tail may now hold part of this batch: cut it back so a later append does not follow garbage.
          await this.truncateJournal(this.journalBytes).catch(() => undefined);
          const e = ioError(`cannot write store journal in ${this.dir}`, err);
          for (const p of batch) p.reject(e);
          continue;
        }
        this.journalBytes += Buffer.byteLength(text);
        this.journalRecords += batch.length;
        const change: StoreChangeEvent = { uids: [], processed: [], threads: [] };
        for (const p of batch) {
          for (const op of p.ops) this.apply(op, change);
          p.resolve();
        }
        this.emit(change);
        if (this.needsCompaction()) {
          try {
            await this.compactNow();
          } catch (err) {
            // The journal still holds everything; the next commit retries.
            process.emitWarning(`convene store: compaction failed: ${String(err)}`);
          }
        }
      }
    } finally {
      this.drainScheduled = false;
    }
  }

  /** Writes, compaction and close run one at a time, in call order. */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.mutex.then(fn, fn);
    this.mutex = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  }

  private needsCompaction(): boolean {
    return (
      this.journalRecords >= this.opts.compactAfterRecords ||
      this.journalBytes > Math.max(this.opts.compactAfterBytes, this.snapshotBytes)
    );
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

  private apply(op: Op, change?: StoreChangeEvent): void {
    switch (op.o) {
      case 'put':
        this.events.set(op.e.uid, op.e);
        change?.uids.push(op.e.uid);
        break;
      case 'del':
        this.events.delete(op.u);
        change?.uids.push(op.u);
        break;
      case 'proc':
        this.processed.set(op.k, op.r);
        change?.processed.push(op.k);
        break;
      case 'thr': {
        const list = this.threads.get(op.u) ?? [];
        // The same message processed twice is one thread entry (the later outcome wins).
        const at = list.findIndex((t) => t.key === op.t.key);
        if (at >= 0) list[at] = op.t;
        else list.push(op.t);
        this.threads.set(op.u, list);
        change?.threads.push(op.u);
        break;
      }
    }
  }

  private async journalHandle(): Promise<FileHandle> {
    if (!this.journal) this.journal = await open(join(this.dir, JOURNAL), 'a');
    return this.journal;
  }

  private async truncateJournal(size: number): Promise<void> {
    const fh = await open(join(this.dir, JOURNAL), 'r+');
    try {
      await fh.truncate(size);
      if (this.opts.durable) await fh.sync();
    } finally {
      await fh.close();
    }
  }

  private async load(): Promise<void> {
    // A leftover temp snapshot is a compaction that did not finish: the old snapshot and journal are complete.
    await rm(join(this.dir, SNAPSHOT_TMP), { force: true });
    await this.loadSnapshot();
    await this.replayJournal();
  }

  private async loadSnapshot(): Promise<void> {
    let buf: Buffer;
    try {
      buf = await readFile(join(this.dir, SNAPSHOT));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    this.snapshotBytes = buf.length;
    const text = buf.toString('utf8');
    let pos = 0;
    let lineNo = 0;
    let header: { format: number; g: number } | null = null;
    let trailer: { end: true; count: number } | null = null;
    let count = 0;
    while (pos < text.length) {
      const nl = text.indexOf('\n', pos);
      if (nl < 0) break;
      const json = unframe(text.slice(pos, nl));
      pos = nl + 1;
      lineNo++;
      // The snapshot was fsynced before it was renamed into place: a bad line is damage, not a torn write.
      if (json === null) throw new AppError('STORE_IO', `store snapshot ${join(this.dir, SNAPSHOT)} is damaged at line ${lineNo}`);
      const rec = JSON.parse(json);
      if (lineNo === 1) {
        header = rec;
        if (header?.format !== FORMAT) throw new AppError('STORE_IO', `store snapshot has unknown format ${String(header?.format)}`);
        continue;
      }
      if (rec.end) {
        trailer = rec;
        break;
      }
      this.apply(rec as Op);
      count++;
    }
    if (!header || !trailer || trailer.count !== count) {
      throw new AppError('STORE_IO', `store snapshot ${join(this.dir, SNAPSHOT)} is incomplete`);
    }
    this.generation = header.g;
  }

  private async replayJournal(): Promise<void> {
    const path = join(this.dir, JOURNAL);
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    let pos = 0;
    let good = 0;
    while (pos < buf.length) {
      const nl = buf.indexOf(0x0a, pos);
      if (nl < 0) break; // torn last line: never acknowledged
      const json = unframe(buf.subarray(pos, nl).toString('utf8'));
      if (json === null) break;
      const rec = JSON.parse(json) as { g: number; ops: Op[] };
      pos = nl + 1;
      good = pos;
      // Lines from before the current snapshot's generation are already in it (crash before the journal reset).
      if (rec.g !== this.generation) continue;
      for (const op of rec.ops) this.apply(op);
      this.journalRecords++;
    }
    this.journalBytes = good;
    if (good < buf.length) {
      this.droppedOnOpen = buf.subarray(good).toString('utf8').split('\n').filter((l) => l.length > 0).length;
      // A reader never repairs: the tail may be a commit the writer is appending right now.
      if (!this.opts.readOnly) await this.truncateJournal(good);
    }
    if (this.journalRecords === 0 && good > 0 && !this.opts.readOnly) {
      // Only stale lines: reset so they are not scanned again.
      await this.truncateJournal(0);
      this.journalBytes = 0;
    }
  }

  private async compactNow(): Promise<void> {
    const next = this.generation + 1;
    const tmp = join(this.dir, SNAPSHOT_TMP);
    const parts: string[] = [frame(JSON.stringify({ format: FORMAT, g: next, at: new Date().toISOString() }))];
    let count = 0;
    for (const e of this.events.values()) {
      parts.push(frame(JSON.stringify({ o: 'put', e })));
      count++;
    }
    for (const [k, r] of this.processed) {
      parts.push(frame(JSON.stringify({ o: 'proc', k, r })));
      count++;
    }
    for (const [u, list] of this.threads) {
      for (const t of list) {
        parts.push(frame(JSON.stringify({ o: 'thr', u, t })));
        count++;
      }
    }
    parts.push(frame(JSON.stringify({ end: true, count })));
    const text = parts.join('');
    try {
      const fh = await open(tmp, 'w');
      try {
        await fh.write(text);
        if (this.opts.durable) await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, join(this.dir, SNAPSHOT));
      if (this.opts.durable) await syncDir(this.dir);
      // From here the new snapshot is authoritative; old journal lines carry the old generation and are skipped.
      this.generation = next;
      this.snapshotBytes = Buffer.byteLength(text);
      await this.journal?.close();
      this.journal = null;
      await this.truncateJournal(0).catch(async (err) => {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      });
      this.journalBytes = 0;
      this.journalRecords = 0;
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw ioError(`cannot compact store ${this.dir}`, err);
    }
  }

  private async acquireLock(): Promise<void> {
    const path = join(this.dir, LOCK);
    const deadline = Date.now() + this.opts.lockWaitMs;
    for (;;) {
      try {
        await writeFile(path, `${process.pid}\n`, { flag: 'wx' });
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(`cannot lock store ${this.dir}`, err);
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
        throw new AppError('STORE_IO', `store is in use by pid ${Number.isInteger(pid) ? pid : 'unknown'} (${this.dir})`, true);
      }
      await sleep(50);
    }
    const hook = () => this.releaseLockSync();
    this.exitHook = hook;
    process.once('exit', hook);
  }

  private releaseLock(): void {
    if (this.exitHook) process.removeListener('exit', this.exitHook);
    this.exitHook = null;
    this.releaseLockSync();
  }

  private releaseLockSync(): void {
    const path = join(this.dir, LOCK);
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
    } catch {
      /* already gone */
    }
  }
}

function toOp(c: StoreChange): Op {
  switch (c.type) {
    case 'put':
      if (!c.event || !validUid(c.event.uid)) throw new AppError('STORE_IO', 'cannot store an event without a UID');
      return { o: 'put', e: c.event };
    case 'delete':
      if (!validUid(c.uid)) throw new AppError('STORE_IO', 'cannot delete an event without a UID');
      return { o: 'del', u: c.uid };
    case 'processed':
      if (!c.key) throw new AppError('STORE_IO', 'a processed record needs a key');
      return { o: 'proc', k: c.key, r: c.record };
    case 'thread':
      if (!validUid(c.uid)) throw new AppError('STORE_IO', 'a thread entry needs a UID');
      return { o: 'thr', u: c.uid, t: c.entry };
    default:
      throw new AppError('STORE_IO', `unknown store change ${JSON.stringify(c)}`);
  }
}

// Exported for tools and tests that look at a store's files.
export const STORE_FILES = { snapshot: SNAPSHOT, journal: JOURNAL, lock: LOCK } as const;
