// The durable outbox: every outgoing iMIP message is on disk before any send attempt, leaves in order per meeting,
// is retried with backoff while the network or the server is down, is kept with its reason when refused for good,
// is marked sent only after the server accepted it, and is then appended to the account's Sent folder.
//
// State machine (docs/OUTBOX.md has the long version and the crash analysis):
//
//   enqueue ──► queued ──► sending ──► sent ──(filed: pending → done)
//                 ▲   │        │
//                 │   │        ├─ 4xx / connection refused / timeout ─► queued (nextAttemptAt = now + backoff)
//                 │   │        └─ 5xx / rejected / bad auth ──────────► failed (kept, with its reason)
//                 │   └──────────── retry(id) ◄──────────────────────────┘
//                 └── open() finds 'sending' (a crash mid-send) ─► queued + recovering: the Sent folder is searched
//                     for the Message-ID first; found → sent, else resent with the same bytes and Message-ID.
//
// Files (see outbox-file.ts): `<id>.eml` (the exact bytes, written once) and `<id>.json` (the state, rewritten
// atomically with fsync on every transition). The `.eml` is written before the `.json`, and `enqueue` resolves only
// after both are durable; an `.eml` without a `.json` is an enqueue that never returned and is removed on open.
//
// Ordering: items are numbered (`seq`) at enqueue. Among the unsent items of one meeting (UID) only the oldest may
// leave; a message waiting in backoff holds back the later messages of its meeting but not those of other meetings.
// A permanently failed message does not hold back later ones (it never leaves unless retried; see OUTBOX.md).
// Sends are sequential (one SMTP transaction at a time), which also keeps one recipient's mail in enqueue order.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { LOCAL_IDENTITY, OUTBOX_WAITING_FOR_ACCOUNT, type OutboxItemView } from '../../../shared/api';
import { AppError } from '../../../shared/errors';
import { pidAlive, writeFileDurable } from '../../store/durable-file';
import { listOutboxFiles, readJsonFile, readRawFile, removeFiles } from './outbox-file';
import { mapSmtpError, type SendItem, type SendResult } from './transport';

/** What the outbox needs of a built message (mime.ts's OutgoingMessage satisfies it). */
export interface OutboxMessage {
  method: string;
  uid: string;
  /** The sending identity; an address, optionally with a display name ('Alice <alice@x>'). */
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  /** Stable across attempts: the bytes below carry it, and every attempt sends those same bytes. */
  messageId: string;
  raw: Uint8Array;
}

export interface OutboxDeps {
  /** One SMTP transaction. Throws (AppError or a nodemailer error) when the server did not accept the message. */
  sendRaw(item: SendItem): Promise<SendResult | void>;
  /** APPEND to the account's Sent folder (a no-op for providers that file sent mail themselves). */
  appendSent?(accountId: string | null, raw: Uint8Array, messageId: string): Promise<void>;
  /** Whether the account's Sent folder holds a message with this Message-ID (crash recovery). */
  findSent?(accountId: string | null, messageId: string): Promise<boolean>;
  now?(): Date;
  /** Retry delay: baseMs · 2^(attempts-1), capped at maxMs. Default 5 s … 10 min. */
  backoff?: { baseMs: number; maxMs: number };
  /** Test hooks (crash injection); never set in the app. */
  hooks?: {
    beforeSend?(item: OutboxItemView): void | Promise<void>;
    afterAccepted?(item: OutboxItemView): void | Promise<void>;
  };
}

type State = OutboxItemView['state'];

interface OutboxRecord {
  v: 1;
  id: string;
  seq: number;
  accountId: string | null;
  method: string;
  uid: string;
  subject: string;
  from: string;
  to: string[];
  cc: string[];
  envelope: { from: string; to: string[] };
  messageId: string;
  state: State;
  attempts: number;
  lastError: string | null;
  lastErrorCode: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  sentAt: string | null;
  /** Written with state 'sending' before the SMTP transaction starts. */
  attemptId: string | null;
  attemptStartedAt: string | null;
  /** How often open() found this item in 'sending' (crashes mid-send). */
  interrupted: number;
  /** Set by open() for an item found in 'sending': check the Sent folder before resending. */
  recovering: boolean;
  /** How it came to be marked sent. */
  sentBy: 'smtp' | 'sent-folder' | null;
  /** Recipients the server refused while accepting the message for the others. */
  rejected: string[];
  /** Sent-folder filing: null = not applicable (no appendSent). */
  filed: 'pending' | 'done' | null;
  fileAttempts: number;
  fileNextAt: string | null;
  fileError: string | null;
}

