import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { AccountView, AppStatus, OutboxItemView, Settings } from '../shared/api';
import { api, onLinkState, type LinkState } from './api-client';
import { connectionSummary } from './connection-state';
import { AccountSetup, SignInAgainBanners } from './components/AccountSetup';
import { CalendarView } from './components/CalendarView';
import { Invitations } from './components/Invitations';
import { MeetingEditor } from './components/MeetingEditor';
import { SettingsView } from './components/SettingsView';
import { StatusView } from './components/StatusView';
import { Ctx, type AppCtx, type View } from './context';
import { systemZone, toBase64 } from './format';

const NAV: { name: View['name']; label: string; key: string }[] = [
  { name: 'invitations', label: 'Invitations', key: '1' },
  { name: 'calendar', label: 'Calendar', key: '2' },
  { name: 'editor', label: 'New meeting', key: '3' },
  { name: 'status', label: 'Status & outbox', key: '4' },
  { name: 'settings', label: 'Settings', key: '5' },
];

export function App() {
  const [view, setView] = useState<View>({ name: 'invitations' });
  const [settings, setSettings] = useState<Settings | null>(null);
  const [accounts, setAccounts] = useState<AccountView[] | null>(null);
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [tick, setTick] = useState(0);
  const [toasts, setToasts] = useState<{ id: number; text: string; kind: 'info' | 'error' }[]>([]);
  const [offline, setOffline] = useState(() => localStorage.getItem('convene.offline') === '1');
  const fileInput = useRef<HTMLInputElement>(null);
  const mainRef = useRef<HTMLElement>(null);
  const firstRunRef = useRef(false);
  const [pending, setPending] = useState(0);
  const [outboxItems, setOutboxItems] = useState<OutboxItemView[]>([]);
  const [link, setLink] = useState<LinkState>('connected');
  // The chosen week survives a visit to another screen (issue 11 §15).
  const [calendarAnchor, setCalendarAnchor] = useState<string | null>(null);

  useEffect(() => onLinkState(setLink), []);

  // The pending-answers count (sidebar and window title) and the outbox's state: one small call each per change.
  useEffect(() => {
    void api.listInvitationPage({ offset: 0, limit: 0 }).then((r) => r.ok && setPending(r.value.pending));
    void api.listOutbox().then((r) => r.ok && setOutboxItems(r.value));
  }, [tick]);
  useEffect(() => {
    document.title = pending > 0 ? `(${pending}) Convene` : 'Convene';
  }, [pending]);

  const toast = useCallback((text: string, kind: 'info' | 'error' = 'info') => {
    const id = Date.now() + Math.random();
    setToasts((t) => [...t, { id, text, kind }]);
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), kind === 'error' ? 9000 : 5000);
  }, []);

  const reloadMeta = useCallback(() => {
    void api.getSettings().then((r) => r.ok && setSettings(r.value));
    void api.listAccounts().then((r) => setAccounts(r.ok ? r.value : []));
    void api.getStatus().then((r) => r.ok && setStatus(r.value));
  }, []);

  useEffect(() => {
    reloadMeta();
    return api.onEvent((e) => {
      if (e.type === 'status-changed') setStatus(e.status);
      if (e.type === 'new-invitation') toast(`New invitation: ${e.summary}${e.from ? ` from ${e.from}` : ''}`);
      if (e.type === 'open-invitation') setView({ name: 'invitations', uid: e.uid });
      setTick((t) => t + 1);
    });
  }, [reloadMeta, toast]);

  const go = useCallback((v: View) => {
    setView(v);
    // Keyboard users land on the new screen's content.
    setTimeout(() => mainRef.current?.focus(), 0);
  }, []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || firstRunRef.current) return;
      const n = NAV.find((x) => x.key === e.key);
      if (n) {
        e.preventDefault();
        go({ name: n.name } as View);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [go]);

  const tz = settings?.timezone || systemZone();
  const ctx: AppCtx = useMemo(() => ({ tz, settings, accounts: accounts ?? [], tick, go, toast, reloadMeta }), [tz, settings, accounts, tick, go, toast, reloadMeta]);

  const openFile = async (file: File) => {
    const r = await api.openFile({ name: file.name, contentBase64: toBase64(await file.arrayBuffer()) });
    if (!r.ok) return toast(`Could not open ${file.name}: ${r.error.message}`, 'error');
    if (r.value.uid) go({ name: 'invitations', uid: r.value.uid });
    toast(`${file.name}: ${r.value.reason || r.value.action}`, r.value.uid ? 'info' : 'error');
  };

  const firstRun = accounts !== null && accounts.length === 0 && !offline;
  firstRunRef.current = firstRun;

  let screen;
  if (accounts === null) screen = <p className="muted">Loading…</p>;
  else if (firstRun || view.name === 'account')
    screen = (
      <AccountSetup
        firstRun={firstRun}
        accountId={view.name === 'account' ? view.id ?? null : null}
        onDone={() => {
          reloadMeta();
          go({ name: 'invitations' });
        }}
        onOffline={() => {
          localStorage.setItem('convene.offline', '1');
          setOffline(true);
          go({ name: 'invitations' });
        }}
      />
    );
  else if (view.name === 'invitations') screen = <Invitations selected={view.uid ?? null} />;
  else if (view.name === 'calendar') screen = <CalendarView anchor={calendarAnchor} onAnchor={setCalendarAnchor} />;
  else if (view.name === 'editor') screen = <MeetingEditor key={view.uid ?? 'new'} uid={view.uid ?? null} />;
  else if (view.name === 'status') screen = <StatusView status={status} />;
  else screen = <SettingsView />;

  const conn =
    link === 'connected'
      ? connectionSummary(status, outboxItems, accounts?.length ?? 0)
      : { tone: 'bad' as const, label: 'Not connected to Convene', lines: [link === 'lost' ? 'Reconnecting…' : 'This tab is from an earlier start'] };

  return (
    <Ctx.Provider value={ctx}>
      <div className="app">
        <a className="skip" href="#main">
          Skip to content
        </a>
        <nav className="sidebar" aria-label="Main">
          <div className="brand">
            <img src="./icon.svg" alt="" width={28} height={28} />
            <span>Convene</span>
          </div>
          {NAV.map((n) => (
            <button
              key={n.name}
              type="button"
              className={view.name === n.name ? 'nav active' : 'nav'}
              aria-current={view.name === n.name ? 'page' : undefined}
              title={firstRun ? 'Add an account or choose offline use first' : `Alt+${n.key}`}
              disabled={firstRun}
              onClick={() => go({ name: n.name } as View)}
            >
              {n.label}
              {n.name === 'invitations' && pending > 0 && (
                <span className="nav-count" data-testid="pending-count" aria-label={`${pending} waiting for your answer`}>
                  {pending}
                </span>
              )}
            </button>
          ))}
          <button type="button" className="nav" disabled={firstRun} onClick={() => fileInput.current?.click()}>
            Open .ics / .eml…
          </button>
          <input
            ref={fileInput}
            type="file"
            accept=".ics,.eml,.ical,.ifb,text/calendar,message/rfc822"
            aria-label="Open an invitation file"
            hidden
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void openFile(f);
              e.target.value = '';
            }}
          />
          <div className="sidebar-foot" data-testid="connection-state" data-tone={conn.tone}>
            <button type="button" className="link conn-link" disabled={firstRun} onClick={() => go({ name: 'status' })}>
              <span className={`dot ${conn.tone}`} aria-hidden="true" />
              {conn.label}
            </button>
            {conn.lines.map((l) => (
              <div key={l} className={conn.tone === 'bad' ? 'conn-problem small' : 'muted small'}>
                {l}
              </div>
            ))}
          </div>
        </nav>
        <main id="main" ref={mainRef} tabIndex={-1} className="main">
          {view.name !== 'account' && <SignInAgainBanners accounts={accounts ?? []} onOpen={(id) => go({ name: 'account', id })} />}
          {link !== 'connected' && (
            <div className="banner link-lost" role="alert" data-testid="link-lost" data-state={link}>
              {link === 'lost'
                ? 'Convene is not answering: the app was stopped or restarted. Reconnecting… (anything you do now waits until it is back).'
                : 'This tab belongs to an earlier start of Convene. Open the address Convene printed when it started ("Convene is running in your browser at …"), or start it again with npm start.'}
            </div>
          )}
          {screen}
        </main>
        <div className="toasts" role="status" aria-live="polite">
          {toasts.map((t) => (
            <div key={t.id} className={`toast ${t.kind}`}>
              {t.text}
            </div>
          ))}
        </div>
      </div>
    </Ctx.Provider>
  );
}
