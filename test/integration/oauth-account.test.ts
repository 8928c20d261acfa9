// An account that signs in with OAuth2, end to end against real servers (issue 12): the app's own sign-in flow
// (PKCE, loopback redirect) through the identity provider's login and consent pages; sync over IMAP XOAUTH2
// (Dovecot passdb oauth2 → introspection) and replies over SMTP XOAUTH2; the access token refreshed after it expired;
// a revoked grant → "sign in again", the reply waits in the outbox and is sent exactly once after signing in again.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core';
import type { AccountInput } from '../../shared/api';
import type { TestUser } from '../servers/mail-servers';
import { startOAuthMail, type OAuthMail } from '../servers/oauth-mail';
import { browse } from '../servers/oidc-login';
import { makeIcs } from '../servers/seed';
import { waitFor } from '../servers/wait';

const BOB_IDP_PASSWORD = 'bob-at-the-idp';
let sys: OAuthMail;
let alice: TestUser;
let bob: TestUser;
let dir: string;
let core: Core;

beforeAll(async () => {
  // Access tokens live 4 s: long enough for one sign-in and sync, short enough to expire within the test.
  sys = await startOAuthMail({ users: { 'bob@example.test': BOB_IDP_PASSWORD }, accessTokenTtl: 4 });
  alice = await sys.mail.addUser('alice');
  bob = await sys.mail.addUser('bob');
  dir = await mkdtemp(path.join(os.tmpdir(), 'convene-oauth-account-'));
  core = await createCore({ dataDir: dir, shell: 'browser', oauthClients: { issuers: { '*': { clientId: sys.idp.clientId } } }, sync: { pollMs: 500 } });
  const s = await core.getSettings();
  if (s.ok) await core.saveSettings({ ...s.value, policy: 'always' });
});

