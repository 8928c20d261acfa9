// A real OpenID Connect provider on loopback for the OAuth2 tests (issue 12): oidc-provider 8 (a certified
// implementation) with its own login and consent pages, PKCE required, short-lived opaque access tokens, refresh
// tokens, revocation (RFC 7009) and introspection (RFC 7662). Dovecot's `passdb oauth2` and the test SMTP server
// validate bearer tokens through the introspection endpoint, as a real mail provider's servers would.
//
//   const idp = await startOidcProvider({ users: { 'bob@example.test': 'pw' }, accessTokenTtl: 60 });
//   idp.issuer                // http://127.0.0.1:PORT
//   idp.clientId              // the public native client ('convene-test', redirect http://127.0.0.1/callback, any port)
//   await idp.introspect(tok) // what Dovecot sees
//   await idp.revokeGrants('bob@example.test')
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface OidcServer {
  issuer: string;
  port: number;
  clientId: string;
  /** The confidential client the resource servers (Dovecot, SMTP) use for introspection. */
  introspectionClient: { id: string; secret: string };
  /** The introspection URL with the resource server's credentials, as Dovecot's oauth2 passdb wants it. */
  introspectionUrlWithCredentials: string;
  /** RFC 7662 introspection as a resource server: the user (sub) for an active token, else null. */
  introspect(token: string): Promise<string | null>;
  /** Revokes every grant of a user (as "remove app access" in a provider's account page): refresh tokens die. */
  revokeGrants(accountId: string): Promise<number>;
  /** Logins and consents done through the pages (tests check the real pages were used), token grants. */
  readonly events: string[];
  /** Every access token issued, oldest first (tests wait for one to expire: introspection says inactive). */
  readonly issuedAccessTokens: string[];
  stop(): Promise<void>;
}

