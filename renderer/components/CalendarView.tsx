import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { OccurrenceMark, OccurrenceView } from '../../shared/api';
import { stripBidiControls } from '../../shared/present/bidi';
import type { Result } from '../../shared/errors';
import { api } from '../api-client';
import { useApp } from '../context';
import type { View } from '../context';
import { occurrenceResponsesTag, occurrenceResponsesText } from '../answer-words';
import { dayKey, errText, fmtDate, fmtDayHead, fmtHour, fmtRange, fmtTime, isDateOnly, toWall } from '../format';
import { Bdi } from './Person';

/** How each status reads, in words as well as in look (never by colour alone: issue 11 §15). */
export const MARK_TEXT: Record<OccurrenceMark, string> = {
  'needs-answer': 'Needs answer',
  accepted: 'Accepted',
  tentative: 'Tentative',
  declined: 'Declined',
  cancelled: 'Cancelled',
  organizer: 'Organizer',
};

/** The short tag shown on an event of the week (accepted and own meetings show none: they are the normal case). */
const MARK_TAG: Partial<Record<OccurrenceMark, string>> = { 'needs-answer': '?', tentative: 'Maybe', declined: 'Declined', cancelled: 'Cancelled' };

function markOf(o: OccurrenceView): OccurrenceMark {
  if (o.declined) return 'declined';
  return o.mark ?? ((o.status ?? '').toUpperCase() === 'TENTATIVE' ? 'tentative' : 'accepted');
}

/** On my own meetings: who declined or hesitated about this occurrence (issue 11 §2); '' otherwise. */
function responsesOf(o: OccurrenceView): string {
  return markOf(o) === 'organizer' ? occurrenceResponsesText(o.attendees) : '';
}

/** The week event's short tag: its status word, or on my own meetings how many declined/hesitated (issue 11 §2). */
function tagOf(o: OccurrenceView): string | undefined {
  return MARK_TAG[markOf(o)] ?? ((markOf(o) === 'organizer' && occurrenceResponsesTag(o.attendees)) || undefined);
}

function evLabel(o: OccurrenceView, tz: string): string {
  const when = o.allDay || isDateOnly(o.start) ? 'all day' : fmtRange(o.start, o.end, tz, false);
  return [o.summary || '(no title)', when, o.location ?? '', MARK_TEXT[markOf(o)], responsesOf(o)].filter(Boolean).join(', ');
}

const HOUR_PX = 48;

/** An occurrence with what the week draws of it, computed once per loaded week (see `placed` below). */
interface Placed {
  o: OccurrenceView;
  /** Its start's calendar day in the shown zone. */
  day: string;
  allDay: boolean;
  mark: OccurrenceMark;
  tag: string | undefined;
  label: string;
  /** Minutes since local midnight of its start and end, and its end's day (timed occurrences). */
  startMin: number;
  endMin: number;
  endDay: string;
  /** Its start time as the week shows it. */
  time: string;
  /** Its key among the week's events, and its summary and location as shown (bidi controls dropped, as Bdi does). */
  key: string;
  summary: string;
  where: string;
}

function place(o: OccurrenceView, tz: string): Placed {
  const allDay = o.allDay || isDateOnly(o.start);
  const start = allDay ? null : toWall(o.start, tz);
  const end = allDay ? null : toWall(o.end, tz);
  return {
    o,
    day: start ? start.slice(0, 10) : dayKey(o.start, tz),
    allDay,
    mark: markOf(o),
    tag: tagOf(o),
    label: evLabel(o, tz),
    startMin: start ? wallMinutes(start) : 0,
    endMin: end ? wallMinutes(end) : 0,
    endDay: end ? end.slice(0, 10) : isDateOnly(o.end) ? o.end : dayKey(o.end, tz),
    time: allDay ? '' : fmtTime(o.start, tz),
    key: `${o.uid}/${o.recurrenceId ?? ''}/${o.start}`,
    summary: stripBidiControls(o.summary || '(no title)'),
    where: stripBidiControls(o.location ?? ''),
  };
}

/** Runs `fn` right after the next frame is drawn (a task queued from the frame's callback); returns its cancel. */
function afterPaint(fn: () => void): () => void {
  let timer = 0;
  const frame = window.requestAnimationFrame(() => {
    timer = window.setTimeout(fn, 0);
  });
  return () => {
    window.cancelAnimationFrame(frame);
    window.clearTimeout(timer);
  };
}

