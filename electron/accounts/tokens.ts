// Access tokens of OAuth2 accounts (issue 12 §1). The refresh token lives in the SecretBox (settings-store); access
// tokens only in memory, refreshed a minute before they expire and once more when a server rejects one. A revoked
// or expired grant (invalid_grant) marks the account "sign in again": from then on no request goes to the provider
// or the mail servers for it until the user signs in, and every caller gets OAUTH_REVOKED (retryable: the outbox
// keeps its messages queued, the sync retries later).
import { AppError } from '../../shared/errors';
import type { SettingsStore } from '../store/settings-store';
import { clientFor, refreshTokens, type OAuthClients, type Tokens } from './oauth';

/** Refresh this long before the stated expiry (clock skew, a slow connection), or at half-life for short tokens. */
const EARLY_MS = 60_000;

export interface TokenDeps {
  settings: SettingsStore;
  clients: () => OAuthClients;
  now?: () => number;
  /** An account moved to (or out of) "sign in again". */
  onStateChange?: (accountId: string) => void;
}

export class TokenManager {
  private readonly cache = new Map<string, { accessToken: string; expiresAt: number; refreshAt: number }>();
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly now: () => number;

  constructor(private readonly deps: TokenDeps) {
    this.now = deps.now ?? Date.now;
  }

  isOAuth(accountId: string): boolean {
    return this.deps.settings.oauthGrant(accountId) !== null;
  }

  /** After a sign-in: the first access token is known, no refresh needed. */
  seed(accountId: string, t: Tokens): void {
    const now = this.now();
    this.cache.set(accountId, { accessToken: t.accessToken, expiresAt: t.expiresAt, refreshAt: t.expiresAt - Math.min(EARLY_MS, Math.max(0, t.expiresAt - now) / 2) });
  }

  forget(accountId: string): void {
    this.cache.delete(accountId);
  }

  /** A valid access token; `force` refreshes even when the cached one looks valid (the server rejected it). */
  async accessToken(accountId: string, opts: { force?: boolean } = {}): Promise<string> {
    const grant = this.deps.settings.oauthGrant(accountId);
    if (!grant) throw new AppError('NOT_FOUND', `Account ${accountId} does not sign in with OAuth2`);
    if (grant.signInRequired) throw new AppError('OAUTH_REVOKED', grant.signInRequired, true);
    const c = this.cache.get(accountId);
    if (c && !opts.force && this.now() < c.refreshAt) return c.accessToken;
    const running = this.inflight.get(accountId);
    if (running) return running;
    const p = this.refresh(accountId, grant.ref, grant.refreshToken).finally(() => this.inflight.delete(accountId));
    this.inflight.set(accountId, p);
    return p;
  }

  private async refresh(accountId: string, ref: Parameters<typeof clientFor>[0], refreshToken: string | null): Promise<string> {
    if (!refreshToken) return this.signInRequired(accountId, new AppError('OAUTH_REVOKED', 'No sign-in is stored for this account: sign in again', true));
    try {
      const t = await refreshTokens(ref, clientFor(ref, this.deps.clients()), refreshToken, this.now);
      if (t.refreshToken && t.refreshToken !== refreshToken) this.deps.settings.replaceRefreshToken(accountId, t.refreshToken);
      this.seed(accountId, t);
      return t.accessToken;
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError('OAUTH_REFUSED', String(err), true);
      if (e.code === 'OAUTH_REVOKED') return this.signInRequired(accountId, e);
      throw e;
    }
  }

  private signInRequired(accountId: string, e: AppError): never {
    this.cache.delete(accountId);
    const email = this.deps.settings.getAccount(accountId)?.email ?? accountId;
    const reason = `The sign-in for ${email} was revoked or has expired: sign in again`;
    this.deps.settings.setSignInRequired(accountId, reason);
    this.deps.onStateChange?.(accountId);
    throw new AppError('OAUTH_REVOKED', reason, true, { cause: e });
  }

  /**
   * Runs `fn` with an access token; when the server rejects it (`isAuthError`), refreshes once and runs again.
   * A fresh token rejected again is OAUTH_TOKEN_REJECTED (the server does not accept this provider's tokens).
   */
  async withToken<T>(accountId: string, what: string, isAuthError: (e: unknown) => boolean, fn: (accessToken: string) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.accessToken(accountId));
    } catch (err) {
      if (!isAuthError(err)) throw err;
    }
    const fresh = await this.accessToken(accountId, { force: true });
    try {
      return await fn(fresh);
    } catch (err) {
      if (!isAuthError(err)) throw err;
      throw new AppError('OAUTH_TOKEN_REJECTED', `The ${what} server rejected the sign-in token even after a refresh: check the account's server settings, or sign in again`, true, { cause: err });
    }
  }
}

