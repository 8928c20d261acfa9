// The agenda's iteration from a start moved near the window (shared/itip/recur-window.ts) against the plain
// iteration from DTSTART, over many seeded random series: rules of every FREQ the shift applies to (and COUNT ones
// it must leave alone), INTERVAL, BYDAY with ordinals, BYMONTHDAY with negatives and 29–31, BYSETPOS, BYMONTH,
// WKST, UNTIL; zones with VTIMEZONEs from 1601 (Exchange) and 1970, an IANA TZID without one, UTC, floating, all-day
// and DST-gap start times; EXDATEs, overrides (moved near, moved from far away into the window, cancelled,
// RANGE=THISANDFUTURE); windows anywhere from before DTSTART to decades after. Same occurrences, same cut-short
// report. The reference also reads each series afresh and asks ical.js for every occurrence's details, so the
// cache of series read and the shortcut for series without overrides are checked too. CONVENE_SEED replays a run.
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { expandAgendaReport, type AgendaReport, type Occurrence } from '../../shared/itip/agenda';
import { parseCalendar } from '../../shared/itip/parse';
import { shiftedStart } from '../../shared/itip/recur-window';
import { simpleSeries } from '../../shared/itip/simple-series';
import type { StoredEvent } from '../../shared/itip/types';
import { AUS_EASTERN, BERLIN_1970, EASTERN, W_EUROPE } from '../fixtures/zone-zoo';
import { rng, SEED, seedNote } from '../random';

const DAY = 86_400_000;
const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

interface Zone {
  name: string;
  tzid: string | null; // null: UTC ('Z') or floating
  utc?: boolean;
  vtimezone?: string;
}

const ZONES: Zone[] = [
  { name: 'UTC', tzid: null, utc: true },
  { name: 'floating', tzid: null },
  { name: 'Berlin 1970', tzid: 'Europe/Berlin', vtimezone: BERLIN_1970 },
  { name: 'Exchange W. Europe 1601', tzid: 'W. Europe Standard Time', vtimezone: W_EUROPE },
  { name: 'Exchange Eastern 1601', tzid: 'Eastern Standard Time', vtimezone: EASTERN },
  { name: 'Exchange AUS Eastern 1601', tzid: 'AUS Eastern Standard Time', vtimezone: AUS_EASTERN },
  { name: 'IANA without VTIMEZONE', tzid: 'America/New_York' },
];

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