afterAll(async () => {
  await core?.close();
  await sys?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const bobAccount = (id?: string): AccountInput => ({
  ...(id ? { id } : {}),
  name: 'Bob (OAuth2)',
  email: bob.email,
  aliases: [],
  imap: { host: sys.mail.imap.host, port: sys.mail.imap.port, security: 'none', user: bob.email },
  smtp: { host: sys.mail.smtp.host, port: sys.mail.smtp.port, security: 'none', user: bob.email },
});

async function signIn(id?: string) {
  const begun = await core.beginSignIn({ email: bob.email, oauth: { issuer: sys.idp.issuer, scope: 'mail' } });
  if (!begun.ok) throw new Error(begun.error.message);
  expect(begun.value.opened).toBe(false); // the browser shell's page opens it
  const finished = core.finishSignIn({ flowId: begun.value.flowId, account: bobAccount(id) });
  await browse(begun.value.url, { login: bob.email, password: BOB_IDP_PASSWORD, consent: 'allow' });
  const r = await finished;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

async function invite(uid: string, summary: string) {
  const t = nodemailer.createTransport({ host: sys.mail.smtp.host, port: sys.mail.smtp.port, secure: false, ignoreTLS: true, auth: { user: alice.email, pass: alice.password } });
  await t.sendMail({ from: alice.email, to: bob.email, subject: `Invitation: ${summary}`, text: summary, icalEvent: { method: 'REQUEST', content: makeIcs({ method: 'REQUEST', uid, organizer: alice.email, attendees: [bob.email], summary }) } });
}

const invitationArrives = (uid: string, what: string) =>
  waitFor(async () => {
    const l = await core.listInvitations();
    return l.ok && l.value.some((i) => i.uid === uid);
  }, { timeoutMs: 20_000, what });

const repliesFor = (uid: string) => sys.mail.accepted.filter((m) => m.raw.toString('latin1').includes(uid) && /METHOD:REPLY/.test(m.raw.toString('latin1')));

describe('an OAuth2 account', () => {
  let accountId = '';

  it('signs in through the provider pages, syncs over IMAP XOAUTH2 and replies over SMTP XOAUTH2', async () => {
    const view = await signIn();
    accountId = view.id;
    expect(view).toMatchObject({ authMethod: 'oauth2', signInRequired: null, hasPassword: true });
    expect(JSON.stringify(await core.listAccounts())).not.toMatch(/refresh|eyJ/);
    expect(sys.idp.events).toContain(`login ${bob.email}`);
    expect(sys.idp.events).toContain(`consent ${bob.email}`);
    const uid = `oauth-1-${Date.now()}@example.test`;
    await invite(uid, 'OAuth planning');
    await invitationArrives(uid, 'the invitation synced over IMAP XOAUTH2');
    expect((await core.respond({ uid, partstat: 'ACCEPTED' })).ok).toBe(true);
    await waitFor(() => repliesFor(uid).length === 1, { timeoutMs: 20_000, what: 'the REPLY accepted over SMTP XOAUTH2' });
  });

  it('refreshes the access token after it expired', async () => {
    const refreshesBefore = sys.idp.events.filter((e) => e === 'token refresh_token').length;
    // Wait until the provider itself says the first access token is dead (RFC 7662 active=false).
    const probe = await core.testConnection({ ...bobAccount(accountId) });
    expect(probe).toMatchObject({ ok: true, value: { imap: { ok: true }, smtp: { ok: true } } });
    const last = sys.idp.issuedAccessTokens.at(-1)!;
    await waitFor(async () => (await sys.idp.introspect(last)) === null, { timeoutMs: 15_000, what: 'the access token to expire' });
    const uid = `oauth-2-${Date.now()}@example.test`;
    await invite(uid, 'After expiry');
    await invitationArrives(uid, 'the second invitation');
    expect((await core.respond({ uid, partstat: 'TENTATIVE' })).ok).toBe(true);
    await waitFor(() => repliesFor(uid).length === 1, { timeoutMs: 20_000, what: 'the REPLY sent with a refreshed token' });
    expect(sys.idp.events.filter((e) => e === 'token refresh_token').length).toBeGreaterThan(refreshesBefore);
  });

  it('a revoked grant: "sign in again", the reply waits, and is sent once after signing in again', async () => {
    const uid = `oauth-3-${Date.now()}@example.test`;
    await invite(uid, 'After revocation');
    await invitationArrives(uid, 'the third invitation');
    expect(await sys.idp.revokeGrants(bob.email)).toBeGreaterThan(0);
    expect((await core.respond({ uid, partstat: 'DECLINED' })).ok).toBe(true);
    await waitFor(async () => {
      const a = await core.listAccounts();
      return a.ok && a.value[0]?.signInRequired;
    }, { timeoutMs: 20_000, what: 'the account in the "sign in again" state' });
    const waiting = await waitFor(async () => {
      const o = await core.listOutbox();
      const item = o.ok ? o.value.find((i) => i.uid === uid) : undefined;
      return item && item.lastError ? item : null;
    }, { timeoutMs: 20_000, what: 'the reply waiting in the outbox' });
    expect(waiting.state).toBe('queued');
    expect(waiting.lastError).toMatch(/sign in again/);
    expect(repliesFor(uid)).toHaveLength(0);
    expect(sys.idp.events.some((e) => e === 'token-error refresh_token invalid_grant')).toBe(true);

    const again = await signIn(accountId);
    expect(again.id).toBe(accountId);
    expect(again.signInRequired).toBeNull();
    await waitFor(() => repliesFor(uid).length === 1, { timeoutMs: 20_000, what: 'the waiting reply sent after signing in again' });
    await waitFor(async () => {
      const o = await core.listOutbox();
      return o.ok && o.value.find((i) => i.uid === uid)?.state === 'sent';
    }, { timeoutMs: 10_000, what: 'the outbox item marked sent' });
    expect(repliesFor(uid)).toHaveLength(1);
  });
});
