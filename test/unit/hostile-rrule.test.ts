// Issue 10 §2: no rule hangs the core. Rules that can never match end in bounded work, are flagged on arrival, and
// an expansion cut short says so; invalid dates a rule produces are skipped (RFC 5545 §3.3.10), never moved.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandAgendaReport } from '../../shared/itip/agenda';
import { readCalendarText, readInput } from '../../shared/itip/message';
import { processRead } from '../../shared/itip/process';
import { PROBE_STEP_BUDGET, RECUR_STEP_BUDGET } from '../../shared/itip/recur-guard';
import ICAL from 'ical.js';
import type { StoredEvent } from '../../shared/itip/types';

const ctx = { me: ['me@example.com'], policy: 'always' as const, knownContacts: [], now: '2026-01-01T00:00:00Z' };

function ics(uid: string, start: string, rrule: string, extra: string[] = []): string {
  const dt = start.length === 8 ? `DTSTART;VALUE=DATE:${start}` : `DTSTART:${start}`;
  return [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', 'METHOD:REQUEST', 'BEGIN:VEVENT', `UID:${uid}`, 'SEQUENCE:0', 'DTSTAMP:20260101T000000Z',
    dt, ...(start.length === 8 ? [] : ['DURATION:PT1H']), `RRULE:${rrule}`, ...extra, 'SUMMARY:Never', 'ORGANIZER:mailto:org@example.com',
    'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:me@example.com', 'END:VEVENT', 'END:VCALENDAR', '',
  ].join('\r\n');
}

function arrive(text: string) {
  const r = readCalendarText(text);
  const d = processRead(r.itip, r.problems, undefined, ctx);
  expect(d.action, d.reason).toBe('created');
  return { stored: d.next as StoredEvent, codes: (d.problems ?? []).map((p) => p.code) };
}

const IMPOSSIBLE = ['BYMONTH=2;BYMONTHDAY=31', 'BYMONTH=2;BYMONTHDAY=30', 'BYMONTH=4,6,9,11;BYMONTHDAY=31', 'BYMONTH=2;BYMONTHDAY=-30'];
const FREQS = ['YEARLY', 'MONTHLY', 'DAILY', 'HOURLY', 'MINUTELY', 'SECONDLY'];

describe('rules that can never match', () => {
  for (const freq of FREQS) {
    for (const by of IMPOSSIBLE) {
      it(`FREQ=${freq};${by} is flagged on arrival and its agenda ends with DTSTART only`, () => {
        const { stored, codes } = arrive(ics(`never-${freq}`, '20260130T090000Z', `FREQ=${freq};${by}`));
        expect(codes).toContain('rrule-never-matches');
        const r = expandAgendaReport([stored], '2026-01-01T00:00:00Z', '2030-01-01T00:00:00Z');
        expect(r.occurrences.map((o) => o.start)).toEqual(['2026-01-30T09:00:00Z']);
        // Where ical.js itself would search forever the budget stops it, and the report says so.
        if (!['YEARLY', 'MONTHLY'].includes(freq)) {
          expect(r.cutShort.map((c) => c.uid)).toEqual([`never-${freq}`]);
          expect(r.occurrences[0]!.truncated).toBe(true);
        }
      }, 60_000);
    }
  }

  it('an ordinary rule is not flagged and not cut short', () => {
    const { stored, codes } = arrive(ics('weekly', '20260105T090000Z', 'FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4'));
    expect(codes).not.toContain('rrule-never-matches');
    const r = expandAgendaReport([stored], '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z');
    expect(r.cutShort).toEqual([]);
    expect(r.occurrences.map((o) => o.start)).toEqual(['2026-01-05T09:00:00Z', '2026-01-07T09:00:00Z', '2026-01-12T09:00:00Z', '2026-01-14T09:00:00Z']);
  });
});

