// RECURRENCE-ID;RANGE=THISANDFUTURE (RFC 5545 §3.8.4.4, RFC 5546 §3.2.2 / §3.2.5 / §4.4.5): decide() on CANCEL and
// REQUEST, and what expandAgenda() shows afterwards. Messages are written inline; time and identities are pinned.
import { describe, expect, it } from 'vitest';
import { expandAgenda } from '../../shared/itip/agenda';
import { decide } from '../../shared/itip/decide';
import { effectiveOccurrence, myPartstat } from '../../shared/itip/event-state';
import { parseCalendar } from '../../shared/itip/parse';
import type { DecideContext, Decision, ItipMessage, ItipMethod, StoredEvent } from '../../shared/itip/types';

const ORG = 'alice@example.com';
const ME = 'bob@example.com';
const UID = 'taf@example.com';
const ctx: DecideContext = { me: [ME], policy: 'always', knownContacts: [], now: '2026-03-01T12:00:00Z' };

interface Ev {
  seq?: number;
  stamp?: string;
  rid?: string;
  range?: boolean;
  start?: string;
  end?: string;
  rrule?: string;
  rdate?: string;
  summary?: string;
  location?: string;
  status?: string;
  myPartstat?: string;
  extra?: string[];
}

function vevent(e: Ev): string {
  return [
    'BEGIN:VEVENT',
    `UID:${UID}`,
    `SEQUENCE:${e.seq ?? 0}`,
    `DTSTAMP:${e.stamp ?? '20260101T100000Z'}`,
    ...(e.rid ? [`RECURRENCE-ID${e.range === false ? '' : ';RANGE=THISANDFUTURE'}${e.rid}`] : []),
    `DTSTART${e.start ?? ':20260302T090000Z'}`,
    `DTEND${e.end ?? ':20260302T100000Z'}`,
    ...(e.rrule ? [`RRULE:${e.rrule}`] : []),
    ...(e.rdate ? [`RDATE:${e.rdate}`] : []),
    `SUMMARY:${e.summary ?? 'Weekly sync'}`,
    ...(e.location ? [`LOCATION:${e.location}`] : []),
    ...(e.status ? [`STATUS:${e.status}`] : []),
    ...(e.extra ?? []),
    `ORGANIZER:mailto:${ORG}`,
    `ATTENDEE;ROLE=CHAIR;PARTSTAT=ACCEPTED:mailto:${ORG}`,
    `ATTENDEE;PARTSTAT=${e.myPartstat ?? 'NEEDS-ACTION'};RSVP=TRUE:mailto:${ME}`,
    'END:VEVENT',
  ].join('\r\n');
}

function msg(method: ItipMethod, ...events: Ev[]): ItipMessage {
  const text = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', `METHOD:${method}`, ...events.map(vevent), 'END:VCALENDAR', ''].join('\r\n');
  const calendar = parseCalendar(text);
  expect(calendar.problems.filter((p) => p.severity === 'error')).toEqual([]);
  return { method, calendar, methodParam: method, envelope: null, part: null };
}

/** Feeds messages in order, keeping decision.next; returns the last decision and the state. */
function run(...msgs: ItipMessage[]): { d: Decision; s: StoredEvent | undefined; all: Decision[] } {
  let s: StoredEvent | undefined;
  const all: Decision[] = [];
  for (const m of msgs) {
    const d = decide(m, s, ctx);
    all.push(d);
    if (d.next) s = d.next;
  }
  return { d: all[all.length - 1]!, s, all };
}

const WEEKLY: Ev = { rrule: 'FREQ=WEEKLY;COUNT=8', myPartstat: 'ACCEPTED' };
const starts = (s: StoredEvent | undefined): string[] =>
  expandAgenda(s ? [s] : [], '2026-03-01T00:00:00Z', '2026-06-01T00:00:00Z').map((o) => o.start);
