// The sync use case: one AccountSync per account, and the processing of what they detect. Each detected message
// goes through the engine (processRead) with the account's identities, the policy and the known contacts; messages
// older than the time frame are listed in their thread but not applied. The outcome, the processed key and the
// thread entry are stored in ONE commit; only then does AccountSync set the server keyword (and move the mail).
//
// Events: 'invitations-changed', 'status-changed' (AccountStatus[]), 'new-invitation' ({uid, summary, from}),
// 'processed' ({key, accountId, mailbox, imapUid, action, uid, reason}; for tests and logs), 'progress'.
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { PRIVATE_FILE, ensurePrivateDirSync } from '../store/durable-file';
import { join } from 'node:path';
import type { MailboxObject } from 'imapflow';
import nodemailer from 'nodemailer';
import type { AccountInput, AccountStatus, ConnectionCheck, ServerSettings } from '../../shared/api';
import { AppError } from '../../shared/errors';
import { normalizeAddress } from '../../shared/itip/address';
import { processRead } from '../../shared/itip/process';
import type { Decision, DecideContext, StoredEvent } from '../../shared/itip/types';
import { decisionUid, planApply, type StoreChange } from '../../shared/itip/apply';
import type { CalendarStore } from '../store/calendar-store';
import type { SecretBox } from '../store/credentials';
import type { SettingsStore } from '../store/settings-store';
import { AccountSync, type AccountSyncOptions, type SyncItem, type SyncProcessor } from '../mail/imap/account-sync';
import { connectImap, mapImapError, type ImapConnectParams } from '../mail/imap/connection';
import { PROCESSED_KEYWORD, canStoreKeyword, markProcessedOnServer } from '../mail/imap/keywords';
import { SyncStateStore } from '../mail/imap/sync-state';
import type { TokenManager } from '../accounts/tokens';
import { organizersOf } from './files-service';

export interface SyncServiceDeps {
  calendar: CalendarStore;
  settings: SettingsStore;
  /** Kept for callers that build the service before the settings store; passwords are read via settings. */
  secrets?: SecretBox;
  dataDir: string;
  now?: () => Date;
  /** Tuning and capability switches passed to every AccountSync (tests, the benchmark). */
  sync?: Pick<AccountSyncOptions, 'batchSize' | 'pollMs' | 'backoff' | 'disable'>;
  /** Extra TLS options for IMAP (a private CA in tests). */
  tls?: ImapConnectParams['tls'];
  /** Access tokens of OAuth2 accounts (issue 12). */
  tokens?: TokenManager;
}

export interface ProcessedEvent {
  key: string;
  accountId: string;
  mailbox: string;
  imapUid: number;
  action: Decision['action'];
  uid: string | null;
  reason: string;
  method: string | null;
}

/** Decisions after which the mail is done with (and may be moved to the processed folder). */
/** The reason of a message listed but not applied because it is older than the time frame. */
export const TIME_FRAME_REASON = 'older than the time frame';

const FINAL_ACTIONS = new Set(['created', 'updated', 'cancelled', 'reply-applied', 'stale', 'duplicate']);

export class SyncService extends EventEmitter {
  private readonly syncs = new Map<string, AccountSync>();
  private readonly state: SyncStateStore;
  private readonly contactsFile: string;
  private contacts = new Set<string>();
  private contactsDirty: NodeJS.Timeout | null = null;
  /** Processed keys whose keyword could not be set (offline): retried after the account's next completed pass. */
  private readonly keywordQueue = new Set<string>();
  private readonly now: () => Date;
  private running = false;

  constructor(private readonly deps: SyncServiceDeps) {
    super();
    this.now = deps.now ?? (() => new Date());
    ensurePrivateDirSync(deps.dataDir);
    this.state = new SyncStateStore(join(deps.dataDir, 'sync-state'));
    this.contactsFile = join(deps.dataDir, 'contacts.json');
    if (existsSync(this.contactsFile)) {
      try {
        this.contacts = new Set(JSON.parse(readFileSync(this.contactsFile, 'utf8')) as string[]);
      } catch {
        this.contacts = new Set();
      }
    }
  }

  // --- lifecycle -------------------------------------------------------------------------------------------------

  start(): void {
    this.running = true;
    this.accountsChanged();
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all([...this.syncs.values()].map((s) => s.stop()));
    this.syncs.clear();
    this.flushContacts();
  }

