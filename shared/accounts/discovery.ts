// Set-up from the address alone (issue 12 §2): the pure decisions. The I/O (DNS, HTTP, probing sockets) lives in
// electron/accounts/discover.ts and hands its raw answers to these functions; nothing here touches the network.
//
// Order, as Thunderbird: bundled table → autoconfig file → DNS SRV (RFC 6186, RFC 8314) → MX host of a known
// provider → probing imap./mail./smtp. hosts. The first step that yields both an IMAP and an SMTP server wins.
// A configuration that would send a password without TLS is never chosen automatically: it is kept aside as
// `insecure` so the set-up screen can show it with a warning.
import type { Security } from '../api';
import { providerForDomain, providerForHost, type DiscoveredServer, type ProviderEntry } from './providers';

export type DiscoverySource = 'bundled' | 'autoconfig' | 'srv' | 'mx' | 'probe';

/** One complete configuration found by one step. */
export interface Candidate {
  imap: DiscoveredServer;
  smtp: DiscoveredServer;
  /** Provider id (providers.ts) or the autoconfig file's provider id; null when unknown. */
  provider: string | null;
  /** Login names for each server (autoconfig may say "%EMAILLOCALPART%"); default: the address. */
  imapUser?: string;
  smtpUser?: string;
  /** Whether the provider files sent mail itself (bundled table only; false when unknown). */
  savesSent: boolean;
  /** OAuth2: the built-in provider, or an issuer URL from the autoconfig file's <oAuth2> element. */
  oauth?: { provider: 'google' | 'microsoft' } | { issuer: string; scope?: string };
}

export interface Discovery extends Candidate {
  source: DiscoverySource;
}

/** What discovery found: a configuration, or nothing (with the insecure one it refused, if any). */
export type DiscoveryOutcome =
  | { ok: true; found: Discovery }
  | { ok: false; error: string; insecure?: Discovery };

/** The JSON `convene discover` prints (issue 12 §2): exactly these keys. */
export function discoveryJson(d: Discovery): { imap: DiscoveredServer; smtp: DiscoveredServer; provider: string | null; source: DiscoverySource } {
  const s = (x: DiscoveredServer): DiscoveredServer => ({ host: x.host, port: x.port, security: x.security, auth: x.auth });
  return { imap: s(d.imap), smtp: s(d.smtp), provider: d.provider, source: d.source };
}

// --- the address ---------------------------------------------------------------------------------------------------

const HOST_RE = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** A DNS host name (letters, digits, hyphens; labels ≤ 63; no trailing dot), lower-cased; null otherwise. */
export function cleanHost(h: unknown): string | null {
  if (typeof h !== 'string') return null;
  const v = h.trim().toLowerCase().replace(/\.$/, '');
  return HOST_RE.test(v) ? v : null;
}

