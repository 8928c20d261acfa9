import { describe, expect, it } from 'vitest';
import { expandAgenda, MAX_ITERATIONS } from '../../shared/itip/agenda';
import { parseCalendar } from '../../shared/itip/parse';
import type { StoredEvent } from '../../shared/itip/types';
import { BERLIN_1970 } from '../fixtures/zone-zoo';

const BERLIN = BERLIN_1970.split('\r\n');

function cal(...lines: string[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'METHOD:REQUEST', ...lines, 'END:VCALENDAR', ''].join('\r\n');
}

function vevent(props: string[]): string[] {
  return ['BEGIN:VEVENT', 'DTSTAMP:20260101T000000Z', 'ORGANIZER:mailto:org@example.com', ...props, 'END:VEVENT'];
}

function stored(text: string, extra: Partial<StoredEvent> = {}): StoredEvent {
  const c = parseCalendar(text);
  const master = c.components.find((x) => x.recurrenceId === null) ?? null;
  const overrides = c.components.filter((x) => x.recurrenceId !== null);
  const uid = (master ?? overrides[0])?.uid ?? 'x';
  return {
    uid,
    role: 'attendee',
    master,
    overrides,
    vtimezones: c.vtimezones,
    replies: [],
    pending: [],
    cancelled: false,
    myAddress: null,
    updatedAt: '2026-01-01T00:00:00Z',
    ...extra,
  };
}

