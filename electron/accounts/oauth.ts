// OAuth2 sign-in for native apps (issue 12 §1) with oauth4webapi (a well-kept, certified client; no hand-written
// OAuth): the authorization code flow with PKCE (RFC 7636, S256), the redirect to a one-shot loopback listener on
// 127.0.0.1 with a random port (RFC 8252 §7.3), checked by `state` (RFC 6749 §10.12); then token refresh.
// Errors are distinct AppErrors the UI can show: OAUTH_NOT_CONFIGURED, OAUTH_REFUSED, OAUTH_CANCELLED,
// OAUTH_EXPIRED, OAUTH_REVOKED.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import { genericScope, OAUTH_PROVIDERS, type OAuthRef } from '../../shared/accounts/oauth-providers';
import { AppError } from '../../shared/errors';

export interface OAuthClientConfig {
  clientId: string;
  /** Some providers (Google "Desktop app") issue a secret that is not secret in a native app (RFC 8252 §8.5). */
  clientSecret?: string;
}

/** Configured client ids: settings file `oauthClients` and environment variables (README "OAuth2 sign-in"). */
export interface OAuthClients {
  google?: OAuthClientConfig;
  microsoft?: OAuthClientConfig;
  /** Per issuer URL (generic OpenID Connect); `*` applies to any issuer. */
  issuers?: Record<string, OAuthClientConfig>;
}

export interface Tokens {
  accessToken: string;
  /** Absent when the server did not rotate it (keep the old one). */
  refreshToken?: string;
  /** Epoch ms. */
  expiresAt: number;
}

const isLoopback = (u: URL) => u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);

/** The client id for `ref`: the settings file first, then the environment. */
export function clientFor(ref: OAuthRef, configured: OAuthClients = {}, env: NodeJS.ProcessEnv = process.env): OAuthClientConfig {
  let c: OAuthClientConfig | undefined;
  if ('provider' in ref) {
    const p = OAUTH_PROVIDERS[ref.provider];
    c = configured[ref.provider] ?? (env[p.envClientId] ? { clientId: env[p.envClientId]!, ...(env[p.envClientSecret] ? { clientSecret: env[p.envClientSecret]! } : {}) } : undefined);
    if (!c?.clientId) throw new AppError('OAUTH_NOT_CONFIGURED', `Sign-in with ${p.name} is not set up: register Convene with ${p.name} and set ${p.envClientId} (see README, "OAuth2 sign-in")`);
  } else {
    c = configured.issuers?.[ref.issuer] ?? configured.issuers?.['*'] ?? (env.CONVENE_OIDC_CLIENT_ID ? { clientId: env.CONVENE_OIDC_CLIENT_ID, ...(env.CONVENE_OIDC_CLIENT_SECRET ? { clientSecret: env.CONVENE_OIDC_CLIENT_SECRET } : {}) } : undefined);
    if (!c?.clientId) throw new AppError('OAUTH_NOT_CONFIGURED', `Sign-in with ${ref.issuer} is not set up: set CONVENE_OIDC_CLIENT_ID (see README, "OAuth2 sign-in")`);
  }
  return c;
}

/** Plain http only for an issuer on this machine (tests, a local identity provider); https everywhere else. */
function httpOptions(issuer: URL): { [oauth.allowInsecureRequests]?: boolean } {
  return isLoopback(issuer) ? { [oauth.allowInsecureRequests]: true } : {};
}

const discovered = new Map<string, oauth.AuthorizationServer>();

