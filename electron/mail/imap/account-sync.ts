// One account's sync loop: connect, sync INBOX and Sent (initial pass in batches with progress, then incremental),
// wait for new mail with IDLE (or poll), and on a dropped connection reconnect with exponential backoff and resume
// from the saved state. What a detected message means is the processor's business (SyncService): this file only
// moves bytes, keeps the per-mailbox state and sets the processed keyword after the processor has committed.
//
// Order per batch (why nothing is applied twice):
//   detect → fetch parts → processor commits (outcome + processed key, one atomic store commit) → keyword on the
//   server → optional move → save the mailbox state.
// A crash after the commit but before the keyword: the next pass finds the processed key in the store and only sets
// the missing keyword. A second device finds the keyword and lists the message without applying it.
import { EventEmitter } from 'node:events';
import type { ImapFlow, MailboxObject } from 'imapflow';
import type { AccountStatus } from '../../../shared/api';
import { AppError } from '../../../shared/errors';
import type { MailEnvelope } from '../../../shared/itip/types';
import { readFetchedMessage, type MessageRead } from './calendar-parts';
import { assertSelected, mapImapError } from './connection';
import { fetchCalendarParts, fetchFromAddresses, structurePass } from './detect-pass';
import { listSyncFolders, type SyncFolder } from './folders';
import { Wake, supportsIdle, waitForActivity } from './idle';
import { canStoreKeyword, compressUids, hasProcessedKeyword, markProcessedOnServer } from './keywords';
import { ensureFolder, moveMessages } from './mover';
import { planSync, type MailboxSyncState, type SyncPlan, type SyncStateStore } from './sync-state';

export interface SyncItem {
  /** accountId/mailbox/uidvalidity/uid: the processed key in the calendar store. */
  key: string;
  accountId: string;
  mailbox: string;
  role: SyncFolder['role'];
  uidValidity: string;
  uid: number;
  /** The server says another Convene (or an earlier run whose state was lost) already applied it. */
  keyworded: boolean;
  envelope: MailEnvelope;
  read: MessageRead;
}

export interface SyncProcessor {
  isProcessed(key: string): boolean;
  /** Processed with a final outcome (applied, or nothing to apply): the message may carry the processed keyword. */
  isFinal(key: string): boolean;
  /**
   * Decides and stores every item (one atomic commit); resolves once durable. Returns the UIDs to move and the UIDs
   * to keyword (final outcomes only: the keyword tells other devices "applied", which a pending decision is not).
   */
  processBatch(items: SyncItem[]): Promise<{ move: number[]; keyword: number[] }>;
  /** Flags of processed messages changed on the server (CONDSTORE CHANGEDSINCE): record keywords set elsewhere. */
  flagsChanged(changes: { key: string; uid: number; flags: Set<string> }[]): Promise<void>;
  /** These processed messages are gone from the server (expunged, or their mailbox's UIDVALIDITY changed). */
  markDeleted(keys: string[]): Promise<void>;
  /** Addresses from my mail history (recipients of my sent mail, senders I answered). */
  addContacts(addresses: string[]): void;
  /** The folder processed invitation mails go to, or null. */
  processedFolder(): string | null;
}

export interface AccountSyncOptions {
  accountId: string;
  email: string;
  /** Opens a logged-in client (throws AppError). */
  connect: () => Promise<ImapFlow>;
  state: SyncStateStore;
  processor: SyncProcessor;
  /** Messages per detection batch (default 2,000). */
  batchSize?: number;
  /** Poll interval without IDLE, and how often Sent is re-checked while idling (default 60 s). */
  pollMs?: number;
  /** Reconnect backoff: first delay and cap (default 500 ms, 60 s). */
  backoff?: { initialMs: number; maxMs: number };
  /** Behave as if the server lacked these (tests of the fallbacks). */
  disable?: { idle?: boolean; condstore?: boolean; move?: boolean };
}

export interface SyncProgress {
  accountId: string;
  mailbox: string;
  done: number;
  total: number;
}

