// The OAuth2 mail system for tests (issue 12): the test identity provider (oidc-server.ts) plus Dovecot with
// `passdb { driver = oauth2 }` validating bearer tokens (XOAUTH2, OAUTHBEARER: RFC 7628) through the provider's
// introspection endpoint (RFC 7662), and the test SMTP server validating AUTH XOAUTH2 the same way. Recipe measured in
// /work/shared/TEST-SERVERS.md ("OAuth2 and DNS"). Users are the mail users (addUser) with the same address and a
// password for the provider's login page.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startMailServers, type MailServers, type StartOptions } from './mail-servers';
import { startOidcProvider, type OidcOptions, type OidcServer } from './oidc-server';

export interface OAuthMail {
  idp: OidcServer;
  mail: MailServers;
  stop(): Promise<void>;
}

export async function startOAuthMail(opts: OidcOptions & { mail?: StartOptions }): Promise<OAuthMail> {
  const idp = await startOidcProvider(opts);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'convene-oauth2-'));
  await chmod(dir, 0o755); // Dovecot's auth process (another user) reads the file below
  const conf = path.join(dir, 'dovecot-oauth2.conf.ext');
  await writeFile(
    conf,
    [
      `introspection_url = ${idp.introspectionUrlWithCredentials}`,
      'introspection_mode = post',
      // The token's subject is the address; Dovecot compares it with the login user after this normalisation.
      'username_attribute = sub',
      'username_format = %Ln',
      'active_attribute = active',
      'active_value = true',
      '',
    ].join('\n'),
    { mode: 0o644 },
  );
  const mail = await startMailServers({
    ...opts.mail,
    verifyAccessToken: (token) => idp.introspect(token),
    extraDovecotConfig: `${opts.mail?.extraDovecotConfig ?? ''}
auth_mechanisms = plain login xoauth2 oauthbearer
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = ${conf}
}
`,
  });
  return {
    idp,
    mail,
    async stop() {
      await mail.stop();
      await idp.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
