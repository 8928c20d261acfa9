import { useEffect, useState } from 'react';
import { LOCAL_IDENTITY, type InvitationDetail, type PendingView } from '../../shared/api';
import { api } from '../api-client';
import { useApp } from '../context';
import { errText, fmtDateTime, fmtRange, PARTSTAT_TEXT, zoneName } from '../format';
import { cancelledText, exceptionsText, occurrenceAnswerText } from '../answer-words';
import { AnswerBar, OccurrenceSelect } from './AnswerBar';
import { ChangesView } from './ChangesView';
import { DataTable } from './DataTable';
import { DescriptionView } from './DescriptionView';
import { JoinButton } from './JoinButton';
import { OriginalMailButton } from './OriginalMail';
import { Bdi, Person } from './Person';
import { Badge } from './Invitations';
import { ThreadView } from './ThreadView';
import { describeRecurrence } from '../../shared/present/rrule-text';

type PendingAction = 'accept' | 'decline' | 'add' | 'ignore' | 'send' | 'dismiss';

/** The buttons of each kind of item to decide, the first one the main choice (other kinds can only be dismissed). */
const PENDING_ACTIONS: Partial<Record<PendingView['kind'], [string, PendingAction][]>> = {
  counter: [
    ['Accept proposal', 'accept'],
    ['Decline proposal', 'decline'],
  ],
  'party-crasher': [
    ['Add to meeting', 'add'],
    ['Ignore', 'ignore'],
  ],
  refresh: [
    ['Send latest version', 'send'],
    ['Ignore', 'ignore'],
  ],
  'new-invitation': [
    ['Add to calendar', 'accept'],
    ['Ignore', 'ignore'],
  ],
  forwarded: [
    ['Add to calendar', 'accept'],
    ['Ignore', 'ignore'],
  ],
};

function PendingItemView({ item, uid, tz, onDone }: { item: PendingView; uid: string; tz: string; onDone: () => void }) {
  const { toast } = useApp();
  const [busy, setBusy] = useState(false);
  const act = async (action: PendingAction) => {
    setBusy(true);
    const r = await api.resolvePending({ uid, pendingId: item.id, action });
    setBusy(false);
    if (!r.ok) return toast(errText(r), 'error');
    toast(r.value.queued.length ? 'Done; the answer is in the outbox.' : 'Done.');
    onDone();
  };
  const label: Record<PendingView['kind'], string> = {
    counter: 'proposes a new time',
    'party-crasher': 'answered but is not on the guest list',
    refresh: 'asks for the latest version',
    declinecounter: 'declined your proposal',
    forwarded: 'was forwarded this invitation',
    'new-invitation': 'invited you; your settings hold invitations from people you have not mailed with',
  };
  return (
    <li className="pending" data-kind={item.kind}>
      <div>
        <strong><Bdi text={item.from} /></strong> {label[item.kind]}
        {item.recurrenceId ? ` (occurrence ${fmtDateTime(item.recurrenceId, tz)})` : ''}
      </div>
      {item.kind === 'counter' && item.proposedStart && (
        <div>
          Proposed: <strong>{fmtRange(item.proposedStart, item.proposedEnd ?? null, tz, false)}</strong>
        </div>
      )}
      {item.comment && <div className="comment">“{item.comment}”</div>}
      <div className="row">
        {(PENDING_ACTIONS[item.kind] ?? [['Dismiss', 'dismiss']]).map(([text, action], i) => (
          <button key={action} type="button" className={i === 0 && action !== 'dismiss' ? 'primary' : undefined} disabled={busy} onClick={() => void act(action)}>
            {text}
          </button>
        ))}
      </div>
    </li>
  );
}

/**
 * One invitation. Keyed by its UID, so everything the reader set up for one invitation (an open form, a comment, the
 * description's formatting toggle) starts afresh on the next (issue 11 §3).
 */
export function InvitationDetailView({ uid }: { uid: string }) {
  return <InvitationDetailOf key={uid} uid={uid} />;
}

