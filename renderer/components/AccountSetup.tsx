import { useEffect, useState, type ReactNode } from 'react';
import type { AccountDiscovery, AccountInput, AccountView, ConnectionCheck, DiscoveredSettings, OAuthRefView, Security } from '../../shared/api';
import { api } from '../api-client';
import { useApp } from '../context';
import { errText } from '../format';

/** A clear sentence per failure kind (the adapters map library errors to these codes). */
export function explainFailure(code: string, message: string, which: 'IMAP' | 'SMTP'): string {
  const c = code.toUpperCase();
  if (c.startsWith('OAUTH_')) return `${which}: ${message}`;
  if (c.endsWith('_DNS') || c === 'ENOTFOUND' || c === 'EAI_AGAIN') return `${which}: the server name was not found (DNS). Check the host name. (${message})`;
  if (c.endsWith('_TLS') || c.includes('CERT') || c.includes('SSL')) return `${which}: the secure (TLS) connection failed. Check the security setting and port. (${message})`;
  if (c.endsWith('_AUTH') || c === 'EAUTH' || c === 'AUTHENTICATIONFAILED') return `${which}: the user name or password was refused. (${message})`;
  if (c.endsWith('_UNAVAILABLE') || c === 'ECONNREFUSED' || c === 'ETIMEDOUT' || c === 'ESOCKET' || c === 'ECONNECTION')
    return `${which}: no answer on that port, or the server refused the connection. Check the port and security. (${message})`;
  return `${which}: ${message} (${code})`;
}

type Form = {
  name: string;
  email: string;
  displayName: string;
  password: string;
  imapHost: string;
  imapPort: number;
  imapSecurity: Security;
  imapUser: string;
  smtpHost: string;
  smtpPort: number;
  smtpSecurity: Security;
  smtpUser: string;
  savesSent: boolean;
};

const EMPTY: Form = {
  name: '',
  email: '',
  displayName: '',
  password: '',
  imapHost: '',
  imapPort: 993,
  imapSecurity: 'tls',
  imapUser: '',
  smtpHost: '',
  smtpPort: 587,
  smtpSecurity: 'starttls',
  smtpUser: '',
  savesSent: false,
};

function SecuritySelect({ label, value, onChange }: { label: string; value: Security; onChange: (s: Security) => void }) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value as Security)}>
        <option value="tls">SSL/TLS</option>
        <option value="starttls">STARTTLS</option>
        <option value="none">None (unencrypted)</option>
      </select>
    </label>
  );
}

type SetField = <K extends keyof Form>(k: K, v: Form[K]) => void;

/** One server's host, port, security and user (the IMAP and SMTP blocks differ only in their field names). */
function ServerFields({ legend, which, userHint, f, set, children }: { legend: string; which: 'IMAP' | 'SMTP'; userHint: string; f: Form; set: SetField; children?: ReactNode }) {
  const k = which === 'IMAP' ? ({ host: 'imapHost', port: 'imapPort', security: 'imapSecurity', user: 'imapUser' } as const) : ({ host: 'smtpHost', port: 'smtpPort', security: 'smtpSecurity', user: 'smtpUser' } as const);
  return (
    <fieldset>
      <legend>{legend}</legend>
      <div className="row wrap">
        <label>
          {which} host
          <input type="text" required value={f[k.host]} onChange={(e) => set(k.host, e.target.value)} />
        </label>
        <label>
          {which} port
          <input type="number" required min={1} max={65535} value={f[k.port]} onChange={(e) => set(k.port, Number(e.target.value))} />
        </label>
        <SecuritySelect label={`${which} security`} value={f[k.security]} onChange={(v) => set(k.security, v)} />
        <label>
          {which} user ({userHint})
          <input type="text" value={f[k.user]} onChange={(e) => set(k.user, e.target.value)} />
        </label>
      </div>
      {children}
    </fieldset>
  );
}

/** Where the settings came from, in words (issue 12 §2: the user sees the source). */
export const SOURCE_TEXT: Record<DiscoveredSettings['source'], string> = {
  bundled: "Convene's list of mail providers",
  autoconfig: "the domain's configuration file (autoconfig)",
  srv: "the domain's DNS service records (SRV)",
  mx: "the domain's mail servers (MX)",
  probe: 'trying the usual server names',
};

