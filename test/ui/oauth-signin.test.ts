// First run with set-up from the address and OAuth2 sign-in, in Chromium through the browser shell (issue 12): the
// address is typed first; the settings come from the domain's autoconfig file (served by a local HTTP server, with
// DNS answered by a local DNS server) and say where they came from; "Sign in with …" opens the identity provider's
// real login and consent pages in a new tab; then bob receives an invitation over IMAP XOAUTH2 (Dovecot passdb
// oauth2) and answers it over SMTP XOAUTH2. Screenshots of the new screens go to docs/screenshots/.
import nodemailer from 'nodemailer';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAutoconfigServer, type AutoconfigServer } from '../servers/autoconfig-server';
import { startDnsServer, type TestDnsServer } from '../servers/dns-server';
import type { TestUser } from '../servers/mail-servers';
import { startOAuthMail, type OAuthMail } from '../servers/oauth-mail';
import { makeIcs } from '../servers/seed';
import { ensureBuilt, launchChromium, shot, startShell, tempDataDir, watchPage, type Shell } from './shell';

const WAIT = { timeout: 60_000, interval: 200 };
const BOB_IDP_PASSWORD = 'correct horse battery';
let sys: OAuthMail;
let dns: TestDnsServer;
let web: AutoconfigServer;
let shell: Shell;
let browser: Browser;
let alice: TestUser;
let bob: TestUser;
let problems: string[] = [];

beforeAll(async () => {
  ensureBuilt();
  sys = await startOAuthMail({ users: { 'bob@example.test': BOB_IDP_PASSWORD }, accessTokenTtl: 120 });
  alice = await sys.mail.addUser('alice');
  bob = await sys.mail.addUser('bob');
  // example.test publishes an autoconfig file naming its servers and its OpenID Connect issuer (Thunderbird's format).
  const xml = `<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="example.test"><domain>example.test</domain><displayName>Example mail</displayName>
<incomingServer type="imap"><hostname>127.0.0.1</hostname><port>${sys.mail.imap.port}</port><socketType>plain</socketType><authentication>OAuth2</authentication><username>%EMAILADDRESS%</username></incomingServer>
<outgoingServer type="smtp"><hostname>127.0.0.1</hostname><port>${sys.mail.smtp.port}</port><socketType>plain</socketType><authentication>OAuth2</authentication><username>%EMAILADDRESS%</username></outgoingServer>
</emailProvider><oAuth2><issuer>${sys.idp.issuer}</issuer><scope>mail</scope></oAuth2></clientConfig>`;
  web = await startAutoconfigServer({ 'autoconfig.example.test/mail/config-v1.1.xml': xml });
  dns = await startDnsServer({});
  // The shell reads these at start: discovery's test resolver and autoconfig base, and the issuer's client id.
  process.env.CONVENE_AUTOCONFIG_BASE = web.base;
  process.env.CONVENE_DNS_SERVER = dns.address;
  process.env.CONVENE_OIDC_CLIENT_ID = sys.idp.clientId;
  shell = await startShell(tempDataDir('oauth-ui'), []);
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await shell?.stop();
  await dns?.stop();
  await web?.stop();
  await sys?.stop();
});

async function invite(uid: string, summary: string) {
  const t = nodemailer.createTransport({ host: sys.mail.smtp.host, port: sys.mail.smtp.port, secure: false, ignoreTLS: true, auth: { user: alice.email, pass: alice.password } });
  await t.sendMail({ from: alice.email, to: bob.email, subject: `Invitation: ${summary}`, text: summary, icalEvent: { method: 'REQUEST', content: makeIcs({ method: 'REQUEST', uid, organizer: alice.email, attendees: [bob.email], summary }) } });
}

describe('first run: address → detected settings → sign in with the provider', () => {
  it('signs in through the provider page in Chromium, then receives and answers an invitation over XOAUTH2', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'Europe/Berlin', locale: 'en-US' });
    const page: Page = await ctx.newPage();
    problems = watchPage(page, 'bob');
    await page.goto(shell.url);
    await expect.poll(() => page.getByRole('heading', { name: 'Welcome to Convene' }).count(), WAIT).toBe(1);
    // Address first: no server fields yet.
    expect(await page.getByLabel('IMAP host').count()).toBe(0);
    await page.getByLabel('E-mail address').fill(bob.email);
    await page.getByLabel('Your name').fill('Bob Attendee');
    await shot(page, 'first-run-address', { docs: true });
    await page.getByRole('button', { name: 'Continue' }).click();

    const found = page.getByTestId('discovery-result');
    await expect.poll(() => found.textContent(), WAIT).toContain("Settings found in the domain's configuration file (autoconfig) (example.test)");
    expect(web.requests.some((r) => r.startsWith('autoconfig.example.test /mail/config-v1.1.xml'))).toBe(true);
    const signInButton = page.getByRole('button', { name: 'Sign in with example.test' });
    expect(await signInButton.count()).toBe(1);
    // OAuth2: no password field unless asked for.
    expect(await page.getByLabel('Password', { exact: true }).count()).toBe(0);
    await shot(page, 'first-run-detected', { docs: true });

    const popupP = ctx.waitForEvent('page');
    await signInButton.click();
    const idp = await popupP;
    await idp.waitForLoadState();
    await expect.poll(() => idp.getByRole('heading', { name: 'Test identity provider' }).count(), WAIT).toBe(1);
    expect(idp.url().startsWith(sys.idp.issuer)).toBe(true);
    expect(await idp.getByLabel('Email').inputValue()).toBe(bob.email); // login_hint
    await idp.getByLabel('Password').fill(BOB_IDP_PASSWORD);
    await shot(idp, 'oauth-provider-login');
    await idp.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => idp.getByRole('button', { name: 'Allow' }).count(), WAIT).toBe(1);
    await idp.getByRole('button', { name: 'Allow' }).click();
    await expect.poll(() => idp.getByRole('heading', { name: 'Signed in' }).count(), WAIT).toBe(1);
    await shot(idp, 'oauth-signed-in');
    await idp.close();

    await expect.poll(() => page.getByRole('heading', { name: 'Invitations' }).count(), WAIT).toBe(1);
    await expect.poll(() => page.getByTestId('connection-state').textContent(), WAIT).toContain('Online');
    expect(sys.idp.events).toEqual(expect.arrayContaining([`login ${bob.email}`, `consent ${bob.email}`, 'token authorization_code']));

    const uid = `oauth-ui-${Date.now()}@example.test`;
    await invite(uid, 'Sign-in review');
    const item = page.locator('.inv-item', { hasText: 'Sign-in review' });
    await expect.poll(() => item.count(), WAIT).toBe(1);
    await item.click();
    await expect.poll(() => page.getByTestId('detail-summary').textContent(), WAIT).toBe('Sign-in review');
    const add = page.locator('li.pending[data-kind="new-invitation"]').getByRole('button', { name: 'Add to calendar' });
    if (await add.count()) await add.click();
    await expect.poll(() => page.getByRole('button', { name: 'Accept', exact: true }).count(), WAIT).toBe(1);
    await page.getByRole('button', { name: 'Accept', exact: true }).click();
    await expect.poll(() => page.getByTestId('my-partstat').textContent(), WAIT).toBe('Accepted');
    // The REPLY went out over SMTP XOAUTH2 (the server accepted it for alice).
    await expect
      .poll(() => sys.mail.accepted.some((m) => m.to.includes(alice.email) && m.raw.toString('latin1').includes(uid) && /METHOD:REPLY/.test(m.raw.toString('latin1'))), WAIT)
      .toBe(true);
    expect(problems).toEqual([]);
  });
});
