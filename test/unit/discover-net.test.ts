// Set-up from the address against real servers on loopback (issue 12 §2): a DNS server (dns2) serving SRV, MX and
// A records, an HTTP server serving autoconfig files by virtual host, TLS and STARTTLS mail servers with a test CA
// for the probe, and `convene discover` run as a subprocess with --dns-server.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import tls from 'node:tls';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discover } from '../../electron/accounts/discover';
import { startAutoconfigServer, type AutoconfigServer } from '../servers/autoconfig-server';
import { startDnsServer, type TestDnsServer, type Zone } from '../servers/dns-server';

const root = resolve(__dirname, '../..');
let dns: TestDnsServer;
let web: AutoconfigServer;
let dir: string;
let ca: string;
let imapTls: tls.Server;
let smtp: SMTPServer;
let ports: { imaps: number; imap: number; submissions: number; submission: number };

const AUTOCONFIG = `<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="auto.test"><domain>auto.test</domain>
<incomingServer type="imap"><hostname>imap.auto.test</hostname><port>993</port><socketType>SSL</socketType><authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username></incomingServer>
<outgoingServer type="smtp"><hostname>smtp.auto.test</hostname><port>465</port><socketType>SSL</socketType><authentication>password-cleartext</authentication><username>%EMAILADDRESS%</username></outgoingServer>
</emailProvider></clientConfig>`;
const WELLKNOWN = AUTOCONFIG.replace(/auto\.test/g, 'wk.test');
const PLAINTEXT = AUTOCONFIG.replace(/auto\.test/g, 'plain.test').replace(/SSL/g, 'plain');

const ZONE: Zone = {
  // SRV: _imaps says "." (not offered), _imap is offered (STARTTLS); two submissions, priority decides.
  '_imaps._tcp.srv.test': [{ type: 'SRV', priority: 0, weight: 0, port: 0, target: '.' }],
  '_imap._tcp.srv.test': [{ type: 'SRV', priority: 10, weight: 1, port: 143, target: 'mail.srv.test' }],
  '_submissions._tcp.srv.test': [
    { type: 'SRV', priority: 20, weight: 1, port: 465, target: 'backup.srv.test' },
    { type: 'SRV', priority: 5, weight: 1, port: 465, target: 'smtp.srv.test' },
  ],
  // A custom domain hosted by Google, known only from its MX.
  'workspace.test': [
    { type: 'MX', priority: 1, exchange: 'aspmx.l.google.com' },
    { type: 'MX', priority: 5, exchange: 'alt1.aspmx.l.google.com' },
  ],
  'hosted365.test': [{ type: 'MX', priority: 0, exchange: 'hosted365-test.mail.protection.outlook.com' }],
  'nothing.test': [{ type: 'MX', priority: 10, exchange: 'mx.nothing.test' }],
  // Probed domains: every host on loopback.
  'imap.probe.test': [{ type: 'A', address: '127.0.0.1' }],
  'mail.probe.test': [{ type: 'A', address: '127.0.0.1' }],
  'smtp.probe.test': [{ type: 'A', address: '127.0.0.1' }],
  'imap.badcert.test': [{ type: 'A', address: '127.0.0.1' }],
  'smtp.badcert.test': [{ type: 'A', address: '127.0.0.1' }],
};

function makeCerts(d: string): { ca: string; key: string; cert: string } {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Convene test CA');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=probe.test');
  writeFileSync(join(d, 'san.ext'), 'subjectAltName=DNS:imap.probe.test,DNS:mail.probe.test,DNS:smtp.probe.test\n');
  run('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '2', '-extfile', 'san.ext');
  return { ca: readFileSync(join(d, 'ca.pem'), 'utf8'), key: readFileSync(join(d, 'leaf.key'), 'utf8'), cert: readFileSync(join(d, 'leaf.pem'), 'utf8') };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'convene-discover-'));
  const certs = makeCerts(dir);
  ca = certs.ca;
  dns = await startDnsServer(ZONE);
  web = await startAutoconfigServer({
    'autoconfig.auto.test/mail/config-v1.1.xml': AUTOCONFIG,
    'wk.test/.well-known/autoconfig/mail/config-v1.1.xml': WELLKNOWN,
    'autoconfig.plain.test/mail/config-v1.1.xml': PLAINTEXT,
  });
  // IMAP over implicit TLS: greets after the handshake.
  imapTls = tls.createServer({ key: certs.key, cert: certs.cert }, (s) => {
    s.on('error', () => {});
    s.end('* OK [CAPABILITY IMAP4rev1] test ready\r\n');
  });
  await new Promise<void>((r) => imapTls.listen(0, '127.0.0.1', r));
  // A real SMTP server offering STARTTLS (RFC 3207) with the test certificate.
  smtp = new SMTPServer({ key: certs.key, cert: certs.cert, authOptional: true, logger: false, onData: (s, _x, cb) => (s.resume(), s.on('end', () => cb())) });
  smtp.on('error', () => {});
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  const closed = 1; // tcpmux: nothing listens on port 1 here (connection refused)
  ports = { imaps: (imapTls.address() as AddressInfo).port, imap: closed, submissions: closed, submission: (smtp.server.address() as AddressInfo).port };
  const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--cli'], { cwd: root, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
});

