// The large mail providers, bundled with the app (set-up step 1, issue 12 §2): their servers, ports, security, how
// they log in and whether they file sent mail themselves (then Convene does not APPEND to Sent). A custom domain is
// matched to one of them through its MX hosts (step 4): a Google Workspace or Microsoft 365 domain gets the same
// servers and OAuth2 sign-in as gmail.com / outlook.com.
//
// Sources: each provider's own IMAP/SMTP help pages and Thunderbird's ISPDB (autoconfig.thunderbird.net/v1.1/).
import type { Security } from '../api';

/** How a server takes the user's credentials: a password (or app password), or an OAuth2 access token (RFC 7628). */
export type AuthMethod = 'password' | 'oauth2';

/** One server as discovery reports it (`convene discover` prints exactly these four fields). */
export interface DiscoveredServer {
  host: string;
  port: number;
  security: Security;
  auth: AuthMethod;
}

export interface ProviderEntry {
  /** Stable id printed by `convene discover` as `provider`. */
  id: string;
  name: string;
  /** Address domains served by the provider (lower case). */
  domains: readonly string[];
  /** MX host suffixes that identify a custom domain hosted by the provider (lower case, no trailing dot). */
  mxSuffixes: readonly string[];
  imap: DiscoveredServer;
  smtp: DiscoveredServer;
  /** The provider files submitted mail in Sent itself (Gmail, Exchange): appending would make a duplicate. */
  savesSent: boolean;
  /** The built-in OAuth2 provider (oauth-providers.ts) when auth is 'oauth2'. */
  oauth?: 'google' | 'microsoft';
}

const tls = (host: string, port: number, auth: AuthMethod = 'password'): DiscoveredServer => ({ host, port, security: 'tls', auth });
const starttls = (host: string, port: number, auth: AuthMethod = 'password'): DiscoveredServer => ({ host, port, security: 'starttls', auth });

export const PROVIDERS: readonly ProviderEntry[] = [
  {
    // Gmail and Google Workspace: passwords only as app passwords behind 2-step verification, so OAuth2.
    id: 'google',
    name: 'Google',
    domains: ['gmail.com', 'googlemail.com'],
    mxSuffixes: ['google.com', 'googlemail.com'],
    imap: tls('imap.gmail.com', 993, 'oauth2'),
    smtp: tls('smtp.gmail.com', 465, 'oauth2'),
    savesSent: true,
    oauth: 'google',
  },
  {
    // Outlook.com / Hotmail / Live and Microsoft 365: basic authentication is switched off, OAuth2 only.
    id: 'microsoft',
    name: 'Microsoft',
    domains: [
      'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'passport.com',
      'outlook.de', 'outlook.fr', 'outlook.es', 'outlook.it', 'outlook.jp', 'outlook.co.uk',
      'hotmail.co.uk', 'hotmail.fr', 'hotmail.de', 'hotmail.it', 'hotmail.es', 'live.co.uk', 'live.fr', 'live.de', 'live.nl',
    ],
    mxSuffixes: ['protection.outlook.com', 'olc.protection.outlook.com'],
    imap: tls('outlook.office365.com', 993, 'oauth2'),
    smtp: starttls('smtp.office365.com', 587, 'oauth2'),
    savesSent: true,
    oauth: 'microsoft',
  },
  {
    id: 'yahoo',
    name: 'Yahoo',
    domains: ['yahoo.com', 'ymail.com', 'rocketmail.com', 'yahoo.co.uk', 'yahoo.fr', 'yahoo.de', 'yahoo.es', 'yahoo.it', 'yahoo.co.jp', 'yahoo.com.br'],
    mxSuffixes: ['yahoodns.net'],
    imap: tls('imap.mail.yahoo.com', 993),
    smtp: tls('smtp.mail.yahoo.com', 465),
    savesSent: false,
  },
  {
    id: 'aol',
    name: 'AOL',
    domains: ['aol.com', 'aim.com'],
    mxSuffixes: [],
    imap: tls('imap.aol.com', 993),
    smtp: tls('smtp.aol.com', 465),
    savesSent: false,
  },
  {
    // iCloud needs an app-specific password (appleid.apple.com).
    id: 'icloud',
    name: 'iCloud',
    domains: ['icloud.com', 'me.com', 'mac.com'],
    mxSuffixes: ['mail.icloud.com'],
    imap: tls('imap.mail.me.com', 993),
    smtp: starttls('smtp.mail.me.com', 587),
    savesSent: false,
  },
  {
    id: 'fastmail',
    name: 'Fastmail',
    domains: ['fastmail.com', 'fastmail.fm', 'fastmail.net', 'fastmail.org', 'fastmail.to', 'messagingengine.com'],
    mxSuffixes: ['messagingengine.com'],
    imap: tls('imap.fastmail.com', 993),
    smtp: tls('smtp.fastmail.com', 465),
    savesSent: false,
  },
  {
    id: 'gmx',
    name: 'GMX',
    domains: ['gmx.net', 'gmx.de', 'gmx.at', 'gmx.ch'],
    mxSuffixes: ['gmx.net'],
    imap: tls('imap.gmx.net', 993),
    smtp: tls('mail.gmx.net', 465),
    savesSent: false,
  },
  {
    id: 'gmx.com',
    name: 'GMX (international)',
    domains: ['gmx.com', 'gmx.us', 'gmx.co.uk', 'gmx.fr', 'gmx.es'],
    mxSuffixes: ['gmx.com'],
    imap: tls('imap.gmx.com', 993),
    smtp: tls('mail.gmx.com', 465),
    savesSent: false,
  },
  {
    id: 'web.de',
    name: 'WEB.DE',
    domains: ['web.de'],
    mxSuffixes: ['web.de'],
    imap: tls('imap.web.de', 993),
    smtp: starttls('smtp.web.de', 587),
    savesSent: false,
  },
  {
    id: 'zoho',
    name: 'Zoho Mail',
    domains: ['zoho.com', 'zohomail.com'],
    mxSuffixes: ['zoho.com'],
    imap: tls('imap.zoho.com', 993),
    smtp: tls('smtp.zoho.com', 465),
    savesSent: false,
  },
  {
    id: 'mailbox.org',
    name: 'mailbox.org',
    domains: ['mailbox.org'],
    mxSuffixes: ['mailbox.org'],
    imap: tls('imap.mailbox.org', 993),
    smtp: tls('smtp.mailbox.org', 465),
    savesSent: false,
  },
  {
    id: 'posteo',
    name: 'Posteo',
    domains: ['posteo.de', 'posteo.net'],
    mxSuffixes: ['posteo.de'],
    imap: tls('posteo.de', 993),
    smtp: tls('posteo.de', 465),
    savesSent: false,
  },
];

/** The provider whose own domain this is (step 1). */
export function providerForDomain(domain: string): ProviderEntry | null {
  const d = domain.toLowerCase();
  return PROVIDERS.find((p) => p.domains.includes(d)) ?? null;
}

/** A host equals a suffix or is a subdomain of it ("aspmx.l.google.com" ends with ".google.com"). */
export function hostUnder(host: string, suffix: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === suffix || h.endsWith(`.${suffix}`);
}

/** The provider a server host belongs to (a custom domain's MX or SRV target), by its suffixes and server names. */
export function providerForHost(host: string): ProviderEntry | null {
  return PROVIDERS.find((p) => p.mxSuffixes.some((s) => hostUnder(host, s))) ?? null;
}
