// Signs in through the test identity provider's real login and consent pages with plain HTTP (a cookie jar and
// form posts, as a browser would), for integration tests that need tokens without Chromium. The UI test does the
// same in Chromium. Uses the app's own flow (beginSignIn: PKCE, loopback redirect, state check).
import { beginSignIn, type SignInFlow, type Tokens } from '../../electron/accounts/oauth';
import type { OidcServer } from './oidc-server';

/** Follows one browser visit: GETs and form POSTs with cookies, until a page (200) or the loopback callback. */
export async function browse(startUrl: string, answers: { login: string; password: string; consent: 'allow' | 'cancel' }): Promise<void> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (r: Response) => {
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      jar.set(pair!.slice(0, i).trim(), pair!.slice(i + 1).trim());
    }
  };
  let url = startUrl;
  let body: URLSearchParams | null = null;
  for (let hop = 0; hop < 30; hop++) {
    const r: Response = await fetch(url, { method: body ? 'POST' : 'GET', redirect: 'manual', headers: { cookie: cookieHeader(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, ...(body ? { body } : {}) });
    keep(r);
    body = null;
    if (r.status >= 300 && r.status < 400) {
      url = new URL(r.headers.get('location')!, url).href;
      continue;
    }
    const html = await r.text();
    if (new URL(url).pathname === '/callback') return; // the app's loopback listener answered
    const action = (re: RegExp) => {
      const m = re.exec(html);
      return m ? new URL(m[1]!, url).href : null;
    };
    const login = action(/<form method="post" action="([^"]+\/login)"/);
    if (login) {
      url = login;
      body = new URLSearchParams({ login: answers.login, password: answers.password });
      continue;
    }
    const confirm = action(answers.consent === 'allow' ? /<form method="post" action="([^"]+\/confirm)"/ : /<form method="post" action="([^"]+\/abort)"/);
    if (confirm) {
      url = confirm;
      body = new URLSearchParams();
      continue;
    }
    throw new Error(`sign-in stopped at ${url} (${r.status}): ${html.slice(0, 300)}`);
  }
  throw new Error('sign-in: too many redirects');
}

/** The whole sign-in for `email` through the pages; resolves with the app flow's tokens. */
export async function signInWithForms(idp: OidcServer, email: string, password: string, consent: 'allow' | 'cancel' = 'allow'): Promise<Tokens> {
  const flow: SignInFlow = await beginSignIn({ issuer: idp.issuer, scope: 'mail' }, { clientId: idp.clientId }, { loginHint: email });
  flow.result.catch(() => {}); // observed below; a cancelled consent rejects before browse() returns
  await browse(flow.url, { login: email, password, consent });
  return flow.result;
}