function dim(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function stored(text: string): StoredEvent {
  const c = parseCalendar(text);
  const master = c.components.find((x) => x.recurrenceId === null) ?? null;
  const overrides = c.components.filter((x) => x.recurrenceId !== null);
  return { uid: 'prop@example.com', role: 'attendee', master, overrides, vtimezones: c.vtimezones, replies: [], pending: [], cancelled: false, myAddress: null, updatedAt: '2026-01-01T00:00:00Z' };
}

/** One random case: the series' text without and with its exceptions, and the window. */
function makeCase(r: () => number, simpleShape = false) {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const chance = (p: number): boolean => r() < p;

  const zone = simpleShape ? pick(ZONES.filter((z) => z.utc || z.vtimezone)) : pick(ZONES);
  const allDay = !simpleShape && chance(0.15);
  const year = int(1995, 2030);
  const month = int(1, 12);
  const day = Math.min(dim(year, month), chance(0.35) ? int(28, 31) : int(1, 28));
  // Hours 2 and 3 often: the DST gap and overlap in every zone above.
  const hour = chance(0.3) ? pick([1, 2, 3]) : int(0, 23);
  const minute = pick([0, 0, 15, 30]);
  const local = (y: number, mo: number, d: number, h: number, mi: number): string => `${pad(y, 4)}${pad(mo)}${pad(d)}T${pad(h)}${pad(mi)}00`;
  const dtValue = (name: string, y: number, mo: number, d: number, h: number, mi: number): string => {
    if (allDay) return `${name};VALUE=DATE:${pad(y, 4)}${pad(mo)}${pad(d)}`;
    if (zone.utc) return `${name}:${local(y, mo, d, h, mi)}Z`;
    if (zone.tzid) return `${name};TZID=${zone.tzid}:${local(y, mo, d, h, mi)}`;
    return `${name}:${local(y, mo, d, h, mi)}`;
  };

  const freq = simpleShape ? pick(['DAILY', 'WEEKLY', 'WEEKLY'] as const) : pick(['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY', 'WEEKLY', 'MONTHLY'] as const);
  const parts: string[] = [`FREQ=${freq}`];
  const interval = chance(0.5) ? 1 : pick([2, 3, 4, 5, 7, 13]);
  if (interval > 1 || chance(0.2)) parts.push(`INTERVAL=${interval}`);
  const days = (): string[] => WEEKDAYS.filter(() => chance(0.35));
  const ordinal = (): string => `${pick([1, 2, 3, 4, -1, -2, 5, -5])}${pick(WEEKDAYS)}`;
  if (freq === 'DAILY') {
    if (!simpleShape && chance(0.25)) {
      const d = days();
      if (d.length) parts.push(`BYDAY=${d.join(',')}`);
    }
    if (!simpleShape && chance(0.1)) parts.push(`BYMONTH=${int(1, 12)},${int(1, 12)}`);
  } else if (freq === 'WEEKLY') {
    // Often as Outlook writes it: BYDAY naming DTSTART's weekday (the shape simple-series.ts computes itself).
    const own = WEEKDAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()]!;
    if (simpleShape || chance(0.4)) parts.push(`BYDAY=${[...new Set([own, ...(chance(0.5) && (!simpleShape || interval === 1) ? days() : [])])].join(',')}`);
    else if (chance(0.5)) {
      const d = days();
      if (d.length) parts.push(`BYDAY=${d.join(',')}`);
    }
  } else if (freq === 'MONTHLY') {
    const shape = int(0, 5);
    if (shape === 1) parts.push(`BYMONTHDAY=${pick([1, 15, 28, 29, 30, 31, -1, -2, -5])}${chance(0.3) ? `,${pick([10, 31, -1, 30])}` : ''}`);
    if (shape === 2) parts.push(`BYDAY=${ordinal()}${chance(0.3) ? `,${ordinal()}` : ''}`);
    if (shape === 3) parts.push(`BYDAY=${pick(['MO,TU,WE,TH,FR', 'SA,SU', 'MO,WE,FR'])}`, `BYSETPOS=${pick([1, 2, -1, -2, 3])}`);
    if (shape === 4) parts.push('BYDAY=FR', 'BYMONTHDAY=13');
    if (shape === 5) parts.push(`BYDAY=${pick(WEEKDAYS)}`);
  } else {
    const shape = int(0, 4);
    if (shape === 1) parts.push(`BYMONTH=${int(1, 12)}`, `BYMONTHDAY=${pick([1, 29, 30, 31, -1, 15])}`);
    if (shape === 2) parts.push(`BYMONTH=${int(1, 12)}`, `BYDAY=${pick([1, 2, -1, 4])}${pick(WEEKDAYS)}`);
    if (shape === 3) parts.push(`BYMONTH=${int(1, 12)}${chance(0.5) ? `,${int(1, 12)}` : ''}`);
    if (shape === 4) parts.push(`BYMONTH=${int(1, 12)}`, `BYDAY=${pick(['MO,TU,WE,TH,FR', 'SU'])}`, `BYSETPOS=${pick([1, -1])}`);
  }
  if (!simpleShape && chance(0.2)) parts.push(`WKST=${pick(['MO', 'SU', 'SA'])}`);
  const startMs = Date.UTC(year, month - 1, day, hour, minute);
  const end = chance(0.3) ? 'until' : chance(0.15) ? 'count' : 'none';
  if (end === 'until') {
    const u = new Date(startMs + int(0, 20 * 365) * DAY + int(0, 86_399) * 1000);
    parts.push(`UNTIL=${allDay ? u.toISOString().slice(0, 10).replace(/-/g, '') : `${u.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`}`);
  }
  if (end === 'count') parts.push(`COUNT=${int(1, 300)}`);
  const rrule = parts.join(';');

  const durMin = allDay ? int(1, 3) * 1440 : pick([30, 60, 90, 240, 1440, 2 * 1440 + 60]);
  const endAt = new Date(startMs + durMin * 60_000);
  const dtend = chance(0.2) && !allDay ? `DURATION:PT${durMin}M` : dtValue('DTEND', endAt.getUTCFullYear(), endAt.getUTCMonth() + 1, endAt.getUTCDate(), endAt.getUTCHours(), endAt.getUTCMinutes());

  // The window: anywhere from a year before DTSTART to decades after, 1 day to 3 months long.
  // (A daily rule iterated from DTSTART over decades runs into the step budget: up to 12 years for DAILY.)
  const fromMs = startMs + pick(freq === 'DAILY' ? [-365, 0, 30, 400, 3 * 365, 11 * 365] : [-365, 0, 30, 400, 3 * 365, 10 * 365, 25 * 365, 40 * 365]) * DAY + int(0, 365) * DAY + int(0, 23) * 3_600_000;
  const toMs = fromMs + pick([1, 7, 31, 92]) * DAY;
  const window = [new Date(fromMs).toISOString().slice(0, 19) + 'Z', new Date(toMs).toISOString().slice(0, 19) + 'Z'] as const;

  const status = pick([null, null, 'CONFIRMED', 'tentative']);
  const head = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'METHOD:REQUEST', ...(zone.vtimezone ? zone.vtimezone.split('\r\n') : [])];
  const masterLines = (extra: string[]): string[] => [
    'BEGIN:VEVENT',
    'UID:prop@example.com',
    'DTSTAMP:20260101T000000Z',
    'ORGANIZER:mailto:org@example.com',
    'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:me@example.com',
    pick(['SUMMARY:Series', 'SUMMARY:Series', 'SUMMARY:Series\\, weekly', 'SUMMARY:Ü series']),
    ...(status ? [`STATUS:${status}`] : []),
    dtValue('DTSTART', year, month, day, hour, minute),
    dtend,
    `RRULE:${rrule}`,
    ...extra,
    'END:VEVENT',
  ];
  const text = (master: string[], overrides: string[][]): string => [...head, ...masterLines(master), ...overrides.flat(), 'END:VCALENDAR', ''].join('\r\n');
  return { text, window, rrule, allDay, zone, startMs, fromMs, toMs, pick, int, chance, dtValue, durMin, allDayFlag: allDay };
}

