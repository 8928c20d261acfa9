// Filing sent mail: APPEND the exact bytes the outbox sent to the account's Sent folder (found by SPECIAL-USE \Sent,
// RFC 6154, or by the usual names when the server lacks the extension), unless the provider files sent mail itself
// (Gmail, Outlook.com: appending there would make a second copy). Also answers "is this Message-ID in Sent?" for the
// outbox's crash recovery (OUTBOX.md).
import { ImapFlow } from 'imapflow';
import type { ServerSettings } from '../../../shared/api';
import { AppError } from '../../../shared/errors';

export interface ImapAccount {
  imap: ServerSettings;
  password: string | null;
  /** OAuth2 accounts: an access token instead of the password (imapflow sends XOAUTH2/OAUTHBEARER). */
  accessToken?: string;
  providerSavesSent?: boolean;
}

const FALLBACK_NAMES = ['sent', 'sent items', 'sent messages', 'sent mail', 'inbox.sent', 'inbox/sent', '[gmail]/sent mail'];

function client(acc: ImapAccount): ImapFlow {
  const { host, port, security, user } = acc.imap;
  return new ImapFlow({
    host,
    port,
    secure: security === 'tls',
    doSTARTTLS: security === 'starttls' ? true : security === 'none' ? false : undefined,
    auth: acc.accessToken ? { user, accessToken: acc.accessToken } : { user, pass: acc.password ?? '' },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  } as ConstructorParameters<typeof ImapFlow>[0]);
}

function imapError(what: string, err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { code?: string; authenticationFailed?: boolean; message?: string };
  if (e?.authenticationFailed) return new AppError('IMAP_AUTH', `${what}: authentication failed`, false, { cause: err });
  return new AppError('IMAP_UNAVAILABLE', `${what}: ${e?.message ?? String(err)}`, true, { cause: err });
}

async function withClient<T>(acc: ImapAccount, what: string, fn: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = client(acc);
  c.on('error', () => undefined); // socket errors surface through the awaited command
  try {
    await c.connect();
    return await fn(c);
  } catch (err) {
    throw imapError(what, err);
  } finally {
    await c.logout().catch(() => c.close());
  }
}

/** The Sent folder's path: SPECIAL-USE \Sent first, then the common names. Null when there is none. */
export async function findSentPath(c: ImapFlow): Promise<string | null> {
  const list = await c.list();
  const byUse = list.find((m) => m.specialUse === '\\Sent');
  if (byUse) return byUse.path;
  for (const name of FALLBACK_NAMES) {
    const m = list.find((x) => x.path.toLowerCase() === name);
    if (m) return m.path;
  }
  return null;
}

/** APPENDs `raw` to Sent (\Seen). A no-op when the provider files sent mail itself. */
export async function appendToSent(acc: ImapAccount, raw: Uint8Array): Promise<void> {
  if (acc.providerSavesSent) return;
  await withClient(acc, 'cannot append to Sent', async (c) => {
    const path = await findSentPath(c);
    if (!path) throw new AppError('IMAP_PROTOCOL', 'the account has no Sent folder', false);
    await c.append(path, Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), ['\\Seen'], new Date());
  });
}

/** Whether Sent holds a message with this Message-ID (SEARCH HEADER Message-ID, RFC 3501 §6.4.4). */
export async function sentHasMessageId(acc: ImapAccount, messageId: string): Promise<boolean> {
  return withClient(acc, 'cannot search Sent', async (c) => {
    const path = await findSentPath(c);
    if (!path) return false;
    const lock = await c.getMailboxLock(path, { readOnly: true });
    try {
      const found = await c.search({ header: { 'message-id': messageId } }, { uid: true });
      return Array.isArray(found) && found.length > 0;
    } finally {
      lock.release();
    }
  });
}

/** The outbox's `appendSent` / `findSent` dependencies over an account resolver. */
export function sentFolderDeps(resolve: (accountId: string | null) => Promise<ImapAccount | null>): {
  appendSent(accountId: string | null, raw: Uint8Array, messageId: string): Promise<void>;
  findSent(accountId: string | null, messageId: string): Promise<boolean>;
} {
  return {
    async appendSent(accountId, raw) {
      const acc = await resolve(accountId);
      if (acc) await appendToSent(acc, raw);
    },
    async findSent(accountId, messageId) {
      const acc = await resolve(accountId);
      return acc ? sentHasMessageId(acc, messageId) : false;
    },
  };
}
