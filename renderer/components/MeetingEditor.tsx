import { useEffect, useMemo, useState } from 'react';
import { LOCAL_IDENTITY } from '../../shared/api';
import type { MeetingDraft } from '../../shared/itip/meeting';
import { api } from '../api-client';
import { useApp } from '../context';
import { describeRecurrence } from '../../shared/present/rrule-text';
import { personWithAddress } from '../../shared/present/names';
import { errText, toWall } from '../format';
import { fromRrule, NO_REPEAT, toRrule, WEEKDAYS, weekdayOf, weekdayPosition, type RepeatForm, type Weekday } from '../recurrence-form';
import { isKnownZone, unknownZoneText, ZoneInput } from './ZoneInput';
import { Person } from './Person';

const DAY_SHORT: Record<Weekday, string> = { MO: 'Mon', TU: 'Tue', WE: 'Wed', TH: 'Thu', FR: 'Fri', SA: 'Sat', SU: 'Sun' };
const DAY_LONG: Record<Weekday, string> = { MO: 'Monday', TU: 'Tuesday', WE: 'Wednesday', TH: 'Thursday', FR: 'Friday', SA: 'Saturday', SU: 'Sunday' };
const POSITION: Record<number, string> = { 1: 'first', 2: 'second', 3: 'third', 4: 'fourth', [-1]: 'last' };

/** The recurrence part of the editor: how often, on which days, until when; described in words as it is edited. */
function RepeatFields({ form, start, allDay, timezone, onChange }: { form: RepeatForm; start: string; allDay: boolean; timezone: string; onChange: (f: RepeatForm) => void }) {
  const set = (p: Partial<RepeatForm>) => onChange({ ...form, ...p });
  const rule = toRrule(form, start, allDay, timezone);
  const unit: Record<string, string> = { DAILY: 'day', WEEKLY: 'week', MONTHLY: 'month', YEARLY: 'year' };
  const startDay = weekdayOf(start);
  const days = form.days.length ? form.days : [startDay];
  return (
    <fieldset className="repeat" data-testid="repeat">
      <legend>Repeat</legend>
      <div className="row wrap">
        <label>
          Repeats
          <select value={form.freq} onChange={(e) => set({ freq: e.target.value as RepeatForm['freq'] })}>
            <option value="">Does not repeat</option>
            <option value="DAILY">Daily</option>
            <option value="WEEKLY">Weekly</option>
            <option value="MONTHLY">Monthly</option>
            <option value="YEARLY">Yearly</option>
            {form.raw && form.freq === 'CUSTOM' && <option value="CUSTOM">As the organizer set it: {describeRecurrence(form.raw, start)}</option>}
          </select>
        </label>
        {form.freq && form.freq !== 'CUSTOM' && (
          <label>
            Every
            <span className="inline-input">
              <input type="number" min={1} max={99} value={form.interval} aria-label={`Every how many ${unit[form.freq]}s`} onChange={(e) => set({ interval: Math.max(1, Number(e.target.value) || 1) })} />
              {unit[form.freq]}
              {form.interval === 1 ? '' : 's'}
            </span>
          </label>
        )}
      </div>
      {form.freq === 'WEEKLY' && (
        <div className="weekdays" role="group" aria-label="On these days">
          {WEEKDAYS.map((d) => (
            <label key={d} className="inline day-toggle">
              <input
                type="checkbox"
                checked={days.includes(d)}
                aria-label={DAY_LONG[d]}
                onChange={(e) => {
                  const next = e.target.checked ? [...days, d] : days.filter((x) => x !== d);
                  set({ days: next.length ? next : [startDay] });
                }}
              />
              {DAY_SHORT[d]}
            </label>
          ))}
        </div>
      )}
      {form.freq === 'MONTHLY' && (
        <div className="row wrap" role="radiogroup" aria-label="Monthly on">
          <label className="inline">
            <input type="radio" name="monthly" checked={form.monthly === 'date'} onChange={() => set({ monthly: 'date' })} /> On day {Number(start.slice(8, 10))}
          </label>
          <label className="inline">
            <input type="radio" name="monthly" checked={form.monthly === 'weekday'} onChange={() => set({ monthly: 'weekday' })} /> On the {POSITION[weekdayPosition(start)]} {DAY_LONG[startDay]}
          </label>
        </div>
      )}
      {form.freq && form.freq !== 'CUSTOM' && (
        <div className="row wrap" role="radiogroup" aria-label="Ends">
          <label className="inline">
            <input type="radio" name="ends" checked={form.end === 'never'} onChange={() => set({ end: 'never' })} /> Never ends
          </label>
          <label className="inline">
            <input type="radio" name="ends" checked={form.end === 'until'} onChange={() => set({ end: 'until', until: form.until || start.slice(0, 10) })} /> Ends on
            <input type="date" aria-label="Last day" value={form.until} disabled={form.end !== 'until'} onChange={(e) => set({ until: e.target.value })} />
          </label>
          <label className="inline">
            <input type="radio" name="ends" checked={form.end === 'count'} onChange={() => set({ end: 'count' })} /> Ends after
            <input type="number" min={1} max={999} aria-label="Number of times" value={form.count} disabled={form.end !== 'count'} onChange={(e) => set({ count: Math.max(1, Number(e.target.value) || 1) })} /> times
          </label>
        </div>
      )}
      {rule && (
        <p className="rule-words" data-testid="rule-words">
          {describeRecurrence(rule, start)}
        </p>
      )}
    </fieldset>
  );
}