/** The authorization server's metadata: built in for Google and Microsoft, discovered for an issuer. */
export async function authorizationServer(ref: OAuthRef): Promise<oauth.AuthorizationServer> {
  if ('provider' in ref) {
    const p = OAUTH_PROVIDERS[ref.provider];
    return { issuer: p.issuer, authorization_endpoint: p.authorizationEndpoint, token_endpoint: p.tokenEndpoint, ...(p.revocationEndpoint ? { revocation_endpoint: p.revocationEndpoint } : {}) };
  }
  const cached = discovered.get(ref.issuer);
  if (cached) return cached;
  const issuer = new URL(ref.issuer);
  try {
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...httpOptions(issuer), signal: AbortSignal.timeout(15_000) }));
    discovered.set(ref.issuer, as);
    return as;
  } catch (err) {
    throw new AppError('OAUTH_REFUSED', `The sign-in server ${ref.issuer} could not be reached or is not an OpenID Connect issuer: ${(err as Error).message}`, true, { cause: err });
  }
}

function scopeFor(ref: OAuthRef): string {
  return 'provider' in ref ? OAUTH_PROVIDERS[ref.provider].scope : genericScope(ref.scope);
}

function clientAuth(c: OAuthClientConfig): oauth.ClientAuth {
  return c.clientSecret ? oauth.ClientSecretPost(c.clientSecret) : oauth.None();
}

/** oauth4webapi's errors → the distinct codes of issue 12. */
export function mapOAuthError(err: unknown, during: 'sign-in' | 'refresh'): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof oauth.AuthorizationResponseError) {
    const e = err.error;
    if (e === 'access_denied') return new AppError('OAUTH_CANCELLED', 'The sign-in was cancelled: access was not allowed', false, { cause: err });
    return new AppError('OAUTH_REFUSED', `The provider refused the sign-in: ${err.error_description ?? e}`, false, { cause: err });
  }
  if (err instanceof oauth.ResponseBodyError) {
    // RFC 6749 §5.2: invalid_grant = the refresh token (or code) is invalid, expired or revoked.
    if (err.error === 'invalid_grant') {
      return during === 'refresh'
        ? new AppError('OAUTH_REVOKED', 'The sign-in was revoked or has expired: sign in again', true, { cause: err })
        : new AppError('OAUTH_EXPIRED', 'The sign-in code expired before it could be used: sign in again', false, { cause: err });
    }
    return new AppError('OAUTH_REFUSED', `The provider refused the ${during}: ${err.error_description ?? err.error}`, false, { cause: err });
  }
  const msg = err instanceof Error ? err.message : String(err);
  return new AppError('OAUTH_REFUSED', `The ${during} failed: ${msg}`, true, { cause: err });
}

function tokensOf(r: oauth.TokenEndpointResponse, now: number): Tokens {
  // No expires_in: assume an hour (the common lifetime), refreshed early or on the first authentication failure.
  const ttl = typeof r.expires_in === 'number' && r.expires_in > 0 ? r.expires_in : 3600;
  return { accessToken: r.access_token, ...(r.refresh_token ? { refreshToken: r.refresh_token } : {}), expiresAt: now + ttl * 1000 };
}

