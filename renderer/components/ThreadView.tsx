// The messages of one meeting as people would tell them (issue 11 §9): "You replied Accepted", "Bob accepted",
// "Alice moved it to 10:00". The engine's words (method, outcome, reason) stay available under "Details".
import type { InvitationDetail } from '../../shared/api';
import { peopleOf, threadLine } from '../answer-words';
import { fmtDateTime } from '../format';
import { Bdi } from './Person';

export function ThreadView({ d, tz }: { d: InvitationDetail; tz: string }) {
  if (d.thread.length === 0) return null;
  const people = peopleOf(d);
  // Only the newest reschedule can name the new time (the current one); older ones say the time changed.
  let newest = -1;
  d.thread.forEach((m, i) => {
    if ((m.method ?? '').toUpperCase() === 'REQUEST' && m.action === 'updated' && /rescheduled/.test(m.reason)) newest = i;
  });
  const items = d.thread.map((m, i) => ({ m, line: threadLine(m, people, tz, { latestStart: d.start, newestReschedule: i === newest }) }));
  return (
    <section aria-label="Messages in this thread">
      <h3>Messages</h3>
      <ol className="thread" data-testid="thread">
        {[...items].reverse().map(({ m, line }) => (
          <li key={m.key} data-deleted={m.deleted ? 'true' : undefined} data-mine={m.mine ? 'true' : undefined}>
            <span className="thread-line">{line}</span> <span className="muted small">{m.date ? fmtDateTime(m.date, tz) : ''}</span>
            {m.deleted && <span className="muted small"> (deleted on the server)</span>}
            <details className="small">
              <summary>Details</summary>
              <div className="muted">
                {m.method ?? 'file'} from <Bdi text={m.from ?? 'unknown'} />: {m.action} — {m.reason}
              </div>
            </details>
          </li>
        ))}
      </ol>
    </section>
  );
}