const SECURITY_TEXT: Record<Security, string> = { tls: 'SSL/TLS', starttls: 'STARTTLS', none: 'no encryption' };

function fromDiscovery(f: Form, d: DiscoveredSettings): Form {
  return {
    ...f,
    imapHost: d.imap.host,
    imapPort: d.imap.port,
    imapSecurity: d.imap.security,
    imapUser: d.imapUser,
    smtpHost: d.smtp.host,
    smtpPort: d.smtp.port,
    smtpSecurity: d.smtp.security,
    smtpUser: d.smtpUser,
    savesSent: d.providerSavesSent,
  };
}

function oauthLabel(ref: OAuthRefView): string {
  if ('provider' in ref) return ref.provider === 'google' ? 'Google' : 'Microsoft';
  try {
    return new URL(ref.issuer).host;
  } catch {
    return ref.issuer;
  }
}

/** A banner for each account that must sign in again (grant revoked or expired): nothing is lost meanwhile. */
export function SignInAgainBanners({ accounts, onOpen }: { accounts: AccountView[]; onOpen: (id: string) => void }) {
  const need = accounts.filter((a) => a.signInRequired);
  if (!need.length) return null;
  return (
    <>
      {need.map((a) => (
        <div key={a.id} className="banner warn" role="alert" data-testid="sign-in-again">
          <span>
            {a.signInRequired} Messages wait in the outbox and synchronisation resumes after you sign in.
          </span>
          <button type="button" className="primary" onClick={() => onOpen(a.id)}>
            Sign in again
          </button>
        </div>
      ))}
    </>
  );
}

type Step = 'address' | 'details';

