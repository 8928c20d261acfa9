// The store's agenda (window() through the index, then expand() through the per-series, per-month expansion cache)
// against the reference, expandAgenda over every stored event, on a seeded random store changed step by step: new
// events and series (UTC, Berlin 1970 and Exchange 1601 zones; weekly, daily, COUNT, UNTIL, endless), series moved
// or shortened, overrides added (moved, cancelled), EXDATEs added, events deleted. After each step, windows of a day
// to three months (some asked twice, so answers come from the cache) must give exactly expandAgenda's occurrences;
// once more after reopening the store (nothing cached). CONVENE_SEED replays a run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CalendarStore } from '../../electron/store/calendar-store';
import { expandAgenda } from '../../shared/itip/agenda';
import { parseCalendar } from '../../shared/itip/parse';
import type { StoredEvent } from '../../shared/itip/types';
import { BERLIN_1970, W_EUROPE } from '../fixtures/zone-zoo';
import { rng, SEED, seedNote } from '../random';
import { storedEvent } from './store-fixtures';

const DAY = 86_400_000;
const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
const ZONES = [
  { tzid: null, vtimezone: null },
  { tzid: 'Europe/Berlin', vtimezone: BERLIN_1970 },
  { tzid: 'W. Europe Standard Time', vtimezone: W_EUROPE },
] as const;

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const basic = (ms: number): string => new Date(ms).toISOString().slice(0, 19).replace(/[-:]/g, '');

/** What the generator knows of a series, to change it later. */
interface Spec {
  uid: string;
  zone: (typeof ZONES)[number];
  startMs: number; // wall time read as UTC
  minutes: number;
  rrule: string | null;
  summary: string;
  exdates: number[]; // wall times of the master's instances
  overrides: { ridWall: number; shiftMin: number; cancelled: boolean }[];
}

function ics(s: Spec): string {
  const dt = (name: string, wall: number) => (s.zone.tzid ? `${name};TZID=${s.zone.tzid}:${basic(wall)}` : `${name}:${basic(wall)}Z`);
  const common = ['DTSTAMP:20260101T000000Z', 'ORGANIZER;CN=Org:mailto:org@example.com', 'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:me@example.com', 'ATTENDEE;PARTSTAT=ACCEPTED:mailto:other@example.com'];
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'METHOD:REQUEST', ...(s.zone.vtimezone ? s.zone.vtimezone.split('\r\n') : [])];
  lines.push('BEGIN:VEVENT', `UID:${s.uid}`, ...common, `SUMMARY:${s.summary}`, dt('DTSTART', s.startMs), dt('DTEND', s.startMs + s.minutes * 60_000));
  if (s.rrule) lines.push(`RRULE:${s.rrule}`);
  for (const x of s.exdates) lines.push(dt('EXDATE', x));
  lines.push('END:VEVENT');
  for (const o of s.overrides) {
    const start = o.ridWall + o.shiftMin * 60_000;
    lines.push('BEGIN:VEVENT', `UID:${s.uid}`, ...common, `SUMMARY:${s.summary} (moved)`, dt('RECURRENCE-ID', o.ridWall), dt('DTSTART', start), dt('DTEND', start + s.minutes * 60_000));
    if (o.cancelled) lines.push('STATUS:CANCELLED');
    lines.push('END:VEVENT');
  }
  lines.push('END:VCALENDAR');
  return lines.join('\r\n');
}

