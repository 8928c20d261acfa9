// The answer bar at the top of an invitation (issue 11 §4, §5, §10), like Thunderbird's invitation bar and Outlook's:
// the state in words, Accept / Tentative / Decline / Propose new time, "Do not send a response" (the default follows
// the organizer's RSVP), one comment box. After answering, focus stays on the pressed button and the bar says
// whether the answer was sent or waits in the outbox.
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { InvitationDetail, Partstat } from '../../shared/api';
import { api } from '../api-client';
import { answerStateText, dayAndTime, personName, peopleOf } from '../answer-words';
import { useApp } from '../context';
import { errText, fmtRange, PARTSTAT_TEXT } from '../format';
import { ProposeTime } from './ProposeTime';
import { Bdi } from './Person';

/** The whole series or one occurrence of it (shown only when there is more than one). */
export function OccurrenceSelect({ label, whole, occurrences, tz, value, onChange }: { label: string; whole: string; occurrences: InvitationDetail['occurrences']; tz: string; value: string; onChange: (v: string) => void }) {
  if (occurrences.length < 2) return null;
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{whole}</option>
        {occurrences.map((o) => (
          <option key={o.recurrenceId ?? o.start} value={o.recurrenceId ?? o.start}>
            Only {fmtRange(o.start, o.end, tz, o.allDay)}
          </option>
        ))}
      </select>
    </label>
  );
}

type Delivery = { ids: string[]; partstat: Partstat; sent: boolean };

const ANSWERS: [Partstat, string][] = [
  ['ACCEPTED', 'Accept'],
  ['TENTATIVE', 'Tentative'],
  ['DECLINED', 'Decline'],
];

export function AnswerBar({ d, onChanged }: { d: InvitationDetail; onChanged: () => void }) {
  const { tz, tick, toast } = useApp();
  const [comment, setComment] = useState('');
  const [occurrence, setOccurrence] = useState('');
  const [noSend, setNoSend] = useState(d.rsvp === false);
  const [busy, setBusy] = useState(false);
  const [proposing, setProposing] = useState(false);
  const [delivery, setDelivery] = useState<Delivery | null>(null);
  const [outboxState, setOutboxState] = useState<string>('');
  const pressed = useRef<HTMLButtonElement | null>(null);
  const organizer = d.organizer ? personName(d.organizer.cn ? `${d.organizer.cn} <${d.organizer.email}>` : d.organizer.email, peopleOf(d)) : 'the organizer';

  // Where the last answer is: the outbox item's state, followed as the outbox changes.
  useEffect(() => {
    if (!delivery || delivery.ids.length === 0) return;
    let live = true;
    void api.listOutbox().then((r) => {
      if (!live || !r.ok) return;
      const items = r.value.filter((i) => delivery.ids.includes(i.id));
      setOutboxState(items.length > 0 && items.every((i) => i.state === 'sent') ? 'sent' : items.some((i) => i.state === 'failed') ? 'failed' : 'waiting');
    });
    return () => {
      live = false;
    };
  }, [delivery, tick]);

  // Focus stays on the bar: the button pressed gets it back once the answer is recorded.
  useEffect(() => {
    if (!busy && pressed.current) pressed.current.focus();
  }, [busy]);

  const answer = async (partstat: Partstat, button: HTMLButtonElement) => {
    pressed.current = button;
    setBusy(true);
    const r = await api.respond({ uid: d.uid, partstat, comment: comment.trim() || undefined, recurrenceId: occurrence || null, ...(noSend ? { send: false } : {}) });
    setBusy(false);
    if (!r.ok) return toast(errText(r), 'error');
    setDelivery({ ids: r.value.queued, partstat, sent: !noSend });
    setOutboxState(noSend ? '' : 'waiting');
    setComment('');
    onChanged();
  };

  const deliveryText = (): ReactNode => {
    if (!delivery) return '';
    const what = PARTSTAT_TEXT[delivery.partstat] ?? delivery.partstat;
    if (!delivery.sent) return `${what}: saved in your calendar; no response was sent.`;
    if (outboxState === 'sent') return (
        <>
          {what}: your answer was sent to <Bdi text={organizer} />.
        </>
      );
    if (outboxState === 'failed') return `${what}: sending failed; your answer waits in the outbox (see Status & outbox).`;
    return `${what}: your answer is waiting in the outbox.`;
  };

  const p = d.proposal;
  // The answer given to the series, shown as the pressed button (none while unanswered or after a reschedule).
  const answered = (['ACCEPTED', 'TENTATIVE', 'DECLINED'] as string[]).includes(d.myAnswer?.partstat ?? '') && !d.held ? d.myAnswer!.partstat : null;
  return (
    <section className="answer-bar" aria-label="Your answer" data-testid="answer-bar" data-focus-target="answer-bar">
      <p className="answer-state" data-testid="answer-state">
        <strong>{answerStateText(d, tz)}</strong>
        {d.myAnswer?.comment && d.myAnswer.partstat !== 'NEEDS-ACTION' && <span className="muted"> — you wrote ‘<Bdi text={d.myAnswer.comment} />’</span>}
      </p>
      <p className="answer-delivery small" role="status" aria-live="polite" data-testid="answer-delivery">
        {deliveryText()}
      </p>
      {p && (
        <p className="small" data-testid="proposal-state">
          {p.waiting ? 'You proposed ' : 'You had proposed '}
          <strong>{dayAndTime(p.start, tz)}</strong>
          {p.waiting ? (
            <>
              {' — waiting for '}
              <Bdi text={organizer} />'s answer.
            </>
          ) : (
            <>
              {' — '}
              <Bdi text={organizer} /> has answered since.
            </>
          )}
        </p>
      )}
      <div className="answer-row">
        {ANSWERS.map(([ps, label], i) => (
          <button
            key={ps}
            type="button"
            className={i === 0 && !answered ? 'primary' : undefined}
            disabled={busy}
            aria-pressed={answered === ps && !occurrence}
            onClick={(e) => void answer(ps, e.currentTarget)}
          >
            {label}
          </button>
        ))}
        <button type="button" disabled={busy} aria-expanded={proposing} onClick={() => setProposing((x) => !x)}>
          Propose new time
        </button>
        <label className="inline">
          <input type="checkbox" checked={noSend} onChange={(e) => setNoSend(e.target.checked)} /> Do not send a response
        </label>
      </div>
      <div className="answer-row">
        <label className="grow">
          Comment (optional)
          <textarea value={comment} onChange={(e) => setComment(e.target.value)} rows={1} />
        </label>
        <OccurrenceSelect label="Answer for" whole="The whole series" occurrences={d.occurrences} tz={tz} value={occurrence} onChange={setOccurrence} />
      </div>
      {proposing && (
        <ProposeTime
          d={d}
          occurrence={occurrence}
          onDone={(sent) => {
            setProposing(false);
            if (sent) onChanged();
          }}
        />
      )}
    </section>
  );
}