const ids = (s: StoredEvent | undefined): string[] =>
  expandAgenda(s ? [s] : [], '2026-03-01T00:00:00Z', '2026-06-01T00:00:00Z').map((o) => o.recurrenceId ?? '');

describe('CANCEL;RANGE=THISANDFUTURE', () => {
  const cancel3: Ev = { seq: 1, stamp: '20260102T100000Z', rid: ':20260316T090000Z', start: ':20260316T090000Z', end: ':20260316T100000Z', status: 'CANCELLED' };

  it('cancels the occurrence and every later one: COUNT shrinks, the agenda keeps the first two', () => {
    const { d, s } = run(msg('REQUEST', WEEKLY), msg('CANCEL', cancel3));
    expect(d).toMatchObject({ action: 'cancelled', detail: 'this-and-future' });
    expect(d.reason).toContain('2026-03-16T09:00:00Z and following');
    expect(s?.cancelled).toBe(false);
    // RFC 5545 §3.3.10: COUNT and UNTIL never together; the shorter COUNT keeps the rule's form.
    expect(s?.master?.rrule).toBe('FREQ=WEEKLY;COUNT=2');
    expect(s?.master?.ics).toMatch(/RRULE:FREQ=WEEKLY;COUNT=2\r?\n/);
    // The master carries the CANCEL's revision, so an older copy of the series cannot come back.
    expect(s?.master?.sequence).toBe(1);
    expect(s?.master?.ics).toMatch(/SEQUENCE:1/);
    expect(starts(s)).toEqual(['2026-03-02T09:00:00Z', '2026-03-09T09:00:00Z']);
    const tomb = s?.overrides.find((o) => o.recurrenceId === '2026-03-16T09:00:00Z');
    expect(tomb).toMatchObject({ thisAndFuture: true, status: 'CANCELLED', sequence: 1 });
    expect(tomb?.ics).toMatch(/RECURRENCE-ID;RANGE=THISANDFUTURE:20260316T090000Z/);
    // Re-reading the stored text gives the same data (the ics was patched, not only the fields).
    const reread = parseCalendar(`BEGIN:VCALENDAR\r\nVERSION:2.0\r\n${s!.master!.ics}\r\n${tomb!.ics}\r\nEND:VCALENDAR\r\n`);
    expect(reread.components[0]?.rrule).toBe('FREQ=WEEKLY;COUNT=2');
    expect(reread.components[1]).toMatchObject({ recurrenceId: '2026-03-16T09:00:00Z', thisAndFuture: true, status: 'CANCELLED' });
  });

  it('an open-ended rule gets UNTIL one second before the cut; later RDATEs, overrides and answers go, earlier ones stay', () => {
    const series: Ev = { rrule: 'FREQ=WEEKLY', rdate: '20260304T090000Z,20260401T090000Z', myPartstat: 'ACCEPTED' };
    const early: Ev = { seq: 0, stamp: '20260101T110000Z', rid: ':20260309T090000Z', range: false, start: ':20260309T093000Z', end: ':20260309T103000Z', summary: 'Weekly sync (late start)', myPartstat: 'ACCEPTED' };
    const late: Ev = { seq: 0, stamp: '20260101T110000Z', rid: ':20260323T090000Z', range: false, start: ':20260323T093000Z', end: ':20260323T103000Z', myPartstat: 'ACCEPTED' };
    const { d, s } = run(msg('REQUEST', series), msg('REQUEST', early), msg('REQUEST', late), msg('CANCEL', cancel3));
    expect(d.action).toBe('cancelled');
    expect(s?.master?.rrule).toBe('FREQ=WEEKLY;UNTIL=20260316T085959Z');
    expect(s?.master?.ics).toContain('UNTIL=20260316T085959Z');
    expect(s?.master?.rdate).toEqual(['2026-03-04T09:00:00Z']);
    expect(s?.master?.ics).not.toContain('20260401');
    expect(s?.overrides.map((o) => o.recurrenceId)).toEqual(['2026-03-09T09:00:00Z', '2026-03-16T09:00:00Z']);
    expect(expandAgenda([s!], '2026-03-01T00:00:00Z', '2027-01-01T00:00:00Z').map((o) => [o.start, o.summary])).toEqual([
      ['2026-03-02T09:00:00Z', 'Weekly sync'],
      ['2026-03-04T09:00:00Z', 'Weekly sync'],
      ['2026-03-09T09:30:00Z', 'Weekly sync (late start)'],
    ]);
  });

  it('the same CANCEL again is a duplicate, an older full REQUEST is stale, a newer one reinstates the series', () => {
    const base = run(msg('REQUEST', WEEKLY), msg('CANCEL', cancel3));
    expect(decide(msg('CANCEL', cancel3), base.s, ctx).action).toBe('duplicate');
    expect(decide(msg('REQUEST', WEEKLY), base.s, ctx).action).toBe('stale');
    const again = decide(msg('REQUEST', { ...WEEKLY, seq: 2, stamp: '20260103T100000Z' }), base.s, ctx);
    expect(again.action).toBe('updated');
    expect(starts(again.next)).toHaveLength(8);
  });

  it('a cut at the first occurrence cancels the whole series; in a TZID series the RECURRENCE-ID may be zoned', () => {
    const first = run(msg('REQUEST', WEEKLY), msg('CANCEL', { ...cancel3, rid: ':20260302T090000Z' }));
    expect(first.d).toMatchObject({ action: 'cancelled', detail: 'event' });
    expect(first.s?.cancelled).toBe(true);
    expect(starts(first.s)).toEqual([]);

    const berlin: Ev = { start: ';TZID=Europe/Berlin:20260302T100000', end: ';TZID=Europe/Berlin:20260302T110000', rrule: 'FREQ=WEEKLY;UNTIL=20260420T080000Z' };
    const z = run(msg('REQUEST', berlin), msg('CANCEL', { ...cancel3, rid: ';TZID=Europe/Berlin:20260330T100000', start: ';TZID=Europe/Berlin:20260330T100000', end: ';TZID=Europe/Berlin:20260330T110000' }));
    // 30 March 10:00 Berlin is 08:00Z (summer time): UNTIL is UTC for a zoned DTSTART (RFC 5545 §3.3.10).
    expect(z.s?.master?.rrule).toBe('FREQ=WEEKLY;UNTIL=20260330T075959Z');
    expect(starts(z.s)).toEqual(['2026-03-02T10:00:00+01:00', '2026-03-09T10:00:00+01:00', '2026-03-16T10:00:00+01:00', '2026-03-23T10:00:00+01:00']);
  });

  it('an all-day series ends the day before the cut', () => {
    const allDay: Ev = { start: ';VALUE=DATE:20260302', end: ';VALUE=DATE:20260303', rrule: 'FREQ=DAILY' };
    const { s } = run(msg('REQUEST', allDay), msg('CANCEL', { ...cancel3, rid: ';VALUE=DATE:20260305', start: ';VALUE=DATE:20260305', end: ';VALUE=DATE:20260306' }));
    expect(s?.master?.rrule).toBe('FREQ=DAILY;UNTIL=20260304');
    expect(starts(s)).toEqual(['2026-03-02', '2026-03-03', '2026-03-04']);
  });
});

