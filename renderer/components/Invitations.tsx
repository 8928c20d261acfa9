import { useEffect, useState } from 'react';
import type { InvitationSummary } from '../../shared/api';
import { api } from '../api-client';
import { useApp } from '../context';
import { BADGE_TEXT, errText, fmtRange } from '../format';
import { InvitationDetailView } from './InvitationDetail';

export function Badge({ badge }: { badge: string }) {
  return <span className={`badge badge-${badge}`}>{BADGE_TEXT[badge] ?? badge}</span>;
}

export function Invitations({ selected }: { selected: string | null }) {
  const { tick, tz, go } = useApp();
  const [list, setList] = useState<InvitationSummary[] | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    void api.listInvitations().then((r) => {
      if (r.ok) {
        // Threads newest first (the core sorts too; keep the order stable here whatever arrives).
        setList([...r.value].sort((a, b) => b.lastActivity.localeCompare(a.lastActivity)));
        setError('');
      } else setError(errText(r));
    });
  }, [tick]);

  const current = selected ?? null;

  return (
    <div className="split">
      <section className="list-pane" aria-labelledby="inv-h">
        <h1 id="inv-h">Invitations</h1>
        {error && <p className="error">{error}</p>}
        {list && list.length === 0 && <p className="muted">No invitations yet. Meetings you are invited to appear here.</p>}
        <ul className="inv-list" aria-label="Invitation threads">
          {list?.map((inv) => (
            <li key={inv.uid}>
              <button
                type="button"
                className={inv.uid === current ? 'inv-item selected' : 'inv-item'}
                aria-current={inv.uid === current ? 'true' : undefined}
                data-uid={inv.uid}
                onClick={() => go({ name: 'invitations', uid: inv.uid })}
              >
                <span className="inv-title">
                  <span className="inv-summary">{inv.summary || '(no title)'}</span>
                  <Badge badge={inv.badge} />
                </span>
                <span className="muted small">{fmtRange(inv.start, inv.end, tz, inv.allDay)}</span>
                <span className="muted small">
                  {inv.role === 'organizer' ? 'You organize' : inv.role === 'personal' ? 'Personal event' : `From ${inv.organizer ?? 'unknown'}`}
                  {' · '}
                  {inv.messageCount} message{inv.messageCount === 1 ? '' : 's'}
                  {inv.pendingCount > 0 ? ` · ${inv.pendingCount} to decide` : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section className="detail-pane" aria-label="Invitation">
        {current ? <InvitationDetailView uid={current} /> : <p className="muted">Select an invitation.</p>}
      </section>
    </div>
  );
}
