// Set-up from the address alone (issue 12 §2): the I/O half. DNS (SRV, MX), HTTPS (autoconfig) and TCP/TLS probes
// are done here and their raw answers handed to the pure decisions in shared/accounts/.
//
// For tests only, the resolver and the autoconfig base are configurable: `dnsServer` ("HOST:PORT") sends every DNS
// query of the run there (SRV, MX and the address lookups of the HTTP fetches and probes), and `autoconfigBase`
// (or CONVENE_AUTOCONFIG_BASE) fetches the two autoconfig URLs from that base with the real Host header, as a
// virtual-hosting web server would see them. Defaults are the system's resolver and https://.
import { promises as dnsp, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { parseAutoconfig, MAX_AUTOCONFIG_BYTES } from './autoconfig';
import {
  bundledCandidate,
  firstFound,
  mxCandidate,
  probeCandidate,
  probePlan,
  splitAddress,
  srvCandidate,
  STANDARD_PORTS,
  type Candidate,
  type DiscoveryOutcome,
  type MxRecord,
  type ProbePorts,
  type ProbeTarget,
  type SrvRecord,
} from '../../shared/accounts/discovery';

export interface DiscoverOptions {
  /** "HOST:PORT" of the DNS server every query of this run goes to (default: the system's). */
  dnsServer?: string;
  /** false: skip step 5 (no connection to any mail server). */
  probe?: boolean;
  /** Tests: fetch autoconfig files from this base (http://127.0.0.1:PORT) with the real Host header. */
  autoconfigBase?: string;
  /** Tests: probe these ports instead of 993/143/465/587. */
  probePorts?: ProbePorts;
  /** Tests: extra TLS options for probes (a test CA). Certificates are always checked. */
  tls?: tls.ConnectionOptions;
  /** Per network operation (default 6 s). */
  timeoutMs?: number;
}

type LookupCb = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A dns.lookup replacement that asks `resolver` (A, then AAAA), for sockets of a run with --dns-server. */
function lookupVia(resolver: dnsp.Resolver) {
  return (hostname: string, options: { all?: boolean } | number | LookupCb, cb?: LookupCb): void => {
    const done = (typeof options === 'function' ? options : cb)!;
    const all = typeof options === 'object' && options !== null && options.all === true;
    if (net.isIP(hostname)) {
      const family = net.isIP(hostname);
      return all ? done(null, [{ address: hostname, family }]) : done(null, hostname, family);
    }
    (async () => {
      // A and AAAA at once: a server that never answers one type costs one timeout, not two.
      const [v4, v6] = await Promise.all([resolver.resolve4(hostname).catch(() => [] as string[]), resolver.resolve6(hostname).catch(() => [] as string[])]);
      const list: LookupAddress[] = [...v4.map((address) => ({ address, family: 4 })), ...v6.map((address) => ({ address, family: 6 }))];
      if (!list.length) {
        const e = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }) as NodeJS.ErrnoException;
        return done(e, all ? [] : '');
      }
      if (all) done(null, list);
      else done(null, list[0]!.address, list[0]!.family);
    })().catch((err: NodeJS.ErrnoException) => done(err, all ? [] : ''));
  };
}

export function makeResolver(dnsServer?: string, timeoutMs = 6000): dnsp.Resolver {
  const r = new dnsp.Resolver({ timeout: Math.min(timeoutMs, 1500), tries: 2 });
  if (dnsServer) r.setServers([dnsServer]);
  return r;
}