  /** Call after accounts were added, edited or removed: restarts the affected account loops. */
  accountsChanged(): void {
    if (!this.running) return;
    const accounts = this.deps.settings.listAccounts();
    const ids = new Set(accounts.map((a) => a.id));
    for (const [id, s] of this.syncs) {
      if (!ids.has(id)) {
        void s.stop();
        this.syncs.delete(id);
      }
    }
    for (const a of accounts) {
      const prev = this.syncs.get(a.id);
      if (prev) void prev.stop();
      const s = new AccountSync({
        accountId: a.id,
        email: a.email,
        connect: () => this.connect(a.id),
        state: this.state,
        processor: this.processorFor(a.id),
        ...(this.deps.sync ?? {}),
      });
      s.on('status', () => this.emit('status-changed', this.status()));
      s.on('progress', (p) => this.emit('progress', p));
      s.on('synced', () => {
        const queued = [...this.keywordQueue].filter((k) => this.deps.calendar.processedRecord(k)?.account === a.id);
        if (queued.length) void this.markProcessed(queued);
      });
      this.syncs.set(a.id, s);
      s.start();
    }
    this.emit('status-changed', this.status());
  }

  /** Syncs every account now; resolves when each completed a pass (rejects with the first account's error). */
  async syncNow(): Promise<void> {
    const results = await Promise.allSettled([...this.syncs.values()].map((s) => s.syncNow()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  status(): AccountStatus[] {
    return [...this.syncs.values()].map((s) => s.status());
  }

  /** The AccountSync of one account (tests and the benchmark read its byte counters). */
  accountSync(accountId: string): AccountSync | undefined {
    return this.syncs.get(accountId);
  }

  private async connect(accountId: string) {
    const a = this.deps.settings.storedAccount(accountId);
    if (!a) throw new AppError('NOT_FOUND', `No account with id ${accountId}`);
    const tokens = this.deps.tokens;
    if (tokens?.isOAuth(accountId)) {
      // XOAUTH2/OAUTHBEARER with the access token; refreshed once more when the server rejects it (issue 12 §1).
      const user = a.imap.user || a.email;
      return tokens.withToken(accountId, 'IMAP', (e) => e instanceof AppError && e.code === 'IMAP_AUTH', (accessToken) =>
        connectImap({ host: a.imap.host, port: a.imap.port, security: a.imap.security, user, accessToken, ...(this.deps.tls ? { tls: this.deps.tls } : {}) }),
      );
    }
    const cred = this.deps.settings.credentials(accountId, 'imap');
    return connectImap({
      host: a.imap.host,
      port: a.imap.port,
      security: a.imap.security,
      user: cred.user,
      ...(cred.kind === 'password' ? { password: cred.password } : { accessToken: cred.accessToken }),
      ...(this.deps.tls ? { tls: this.deps.tls } : {}),
    });
  }

  // --- contacts --------------------------------------------------------------------------------------------------

  /** Addresses from my mail history plus organizers of stored events, lower-case. */
  knownContacts(): string[] {
    return [...new Set([...this.contacts, ...organizersOf(this.deps.calendar)])];
  }

  addressBook(prefix: string): string[] {
    const p = prefix.trim().toLowerCase();
    const mine = new Set(this.deps.settings.allIdentities());
    return this.knownContacts()
      .filter((a) => !mine.has(a) && (p === '' || a.startsWith(p) || a.split('@')[0]!.split(/[._-]/).some((w) => w.startsWith(p))))
      .sort()
      .slice(0, 20);
  }

  private addContacts(list: string[]): void {
    let changed = false;
    const mine = new Set(this.deps.settings.allIdentities());
    for (const raw of list) {
      const a = normalizeAddress(raw);
      if (!a || !a.includes('@') || mine.has(a) || this.contacts.has(a)) continue;
      this.contacts.add(a);
      changed = true;
    }
    if (changed && !this.contactsDirty) this.contactsDirty = setTimeout(() => this.flushContacts(), 1000);
  }

  private flushContacts(): void {
    if (this.contactsDirty) clearTimeout(this.contactsDirty);
    this.contactsDirty = null;
    const tmp = `${this.contactsFile}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify([...this.contacts].sort()), { mode: PRIVATE_FILE });
    renameSync(tmp, this.contactsFile);
  }

  // --- processing ------------------------------------------------------------------------------------------------

  private processorFor(accountId: string): SyncProcessor {
    return {
      isProcessed: (key) => this.deps.calendar.processedRecord(key) !== undefined,
      isFinal: (key) => FINAL_ACTIONS.has(String(this.deps.calendar.processedRecord(key)?.action ?? '')),
      processBatch: (items) => this.processBatch(accountId, items),
      flagsChanged: (changes) => this.flagsChanged(accountId, changes),
      markDeleted: (keys) => this.markDeleted(keys),
      addContacts: (list) => this.addContacts(list),
      processedFolder: () => this.deps.settings.getSettings().processedFolder,
    };
  }

  /** Decides each item against the store (and the items before it in the batch), then commits once. */
  async processBatch(accountId: string, items: SyncItem[]): Promise<{ move: number[]; keyword: number[] }> {
    const settings = this.deps.settings.getSettings();
    const now = this.now();
    const ctx: DecideContext = {
      me: this.deps.settings.identities(accountId),
      policy: settings.policy,
      knownContacts: this.knownContacts(),
      now: now.toISOString(),
    };
    const cutoff = now.getTime() - settings.timeFrameDays * 86_400_000;
    const pending = new Map<string, StoredEvent>();
    const changes: StoreChange[] = [];
    const done: ProcessedEvent[] = [];
    const created: { uid: string; summary: string; from: string | null }[] = [];
    const move: number[] = [];
    let touched = false;

    for (const item of items) {
      const { itip, problems } = item.read;
      const eventUid = itip?.calendar.components.find((c) => c.uid)?.uid ?? null;
      const stored = eventUid ? (pending.get(eventUid) ?? this.deps.calendar.get(eventUid)) : undefined;
      const date = item.envelope.date ? Date.parse(item.envelope.date) : NaN;
      let decision: Decision;
      if (item.keyworded) {
        decision = { action: 'duplicate', uid: eventUid, reason: `already processed by another Convene (keyword ${PROCESSED_KEYWORD})` };
      } else if (itip && settings.timeFrameDays > 0 && Number.isFinite(date) && date < cutoff) {
        decision = { action: 'needs-decision', uid: eventUid, reason: TIME_FRAME_REASON, detail: 'time-frame' };
      } else {
        try {
          decision = processRead(itip, problems, stored, ctx);
        } catch (err) {
          // A bug in the engine must not stop the sync of the mailbox: record it loudly, apply nothing.
          console.error('convene: processing failed for', item.key, err);
          decision = { action: 'rejected', uid: eventUid, reason: `internal error: ${(err as Error).message}` };
        }
      }
      const uid = decisionUid(decision) ?? eventUid;
      if (decision.next) {
        pending.set(decision.next.uid, decision.next);
        touched = true;
        if (decision.action === 'created' && item.role === 'inbox') {
          const m = decision.next.master ?? decision.next.overrides[0] ?? null;
          created.push({ uid: decision.next.uid, summary: m?.summary ?? '(no title)', from: item.envelope.from });
        }
      }
      if (uid) touched = true;
      changes.push(
        ...planApply({
          decision: { ...decision, uid },
          messages: [
            {
              key: item.key,
              source: 'mailbox',
              method: itip?.method ?? null,
              from: item.envelope.from,
              subject: item.envelope.subject,
              date: item.envelope.date,
              messageId: item.envelope.messageId,
              position: { account: accountId, mailbox: item.mailbox, imapUid: item.uid },
            },
          ],
          at: now.toISOString(),
        }),
      );
      if (FINAL_ACTIONS.has(decision.action)) move.push(item.uid);
      done.push({ key: item.key, accountId, mailbox: item.mailbox, imapUid: item.uid, action: decision.action, uid, reason: decision.reason, method: itip?.method ?? null });
    }

    if (changes.length) await this.deps.calendar.commit(changes);
    for (const d of done) this.emit('processed', d);
    if (touched) this.emit('invitations-changed');
    for (const c of created) this.emit('new-invitation', c);
    // The keyword means "applied (or nothing to apply)": the final outcomes, the same set that may be moved. A pending
    // decision (needs-decision, a rejected message) stays unkeyworded, so another device decides it for itself and,
    // once it applies it there, its keyword reaches this device through flagsChanged.
    return { move, keyword: move };
  }

  /**
   * CONDSTORE told us these processed messages' flags changed elsewhere. The processed keyword on a message we left
   * pending means another Convene applied it: record that (as a duplicate, so nothing is applied here twice) and
   * update its thread entry. Other flag changes (\Seen, \Flagged) mean nothing to the calendar.
   */
  async flagsChanged(accountId: string, changes: { key: string; uid: number; flags: Set<string> }[]): Promise<void> {
    const now = this.now().toISOString();
    const out: StoreChange[] = [];
    const done: ProcessedEvent[] = [];
    for (const c of changes) {
      const rec = this.deps.calendar.processedRecord(c.key);
      if (!rec || FINAL_ACTIONS.has(String(rec.action))) continue;
      if (![...c.flags].some((f) => f.toLowerCase() === PROCESSED_KEYWORD.toLowerCase())) continue;
      const reason = `applied by another Convene (keyword ${PROCESSED_KEYWORD} set elsewhere)`;
      out.push({ type: 'processed', key: c.key, record: { ...rec, action: 'duplicate', reason, at: now } });
      if (rec.uid) {
        const entry = this.deps.calendar.thread(rec.uid).find((t) => t.key === c.key);
        if (entry) out.push({ type: 'thread', uid: rec.uid, entry: { ...entry, action: 'duplicate', reason } });
      }
      done.push({ key: c.key, accountId, mailbox: rec.mailbox ?? '', imapUid: c.uid, action: 'duplicate', uid: rec.uid, reason, method: null });
    }
    if (!out.length) return;
    await this.deps.calendar.commit(out);
    for (const d of done) this.emit('processed', d);
    this.emit('invitations-changed');
  }

  /** Processed messages gone from the server: their thread entries are marked deleted; the calendar is unchanged. */
  async markDeleted(keys: string[]): Promise<void> {
    const now = this.now().toISOString();
    const out: StoreChange[] = [];
    for (const key of keys) {
      const rec = this.deps.calendar.processedRecord(key);
      if (!rec?.uid) continue;
      const entry = this.deps.calendar.thread(rec.uid).find((t) => t.key === key);
      if (entry && !entry.deleted) out.push({ type: 'thread', uid: rec.uid, entry: { ...entry, deleted: now } });
    }
    if (!out.length) return;
    await this.deps.calendar.commit(out);
    this.emit('deleted', keys);
    this.emit('invitations-changed');
  }

  /**
   * Sets the processed keyword on the source messages of decisions made by the user (a held invitation added to the
   * calendar), so another device does not apply them again. Keys are processed keys of IMAP messages; others are
   * ignored. Offline (or any server error): the keys wait for the account's next completed sync pass. A mailbox
   * whose UIDVALIDITY changed, or that cannot store keywords, is skipped: its UIDs name nothing any more.
   */
  async markProcessed(keys: string[]): Promise<void> {
    const byAccount = new Map<string, Map<string, { mailbox: string; uidValidity: string; keys: string[]; uids: number[] }>>();
    for (const key of keys) {
      const rec = this.deps.calendar.processedRecord(key);
      if (!rec?.account || rec.mailbox === undefined || rec.imapUid === undefined) continue;
      const prefix = `${rec.account}/${rec.mailbox}/`;
      if (!key.startsWith(prefix)) continue;
      const uidValidity = key.slice(prefix.length).split('/')[0]!;
      const boxes = byAccount.get(rec.account) ?? new Map();
      byAccount.set(rec.account, boxes);
      const id = `${rec.mailbox}/${uidValidity}`;
      const box = boxes.get(id) ?? { mailbox: rec.mailbox, uidValidity, keys: [], uids: [] };
      boxes.set(id, box);
      box.keys.push(key);
      box.uids.push(rec.imapUid);
    }
    await Promise.all(
      [...byAccount].map(async ([accountId, boxes]) => {
        const all = [...boxes.values()].flatMap((b) => b.keys);
        if (!this.deps.settings.storedAccount(accountId)) {
          for (const k of all) this.keywordQueue.delete(k);
          return;
        }
        let client: Awaited<ReturnType<SyncService['connect']>> | null = null;
        const done = new Set<string>();
        try {
          client = await this.connect(accountId);
          for (const b of boxes.values()) {
            let mb: MailboxObject | null = null;
            try {
              mb = await client.mailboxOpen(b.mailbox);
            } catch (err) {
              if (!client.usable) throw err; // a dropped connection, not a missing mailbox
            }
            if (mb && String(mb.uidValidity) === b.uidValidity && canStoreKeyword(mb)) await markProcessedOnServer(client, b.uids);
            for (const k of b.keys) done.add(k);
          }
        } catch {
          // Offline or a dropped connection: quietly retried after the account's next completed sync pass.
        } finally {
          for (const k of all) {
            if (done.has(k)) this.keywordQueue.delete(k);
            else this.keywordQueue.add(k);
          }
          if (client) {
            const c = client;
            await c.logout().catch(() => {
              try {
                c.close();
              } catch {
                /* closed */
              }
            });
          }
        }
      }),
    );
  }

  /**
   * The whole source of one synced mail (issue 11 §12: the invitation's own mail, opened from the detail), read
   * with BODY.PEEK[] so it stays unread. Null when the mailbox's UIDVALIDITY changed or the mail is gone.
   */
  async fetchSource(accountId: string, mailbox: string, uidValidity: string, uid: number): Promise<Uint8Array | null> {
    const client = await this.connect(accountId);
    try {
      const mb = await client.mailboxOpen(mailbox, { readOnly: true });
      if (String(mb.uidValidity) !== uidValidity) return null;
      const msg = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
      return msg && msg.source ? new Uint8Array(msg.source) : null;
    } finally {
      await client.logout().catch(() => {
        try {
          client.close();
        } catch {
          /* closed */
        }
      });
    }
  }

  // --- connection test -------------------------------------------------------------------------------------------

  async testConnection(input: AccountInput & { password?: string }): Promise<ConnectionCheck> {
    let password = input.password;
    // A stored password goes only to the servers it was stored for (issue 10 §5): passwordFor throws otherwise.
    if (!password && input.id) password = this.deps.settings.passwordFor(input.id, input) ?? undefined;
    // An OAuth2 account (same servers, checked above): its access token instead of a password.
    const accessToken = !password && input.id && this.deps.tokens?.isOAuth(input.id) ? await this.deps.tokens.accessToken(input.id) : undefined;
    const user = (s: ServerSettings) => s.user || input.email;
    const check: ConnectionCheck = { imap: { ok: true }, smtp: { ok: true } };
    try {
      const c = await connectImap({ host: input.imap.host, port: input.imap.port, security: input.imap.security, user: user(input.imap), ...(accessToken ? { accessToken } : { password: password ?? '' }), timeoutMs: 10_000, ...(this.deps.tls ? { tls: this.deps.tls } : {}) });
      await c.logout().catch(() => c.close());
    } catch (err) {
      const e = mapImapError(err, { host: input.imap.host, port: input.imap.port, user: user(input.imap) });
      check.imap = { ok: false, code: e.code, message: e.message };
    }
    try {
      const t = nodemailer.createTransport({
        host: input.smtp.host,
        port: input.smtp.port,
        secure: input.smtp.security === 'tls',
        requireTLS: input.smtp.security === 'starttls',
        ignoreTLS: input.smtp.security === 'none',
        auth: accessToken ? { type: 'OAuth2', user: user(input.smtp), accessToken } : { user: user(input.smtp), pass: password ?? '' },
        connectionTimeout: 10_000,
        greetingTimeout: 10_000,
      });
      await t.verify();
      t.close();
    } catch (err) {
      const e = mapSmtpError(err, input.smtp);
      check.smtp = { ok: false, code: e.code, message: e.message };
    }
    return check;
  }
}

function mapSmtpError(err: unknown, s: ServerSettings): AppError {
  const e = (err ?? {}) as { code?: string; responseCode?: number; message?: string };
  const at = `${s.host}:${s.port}`;
  const msg = e.message ?? String(err);
  if (e.code === 'EAUTH' || e.responseCode === 535) return new AppError('SMTP_AUTH', `The SMTP server ${at} rejected the login: check the user name and password`);
  if (e.code === 'EDNS' || /ENOTFOUND|EAI_AGAIN/.test(msg)) return new AppError('SMTP_DNS', `The SMTP server name ${s.host} could not be found (DNS)`);
  if (e.code === 'ETLS' || /ssl|tls|certificate|wrong version/i.test(msg)) return new AppError('SMTP_TLS', `A secure (TLS) connection to the SMTP server ${at} failed: ${msg}`);
  if (e.code === 'ECONNECTION' || e.code === 'ETIMEDOUT' || /ECONNREFUSED|timeout/i.test(msg)) return new AppError('SMTP_UNAVAILABLE', `The SMTP server ${at} is not reachable: ${msg}`, true);
  return new AppError('SMTP_UNAVAILABLE', `SMTP check for ${at} failed: ${msg}`, true);
}