/** A RECURRENCE-ID / EXDATE value naming the occurrence `o` (its wall time in the series' zone, or UTC). */
function ridValue(c: ReturnType<typeof makeCase>, name: string, o: Occurrence, range = false): string {
  const rangeParam = range ? ';RANGE=THISANDFUTURE' : '';
  if (o.allDay) return `${name}${rangeParam};VALUE=DATE:${o.start.replace(/-/g, '')}`;
  const wall = o.start.slice(0, 19).replace(/[-:]/g, '');
  if (c.zone.utc || (c.zone.tzid && c.chance(0.25))) return `${name}${rangeParam}:${o.recurrenceId!.replace(/[-:]/g, '')}`;
  if (c.zone.tzid) return `${name}${rangeParam};TZID=${c.zone.tzid}:${wall}`;
  return `${name}${rangeParam}:${wall}`;
}

function override(c: ReturnType<typeof makeCase>, o: Occurrence, moveMs: number, opts: { range?: boolean; cancelled?: boolean } = {}): string[] {
  const at = (c.allDay ? Date.parse(`${o.start}T00:00:00Z`) : Date.parse(o.start.slice(0, 19) + 'Z')) + moveMs;
  const s = new Date(at);
  const e = new Date(at + c.durMin * 60_000);
  return [
    'BEGIN:VEVENT',
    'UID:prop@example.com',
    'DTSTAMP:20260101T000000Z',
    'ORGANIZER:mailto:org@example.com',
    'ATTENDEE;PARTSTAT=ACCEPTED:mailto:me@example.com',
    `SUMMARY:Moved ${o.recurrenceId}`,
    ridValue(c, 'RECURRENCE-ID', o, opts.range),
    c.dtValue('DTSTART', s.getUTCFullYear(), s.getUTCMonth() + 1, s.getUTCDate(), s.getUTCHours(), s.getUTCMinutes()),
    c.dtValue('DTEND', e.getUTCFullYear(), e.getUTCMonth() + 1, e.getUTCDate(), e.getUTCHours(), e.getUTCMinutes()),
    ...(opts.cancelled ? ['STATUS:CANCELLED'] : []),
    'END:VEVENT',
  ];
}

const plain = (ev: StoredEvent, from: string, to: string): AgendaReport => expandAgendaReport([ev], from, to, { reference: true });
const iso = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

