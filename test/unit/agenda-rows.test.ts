// Agenda rows: attendees per occurrence (issue 8 §5) and every RDATE beside DTSTART's own occurrence (issue 10 §8).
import { describe, expect, it } from 'vitest';
import { expandAgenda } from '../../shared/itip/agenda';
import { parseCalendar } from '../../shared/itip/parse';
import type { StoredEvent } from '../../shared/itip/types';

function stored(...vevents: string[][]): StoredEvent {
  const text = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', ...vevents.flatMap((v) => ['BEGIN:VEVENT', 'UID:rows@x', 'DTSTAMP:20260101T000000Z', ...v, 'END:VEVENT']), 'END:VCALENDAR', ''].join('\r\n');
  const c = parseCalendar(text);
  return {
    uid: 'rows@x', role: 'organizer', master: c.components.find((x) => x.recurrenceId === null) ?? null,
    overrides: c.components.filter((x) => x.recurrenceId !== null), vtimezones: c.vtimezones, replies: [], pending: [],
    cancelled: false, myAddress: 'org@x', updatedAt: '2026-01-01T00:00:00Z',
  };
}

describe('agenda rows carry the attendees of their occurrence', () => {
  it('the override’s attendees where there is one, the series’ elsewhere', () => {
    const ev = stored(
      ['DTSTART:20260302T090000Z', 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=3', 'ORGANIZER:mailto:org@x', 'ATTENDEE;PARTSTAT=ACCEPTED:mailto:org@x', 'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:Bob@X', 'ATTENDEE:mailto:carol@x'],
      ['RECURRENCE-ID:20260303T090000Z', 'DTSTART:20260303T090000Z', 'DURATION:PT1H', 'ORGANIZER:mailto:org@x', 'ATTENDEE;PARTSTAT=ACCEPTED:mailto:org@x', 'ATTENDEE;PARTSTAT=DECLINED:mailto:bob@x', 'ATTENDEE;PARTSTAT=tentative:mailto:carol@x'],
    );
    const rows = expandAgenda([ev], '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z');
    expect(rows.map((r) => [r.start, r.attendees])).toEqual([
      ['2026-03-02T09:00:00Z', [{ email: 'org@x', partstat: 'ACCEPTED' }, { email: 'bob@x', partstat: 'NEEDS-ACTION' }, { email: 'carol@x', partstat: 'NEEDS-ACTION' }]],
      ['2026-03-03T09:00:00Z', [{ email: 'org@x', partstat: 'ACCEPTED' }, { email: 'bob@x', partstat: 'DECLINED' }, { email: 'carol@x', partstat: 'TENTATIVE' }]],
      ['2026-03-04T09:00:00Z', [{ email: 'org@x', partstat: 'ACCEPTED' }, { email: 'bob@x', partstat: 'NEEDS-ACTION' }, { email: 'carol@x', partstat: 'NEEDS-ACTION' }]],
    ]);
  });
});

describe('agenda rows name the attendees the event names (issue 11 §2: names, not addresses)', () => {
  it('carries each attendee’s CN, the override’s where it has its own list, and none when the event gives none', () => {
    const ev = stored(
      ['DTSTART:20260302T090000Z', 'DURATION:PT1H', 'RRULE:FREQ=DAILY;COUNT=2', 'ORGANIZER:mailto:org@x', 'ATTENDEE;CN=Bob Baker;PARTSTAT=ACCEPTED:mailto:bob@x', 'ATTENDEE:mailto:carol@x'],
      ['RECURRENCE-ID:20260303T090000Z', 'DTSTART:20260303T090000Z', 'DURATION:PT1H', 'ORGANIZER:mailto:org@x', 'ATTENDEE;CN="Robert Baker";PARTSTAT=DECLINED:mailto:bob@x', 'ATTENDEE:mailto:carol@x'],
    );
    const rows = expandAgenda([ev], '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z');
    expect(rows.map((r) => r.attendees)).toEqual([
      [{ email: 'bob@x', partstat: 'ACCEPTED', cn: 'Bob Baker' }, { email: 'carol@x', partstat: 'NEEDS-ACTION' }],
      [{ email: 'bob@x', partstat: 'DECLINED', cn: 'Robert Baker' }, { email: 'carol@x', partstat: 'NEEDS-ACTION' }],
    ]);
  });
});

describe('RDATE occurrences appear beside DTSTART’s own (RFC 5545 §3.8.5.2)', () => {
  const rows = (ev: StoredEvent) => expandAgenda([ev], '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z').map((r) => [r.start, r.end]);

  it('DATE-TIME values, without an RRULE', () => {
    expect(rows(stored(['DTSTART:20260301T090000Z', 'DTEND:20260301T100000Z', 'RDATE:20260305T090000Z,20260307T090000Z']))).toEqual([
      ['2026-03-01T09:00:00Z', '2026-03-01T10:00:00Z'], ['2026-03-05T09:00:00Z', '2026-03-05T10:00:00Z'], ['2026-03-07T09:00:00Z', '2026-03-07T10:00:00Z'],
    ]);
  });

  it('DATE values', () => {
    expect(rows(stored(['DTSTART;VALUE=DATE:20260301', 'RDATE;VALUE=DATE:20260305,20260307']))).toEqual([
      ['2026-03-01', '2026-03-02'], ['2026-03-05', '2026-03-06'], ['2026-03-07', '2026-03-08'],
    ]);
  });

  it('PERIOD values keep their own length (explicit end or duration)', () => {
    expect(rows(stored(['DTSTART:20260301T090000Z', 'DTEND:20260301T100000Z', 'RDATE;VALUE=PERIOD:20260305T120000Z/20260305T150000Z,20260307T090000Z/PT2H']))).toEqual([
      ['2026-03-01T09:00:00Z', '2026-03-01T10:00:00Z'], ['2026-03-05T12:00:00Z', '2026-03-05T15:00:00Z'], ['2026-03-07T09:00:00Z', '2026-03-07T11:00:00Z'],
    ]);
  });

  it('with an RRULE, an EXDATE on an RDATE, and an RDATE equal to a rule instance counted once', () => {
    expect(rows(stored(['DTSTART:20260301T090000Z', 'DURATION:PT1H', 'RRULE:FREQ=WEEKLY;COUNT=2', 'RDATE:20260305T090000Z,20260308T090000Z,20260310T090000Z', 'EXDATE:20260310T090000Z']))).toEqual([
      ['2026-03-01T09:00:00Z', '2026-03-01T10:00:00Z'], ['2026-03-05T09:00:00Z', '2026-03-05T10:00:00Z'], ['2026-03-08T09:00:00Z', '2026-03-08T10:00:00Z'],
    ]);
  });
});