function InvitationDetailOf({ uid }: { uid: string }) {
  const { tz, tick, toast, go, accounts } = useApp();
  const [d, setD] = useState<InvitationDetail | null>(null);
  const [error, setError] = useState('');
  const [reload, setReload] = useState(0);
  const [busy, setBusy] = useState(false);
  const [cancelOcc, setCancelOcc] = useState('');
  const [cancelComment, setCancelComment] = useState('');

  useEffect(() => {
    let live = true;
    void api.getInvitation({ uid }).then((r) => {
      if (!live) return;
      if (r.ok) {
        setD(r.value);
        setError('');
      } else setError(errText(r));
    });
    return () => {
      live = false;
    };
  }, [uid, tick, reload]);

  if (error) return <p className="error">{error}</p>;
  if (!d) return <p className="muted">Loading…</p>;

  const refresh = () => setReload((x) => x + 1);
  // A personal event is mine to edit only when I made it (no organizer, or one of my addresses); a published event
  // from someone else is read-only.
  const myAddresses = [LOCAL_IDENTITY, ...accounts.flatMap((a) => [a.email, ...a.aliases])].map((x) => x.toLowerCase());
  const canOrganize = d.role === 'organizer' || (d.role === 'personal' && (!d.organizer || myAddresses.includes(d.organizer.email.toLowerCase())));
  const orgTz = d.timezone && d.timezone !== tz && !d.allDay ? d.timezone : null;
  // Accept / Tentative / Decline are there for every invitation addressed to me, held or not (issue 11 §4): the
  // processing policy decides only what is applied automatically.
  const canAnswer = (d.role === 'attendee' || !!d.held) && !!d.addressedToMe && !d.stale && !d.cancelled;

  const remove = async () => {
    const r = await api.removeFromCalendar({ uid });
    if (!r.ok) return toast(errText(r), 'error');
    toast('Removed from your calendar.');
    go({ name: 'invitations' });
  };

  const cancel = async () => {
    if (!window.confirm(cancelOcc ? 'Cancel this occurrence and tell the attendees?' : 'Cancel the whole meeting and tell the attendees?')) return;
    setBusy(true);
    const r = await api.cancelMeeting({ uid, recurrenceId: cancelOcc || null, comment: cancelComment.trim() || undefined });
    setBusy(false);
    if (!r.ok) return toast(errText(r), 'error');
    toast(d.attendees.length ? 'Cancellation sent.' : 'Event cancelled.');
    setCancelComment('');
    refresh();
  };

  // RFC 5546 §3.2.6 REFRESH: for a copy that looks out of date or damaged, ask the organizer to send it again.
  const askForUpdate = async () => {
    setBusy(true);
    const r = await api.requestUpdate({ uid, recurrenceId: null });
    setBusy(false);
    if (!r.ok) return toast(errText(r), 'error');
    toast('Asked the organizer for the latest version (in the outbox).');
  };

  const counts = d.attendees.reduce<Record<string, number>>((m, a) => ((m[a.partstat] = (m[a.partstat] ?? 0) + 1), m), {});

  return (
    <article className="detail" data-testid="invitation-detail" data-uid={d.uid}>
      <header className="detail-head">
        <h2 data-testid="detail-summary"><Bdi text={d.summary || '(no title)'} /></h2>
        <Badge badge={d.badge} />
      </header>

      {d.stale && (
        <p className="banner warn" role="note" data-testid="stale-banner">
          This message is outdated: your calendar already holds a newer version of this meeting. There is nothing to answer.
        </p>
      )}
      {d.cancelled && (
        <div className="banner cancel" role="note" data-testid="cancelled-banner">
          <span>{d.role === 'attendee' ? 'This meeting was cancelled by the organizer.' : 'This meeting is cancelled.'}</span>
          {d.role === 'attendee' && (
            <button type="button" onClick={() => void remove()}>
              Remove from calendar
            </button>
          )}
        </div>
      )}

      {d.forwardedBy && !d.addressedToMe && (
        <p className="banner info" role="note" data-testid="forwarded-note">
          <span>
            You are not on the attendee list: <Bdi text={d.forwardedBy} /> forwarded this invitation to you. Adding it to your calendar tells
            nobody.
          </span>
        </p>
      )}
      {(d.cancelledOccurrences ?? []).length > 0 && (
        <ul className="banner cancel occ-cancelled" aria-label="Cancelled occurrences" data-testid="cancelled-occurrences">
          {d.cancelledOccurrences!.map((c) => (
            <li key={c.recurrenceId}>{cancelledText(c, tz)}</li>
          ))}
        </ul>
      )}

      {canAnswer && <AnswerBar d={d} onChanged={refresh} />}
      {d.changes && d.role === 'attendee' && <ChangesView changes={d.changes} tz={tz} open={(d.myAnswer?.partstat ?? 'NEEDS-ACTION') === 'NEEDS-ACTION'} />}

      <dl className="facts">
        <dt>When</dt>
        <dd data-testid="detail-when">
          {fmtRange(d.start, d.end, tz, d.allDay)} {!d.allDay && <span className="muted">({zoneName(tz, d.start)})</span>}
          {orgTz && (
            <div className="muted small" data-testid="organizer-time">
              Organizer's time: {fmtRange(d.start, d.end, orgTz, false)} ({zoneName(orgTz, d.start)})
            </div>
          )}
          {d.rrule && <div className="small" data-testid="detail-rule">{describeRecurrence(d.rrule, d.start)}</div>}
        </dd>
        <dt>Where</dt>
        <dd>{d.location ? <Bdi text={d.location} /> : <span className="muted">No location</span>}</dd>
        <dt>Organizer</dt>
        <dd>{d.organizer ? <Person name={d.organizer.cn} email={d.organizer.email} /> : <span className="muted">none (personal event)</span>}</dd>
        {d.myPartstat && d.role === 'attendee' && (
          <>
            <dt>Your answer</dt>
            <dd data-testid="my-partstat">{PARTSTAT_TEXT[d.myPartstat] ?? d.myPartstat}</dd>
          </>
        )}
        {(d.myOccurrenceAnswers ?? []).length > 0 && (
          <>
            <dt>Single days</dt>
            <dd>
              <ul className="plain" data-testid="my-occurrence-answers">
                {d.myOccurrenceAnswers!.map((a) => (
                  <li key={a.recurrenceId}>{occurrenceAnswerText('You', a, tz)}</li>
                ))}
              </ul>
            </dd>
          </>
        )}
      </dl>

      <JoinButton link={d.conference} />
      <h3>Description</h3>
      <DescriptionView key={d.uid} text={d.description} html={d.descriptionHtml} />

      {d.conflicts.length > 0 && (
        <section className="conflicts" aria-label="Conflicts">
          <h3>Conflicts with your calendar</h3>
          <ul>
            {d.conflicts.map((c) => (
              <li key={`${c.uid}/${c.recurrenceId ?? ''}/${c.start}`}>
                <Bdi text={c.summary || '(no title)'} /> — {fmtRange(c.start, c.end, tz, c.allDay)}
              </li>
            ))}
          </ul>
        </section>
      )}

      {d.role === 'attendee' && d.organizer && (
        <p className="small">
          <button type="button" className="link" disabled={busy} data-testid="ask-for-update" onClick={() => void askForUpdate()}>
            Ask the organizer for the latest version
          </button>
        </p>
      )}

      {d.attendees.length > 0 && (
        <section aria-label={d.role === 'organizer' ? 'Response board' : 'Attendees'}>
          <h3>{d.role === 'organizer' ? 'Response board' : 'Attendees'}</h3>
          {d.role === 'organizer' && (
            <p className="muted small" data-testid="board-counts">
              {Object.entries(counts)
                .map(([k, n]) => `${n} ${(PARTSTAT_TEXT[k] ?? k).toLowerCase()}`)
                .join(' · ')}
            </p>
          )}
          <DataTable className="board" testId="attendees" label={d.role === 'organizer' ? 'Response board' : 'Attendees'} columns={['Attendee', 'Status', 'Comment']}>
          {d.attendees.map((a) => (
            <tr key={a.email} data-email={a.email}>
              <td>
                <Person name={a.cn} email={a.email} />
                {a.isMe ? ' (you)' : ''}
              </td>
              <td>
                <span className={`ps ps-${a.partstat.toLowerCase()}`}>{PARTSTAT_TEXT[a.partstat] ?? a.partstat}</span>
                {a.exceptions && a.exceptions.length > 0 && (
                  <div className="exceptions" data-testid="exceptions">
                    {exceptionsText(a.exceptions, tz)}
                  </div>
                )}
              </td>
              <td>
                <Bdi text={a.comment} />
              </td>
            </tr>
          ))}
          </DataTable>
        </section>
      )}

      {d.pending.length > 0 && (
        <section aria-label="To decide">
          <h3>To decide</h3>
          <ul className="pending-list">
            {d.pending.map((p) => (
              <PendingItemView key={p.id} item={p} uid={uid} tz={tz} onDone={refresh} />
            ))}
          </ul>
        </section>
      )}

      {canOrganize && !d.cancelled && (
        <section className="organize" aria-label="Organize">
          <h3>{d.role === 'organizer' ? 'Organize' : 'Event'}</h3>
          <div className="row">
            <button type="button" onClick={() => go({ name: 'editor', uid })}>
              Edit {d.role === 'organizer' ? 'meeting' : 'event'}
            </button>
          </div>
          <div className="row wrap">
            <OccurrenceSelect label="What to cancel" whole={`The whole ${d.rrule ? 'series' : 'meeting'}`} occurrences={d.occurrences} tz={tz} value={cancelOcc} onChange={setCancelOcc} />
            {d.attendees.length > 0 && (
              <label>
                Message with the cancellation
                <input type="text" value={cancelComment} onChange={(e) => setCancelComment(e.target.value)} />
              </label>
            )}
            <button type="button" className="danger" disabled={busy} onClick={() => void cancel()}>
              {d.attendees.length ? 'Cancel meeting' : 'Cancel event'}
            </button>
          </div>
        </section>
      )}
      {(canOrganize || d.role === 'personal') && d.cancelled && (
        <div className="row">
          <button type="button" onClick={() => void remove()}>
            Remove from calendar
          </button>
        </div>
      )}

      <OriginalMailButton uid={d.uid} thread={d.thread} />
      <ThreadView d={d} tz={tz} />
    </article>
  );
}