export interface MailboxSyncReport {
  mailbox: string;
  plan: SyncPlan['kind'];
  messages: number;
  detected: number;
  processed: number;
  /** Processed messages whose flags changed elsewhere (CONDSTORE). */
  flagChanges: number;
  /** Processed messages found expunged. */
  deleted: number;
}

export class AccountSync extends EventEmitter {
  private stopped = true;
  private wake = new Wake();
  private client: ImapFlow | null = null;
  private loop: Promise<void> | null = null;
  private syncRequested = false;
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private st: AccountStatus;
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly backoff: { initialMs: number; maxMs: number };
  /** Bytes counted over the life of this sync (client.stats() is per connection). */
  readonly bytes = { received: 0, sent: 0 };
  /** Milliseconds spent per step over the life of this sync (the benchmark prints them). */
  readonly timings = { structure: 0, parts: 0, process: 0, keyword: 0, other: 0 };

  constructor(private readonly opts: AccountSyncOptions) {
    super();
    this.batchSize = opts.batchSize ?? 2000;
    this.pollMs = opts.pollMs ?? 60_000;
    this.backoff = opts.backoff ?? { initialMs: 500, maxMs: 60_000 };
    this.st = { accountId: opts.accountId, email: opts.email, online: false, state: 'offline', progress: null, lastSync: null, lastError: null };
  }

  /** Bytes received and sent by all connections of this sync so far (closed ones plus the live one). */
  traffic(): { received: number; sent: number } {
    const live = this.client?.stats?.();
    return { received: this.bytes.received + (live?.received ?? 0), sent: this.bytes.sent + (live?.sent ?? 0) };
  }

  status(): AccountStatus {
    return { ...this.st, progress: this.st.progress ? { ...this.st.progress } : null, lastError: this.st.lastError ? { ...this.st.lastError } : null };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake.fire('stop');
    const c = this.client;
    if (c) {
      try {
        c.close();
      } catch {
        /* closed */
      }
    }
    await this.loop?.catch(() => {});
    this.loop = null;
    for (const w of this.waiters.splice(0)) w.reject(new AppError('IMAP_UNAVAILABLE', 'sync stopped', true));
    this.update({ online: false, state: 'offline', progress: null });
  }