/** GET a small text body; null on any failure (not found, refused, TLS error, too large, timeout). */
function fetchText(url: URL, opts: { lookup?: ReturnType<typeof lookupVia>; hostHeader?: string; timeoutMs: number }): Promise<string | null> {
  return new Promise((resolve) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(
      url,
      {
        method: 'GET',
        headers: { accept: 'application/xml, text/xml', ...(opts.hostHeader ? { host: opts.hostHeader } : {}) },
        timeout: opts.timeoutMs,
        ...(opts.lookup ? { lookup: opts.lookup as never } : {}),
      },
      (res) => {
        // No redirects: a config file is served where it is asked for (a redirect could lead anywhere).
        if (res.statusCode !== 200) {
          res.resume();
          return resolve(null);
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_AUTOCONFIG_BYTES) {
            req.destroy();
            resolve(null);
          } else chunks.push(c);
        });
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', () => resolve(null));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

async function autoconfigStep(email: string, domain: string, o: DiscoverOptions, lookup: ReturnType<typeof lookupVia> | undefined, timeoutMs: number): Promise<Candidate | null> {
  const q = `?emailaddress=${encodeURIComponent(email)}`;
  const base = o.autoconfigBase ?? process.env.CONVENE_AUTOCONFIG_BASE;
  const urls: { url: URL; host?: string }[] = base
    ? [
        { url: new URL(`/mail/config-v1.1.xml${q}`, base), host: `autoconfig.${domain}` },
        { url: new URL(`/.well-known/autoconfig/mail/config-v1.1.xml${q}`, base), host: domain },
      ]
    : [{ url: new URL(`https://autoconfig.${domain}/mail/config-v1.1.xml${q}`) }, { url: new URL(`https://${domain}/.well-known/autoconfig/mail/config-v1.1.xml${q}`) }];
  // Both fetched at once (a domain without either costs one timeout, not two); the first URL is preferred.
  const bodies = await Promise.all(urls.map((u) => fetchText(u.url, { ...(lookup ? { lookup } : {}), ...(u.host ? { hostHeader: u.host } : {}), timeoutMs })));
  for (const body of bodies) {
    if (body === null) continue;
    const r = parseAutoconfig(body, email);
    if (r.ok && (r.candidate || r.insecure)) return r.candidate ?? r.insecure;
  }
  return null;
}

async function srvStep(domain: string, resolver: dnsp.Resolver): Promise<Candidate | null> {
  const q = (name: string): Promise<SrvRecord[]> => resolver.resolveSrv(`${name}._tcp.${domain}`).catch(() => []);
  const [imaps, imap, submissions, submission] = await Promise.all([q('_imaps'), q('_imap'), q('_submissions'), q('_submission')]);
  return srvCandidate({ imaps, imap, submissions, submission });
}

async function mxStep(domain: string, resolver: dnsp.Resolver): Promise<Candidate | null> {
  const mx: MxRecord[] = await resolver.resolveMx(domain).catch(() => []);
  return mxCandidate(mx);
}

// --- probing -------------------------------------------------------------------------------------------------------

/** Reads CRLF lines from a socket, bounded (a server that floods without line ends is not a mail server). */
function lineReader(sock: net.Socket) {
  let buf = '';
  const waiting: ((line: string | null) => void)[] = [];
  const lines: string[] = [];
  const push = (l: string | null) => (waiting.length ? waiting.shift()!(l) : l !== null && lines.push(l));
  sock.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    if (buf.length > 16_384) return sock.destroy();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      push(buf.slice(0, i).replace(/\r$/, ''));
      buf = buf.slice(i + 1);
    }
  });
  const end = () => {
    while (waiting.length) waiting.shift()!(null);
  };
  sock.on('close', end);
  sock.on('error', end);
  return {
    next: (): Promise<string | null> => (lines.length ? Promise.resolve(lines.shift()!) : sock.destroyed ? Promise.resolve(null) : new Promise((r) => waiting.push(r))),
    detach: () => sock.removeAllListeners('data'),
  };
}

/** SMTP reply: reads continuation lines ("250-") to the last ("250 "); returns its code. */
async function smtpReply(r: ReturnType<typeof lineReader>): Promise<number | null> {
  for (let n = 0; n < 64; n++) {
    const l = await r.next();
    if (l === null) return null;
    if (/^\d{3} /.test(l) || /^\d{3}$/.test(l)) return Number(l.slice(0, 3));
    if (!/^\d{3}-/.test(l)) return null;
  }
  return null;
}

/**
 * Whether `t` is a mail server of its kind reachable with a verified certificate: implicit TLS then the greeting,
 * or the greeting, STARTTLS (RFC 3501 §6.2.1, RFC 3207) and a verified handshake. Never logs in.
 */
