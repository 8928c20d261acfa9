// Accounts and settings. The storage is a small key-value backend: electron-store inside Electron (see
// electron-settings.ts, imported by main.ts only) and conf in plain Node (same JSON file format). Secrets never go
// into this file in the clear: a SecretBox turns them into an opaque string (see credentials.ts).
import { randomUUID } from 'node:crypto';
import Conf from 'conf';
import type { AccountInput, AccountView, Security, ServerSettings, Settings } from '../../shared/api';
import { AppError } from '../../shared/errors';
import type { ProcessingPolicy } from '../../shared/itip/types';
import type { OAuthRef } from '../../shared/accounts/oauth-providers';
import type { OAuthClients } from '../accounts/oauth';
import type { SecretBox } from './credentials';

export interface KeyValueBackend {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
}

/** conf in DIR/settings.json (plain Node: the command line, the browser shell, tests). */
export function confBackend(dir: string, name = 'settings'): KeyValueBackend {
  const conf = new Conf<Record<string, unknown>>({
    cwd: dir,
    configName: name,
    projectName: 'convene',
    accessPropertiesByDotNotation: false,
    configFileMode: 0o600,
  });
  return {
    get: (key) => conf.get(key),
    set: (key, value) => conf.set(key, value),
    delete: (key) => conf.delete(key),
  };
}

/** An in-memory backend (unit tests, throwaway shells). */
export function memoryBackend(): KeyValueBackend {
  const m = new Map<string, unknown>();
  return { get: (k) => structuredClone(m.get(k)), set: (k, v) => void m.set(k, structuredClone(v)), delete: (k) => void m.delete(k) };
}

/**
 * How an account logs in. Only 'password' is wired today; 'oauth2' leaves room for providers that require it:
 * imapflow takes `auth: {user, accessToken}` and nodemailer `auth: {type: 'OAuth2', user, accessToken}`, so the
 * connection factories only need a fresh access token from `credentials()`.
 */
export type AccountAuth =
  | { kind: 'password'; secret: string | null }
  | {
      kind: 'oauth2';
      /** oauthRefKey(ref): 'google', 'microsoft' or 'issuer:<url>'. */
      provider: string;
      /** The refresh token, through the SecretBox (like a password). */
      secret: string | null;
      ref?: OAuthRef;
      /** Why the user must sign in again (grant revoked/expired); absent or null when signed in. */
      signInRequired?: string | null;
      accessToken?: string;
      expiresAt?: string;
    };

/** What is persisted per account: the API's view of it, with how it logs in in place of `hasPassword`. */
export interface StoredAccount extends Omit<AccountView, 'hasPassword'> {
  auth: AccountAuth;
}

export type AccountCredentials =
  | { kind: 'password'; user: string; password: string }
  | { kind: 'oauth2'; user: string; accessToken: string };

/**
 * What a stored secret is bound to: the host, port and security it was stored with (issue 10 §5). The renderer is
 * untrusted, so a request naming another server (or the same one without TLS) must bring the password itself.
 */
export function sameEndpoint(stored: ServerSettings, asked: Pick<ServerSettings, 'host' | 'port' | 'security'>): boolean {
  return stored.host.trim().toLowerCase() === String(asked.host ?? '').trim().toLowerCase() && stored.port === Number(asked.port) && stored.security === asked.security;
}

function secretUnbound(a: StoredAccount, which: 'IMAP' | 'SMTP'): AppError {
  const what = a.auth.kind === 'oauth2' ? 'sign in again' : 'enter the password again';
  return new AppError('PASSWORD_REQUIRED', `The ${which} server, port or security differs from the one the ${a.auth.kind === 'oauth2' ? 'sign-in' : 'password'} of ${a.email} was saved for: ${what} to use it`);
}

export const DEFAULT_SETTINGS: Settings = { policy: 'known', timeFrameDays: 28, processedFolder: null, timezone: null };

