// What the last update changed (issue 11 §6): the old and the new time, place, title, repetition and guests, side
// by side. The data is the stored previous version compared with the current one (shared/itip/changes.ts).
import type { InvitationDetail } from '../../shared/api';
import type { VersionChange } from '../../shared/itip/changes';
import { changeSummary, shortDay } from '../answer-words';
import { fmtRange } from '../format';
import { describeRecurrence } from '../../shared/present/rrule-text';
import { Fragment } from 'react';
import { Bdi } from './Person';

function Names({ list }: { list: { email: string; cn: string | null }[] }) {
  return (
    <>
      {list.map((a, i) => (
        <Fragment key={a.email}>
          {i > 0 && ', '}
          <Bdi text={a.cn || a.email} />
        </Fragment>
      ))}
    </>
  );
}

function Row({ c, tz }: { c: VersionChange; tz: string }) {
  switch (c.field) {
    case 'time':
      return (
        <tr data-field="time">
          <th scope="row">Time</th>
          <td className="before">{fmtRange(c.before.start, c.before.end, tz, c.before.allDay)}</td>
          <td className="after">{fmtRange(c.after.start, c.after.end, tz, c.after.allDay)}</td>
        </tr>
      );
    case 'attendees':
      return (
        <tr data-field="attendees">
          <th scope="row">Guests</th>
          <td className="before">{c.removed.length ? (
              <>
                Removed: <Names list={c.removed} />
              </>
            ) : (
              '—'
            )}</td>
          <td className="after">{c.added.length ? (
              <>
                Added: <Names list={c.added} />
              </>
            ) : (
              '—'
            )}</td>
        </tr>
      );
    default: {
      const label = { location: 'Place', summary: 'Title', rrule: 'Repeats' }[c.field];
      const show = (v: string | null) => (c.field === 'rrule' ? describeRecurrence(v) || 'Does not repeat' : v || '(none)');
      return (
        <tr data-field={c.field}>
          <th scope="row">{label}</th>
          <td className="before">
            <Bdi text={show(c.before)} />
          </td>
          <td className="after">
            <Bdi text={show(c.after)} />
          </td>
        </tr>
      );
    }
  }
}

/** Open while the update waits for my answer; once answered, folded under its heading (still one click away). */
export function ChangesView({ changes, tz, open }: { changes: NonNullable<InvitationDetail['changes']>; tz: string; open: boolean }) {
  const title = `What changed${changes.recurrenceId ? ` (${shortDay(changes.recurrenceId, tz)} only)` : ''}: ${changeSummary(changes.items)}`;
  const table = (
    <table className="changes-table">
      <thead>
        <tr>
          <td />
          <th scope="col">Before</th>
          <th scope="col">Now</th>
        </tr>
      </thead>
      <tbody>
        {changes.items.map((c) => (
          <Row key={c.field} c={c} tz={tz} />
        ))}
      </tbody>
    </table>
  );
  return (
    <section className="changes" aria-label="What changed" data-testid="changes">
      {open ? (
        <>
          <h3>{title}</h3>
          {table}
        </>
      ) : (
        <details>
          <summary>{title} (in the last update)</summary>
          {table}
        </details>
      )}
    </section>
  );
}