describe('expandAgenda', () => {
  it('expands a weekly zoned series across a DST change, applies overrides, EXDATE and cancelled instances', () => {
    const ev = stored(
      cal(
        ...BERLIN,
        ...vevent([
          'UID:weekly-1',
          'SUMMARY:Weekly',
          'DTSTART;TZID=Europe/Berlin:20260316T100000',
          'DTEND;TZID=Europe/Berlin:20260316T110000',
          'RRULE:FREQ=WEEKLY;COUNT=6',
          'EXDATE;TZID=Europe/Berlin:20260406T100000',
        ]),
        ...vevent([
          'UID:weekly-1',
          'SUMMARY:Weekly (moved)',
          'RECURRENCE-ID;TZID=Europe/Berlin:20260330T100000',
          'DTSTART;TZID=Europe/Berlin:20260330T140000',
          'DTEND;TZID=Europe/Berlin:20260330T150000',
        ]),
        ...vevent([
          'UID:weekly-1',
          'SUMMARY:Weekly',
          'STATUS:CANCELLED',
          'RECURRENCE-ID;TZID=Europe/Berlin:20260413T100000',
          'DTSTART;TZID=Europe/Berlin:20260413T100000',
          'DTEND;TZID=Europe/Berlin:20260413T110000',
        ]),
      ),
    );
    const occ = expandAgenda([ev], '2026-03-01T00:00:00Z', '2026-05-01T00:00:00Z');
    expect(occ.map((o) => [o.start, o.end, o.summary])).toEqual([
      ['2026-03-16T10:00:00+01:00', '2026-03-16T11:00:00+01:00', 'Weekly'],
      ['2026-03-23T10:00:00+01:00', '2026-03-23T11:00:00+01:00', 'Weekly'],
      ['2026-03-30T14:00:00+02:00', '2026-03-30T15:00:00+02:00', 'Weekly (moved)'],
      ['2026-04-20T10:00:00+02:00', '2026-04-20T11:00:00+02:00', 'Weekly'],
    ]);
    expect(occ[2]?.recurrenceId).toBe('2026-03-30T08:00:00Z');
    expect(occ[0]?.recurrenceId).toBe('2026-03-16T09:00:00Z');
    expect(occ.every((o) => o.uid === 'weekly-1' && !o.allDay)).toBe(true);
  });

  it('returns only occurrences overlapping [from, to)', () => {
    const ev = stored(cal(...vevent(['UID:daily', 'SUMMARY:Daily', 'DTSTART:20260101T090000Z', 'DTEND:20260101T100000Z', 'RRULE:FREQ=DAILY'])));
    const occ = expandAgenda([ev], '2026-02-10T09:30:00Z', '2026-02-12T09:00:00Z');
    // 10th 09:00-10:00 overlaps (started before from), 11th included, 12th starts exactly at `to`: excluded.
    expect(occ.map((o) => o.start)).toEqual(['2026-02-10T09:00:00Z', '2026-02-11T09:00:00Z']);
  });

  it('includes non-recurring events when they overlap, all-day as dates, and leaves cancelled events out', () => {
    const single = stored(cal(...vevent(['UID:single', 'SUMMARY:One', 'DTSTART:20260105T120000Z', 'DURATION:PT2H'])));
    const allDay = stored(cal(...vevent(['UID:allday', 'SUMMARY:Holiday', 'DTSTART;VALUE=DATE:20260106', 'DTEND;VALUE=DATE:20260107'])));
    const gone = stored(cal(...vevent(['UID:gone', 'SUMMARY:Gone', 'DTSTART:20260105T120000Z', 'DTEND:20260105T130000Z'])), { cancelled: true });
    const statusCancelled = stored(cal(...vevent(['UID:sc', 'STATUS:CANCELLED', 'DTSTART:20260105T120000Z', 'DTEND:20260105T130000Z'])));
    const outside = stored(cal(...vevent(['UID:outside', 'DTSTART:20260205T120000Z', 'DTEND:20260205T130000Z'])));
    const occ = expandAgenda([allDay, single, gone, statusCancelled, outside], '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z');
    expect(occ).toEqual([
      { uid: 'single', recurrenceId: null, start: '2026-01-05T12:00:00Z', end: '2026-01-05T14:00:00Z', summary: 'One', status: null, allDay: false, attendees: [] },
      { uid: 'allday', recurrenceId: null, start: '2026-01-06', end: '2026-01-07', summary: 'Holiday', status: null, allDay: true, attendees: [] },
    ]);
  });

  it('expands all-day recurring events with date recurrence ids', () => {
    const ev = stored(cal(...vevent(['UID:bday', 'SUMMARY:Birthday', 'DTSTART;VALUE=DATE:20200301', 'DTEND;VALUE=DATE:20200302', 'RRULE:FREQ=YEARLY'])));
    const occ = expandAgenda([ev], '2026-01-01', '2028-01-01');
    expect(occ.map((o) => [o.recurrenceId, o.start, o.end, o.allDay])).toEqual([
      ['2026-03-01', '2026-03-01', '2026-03-02', true],
      ['2027-03-01', '2027-03-01', '2027-03-02', true],
    ]);
  });

  it('falls back to the IANA zone when a TZID has no VTIMEZONE', () => {
    const ev = stored(cal(...vevent(['UID:nz', 'DTSTART;TZID=America/New_York:20260105T090000', 'DTEND;TZID=America/New_York:20260105T100000', 'RRULE:FREQ=WEEKLY;COUNT=2'])));
    const occ = expandAgenda([ev], '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z');
    expect(occ.map((o) => o.start)).toEqual(['2026-01-05T09:00:00-05:00', '2026-01-12T09:00:00-05:00']);
  });

  it('stops an endless high-frequency rule at the iteration cap', () => {
    const ev = stored(cal(...vevent(['UID:secondly', 'DTSTART:20000101T000000Z', 'RRULE:FREQ=SECONDLY'])));
    const t0 = Date.now();
    const occ = expandAgenda([ev], '2030-01-01T00:00:00Z', '2030-01-02T00:00:00Z');
    expect(occ).toEqual([]);
    expect(MAX_ITERATIONS).toBeGreaterThan(0);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('shows an override moved into the window from an instance after it', () => {
    const ev = stored(
      cal(
        ...vevent(['UID:mv', 'SUMMARY:S', 'DTSTART:20260101T090000Z', 'DTEND:20260101T100000Z', 'RRULE:FREQ=MONTHLY;COUNT=12']),
        ...vevent(['UID:mv', 'SUMMARY:Pulled forward', 'RECURRENCE-ID:20260601T090000Z', 'DTSTART:20260115T090000Z', 'DTEND:20260115T100000Z']),
      ),
    );
    const occ = expandAgenda([ev], '2026-01-10T00:00:00Z', '2026-01-20T00:00:00Z');
    expect(occ).toEqual([
      { uid: 'mv', recurrenceId: '2026-06-01T09:00:00Z', start: '2026-01-15T09:00:00Z', end: '2026-01-15T10:00:00Z', summary: 'Pulled forward', status: null, allDay: false, attendees: [] },
    ]);
  });

  it('returns nothing for an empty or inverted window', () => {
    const ev = stored(cal(...vevent(['UID:a', 'DTSTART:20260105T120000Z', 'DTEND:20260105T130000Z'])));
    expect(expandAgenda([ev], '2026-02-01T00:00:00Z', '2026-01-01T00:00:00Z')).toEqual([]);
    expect(expandAgenda([ev], 'garbage', '2026-01-01T00:00:00Z')).toEqual([]);
  });
});
