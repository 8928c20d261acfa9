// How the outbox and the Sent folder log in for an account: a password, or an OAuth2 access token from the
// TokenManager; a send rejected for authentication is tried once more with a refreshed token (issue 12 §1).
import type { ServerSettings } from '../../shared/api';
import { AppError } from '../../shared/errors';
import type { SendItem, SendResult, SmtpAccount } from '../mail/smtp/transport';
import type { ImapAccount } from '../mail/smtp/sent-folder';
import type { SettingsStore } from '../store/settings-store';
import type { TokenManager } from './tokens';

type Stored = { id: string; email: string; smtp: ServerSettings; imap: ServerSettings; providerSavesSent: boolean };

export async function smtpAccount(a: Stored, settings: SettingsStore, tokens: TokenManager): Promise<SmtpAccount> {
  const smtp = { ...a.smtp, user: a.smtp.user || a.email };
  if (tokens.isOAuth(a.id)) return { smtp, password: null, accessToken: await tokens.accessToken(a.id) };
  return { smtp: a.smtp, password: settings.password(a.id) };
}

export async function imapAccount(a: Stored, settings: SettingsStore, tokens: TokenManager): Promise<ImapAccount> {
  const imap = { ...a.imap, user: a.imap.user || a.email };
  if (tokens.isOAuth(a.id)) return { imap, password: null, accessToken: await tokens.accessToken(a.id), providerSavesSent: a.providerSavesSent };
  return { imap: a.imap, password: settings.password(a.id), providerSavesSent: a.providerSavesSent };
}

/** sendRaw with one more try after a token refresh when an OAuth2 account's token is rejected (SMTP 535). */
export function sendWithTokenRetry(
  send: (item: SendItem) => Promise<SendResult>,
  accountIdOf: (item: SendItem) => string | null,
  tokens: TokenManager,
): (item: SendItem) => Promise<SendResult> {
  return (item) => {
    const id = accountIdOf(item);
    if (!id || !tokens.isOAuth(id)) return send(item);
    return tokens.withToken(id, 'SMTP', (e) => e instanceof AppError && e.code === 'SMTP_AUTH', () => send(item));
  };
}
