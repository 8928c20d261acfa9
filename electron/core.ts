// The composition root: the main-process core both shells drive (Electron over IPC, the browser shell over a
// loopback WebSocket). It opens the stores, wires the services and implements ConveneApi; every method catches and
// returns a Result, so nothing thrown crosses a shell boundary.
//
// Data directory layout:
//   calendar/          CalendarStore (events, processed messages, threads)
//   outbox/            the durable outbox (.eml + .json per message)
//   sync/              SyncService state (per-mailbox sync state, contacts)
//   settings.json      accounts and settings (conf; electron-store in Electron: same format)
//   secrets.json       plain-Node passwords (mode 0600) when no OS keychain is passed in (see credentials.ts)
//
// Offline use: with no account the app still works. Meetings organized then use the local identity
// LOCAL_IDENTITY (me@convene.invalid, shared/api.ts); with attendees they are queued in the outbox and wait there
// (the outbox never hands a message From the local identity to SMTP: 'waiting for an account'); without attendees
// they are personal events and never sent. When the first account is added, MeetingsService.adoptIdentity rebuilds
// those queued messages for the account (same outbox ids and order) and re-addresses the stored meetings. Opened .ics/.eml files are processed with the 'always' policy (the user chose to open them).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  LOCAL_IDENTITY,
  type AccountInput,
  type AccountView,
  type AppEvent,
  type AppStatus,
  type ConnectionCheck,
  type ConveneApi,
  type InvitationDetail,
  type InvitationSummary,
  type OccurrenceView,
  type OpenFileOutcome,
  type OpenFileRequest,
  type OutboxItemView,
  type QueuedOutcome,
  type SaveMeetingOutcome,
  type Settings,
} from '../shared/api';
import { AppError, ok, toErrorData, type Result } from '../shared/errors';
import type { MeetingDraft } from '../shared/itip/meeting';
import { readCalendarText, readInput } from '../shared/itip/message';
import { processRead } from '../shared/itip/process';
import type { ItipMessage } from '../shared/itip/types';
import { sentFolderDeps } from './mail/smtp/sent-folder';
import { Outbox } from './mail/smtp/outbox';
import { smtpSender } from './mail/smtp/transport';
import { agendaView, detailView, listView, type ViewContext } from './services/invitations-view';
import { keepOpenedFile, MessageSource } from './services/message-view';
import { eventExtras, InvitationPages, markOccurrences, organizerName } from './services/reading-view';
import { MeetingsService, type ServiceIdentity } from './services/meetings-service';
import { SyncService, TIME_FRAME_REASON, type SyncServiceDeps } from './services/sync-service';
import { CalendarStore, type StoreChange } from './store/calendar-store';
import { fileSecretBox, type SecretBox } from './store/credentials';
import { confBackend, SettingsStore, type KeyValueBackend } from './store/settings-store';

export interface NotifyInput {
  title: string;
  body: string;
  uid: string;
}

export interface CoreOptions {
  dataDir: string;
  shell: 'electron' | 'browser';
  /** Electron passes safeStorageSecretBox(safeStorage); plain Node uses a 0600 file in the data dir. */
  secrets?: SecretBox;
  /** Electron passes electronStoreBackend(); plain Node uses conf in the data dir. */
  settingsBackend?: KeyValueBackend;
  /** A desktop notification for a new invitation (Electron's Notification). */
  notify?: (n: NotifyInput) => void;
  now?: () => Date;
  /** Test tuning for the sync loops (poll interval...). */
  sync?: SyncServiceDeps['sync'];
}

export interface Core extends ConveneApi {
  /** Opens a file from disk (command line, file association, second instance) and tells the UI to show it. */
  openPath(path: string): Promise<Result<OpenFileOutcome>>;
  close(): Promise<void>;
}

