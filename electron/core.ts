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
// Only wiring lives here: each use case is its service's (services/accounts-service.ts, files-service.ts,
// pending-service.ts, meetings-service.ts, sync-service.ts, invitations-view.ts). Decisions become store changes in
// one place, shared/itip/apply.ts (planApply), whichever service applies them.
import { isolateText } from '../shared/present/bidi';
import { readFileSync } from 'node:fs';
import { ensurePrivateDirSync } from './store/durable-file';
import { basename, join } from 'node:path';
import type {
  AccountInput,
  AccountView,
  AppEvent,
  AppStatus,
  ConnectionCheck,
  ConveneApi,
  InvitationDetail,
  InvitationSummary,
  OccurrenceView,
  OpenFileOutcome,
  OutboxItemView,
  QueuedOutcome,
  SaveMeetingOutcome,
  Settings,
} from '../shared/api';
import { AppError, ok, toErrorData, type Result } from '../shared/errors';
import type { MeetingDraft } from '../shared/itip/meeting';
import { sentFolderDeps } from './mail/smtp/sent-folder';
import { Outbox } from './mail/smtp/outbox';
import { smtpSender } from './mail/smtp/transport';
import { AccountsService } from './services/accounts-service';
import { openFile, type OpenedFilesDeps } from './services/files-service';
import { agendaView, detailView, type ViewContext } from './services/invitations-view';
import { MeetingsService } from './services/meetings-service';
import { PendingService } from './services/pending-service';
import { SyncService, type SyncServiceDeps } from './services/sync-service';
import { CalendarStore } from './store/calendar-store';
import { keepOpenedFile, MessageSource } from './services/message-view';
import { eventExtras, invitationList, invitationPage, markOccurrences } from './services/reading-view';
import { fileSecretBox, type SecretBox } from './store/credentials';
import type { DiscoverOptions } from './accounts/discover';
import type { OAuthClients } from './accounts/oauth';
import { imapAccount, sendWithTokenRetry, smtpAccount } from './accounts/oauth-transport';
import { SetupService } from './accounts/setup-service';
import { TokenManager } from './accounts/tokens';
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
  /** Electron: opens the OAuth2 sign-in page in the system browser (shell.openExternal). */
  openExternal?: (url: string) => void;
  /** OAuth2 client ids (besides the settings file's `oauthClients` and the environment). */
  oauthClients?: OAuthClients;
  /** Tests only: discovery's resolver and autoconfig base. */
  discovery?: DiscoverOptions;
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
  ensurePrivateDirSync(dataDir);

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
  const tokens = new TokenManager({ settings, clients: () => ({ ...settings.oauthClients(), ...opts.oauthClients }), onStateChange: () => {
      emit({ type: 'accounts-changed' });
      emit({ type: 'status-changed', status: status() });
    } });
  const sender = smtpSender(async (accountId) => smtpAccount(accountOrThrow(accountId), settings, tokens));
  const sent = sentFolderDeps(async (accountId) => {
    const a = accountId ? settings.storedAccount(accountId) : null;
    return a ? imapAccount(a, settings, tokens) : null;
  });

  const outbox = await Outbox.open(join(dataDir, 'outbox'), {
    sendRaw: sendWithTokenRetry((item) => sender.sendRaw(item), (item) => item.accountId ?? settings.listAccounts()[0]?.id ?? null, tokens),
    appendSent: (accountId, raw, messageId) => sent.appendSent(accountId, raw, messageId),
    findSent: (accountId, messageId) => sent.findSent(accountId, messageId),
    now,
  });

  const sync = new SyncService({ calendar, settings, secrets, dataDir: join(dataDir, 'sync'), now, tokens, ...(opts.sync ? { sync: opts.sync } : {}) });

  const accounts: AccountsService = new AccountsService({
    settings,
    calendar,
    outbox,
    accountsChanged: () => sync.accountsChanged(),
    invalidateTransport: (id) => sender.invalidate(id),
    adoptIdentity: (identity) => meetings.adoptIdentity(identity),
  });
  const me = () => accounts.me();
  const meetings: MeetingsService = new MeetingsService({ calendar, outbox, identities: () => accounts.identities(), now });
  const pending = new PendingService({
    calendar,
    meetings,
    me,
    knownContacts: () => sync.knownContacts(),
    markProcessed: (keys) => sync.markProcessed(keys),
    now,
  });
  const filesDir = join(dataDir, 'files');
  const files: OpenedFilesDeps = { calendar, me, knownContacts: () => sync.knownContacts(), now, keep: (bytes) => keepOpenedFile(filesDir, bytes) };
  await accounts.adoptLocalIdentityLogged();

  const viewCtx = (): ViewContext => ({
    me: me(),
    now: now().toISOString(),
    accountFor: (address) => (address ? (settings.accountFor(address)?.id ?? null) : null),
  });

  // The invitation list (issue 9 §4) is read from the store's rows, kept at each commit: a page is one small query.
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
      opts.notify?.({ title: 'New invitation', body: `${isolateText(c.summary || '(no title)')}${c.from ? ` — from ${isolateText(c.from)}` : ''}`, uid: c.uid });
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

  const setup = new SetupService({
    settings,
    tokens,
    clients: () => ({ ...settings.oauthClients(), ...opts.oauthClients }),
    ...(opts.openExternal ? { openExternal: opts.openExternal } : {}),
    ...(opts.discovery ? { discovery: opts.discovery } : {}),
    accountChanged: async (view, isFirst) => {
      sender.invalidate(view.id);
      sync.accountsChanged();
      if (isFirst) await accounts.adoptLocalIdentityLogged(view);
      // Signed in (again): what waited for it goes now.
      outbox.kick();
      emit({ type: 'accounts-changed' });
      emit({ type: 'status-changed', status: status() });
    },
  });
  /**
   * Answering an invitation the policy held applies it first (issue 11 §4: the policy decides only what is applied
   * automatically), through the same path as "Add to calendar".
   */
  const admitHeld = async (uid: string): Promise<void> => {
    const held = calendar.get(uid)?.pending.find((p) => p.kind === 'new-invitation' || p.kind === 'forwarded');
    if (!held) return;
    const r = await core.resolvePending({ uid, pendingId: held.id, action: 'accept' });
    if (!r.ok) throw new AppError(r.error.code, r.error.message);
  };

  const core: Core = {
    getStatus: () => guard(status),

    listAccounts: () => guard((): AccountView[] => accounts.listAccounts()),
    saveAccount: (input: AccountInput) => guard((): Promise<AccountView> => accounts.saveAccount(input)),
    removeAccount: (req) => guard((): true => accounts.removeAccount(req.id)),
    testConnection: (input) => guard((): Promise<ConnectionCheck> => sync.testConnection(input)),
    syncNow: () =>
      guard(async (): Promise<true> => {
        // Answer at once; progress and errors arrive as status events.
        void sync.syncNow().catch(() => {});
        outbox.kick();
        return true;
      }),

    getSettings: () => guard((): Settings => accounts.getSettings()),
    saveSettings: (s) => guard((): Settings => accounts.saveSettings(s)),

    listInvitations: () => guard((): InvitationSummary[] => invitationList(calendar, viewCtx())),
    getInvitation: (req) =>
      guard((): InvitationDetail => {
        const ev = calendar.get(req.uid);
        if (!ev) throw new AppError('NOT_FOUND', 'this meeting is no longer in your calendar');
        return { ...detailView(ev, calendar.thread(req.uid), (f, t) => calendar.window(f, t), viewCtx(), (e, f, t) => calendar.expand(e, f, t)), ...eventExtras(ev.master ?? ev.overrides[0]) };
      }),
    respond: (req) =>
      guard(async (): Promise<QueuedOutcome> => {
        await admitHeld(req.uid);
        return meetings.respond(req);
      }),
    proposeNewTime: (req) =>
      guard(async (): Promise<QueuedOutcome> => {
        await admitHeld(req.uid);
        return meetings.proposeNewTime(req);
      }),
    requestUpdate: (req) => guard((): Promise<QueuedOutcome> => meetings.requestUpdate(req)),
    removeFromCalendar: (req) =>
      guard(async (): Promise<true> => {
        await meetings.removeFromCalendar(req.uid);
        return true;
      }),

    listAgenda: (req) =>
      guard((): OccurrenceView[] =>
        markOccurrences(
          agendaView(calendar.window(req.from, req.to), req.from, req.to, me(), (e, f, t) => calendar.expand(e, f, t), { hideDeclined: accounts.getSettings().hideDeclined === true }),
          (uid) => calendar.get(uid),
          me(),
        ),
      ),
    saveMeeting: (draft: MeetingDraft) => guard((): Promise<SaveMeetingOutcome> => meetings.saveMeeting(draft)),
    getMeetingDraft: (req) => guard((): MeetingDraft => meetings.getMeetingDraft(req.uid)),
    cancelMeeting: (req) => guard((): Promise<QueuedOutcome> => meetings.cancelMeeting(req)),
    resolvePending: (req) => guard((): Promise<QueuedOutcome> => pending.resolvePending(req)),
    suggestAddresses: (req) => guard((): string[] => sync.addressBook(req.prefix)),

    listOutbox: () => guard((): OutboxItemView[] => outbox.list()),
    retryOutbox: (req) =>
      guard(async (): Promise<true> => {
        await outbox.retry(req.id);
        return true;
      }),

    openFile: (req) => guard((): Promise<OpenFileOutcome> => openFile(files, req)),

    listInvitationPage: (req) => guard(() => invitationPage(calendar, req, viewCtx())),
    getMessage: (req) => guard(() => messages.view(req.uid, req.key)),
    getMessagePart: (req) => guard(() => messages.part(req.uid, req.key, req.path)),

    onEvent(cb) {
      listeners.add(cb);
      return () => {
        listeners.delete(cb);
      };
    },

    async openPath(path: string) {
      const r = await guard(() => openFile(files, { name: basename(path), contentBase64: readFileSync(path).toString('base64') }));
      if (r.ok && r.value.uid) emit({ type: 'open-invitation', uid: r.value.uid });
      return r;
    },

    discoverAccount: (req) => guard(() => setup.discoverAccount(req.email)),
    beginSignIn: (req) => guard(() => setup.beginSignIn(req.email, req.oauth)),
    finishSignIn: (req) => guard(() => setup.finishSignIn(req.flowId, req.account)),

    async close() {
      setup.cancelAll();
      unsubCalendar();
      listeners.clear();
      await sync.stop().catch(() => {});
      await outbox.stop().catch(() => {});
      sender.close();
      await calendar.close().catch(() => {});
    },
  };
  return core;
}