function nextHour(tz: string): [string, string] {
  const t = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3_600_000;
  return [toWall(t, tz), toWall(t + 3_600_000, tz)];
}

/** A start or end: a date for all-day events, else a wall time in the meeting's zone. */
function WhenField({ label, allDay, value, onChange }: { label: string; allDay: boolean; value: string; onChange: (v: string) => void }) {
  return (
    <label>
      {label}
      <input type={allDay ? 'date' : 'datetime-local'} required value={value} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

export function MeetingEditor({ uid }: { uid: string | null }) {
  const { tz, accounts, toast, go } = useApp();
  const identities = useMemo(() => {
    const list: { email: string; cn?: string }[] = [];
    for (const a of accounts) {
      list.push({ email: a.email, cn: a.displayName ?? undefined });
      for (const al of a.aliases) list.push({ email: al, cn: a.displayName ?? undefined });
    }
    return list.length ? list : [{ email: LOCAL_IDENTITY }];
  }, [accounts]);

  const [s0, e0] = nextHour(tz);
  const [draft, setDraft] = useState<MeetingDraft>({
    summary: '',
    description: '',
    location: '',
    start: s0,
    end: e0,
    timezone: tz,
    allDay: false,
    attendees: [],
    rrule: null,
    organizer: identities[0]!,
  });
  const [rec, setRec] = useState<RepeatForm>({ ...NO_REPEAT });
  const [loaded, setLoaded] = useState(uid === null);
  const [newAttendee, setNewAttendee] = useState('');
  const [suggestions, setSuggestions] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  useEffect(() => {
    if (!uid) return;
    void api.getMeetingDraft({ uid }).then((r) => {
      if (!r.ok) return setError(errText(r));
      const v = r.value;
      // The form edits an inclusive last day for all-day events; the draft's end is exclusive (DTEND).
      const end = v.allDay && v.end > v.start ? new Date(Date.parse(`${v.end.slice(0, 10)}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10) : v.end;
      setDraft({ ...v, end: v.allDay ? (end < v.start ? v.start : end) : v.end, description: v.description ?? '', location: v.location ?? '' });
      setRec(fromRrule(r.value.rrule, v.start, v.timezone));
      setLoaded(true);
    });
  }, [uid]);

  useEffect(() => {
    const prefix = newAttendee.trim();
    if (prefix.length < 1) return setSuggestions([]);
    let live = true;
    const t = setTimeout(() => {
      void api.suggestAddresses({ prefix }).then((r) => live && r.ok && setSuggestions(r.value.slice(0, 10)));
    }, 120);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [newAttendee]);

  const set = <K extends keyof MeetingDraft>(k: K, v: MeetingDraft[K]) => setDraft((d) => ({ ...d, [k]: v }));

  const addAttendee = () => {
    const parts = newAttendee
      .split(/[,;\s]+/)
      .map((x) => x.trim())
      .filter(Boolean);
    const bad = parts.filter((p) => !/^[^@\s]+@[^@\s]+$/.test(p));
    if (bad.length) return setError(`Not an e-mail address: ${bad.join(', ')}`);
    setError('');
    setDraft((d) => ({
      ...d,
      attendees: [...d.attendees, ...parts.filter((p) => !d.attendees.some((a) => a.email.toLowerCase() === p.toLowerCase())).map((email) => ({ email }))],
    }));
    setNewAttendee('');
  };

  const toggleAllDay = (allDay: boolean) => {
    setDraft((d) => {
      if (allDay) {
        const s = d.start.slice(0, 10);
        const e = d.end.slice(0, 10);
        return { ...d, allDay, start: s, end: e > s ? e : s };
      }
      return { ...d, allDay, start: `${d.start.slice(0, 10)}T09:00`, end: `${d.start.slice(0, 10)}T10:00` };
    });
  };

  const save = async () => {
    if (!draft.summary.trim()) return setError('Give the meeting a title.');
    if (!draft.allDay && !isKnownZone(draft.timezone)) return setError(unknownZoneText(draft.timezone));
    if (rec.freq && rec.freq !== 'CUSTOM' && rec.end === 'until' && rec.until < draft.start.slice(0, 10)) return setError('The repetition ends before the meeting starts.');
    const rrule = toRrule(rec, draft.start, draft.allDay, draft.timezone);
    let end = draft.end;
    // The form shows an inclusive last day for all-day events; iCalendar's DTEND is exclusive.
    if (draft.allDay) end = new Date(Date.parse(`${draft.end}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const payload: MeetingDraft = {
      ...draft,
      end,
      rrule,
      description: draft.description ?? '',
      location: draft.location ?? '',
    };
    setBusy(true);
    const r = await api.saveMeeting(payload);
    setBusy(false);
    if (!r.ok) return setError(errText(r));
    toast(
      draft.attendees.length === 0
        ? 'Saved to your calendar (a personal event: nothing is sent).'
        : uid
          ? `Update saved; ${r.value.queued.length} message(s) in the outbox.`
          : `Invitation saved; ${r.value.queued.length} message(s) in the outbox.`,
    );
    go({ name: 'invitations', uid: r.value.uid });
  };

  if (!loaded) return error ? <p className="error">{error}</p> : <p className="muted">Loading…</p>;


  return (
    <form
      className="editor"
      aria-labelledby="ed-h"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h1 id="ed-h">{uid ? 'Edit meeting' : 'New meeting'}</h1>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <label>
        Title
        <input type="text" required value={draft.summary} onChange={(e) => set('summary', e.target.value)} autoFocus />
      </label>
      <div className="row wrap">
        <WhenField
          label="Start"
          allDay={draft.allDay}
          value={draft.start}
          onChange={(v) =>
            setDraft((d) => {
              // Keep the duration when the start moves.
              if (!d.allDay && d.start && d.end) {
                const dur = Date.parse(`${d.end}:00Z`) - Date.parse(`${d.start}:00Z`);
                const ne = new Date(Date.parse(`${v}:00Z`) + (dur > 0 ? dur : 3_600_000)).toISOString().slice(0, 16);
                return { ...d, start: v, end: Number.isFinite(Date.parse(`${v}:00Z`)) ? ne : d.end };
              }
              return { ...d, start: v };
            })
          }
        />
        <WhenField label="End" allDay={draft.allDay} value={draft.end} onChange={(v) => set('end', v)} />
        <label className="inline">
          <input type="checkbox" checked={draft.allDay} onChange={(e) => toggleAllDay(e.target.checked)} /> All day
        </label>
        <ZoneInput label="Time zone" value={draft.timezone} disabled={draft.allDay} onChange={(v) => set('timezone', v)} />
      </div>
      <RepeatFields form={rec} start={draft.start} allDay={draft.allDay} timezone={draft.timezone} onChange={setRec} />
      <label>
        Location
        <input type="text" value={draft.location ?? ''} onChange={(e) => set('location', e.target.value)} />
      </label>
      <label>
        Description
        <textarea rows={4} value={draft.description ?? ''} onChange={(e) => set('description', e.target.value)} />
      </label>
      <label>
        From
        <select
          value={draft.organizer.email}
          onChange={(e) => set('organizer', identities.find((i) => i.email === e.target.value) ?? identities[0]!)}
          disabled={!!uid}
        >
          {identities.map((i) => (
            <option key={i.email} value={i.email}>
              {personWithAddress(i.cn, i.email)}
            </option>
          ))}
        </select>
      </label>
      <fieldset>
        <legend>Attendees</legend>
        {draft.attendees.length === 0 && <p className="muted small">No attendees: this is saved as a personal event and never sent.</p>}
        <ul className="attendee-edit" aria-label="Attendees">
          {draft.attendees.map((a) => (
            <li key={a.email}>
              <Person className="grow" name={a.cn} email={a.email} />
              <select
                aria-label={`Role of ${a.email}`}
                value={a.role === 'OPT-PARTICIPANT' ? 'OPT-PARTICIPANT' : 'REQ-PARTICIPANT'}
                onChange={(e) => set('attendees', draft.attendees.map((x) => (x.email === a.email ? { ...x, role: e.target.value } : x)))}
              >
                <option value="REQ-PARTICIPANT">Required</option>
                <option value="OPT-PARTICIPANT">Optional</option>
              </select>
              <button type="button" className="link" aria-label={`Remove ${a.email}`} onClick={() => set('attendees', draft.attendees.filter((x) => x.email !== a.email))}>
                Remove
              </button>
            </li>
          ))}
        </ul>
        <div className="row">
          <label className="grow">
            Add attendee (e-mail)
            <input
              type="text"
              list="addr-suggestions"
              value={newAttendee}
              autoComplete="off"
              onChange={(e) => setNewAttendee(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  if (newAttendee.trim()) addAttendee();
                }
              }}
            />
          </label>
          <datalist id="addr-suggestions">
            {suggestions.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
          <button type="button" onClick={addAttendee} disabled={!newAttendee.trim()}>
            Add
          </button>
        </div>
      </fieldset>
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {draft.attendees.length === 0 ? 'Save event' : uid ? 'Save and send update' : 'Save and send invitations'}
        </button>
        <button type="button" onClick={() => go(uid ? { name: 'invitations', uid } : { name: 'invitations' })}>
          Discard
        </button>
      </div>
    </form>
  );
}