export interface OutboxItemDetail extends OutboxItemView {
  messageId: string;
  seq: number;
  interrupted: number;
  sentBy: 'smtp' | 'sent-folder' | null;
  rejected: string[];
  filed: 'pending' | 'done' | null;
}

/** What an item from the local identity shows while no account can send it (core re-addresses it, then it goes). */
export const WAITING_FOR_ACCOUNT = OUTBOX_WAITING_FOR_ACCOUNT;

/** A queued message of the offline identity (no account yet): never handed to SMTP, whatever the transport says. */
function waitsForAccount(r: OutboxRecord): boolean {
  return r.envelope.from === LOCAL_IDENTITY && (r.state === 'queued' || r.state === 'sending');
}

/** A queued item of the local identity, as MeetingsService needs it to rebuild the message for an account. */
export interface WaitingItem {
  id: string;
  seq: number;
  uid: string;
  method: string;
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  messageId: string;
}

/** 'Alice <Alice@X.test>' → 'alice@x.test'. */
export function bareAddress(s: string): string {
  const m = /<([^>]+)>/.exec(s);
  return (m?.[1] ?? s).trim().replace(/^mailto:/i, '').toLowerCase();
}

/**
 * What a record keeps of a message's headers, and its RFC 5321 envelope: the sending identity (organizer or replying
 * attendee) as the From header says, to every To and Cc address once. Throws when nobody would receive it.
 */
function addressing(msg: OutboxMessage): Pick<OutboxRecord, 'subject' | 'from' | 'to' | 'cc' | 'envelope' | 'messageId'> {
  const envelopeTo = [...new Set([...msg.to, ...msg.cc].map(bareAddress).filter((a) => a.length > 0))];
  if (envelopeTo.length === 0) throw new AppError('BAD_REQUEST', `message ${msg.messageId} has no recipients`);
  return {
    subject: msg.subject,
    from: msg.from,
    to: [...msg.to],
    cc: [...msg.cc],
    envelope: { from: bareAddress(msg.from), to: envelopeTo },
    messageId: msg.messageId,
  };
}

export class Outbox extends EventEmitter {
  readonly dir: string;
  private readonly deps: OutboxDeps;
  private readonly items = new Map<string, OutboxRecord>();
  private seq = 0;
  private started = false;
  private pumping: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private idleWaiters: (() => void)[] = [];
  private readonly writes = new Map<string, Promise<void>>();
  /** An attempt (send + state write + Sent filing) is in progress. */
  private busy = false;
  private readonly base: number;
  private readonly max: number;

  private constructor(dir: string, deps: OutboxDeps) {
    super();
    this.dir = dir;
    this.deps = deps;
    this.base = deps.backoff?.baseMs ?? 5_000;
    this.max = deps.backoff?.maxMs ?? 600_000;
  }

  /** Opens (creating) the outbox in `dir` and recovers from a crash. Does not send until start(). */
  static async open(dir: string, deps: OutboxDeps): Promise<Outbox> {
    const ob = new Outbox(dir, deps);
    await ob.load();
    return ob;
  }

  /** Time for the records (createdAt, sentAt): the app's clock, which tests may pin. */
  private now(): Date {
    return this.deps.now ? this.deps.now() : new Date();
  }

  /** Time for scheduling (backoff, due times): always the real clock, or a pinned clock would never retry. */
  private clock(): Date {
    return new Date();
  }

  // -------------------------------------------------------------------------------------------------------------
  // API