const EMAIL_RE = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$|^[^\s@<>()",;:]+@[a-z0-9-]+$/i;
const POLICIES: ProcessingPolicy[] = ['always', 'known', 'never'];
const SECURITIES: Security[] = ['tls', 'starttls', 'none'];

function bad(message: string): AppError {
  return new AppError('BAD_REQUEST', message);
}

function normEmail(v: unknown, what: string): string {
  if (typeof v !== 'string' || !EMAIL_RE.test(v.trim())) throw bad(`${what} is not a valid email address: ${JSON.stringify(v)}`);
  return v.trim().toLowerCase();
}

function checkServer(s: unknown, what: 'IMAP' | 'SMTP', fallbackUser: string): ServerSettings {
  if (!s || typeof s !== 'object') throw bad(`${what} server settings are missing`);
  const o = s as Partial<ServerSettings>;
  const host = typeof o.host === 'string' ? o.host.trim() : '';
  if (!host || /\s/.test(host)) throw bad(`${what} host is missing or invalid`);
  const port = Number(o.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(`${what} port must be a number from 1 to 65535`);
  const security = o.security ?? 'tls';
  if (!SECURITIES.includes(security)) throw bad(`${what} security must be tls, starttls or none`);
  const user = typeof o.user === 'string' && o.user.trim() ? o.user.trim() : fallbackUser;
  return { host, port, security, user };
}

export class SettingsStore {
  constructor(
    private readonly backend: KeyValueBackend,
    private readonly secrets: SecretBox,
  ) {}

  // --- settings --------------------------------------------------------------------------------------------------

  getSettings(): Settings {
    const s = (this.backend.get('settings') ?? {}) as Partial<Settings>;
    return { ...DEFAULT_SETTINGS, ...s };
  }

  saveSettings(input: Settings): Settings {
    const s = { ...DEFAULT_SETTINGS, ...input };
    if (!POLICIES.includes(s.policy)) throw bad('policy must be always, known or never');
    if (!Number.isFinite(s.timeFrameDays) || s.timeFrameDays < 0 || s.timeFrameDays > 36500) throw bad('timeFrameDays must be between 0 and 36500');
    if (s.processedFolder !== null && (typeof s.processedFolder !== 'string' || !s.processedFolder.trim())) throw bad('processedFolder must be a folder name or null');
    if (s.timezone !== null && typeof s.timezone !== 'string') throw bad('timezone must be an IANA zone name or null');
    const clean: Settings = { policy: s.policy, timeFrameDays: s.timeFrameDays, processedFolder: s.processedFolder?.trim() || null, timezone: s.timezone || null, ...(s.hideDeclined ? { hideDeclined: true } : {}) };
    this.backend.set('settings', clean);
    return clean;
  }

  // --- accounts --------------------------------------------------------------------------------------------------

  private stored(): StoredAccount[] {
    return ((this.backend.get('accounts') ?? []) as StoredAccount[]).map((a) => ({ ...a }));
  }

  private writeAll(list: StoredAccount[]): void {
    this.backend.set('accounts', list);
  }

  private view(a: StoredAccount): AccountView {
    return {
      id: a.id,
      name: a.name,
      email: a.email,
      displayName: a.displayName,
      aliases: [...a.aliases],
      imap: { ...a.imap },
      smtp: { ...a.smtp },
      providerSavesSent: a.providerSavesSent,
      hasPassword: a.auth.secret !== null,
      authMethod: a.auth.kind,
      signInRequired: a.auth.kind === 'oauth2' ? (a.auth.signInRequired ?? null) : null,
      oauth: a.auth.kind === 'oauth2' && a.auth.ref ? { ...a.auth.ref } : null,
    };
  }

  listAccounts(): AccountView[] {
    return this.stored().map((a) => this.view(a));
  }

  getAccount(id: string): AccountView | null {
    const a = this.stored().find((x) => x.id === id);
    return a ? this.view(a) : null;
  }

  /** The persisted record, including the auth kind (for the connection factories). */
  storedAccount(id: string): StoredAccount | null {
    return this.stored().find((x) => x.id === id) ?? null;
  }

  saveAccount(input: AccountInput): AccountView {
    return this.saveAccountWith(input, null);
  }

  /** saveAccount, or with `forcedAuth` (OAuth2 sign-in) in place of the password rules. */
  private saveAccountWith(input: AccountInput, forcedAuth: AccountAuth | null): AccountView {
    if (!input || typeof input !== 'object') throw bad('account is missing');
    const email = normEmail(input.email, 'Email');
    const aliases = [...new Set((input.aliases ?? []).filter((x) => typeof x === 'string' && x.trim()).map((x) => normEmail(x, 'Alias')))].filter((x) => x !== email);
    const imap = checkServer(input.imap, 'IMAP', email);
    const smtp = checkServer(input.smtp, 'SMTP', email);
    const name = typeof input.name === 'string' && input.name.trim() ? input.name.trim() : email;
    const list = this.stored();
    const idx = input.id ? list.findIndex((a) => a.id === input.id) : -1;
    if (input.id && idx < 0) throw new AppError('NOT_FOUND', `No account with id ${input.id}`);
    if (list.some((a, i) => i !== idx && a.email === email)) throw new AppError('CONFLICT', `An account for ${email} already exists`);
    const prev = idx >= 0 ? list[idx]! : null;
    let auth: AccountAuth = prev?.auth ?? { kind: 'password', secret: null };
    const newPassword = typeof input.password === 'string' && input.password !== '';
    if (forcedAuth) auth = forcedAuth;
    else if (prev?.auth.secret && !newPassword) {
      // Keeping the stored secret: only for the servers it was stored for (issue 10 §5).
      if (!sameEndpoint(prev.imap, imap)) throw secretUnbound(prev, 'IMAP');
      if (!sameEndpoint(prev.smtp, smtp)) throw secretUnbound(prev, 'SMTP');
    }
    if (!forcedAuth && newPassword && typeof input.password === 'string') {
      if (auth.secret) this.secrets.forget?.(auth.secret);
      auth = { kind: 'password', secret: this.secrets.encrypt(input.password) };
    }
    const acc: StoredAccount = {
      id: prev?.id ?? randomUUID(),
      name,
      email,
      displayName: input.displayName?.trim() || null,
      aliases,
      imap,
      smtp,
      providerSavesSent: Boolean(input.providerSavesSent),
      auth,
    };
    if (idx >= 0) list[idx] = acc;
    else list.push(acc);
    this.writeAll(list);
    return this.view(acc);
  }

  // --- OAuth2 (issue 12 §1) ---------------------------------------------------------------------------------------

  /** OAuth2 client ids from the settings file (`"oauthClients": {"google": {"clientId": "…"}}`, README). */
  oauthClients(): OAuthClients {
    const v = this.backend.get('oauthClients');
    return v && typeof v === 'object' ? (v as OAuthClients) : {};
  }

  /**
   * Saves an account that signs in with OAuth2: the same checks as saveAccount, the refresh token kept through the
   * SecretBox like a password (the previous secret forgotten), and any "sign in again" state cleared.
   */
  saveOAuthAccount(input: AccountInput, ref: OAuthRef, refreshToken: string, providerKey: string): AccountView {
    const { password: _ignored, ...rest } = input;
    const list = this.stored();
    const prev = input.id ? list.find((a) => a.id === input.id) : undefined;
    // Validate and place the account first (no secret kept: a fresh grant replaces it below).
    const saved = this.saveAccountWith(rest, { kind: 'oauth2', provider: providerKey, secret: null, ref, signInRequired: null });
    if (prev?.auth.secret) this.secrets.forget?.(prev.auth.secret);
    this.updateAuth(saved.id, { kind: 'oauth2', provider: providerKey, secret: this.secrets.encrypt(refreshToken), ref, signInRequired: null });
    return this.getAccount(saved.id)!;
  }

  /** The OAuth2 grant of an account: which provider and the refresh token (plain); null for password accounts. */
  oauthGrant(id: string): { ref: OAuthRef; refreshToken: string | null; signInRequired: string | null } | null {
    const a = this.storedAccount(id);
    if (!a || a.auth.kind !== 'oauth2' || !a.auth.ref) return null;
    return { ref: a.auth.ref, refreshToken: a.auth.secret ? this.secrets.decrypt(a.auth.secret) : null, signInRequired: a.auth.signInRequired ?? null };
  }

  /** A rotated refresh token replaces the stored one (RFC 6749 §6; OAuth 2.1 refresh token rotation). */
  replaceRefreshToken(id: string, refreshToken: string): void {
    const a = this.storedAccount(id);
    if (!a || a.auth.kind !== 'oauth2') return;
    if (a.auth.secret) this.secrets.forget?.(a.auth.secret);
    this.updateAuth(id, { ...a.auth, secret: this.secrets.encrypt(refreshToken) });
  }

  /** Marks an OAuth2 account "sign in again" (reason shown to the user) or clears it (null). */
  setSignInRequired(id: string, reason: string | null): void {
    const a = this.storedAccount(id);
    if (!a || a.auth.kind !== 'oauth2') return;
    this.updateAuth(id, { ...a.auth, signInRequired: reason });
  }

  private updateAuth(id: string, auth: AccountAuth): void {
    const list = this.stored();
    const i = list.findIndex((x) => x.id === id);
    if (i < 0) return;
    list[i] = { ...list[i]!, auth };
    this.writeAll(list);
  }

  removeAccount(id: string): boolean {
    const list = this.stored();
    const a = list.find((x) => x.id === id);
    if (!a) return false;
    if (a.auth.secret) this.secrets.forget?.(a.auth.secret);
    this.writeAll(list.filter((x) => x.id !== id));
    return true;
  }

  /** The account's password (plain), or null when none is stored. */
  password(id: string): string | null {
    const a = this.storedAccount(id);
    if (!a?.auth.secret || a.auth.kind !== 'password') return null;
    return this.secrets.decrypt(a.auth.secret);
  }

  /**
   * The stored password for a connection test of `asked` servers: only when each names the stored host, port and
   * security (issue 10 §5); otherwise PASSWORD_REQUIRED. null when nothing is stored.
   */
  passwordFor(id: string, asked: { imap: ServerSettings; smtp: ServerSettings }): string | null {
    const a = this.storedAccount(id);
    if (!a) throw new AppError('NOT_FOUND', `No account with id ${id}`);
    if (!a.auth.secret) return null;
    if (!sameEndpoint(a.imap, asked.imap)) throw secretUnbound(a, 'IMAP');
    if (!sameEndpoint(a.smtp, asked.smtp)) throw secretUnbound(a, 'SMTP');
    return a.auth.kind === 'password' ? this.secrets.decrypt(a.auth.secret) : null;
  }

  /** What the IMAP/SMTP factories need to log in. Throws IMAP_AUTH when nothing is stored. */
  credentials(id: string, which: 'imap' | 'smtp' = 'imap'): AccountCredentials {
    const a = this.storedAccount(id);
    if (!a) throw new AppError('NOT_FOUND', `No account with id ${id}`);
    const user = a[which].user || a.email;
    if (a.auth.kind === 'oauth2') {
      if (!a.auth.accessToken) throw new AppError(which === 'imap' ? 'IMAP_AUTH' : 'SMTP_AUTH', `No OAuth2 access token for ${a.email}: sign in again`);
      return { kind: 'oauth2', user, accessToken: a.auth.accessToken };
    }
    const password = a.auth.secret ? this.secrets.decrypt(a.auth.secret) : null;
    if (password === null) throw new AppError(which === 'imap' ? 'IMAP_AUTH' : 'SMTP_AUTH', `No password stored for ${a.email}`);
    return { kind: 'password', user, password };
  }

  /** The account's addresses: its email and aliases, lower-case (an invitation sent to an alias is still "me"). */
  identities(accountId: string): string[] {
    const a = this.storedAccount(accountId);
    if (!a) return [];
    return [...new Set([a.email, ...a.aliases].map((x) => x.toLowerCase()))];
  }

  allIdentities(): string[] {
    return [...new Set(this.stored().flatMap((a) => [a.email, ...a.aliases].map((x) => x.toLowerCase())))];
  }

  /** The account owning an address (email or alias), for replies from the right identity. */
  accountFor(address: string): AccountView | null {
    const n = address.trim().toLowerCase().replace(/^mailto:/, '');
    const a = this.stored().find((x) => x.email === n || x.aliases.includes(n));
    return a ? this.view(a) : null;
  }
}
