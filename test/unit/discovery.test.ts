// The pure decisions of set-up from the address (issue 12 §2): the bundled table, SRV ordering (RFC 2782, RFC 6186,
// RFC 8314), MX mapping, autoconfig parsing (Thunderbird's format, hostile input) and the no-password-in-the-clear rule.
import { describe, expect, it } from 'vitest';
import { parseAutoconfig } from '../../electron/accounts/autoconfig';
import { bundledCandidate, chooseSrv, firstFound, mxCandidate, splitAddress, srvCandidate, type Candidate } from '../../shared/accounts/discovery';

const srv = (name: string, port: number, priority = 0, weight = 0) => ({ name, port, priority, weight });

describe('bundled providers', () => {
  it('knows Gmail, Outlook.com, Yahoo, iCloud, Fastmail and GMX by domain, with their auth method', () => {
    expect(bundledCandidate('gmail.com')).toMatchObject({ provider: 'google', imap: { host: 'imap.gmail.com', port: 993, security: 'tls', auth: 'oauth2' }, savesSent: true });
    expect(bundledCandidate('hotmail.com')).toMatchObject({ provider: 'microsoft', smtp: { host: 'smtp.office365.com', port: 587, security: 'starttls', auth: 'oauth2' } });
    expect(bundledCandidate('yahoo.com')?.imap.auth).toBe('password');
    expect(bundledCandidate('icloud.com')?.imap.host).toBe('imap.mail.me.com');
    expect(bundledCandidate('fastmail.com')?.provider).toBe('fastmail');
    expect(bundledCandidate('gmx.de')?.provider).toBe('gmx');
    expect(bundledCandidate('example.com')).toBeNull();
  });
});

describe('addresses', () => {
  it('splits and lower-cases the domain; refuses what is not an address', () => {
    expect(splitAddress(' Bob@Example.COM ')).toEqual({ local: 'Bob', domain: 'example.com', email: 'Bob@example.com' });
    for (const bad of ['bob', '@example.com', 'bob@', 'bob@localhost', 'bob@exa mple.com', 'a b@example.com', 'bob@-x.com']) expect(splitAddress(bad)).toBeNull();
  });
});

describe('SRV (RFC 6186, RFC 8314)', () => {
  it('takes the lowest priority, then implicit TLS over STARTTLS, then the heaviest weight', () => {
    expect(chooseSrv([srv('b.test', 993, 10)], [srv('a.test', 143, 5)])).toEqual({ host: 'a.test', port: 143, security: 'starttls', auth: 'password' });
    expect(chooseSrv([srv('b.test', 993, 5)], [srv('a.test', 143, 5, 100)])).toEqual({ host: 'b.test', port: 993, security: 'tls', auth: 'password' });
    expect(chooseSrv([srv('light.test', 993, 0, 1), srv('heavy.test', 994, 0, 50)], [])?.host).toBe('heavy.test');
  });
  it('a "." target means not offered (RFC 2782); bad ports and non-host targets are skipped', () => {
    expect(chooseSrv([srv('.', 0), srv('', 0)], [srv('imap.x.test', 143)])).toMatchObject({ host: 'imap.x.test', security: 'starttls' });
    expect(chooseSrv([srv('.', 0)], [])).toBeNull();
    expect(chooseSrv([srv('x.test', 0), srv('x.test', 70000), srv('bad host', 993), srv('a_b.test', 993)], [])).toBeNull();
  });
  it('needs both IMAP and submission; a known provider host keeps OAuth2', () => {
    expect(srvCandidate({ imaps: [srv('imap.x.test', 993)], imap: [], submissions: [], submission: [] })).toBeNull();
    const g = srvCandidate({ imaps: [srv('imap.gmail.com', 993)], imap: [], submissions: [srv('smtp.gmail.com', 465)], submission: [] });
    expect(g).toMatchObject({ provider: null, imap: { auth: 'password' } });
    const m = srvCandidate({ imaps: [srv('imap.x.mail.protection.outlook.com', 993)], imap: [], submissions: [srv('smtp.x.test', 465)], submission: [] });
    expect(m).toMatchObject({ provider: 'microsoft', imap: { auth: 'oauth2' }, smtp: { auth: 'oauth2' } });
  });
});

describe('MX', () => {
  it('maps the most preferred known MX host to its provider', () => {
    expect(mxCandidate([{ priority: 20, exchange: 'alt1.aspmx.l.google.com' }, { priority: 30, exchange: 'mx.other.test' }])?.provider).toBe('google');
    expect(mxCandidate([{ priority: 0, exchange: 'contoso-com.mail.protection.outlook.com' }])?.provider).toBe('microsoft');
    expect(mxCandidate([{ priority: 10, exchange: 'in1-smtp.messagingengine.com' }])?.provider).toBe('fastmail');
    expect(mxCandidate([{ priority: 10, exchange: 'mx.example.test' }])).toBeNull();
    // A suffix match is on label boundaries: "evilgoogle.com" is not Google.
    expect(mxCandidate([{ priority: 10, exchange: 'mx.evilgoogle.com' }])).toBeNull();
  });
});