  /**
   * Writes the message to disk (bytes first, then its state, both fsynced) and resolves with its view. Only then
   * may the caller treat the message as "will be sent".
   */
  async enqueue(msg: OutboxMessage, accountId: string | null): Promise<OutboxItemView> {
    const headers = addressing(msg);
    if (!msg.messageId) throw new AppError('BAD_REQUEST', 'an outgoing message needs a Message-ID');
    const seq = ++this.seq;
    const id = `${String(seq).padStart(10, '0')}-${randomBytes(4).toString('hex')}`;
    const now = this.now().toISOString();
    const rec: OutboxRecord = {
      v: 1,
      id,
      seq,
      accountId,
      method: msg.method,
      uid: msg.uid,
      ...headers,
      state: 'queued',
      attempts: 0,
      lastError: null,
      lastErrorCode: null,
      nextAttemptAt: this.clock().toISOString(),
      createdAt: now,
      sentAt: null,
      attemptId: null,
      attemptStartedAt: null,
      interrupted: 0,
      recovering: false,
      sentBy: null,
      rejected: [],
      filed: null,
      fileAttempts: 0,
      fileNextAt: null,
      fileError: null,
    };
    if (waitsForAccount(rec)) {
      rec.lastError = WAITING_FOR_ACCOUNT;
      rec.lastErrorCode = 'SMTP_UNAVAILABLE';
    }
    await writeFileDurable(this.emlPath(id), msg.raw);
    await writeFileDurable(this.jsonPath(id), JSON.stringify(rec));
    this.items.set(id, rec);
    this.changed();
    if (this.started) this.schedulePump();
    return toView(rec);
  }

  list(): OutboxItemView[] {
    return this.sorted().map(toView);
  }

  /** The view plus the details tests and tools want (Message-ID, crash count, Sent filing). */
  details(): OutboxItemDetail[] {
    return this.sorted().map((r) => ({
      ...toView(r),
      messageId: r.messageId,
      seq: r.seq,
      interrupted: r.interrupted,
      sentBy: r.sentBy,
      rejected: [...r.rejected],
      filed: r.filed,
    }));
  }

  get(id: string): OutboxItemView | undefined {
    const r = this.items.get(id);
    return r ? toView(r) : undefined;
  }

  /** Queued messages from the local identity (LOCAL_IDENTITY), oldest first: they wait for an account. */
  waitingForAccount(): WaitingItem[] {
    return this.sorted()
      .filter(waitsForAccount)
      .map((r) => ({ id: r.id, seq: r.seq, uid: r.uid, method: r.method, from: r.from, to: [...r.to], cc: [...r.cc], subject: r.subject, messageId: r.messageId }));
  }

  /** The stored bytes of a message. */
  raw(id: string): Promise<Uint8Array> {
    if (!this.items.has(id)) throw new AppError('NOT_FOUND', `no outbox message ${id}`);
    return readRawFile(this.emlPath(id));
  }

  /**
   * Replaces a message still waiting for an account with the same message rebuilt for the account: the item keeps
   * its id and sequence number (so its place in the order), gets the new bytes, From, envelope and Message-ID, and
   * becomes due at once. Bytes first, then the state (both atomic): a crash between leaves the old state, which
   * still waits, and the caller's re-addressing runs again from these (already rebuilt) bytes.
   */
  async replaceWaiting(id: string, msg: OutboxMessage, accountId: string | null): Promise<OutboxItemView> {
    const r = this.items.get(id);
    if (!r) throw new AppError('NOT_FOUND', `no outbox message ${id}`);
    if (!waitsForAccount(r) || r.state !== 'queued') throw new AppError('BAD_REQUEST', `outbox message ${id} is not waiting for an account`);
    if (msg.uid !== r.uid) throw new AppError('BAD_REQUEST', `the replacement of ${id} is for another meeting (${msg.uid})`);
    const headers = addressing(msg);
    const next: OutboxRecord = {
      ...r,
      accountId,
      method: msg.method,
      ...headers,
      lastError: null,
      lastErrorCode: null,
      nextAttemptAt: this.clock().toISOString(),
    };
    await writeFileDurable(this.emlPath(id), msg.raw);
    await this.persist(next);
    this.items.set(id, next);
    this.changed();
    if (this.started) this.schedulePump();
    return toView(next);
  }

  /** Sends a failed (or waiting) message again as soon as possible. */
  async retry(id: string): Promise<void> {
    const r = this.items.get(id);
    if (!r) throw new AppError('NOT_FOUND', `no outbox message ${id}`);
    if (r.state === 'sent' || r.state === 'sending') return;
    r.state = 'queued';
    r.nextAttemptAt = this.clock().toISOString();
    await this.persist(r);
    this.changed();
    if (this.started) this.schedulePump();
  }

  /**
   * Starts sending. Takes the directory's sender lock (`send.lock`, the owner's pid): two live processes sending
   * from one outbox could both send a message; a lock left by a dead process (a crash) is taken over.
   * Throws AppError STORE_IO when another live process holds it.
   */
  start(): void {
    if (this.started) return;
    this.acquireSendLock();
    this.started = true;
    this.schedulePump();
  }