  /** Asks for a sync now; resolves when a full pass over all folders has completed after this call. */
  syncNow(): Promise<void> {
    if (this.stopped) return Promise.reject(new AppError('IMAP_UNAVAILABLE', 'sync is not running', true));
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.syncRequested = true;
      this.wake.fire('sync-now');
    });
  }

  private update(patch: Partial<AccountStatus>): void {
    this.st = { ...this.st, ...patch };
    this.emit('status', this.status());
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      let client: ImapFlow | null = null;
      try {
        this.update({ state: 'connecting' });
        client = await this.opts.connect();
        this.client = client;
        if (this.stopped) break;
        attempt = 0;
        client.on('close', () => this.wake.fire('closed'));
        client.on('exists', () => this.wake.fire('exists'));
        this.update({ online: true, lastError: null });
        await this.connectedLoop(client);
      } catch (err) {
        if (this.stopped) break;
        const e = mapImapError(err, { host: '', port: 0 });
        this.update({ online: false, state: e.code === 'IMAP_AUTH' ? 'error' : 'offline', progress: null, lastError: { code: e.code, message: e.message } });
        this.emit('sync-error', e);
        if (e.code === 'IMAP_AUTH') {
          // A wrong password does not get better by retrying; wait for syncNow (or new settings → restart).
          for (const w of this.waiters.splice(0)) w.reject(e);
          await this.wake.wait();
          continue;
        }
      } finally {
        if (client) {
          const s = client.stats?.();
          if (s) {
            this.bytes.received += s.received ?? 0;
            this.bytes.sent += s.sent ?? 0;
          }
          try {
            client.close();
          } catch {
            /* closed */
          }
        }
        this.client = null;
      }
      if (this.stopped) break;
      // Exponential backoff with jitter: 0.5 s, 1 s, 2 s ... capped.
      const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** attempt) * (0.8 + Math.random() * 0.4);
      attempt++;
      this.emit('reconnecting', { attempt, delayMs: Math.round(delay) });
      const reason = await this.wake.wait(delay);
      if (reason === 'sync-now') this.syncRequested = true;
    }
  }

  /** Runs until the connection closes or stop(). */
  private async connectedLoop(client: ImapFlow): Promise<void> {
    const folders = await listSyncFolders(client);
    const useIdle = supportsIdle(client) && !this.opts.disable?.idle;
    let lastSentCheck = 0;
    let first = true;
    for (;;) {
      if (this.stopped || !client.usable) throw new AppError('IMAP_UNAVAILABLE', 'connection closed', true);
      const waiters = this.waiters.splice(0);
      this.syncRequested = false;
      const all = first || waiters.length > 0 || Date.now() - lastSentCheck >= this.pollMs;
      first = false;
      try {
        await this.syncFolders(client, all ? folders : folders.filter((f) => f.role === 'inbox'));
      } catch (err) {
        // The waiters ride along to the next successful pass after the reconnect.
        this.waiters.unshift(...waiters);
        throw err;
      }
      if (all) lastSentCheck = Date.now();
      this.update({ state: 'idle', progress: null, lastSync: new Date().toISOString() });
      for (const w of waiters) w.resolve();
      this.emit('synced');
      if (this.syncRequested || this.waiters.length) continue;
      // IDLE watches the selected mailbox: keep INBOX selected.
      if (client.mailbox === false || (client.mailbox && client.mailbox.path !== 'INBOX')) await client.mailboxOpen('INBOX');
      const reason = await waitForActivity(client, this.wake, { useIdle, pollMs: this.pollMs });
      if (reason === 'stop') return;
      if (reason === 'closed') throw new AppError('IMAP_UNAVAILABLE', 'connection closed', true);
      if (reason === 'timer' || reason === 'sync-now') lastSentCheck = 0;
    }
  }

  private async syncFolders(client: ImapFlow, folders: SyncFolder[]): Promise<MailboxSyncReport[]> {
    const out: MailboxSyncReport[] = [];
    for (const f of folders) out.push(await this.syncMailbox(client, f));
    return out;
  }

  private key(mailbox: string, uidValidity: string, uid: number): string {
    return `${this.opts.accountId}/${mailbox}/${uidValidity}/${uid}`;
  }

  /** One mailbox: the plan from the saved state and the server's counters, then the batches. */
  async syncMailbox(client: ImapFlow, folder: SyncFolder): Promise<MailboxSyncReport> {
    const { accountId } = this.opts;
    const condstore = !this.opts.disable?.condstore && (client.enabled.has('CONDSTORE') || client.enabled.has('QRESYNC') || client.capabilities.has('CONDSTORE'));
    const saved = this.opts.state.get(accountId, folder.path);
    const report: MailboxSyncReport = { mailbox: folder.path, plan: 'unchanged', messages: 0, detected: 0, processed: 0, flagChanges: 0, deleted: 0 };

    // The cheap check first: one STATUS (no SELECT) tells whether anything changed. It is also used for the selected
    // mailbox, whose cached UIDNEXT / HIGHESTMODSEQ are only refreshed by SELECT.
    let cur: Pick<MailboxObject, 'uidValidity' | 'uidNext' | 'highestModseq' | 'exists' | 'noModseq'> | null = null;
    if (saved?.initialDone) {
      // For the selected mailbox, a server may answer STATUS from the session's view (Dovecot does), which is only
      // brought up to date by a command that syncs it: NOOP, the classic poll (RFC 3501 §6.1.2).
      if (client.mailbox && client.mailbox.path === folder.path) await client.noop();
      const st = await client.status(folder.path, { uidNext: true, messages: true, uidValidity: true, ...(condstore ? { highestModseq: true } : {}) });
      if (st) {
        cur = { uidValidity: st.uidValidity ?? 0n, uidNext: st.uidNext ?? 0, highestModseq: st.highestModseq, exists: st.messages ?? 0, noModseq: st.highestModseq === undefined };
        if (planSync(saved, cur, condstore).kind === 'unchanged') return report;
      }
    }
    let mb: MailboxObject;
    if (client.mailbox && client.mailbox.path === folder.path) mb = client.mailbox;
    else mb = await client.mailboxOpen(folder.path);
    if (!cur || String(cur.uidValidity) !== String(mb.uidValidity)) cur = mb;
    const plan = planSync(saved, cur, condstore);
    report.plan = plan.kind;
    if (plan.kind === 'unchanged') return report;

    const uidValidity = String(mb.uidValidity);
    const fresh = plan.kind === 'initial' && plan.fromUid === 1;
    if (fresh && saved && saved.uidValidity !== uidValidity && saved.tracked?.length) {
      // RFC 3501 §2.3.1.1: a new UIDVALIDITY means the old UIDs name nothing any more. The messages may come back
      // under new UIDs (a recreated mailbox): they get new processed keys, and the engine sees their content again
      // (duplicate / stale), while the old thread entries are marked deleted.
      await this.opts.processor.markDeleted(saved.tracked.map((u) => this.key(folder.path, saved.uidValidity, u)));
    }
    const state: MailboxSyncState = fresh
      ? { uidValidity, highestModseq: null, lastUid: 0, uidNext: 0, initialDone: false, exists: 0, lastSync: null, tracked: [] }
      : { ...saved!, tracked: [...(saved!.tracked ?? [])] };
    const tracked = new Set(state.tracked);
    let movedAway = 0;
    const canKeyword = canStoreKeyword(mb);
    const uidNext = cur.uidNext || 0;
    const total = cur.exists;
    let done = plan.kind === 'initial' ? Math.min(total, approxDone(state.lastUid, uidNext, total)) : 0;
    const fromUid = plan.fromUid;
    const isInitial = plan.kind === 'initial';
    if (isInitial) this.update({ state: 'syncing', progress: { done, total } });
    else this.update({ state: 'syncing' });

    // UID windows sized so one window holds about batchSize messages even when UIDs are sparse.
    const span = Math.max(1, uidNext - fromUid);
    const remaining = Math.max(1, total - done);
    const width = uidNext > 0 ? Math.max(this.batchSize, Math.ceil((this.batchSize * span) / remaining)) : Number.MAX_SAFE_INTEGER;
    let lo = fromUid;
    // Only flags changed or messages went away (UIDNEXT unchanged): no window to read. 'N:*' would still return the
    // highest message (RFC 3501 §6.4.8), a BODYSTRUCTURE for nothing.
    const newMail = isInitial || uidNext === 0 || fromUid < uidNext;
    while (newMail) {
      const hi = lo + width - 1;
      const last = uidNext === 0 || hi >= uidNext - 1;
      const range = last ? `${lo}:*` : `${lo}:${hi}`;
      let t = performance.now();
      const pass = await structurePass(client, range, { minUid: lo });
      const lap = (k: keyof AccountSync['timings']) => {
        const n = performance.now();
        this.timings[k] += n - t;
        t = n;
      };
      lap('structure');
      report.messages += pass.count;
      report.detected += pass.hits.length;
      const hits = pass.hits;
      const toProcess = hits.filter((h) => !this.opts.processor.isProcessed(this.key(folder.path, uidValidity, h.uid)));
      // Processed here before (a window re-read after a crash between the commit and the STORE): set the keyword
      // again on final outcomes; +FLAGS is idempotent, and this only happens in windows read a second time.
      const keywordOnly = hits.filter((h) => this.opts.processor.isFinal(this.key(folder.path, uidValidity, h.uid))).map((h) => h.uid);

      await this.collectContacts(client, folder, range, pass);
      lap('other');

      let moveUids: number[] = [];
      const toKeyword = [...keywordOnly];
      if (toProcess.length) {
        const fetched = await fetchCalendarParts(client, toProcess);
        lap('parts');
        const items: SyncItem[] = fetched.map((m) => ({
          key: this.key(folder.path, uidValidity, m.uid),
          accountId,
          mailbox: folder.path,
          role: folder.role,
          uidValidity,
          uid: m.uid,
          keyworded: hasProcessedKeyword(m.flags),
          envelope: m.envelope,
          read: readFetchedMessage(m.parts, m.envelope),
        }));
        const res = await this.opts.processor.processBatch(items);
        lap('process');
        report.processed += items.length;
        moveUids = res.move;
        const keywordable = new Set(res.keyword);
        toKeyword.push(...items.filter((i) => !i.keyworded && keywordable.has(i.uid)).map((i) => i.uid));
      }
      for (const h of hits) tracked.add(h.uid);
      if (canKeyword && toKeyword.length) await markProcessedOnServer(client, toKeyword);
      lap('keyword');
      const dest = this.opts.processor.processedFolder();
      if (dest && moveUids.length && dest !== folder.path && folder.role === 'inbox') {
        await ensureFolder(client, dest);
        await moveMessages(client, moveUids, dest, { forceCopy: this.opts.disable?.move });
        // Moved by us, not deleted: no longer this mailbox's business (and not an expunge to report).
        for (const u of moveUids) if (tracked.delete(u)) movedAway++;
      }

      // Every UID up to `hi` (or, for the open-ended last window, below the UIDNEXT read before it) has been seen.
      state.lastUid = Math.max(state.lastUid, pass.maxUid, last ? uidNext - 1 : hi);
      done = Math.min(total, done + pass.count);
      if (isInitial) {
        this.update({ progress: { done, total } });
        this.emit('progress', { accountId, mailbox: folder.path, done, total } satisfies SyncProgress);
      }
      if (last) break;
      // Not the last window: save the position so a drop resumes here. Only if the connection is still up: the reads
      // above answer "nothing" on a dead connection (assertSelected), and a window saved as seen is never read again.
      assertSelected(client, folder.path);
      state.tracked = [...tracked];
      this.opts.state.set(accountId, folder.path, state);
      lo = hi + 1;
    }

    // HIGHESTMODSEQ after our own STOREs (they raise it): one STATUS, so the next no-change check is exact. UIDNEXT is
    // recorded as lastUid + 1, never the server's newer value: mail that landed after the last FETCH must show up
    // as a change next time.
    // Flag changes made elsewhere (RFC 7162 §3.1.4 CHANGEDSINCE), before the STATUS below so their modseqs are covered.
    if (plan.kind === 'condstore' && tracked.size) report.flagChanges = await this.syncFlags(client, folder, uidValidity, tracked, plan.changedSince);
    let modseq: string | null = null;
    const st = await client.status(folder.path, { messages: true, ...(condstore ? { highestModseq: true } : {}) });
    if (condstore && st && st.highestModseq !== undefined) modseq = String(st.highestModseq);
    const exists = st && st.messages !== undefined ? st.messages : total;
    // Expunges. With CONDSTORE an expunge raises HIGHESTMODSEQ, so every 'condstore' plan checks; without it, the
    // message count tells: fewer than the saved count + the new messages - our own moves means some were expunged.
    if (!isInitial && tracked.size) {
      const expected = (saved?.exists ?? 0) + report.messages - movedAway;
      if (plan.kind === 'condstore' || exists !== expected) report.deleted = await this.findExpunged(client, folder, uidValidity, tracked);
    }
    assertSelected(client, folder.path);
    state.uidNext = state.lastUid + 1;
    state.exists = exists;
    state.tracked = [...tracked];
    this.opts.state.set(accountId, folder.path, { ...state, highestModseq: modseq, initialDone: true, lastSync: new Date().toISOString() });
    return report;
  }

  /**
   * UID FETCH <tracked> (UID FLAGS) (CHANGEDSINCE modseq): only the processed messages whose flags changed.
   *
   * imapflow adds CHANGEDSINCE only when its `enabled` set has CONDSTORE, and it sends ENABLE only at login (we turn
   * that off, see connection.ts) because RFC 5161 allows ENABLE in the authenticated state only. The server side is
   * already enabled: our STATUS (HIGHESTMODSEQ) is a CONDSTORE-enabling command (RFC 7162 §3.1), and CHANGEDSINCE is
   * one too. So CONDSTORE is marked enabled for this one FETCH and unmarked after it: left marked, imapflow would add
   * MODSEQ to every later FETCH of the session, including the next initial pass (about 20% of its parsing time).
   */
  private async syncFlags(client: ImapFlow, folder: SyncFolder, uidValidity: string, tracked: Set<number>, changedSince: bigint): Promise<number> {
    const marked = !client.enabled.has('CONDSTORE');
    if (marked) client.enabled.add('CONDSTORE');
    const changes: { key: string; uid: number; flags: Set<string> }[] = [];
    try {
      assertSelected(client, folder.path);
      for await (const msg of client.fetch(compressUids([...tracked]), { uid: true, flags: true }, { uid: true, changedSince })) {
        if (!tracked.has(msg.uid)) continue;
        changes.push({ key: this.key(folder.path, uidValidity, msg.uid), uid: msg.uid, flags: msg.flags ?? new Set<string>() });
      }
      assertSelected(client, folder.path);
    } finally {
      if (marked) client.enabled.delete('CONDSTORE');
    }
    if (changes.length) await this.opts.processor.flagsChanged(changes);
    return changes.length;
  }

  /** UID SEARCH UID <tracked>: the tracked UIDs the server no longer has were expunged (RFC 3501 §6.4.4). */
  private async findExpunged(client: ImapFlow, folder: SyncFolder, uidValidity: string, tracked: Set<number>): Promise<number> {
    if (!client.mailbox || client.mailbox.path !== folder.path) await client.mailboxOpen(folder.path);
    const present = await client.search({ uid: compressUids([...tracked]) }, { uid: true });
    // No answer on a dead connection is not "none present": that would mark every tracked message deleted.
    assertSelected(client, folder.path);
    if (!present) return 0;
    const have = new Set(present);
    const gone = [...tracked].filter((u) => !have.has(u));
    if (!gone.length) return 0;
    await this.opts.processor.markDeleted(gone.map((u) => this.key(folder.path, uidValidity, u)));
    for (const u of gone) tracked.delete(u);
    return gone.length;
  }

  /** Mail history for the 'known' policy, from data that costs little: recipients in Sent, senders I answered. */
  private async collectContacts(client: ImapFlow, folder: SyncFolder, range: string, pass: { count: number }): Promise<void> {
    if (pass.count === 0) return;
    try {
      if (folder.role === 'sent') {
        const envs = await fetchFromAddresses(client, range, ['TO', 'CC']);
        this.opts.processor.addContacts(envs.flatMap((e) => [...e.to, ...e.cc]));
      } else {
        const answered = await client.search({ uid: range, answered: true }, { uid: true });
        assertSelected(client, folder.path);
        if (answered && answered.length) {
          const envs = await fetchFromAddresses(client, compressUids(answered), ['FROM']);
          this.opts.processor.addContacts(envs.map((e) => e.from).filter((x): x is string => Boolean(x)));
        }
      }
    } catch (err) {
      if (!client.usable || !client.mailbox) throw err;
      // Contacts are a convenience: a server quirk here must not stop the sync.
    }
  }
}

function approxDone(lastUid: number, uidNext: number, total: number): number {
  if (lastUid <= 0 || uidNext <= 1) return 0;
  return Math.round((total * lastUid) / (uidNext - 1));
}
