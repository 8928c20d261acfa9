// OAuth2 failures are distinct and readable (issue 12): consent cancelled, provider refused, sign-in expired, grant
// revoked, server rejects the token, not configured; and the loopback listener ignores a redirect with another
// state (a local page cannot inject a code). Against the real identity provider and Dovecot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beginSignIn, clientFor, refreshTokens } from '../../electron/accounts/oauth';
import { TokenManager } from '../../electron/accounts/tokens';
import { fileSecretBox } from '../../electron/store/credentials';
import { memoryBackend, SettingsStore } from '../../electron/store/settings-store';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AppError } from '../../shared/errors';
import { startOAuthMail, type OAuthMail } from '../servers/oauth-mail';
import { browse, signInWithForms } from '../servers/oidc-login';

let sys: OAuthMail;
let dir: string;
const PW = 'idp-password';

beforeAll(async () => {
  sys = await startOAuthMail({ users: { 'bob@example.test': PW } });
  await sys.mail.addUser('bob');
  dir = await mkdtemp(path.join(os.tmpdir(), 'convene-oauth-errors-'));
});
afterAll(async () => {
  await sys?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return null;
  } catch (e) {
    return e instanceof AppError ? e.code : `not an AppError: ${String(e)}`;
  }
};

describe('OAuth2 errors', () => {
  it('consent cancelled on the provider page → OAUTH_CANCELLED', async () => {
    await expect(signInWithForms(sys.idp, 'bob@example.test', PW, 'cancel')).rejects.toMatchObject({ code: 'OAUTH_CANCELLED' });
  });

  it('a client the provider does not know → OAUTH_REFUSED; no client id configured → OAUTH_NOT_CONFIGURED', async () => {
    const flow = await beginSignIn({ issuer: sys.idp.issuer }, { clientId: 'nobody' });
    flow.result.catch(() => {});
    // oidc-provider shows its error page for an unknown client instead of redirecting (RFC 6749 §4.1.2.1): the
    // listener hears nothing; the user gives up and the flow is cancelled.
    const r = await fetch(flow.url, { redirect: 'manual' });
    expect(r.status).toBe(400);
    flow.cancel();
    expect(await codeOf(flow.result)).toBe('OAUTH_CANCELLED');
    expect(() => clientFor({ provider: 'google' }, {}, {})).toThrow(expect.objectContaining({ code: 'OAUTH_NOT_CONFIGURED' }));
    expect(clientFor({ provider: 'microsoft' }, {}, { CONVENE_MICROSOFT_CLIENT_ID: 'abc' }).clientId).toBe('abc');
    expect(await codeOf(refreshTokens({ issuer: sys.idp.issuer }, { clientId: 'nobody' }, 'x'))).toBe('OAUTH_REFUSED');
  });

  it('a redirect with another state is refused and the real one still completes', async () => {
    const flow = await beginSignIn({ issuer: sys.idp.issuer, scope: 'mail' }, { clientId: sys.idp.clientId }, { loginHint: 'bob@example.test' });
    const forged = await fetch(`${flow.redirectUri}?code=stolen&state=forged`);
    expect(forged.status).toBe(400);
    await browse(flow.url, { login: 'bob@example.test', password: PW, consent: 'allow' });
    const t = await flow.result;
    expect(t.refreshToken).toBeTruthy();
    expect(await sys.idp.introspect(t.accessToken)).toBe('bob@example.test');
  });

  it('a sign-in not finished in time → OAUTH_EXPIRED', async () => {
    const flow = await beginSignIn({ issuer: sys.idp.issuer }, { clientId: sys.idp.clientId }, { timeoutMs: 50 });
    expect(await codeOf(flow.result)).toBe('OAUTH_EXPIRED');
  });

  it('revoked grant → OAUTH_REVOKED and "sign in again"; a token the server rejects after a refresh → OAUTH_TOKEN_REJECTED', async () => {
    const settings = new SettingsStore(memoryBackend(), fileSecretBox(dir));
    const t = await signInWithForms(sys.idp, 'bob@example.test', PW);
    const ref = { issuer: sys.idp.issuer, scope: 'mail' };
    const acc = settings.saveOAuthAccount({ name: 'Bob', email: 'bob@example.test', aliases: [], imap: { host: '127.0.0.1', port: 1, security: 'none', user: '' }, smtp: { host: '127.0.0.1', port: 1, security: 'none', user: '' } }, ref, t.refreshToken!, 'issuer');
    // The refresh token never appears in the settings, only its reference.
    expect(JSON.stringify(settings.listAccounts())).not.toContain(t.refreshToken!);
    const changes: string[] = [];
    const tokens = new TokenManager({ settings, clients: () => ({ issuers: { '*': { clientId: sys.idp.clientId } } }), onStateChange: (id) => changes.push(id) });
    // A server that keeps rejecting fresh tokens.
    const rejecting = () => Promise.reject(new AppError('IMAP_AUTH', 'rejected'));
    expect(await codeOf(tokens.withToken(acc.id, 'IMAP', (e) => e instanceof AppError && e.code === 'IMAP_AUTH', rejecting))).toBe('OAUTH_TOKEN_REJECTED');
    await sys.idp.revokeGrants('bob@example.test');
    expect(await codeOf(tokens.accessToken(acc.id, { force: true }))).toBe('OAUTH_REVOKED');
    expect(settings.getAccount(acc.id)?.signInRequired).toMatch(/sign in again/);
    expect(changes).toEqual([acc.id]);
    // From now on nothing goes to the provider until the user signs in again.
    const before = sys.idp.events.length;
    expect(await codeOf(tokens.accessToken(acc.id, { force: true }))).toBe('OAUTH_REVOKED');
    expect(sys.idp.events.length).toBe(before);
  });
});
