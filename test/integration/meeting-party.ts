// One person's Convene for the integration tests (meeting-life, offline): a real settings store with the account,
// a calendar store, the SyncService (IMAP with IDLE) for receiving, and the MeetingsService + durable Outbox (SMTP,
// Sent-folder APPEND) for sending; plus wire helpers that read what actually arrived in a mailbox over IMAP.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { expect } from 'vitest';
import { Outbox, type OutboxDeps } from '../../electron/mail/smtp/outbox';
import { sentFolderDeps } from '../../electron/mail/smtp/sent-folder';
import { smtpSender } from '../../electron/mail/smtp/transport';
import { MeetingsService } from '../../electron/services/meetings-service';
import { SyncService, type ProcessedEvent } from '../../electron/services/sync-service';
import { CalendarStore } from '../../electron/store/calendar-store';
import { fileSecretBox } from '../../electron/store/credentials';
import { SettingsStore, memoryBackend } from '../../electron/store/settings-store';
import { lintMessage } from '../../shared/itip/lint';
import { readMessage } from '../../shared/itip/message';
import { readMimeSync } from '../../shared/itip/mime';
import type { EventData, MimeNode } from '../../shared/itip/types';
import type { MailServers, TestUser } from '../servers/mail-servers';

export interface Party {
  user: TestUser;
  accountId: string;
  dir: string;
  settings: SettingsStore;
  calendar: CalendarStore;
  sync: SyncService | null;
  outbox: Outbox;
  meetings: MeetingsService;
  processed: ProcessedEvent[];
  close(): Promise<void>;
}

export function accountInput(servers: MailServers, user: TestUser) {
  return {
    name: user.name,
    email: user.email,
    displayName: user.name[0]!.toUpperCase() + user.name.slice(1),
    aliases: [],
    imap: { host: servers.imap.host, port: servers.imap.port, security: 'none' as const, user: user.name },
    smtp: { host: servers.smtp.host, port: servers.smtp.port, security: 'none' as const, user: user.email },
    password: user.password,
  };
}

/** The outbox dependencies for a settings store: SMTP per account, Sent-folder APPEND and lookup over IMAP. */
export function outboxDeps(settings: SettingsStore, extra: Partial<OutboxDeps> = {}): { deps: OutboxDeps; close(): void } {
  const sender = smtpSender(async (id) => {
    const a = id ? settings.getAccount(id) : null;
    if (!a || !id) throw new Error(`no account ${id}`);
    return { smtp: a.smtp, password: settings.password(id) };
  });
  const sent = sentFolderDeps(async (id) => {
    const a = id ? settings.getAccount(id) : null;
    if (!a || !id) return null;
    return { imap: a.imap, password: settings.password(id), providerSavesSent: a.providerSavesSent };
  });
  return {
    deps: { sendRaw: (i) => sender.sendRaw(i), appendSent: sent.appendSent, findSent: sent.findSent, backoff: { baseMs: 100, maxMs: 1000 }, ...extra },
    close: () => sender.close(),
  };
}

