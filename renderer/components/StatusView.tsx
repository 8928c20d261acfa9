import { useEffect, useState } from 'react';
import { OUTBOX_WAITING_FOR_ACCOUNT, type AppStatus, type OutboxItemView } from '../../shared/api';
import { api } from '../api-client';
import { useApp } from '../context';
import { humanError } from '../../shared/present/error-text';
import { receiveState, sendState } from '../connection-state';
import { errText, fmtDateTime } from '../format';
import { DataTable } from './DataTable';
import { Bdi } from './Person';

/** A short human sentence, with the technical text one click away (never the same advice twice). */
function ErrorText({ error, className }: { error: { code?: string; message?: string } | string; className?: string }) {
  const h = humanError(error);
  return (
    <div className={className ?? 'error small'}>
      {h.text}
      {h.detail && (
        <details className="err-detail">
          <summary>Details</summary>
          <code>{h.detail}</code>
        </details>
      )}
    </div>
  );
}

export function StatusView({ status }: { status: AppStatus | null }) {
  const { tick, tz, toast, go } = useApp();
  const [outbox, setOutbox] = useState<OutboxItemView[]>([]);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    void api.listOutbox().then((r) => (r.ok ? setOutbox(r.value) : toast(errText(r), 'error')));
  }, [tick, reload, toast]);

  const retry = async (id: string) => {
    const r = await api.retryOutbox({ id });
    if (!r.ok) return toast(errText(r), 'error');
    setReload((x) => x + 1);
  };

  const sync = async () => {
    const r = await api.syncNow();
    toast(r.ok ? 'Synchronising…' : errText(r), r.ok ? 'info' : 'error');
  };

  return (
    <section aria-labelledby="st-h" className="status">
      <h1 id="st-h">Status</h1>
      <h2>Accounts</h2>
      {status && status.accounts.length === 0 && (
        <p className="muted">
          No account: Convene works offline (local calendar, opened files; invitations wait in the outbox).{' '}
          <button type="button" className="link" onClick={() => go({ name: 'account' })}>
            Add an account
          </button>
        </p>
      )}
      <DataTable className="grid" testId="account-status" label="Accounts" columns={['Account', 'Receiving (IMAP)', 'Sending (SMTP)', 'Progress', 'Last sync']}>
        {status?.accounts.map((a, i) => {
          const rx = receiveState(a);
          const tx = sendState(a.accountId, outbox, i === 0);
          return (
          <tr key={a.accountId} data-imap={rx.tone} data-smtp={tx.tone}>
            <td>{a.email}</td>
            <td data-testid="imap-state">
              <span className={`dot ${rx.tone}`} aria-hidden="true" /> {rx.tone === 'bad' ? 'failing' : rx.text}
              {a.lastError && <ErrorText error={a.lastError} />}
            </td>
            <td data-testid="smtp-state">
              <span className={`dot ${tx.tone}`} aria-hidden="true" /> {tx.text}
            </td>
            <td>
              {a.progress ? (
                <>
                  <progress max={a.progress.total || 1} value={a.progress.done} aria-label={`Sync progress ${a.email}`} /> {a.progress.done}/{a.progress.total}
                </>
              ) : (
                '—'
              )}
            </td>
            <td>{a.lastSync ? fmtDateTime(a.lastSync, tz) : 'never'}</td>
          </tr>
          );
        })}
      </DataTable>
      <div className="row">
        <button type="button" onClick={() => void sync()} disabled={!status || status.accounts.length === 0}>
          Sync now
        </button>
      </div>

      <h2>Outbox</h2>
      <p className="muted small">
        {status ? `${status.outbox.queued} queued, ${status.outbox.failed} failed.` : ''} Messages are saved before they are sent and retried until the server accepts them.
      </p>
      <DataTable
        className="grid"
        testId="outbox"
        label="Outbox"
        columns={['Message', 'To', 'State', 'Attempts', 'Created', <span className="sr-only">Actions</span>]}
        empty={outbox.length === 0 && 'The outbox is empty.'}
      >
        {outbox.map((m) => (
          <tr key={m.id} data-state={m.state}>
            <td>
              <span className="method">{m.method}</span> <Bdi text={m.subject} />
            </td>
            <td>
              {m.to.map((t, i) => (
                <span key={`${t}/${i}`}>
                  {i > 0 && ', '}
                  <Bdi text={t} />
                </span>
              ))}
            </td>
            <td>
              <span className={`state state-${m.state}`}>{m.state}</span>
              {m.lastError &&
                (m.lastError === OUTBOX_WAITING_FOR_ACCOUNT ? <div className="muted small">{m.lastError}</div> : <ErrorText error={m.lastError} />)}
              {m.state === 'queued' && m.nextAttemptAt && <div className="muted small">next try {fmtDateTime(m.nextAttemptAt, tz)}</div>}
            </td>
            <td>{m.attempts}</td>
            <td>{fmtDateTime(m.createdAt, tz)}</td>
            <td>
              {(m.state === 'failed' || m.state === 'queued') && (
                <button type="button" aria-label={`Retry: ${m.subject}`} onClick={() => void retry(m.id)}>
                  Retry
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
    </section>
  );
}