/** local@domain with a host-name domain, lower-cased domain; null when it is not such an address. */
export function splitAddress(address: string): { local: string; domain: string; email: string } | null {
  const a = address.trim();
  const at = a.lastIndexOf('@');
  if (at <= 0 || at === a.length - 1) return null;
  const local = a.slice(0, at);
  if (/[\s<>()",;:\\]/.test(local)) return null;
  const domain = cleanHost(a.slice(at + 1));
  if (!domain || !domain.includes('.')) return null;
  return { local, domain, email: `${local}@${domain}` };
}

/** Never send a password in the clear: only TLS or (required) STARTTLS carry one (RFC 8314 §3, §4). */
export function sendsPasswordInClear(s: DiscoveredServer): boolean {
  return s.security === 'none' && s.auth === 'password';
}

export function isSafe(c: Candidate): boolean {
  return !sendsPasswordInClear(c.imap) && !sendsPasswordInClear(c.smtp);
}

// --- step 1: the bundled table -------------------------------------------------------------------------------------

export function fromProvider(p: ProviderEntry): Candidate {
  return {
    imap: { ...p.imap },
    smtp: { ...p.smtp },
    provider: p.id,
    savesSent: p.savesSent,
    ...(p.oauth ? { oauth: { provider: p.oauth } } : {}),
  };
}

export function bundledCandidate(domain: string): Candidate | null {
  const p = providerForDomain(domain);
  return p ? fromProvider(p) : null;
}

// --- step 3: DNS SRV (RFC 6186, RFC 8314) --------------------------------------------------------------------------

/** A SRV record as node's resolveSrv returns it. */
export interface SrvRecord {
  priority: number;
  weight: number;
  port: number;
  name: string;
}

/** The records of the four services, as found (missing service: empty list). */
export interface SrvAnswers {
  imaps: SrvRecord[];
  imap: SrvRecord[];
  submissions: SrvRecord[];
  submission: SrvRecord[];
}

/** At most this many records of one service are looked at (a hostile zone can return hundreds). */
const MAX_SRV = 32;

/**
 * The best server among the implicit-TLS and the STARTTLS service records of one kind.
 *
 * - RFC 2782: a single record with target "." means the service is decidedly not available; such records are
 *   dropped (node returns the target as "" or ".").
 * - Lowest priority first (RFC 2782). Within one priority, implicit TLS before STARTTLS (RFC 8314 §3: prefer
 *   implicit TLS; RFC 6186 §3.4 leaves the choice between the two to the client), then the highest weight: the
 *   weighted random pick of RFC 2782 is for spreading load over many clients; a client saving one configuration
 *   takes the heaviest target, so the result is reproducible.
 * - `_imap` and `_submission` are taken as STARTTLS, which the connection then requires (never plaintext).
 */
export function chooseSrv(tlsRecords: SrvRecord[], starttlsRecords: SrvRecord[], auth: 'password' = 'password'): DiscoveredServer | null {
  type R = { rec: SrvRecord; security: Security; host: string };
  const usable: R[] = [];
  const add = (list: SrvRecord[], security: Security) => {
    for (const rec of list.slice(0, MAX_SRV)) {
      const host = cleanHost(rec.name);
      if (!host || host === '') continue; // "." (not offered) and anything that is not a host name
      if (!Number.isInteger(rec.port) || rec.port < 1 || rec.port > 65535) continue;
      usable.push({ rec, security, host });
    }
  };
  add(tlsRecords, 'tls');
  add(starttlsRecords, 'starttls');
  usable.sort((a, b) => a.rec.priority - b.rec.priority || (a.security === b.security ? 0 : a.security === 'tls' ? -1 : 1) || b.rec.weight - a.rec.weight || a.host.localeCompare(b.host));
  const best = usable[0];
  return best ? { host: best.host, port: best.rec.port, security: best.security, auth } : null;
}

/** Step 3's candidate: both an IMAP and a submission server, or nothing. A known provider's host keeps its OAuth2. */
export function srvCandidate(a: SrvAnswers): Candidate | null {
  const imap = chooseSrv(a.imaps, a.imap);
  const smtp = chooseSrv(a.submissions, a.submission);
  if (!imap || !smtp) return null;
  const p = providerForHost(imap.host);
  if (p?.oauth) {
    imap.auth = p.imap.auth;
    smtp.auth = p.smtp.auth;
  }
  return { imap, smtp, provider: p?.id ?? null, savesSent: p?.savesSent ?? false, ...(p?.oauth ? { oauth: { provider: p.oauth } } : {}) };
}

// --- step 4: MX ----------------------------------------------------------------------------------------------------

export interface MxRecord {
  priority: number;
  exchange: string;
}

/** The known provider hosting a custom domain's mail, by its most preferred MX host (RFC 5321 §5.1). */
export function mxCandidate(records: MxRecord[]): Candidate | null {
  const sorted = records
    .slice(0, MAX_SRV)
    .map((r) => ({ priority: r.priority, host: cleanHost(r.exchange) }))
    .filter((r): r is { priority: number; host: string } => r.host !== null)
    .sort((a, b) => a.priority - b.priority || a.host.localeCompare(b.host));
  for (const r of sorted) {
    const p = providerForHost(r.host);
    if (p) return fromProvider(p);
  }
  return null;
}

// --- step 5: probing -----------------------------------------------------------------------------------------------

/** What the probe tries, in order: TLS first (RFC 8314 §3), then STARTTLS; imap./mail. and smtp./mail. hosts. */
export function probePlan(domain: string, ports: ProbePorts = STANDARD_PORTS): { imap: ProbeTarget[]; smtp: ProbeTarget[] } {
  const t = (host: string, port: number, security: Security, protocol: 'imap' | 'smtp'): ProbeTarget => ({ host, port, security, protocol });
  return {
    imap: [t(`imap.${domain}`, ports.imaps, 'tls', 'imap'), t(`mail.${domain}`, ports.imaps, 'tls', 'imap'), t(`imap.${domain}`, ports.imap, 'starttls', 'imap'), t(`mail.${domain}`, ports.imap, 'starttls', 'imap')],
    smtp: [t(`smtp.${domain}`, ports.submissions, 'tls', 'smtp'), t(`mail.${domain}`, ports.submissions, 'tls', 'smtp'), t(`smtp.${domain}`, ports.submission, 'starttls', 'smtp'), t(`mail.${domain}`, ports.submission, 'starttls', 'smtp')],
  };
}

export interface ProbeTarget {
  host: string;
  port: number;
  security: Security;
  protocol: 'imap' | 'smtp';
}

export interface ProbePorts {
  imaps: number;
  imap: number;
  submissions: number;
  submission: number;
}

/** RFC 8314 §7.3 (993, 465) and RFC 3501 / RFC 6409 (143, 587). */
export const STANDARD_PORTS: ProbePorts = { imaps: 993, imap: 143, submissions: 465, submission: 587 };

/** The first target of each list that answered (results in plan order). */
export function probeCandidate(imapOk: (ProbeTarget | null)[], smtpOk: (ProbeTarget | null)[]): Candidate | null {
  const imap = imapOk.find((x): x is ProbeTarget => x !== null);
  const smtp = smtpOk.find((x): x is ProbeTarget => x !== null);
  if (!imap || !smtp) return null;
  const s = (t: ProbeTarget): DiscoveredServer => ({ host: t.host, port: t.port, security: t.security, auth: 'password' });
  return { imap: s(imap), smtp: s(smtp), provider: null, savesSent: false };
}

// --- the whole order -----------------------------------------------------------------------------------------------

/**
 * Runs the steps in order (each a thunk doing its own I/O), returning the first safe candidate. An unsafe one
 * (password in the clear) is remembered, never returned as found.
 */
export async function firstFound(steps: { source: DiscoverySource; run: () => Promise<Candidate | null> }[], address: string): Promise<DiscoveryOutcome> {
  let insecure: Discovery | undefined;
  for (const step of steps) {
    const c = await step.run();
    if (!c) continue;
    const d: Discovery = { ...c, source: step.source };
    if (isSafe(c)) return { ok: true, found: d };
    insecure ??= d;
  }
  return insecure
    ? { ok: false, error: `Only a configuration that sends the password without encryption was found for ${address}: enter the settings by hand`, insecure }
    : { ok: false, error: `No mail server settings were found for ${address}: enter them by hand` };
}