describe('a YEARLY rule whose every year is costly to set up (fuzz seed 668310067 cases 1919 and 2847)', () => {
  // A rule that selects nothing (BYSETPOS=0, BYMONTHDAY=0) or never advances (INTERVAL=0) makes ical.js set up year
  // after year; with BYDAY and BYMONTH or BYMONTHDAY each year tests every day of the months named, or builds a time
  // for every weekday of the year. Counting years let one message cost 36 s in the agenda and 10 s on arrival; the
  // day tests and day times are the work, and the budgets bound them.
  const proto = (ICAL as unknown as { RecurIterator: { prototype: Record<string, (...a: unknown[]) => unknown> } }).RecurIterator.prototype;
  const TimeClass = ICAL.Time as unknown as Record<string, (...a: unknown[]) => unknown>;
  let work = 0;
  const restore: (() => void)[] = [];
  const count = (owner: Record<string, (...a: unknown[]) => unknown>, name: string) => {
    const wrapped = owner[name]!;
    owner[name] = function counted(this: unknown, ...a: unknown[]) {
      work++;
      return wrapped.apply(this, a);
    };
    restore.push(() => (owner[name] = wrapped));
  };
  beforeAll(() => {
    count(proto, 'is_day_in_byday');
    count(TimeClass, 'fromDayOfYear');
  });
  afterAll(() => restore.forEach((f) => f()));

  for (const [uid, rule] of [
    ['setpos-0', 'FREQ=YEARLY;BYMONTH=4,6,9,11;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYSETPOS=0;BYHOUR=0'],
    ['interval-0', 'FREQ=YEARLY;BYMONTHDAY=0;BYDAY=MO,TU,WE,TH,FR,SA,SU;INTERVAL=0'],
  ] as const) {
    it(`${rule}: arrival and agenda do about as much work as their budgets allow, and the agenda says it was cut short`, () => {
      work = 0;
      const { stored } = arrive(ics(uid, '20260713T090000Z', rule));
      const onArrival = work;
      work = 0;
      const r = expandAgendaReport([stored], '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z');
      // Two validations (inspect and process) share one remembered verdict; each may spend one probe budget.
      expect(onArrival).toBeLessThanOrEqual(2 * PROBE_STEP_BUDGET + 1_000);
      expect(work).toBeLessThanOrEqual(RECUR_STEP_BUDGET + 1_000);
      expect(r.cutShort.map((c) => c.uid)).toEqual([uid]);
    });
  }

  it('an ordinary YEARLY BYSETPOS rule over decades keeps its instances (the last weekday of March)', () => {
    const { stored } = arrive(ics('last-weekday-march', '19900330T090000Z', 'FREQ=YEARLY;BYMONTH=3;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1'));
    const r = expandAgendaReport([stored], '2026-01-01T00:00:00Z', '2028-01-01T00:00:00Z');
    expect(r.cutShort).toEqual([]);
    expect(r.occurrences.map((o) => o.start)).toEqual(['2026-03-31T09:00:00Z', '2027-03-31T09:00:00Z']);
  });
});