  /** Stops sending (and releases the sender lock); an SMTP transaction in flight completes and is recorded. */
  async stop(): Promise<void> {
    const wasStarted = this.started;
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.pumping;
    if (wasStarted) this.releaseSendLock();
  }

  private lockHook: (() => void) | null = null;

  private acquireSendLock(): void {
    const path = join(this.dir, 'send.lock');
    for (let i = 0; i < 3; i++) {
      try {
        writeFileSync(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
        this.lockHook = () => this.releaseSendLock();
        process.once('exit', this.lockHook);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new AppError('STORE_IO', `cannot lock outbox ${this.dir}: ${String(err)}`);
      }
      let pid = NaN;
      try {
        pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
      } catch {
        /* vanished: try again */
      }
      // The same process (an Outbox abandoned without stop(), as in crash tests) or a dead one: take it over.
      const fresh = Number.isNaN(pid) && Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 1_000;
      if (Number.isInteger(pid) && pid !== process.pid && pidAlive(pid)) {
        throw new AppError('STORE_IO', `outbox ${this.dir} is being sent by pid ${pid}`, true);
      }
      if (fresh) throw new AppError('STORE_IO', `outbox ${this.dir} is being locked by another process`, true);
      rmSync(path, { force: true });
    }
    throw new AppError('STORE_IO', `cannot lock outbox ${this.dir}`, true);
  }

  private releaseSendLock(): void {
    if (this.lockHook) process.removeListener('exit', this.lockHook);
    this.lockHook = null;
    const path = join(this.dir, 'send.lock');
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) rmSync(path, { force: true });
    } catch {
      /* already gone */
    }
  }

  /** Try every waiting message now (the network came back, the user pressed "send now"). */
  kick(): void {
    const now = this.clock().toISOString();
    for (const r of this.items.values()) {
      if (r.state === 'queued') r.nextAttemptAt = now;
      if (r.filed === 'pending') r.fileNextAt = now;
    }
    if (this.started) this.schedulePump();
  }

  /** Resolves when nothing is left to send: every message is sent or failed. */
  drain(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  // -------------------------------------------------------------------------------------------------------------
  // The pump: one at a time, always the oldest sendable message

  private isIdle(): boolean {
    if (this.busy) return false;
    // Messages of the local identity cannot leave until re-addressed (nor can later ones of their meeting).
    const held = new Set(this.sorted().filter(waitsForAccount).map((r) => r.uid));
    for (const r of this.items.values()) if ((r.state === 'queued' || r.state === 'sending') && !held.has(r.uid)) return false;
    return true;
  }

  private schedulePump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = null;
      if (this.again && this.started) {
        this.again = false;
        this.schedulePump();
      } else {
        this.armTimer();
      }
    });
  }

  private async pump(): Promise<void> {
    for (;;) {
      this.again = false;
      if (!this.started) return;
      const next = this.pickNext();
      if (next) {
        this.busy = true;
        try {
          await this.attempt(next);
        } catch (err) {
          // A state write failed (disk full?): the item stays as last written; try again after a pause.
          next.lastError = err instanceof Error ? err.message : String(err);
          if (next.state === 'sending') next.state = 'queued';
          next.nextAttemptAt = new Date(this.clock().getTime() + this.backoffMs(next.attempts)).toISOString();
          process.emitWarning(`convene outbox: ${next.lastError}`);
        } finally {
          this.busy = false;
          this.changed();
        }
        continue;
      }
      const filing = this.pickFiling();
      if (filing) {
        await this.file(filing);
        continue;
      }
      if (!this.again) return;
    }
  }

  /** The oldest queued message whose meeting has no older unsent message and whose backoff has elapsed. */
  private pickNext(): OutboxRecord | null {
    const nowMs = this.clock().getTime();
    const held = new Set<string>();
    for (const r of this.sorted()) {
      if (r.state !== 'queued' && r.state !== 'sending') continue;
      if (held.has(r.uid)) continue;
      held.add(r.uid);
      // Never sent From me@convene.invalid: it waits (holding back its meeting) until core re-addresses it.
      if (waitsForAccount(r)) continue;
      if (r.state === 'queued' && (r.nextAttemptAt === null || Date.parse(r.nextAttemptAt) <= nowMs)) return r;
    }
    return null;
  }

  private pickFiling(): OutboxRecord | null {
    const nowMs = this.clock().getTime();
    for (const r of this.sorted()) {
      if (r.filed === 'pending' && (r.fileNextAt === null || Date.parse(r.fileNextAt) <= nowMs)) return r;
    }
    return null;
  }

  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.started) return;
    let earliest = Infinity;
    for (const r of this.items.values()) {
      if (r.state === 'queued' && r.nextAttemptAt && !waitsForAccount(r)) earliest = Math.min(earliest, Date.parse(r.nextAttemptAt));
      if (r.filed === 'pending' && r.fileNextAt) earliest = Math.min(earliest, Date.parse(r.fileNextAt));
    }
    if (earliest === Infinity) return;
    const delay = Math.max(0, Math.min(earliest - this.clock().getTime(), 2_147_000_000));
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.started) this.schedulePump();
    }, delay);
    // The outbox never keeps a process alive on its own (the app and the tests own their lifetimes).
    this.timer.unref();
  }

  private backoffMs(attempts: number): number {
    return Math.min(this.max, this.base * 2 ** Math.max(0, attempts - 1));
  }

  private async attempt(r: OutboxRecord): Promise<void> {
    // Crash recovery: a message found in 'sending' may have been accepted before the crash. A copy in the Sent
    // folder with its Message-ID proves it was (we append only after acceptance; providers file on acceptance).
    if (r.recovering && this.deps.findSent) {
      let found = false;
      try {
        found = await this.deps.findSent(r.accountId, r.messageId);
      } catch {
        // Cannot look (IMAP down): resend. A duplicate carries the same Message-ID, DTSTAMP and SEQUENCE, which the
        // receiving iTIP engine recognises as a duplicate; losing the message would be worse (OUTBOX.md).
      }
      if (found) {
        r.state = 'sent';
        r.sentAt = this.now().toISOString();
        r.sentBy = 'sent-folder';
        r.recovering = false;
        r.lastError = null;
        r.lastErrorCode = null;
        r.filed = this.deps.appendSent ? 'done' : null;
        await this.persist(r);
        this.changed();
        this.emit('sent', toView(r));
        return;
      }
    }

    if (waitsForAccount(r)) {
      // Defensive: pickNext never returns these. The local identity is not a mailbox; SMTP is never tried.
      r.state = 'queued';
      r.lastError = WAITING_FOR_ACCOUNT;
      r.lastErrorCode = 'SMTP_UNAVAILABLE';
      await this.persist(r);
      return;
    }

    // Write 'sending' (and the attempt id) before the first byte goes to the server.
    r.state = 'sending';
    r.attempts += 1;
    r.attemptId = randomBytes(6).toString('hex');
    r.attemptStartedAt = this.now().toISOString();
    r.recovering = false;
    await this.persist(r);
    this.changed();

    let raw: Uint8Array;
    try {
      raw = await readRawFile(this.emlPath(r.id));
    } catch (err) {
      await this.fail(r, err instanceof AppError ? err : new AppError('STORE_IO', String(err)), false);
      return;
    }

    let result: SendResult | void;
    try {
      await this.deps.hooks?.beforeSend?.(toView(r));
      result = await this.deps.sendRaw({
        id: r.id,
        accountId: r.accountId,
        messageId: r.messageId,
        envelope: { from: r.envelope.from, to: [...r.envelope.to] },
        raw,
      });
    } catch (err) {
      const e = mapSmtpError(err);
      await this.fail(r, e, e.retryable);
      return;
    }

    // The server accepted the message (250 after DATA). From here until the write below completes is the window
    // a crash cannot close (OUTBOX.md).
    await this.deps.hooks?.afterAccepted?.(toView(r));
    r.state = 'sent';
    r.sentAt = this.now().toISOString();
    r.sentBy = 'smtp';
    r.rejected = result?.rejected ?? [];
    r.lastError = r.rejected.length ? `refused recipients: ${r.rejected.join(', ')}` : null;
    r.lastErrorCode = r.rejected.length ? 'SMTP_REJECTED' : null;
    r.nextAttemptAt = null;
    r.filed = this.deps.appendSent ? 'pending' : null;
    r.fileNextAt = this.clock().toISOString();
    await this.persist(r);
    this.changed();
    this.emit('sent', toView(r));
    if (r.filed === 'pending') await this.file(r, raw);
  }

  private async fail(r: OutboxRecord, e: AppError, retryable: boolean): Promise<void> {
    r.lastError = e.message;
    r.lastErrorCode = e.code;
    if (retryable) {
      r.state = 'queued';
      r.nextAttemptAt = new Date(this.clock().getTime() + this.backoffMs(r.attempts)).toISOString();
    } else {
      r.state = 'failed';
      r.nextAttemptAt = null;
    }
    await this.persist(r);
    this.changed();
    if (!retryable) this.emit('failed', toView(r));
  }

  /** Appends a sent message to the Sent folder; on failure tries again later (never blocks sending). */
  private async file(r: OutboxRecord, raw?: Uint8Array): Promise<void> {
    if (!this.deps.appendSent) {
      r.filed = null;
      return;
    }
    r.fileAttempts += 1;
    try {
      const bytes = raw ?? (await readRawFile(this.emlPath(r.id)));
      // Idempotent after a crash between APPEND and the state write: look before appending again.
      const already = r.fileAttempts > 1 && this.deps.findSent ? await this.deps.findSent(r.accountId, r.messageId).catch(() => false) : false;
      if (!already) await this.deps.appendSent(r.accountId, bytes, r.messageId);
      r.filed = 'done';
      r.fileError = null;
      r.fileNextAt = null;
    } catch (err) {
      r.fileError = err instanceof Error ? err.message : String(err);
      r.fileNextAt = new Date(this.clock().getTime() + this.backoffMs(r.fileAttempts)).toISOString();
    }
    await this.persist(r);
    this.changed();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Disk

  private emlPath(id: string): string {
    return join(this.dir, `${id}.eml`);
  }

  private jsonPath(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  /** Writes of one record run one after the other, each with the record's state at the time it runs. */
  private persist(r: OutboxRecord): Promise<void> {
    const prev = this.writes.get(r.id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => writeFileDurable(this.jsonPath(r.id), JSON.stringify(r)));
    this.writes.set(r.id, next);
    void next.finally(() => {
      if (this.writes.get(r.id) === next) this.writes.delete(r.id);
    }).catch(() => undefined);
    return next;
  }

  private sorted(): OutboxRecord[] {
    return [...this.items.values()].sort((a, b) => a.seq - b.seq);
  }

  private changed(): void {
    this.emit('change');
    if (this.idleWaiters.length && this.isIdle()) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  private async load(): Promise<void> {
    const { ids, orphans } = await listOutboxFiles(this.dir);
    // Bytes without a state file: enqueue() crashed before it resolved, so nobody was told it was queued.
    for (const id of orphans) await removeFiles(this.emlPath(id));
    for (const id of ids) {
      let r: OutboxRecord;
      try {
        r = await readJsonFile<OutboxRecord>(this.jsonPath(id));
      } catch (err) {
        // Written atomically, so this is damage, not a torn write: keep the file, report loudly, skip.
        process.emitWarning(`convene outbox: cannot read ${id}: ${String(err)}`);
        continue;
      }
      this.seq = Math.max(this.seq, r.seq);
      if (r.state === 'sending') {
        // A crash mid-send: the server may or may not have accepted it (OUTBOX.md, "the window").
        r.state = 'queued';
        r.recovering = true;
        r.interrupted += 1;
        r.nextAttemptAt = this.clock().toISOString();
        r.lastError = 'interrupted while sending; checked against the Sent folder before sending again';
        r.lastErrorCode = null;
        await this.persist(r);
      }
      if (waitsForAccount(r) && r.lastError !== WAITING_FOR_ACCOUNT) {
        r.lastError = WAITING_FOR_ACCOUNT;
        r.lastErrorCode = 'SMTP_UNAVAILABLE';
        await this.persist(r);
      }
      this.items.set(r.id, r);
    }
  }
}

function toView(r: OutboxRecord): OutboxItemView {
  return {
    id: r.id,
    accountId: r.accountId,
    method: r.method,
    uid: r.uid,
    subject: r.subject,
    to: [...r.envelope.to],
    state: r.state,
    attempts: r.attempts,
    lastError: r.lastError,
    nextAttemptAt: r.state === 'queued' ? r.nextAttemptAt : null,
    createdAt: r.createdAt,
    sentAt: r.sentAt,
  };
}
