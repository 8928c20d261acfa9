import { useEffect, useMemo, useState } from 'react';
import { LOCAL_IDENTITY } from '../../shared/api';
import type { MeetingDraft } from '../../shared/itip/meeting';
import { api } from '../api-client';
import { useApp } from '../context';
import { errText, toWall } from '../format';
import { isKnownZone, unknownZoneText, ZoneInput } from './ZoneInput';

type Freq = '' | 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY' | 'CUSTOM';

function parseRrule(rrule: string | null | undefined): { freq: Freq; count: string; raw: string } {
  if (!rrule) return { freq: '', count: '', raw: '' };
  const p = Object.fromEntries(rrule.split(';').map((kv) => kv.split('=') as [string, string]));
  const simple = Object.keys(p).every((k) => k === 'FREQ' || k === 'COUNT');
  if (!simple || !['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'].includes(p.FREQ ?? '')) return { freq: 'CUSTOM', count: '', raw: rrule };
  return { freq: p.FREQ as Freq, count: p.COUNT ?? '', raw: rrule };
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
  const [rec, setRec] = useState<{ freq: Freq; count: string; raw: string }>({ freq: '', count: '', raw: '' });
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
      setRec(parseRrule(r.value.rrule));
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
    let rrule: string | null = null;
    if (rec.freq === 'CUSTOM') rrule = rec.raw || null;
    else if (rec.freq) rrule = `FREQ=${rec.freq}${rec.count ? `;COUNT=${Number(rec.count)}` : ''}`;
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
      <div className="row wrap">
        <label>
          Repeats
          <select value={rec.freq} onChange={(e) => setRec({ ...rec, freq: e.target.value as Freq })}>
            <option value="">Does not repeat</option>
            <option value="DAILY">Daily</option>
            <option value="WEEKLY">Weekly</option>
            <option value="MONTHLY">Monthly</option>
            <option value="YEARLY">Yearly</option>
            {rec.raw && rec.freq === 'CUSTOM' && <option value="CUSTOM">Custom: {rec.raw}</option>}
          </select>
        </label>
        {rec.freq && rec.freq !== 'CUSTOM' && (
          <label>
            Number of times (empty: no end)
            <input type="number" min={1} max={999} value={rec.count} onChange={(e) => setRec({ ...rec, count: e.target.value })} />
          </label>
        )}
      </div>
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
              {i.cn ? `${i.cn} <${i.email}>` : i.email}
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
              {a.cn ? `${a.cn} <${a.email}>` : a.email}
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
