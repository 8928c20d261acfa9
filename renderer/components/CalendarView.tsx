import { useEffect, useMemo, useRef, useState } from 'react';
import type { OccurrenceView } from '../../shared/api';
import { api } from '../api-client';
import { useApp } from '../context';
import { dayKey, errText, fmtDate, fmtRange, fmtTime, isDateOnly, toWall } from '../format';

const HOUR_PX = 40;

function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

function mondayOf(date: string): string {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((dow + 6) % 7));
}

/** Minutes since local midnight in `tz`. */
function minutesOf(iso: string, tz: string): number {
  const w = toWall(iso, tz);
  return Number(w.slice(11, 13)) * 60 + Number(w.slice(14, 16));
}

export function CalendarView() {
  const { tz, tick, go } = useApp();
  const [mode, setMode] = useState<'week' | 'agenda'>('week');
  const today = useMemo(() => toWall(Date.now(), tz).slice(0, 10), [tz]);
  const [anchor, setAnchor] = useState(today);
  const [items, setItems] = useState<OccurrenceView[]>([]);
  const [error, setError] = useState('');
  const gridRef = useRef<HTMLDivElement>(null);

  const weekStart = mondayOf(anchor);
  const days = Array.from({ length: 7 }, (_, i) => addDays(weekStart, i));
  const first = mode === 'week' ? weekStart : anchor;
  const last = mode === 'week' ? addDays(weekStart, 7) : addDays(anchor, 30);

  useEffect(() => {
    // Query a day wider on each side (the zone's offset), then bucket by the user's local date.
    void api.listAgenda({ from: `${addDays(first, -1)}T00:00:00Z`, to: `${addDays(last, 1)}T00:00:00Z` }).then((r) => {
      if (!r.ok) return setError(errText(r));
      setError('');
      setItems(r.value.filter((o) => dayKey(o.start, tz) >= first && dayKey(o.start, tz) < last));
    });
  }, [first, last, tz, tick]);

  useEffect(() => {
    if (mode === 'week' && gridRef.current) gridRef.current.scrollTop = 7.5 * HOUR_PX;
  }, [mode]);

  const byDay = new Map<string, OccurrenceView[]>();
  for (const o of items) {
    const k = dayKey(o.start, tz);
    byDay.set(k, [...(byDay.get(k) ?? []), o]);
  }

  const step = mode === 'week' ? 7 : 30;

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

      {mode === 'agenda' && (
        <div className="agenda" data-testid="agenda">
          {items.length === 0 && <p className="muted">Nothing in the next 30 days.</p>}
          {[...byDay.entries()].map(([day, list]) => (
            <section key={day} aria-label={fmtDate(day, tz)}>
              <h2 className="agenda-day">{fmtDate(day, tz)}</h2>
              <ul>
                {list.map((o) => (
                  <li key={`${o.uid}/${o.recurrenceId ?? ''}/${o.start}`}>
                    <button type="button" className={o.declined ? 'agenda-item declined' : 'agenda-item'} data-declined={o.declined ? 'true' : undefined} onClick={() => go({ name: 'invitations', uid: o.uid })}>
                      <span className="agenda-time">{o.allDay ? 'All day' : `${fmtTime(o.start, tz)} – ${fmtTime(o.end, tz)}`}</span>
                      <span>{o.summary || '(no title)'}</span>
                      {o.status === 'TENTATIVE' && <span className="badge">tentative</span>}
                      {o.declined && <span className="badge">declined</span>}
                    </button>
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </div>
      )}

      {mode === 'week' && (
        <div className="week" data-testid="week">
          <div className="week-row week-days">
            <div className="gutter" />
            {days.map((d) => (
              <div key={d} className={d === today ? 'day-head today' : 'day-head'}>
                {new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(`${d}T00:00:00Z`))}
              </div>
            ))}
          </div>
          <div className="week-row allday-row">
            <div className="gutter small muted">all day</div>
            {days.map((d) => (
              <div key={d} className="allday-cell">
                {(byDay.get(d) ?? [])
                  .filter((o) => o.allDay || isDateOnly(o.start))
                  .map((o) => (
                    <button key={`${o.uid}/${o.start}`} type="button" className="ev allday" onClick={() => go({ name: 'invitations', uid: o.uid })}>
                      {o.summary || '(no title)'}
                    </button>
                  ))}
              </div>
            ))}
          </div>
          <div className="week-grid" ref={gridRef}>
            <div className="week-row" style={{ height: 24 * HOUR_PX }}>
              <div className="gutter">
                {Array.from({ length: 24 }, (_, h) => (
                  <div key={h} className="hour-label" style={{ height: HOUR_PX }}>
                    {String(h).padStart(2, '0')}:00
                  </div>
                ))}
              </div>
              {days.map((d) => (
                <div key={d} className="day-col">
                  {(byDay.get(d) ?? [])
                    .filter((o) => !(o.allDay || isDateOnly(o.start)))
                    .map((o) => {
                      const top = (minutesOf(o.start, tz) / 60) * HOUR_PX;
                      const sameDay = dayKey(o.end, tz) === d;
                      const endMin = sameDay ? minutesOf(o.end, tz) : 24 * 60;
                      const height = Math.max(((endMin - minutesOf(o.start, tz)) / 60) * HOUR_PX, 18);
                      return (
                        <button
                          key={`${o.uid}/${o.recurrenceId ?? ''}/${o.start}`}
                          type="button"
                          className={o.declined ? 'ev declined' : 'ev'}
                          data-declined={o.declined ? 'true' : undefined}
                          style={{ top, height }}
                          title={`${o.summary ?? ''} ${fmtRange(o.start, o.end, tz, false)}`}
                          onClick={() => go({ name: 'invitations', uid: o.uid })}
                        >
                          <strong>{fmtTime(o.start, tz)}</strong> {o.summary || '(no title)'}
                          {o.declined && <span className="sr-only"> (declined)</span>}
                        </button>
                      );
                    })}
                </div>
              ))}
            </div>
          </div>
        </div>
      )}
    </section>
  );
}