describe('agenda: iteration from a start near the window', () => {
  const run = (simpleShape: boolean) => {
    const r = rng(simpleShape ? SEED + 1 : SEED);
    const CASES = simpleShape ? 200 : 300;
    let compared = 0;
    let shifted = 0;
    let withExceptions = 0;
    let simple = 0;
    for (let i = 0; i < CASES; i++) {
      const c = makeCase(r, simpleShape);
      const [from, to] = c.window;
      // The exceptions name real instances: some in the window, some far before it (moved into the window).
      const bare = stored(c.text([], []));
      const inWindow = expandAgendaReport([bare], from, to).occurrences;
      const early = expandAgendaReport([bare], iso(c.fromMs - c.int(30, 3000) * DAY), iso(c.fromMs - 20 * DAY)).occurrences;
      const masterExtra: string[] = [];
      const overrides: string[][] = [];
      const used = new Set<string>();
      const take = (xs: Occurrence[]): Occurrence | null => {
        const o = xs.length ? c.pick(xs) : null;
        if (!o || used.has(o.recurrenceId!)) return null;
        used.add(o.recurrenceId!);
        return o;
      };
      if (c.chance(0.7)) {
        for (let k = c.int(simpleShape ? 0 : 1, 3); k > 0; k--) {
          const o = take(inWindow);
          if (o) masterExtra.push(ridValue(c, 'EXDATE', o));
        }
        // (The simple shape takes EXDATEs only: overrides send a series down ical.js's path, seen there too.)
        if (!simpleShape || c.chance(0.25)) {
          for (let k = c.int(0, 3); k > 0; k--) {
            const o = take(inWindow);
            if (o) overrides.push(override(c, o, c.pick([-2, -1, 1, 3, 30]) * 3_600_000, { cancelled: c.chance(0.2) }));
          }
          const far = take(early);
          // From far before the window into it: the iteration must still meet its RECURRENCE-ID.
          if (far && c.chance(0.6)) overrides.push(override(c, far, c.fromMs - Date.parse(far.start.slice(0, 19) + 'Z') + c.int(0, 5) * DAY));
          const from2 = take(c.chance(0.5) ? early : inWindow);
          if (from2 && c.chance(0.4)) overrides.push(override(c, from2, c.pick([-1, 1, 2]) * 3_600_000, { range: true }));
        }
      }
      const ev = stored(c.text(masterExtra, overrides));
      if (masterExtra.length || overrides.length) withExceptions++;
      const want = plain(ev, from, to);
      const got = expandAgendaReport([ev], from, to);
      const label = `case ${i}: RRULE:${c.rrule} from ${c.text([], []).split('BEGIN:VEVENT')[1]!.match(/DTSTART[^\r]*/)![0]} in ${c.zone.name}, window ${from}..${to}, ${masterExtra.length} EXDATE, ${overrides.length} overrides; ${seedNote}`;
      // A series cut short from DTSTART (the step budget) may be found in full from a later start: only where the
      // iteration from DTSTART completed are the two compared, and there the fast path must complete too.
      if (want.cutShort.length > 0) continue;
      compared++;
      const rule = ICAL.Recur.fromString(c.rrule);
      const dt = c.allDay ? ICAL.Time.fromDateString(new Date(c.startMs).toISOString().slice(0, 10)) : ICAL.Time.fromDateTimeString(new Date(c.startMs).toISOString().slice(0, 19));
      if (shiftedStart(rule, dt, c.fromMs - 10 * DAY) !== null) shifted++;
      if (simpleSeries(ev)) simple++;
      expect(got.cutShort, label).toEqual([]);
      expect(got.occurrences, label).toEqual(want.occurrences);
      // Again, from the series as read the first time (agenda.ts keeps the last ones read).
      expect(expandAgendaReport([ev], from, to).occurrences, label).toEqual(want.occurrences);
    }
    // The comparison is not vacuous: most cases compared, many of them moved, many with exceptions.
    expect(compared, seedNote).toBeGreaterThan(CASES * 0.8);
    expect(withExceptions, seedNote).toBeGreaterThan(CASES * (simpleShape ? 0.15 : 0.25));
    if (simpleShape) {
      expect(simple, seedNote).toBeGreaterThan(CASES * 0.4);
      return;
    }
    expect(shifted, seedNote).toBeGreaterThan(CASES * 0.3);
    console.log(`agenda-fast-start: ${compared} compared, ${shifted} moved, ${simple} simple, ${withExceptions} with exceptions; ${seedNote}`);
  };

  it('gives exactly the occurrences of the iteration from DTSTART, over random series, exceptions and windows', () => run(false), 180_000);

  it('gives exactly them for the plain weekly and daily series it computes without ical.js', () => run(true), 180_000);

  it('reads a series again when its text changed, even in the same stored object', () => {
    const text = (rule: string): string =>
      ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:prop@example.com', 'DTSTAMP:20260101T000000Z', 'SUMMARY:S', 'DTSTART:20200106T100000Z', 'DTEND:20200106T110000Z', `RRULE:${rule}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    const ev = stored(text('FREQ=WEEKLY;BYDAY=MO'));
    const window = ['2025-06-01T00:00:00Z', '2025-07-01T00:00:00Z'] as const;
    expect(expandAgendaReport([ev], ...window).occurrences.map((o) => o.start)).toEqual(['2025-06-02T10:00:00Z', '2025-06-09T10:00:00Z', '2025-06-16T10:00:00Z', '2025-06-23T10:00:00Z', '2025-06-30T10:00:00Z']);
    ev.master = stored(text('FREQ=WEEKLY;BYDAY=TU')).master;
    expect(expandAgendaReport([ev], ...window).occurrences.map((o) => o.start)).toEqual(['2025-06-03T10:00:00Z', '2025-06-10T10:00:00Z', '2025-06-17T10:00:00Z', '2025-06-24T10:00:00Z']);
  });

  it('answers as the plain way for rules written oddly (lower case, bad WKST, repeated or mixed BYDAY, DATE UNTIL)', () => {
    const window = ['2025-06-01T00:00:00Z', '2025-07-01T00:00:00Z'] as const;
    for (const rule of ['FREQ=WEEKLY;WKST=XX', 'freq=weekly', 'FREQ=WEEKLY;BYDAY=mo', 'FREQ=WEEKLY;INTERVAL=0', 'FREQ=WEEKLY;COUNT=0', 'FREQ=DAILY;UNTIL=20250610', 'FREQ=WEEKLY;BYDAY=MO,MO', 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TU']) {
      const ev = stored(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:prop@example.com', 'DTSTAMP:20260101T000000Z', 'SUMMARY:S', 'DTSTART:20250602T100000Z', 'DTEND:20250602T110000Z', `RRULE:${rule}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'));
      expect(expandAgendaReport([ev], ...window), rule).toEqual(plain(ev, ...window));
    }
  });

  it('a window of centuries over a plain daily series is bounded as before: cut short, not 70,000 rows', () => {
    const ev = stored(['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:prop@example.com', 'DTSTAMP:20260101T000000Z', 'SUMMARY:S', 'DTSTART:20000103T100000Z', 'DTEND:20000103T110000Z', 'RRULE:FREQ=DAILY', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'));
    expect(simpleSeries(ev)).not.toBeNull();
    const r = expandAgendaReport([ev], '2000-01-01T00:00:00Z', '2200-01-01T00:00:00Z');
    expect(r.cutShort.map((c) => c.uid)).toEqual(['prop@example.com']);
    expect(r.occurrences.length).toBeLessThanOrEqual(25_000);
    expect(r).toEqual(plain(ev, '2000-01-01T00:00:00Z', '2200-01-01T00:00:00Z'));
  });

  it('moves only by whole periods that keep the day (and month) DTSTART fixes, and never for COUNT rules', () => {
    const t = (s: string) => ICAL.Time.fromDateTimeString(s);
    const target = Date.UTC(2030, 0, 1);
    // January 31 monthly: only months with a 31st.
    const m = shiftedStart(ICAL.Recur.fromString('FREQ=MONTHLY'), t('2001-01-31T10:00:00'), target)!;
    expect(m.day).toBe(31);
    expect(Date.UTC(m.year, m.month - 1, m.day)).toBeLessThanOrEqual(target - DAY);
    // February 29 yearly: a leap year, every 4 years (or none within reach for INTERVAL=100 from 2000 up to 2030).
    const y = shiftedStart(ICAL.Recur.fromString('FREQ=YEARLY'), t('2000-02-29T10:00:00'), target)!;
    expect([y.month, y.day, y.year % 4]).toEqual([2, 29, 0]);
    expect(shiftedStart(ICAL.Recur.fromString('FREQ=YEARLY;INTERVAL=100'), t('2000-02-29T10:00:00'), target)).toBeNull();
    // Weekly every 3 weeks: a whole number of 21-day steps, same weekday and time.
    const w = shiftedStart(ICAL.Recur.fromString('FREQ=WEEKLY;INTERVAL=3'), t('2010-03-01T09:30:00'), target)!;
    const steps = (Date.UTC(w.year, w.month - 1, w.day) - Date.UTC(2010, 2, 1)) / DAY;
    expect([steps % 21, w.hour, w.minute]).toEqual([0, 9, 30]);
    expect(shiftedStart(ICAL.Recur.fromString('FREQ=WEEKLY;COUNT=500'), t('2010-03-01T09:30:00'), target)).toBeNull();
    expect(shiftedStart(ICAL.Recur.fromString('FREQ=HOURLY'), t('2010-03-01T09:30:00'), target)).toBeNull();
  });
});