export async function probeOne(t: ProbeTarget, o: { lookup?: ReturnType<typeof lookupVia>; tls?: tls.ConnectionOptions; timeoutMs: number }): Promise<boolean> {
  const tlsOpts = (extra: tls.ConnectionOptions): tls.ConnectionOptions => ({ ...o.tls, ...extra, servername: t.host, rejectUnauthorized: true });
  const sockets: net.Socket[] = [];
  const timer = setTimeout(() => sockets[sockets.length - 1]?.destroy(), o.timeoutMs);
  const greetingOk = (l: string | null) => (l !== null && (t.protocol === 'imap' ? /^\* (OK|PREAUTH)\b/i.test(l) : /^220[ -]/.test(l)));
  try {
    if (t.security === 'tls') {
      const s = tls.connect(tlsOpts({ host: t.host, port: t.port, ...(o.lookup ? { lookup: o.lookup as never } : {}) }));
      sockets.push(s);
      const r = lineReader(s);
      const ok = await new Promise<boolean>((res) => {
        s.once('secureConnect', () => res(s.authorized));
        s.once('error', () => res(false));
        s.once('close', () => res(false));
      });
      if (!ok) return false;
      const greet = await r.next();
      // SMTP greetings may span lines (220-…): the first line is enough to know what answers.
      return greetingOk(greet);
    }
    const s = net.connect({ host: t.host, port: t.port, ...(o.lookup ? { lookup: o.lookup as never } : {}) });
    sockets.push(s);
    s.on('error', () => {});
    const r = lineReader(s);
    if (t.protocol === 'imap') {
      if (!greetingOk(await r.next())) return false;
      s.write('C1 STARTTLS\r\n');
      let l: string | null;
      for (let n = 0; n < 16 && (l = await r.next()) !== null; n++) {
        if (l.startsWith('C1 ')) {
          if (!/^C1 OK\b/i.test(l)) return false;
          break;
        }
      }
    } else {
      const code = await smtpReply(r);
      if (code !== 220) return false;
      s.write('EHLO convene.invalid\r\n');
      if ((await smtpReply(r)) !== 250) return false;
      s.write('STARTTLS\r\n');
      if ((await smtpReply(r)) !== 220) return false;
    }
    r.detach();
    const up = tls.connect(tlsOpts({ socket: s }));
    sockets.push(up);
    return await new Promise<boolean>((res) => {
      up.once('secureConnect', () => res(up.authorized));
      up.once('error', () => res(false));
      up.once('close', () => res(false));
    });
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    // Only the outermost socket: destroying a plain socket under a live TLSSocket (after STARTTLS) crashes Node 20
    // (segmentation fault, seen in the probe tests); the TLSSocket destroys the socket it wraps itself.
    sockets[sockets.length - 1]?.destroy();
  }
}

async function probeStep(domain: string, o: DiscoverOptions, lookup: ReturnType<typeof lookupVia> | undefined, timeoutMs: number): Promise<Candidate | null> {
  const plan = probePlan(domain, o.probePorts ?? STANDARD_PORTS);
  const run = (list: ProbeTarget[]) => Promise.all(list.map(async (t) => ((await probeOne(t, { ...(lookup ? { lookup } : {}), ...(o.tls ? { tls: o.tls } : {}), timeoutMs })) ? t : null)));
  const [imap, smtp] = await Promise.all([run(plan.imap), run(plan.smtp)]);
  return probeCandidate(imap, smtp);
}

/** What set-up finds for `address`, trying the five steps in order. */
export async function discover(address: string, o: DiscoverOptions = {}): Promise<DiscoveryOutcome> {
  const a = splitAddress(address);
  if (!a) return { ok: false, error: `${JSON.stringify(address)} is not an email address` };
  const timeoutMs = o.timeoutMs ?? 6000;
  const resolver = makeResolver(o.dnsServer, timeoutMs);
  const lookup = o.dnsServer ? lookupVia(resolver) : undefined;
  return firstFound(
    [
      { source: 'bundled', run: async () => bundledCandidate(a.domain) },
      { source: 'autoconfig', run: () => autoconfigStep(a.email, a.domain, o, lookup, timeoutMs) },
      { source: 'srv', run: () => srvStep(a.domain, resolver) },
      { source: 'mx', run: () => mxStep(a.domain, resolver) },
      ...(o.probe === false ? [] : [{ source: 'probe' as const, run: () => probeStep(a.domain, o, lookup, timeoutMs) }]),
    ],
    a.email,
  );
}
