// "Propose new time" (issue 11 §10): the form, with free slots from my own calendar near the meeting's time offered
// as one-click choices (renderer/free-slots.ts). Sending queues a COUNTER to the organizer; the answer bar then
// shows the proposal as waiting.
import { useEffect, useMemo, useState } from 'react';
import type { InvitationDetail } from '../../shared/api';
import { api } from '../api-client';
import { dayAndTime, shortTime } from '../answer-words';
import { useApp } from '../context';
import { errText, fmtRange, toWall, zoneName } from '../format';
import { freeSlots, workingHours, type Interval } from '../free-slots';

const DAY = 86_400_000;

function ms(v: string): number {
  return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
}

export function ProposeTime({ d, occurrence, onDone }: { d: InvitationDetail; occurrence: string; onDone: (sent: boolean) => void }) {
  const { tz, toast } = useApp();
  const occ = d.occurrences.find((o) => (o.recurrenceId ?? o.start) === occurrence);
  const start = occ?.start ?? d.start;
  const end = occ?.end ?? d.end;
  const [prop, setProp] = useState({ start: start ? toWall(start, tz) : '', end: end ? toWall(end, tz) : '', comment: '' });
  const [busy, setBusy] = useState(false);
  const [slots, setSlots] = useState<Interval[] | null>(null);
  const timed = !!start && !d.allDay;
  const around = start ? ms(start) : NaN;
  const len = start && end ? ms(end) - ms(start) : 3_600_000;

  // My calendar around the meeting's time (this meeting itself is not busy time: it is what moves).
  useEffect(() => {
    if (!timed || !Number.isFinite(around)) return;
    let live = true;
    void api.listAgenda({ from: new Date(around - 4 * DAY).toISOString(), to: new Date(around + 4 * DAY).toISOString() }).then((r) => {
      if (!live || !r.ok) return;
      const busy = r.value.filter((o) => o.uid !== d.uid && !o.declined && (o.status ?? '').toUpperCase() !== 'CANCELLED' && !o.allDay).map((o) => ({ start: ms(o.start), end: ms(o.end) }));
      setSlots(freeSlots({ busy, around, durationMs: len, notBefore: Date.now(), fits: workingHours(tz) }));
    });
    return () => {
      live = false;
    };
  }, [timed, around, len, tz, d.uid]);

  const what = useMemo(
    () => (occurrence && occ ? `the occurrence of ${fmtRange(occ.start, null, tz, d.allDay)}` : d.rrule ? 'the whole series' : 'the meeting'),
    [occurrence, occ, tz, d.allDay, d.rrule],
  );

  const send = async () => {
    setBusy(true);
    const r = await api.proposeNewTime({ uid: d.uid, recurrenceId: occurrence || null, start: prop.start, end: prop.end, timezone: tz, comment: prop.comment.trim() || undefined });
    setBusy(false);
    if (!r.ok) return toast(errText(r), 'error');
    toast('Proposal sent to the organizer.');
    onDone(true);
  };

  return (
    <form
      className="propose"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <p className="muted small" data-testid="proposal-for">
        New time for {what}, in {zoneName(tz, start)}.
      </p>
      {slots && slots.length > 0 && (
        <div className="free-slots" role="group" aria-labelledby="free-slots-label" data-testid="free-slots">
          <span className="small" id="free-slots-label">
            Free in your calendar
          </span>
          {slots.map((s) => {
            const a = new Date(s.start).toISOString();
            const b = new Date(s.end).toISOString();
            return (
              <button key={s.start} type="button" className="slot small" aria-pressed={toWall(s.start, tz) === prop.start && toWall(s.end, tz) === prop.end} onClick={() => setProp({ ...prop, start: toWall(s.start, tz), end: toWall(s.end, tz) })}>
                {dayAndTime(a, tz)} – {shortTime(b, tz)}
              </button>
            );
          })}
        </div>
      )}
      {slots && slots.length === 0 && <p className="muted small">No free time of this length near the meeting in your working hours.</p>}
      <div className="row">
        <label>
          Proposed start ({tz})
          <input type="datetime-local" required autoFocus value={prop.start} onChange={(e) => setProp({ ...prop, start: e.target.value })} />
        </label>
        <label>
          Proposed end ({tz})
          <input type="datetime-local" required value={prop.end} onChange={(e) => setProp({ ...prop, end: e.target.value })} />
        </label>
      </div>
      <label>
        Message to the organizer
        <input type="text" value={prop.comment} onChange={(e) => setProp({ ...prop, comment: e.target.value })} />
      </label>
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          Send proposal
        </button>
        <button type="button" onClick={() => onDone(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