describe('REQUEST;RANGE=THISANDFUTURE', () => {
  const move3: Ev = {
    seq: 1,
    stamp: '20260102T100000Z',
    rid: ':20260316T090000Z',
    start: ':20260316T100000Z',
    end: ':20260316T110000Z',
    summary: 'Weekly sync (new time)',
    location: 'Room 2',
    myPartstat: 'ACCEPTED',
  };

  it('moves this occurrence and every later one by DTSTART − RECURRENCE-ID and changes their details', () => {
    const { d, s } = run(msg('REQUEST', WEEKLY), msg('REQUEST', move3));
    expect(d).toMatchObject({ action: 'updated', detail: 'rescheduled' });
    expect(d.reason).toContain('2026-03-16T09:00:00Z and following');
    // The master's rule stays whole; the change is one stored RANGE=THISANDFUTURE override (RFC 5545 §3.8.4.4).
    expect(s?.master?.rrule).toBe('FREQ=WEEKLY;COUNT=8');
    expect(s?.overrides).toHaveLength(1);
    expect(s?.overrides[0]?.ics).toMatch(/RECURRENCE-ID;RANGE=THISANDFUTURE:20260316T090000Z/);
    const occ = expandAgenda([s!], '2026-03-01T00:00:00Z', '2026-06-01T00:00:00Z');
    expect(occ.map((o) => [o.recurrenceId, o.start, o.end, o.summary])).toEqual([
      ['2026-03-02T09:00:00Z', '2026-03-02T09:00:00Z', '2026-03-02T10:00:00Z', 'Weekly sync'],
      ['2026-03-09T09:00:00Z', '2026-03-09T09:00:00Z', '2026-03-09T10:00:00Z', 'Weekly sync'],
      ...['16', '23', '30'].map((day) => [`2026-03-${day}T09:00:00Z`, `2026-03-${day}T10:00:00Z`, `2026-03-${day}T11:00:00Z`, 'Weekly sync (new time)']),
      ...['06', '13', '20'].map((day) => [`2026-04-${day}T09:00:00Z`, `2026-04-${day}T10:00:00Z`, `2026-04-${day}T11:00:00Z`, 'Weekly sync (new time)']),
    ]);
    // RFC 5546 §2.1.4 / §3.2.2.1: a reschedule voids my answer, for the affected occurrences only.
    expect(myPartstat(s!, [ME], '2026-03-09T09:00:00Z')).toBe('ACCEPTED');
    expect(myPartstat(s!, [ME], '2026-03-16T09:00:00Z')).toBe('NEEDS-ACTION');
    expect(myPartstat(s!, [ME], '2026-04-13T09:00:00Z')).toBe('NEEDS-ACTION');
    const later = effectiveOccurrence(s, '2026-03-30T09:00:00Z');
    expect(later).toMatchObject({ location: 'Room 2', summary: 'Weekly sync (new time)', start: { utc: '2026-03-30T10:00:00Z' } });
    // Again: same revision, a duplicate.
    expect(decide(msg('REQUEST', move3), s, ctx).action).toBe('duplicate');
  });

  it('a change that keeps the times keeps my answer; later overrides are superseded, cancelled ones stay', () => {
    const moved5: Ev = { seq: 0, stamp: '20260101T110000Z', rid: ':20260330T090000Z', range: false, start: ':20260330T080000Z', end: ':20260330T090000Z', myPartstat: 'ACCEPTED' };
    const cancelled6: Ev = { seq: 0, stamp: '20260101T110000Z', rid: ':20260406T090000Z', range: false, start: ':20260406T090000Z', end: ':20260406T100000Z', status: 'CANCELLED' };
    const rename: Ev = { ...move3, start: ':20260316T090000Z', end: ':20260316T100000Z', location: undefined, summary: 'Weekly sync (renamed)' };
    const { d, s } = run(msg('REQUEST', WEEKLY), msg('REQUEST', moved5), msg('CANCEL', cancelled6), msg('REQUEST', rename));
    expect(d).toMatchObject({ action: 'updated', detail: 'details' });
    expect(myPartstat(s!, [ME], '2026-03-23T09:00:00Z')).toBe('ACCEPTED');
    expect(s?.overrides.map((o) => o.recurrenceId)).toEqual(['2026-03-16T09:00:00Z', '2026-04-06T09:00:00Z']);
    const occ = expandAgenda([s!], '2026-03-01T00:00:00Z', '2026-06-01T00:00:00Z');
    expect(occ.map((o) => o.recurrenceId)).not.toContain('2026-04-06T09:00:00Z');
    expect(occ.filter((o) => o.summary === 'Weekly sync (renamed)').map((o) => o.start)).toEqual([
      '2026-03-16T09:00:00Z', '2026-03-23T09:00:00Z', '2026-03-30T09:00:00Z', '2026-04-13T09:00:00Z', '2026-04-20T09:00:00Z',
    ]);
  });

  it('two this-and-future changes each govern up to the next; then a CANCEL from a later point truncates', () => {
    const move5: Ev = { ...move3, seq: 2, stamp: '20260103T100000Z', rid: ':20260330T090000Z', start: ':20260330T110000Z', end: ':20260330T120000Z', summary: 'Weekly sync (later still)' };
    const r = run(msg('REQUEST', WEEKLY), msg('REQUEST', move3), msg('REQUEST', move5));
    expect(starts(r.s)).toEqual([
      '2026-03-02T09:00:00Z', '2026-03-09T09:00:00Z', '2026-03-16T10:00:00Z', '2026-03-23T10:00:00Z',
      '2026-03-30T11:00:00Z', '2026-04-06T11:00:00Z', '2026-04-13T11:00:00Z', '2026-04-20T11:00:00Z',
    ]);
    const c = decide(msg('CANCEL', { seq: 3, stamp: '20260104T100000Z', rid: ':20260406T090000Z', start: ':20260406T110000Z', end: ':20260406T120000Z', status: 'CANCELLED' }), r.s, ctx);
    expect(c.action).toBe('cancelled');
    expect(ids(c.next)).toEqual(['2026-03-02T09:00:00Z', '2026-03-09T09:00:00Z', '2026-03-16T09:00:00Z', '2026-03-23T09:00:00Z', '2026-03-30T09:00:00Z']);
    expect(c.next?.master?.rrule).toBe('FREQ=WEEKLY;COUNT=5');
  });

  it('zones: a Berlin series moved by an override written in UTC keeps the wall-clock shift across DST', () => {
    const berlin: Ev = { start: ';TZID=Europe/Berlin:20260302T100000', end: ';TZID=Europe/Berlin:20260302T110000', rrule: 'FREQ=WEEKLY;COUNT=6', myPartstat: 'ACCEPTED' };
    // 16 March 10:00 Berlin (09:00Z) moved to 11:00 Berlin, written in UTC as Exchange does.
    const moved: Ev = { ...move3, rid: ';TZID=Europe/Berlin:20260316T100000', start: ':20260316T100000Z', end: ':20260316T110000Z' };
    const { s } = run(msg('REQUEST', berlin), msg('REQUEST', moved));
    const occ = expandAgenda([s!], '2026-03-01T00:00:00Z', '2026-06-01T00:00:00Z');
    expect(occ.map((o) => isoUtc(o.start))).toEqual([
      '2026-03-02T09:00:00Z', '2026-03-09T09:00:00Z', '2026-03-16T10:00:00Z', '2026-03-23T10:00:00Z',
      // After the switch to summer time (29 March) 11:00 Berlin is 09:00Z.
      '2026-03-30T09:00:00Z', '2026-04-06T09:00:00Z',
    ]);
  });

  it('the RFC 5546 §4.4.5 spelling RECURRENCE-ID;THISANDFUTURE (no RANGE=) is read as RANGE=THISANDFUTURE, with a warning', () => {
    const cal = parseCalendar(
      'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:x\r\nRECURRENCE-ID;THISANDFUTURE:19970901T210000Z\r\nDTSTART:19970901T210000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n',
    );
    expect(cal.components[0]).toMatchObject({ recurrenceId: '1997-09-01T21:00:00Z', thisAndFuture: true });
    expect(cal.problems.map((p) => p.code)).toEqual(['malformed-ics']);
  });
});

function isoUtc(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19)}Z`;
}