export interface OidcOptions {
  /** email → password */
  users: Record<string, string>;
  /** Access token lifetime in seconds (default 3600). */
  accessTokenTtl?: number;
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:15px system-ui,sans-serif;max-width:380px;margin:60px auto;color:#222}h1{font-size:20px}
label{display:block;margin:12px 0 4px}input{width:100%;padding:8px;box-sizing:border-box}
button{margin-top:16px;padding:8px 16px}.err{color:#b00020}</style></head><body>
<h1>Test identity provider</h1>${body}</body></html>`;
}

async function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 64 * 1024) break;
    chunks.push(c as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startOidcProvider(opts: OidcOptions): Promise<OidcServer> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;
  const introspectionClient = { id: 'mail-servers', secret: 'mail-servers-secret-0123456789abcdef' };
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'test' };
  const events: string[] = [];

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'convene-test',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        // RFC 8252 §7.3: for a native client the loopback redirect matches on any port.
        redirect_uris: ['http://127.0.0.1/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
      { client_id: introspectionClient.id, client_secret: introspectionClient.secret, redirect_uris: [], response_types: [], grant_types: [] },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: ['convene-test-cookie-key'] },
    pkce: { required: () => true },
    scopes: ['openid', 'offline_access', 'email', 'mail'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    features: {
      devInteractions: { enabled: false },
      // Only the mail servers' client may introspect tokens of other clients (RFC 7662 §4).
      introspection: { enabled: true, allowedPolicy: async (_ctx: unknown, client: { clientId: string }, token: { clientId?: string }) => client.clientId === introspectionClient.id || token.clientId === client.clientId },
      revocation: { enabled: true },
    },
    ttl: {
      AccessToken: opts.accessTokenTtl ?? 3600,
      AuthorizationCode: 120,
      IdToken: 3600,
      RefreshToken: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
      Session: 24 * 3600,
      Interaction: 600,
    },
    // A native mail client always gets a refresh token (it must keep working after the access token expires).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    findAccount: async (_ctx, id) => (id in opts.users ? { accountId: id, claims: async () => ({ sub: id, email: id, email_verified: true }) } : undefined),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  });
  // Loopback http is fine for tests; oidc-provider insists on https only for web clients in production mode.
  provider.on('server_error', (_ctx, err) => console.error('[oidc-provider]', err));

  const grantsByAccount = new Map<string, Set<string>>();
  provider.on('grant.saved', (grant: { accountId?: string; jti: string }) => {
    if (!grant.accountId) return;
    const set = grantsByAccount.get(grant.accountId) ?? new Set<string>();
    set.add(grant.jti);
    grantsByAccount.set(grant.accountId, set);
  });

  // Token endpoint successes by grant type ("token authorization_code", "token refresh_token").
  const issued: string[] = [];
  provider.on('grant.success', (ctx: { oidc: { params: { grant_type?: string } }; body?: { access_token?: string } }) => {
    events.push(`token ${ctx.oidc.params.grant_type}`);
    if (ctx.body?.access_token) issued.push(ctx.body.access_token);
  });
  provider.on('grant.error', (ctx: { oidc: { params?: { grant_type?: string } } }, err: { error?: string }) => events.push(`token-error ${ctx.oidc.params?.grant_type} ${err.error}`));

  const callback = provider.callback();
  server.on('request', (req, res) => {
    const m = /^\/interaction\/([A-Za-z0-9_-]+)(\/(login|confirm|abort))?$/.exec((req.url ?? '').split('?')[0]!);
    if (!m) return void callback(req, res);
    interaction(req, res, m[3] ?? null).catch((err) => {
      res.writeHead(400, { 'content-type': 'text/plain' }).end(`interaction failed: ${(err as Error).message}`);
    });
  });

  async function interaction(req: http.IncomingMessage, res: http.ServerResponse, action: string | null): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const { uid, prompt, params } = details;
    const html = (s: string): void => void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(s);
    if (req.method === 'GET' && prompt.name === 'login') {
      return html(page('Sign in', `<form method="post" action="/interaction/${uid}/login">
<p>Sign in to continue to <b>${esc(String(params.client_id))}</b>.</p>
<label for="login">Email</label><input id="login" name="login" autocomplete="username" value="${esc(String(params.login_hint ?? ''))}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit">Sign in</button></form>`));
    }
    if (req.method === 'GET' && prompt.name === 'consent') {
      return html(page('Allow access', `<form method="post" action="/interaction/${uid}/confirm">
<p><b>${esc(String(params.client_id))}</b> wants to read and send your mail (${esc(String(params.scope))}).</p>
<button type="submit" id="allow">Allow</button></form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit" id="cancel">Cancel</button></form>`));
    }
    if (req.method === 'POST' && action === 'login') {
      const form = await readForm(req);
      const login = (form.get('login') ?? '').trim().toLowerCase();
      if (!(login in opts.users) || opts.users[login] !== form.get('password')) {
        events.push(`login-failed ${login}`);
        return html(page('Sign in', `<p class="err" role="alert">Wrong email or password.</p><p><a href="/interaction/${uid}">Try again</a></p>`));
      }
      events.push(`login ${login}`);
      await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
      return;
    }
    if (req.method === 'POST' && action === 'confirm') {
      const accountId = details.session?.accountId;
      if (!accountId) throw new Error('no session');
      const grant = details.grantId ? (await provider.Grant.find(details.grantId))! : new provider.Grant({ accountId, clientId: String(params.client_id) });
      const d = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
      if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
      if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(d.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
      const grantId = await grant.save();
      events.push(`consent ${accountId}`);
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    if (req.method === 'POST' && action === 'abort') {
      events.push('consent-cancelled');
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user cancelled the sign-in' }, { mergeWithLastSubmission: false });
      return;
    }
    res.writeHead(405).end();
  }

  const basic = `Basic ${Buffer.from(`${introspectionClient.id}:${introspectionClient.secret}`).toString('base64')}`;
  return {
    issuer,
    port,
    clientId: 'convene-test',
    introspectionClient,
    introspectionUrlWithCredentials: `http://${introspectionClient.id}:${introspectionClient.secret}@127.0.0.1:${port}/token/introspection`,
    events,
    issuedAccessTokens: issued,
    async introspect(token) {
      const r = await fetch(`${issuer}/token/introspection`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }) });
      const j = (await r.json()) as { active?: boolean; sub?: string };
      return j.active && j.sub ? j.sub : null;
    },
    async revokeGrants(accountId) {
      let n = 0;
      for (const jti of grantsByAccount.get(accountId) ?? []) {
        const g = await provider.Grant.find(jti);
        if (!g) continue;
        // Grant revocation takes the grant's refresh and access tokens with it (oidc-provider revokeGrant).
        for (const model of [provider.RefreshToken, provider.AccessToken, provider.AuthorizationCode]) await (model as unknown as { revokeByGrantId(id: string): Promise<void> }).revokeByGrantId(jti);
        await g.destroy();
        n++;
      }
      grantsByAccount.delete(accountId);
      return n;
    },
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