const config = (servers: string, extra = '') => `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="example.test">
    <domain>example.test</domain>
    ${servers}
  </emailProvider>
  ${extra}
</clientConfig>`;
const incoming = (host: string, port: number, socket: string, auth = 'password-cleartext', user = '%EMAILADDRESS%', type = 'imap') =>
  `<incomingServer type="${type}"><hostname>${host}</hostname><port>${port}</port><socketType>${socket}</socketType><authentication>${auth}</authentication><username>${user}</username></incomingServer>`;
const outgoing = (host: string, port: number, socket: string, auth = 'password-cleartext') =>
  `<outgoingServer type="smtp"><hostname>${host}</hostname><port>${port}</port><socketType>${socket}</socketType><authentication>${auth}</authentication><username>%EMAILLOCALPART%</username></outgoingServer>`;

describe('autoconfig (Thunderbird config-v1.1.xml)', () => {
  it('reads servers, placeholders and socket types', () => {
    const r = parseAutoconfig(config(incoming('pop.%EMAILDOMAIN%', 995, 'SSL', 'password-cleartext', '%EMAILADDRESS%', 'pop3') + incoming('imap.%EMAILDOMAIN%', 993, 'SSL') + outgoing('smtp.example.test', 587, 'STARTTLS')), 'ann@example.test');
    expect(r).toMatchObject({ ok: true, insecure: null, candidate: { provider: 'example.test', imap: { host: 'imap.example.test', port: 993, security: 'tls', auth: 'password' }, smtp: { host: 'smtp.example.test', port: 587, security: 'starttls' }, imapUser: 'ann@example.test', smtpUser: 'ann' } });
  });
  it('skips a plaintext-password server for a later TLS one; only plaintext → insecure, never a candidate', () => {
    const both = parseAutoconfig(config(incoming('plain.example.test', 143, 'plain') + incoming('imap.example.test', 993, 'SSL') + outgoing('smtp.example.test', 465, 'SSL')), 'a@example.test');
    expect(both.ok && both.candidate?.imap.host).toBe('imap.example.test');
    const plain = parseAutoconfig(config(incoming('imap.example.test', 143, 'plain') + outgoing('smtp.example.test', 25, 'plain')), 'a@example.test');
    expect(plain).toMatchObject({ ok: true, candidate: null, insecure: { imap: { security: 'none', auth: 'password' } } });
  });
  it('OAuth2 only with a known issuer: <oAuth2><issuer> or a built-in provider host', () => {
    const noIssuer = parseAutoconfig(config(incoming('imap.example.test', 993, 'SSL', 'OAuth2') + outgoing('smtp.example.test', 465, 'SSL', 'OAuth2')), 'a@example.test');
    expect(noIssuer).toMatchObject({ ok: true, candidate: null });
    const issuer = parseAutoconfig(config(incoming('imap.example.test', 993, 'SSL', 'OAuth2') + outgoing('smtp.example.test', 465, 'SSL', 'OAuth2'), '<oAuth2><issuer>https://id.example.test</issuer><scope>mail</scope></oAuth2>'), 'a@example.test');
    expect(issuer).toMatchObject({ ok: true, candidate: { imap: { auth: 'oauth2' }, oauth: { issuer: 'https://id.example.test', scope: 'mail' } } });
  });
  it('hostile files are refused with a reason, never thrown', () => {
    const dtd = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><clientConfig/>';
    for (const bad of [dtd, '<clientConfig><emailProvider>', 'not xml at all <', 'x'.repeat(200_000), '<other/>']) {
      expect(parseAutoconfig(bad, 'a@example.test').ok).toBe(false);
    }
    const badHost = parseAutoconfig(config(incoming('evil host;rm', 993, 'SSL') + incoming('imap.example.test', 99999, 'SSL') + outgoing('smtp.example.test', 465, 'SSL')), 'a@example.test');
    expect(badHost).toMatchObject({ ok: true, candidate: null, insecure: null });
  });
});

describe('the order of the steps', () => {
  const c = (host: string, security: 'tls' | 'none'): Candidate => ({ imap: { host, port: 1, security, auth: 'password' }, smtp: { host, port: 2, security, auth: 'password' }, provider: null, savesSent: false });
  it('the first safe step wins; an unsafe one is kept aside, never chosen', async () => {
    const ran: string[] = [];
    const step = (source: 'autoconfig' | 'srv' | 'mx', v: Candidate | null) => ({ source, run: async () => (ran.push(source), v) });
    const r = await firstFound([step('autoconfig', c('plain.test', 'none')), step('srv', c('tls.test', 'tls')), step('mx', c('never.test', 'tls'))], 'a@x.test');
    expect(r).toMatchObject({ ok: true, found: { source: 'srv', imap: { host: 'tls.test' } } });
    expect(ran).toEqual(['autoconfig', 'srv']);
    const only = await firstFound([step('autoconfig', c('plain.test', 'none')), step('srv', null)], 'a@x.test');
    expect(only).toMatchObject({ ok: false, insecure: { source: 'autoconfig' } });
    expect(!only.ok && only.error).toMatch(/without encryption/);
  });
});
