// Thunderbird's autoconfig file (config-v1.1.xml; https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat),
// set-up step 2. The file comes from the network, so it is hostile input: size-capped, validated by a real XML
// parser (fast-xml-parser), no DTD (so no entity expansion), every host and port checked, and a server that would
// take a password without TLS is reported as insecure, never chosen.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Security } from '../../shared/api';
import { cleanHost, type Candidate } from '../../shared/accounts/discovery';
import { providerForHost, type AuthMethod, type DiscoveredServer } from '../../shared/accounts/providers';

/** Config files are a few KB; anything bigger is not one. */
export const MAX_AUTOCONFIG_BYTES = 128 * 1024;

interface ServerXml {
  '@_type'?: string;
  hostname?: unknown;
  port?: unknown;
  socketType?: unknown;
  authentication?: unknown[];
  username?: unknown;
}

const SOCKET: Record<string, Security> = { SSL: 'tls', STARTTLS: 'starttls', plain: 'none' };

/** Thunderbird's placeholders (ConfigFileFormat "Placeholders"). */
function fill(text: string, email: string): string {
  const at = email.lastIndexOf('@');
  return text
    .replace(/%EMAILADDRESS%/g, email)
    .replace(/%EMAILLOCALPART%/g, email.slice(0, at))
    .replace(/%EMAILDOMAIN%/g, email.slice(at + 1));
}

function text(v: unknown): string | null {
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number') return String(v);
  return null;
}

/** The auth method for a server's <authentication> list, in the file's order of preference. */
function authOf(list: unknown[], oauthKnown: boolean): AuthMethod | null {
  for (const a of list.map(text)) {
    if (a === 'password-cleartext' || a === 'password-encrypted' || a === 'plain' || a === 'secure') return 'password';
    if (a === 'OAuth2' && oauthKnown) return 'oauth2';
  }
  return null;
}

function server(s: ServerXml, email: string, oauthKnown: boolean): { server: DiscoveredServer; user: string } | null {
  const host = cleanHost(fill(text(s.hostname) ?? '', email));
  const port = Number(text(s.port));
  const security = SOCKET[text(s.socketType) ?? ''];
  const auth = authOf(s.authentication ?? [], oauthKnown);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535 || !security || !auth) return null;
  const user = fill(text(s.username) ?? '%EMAILADDRESS%', email);
  return { server: { host, port, security, auth }, user };
}

export type AutoconfigResult = { ok: true; candidate: Candidate | null; insecure: Candidate | null } | { ok: false; reason: string };

/**
 * Parses one config file for `email`. Picks, in the file's order, the first IMAP incoming server and the first SMTP
 * outgoing server that do not take a password in the clear; the first pair overall is kept as `insecure` when the
 * only servers offered are plaintext. POP3-only files give no candidate.
 */
export function parseAutoconfig(xml: string, email: string): AutoconfigResult {
  if (xml.length > MAX_AUTOCONFIG_BYTES) return { ok: false, reason: 'the file is too large to be a config file' };
  // No DTD at all: a config file never needs one, and a DTD is how entity-expansion attacks arrive.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return { ok: false, reason: 'the file has a DTD' };
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return { ok: false, reason: `not well-formed XML: ${valid.err.msg} (line ${valid.err.line})` };
  let doc: { clientConfig?: { emailProvider?: { '@_id'?: string; incomingServer?: ServerXml[]; outgoingServer?: ServerXml[] }[]; oAuth2?: { issuer?: unknown; scope?: unknown } } };
  try {
    doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@_',
      parseTagValue: false,
      processEntities: true,
      htmlEntities: false,
      isArray: (name) => ['emailProvider', 'incomingServer', 'outgoingServer', 'authentication'].includes(name),
    }).parse(xml) as typeof doc;
  } catch (err) {
    return { ok: false, reason: `not a config file: ${(err as Error).message}` };
  }
  const cfg = doc.clientConfig;
  const provider = cfg?.emailProvider?.[0];
  if (!cfg || !provider) return { ok: false, reason: 'no <clientConfig><emailProvider> in the file' };

  const issuer = text(cfg.oAuth2?.issuer);
  // https only, except an issuer on this machine (a local identity provider, the tests), as in oauth.ts.
  const issuerUrl = issuer && (/^https:\/\//i.test(issuer) || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/i.test(issuer)) ? issuer : null;
  const imapXml = (provider.incomingServer ?? []).filter((s) => s['@_type'] === 'imap');
  const smtpXml = (provider.outgoingServer ?? []).filter((s) => s['@_type'] === 'smtp');
  const builtIn = (host: string) => providerForHost(host)?.oauth;
  const parseAll = (list: ServerXml[]) =>
    list.slice(0, 16).map((s) => {
      const host = cleanHost(fill(text(s.hostname) ?? '', email));
      return server(s, email, Boolean(issuerUrl) || Boolean(host && builtIn(host)));
    }).filter((x): x is { server: DiscoveredServer; user: string } => x !== null);
  const imaps = parseAll(imapXml);
  const smtps = parseAll(smtpXml);
  if (!imaps.length || !smtps.length) return { ok: true, candidate: null, insecure: null };

  const clear = (x: { server: DiscoveredServer }) => x.server.security === 'none' && x.server.auth === 'password';
  const make = (i: (typeof imaps)[number], o: (typeof smtps)[number]): Candidate => {
    const p = providerForHost(i.server.host);
    const oauthProvider = i.server.auth === 'oauth2' ? (p?.oauth ? { provider: p.oauth } : issuerUrl ? { issuer: issuerUrl, ...(text(cfg.oAuth2?.scope) ? { scope: text(cfg.oAuth2?.scope)! } : {}) } : undefined) : undefined;
    return {
      imap: i.server,
      smtp: o.server,
      provider: text(provider['@_id']) ? cleanHost(text(provider['@_id'])) : null,
      imapUser: i.user,
      smtpUser: o.user,
      savesSent: false,
      ...(oauthProvider ? { oauth: oauthProvider } : {}),
    };
  };
  const si = imaps.find((x) => !clear(x));
  const so = smtps.find((x) => !clear(x));
  return { ok: true, candidate: si && so ? make(si, so) : null, insecure: si && so ? null : make(imaps[0]!, smtps[0]!) };
}