export function AccountSetup({ firstRun, accountId, onDone, onOffline }: { firstRun: boolean; accountId: string | null; onDone: () => void; onOffline: () => void }) {
  const { accounts, toast } = useApp();
  const [f, setF] = useState<Form>(EMPTY);
  const [step, setStep] = useState<Step>(accountId ? 'details' : 'address');
  const [found, setFound] = useState<AccountDiscovery | null>(null);
  const [usePassword, setUsePassword] = useState(false);
  const [signInUrl, setSignInUrl] = useState('');
  const [check, setCheck] = useState<ConnectionCheck | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState<'' | 'discover' | 'test' | 'save' | 'signin'>('');
  const existing = accounts.find((x) => x.id === accountId) ?? null;

  useEffect(() => {
    const a = accounts.find((x) => x.id === accountId);
    if (!a) return;
    setStep('details');
    setF({
      name: a.name,
      email: a.email,
      displayName: a.displayName ?? '',
      password: '',
      imapHost: a.imap.host,
      imapPort: a.imap.port,
      imapSecurity: a.imap.security,
      imapUser: a.imap.user,
      smtpHost: a.smtp.host,
      smtpPort: a.smtp.port,
      smtpSecurity: a.smtp.security,
      smtpUser: a.smtp.user,
      savesSent: a.providerSavesSent,
    });
  }, [accountId, accounts]);

  const set: SetField = (k, v) => setF((x) => ({ ...x, [k]: v }));

  const input = (): AccountInput => ({
    ...(accountId ? { id: accountId } : {}),
    name: f.name.trim() || f.email.trim(),
    email: f.email.trim(),
    displayName: f.displayName.trim() || undefined,
    aliases: existing?.aliases ?? [],
    imap: { host: f.imapHost.trim(), port: Number(f.imapPort), security: f.imapSecurity, user: f.imapUser.trim() || f.email.trim() },
    smtp: { host: f.smtpHost.trim(), port: Number(f.smtpPort), security: f.smtpSecurity, user: f.smtpUser.trim() || f.imapUser.trim() || f.email.trim() },
    password: f.password || undefined,
    providerSavesSent: f.savesSent,
  });

  /** Step 1 → 2: find the servers for the address. */
  const discover = async () => {
    setBusy('discover');
    setError('');
    const r = await api.discoverAccount({ email: f.email.trim() });
    setBusy('');
    if (!r.ok) return setError(errText(r));
    setFound(r.value);
    const d = r.value.found ?? r.value.insecure;
    if (d) setF((x) => fromDiscovery(x, d));
    setUsePassword(false);
    setStep('details');
  };

  const manual = () => {
    setFound(null);
    setStep('details');
  };

  const test = async () => {
    setBusy('test');
    setError('');
    setCheck(null);
    const r = await api.testConnection(input());
    setBusy('');
    if (!r.ok) return setError(errText(r));
    setCheck(r.value);
  };

  const save = async () => {
    setBusy('save');
    setError('');
    const r = await api.saveAccount(input());
    setBusy('');
    if (!r.ok) return setError(errText(r));
    toast(`Account ${r.value.email} saved; synchronising.`);
    onDone();
  };

  /** OAuth2: the provider's page in the browser, then back here (issue 12 §1). */
  const signIn = async (ref: OAuthRefView) => {
    setBusy('signin');
    setError('');
    setSignInUrl('');
    const begun = await api.beginSignIn({ email: f.email.trim(), oauth: ref });
    if (!begun.ok) {
      setBusy('');
      return setError(errText(begun));
    }
    setSignInUrl(begun.value.url);
    // The browser shell opens the page in a new tab; Electron already opened the system browser.
    if (!begun.value.opened) window.open(begun.value.url, '_blank', 'noopener');
    const { password: _p, ...rest } = input();
    const r = await api.finishSignIn({ flowId: begun.value.flowId, account: rest });
    setBusy('');
    setSignInUrl('');
    if (!r.ok) return setError(errText(r));
    toast(`Signed in as ${r.value.email}; synchronising.`);
    onDone();
  };

  const servers = (
    <>
      <ServerFields legend="Incoming mail (IMAP)" which="IMAP" userHint="empty: the address" f={f} set={set} />
      <ServerFields legend="Outgoing mail (SMTP)" which="SMTP" userHint="empty: as IMAP" f={f} set={set}>
        <label className="inline">
          <input type="checkbox" checked={f.savesSent} onChange={(e) => set('savesSent', e.target.checked)} /> The provider files sent mail itself (do not copy to Sent)
        </label>
      </ServerFields>
    </>
  );

  const backButton = !firstRun && (
    <button type="button" onClick={onDone}>
      Back
    </button>
  );

  const heading = firstRun ? 'Welcome to Convene' : accountId ? 'Account settings' : 'Add an account';
  const d = found?.found ?? null;
  const oauthRef: OAuthRefView | null = existing?.oauth ?? (d?.imap.auth === 'oauth2' ? d.oauth : null);
  const oauthName = existing?.oauth ? oauthLabel(existing.oauth) : (d?.oauthName ?? (oauthRef ? oauthLabel(oauthRef) : null));
  const passwordForm = !oauthRef || usePassword;

  const intro = firstRun && (
    <p>
      Add a mail account to receive and answer invitations. Without one, Convene still works offline: a local calendar,
      meetings kept in the outbox until an account exists, and the .ics / .eml files you open.{' '}
      <button type="button" className="link" onClick={onOffline}>
        Use Convene offline
      </button>
    </p>
  );

  if (step === 'address') {
    return (
      <section className="account-setup" aria-labelledby="acc-h">
        <h1 id="acc-h">{heading}</h1>
        {intro}
        <form
          className="address-step"
          onSubmit={(e) => {
            e.preventDefault();
            void discover();
          }}
        >
          <div className="row wrap">
            <label>
              E-mail address
              <input type="email" required value={f.email} onChange={(e) => set('email', e.target.value)} autoComplete="email" />
            </label>
            <label>
              Your name
              <input type="text" value={f.displayName} onChange={(e) => set('displayName', e.target.value)} autoComplete="name" />
            </label>
          </div>
          <p className="muted small">Convene looks up your provider's servers from the address, the way Thunderbird does; you can change everything on the next page.</p>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <div className="row">
            <button type="submit" className="primary" disabled={busy !== ''}>
              {busy === 'discover' ? 'Looking up the servers…' : 'Continue'}
            </button>
            <button type="button" className="link" onClick={manual} disabled={busy !== ''}>
              Set up manually
            </button>
            {backButton}
          </div>
        </form>
      </section>
    );
  }

  return (
    <section className="account-setup" aria-labelledby="acc-h">
      <h1 id="acc-h">{heading}</h1>
      {intro}
      {found && (
        <div className={found.found ? 'banner info' : 'banner warn'} data-testid="discovery-result" role="status">
          <span>
            {found.found
              ? `Settings found in ${SOURCE_TEXT[found.found.source]}${found.found.provider ? ` (${found.found.provider})` : ''}: IMAP ${found.found.imap.host}:${found.found.imap.port} with ${SECURITY_TEXT[found.found.imap.security]}, SMTP ${found.found.smtp.host}:${found.found.smtp.port} with ${SECURITY_TEXT[found.found.smtp.security]}.`
              : found.insecure
                ? `Warning: the only settings found (in ${SOURCE_TEXT[found.insecure.source]}) would send your password without encryption. Convene did not choose them; check them with your provider before saving.`
                : `${found.error ?? 'No settings were found.'}`}
          </span>
        </div>
      )}
      {existing?.signInRequired && (
        <div className="banner warn" role="alert">
          <span>{existing.signInRequired}</span>
        </div>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <div className="row wrap">
          <label>
            E-mail address
            <input type="email" required value={f.email} readOnly={Boolean(existing?.oauth)} onChange={(e) => set('email', e.target.value)} autoComplete="email" />
          </label>
          <label>
            Your name
            <input type="text" value={f.displayName} onChange={(e) => set('displayName', e.target.value)} />
          </label>
          {passwordForm && (
            <label>
              Password
              <input type="password" value={f.password} required={!accountId} onChange={(e) => set('password', e.target.value)} autoComplete="current-password" />
            </label>
          )}
        </div>
        {oauthRef && oauthName && (
          <div className="oauth-box">
            <button type="button" className="primary" onClick={() => void signIn(oauthRef)} disabled={busy !== ''}>
              {busy === 'signin' ? `Waiting for ${oauthName}…` : existing?.oauth ? `Sign in again with ${oauthName}` : `Sign in with ${oauthName}`}
            </button>
            {busy === 'signin' && signInUrl && (
              <p className="muted small">
                Finish signing in in your browser. If no page opened,{' '}
                <a href={signInUrl} target="_blank" rel="noopener noreferrer">
                  open the sign-in page
                </a>
                .
              </p>
            )}
            {!existing?.oauth && (
              <label className="inline">
                <input type="checkbox" checked={usePassword} onChange={(e) => setUsePassword(e.target.checked)} /> Use a password (or app password) instead
              </label>
            )}
          </div>
        )}
        {(passwordForm || existing) ? (
          servers
        ) : (
          // Signing in with the provider: the detected servers stay visible and editable, folded away.
          <details className="server-details">
            <summary>
              Server settings: IMAP {f.imapHost}:{f.imapPort}, SMTP {f.smtpHost}:{f.smtpPort}
            </summary>
            {servers}
          </details>
        )}
        {passwordForm && (f.imapSecurity === 'none' || f.smtpSecurity === 'none') && (
          <p className="banner warn" role="note">
            Warning: with no encryption, your password and mail cross the network readable by anyone on the way.
          </p>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {check && (
          <ul className="check" data-testid="connection-check" aria-live="polite">
            {(['IMAP', 'SMTP'] as const).map((which) => {
              const c = which === 'IMAP' ? check.imap : check.smtp;
              return (
                <li key={which} className={c.ok ? 'ok' : 'error'}>
                  {c.ok ? `${which}: connected and logged in.` : explainFailure(c.code, c.message, which)}
                </li>
              );
            })}
          </ul>
        )}
        <div className="row">
          {(passwordForm || existing) && (
            <>
              <button type="button" onClick={() => void test()} disabled={busy !== ''}>
                {busy === 'test' ? 'Testing…' : 'Test connection'}
              </button>
              <button type="submit" className={oauthRef && !usePassword ? '' : 'primary'} disabled={busy !== ''}>
                {busy === 'save' ? 'Saving…' : 'Save account'}
              </button>
            </>
          )}
          {!accountId && (
            <button type="button" onClick={() => setStep('address')} disabled={busy === 'signin'}>
              Change address
            </button>
          )}
          {backButton}
        </div>
      </form>
    </section>
  );
}