async function guard<T>(fn: () => T | Promise<T>): Promise<Result<T>> {
  try {
    return ok(await fn());
  } catch (err) {
    const data = toErrorData(err);
    if (data.code === 'INTERNAL') console.error('[core] unexpected error:', err);
    return { ok: false, error: data };
  }
}

export async function createCore(opts: CoreOptions): Promise<Core> {
  const now = opts.now ?? (() => new Date());
  const dataDir = opts.dataDir;
  mkdirSync(dataDir, { recursive: true });

  const secrets = opts.secrets ?? fileSecretBox(dataDir);
  const settings = new SettingsStore(opts.settingsBackend ?? confBackend(dataDir), secrets);
  const calendar = await CalendarStore.open(join(dataDir, 'calendar'));

  const listeners = new Set<(e: AppEvent) => void>();
  const emit = (e: AppEvent) => {
    for (const l of listeners) {
      try {
        l(e);
      } catch (err) {
        console.error('[core] event listener failed:', err);
      }
    }
  };

  // --- accounts → transports ---------------------------------------------------------------------------------------
  const accountOrThrow = (accountId: string | null) => {
    const a = accountId ? settings.storedAccount(accountId) : (settings.listAccounts()[0] ? settings.storedAccount(settings.listAccounts()[0]!.id) : null);
    if (!a) throw new AppError('SMTP_UNAVAILABLE', 'no mail account is set up yet: the message waits in the outbox', true);
    return a;
  };
  const sender = smtpSender(async (accountId) => {
    const a = accountOrThrow(accountId);
    return { smtp: a.smtp, password: settings.password(a.id) };
  });
  const sent = sentFolderDeps(async (accountId) => {
    const a = accountId ? settings.storedAccount(accountId) : null;
    if (!a) return null;
    return { imap: a.imap, password: settings.password(a.id), providerSavesSent: a.providerSavesSent };
  });

  const outbox = await Outbox.open(join(dataDir, 'outbox'), {
    sendRaw: (item) => sender.sendRaw(item),
    appendSent: (accountId, raw, messageId) => sent.appendSent(accountId, raw, messageId),
    findSent: (accountId, messageId) => sent.findSent(accountId, messageId),
    now,
  });

  const sync = new SyncService({ calendar, settings, secrets, dataDir: join(dataDir, 'sync'), now, ...(opts.sync ? { sync: opts.sync } : {}) });

  /** My addresses: every account's address and aliases; the local identity when there is no account. */
  const me = (): string[] => {
    const ids = settings.allIdentities();
    return ids.length ? ids : [LOCAL_IDENTITY];
  };

  /** One identity per account (its address and aliases); the local identity when there is no account. */
  const identities = (): ServiceIdentity[] => {
    const accounts = settings.listAccounts();
    if (accounts.length === 0) return [{ accountId: null, email: LOCAL_IDENTITY, aliases: [] }];
    return accounts.map((a) => ({ accountId: a.id, email: a.email, aliases: a.aliases, ...(a.displayName ? { displayName: a.displayName } : {}) }));
  };

  const meetings = new MeetingsService({ calendar, outbox, identities, now });

  /**
   * Offline work becomes the account's: queued messages From the local identity are rebuilt for `account` (the
   * outbox never sends them as they are) and the stored meetings re-addressed. Runs when an account is added and at
   * startup (finishing a run a crash interrupted); a no-op when nothing refers to the local identity.
   */
  const adoptLocalIdentity = async (account: AccountView | undefined): Promise<void> => {
    if (!account) return;
    const involvesLocal = (e: ReturnType<typeof calendar.all>[number]) =>
      e.myAddress?.toLowerCase() === LOCAL_IDENTITY || e.master?.organizer?.email.toLowerCase() === LOCAL_IDENTITY;
    if (!outbox.waitingForAccount().length && !calendar.all().some(involvesLocal)) return;
    const r = await meetings.adoptIdentity({ accountId: account.id, email: account.email, aliases: account.aliases, ...(account.displayName ? { displayName: account.displayName } : {}) });
    if (r.left.length) console.warn('[core] outbox items left waiting for an account:', r.left);
  };
  try {
    await adoptLocalIdentity(settings.listAccounts()[0]);
  } catch (err) {
    console.error('[core] re-addressing offline work failed:', err);
  }

  const viewCtx = (): ViewContext => ({
    me: me(),
    now: now().toISOString(),
    accountFor: (address) => (address ? (settings.accountFor(address)?.id ?? null) : null),
  });

  // The invitation list in pages (issue 9 §4): computed once per store change, sliced per request.
  const pages = new InvitationPages(() =>
    listView(calendar.all(), (uid) => calendar.thread(uid), viewCtx()).map((s) => {
      const ev = calendar.get(s.uid);
      return ev ? { ...s, organizerName: organizerName(ev) } : s;
    }),
    () => me().join(','),
  );
  const unsubPages = calendar.onChange(() => pages.invalidate());
  // Computed once at start, before the window asks: the first screen then needs only a slice.
  const warm = setTimeout(() => {
    try {
      pages.list();
    } catch {
      // Closed already (a short-lived core): nothing to warm.
    }
  }, 0);
  const filesDir = join(dataDir, 'files');
  const messages = new MessageSource({
    record: (key) => calendar.processedRecord(key),
    fetch: (accountId, mailbox, uidValidity, uid) => sync.fetchSource(accountId, mailbox, uidValidity, uid),
    filesDir,
    inThread: (uid, key) => calendar.thread(uid).some((t) => t.key === key),
  });

  const status = (): AppStatus => {
    const items = outbox.list();
    return {
      accounts: sync.status(),
      outbox: { queued: items.filter((i) => i.state === 'queued' || i.state === 'sending').length, failed: items.filter((i) => i.state === 'failed').length },
      shell: opts.shell,
    };
  };

  // --- events ------------------------------------------------------------------------------------------------------
  const unsubCalendar = calendar.onChange(() => {
    emit({ type: 'invitations-changed' });
    emit({ type: 'calendar-changed' });
  });
  sync.on('status-changed', () => emit({ type: 'status-changed', status: status() }));
  sync.on('new-invitation', (c: { uid: string; summary: string; from: string | null }) => {
    emit({ type: 'new-invitation', uid: c.uid, summary: c.summary, from: c.from ?? null });
    try {
      opts.notify?.({ title: 'New invitation', body: `${c.summary || '(no title)'}${c.from ? ` — from ${c.from}` : ''}`, uid: c.uid });
    } catch (err) {
      console.error('[core] notification failed:', err);
    }
  });
  outbox.on('change', () => {
    emit({ type: 'outbox-changed' });
    emit({ type: 'status-changed', status: status() });
  });

  outbox.start();
  sync.start();

  // --- files -------------------------------------------------------------------------------------------------------
  const openFile = async (req: OpenFileRequest): Promise<OpenFileOutcome> => {
    const bytes = new Uint8Array(Buffer.from(req.contentBase64, 'base64'));
    if (bytes.length === 0) throw new AppError('BAD_REQUEST', 'the file is empty');
    const read = await readInput(bytes, req.name);
    let itip: ItipMessage | null = read.itip;
    // An event file without METHOD (an exported .ics) is shown as a published event: RFC 5546 §3.2.1 PUBLISH is
    // exactly "here is an event, no replies expected".
    if (!itip) {
      const cal = read.calendars.find((c) => c.calendar.components.some((x) => x.uid) && c.calendar.method === null);
      if (cal) itip = { method: 'PUBLISH', calendar: { ...cal.calendar, method: 'PUBLISH' }, methodParam: null, envelope: read.envelope, part: cal.part };
    }
    const uidGuess = itip?.calendar.components.find((c) => c.uid)?.uid ?? undefined;
    const stored = uidGuess ? calendar.get(uidGuess) : undefined;
    const decision = processRead(itip, read.problems, stored, {
      me: me(),
      policy: 'always',
      knownContacts: sync.knownContacts(),
      now: now().toISOString(),
    });
    const key = `file:${createHash('sha256').update(bytes).digest('hex')}`;
    keepOpenedFile(filesDir, key, bytes);
    const uid = decision.next?.uid ?? decision.uid ?? null;
    const changes: StoreChange[] = [];
    if (decision.next) changes.push({ type: 'put', event: decision.next });
    if (uid && (decision.next || calendar.get(uid)) && !calendar.processedRecord(key)) {
      changes.push({
        type: 'thread',
        uid,
        entry: {
          key,
          method: itip?.method ?? null,
          from: read.envelope?.from ?? `file ${basename(req.name)}`,
          subject: read.envelope?.subject ?? basename(req.name),
          date: read.envelope?.date ?? now().toISOString(),
          action: decision.action,
          reason: decision.reason,
        },
      });
      changes.push({ type: 'processed', key, record: { action: decision.action, uid, reason: decision.reason, at: now().toISOString() } });
    }
    if (changes.length) await calendar.commit(changes);
    const shown = uid && calendar.get(uid) ? uid : null;
    return {
      uid: shown,
      action: decision.action,
      reason: decision.reason,
      problems: (decision.problems ?? read.problems).map((p) => ({ code: p.code, severity: p.severity, message: p.message })),
    };
  };

  const core: Core = {
    getStatus: () => guard(status),

    listAccounts: () => guard((): AccountView[] => settings.listAccounts()),
    saveAccount: (input: AccountInput) =>
      guard(async () => {
        const isFirst = !input.id && settings.listAccounts().length === 0;
        const view = settings.saveAccount(input);
        sender.invalidate(view.id);
        sync.accountsChanged();
        // The first account: what was organized or answered offline (as me@convene.invalid) becomes its own.
        if (isFirst) {
          try {
            await adoptLocalIdentity(view);
          } catch (err) {
            console.error('[core] re-addressing offline work failed:', err);
          }
        }
        outbox.kick();
        return view;
      }),
    removeAccount: (req) =>
      guard((): true => {
        if (!settings.removeAccount(req.id)) throw new AppError('NOT_FOUND', `no account ${req.id}`);
        sender.invalidate(req.id);
        sync.accountsChanged();
        return true;
      }),
    testConnection: (input) => guard((): Promise<ConnectionCheck> => sync.testConnection(input)),
    syncNow: () =>
      guard(async (): Promise<true> => {
        // Answer at once; progress and errors arrive as status events.
        void sync.syncNow().catch(() => {});
        outbox.kick();
        return true;
      }),

    getSettings: () => guard((): Settings => settings.getSettings()),
    saveSettings: (s) =>
      guard(() => {
        const saved = settings.saveSettings(s);
        sync.accountsChanged();
        return saved;
      }),

    listInvitations: () => guard((): InvitationSummary[] => pages.list()),
    getInvitation: (req) =>
      guard((): InvitationDetail => {
        const ev = calendar.get(req.uid);
        if (!ev) throw new AppError('NOT_FOUND', 'this meeting is no longer in your calendar');
        return { ...detailView(ev, calendar.thread(req.uid), calendar.all(), viewCtx()), ...eventExtras(ev.master ?? ev.overrides[0]) };
      }),
    respond: (req) => guard((): Promise<QueuedOutcome> => meetings.respond(req)),
    proposeNewTime: (req) => guard((): Promise<QueuedOutcome> => meetings.proposeNewTime(req)),
    removeFromCalendar: (req) =>
      guard(async (): Promise<true> => {
        await meetings.removeFromCalendar(req.uid);
        return true;
      }),

    listAgenda: (req) => guard((): OccurrenceView[] => markOccurrences(agendaView(calendar.all(), req.from, req.to, me()), (uid) => calendar.get(uid), me())),
    saveMeeting: (draft: MeetingDraft) => guard((): Promise<SaveMeetingOutcome> => meetings.saveMeeting(draft)),
    getMeetingDraft: (req) => guard((): MeetingDraft => meetings.getMeetingDraft(req.uid)),
    cancelMeeting: (req) => guard((): Promise<QueuedOutcome> => meetings.cancelMeeting(req)),
    resolvePending: (req) =>
      guard(async (): Promise<QueuedOutcome> => {
        const stored = calendar.get(req.uid);
        const item = stored?.pending.find((p) => p.id === req.pendingId);
        // An invitation the policy held back ('known' / 'never'): the user lets it in. It goes through the engine
        // again, now with the 'always' policy, exactly as if it had just arrived; nothing is sent.
        if (stored && item && (item.kind === 'new-invitation' || item.kind === 'forwarded') && (req.action === 'accept' || req.action === 'add')) {
          const read = readCalendarText(item.ics);
          const without = { ...stored, pending: stored.pending.filter((p) => p.id !== item.id) };
          const decision = processRead(read.itip, read.problems, without.master || without.overrides.length ? without : undefined, {
            me: me(),
            policy: 'always',
            knownContacts: sync.knownContacts(),
            now: now().toISOString(),
          });
          if (!decision.next) throw new AppError('ITIP_INVALID', `the held invitation cannot be applied: ${decision.reason}`);
          const next = { ...decision.next, pending: [...without.pending.filter((p) => !decision.next!.pending.some((q) => q.id === p.id)), ...decision.next.pending] };
          // The mails that were held are now applied: their records become final (so our own keyword, seen again
          // through CONDSTORE, does not read as "applied elsewhere") and the server gets the processed keyword.
          const at = now().toISOString();
          const changes: StoreChange[] = [{ type: 'put', event: next }];
          const decided: string[] = [];
          for (const entry of calendar.thread(req.uid)) {
            const rec = calendar.processedRecord(entry.key);
            if (!rec?.account || rec.imapUid === undefined || rec.action !== 'needs-decision' || entry.deleted) continue;
            if (entry.method !== (read.itip?.method ?? null) || rec.reason === TIME_FRAME_REASON) continue;
            const reason = `${decision.reason} (added to the calendar by you)`;
            changes.push({ type: 'processed', key: entry.key, record: { ...rec, action: decision.action, reason, at } });
            changes.push({ type: 'thread', uid: req.uid, entry: { ...entry, action: decision.action, reason } });
            decided.push(entry.key);
          }
          await calendar.commit(changes);
          if (decided.length) void sync.markProcessed(decided).catch((err) => console.error('[core] setting the processed keyword failed:', err));
          return { queued: [] };
        }
        return meetings.resolvePending(req);
      }),
    suggestAddresses: (req) => guard((): string[] => sync.addressBook(req.prefix)),

    listOutbox: () => guard((): OutboxItemView[] => outbox.list()),
    retryOutbox: (req) =>
      guard(async (): Promise<true> => {
        await outbox.retry(req.id);
        return true;
      }),

    openFile: (req) => guard(() => openFile(req)),

    listInvitationPage: (req) => guard(() => pages.page(req)),
    getMessage: (req) => guard(() => messages.view(req.uid, req.key)),
    getMessagePart: (req) => guard(() => messages.part(req.uid, req.key, req.path)),

    onEvent(cb) {
      listeners.add(cb);
      return () => {
        listeners.delete(cb);
      };
    },

    async openPath(path: string) {
      const r = await guard(() => openFile({ name: basename(path), contentBase64: readFileSync(path).toString('base64') }));
      if (r.ok && r.value.uid) emit({ type: 'open-invitation', uid: r.value.uid });
      return r;
    },

    async close() {
      unsubCalendar();
      unsubPages();
      clearTimeout(warm);
      listeners.clear();
      await sync.stop().catch(() => {});
      await outbox.stop().catch(() => {});
      sender.close();
      await calendar.close().catch(() => {});
    },
  };
  return core;
}