describe('invalid dates are skipped, never moved (RFC 5545 §3.3.10)', () => {
  const starts = (text: string, from: string, to: string) => expandAgendaReport([arrive(text).stored], from, to).occurrences.map((o) => o.start);

  it('MONTHLY from January 31 recurs only in months with a 31st', () => {
    expect(starts(ics('m31', '20260131T090000Z', 'FREQ=MONTHLY;COUNT=4'), '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual([
      '2026-01-31T09:00:00Z', '2026-03-31T09:00:00Z', '2026-05-31T09:00:00Z', '2026-07-31T09:00:00Z',
    ]);
  });

  it('YEARLY BYMONTH=2;BYMONTHDAY=30 never lands on March 1 or 2', () => {
    expect(starts(ics('y30', '20260130T090000Z', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30'), '2026-01-01T00:00:00Z', '2031-01-01T00:00:00Z')).toEqual(['2026-01-30T09:00:00Z']);
  });

  it('YEARLY from February 29 recurs in leap years only', () => {
    expect(starts(ics('leap', '20240229', 'FREQ=YEARLY'), '2024-01-01T00:00:00Z', '2033-01-01T00:00:00Z')).toEqual(['2024-02-29', '2028-02-29', '2032-02-29']);
  });

  it('MONTHLY BYMONTHDAY=30 skips February', () => {
    expect(starts(ics('m30', '20260130T090000Z', 'FREQ=MONTHLY;BYMONTHDAY=30;COUNT=3'), '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z')).toEqual([
      '2026-01-30T09:00:00Z', '2026-03-30T09:00:00Z', '2026-04-30T09:00:00Z',
    ]);
  });
});

describe('convene process, then convene agenda, on a rule that never matches', () => {
  const root = resolve(__dirname, '../..');
  let work: string;
  beforeAll(() => {
    if (!existsSync(join(root, 'dist/cli.mjs'))) spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--cli'], { cwd: root, stdio: 'inherit' });
    work = mkdtempSync(join(tmpdir(), 'convene-rrule-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('terminates, with the problem on arrival and the cut-short flag in the agenda', () => {
    const file = join(work, 'never.ics');
    writeFileSync(file, ics('never-cli@example.com', '20260130T090000Z', 'FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=31'));
    const run = (...args: string[]) => spawnSync(process.execPath, [join(root, 'bin/convene.mjs'), ...args], { cwd: work, encoding: 'utf8', timeout: 60_000 });
    const p = run('process', '--store', join(work, 'cal'), '--me', 'me@example.com', '--policy', 'always', file);
    expect(p.status, p.stderr).toBe(0);
    expect(JSON.parse(p.stdout.trim().split('\n')[0]!)).toMatchObject({ action: 'created', uid: 'never-cli@example.com' });
    const a = run('agenda', '--store', join(work, 'cal'), '--from', '2026-01-01T00:00:00Z', '--to', '2027-01-01T00:00:00Z');
    expect(a.signal).toBeNull();
    expect(a.status, a.stderr).toBe(0);
    const rows = JSON.parse(a.stdout) as { uid: string; start: string; truncated?: boolean }[];
    expect(rows).toEqual([expect.objectContaining({ uid: 'never-cli@example.com', start: '2026-01-30T09:00:00Z', truncated: true })]);
    expect(a.stderr).toContain('never-cli@example.com');
  }, 120_000);
});


// Fuzz seed 20261129, cases 16648, 35833, 46145: one step of an HOURLY/MINUTELY/SECONDLY rule with INTERVAL=10^12
// spun inside ical.js's date normalization (month by month), where no step counter saw it, during the arrival check.
describe('a huge INTERVAL ends the rule at the last representable date (year 9999)', () => {
  for (const freq of ['SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY']) {
    const subDaily = ['SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY'].includes(freq);
    for (const extra of ['', ';COUNT=1000000000', ...(subDaily ? [';BYMONTH=2;BYMONTHDAY=30', ';BYMONTHDAY=-31'] : [])]) {
      const rule = `FREQ=${freq};INTERVAL=999999999999${extra}`;
      it(`${rule}: readInput → decide → agenda terminates with DTSTART only, flagged on arrival`, async () => {
        const text = ics(`huge-${freq}`, '20260130T090000Z', rule);
        const read = await readInput(new TextEncoder().encode(`From: org@example.com\r\nTo: me@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/calendar; method=REQUEST\r\n\r\n${text}`), 'x.eml');
        const d = processRead(read.itip, read.problems, undefined, ctx);
        expect(d.action, d.reason).toBe('created');
        expect((d.problems ?? []).map((p) => p.code)).toContain('rrule-never-matches');
        const again = processRead(read.itip, read.problems, d.next as StoredEvent, ctx);
        expect(again.action).toBeTypeOf('string');
        const r = expandAgendaReport([d.next as StoredEvent], '2026-01-01T00:00:00Z', '2030-01-01T00:00:00Z');
        expect(r.occurrences.map((o) => o.start)).toEqual(['2026-01-30T09:00:00Z']);
      }, 20_000);
    }
  }

  it('an INTERVAL that still lands before year 9999 keeps its instances', () => {
    // 8,766,000 hours (365,250 days): the next instance is in 3026, well inside the range, and is kept.
    const r = expandAgendaReport([arrive(ics('big-ok', '20260130T090000Z', 'FREQ=HOURLY;INTERVAL=8766000;COUNT=3')).stored], '2026-01-01T00:00:00Z', '3100-01-01T00:00:00Z');
    expect(r.occurrences.map((o) => o.start)).toEqual(['2026-01-30T09:00:00Z', '3026-02-07T09:00:00Z']);
  }, 20_000);
});

// Fuzz seed 20261129, cases 5750/5797: a VTIMEZONE's own STANDARD/DAYLIGHT rule is expanded by ical.js while the
// message is read, outside any guarded expansion. In a fresh process the step bound was installed only by the first
// guarded call, so reading such a zone first searched forever. This file's earlier tests install it; the
// child-process test below reads the message as a fresh process's first act.
describe('a VTIMEZONE rule that never matches', () => {
  const zoneIcs = (freq: string) => [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', 'METHOD:REQUEST',
    'BEGIN:VTIMEZONE', `TZID:Hostile ${freq}`,
    'BEGIN:STANDARD', 'DTSTART:16010101T020000', 'TZOFFSETFROM:-0700', 'TZOFFSETTO:-0800', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'END:STANDARD',
    'BEGIN:DAYLIGHT', 'DTSTART:16010101T020000', 'TZOFFSETFROM:-0800', 'TZOFFSETTO:-0700', `RRULE:FREQ=${freq};BYMONTH=2;BYMONTHDAY=30`, 'END:DAYLIGHT',
    'END:VTIMEZONE',
    'BEGIN:VEVENT', `UID:zone-${freq}@example.com`, 'SEQUENCE:0', 'DTSTAMP:20260101T000000Z', `DTSTART;TZID=Hostile ${freq}:20260310T090000`, 'DURATION:PT1H',
    'RRULE:FREQ=WEEKLY;COUNT=3', 'SUMMARY:Zone', 'ORGANIZER:mailto:org@example.com', 'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:me@example.com', 'END:VEVENT',
    'END:VCALENDAR', '',
  ].join('\r\n');

  for (const freq of ['SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY']) {
    it(`FREQ=${freq}: readInput → decide → agenda terminates; the unusable zone is reported`, async () => {
      const read = await readInput(new TextEncoder().encode(zoneIcs(freq)), 'zone.ics');
      const d = processRead(read.itip, read.problems, undefined, ctx);
      expect(d.action, d.reason).toBe('created');
      expect(read.problems.map((p) => p.code)).toContain('zone-too-complex');
      const r = expandAgendaReport([d.next as StoredEvent], '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z');
      // The series is read in floating time (the zone is unusable); the agenda either expands it or says it could not.
      expect(r.occurrences[0]!.start.startsWith('2026-03-10T09:00:00')).toBe(true);
      if (r.occurrences.length !== 3) expect(r.cutShort.map((c) => c.uid)).toEqual([`zone-${freq}@example.com`]);
    }, 30_000);
  }

  it('read first in a fresh process (convene inspect) it terminates with the problem', () => {
    const root = resolve(__dirname, '../..');
    if (!existsSync(join(root, 'dist/cli.mjs'))) spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--cli'], { cwd: root, stdio: 'inherit' });
    const work = mkdtempSync(join(tmpdir(), 'convene-zone-'));
    try {
      const file = join(work, 'zone.ics');
      writeFileSync(file, zoneIcs('SECONDLY'));
      const p = spawnSync(process.execPath, [join(root, 'bin/convene.mjs'), 'inspect', file], { cwd: work, encoding: 'utf8', timeout: 60_000 });
      expect(p.signal).toBeNull();
      expect(p.stdout + p.stderr).toContain('zone-too-complex');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 90_000);
});
