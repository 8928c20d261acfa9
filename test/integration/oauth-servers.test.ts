// The OAuth2 test servers themselves: a token from the real identity provider logs in to Dovecot (XOAUTH2 and
// OAUTHBEARER through passdb oauth2 + introspection) and to the SMTP server (XOAUTH2); a wrong or revoked token does not.
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthMail, type OAuthMail } from '../servers/oauth-mail';
import { signInWithForms } from '../servers/oidc-login';

let sys: OAuthMail;
beforeAll(async () => {
  sys = await startOAuthMail({ users: { 'bob@example.test': 'bob-idp-pw' } });
  await sys.mail.addUser('bob');
  await sys.mail.addUser('carol');
});
afterAll(async () => {
  await sys?.stop();
});

async function imapLogin(user: string, accessToken: string, method?: 'XOAUTH2' | 'OAUTHBEARER'): Promise<boolean> {
  const c = new ImapFlow({ host: sys.mail.imap.host, port: sys.mail.imap.port, secure: false, auth: { user, accessToken, ...(method ? { method } : {}) } as never, logger: false });
  c.on('error', () => {});
  try {
    await c.connect();
    await c.logout();
    return true;
  } catch {
    return false;
  }
}

describe('OAuth2 test servers', () => {
  it('IMAP and SMTP accept the provider\'s access token for its owner only', async () => {
    const t = await signInWithForms(sys.idp, 'bob@example.test', 'bob-idp-pw');
    expect(await sys.idp.introspect(t.accessToken)).toBe('bob@example.test');
    expect(await imapLogin('bob@example.test', t.accessToken)).toBe(true);
    expect(await imapLogin('bob@example.test', t.accessToken, 'OAUTHBEARER')).toBe(true);
    expect(await imapLogin('carol@example.test', t.accessToken)).toBe(false);
    expect(await imapLogin('bob@example.test', 'not-a-token')).toBe(false);
    const smtp = (accessToken: string) => nodemailer.createTransport({ host: sys.mail.smtp.host, port: sys.mail.smtp.port, secure: false, ignoreTLS: true, auth: { type: 'OAuth2', user: 'bob@example.test', accessToken } });
    await expect(smtp(t.accessToken).verify()).resolves.toBe(true);
    await expect(smtp('forged').verify()).rejects.toThrow();
    expect(await sys.idp.revokeGrants('bob@example.test')).toBeGreaterThan(0);
    expect(await sys.idp.introspect(t.accessToken)).toBeNull();
    expect(await imapLogin('bob@example.test', t.accessToken)).toBe(false);
  });
});
