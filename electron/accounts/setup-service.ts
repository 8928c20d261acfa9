// Account set-up (issue 12): discovery for the first-run screen, and OAuth2 sign-in flows (begin → the system
// browser → the loopback redirect → finish saves the account with its refresh token). Sign-in again for an account
// in the "sign in again" state is the same flow with the account's id: the outbox is kicked and the sync resumes.
import { randomUUID } from 'node:crypto';
import type { AccountDiscovery, AccountInput, AccountView, DiscoveredSettings } from '../../shared/api';
import type { Discovery } from '../../shared/accounts/discovery';
import { OAUTH_PROVIDERS, oauthRefKey, type OAuthRef } from '../../shared/accounts/oauth-providers';
import { AppError } from '../../shared/errors';
import type { SettingsStore } from '../store/settings-store';
import { discover, type DiscoverOptions } from './discover';
import { beginSignIn, clientFor, type OAuthClients, type SignInFlow, type Tokens } from './oauth';
import type { TokenManager } from './tokens';

export interface SetupDeps {
  settings: SettingsStore;
  tokens: TokenManager;
  clients: () => OAuthClients;
  /** Electron opens the system browser itself (shell.openExternal); the browser shell's page opens a tab. */
  openExternal?: (url: string) => void;
  discovery?: DiscoverOptions;
  /** After an account was saved or signed in again (sync, outbox). */
  accountChanged: (view: AccountView, isFirst: boolean) => Promise<void> | void;
}

/** Flows older than this are dropped (their listener closed by its own timeout). */
const FLOW_TTL_MS = 10 * 60_000;

function view(d: Discovery, email: string): DiscoveredSettings {
  const oauth: OAuthRef | null = d.oauth ? ('provider' in d.oauth ? { provider: d.oauth.provider } : { issuer: d.oauth.issuer, ...(d.oauth.scope ? { scope: d.oauth.scope } : {}) }) : null;
  return {
    imap: { ...d.imap },
    smtp: { ...d.smtp },
    provider: d.provider,
    source: d.source,
    imapUser: d.imapUser ?? email,
    smtpUser: d.smtpUser ?? email,
    providerSavesSent: d.savesSent,
    oauth: d.imap.auth === 'oauth2' ? oauth : null,
    // A generic issuer is named after the provider of the autoconfig file (the address's domain), else its host.
    oauthName: d.imap.auth === 'oauth2' && oauth ? ('provider' in oauth ? OAUTH_PROVIDERS[oauth.provider].name : (d.provider ?? new URL(oauth.issuer).host)) : null,
  };
}

export class SetupService {
  private readonly flows = new Map<string, { flow: SignInFlow; ref: OAuthRef; email: string; started: number }>();

  constructor(private readonly deps: SetupDeps) {}

  async discoverAccount(email: string): Promise<AccountDiscovery> {
    const env = process.env.CONVENE_DNS_SERVER;
    const r = await discover(email, { ...(env ? { dnsServer: env } : {}), ...this.deps.discovery });
    const addr = email.trim();
    if (r.ok) return { found: view(r.found, addr), insecure: null, error: null };
    return { found: null, insecure: r.insecure ? view(r.insecure, addr) : null, error: r.error };
  }

  async beginSignIn(email: string, ref: OAuthRef): Promise<{ flowId: string; url: string; opened: boolean }> {
    this.gc();
    const client = clientFor(ref, this.deps.clients());
    const flow = await beginSignIn(ref, client, { loginHint: email.trim() });
    const flowId = randomUUID();
    this.flows.set(flowId, { flow, ref, email: email.trim().toLowerCase(), started: Date.now() });
    // A flow that is never finished must not leave an unhandled rejection behind.
    flow.result.catch(() => {});
    let opened = false;
    if (this.deps.openExternal) {
      this.deps.openExternal(flow.url);
      opened = true;
    }
    return { flowId, url: flow.url, opened };
  }

  /** Waits for the browser to come back, then saves the account (new, or the same one signed in again). */
  async finishSignIn(flowId: string, input: AccountInput): Promise<AccountView> {
    const f = this.flows.get(flowId);
    if (!f) throw new AppError('NOT_FOUND', 'This sign-in is no longer waiting: start it again');
    if (input.email.trim().toLowerCase() !== f.email) throw new AppError('BAD_REQUEST', 'The sign-in was started for another address');
    let tokens: Tokens;
    try {
      tokens = await f.flow.result;
    } finally {
      this.flows.delete(flowId);
    }
    if (!tokens.refreshToken) throw new AppError('OAUTH_REFUSED', 'The provider gave no refresh token, so Convene could not stay signed in: try again');
    const isFirst = !input.id && this.deps.settings.listAccounts().length === 0;
    const saved = this.deps.settings.saveOAuthAccount(input, f.ref, tokens.refreshToken, oauthRefKey(f.ref));
    this.deps.tokens.seed(saved.id, tokens);
    await this.deps.accountChanged(saved, isFirst);
    return saved;
  }

  cancelAll(): void {
    for (const f of this.flows.values()) f.flow.cancel();
    this.flows.clear();
  }

  private gc(): void {
    const now = Date.now();
    for (const [id, f] of this.flows) if (now - f.started > FLOW_TTL_MS) this.flows.delete(id);
  }
}