/** Minutes since midnight of a wall time 'YYYY-MM-DDTHH:mm' (as toWall writes it). */
function wallMinutes(w: string): number {
  return Number(w.slice(11, 13)) * 60 + Number(w.slice(14, 16));
}

function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

function mondayOf(date: string): string {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((dow + 6) % 7));
}

export function CalendarView({ anchor: keptAnchor, onAnchor }: { anchor?: string | null; onAnchor?: (a: string) => void } = {}) {
  const { tz, tick, go } = useApp();
  const [mode, setMode] = useState<'week' | 'agenda'>('week');
  const today = useMemo(() => toWall(Date.now(), tz).slice(0, 10), [tz]);
  const [anchor, setAnchorState] = useState(keptAnchor ?? today);
  const setAnchor = (a: string) => {
    setAnchorState(a);
    onAnchor?.(a);
  };
  const gridRef = useRef<HTMLDivElement | null>(null);
  // A grid drawn anew (the week shown again after the agenda) starts at the top.
  const onGrid = useCallback((el: HTMLDivElement | null) => {
    gridRef.current = el;
    gridAt.current = 0;
  }, []);

  const weekStart = mondayOf(anchor);
  const days = useMemo(() => Array.from({ length: 7 }, (_, i) => addDays(weekStart, i)), [weekStart]);
  // The agenda lists the shown week and the four after it (so switching from the week keeps its days in view).
  const first = weekStart;
  const last = mode === 'week' ? addDays(weekStart, 7) : addDays(weekStart, 35);
  const step = mode === 'week' ? 7 : 28;

  // Answers per shown range, fetched ahead for the range after it and placed as soon as they come, so
  // "next week" draws from memory (issue 9 §4). Kept by this calendar only while it is shown, for the same `tick`
  // (any change the core reports makes a new key) and zone, and only the last few.
  const fetched = useRef(new Map<string, Promise<Result<Placed[]>>>());
  // The answers already in hand, by the same key: a range found here is drawn in the very render that shows its
  // dates (one commit, one layout), not after a promise's turn with the old week's events cleared in between.
  const answers = useRef(new Map<string, Placed[]>());
  const rangeKey = (from: string, to: string) => `${tick}|${tz}|${from}|${to}`;
  const fetchRange = (from: string, to: string): Promise<Result<Placed[]>> => {
    const key = rangeKey(from, to);
    let p = fetched.current.get(key);
    if (!p) {
      // Query a day wider on each side (the zone's offset), then bucket by the user's local date.
      p = api.listAgenda({ from: `${addDays(from, -1)}T00:00:00Z`, to: `${addDays(to, 1)}T00:00:00Z` }).then((r): Result<Placed[]> => {
        if (!r.ok) {
          fetched.current.delete(key);
          return r;
        }
        const value = r.value.map((o) => place(o, tz)).filter((x) => x.day >= from && x.day < to);
        answers.current.set(key, value);
        while (answers.current.size > 6) answers.current.delete(answers.current.keys().next().value as string);
        return { ok: true, value };
      });
      fetched.current.set(key, p);
      p.catch(() => fetched.current.delete(key));
      while (fetched.current.size > 6) fetched.current.delete(fetched.current.keys().next().value as string);
    }
    return p;
  };

  const shownKey = rangeKey(first, last);
  const answer = answers.current.get(shownKey);
  // Until the shown range's answer comes, the last one drawn stays (its days are not the shown ones: they draw empty).
  const lastDrawn = useRef<Placed[]>([]);
  const placed = answer ?? lastDrawn.current;
  useLayoutEffect(() => {
    lastDrawn.current = placed;
  }, [placed]);
  const loadedFor = answer ? `${mode}/${first}` : '';
  // Renders when the shown range's answer arrives (or fails), and when the next range's has (the week says so:
  // data-ahead, which the UI bench waits for).
  const [, setArrived] = useState(0);
  const [failure, setFailure] = useState<{ key: string; text: string } | null>(null);
  const error = failure?.key === shownKey ? failure.text : '';
  const [aheadFor, setAheadFor] = useState('');
  const nextKey = rangeKey(addDays(first, step), addDays(last, step));

  useEffect(() => {
    let live = true;
    let later = (): void => {};
    const shown = (): void => {
      // The following range next (where "next" goes), once this one is drawn: its answer must not hold up this
      // range's first paint. The range before is usually in hand already (the one just left); asking for it too
      // would land its answer (parsed and placed on the page's thread) just when the user switches.
      later = afterPaint(() =>
        void fetchRange(addDays(first, step), addDays(last, step)).then((r) => {
          if (live && r.ok) setAheadFor(nextKey);
        }),
      );
    };
    if (answers.current.has(shownKey)) shown();
    else
      void fetchRange(first, last).then((r) => {
        if (!live) return;
        if (r.ok) setArrived((n) => n + 1);
        else setFailure({ key: shownKey, text: errText(r) });
        shown();
      });
    return () => {
      live = false;
      later();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [first, last, tz, tick, mode]);

  const byDay = useMemo(() => {
    const m = new Map<string, Placed[]>();
    for (const p of placed) {
      const list = m.get(p.day);
      if (list) list.push(p);
      else m.set(p.day, [p]);
    }
    return m;
  }, [placed]);

  // The week opens at its first timed event (half an hour before), else at 07:30: nothing of the week hides above.
  const firstMinute = useMemo(() => placed.reduce<number | null>((m, p) => (p.allDay || (m !== null && m <= p.startMin) ? m : p.startMin), null), [placed]);
  // Before the new week is painted (a layout effect): its scroll position is part of the same frame.
  // The grid's scroll position as last set or scrolled to (from its scroll events, read when layout is clean): a
  // week that opens where the grid already is writes nothing, so the switch forces no layout of its own.
  const gridAt = useRef(0);
  useLayoutEffect(() => {
    if (mode !== 'week' || !gridRef.current || loadedFor !== `week/${first}`) return;
    const at = firstMinute === null ? 7.5 * HOUR_PX : Math.max(0, (firstMinute - 30) / 60) * HOUR_PX;
    if (at === gridAt.current) return;
    gridAt.current = at;
    gridRef.current.scrollTop = at;
    // Once per shown week: a later change (an answer) must not jump the view.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [mode, loadedFor]);

  return (
    <section className="calendar" aria-labelledby="cal-h">
      <div className="cal-head">
        <h1 id="cal-h">Calendar</h1>
        <div className="row" role="group" aria-label="View">
          <button type="button" aria-pressed={mode === 'week'} onClick={() => setMode('week')}>
            Week
          </button>
          <button type="button" aria-pressed={mode === 'agenda'} onClick={() => setMode('agenda')}>
            Agenda
          </button>
        </div>
        <div className="row" role="group" aria-label="Navigate">
          <button type="button" aria-label="Previous" onClick={() => setAnchor(addDays(anchor, -step))}>
            ‹
          </button>
          <button type="button" onClick={() => setAnchor(today)}>
            Today
          </button>
          <button type="button" aria-label="Next" onClick={() => setAnchor(addDays(anchor, step))}>
            ›
          </button>
        </div>
        <span className="muted">
          {fmtDate(first, tz)} – {fmtDate(addDays(last, -1), tz)} · {tz}
        </span>
        <button type="button" className="primary" onClick={() => go({ name: 'editor' })}>
          New meeting
        </button>
      </div>
      {error && <p className="error">{error}</p>}
      <ul className="legend small" aria-label="Legend">
        {(['accepted', 'needs-answer', 'tentative', 'declined', 'cancelled'] as OccurrenceMark[]).map((m) => (
          <li key={m}>
            <span className={`legend-swatch ev mark-${m}`} aria-hidden="true">
              {m === 'needs-answer' ? '? ' : ''}
              <span className="ev-summary">Abc</span>
            </span>
            {MARK_TEXT[m]}
          </li>
        ))}
      </ul>

      {mode === 'agenda' && (
        <div className="agenda" data-testid="agenda">
          {placed.length === 0 && <p className="muted">Nothing in these five weeks.</p>}
          {[...byDay.entries()].map(([day, list]) => (
            <section key={day} aria-label={fmtDate(day, tz)}>
              <h2 className="agenda-day">{fmtDate(day, tz)}</h2>
              <ul>
                {list.map(({ o }) => (
                  <li key={`${o.uid}/${o.recurrenceId ?? ''}/${o.start}`}>
                    <button type="button" className={`agenda-item mark-${markOf(o)}${o.declined ? ' declined' : ''}`} data-mark={markOf(o)} data-declined={o.declined ? 'true' : undefined} onClick={() => go({ name: 'invitations', uid: o.uid })}>
                      <span className="agenda-time">{o.allDay || isDateOnly(o.start) ? 'All day' : `${fmtTime(o.start, tz)} – ${fmtTime(o.end, tz)}`}</span>
                      <span className="agenda-what">
                        <Bdi text={o.summary || '(no title)'} className="agenda-summary" />
                        {o.location && <Bdi text={o.location} className="muted small agenda-where" />}
                        {responsesOf(o) && <span className="small agenda-responses" data-testid="agenda-responses">{responsesOf(o)}</span>}
                      </span>
                      {markOf(o) !== 'accepted' && markOf(o) !== 'organizer' && <span className={`badge mark-badge mark-${markOf(o)}`}>{MARK_TEXT[markOf(o)]}</span>}
                    </button>
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </div>
      )}

      {mode === 'week' && (
        <div className="week" data-testid="week" data-ahead={aheadFor === nextKey ? 'ready' : undefined}>
          <div className="week-row week-days">
            <div className="gutter" />
            {days.map((d) => (
              <div key={d} className={d === today ? 'day-head today' : 'day-head'}>
                {fmtDayHead(d)}
              </div>
            ))}
          </div>
          <div className="week-row allday-row">
            <div className="gutter small muted">all day</div>
            {days.map((d, i) => (
              <AllDayCell key={i} list={byDay.get(d) ?? NONE} go={go} />
            ))}
          </div>
          <div className="week-grid" ref={onGrid} onScroll={(e) => (gridAt.current = e.currentTarget.scrollTop)}>
            <div className="week-row" style={{ height: 24 * HOUR_PX }}>
              <HourGutter />
              {days.map((d, i) => (
                <DayColumn key={i} day={d} list={byDay.get(d) ?? NONE} go={go} />
              ))}
            </div>
          </div>
        </div>
      )}
    </section>
  );
}

const NONE: Placed[] = [];

type Go = (v: View) => void;

/** The hours down the week's left side: the same for every week, drawn once. */
const HourGutter = memo(function HourGutter() {
  return (
    <div className="gutter">
      {Array.from({ length: 24 }, (_, h) => (
        <div key={h} className="hour-label" style={{ height: HOUR_PX }}>
          {fmtHour(h)}
        </div>
      ))}
    </div>
  );
});

/**
 * One day's all-day events. Cells and columns are keyed by their place in the week (Monday first), not by date, so
 * "next week" reuses their elements; the events inside keep their own keys (uid, recurrence, start).
 */
const AllDayCell = memo(function AllDayCell({ list, go }: { list: Placed[]; go: Go }) {
  return (
    <div className="allday-cell">
      {list
        .filter((p) => p.allDay)
        .map(({ o, key, mark, tag, label, summary }) => (
          <button key={key} type="button" className={`ev allday mark-${mark}`} data-mark={mark} aria-label={label} onClick={() => go({ name: 'invitations', uid: o.uid })}>
            {tag && <span className="ev-tag">{tag}</span>}
            <bdi>{summary}</bdi>
          </button>
        ))}
    </div>
  );
});

/** One day's timed events, each at its hour; memoized: a render that keeps the day's list draws nothing again. */
const DayColumn = memo(function DayColumn({ day, list, go }: { day: string; list: Placed[]; go: Go }) {
  return (
    <div className="day-col">
      {list.map((p) => (p.allDay ? null : <WeekEvent key={p.key} p={p} day={day} go={go} />))}
    </div>
  );
});

const WeekEvent = memo(function WeekEvent({ p, day, go }: { p: Placed; day: string; go: Go }) {
  const { o, mark, tag, label, startMin, endDay, endMin: end, time, summary, where } = p;
  const top = (startMin / 60) * HOUR_PX;
  const endMin = endDay === day ? end : 24 * 60;
  const height = Math.max(((endMin - startMin) / 60) * HOUR_PX, 18);
  return (
    <button
      type="button"
      className={`ev mark-${mark}${o.declined ? ' declined' : ''}`}
      data-mark={mark}
      data-declined={o.declined ? 'true' : undefined}
      style={{ top, height }}
      title={label}
      aria-label={label}
      onClick={() => go({ name: 'invitations', uid: o.uid })}
    >
      {tag && <span className="ev-tag">{tag}</span>}
      <strong>{time}</strong> <bdi className="ev-summary">{summary}</bdi>
      {where && height >= 44 && <bdi className="ev-where">{where}</bdi>}
    </button>
  );
});