export async function makeParty(servers: MailServers, user: TestUser, opts: { sync?: boolean } = {}): Promise<Party> {
  const dir = await mkdtemp(join(tmpdir(), `convene-${user.name}-`));
  const settings = new SettingsStore(memoryBackend(), fileSecretBox(join(dir, 'secrets')));
  settings.saveSettings({ ...settings.getSettings(), policy: 'always', timeFrameDays: 0 });
  const account = settings.saveAccount(accountInput(servers, user));
  const calendar = await CalendarStore.open(join(dir, 'calendar'));
  const ob = outboxDeps(settings);
  const outbox = await Outbox.open(join(dir, 'outbox'), ob.deps);
  outbox.start();
  const meetings = new MeetingsService({
    calendar,
    outbox,
    identities: () =>
      settings.listAccounts().map((a) => ({ accountId: a.id, email: a.email, aliases: a.aliases, ...(a.displayName ? { displayName: a.displayName } : {}) })),
  });
  const processed: ProcessedEvent[] = [];
  let sync: SyncService | null = null;
  if (opts.sync !== false) {
    sync = new SyncService({ calendar, settings, dataDir: join(dir, 'sync'), sync: { pollMs: 60_000, backoff: { initialMs: 100, maxMs: 1000 } } });
    sync.on('processed', (p: ProcessedEvent) => processed.push(p));
    sync.start();
  }
  return {
    user,
    accountId: account.id,
    dir,
    settings,
    calendar,
    sync,
    outbox,
    meetings,
    processed,
    async close() {
      await sync?.stop();
      await outbox.stop();
      ob.close();
      await calendar.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The wire: what is in a mailbox

export interface WireMessage {
  raw: Buffer;
  uid: number;
}

export async function mailbox(servers: MailServers, user: TestUser, path = 'INBOX'): Promise<WireMessage[]> {
  const c = new ImapFlow({ host: servers.imap.host, port: servers.imap.port, secure: false, auth: { user: user.name, pass: user.password }, logger: false });
  c.on('error', () => undefined);
  await c.connect();
  const out: WireMessage[] = [];
  try {
    const lock = await c.getMailboxLock(path, { readOnly: true });
    try {
      const st = c.mailbox;
      if (st && typeof st === 'object' && st.exists > 0) {
        for await (const m of c.fetch('1:*', { uid: true, source: true })) {
          if (m.source) out.push({ raw: m.source, uid: m.uid });
        }
      }
    } finally {
      lock.release();
    }
  } finally {
    await c.logout().catch(() => c.close());
  }
  return out.sort((a, b) => a.uid - b.uid);
}

export interface WireFacts {
  method: string;
  methodParam: string | null;
  subject: string | null;
  from: string | null;
  to: string[];
  cc: string[];
  messageId: string | null;
  components: EventData[];
  organizer: string | null;
  sequence: number;
  recurrenceId: string | null;
  status: string | null;
  attendees: string[];
}

/** Reads a message from the wire and asserts the iMIP shape every Convene message must have. */
export async function inspectWire(raw: Uint8Array): Promise<WireFacts> {
  const mail = readMimeSync(raw);
  // MIME structure (RFC 6047 §2.4): multipart/mixed > multipart/alternative (text/plain, text/html, text/calendar).
  const root: MimeNode = mail.tree;
  expect(root.contentType).toBe('multipart/mixed');
  const alt = root.children[0]!;
  expect(alt.contentType).toBe('multipart/alternative');
  expect(alt.children.map((c) => c.contentType)).toEqual(['text/plain', 'text/html', 'text/calendar']);
  const cal = alt.children[2]!;
  const read = await readMessage(raw);
  expect(read.itip, 'an iTIP message').not.toBeNull();
  const itip = read.itip!;
  // The method parameter equals METHOD (RFC 6047 §2.4).
  expect(cal.params.method?.toUpperCase()).toBe(itip.method);
  expect(itip.methodParam).toBe(itip.method);
  // `convene lint`: no error.
  const problems = await lintMessage(raw);
  expect(problems.filter((p) => p.severity === 'error'), JSON.stringify(problems)).toEqual([]);
  const first = itip.calendar.components[0]!;
  return {
    method: itip.method,
    methodParam: itip.methodParam,
    subject: mail.envelope.subject,
    from: mail.envelope.from,
    to: mail.envelope.to,
    cc: mail.envelope.cc,
    messageId: mail.envelope.messageId,
    components: itip.calendar.components,
    organizer: first.organizer?.email ?? null,
    sequence: first.sequence,
    recurrenceId: first.recurrenceId,
    status: first.status,
    attendees: first.attendees.map((a) => a.email),
  };
}

/** The iTIP facts of every calendar message in a mailbox, oldest first. */
export async function itipIn(servers: MailServers, user: TestUser, path = 'INBOX'): Promise<WireFacts[]> {
  const out: WireFacts[] = [];
  for (const m of await mailbox(servers, user, path)) {
    const read = await readMessage(m.raw);
    if (read.itip) out.push(await inspectWire(m.raw));
  }
  return out;
}
