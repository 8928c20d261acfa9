import { useEffect, useState, type ReactNode } from 'react';
import type { AccountInput, ConnectionCheck, Security } from '../../shared/api';
import { api } from '../api-client';
import { useApp } from '../context';
import { errText } from '../format';

interface Preset {
  label: string;
  imap: [string, number, Security];
  smtp: [string, number, Security];
  savesSent: boolean;
  note?: string;
}

export const PRESETS: Record<string, Preset> = {
  gmail: { label: 'Gmail', imap: ['imap.gmail.com', 993, 'tls'], smtp: ['smtp.gmail.com', 465, 'tls'], savesSent: true, note: 'Use an app password (Google account → Security).' },
  outlook: { label: 'Outlook.com / Microsoft 365', imap: ['outlook.office365.com', 993, 'tls'], smtp: ['smtp.office365.com', 587, 'starttls'], savesSent: true },
  icloud: { label: 'iCloud Mail', imap: ['imap.mail.me.com', 993, 'tls'], smtp: ['smtp.mail.me.com', 587, 'starttls'], savesSent: false, note: 'Use an app-specific password.' },
  fastmail: { label: 'Fastmail', imap: ['imap.fastmail.com', 993, 'tls'], smtp: ['smtp.fastmail.com', 465, 'tls'], savesSent: false, note: 'Use an app password.' },
  yahoo: { label: 'Yahoo Mail', imap: ['imap.mail.yahoo.com', 993, 'tls'], smtp: ['smtp.mail.yahoo.com', 465, 'tls'], savesSent: true, note: 'Use an app password.' },
  custom: { label: 'Other (enter servers)', imap: ['', 993, 'tls'], smtp: ['', 587, 'starttls'], savesSent: false },
};

/** A clear sentence per failure kind (the adapters map library errors to these codes). */
export function explainFailure(code: string, message: string, which: 'IMAP' | 'SMTP'): string {
  const c = code.toUpperCase();
  if (c.endsWith('_DNS') || c === 'ENOTFOUND' || c === 'EAI_AGAIN') return `${which}: the server name was not found (DNS). Check the host name. (${message})`;
  if (c.endsWith('_TLS') || c.includes('CERT') || c.includes('SSL')) return `${which}: the secure (TLS) connection failed. Check the security setting and port. (${message})`;
  if (c.endsWith('_AUTH') || c === 'EAUTH' || c === 'AUTHENTICATIONFAILED') return `${which}: the user name or password was refused. (${message})`;
  if (c.endsWith('_UNAVAILABLE') || c === 'ECONNREFUSED' || c === 'ETIMEDOUT' || c === 'ESOCKET' || c === 'ECONNECTION')
    return `${which}: no answer on that port, or the server refused the connection. Check the port and security. (${message})`;
  return `${which}: ${message} (${code})`;
}

type Form = {
  preset: string;
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
  preset: 'custom',
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

export function AccountSetup({ firstRun, accountId, onDone, onOffline }: { firstRun: boolean; accountId: string | null; onDone: () => void; onOffline: () => void }) {
  const { accounts, toast } = useApp();
  const [f, setF] = useState<Form>(EMPTY);
  const [check, setCheck] = useState<ConnectionCheck | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState<'' | 'test' | 'save'>('');

  useEffect(() => {
    const a = accounts.find((x) => x.id === accountId);
    if (!a) return;
    setF({
      preset: 'custom',
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

  const applyPreset = (key: string) => {
    const p = PRESETS[key]!;
    setF((x) => ({
      ...x,
      preset: key,
      imapHost: p.imap[0],
      imapPort: p.imap[1],
      imapSecurity: p.imap[2],
      smtpHost: p.smtp[0],
      smtpPort: p.smtp[1],
      smtpSecurity: p.smtp[2],
      savesSent: p.savesSent,
    }));
  };

  const input = (): AccountInput => ({
    ...(accountId ? { id: accountId } : {}),
    name: f.name.trim() || f.email.trim(),
    email: f.email.trim(),
    displayName: f.displayName.trim() || undefined,
    aliases: accounts.find((a) => a.id === accountId)?.aliases ?? [],
    imap: { host: f.imapHost.trim(), port: Number(f.imapPort), security: f.imapSecurity, user: f.imapUser.trim() || f.email.trim() },
    smtp: { host: f.smtpHost.trim(), port: Number(f.smtpPort), security: f.smtpSecurity, user: f.smtpUser.trim() || f.imapUser.trim() || f.email.trim() },
    password: f.password || undefined,
    providerSavesSent: f.savesSent,
  });

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

  const preset = PRESETS[f.preset];

  return (
    <section className="account-setup" aria-labelledby="acc-h">
      <h1 id="acc-h">{firstRun ? 'Welcome to Convene' : accountId ? 'Account settings' : 'Add an account'}</h1>
      {firstRun && (
        <p>
          Add a mail account to receive and answer invitations. Without one, Convene still works offline: a local
          calendar, meetings kept in the outbox until an account exists, and the .ics / .eml files you open.{' '}
          <button type="button" className="link" onClick={onOffline}>
            Use Convene offline
          </button>
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <div className="row wrap">
          <label>
            Provider
            <select value={f.preset} onChange={(e) => applyPreset(e.target.value)}>
              {Object.entries(PRESETS).map(([k, p]) => (
                <option key={k} value={k}>
                  {p.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            E-mail address
            <input type="email" required value={f.email} onChange={(e) => set('email', e.target.value)} autoComplete="email" />
          </label>
          <label>
            Your name
            <input type="text" value={f.displayName} onChange={(e) => set('displayName', e.target.value)} />
          </label>
          <label>
            Password
            <input type="password" value={f.password} required={!accountId} onChange={(e) => set('password', e.target.value)} autoComplete="current-password" />
          </label>
        </div>
        {preset?.note && <p className="muted small">{preset.note}</p>}
        <ServerFields legend="Incoming mail (IMAP)" which="IMAP" userHint="empty: the address" f={f} set={set} />
        <ServerFields legend="Outgoing mail (SMTP)" which="SMTP" userHint="empty: as IMAP" f={f} set={set}>
          <label className="inline">
            <input type="checkbox" checked={f.savesSent} onChange={(e) => set('savesSent', e.target.checked)} /> The provider files sent mail itself (do not copy to Sent)
          </label>
        </ServerFields>
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
          <button type="button" onClick={() => void test()} disabled={busy !== ''}>
            {busy === 'test' ? 'Testing…' : 'Test connection'}
          </button>
          <button type="submit" className="primary" disabled={busy !== ''}>
            {busy === 'save' ? 'Saving…' : 'Save account'}
          </button>
          {!firstRun && (
            <button type="button" onClick={onDone}>
              Back
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