afterAll(async () => {
  await dns?.stop();
  await web?.stop();
  await new Promise<void>((r) => (imapTls ? imapTls.close(() => r()) : r()));
  await new Promise<void>((r) => (smtp ? smtp.close(() => r()) : r()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const opts = () => ({ dnsServer: dns.address, autoconfigBase: web.base, probePorts: ports, tls: { ca }, timeoutMs: 4000 });

describe('discovery against real DNS and HTTP servers', () => {
  it('autoconfig from autoconfig.<domain>, with the Host header of the domain', async () => {
    const r = await discover('ann@auto.test', { ...opts(), probe: false });
    expect(r).toMatchObject({ ok: true, found: { source: 'autoconfig', provider: 'auto.test', imap: { host: 'imap.auto.test', port: 993, security: 'tls', auth: 'password' } } });
    expect(web.requests.some((q) => q.startsWith('autoconfig.auto.test /mail/config-v1.1.xml?emailaddress=ann%40auto.test'))).toBe(true);
  });

  it('autoconfig from <domain>/.well-known/autoconfig/', async () => {
    const r = await discover('ann@wk.test', { ...opts(), probe: false });
    expect(r).toMatchObject({ ok: true, found: { source: 'autoconfig', smtp: { host: 'smtp.wk.test', port: 465 } } });
  });

  it('SRV: "." means not offered, lowest priority wins', async () => {
    const r = await discover('ann@srv.test', { ...opts(), probe: false });
    expect(r).toMatchObject({ ok: true, found: { source: 'srv', imap: { host: 'mail.srv.test', port: 143, security: 'starttls' }, smtp: { host: 'smtp.srv.test', port: 465, security: 'tls' } } });
  });

  it('MX of a known provider gives its servers and OAuth2', async () => {
    expect(await discover('ann@workspace.test', { ...opts(), probe: false })).toMatchObject({ ok: true, found: { source: 'mx', provider: 'google', imap: { auth: 'oauth2' } } });
    expect(await discover('ann@hosted365.test', { ...opts(), probe: false })).toMatchObject({ ok: true, found: { source: 'mx', provider: 'microsoft' } });
  });

  it('probe: TLS IMAP and STARTTLS submission with verified certificates', async () => {
    const r = await discover('ann@probe.test', opts());
    expect(r).toMatchObject({ ok: true, found: { source: 'probe', imap: { host: 'imap.probe.test', port: ports.imaps, security: 'tls' }, smtp: { host: 'smtp.probe.test', port: ports.submission, security: 'starttls' } } });
  });

  it('probe refuses servers whose certificate does not match the host name', async () => {
    const r = await discover('ann@badcert.test', opts());
    expect(r).toMatchObject({ ok: false });
  });

  it('a plaintext-only autoconfig is never chosen', async () => {
    const r = await discover('ann@plain.test', { ...opts(), probe: false });
    expect(r).toMatchObject({ ok: false, insecure: { source: 'autoconfig', imap: { security: 'none' } } });
  });
});

describe('convene discover (subprocess)', () => {
  // Asynchronous: the DNS and HTTP servers answer from this process's event loop.
  const convene = (...args: string[]) =>
    new Promise<{ code: number | null; out: string; err: string }>((done) => {
      const c = spawn(process.execPath, [join(root, 'bin/convene.mjs'), 'discover', ...args], { env: { ...process.env, CONVENE_AUTOCONFIG_BASE: web.base } });
      let out = '';
      let err = '';
      c.stdout.on('data', (d) => (out += d));
      c.stderr.on('data', (d) => (err += d));
      c.on('close', (code) => done({ code, out, err }));
    });

  it('prints the SRV result with exactly {imap, smtp, provider, source}; every DNS query went to --dns-server', async () => {
    dns.questions.length = 0;
    const r = await convene('ann@srv.test', '--dns-server', dns.address, '--no-probe');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      imap: { host: 'mail.srv.test', port: 143, security: 'starttls', auth: 'password' },
      smtp: { host: 'smtp.srv.test', port: 465, security: 'tls', auth: 'password' },
      provider: null,
      source: 'srv',
    });
    expect(dns.questions).toContain('_imaps._tcp.srv.test SRV');
    expect(dns.questions).toContain('_submission._tcp.srv.test SRV');
  });

  it('MX-mapped provider and bundled provider', async () => {
    expect(JSON.parse((await convene('ann@workspace.test', '--dns-server', dns.address, '--no-probe')).out)).toMatchObject({ provider: 'google', source: 'mx', smtp: { host: 'smtp.gmail.com', auth: 'oauth2' } });
    expect(JSON.parse((await convene('ann@outlook.com', '--no-probe')).out)).toMatchObject({ provider: 'microsoft', source: 'bundled' });
  });

  it('{error} and exit 1 when nothing is found; exit 2 on usage errors', async () => {
    const r = await convene('ann@nothing.test', '--dns-server', dns.address, '--no-probe');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toEqual({ error: expect.stringMatching(/No mail server settings were found for ann@nothing\.test/) });
    expect((await convene('not-an-address', '--no-probe')).code).toBe(1);
    expect((await convene('ann@x.test', '--dns-server', 'nonsense')).code).toBe(2);
    expect((await convene()).code).toBe(2);
  });
});