function toStored(s: Spec): StoredEvent {
  const cal = parseCalendar(ics(s));
  const master = cal.components.find((c) => c.recurrenceId === null) ?? null;
  return storedEvent(s.uid, master, cal.components.filter((c) => c.recurrenceId !== null), cal.vtimezones);
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the store\'s agenda against expandAgenda over a random store changing step by step', () => {
  it('gives exactly expandAgenda\'s occurrences after puts, updates, overrides, EXDATEs and deletes, cached and after reopening', async () => {
    const r = rng(SEED);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
    const BASE = Date.UTC(2025, 0, 1);
    let next = 0;
    const specs = new Map<string, Spec>();

    const newSpec = (): Spec => {
      const startMs = BASE + int(0, 400) * DAY + int(6, 20) * 3_600_000 + pick([0, 30]) * 60_000;
      const dow = WEEKDAYS[new Date(startMs).getUTCDay()]!;
      const rrule = pick([
        null,
        null,
        `FREQ=WEEKLY;BYDAY=${dow};WKST=MO`,
        `FREQ=WEEKLY;COUNT=${int(2, 40)};BYDAY=${dow}`,
        `FREQ=WEEKLY;UNTIL=${basic(startMs + int(3, 60) * 7 * DAY)}Z;BYDAY=${dow}`,
        `FREQ=DAILY;COUNT=${int(2, 30)}`,
        `FREQ=WEEKLY;INTERVAL=2;BYDAY=${dow}`,
        `FREQ=MONTHLY;BYMONTHDAY=${new Date(startMs).getUTCDate()}`,
      ]);
      return { uid: `r-${next++}@example.com`, zone: pick(ZONES), startMs, minutes: pick([30, 60, 90, 1500]), rrule, summary: `Event ${next}`, exdates: [], overrides: [] };
    };
    /** A wall time of one of the series' instances (a weekly or daily step from DTSTART: always one for these rules). */
    const instance = (s: Spec): number => s.startMs + (s.rrule?.startsWith('FREQ=DAILY') ? int(0, 1) * DAY : 0) + (s.rrule?.startsWith('FREQ=WEEKLY') ? int(0, 2) * 7 * DAY * (s.rrule.includes('INTERVAL=2') ? 2 : 1) : 0);

    const dir = mkdtempSync(join(tmpdir(), 'convene-store-agenda-'));
    dirs.push(dir);
    let store = await CalendarStore.open(dir);
    const windows: [string, string][] = [];
    const check = (label: string): void => {
      const all = store.all();
      for (const [f, t] of windows) {
        const got = store.expand(store.window(f, t), f, t);
        expect(got, `${label}: window ${f}..${t}, ${seedNote}`).toEqual(expandAgenda(all, f, t));
      }
    };
    const newWindows = (): void => {
      windows.length = 0;
      for (let k = 0; k < 4; k++) {
        const from = BASE + int(-30, 420) * DAY + pick([0, 0, int(0, 23) * 3_600_000]);
        const to = from + pick([1, 7, 30, 31, 92]) * DAY;
        windows.push([new Date(from).toISOString(), new Date(to).toISOString()]);
      }
      // Whole UTC months too, as the calendar asks for them.
      const m = new Date(BASE + int(0, 12) * 31 * DAY);
      windows.push([new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth(), 1)).toISOString(), new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1)).toISOString()]);
    };

    const first = Array.from({ length: 60 }, newSpec);
    for (const s of first) specs.set(s.uid, s);
    await store.commit(first.map((s) => ({ type: 'put' as const, event: toStored(s) })));
    newWindows();
    check('initial');
    check('initial, from the cache');

    for (let step = 0; step < 25; step++) {
      const series = [...specs.values()].filter((s) => s.rrule);
      const op = pick(['put', 'move', 'override', 'exdate', 'delete', 'shorten'] as const);
      const changes: Parameters<CalendarStore['commit']>[0] = [];
      for (let n = int(1, 4); n > 0; n--) {
        if (op === 'put' || series.length === 0) {
          const s = newSpec();
          specs.set(s.uid, s);
          changes.push({ type: 'put', event: toStored(s) });
          continue;
        }
        const s = pick(series);
        if (op === 'delete') {
          specs.delete(s.uid);
          changes.push({ type: 'delete', uid: s.uid });
          continue;
        }
        if (op === 'move') {
          s.startMs += int(-3, 3) * DAY + int(-2, 2) * 3_600_000;
          s.summary = `${s.summary}+`;
          s.exdates = [];
          s.overrides = [];
        } else if (op === 'override') {
          const ridWall = instance(s);
          if (!s.overrides.some((o) => o.ridWall === ridWall)) s.overrides.push({ ridWall, shiftMin: pick([-120, 0, 90, 3 * 1440, 40 * 1440]), cancelled: r() < 0.3 });
        } else if (op === 'exdate') {
          const x = instance(s);
          if (!s.exdates.includes(x)) s.exdates.push(x);
        } else {
          s.rrule = s.rrule!.startsWith('FREQ=WEEKLY') ? `FREQ=WEEKLY;COUNT=${int(1, 5)}` : `FREQ=DAILY;COUNT=${int(1, 3)}`;
          s.overrides = [];
          s.exdates = [];
        }
        changes.push({ type: 'put', event: toStored(s) });
      }
      await store.commit(changes);
      // Half the steps ask the same windows again (the cache must forget what changed), half new ones.
      if (r() < 0.5) newWindows();
      check(`step ${step} (${op})`);
    }

    await store.close();
    store = await CalendarStore.open(dir);
    newWindows();
    check('reopened');
    check('reopened, from the cache');
    expect(store.all().length, seedNote).toBe(specs.size);
    await store.close();
  }, 120_000);
});