/** The page shown in the browser tab after the redirect. */
function donePage(ok: boolean, text: string): string {
  const esc = text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html><meta charset="utf-8"><title>Convene</title><body style="font:16px system-ui;margin:60px auto;max-width:420px">
<h1 style="font-size:20px">${ok ? 'Signed in' : 'Not signed in'}</h1><p>${esc}</p><p>You can close this tab and return to Convene.</p></body>`;
}

/** One sign-in in progress: the URL to open in the system browser and the wait for its redirect. */
export interface SignInFlow {
  url: string;
  redirectUri: string;
  /** Resolves with the tokens once the browser comes back with a code; rejects with a typed AppError. */
  result: Promise<Tokens>;
  cancel(): void;
}

export interface BeginOptions {
  loginHint?: string;
  /** How long the user has to finish in the browser (default 10 minutes). */
  timeoutMs?: number;
  now?: () => number;
}

/**
 * Starts a sign-in: a loopback listener on a random port (RFC 8252 §7.3), the authorization URL with PKCE S256 and
 * a fresh state. The listener answers once: a request with another state is refused (400) and ignored, so a local
 * page cannot inject a code; the matching one completes the flow and the listener closes.
 */
export async function beginSignIn(ref: OAuthRef, client: OAuthClientConfig, opts: BeginOptions = {}): Promise<SignInFlow> {
  const as = await authorizationServer(ref);
  const now = opts.now ?? Date.now;
  const verifier = oauth.generateRandomCodeVerifier();
  const challenge = await oauth.calculatePKCECodeChallenge(verifier);
  const state = oauth.generateRandomState();
  const oc: oauth.Client = { client_id: client.clientId };

  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`;
  const url = new URL(as.authorization_endpoint!);
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', scopeFor(ref));
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  if (opts.loginHint) url.searchParams.set('login_hint', opts.loginHint);
  if ('provider' in ref) for (const [k, v] of Object.entries(OAUTH_PROVIDERS[ref.provider].extraParams)) url.searchParams.set(k, v);
  else url.searchParams.set('prompt', 'consent'); // OIDC Core §11: offline_access needs consent

  let settle!: { ok: (t: Tokens) => void; fail: (e: AppError) => void };
  const result = new Promise<Tokens>((ok, fail) => (settle = { ok, fail }));
  let done = false;
  // Stops listening; the answer to the one redirect still goes out (its connection closes after it).
  const finish = (dropConnections = false) => {
    done = true;
    clearTimeout(timer);
    server.close();
    if (dropConnections) server.closeAllConnections();
  };
  const timer = setTimeout(() => {
    if (done) return;
    finish(true);
    settle.fail(new AppError('OAUTH_EXPIRED', 'The sign-in was not completed in time: try again'));
  }, opts.timeoutMs ?? 10 * 60_000);

  server.on('request', (req, res) => {
    res.setHeader('connection', 'close');
    const here = new URL(req.url ?? '/', redirectUri);
    if (done || req.method !== 'GET' || here.pathname !== '/callback') return void res.writeHead(404).end();
    if (here.searchParams.get('state') !== state) {
      // Not our browser's redirect (or a replay): refuse it and keep waiting for the real one.
      return void res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' }).end(donePage(false, 'This sign-in link is not the one Convene is waiting for.'));
    }
    finish();
    (async () => {
      const params = oauth.validateAuthResponse(as, oc, here, state);
      const resp = await oauth.authorizationCodeGrantRequest(as, oc, clientAuth(client), params, redirectUri, verifier, { ...httpOptions(new URL(as.issuer)), signal: AbortSignal.timeout(30_000) });
      const tokens = await oauth.processAuthorizationCodeResponse(as, oc, resp, { requireIdToken: false });
      return tokensOf(tokens, now());
    })().then(
      (t) => {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(donePage(true, 'Convene can now read and send your mail.'));
        settle.ok(t);
      },
      (err) => {
        const e = mapOAuthError(err, 'sign-in');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(donePage(false, e.message));
        settle.fail(e);
      },
    );
  });

  return {
    url: url.href,
    redirectUri,
    result,
    cancel() {
      if (done) return;
      finish(true);
      settle.fail(new AppError('OAUTH_CANCELLED', 'The sign-in was cancelled'));
    },
  };
}

/** A new access token from the refresh token (RFC 6749 §6). invalid_grant → OAUTH_REVOKED. */
export async function refreshTokens(ref: OAuthRef, client: OAuthClientConfig, refreshToken: string, now: () => number = Date.now): Promise<Tokens> {
  const as = await authorizationServer(ref);
  const oc: oauth.Client = { client_id: client.clientId };
  try {
    const resp = await oauth.refreshTokenGrantRequest(as, oc, clientAuth(client), refreshToken, { ...httpOptions(new URL(as.issuer)), signal: AbortSignal.timeout(30_000) });
    return tokensOf(await oauth.processRefreshTokenResponse(as, oc, resp), now());
  } catch (err) {
    throw mapOAuthError(err, 'refresh');
  }
}
