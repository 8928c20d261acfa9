import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import '../random'; // seeds fast-check for this file; the seed is in every failure report
import { AppError } from '../../shared/errors';
import { eventFromDraft, newUid, type MeetingDraft } from '../../shared/itip/meeting';
import { parseCalendar } from '../../shared/itip/parse';
import { isSignificantChange } from '../../shared/itip/event-state';

const NOW = '2026-01-02T08:00:00.000Z';
const LATER = '2026-01-03T09:15:00Z';

function draft(over: Partial<MeetingDraft> = {}): MeetingDraft {
  return {
    summary: 'Quarterly planning',
    description: 'Agenda: budgets',
    location: 'Room 1',
    start: '2026-01-12T10:00',
    end: '2026-01-12T11:00',
    timezone: 'Europe/Berlin',
    allDay: false,
    attendees: [
      { email: 'Bob@Example.org', cn: 'Bob' },
      { email: 'carol@example.net', role: 'OPT-PARTICIPANT', rsvp: false },
    ],
    rrule: null,
    organizer: { email: 'alice@example.com', cn: 'Alice' },
    ...over,
  };
}

describe('newUid', () => {
  it('is a random UUID at the convene domain', () => {
    expect(newUid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}@convene$/);
    expect(newUid({ random: () => 'fixed', domain: 'example.com' })).toBe('fixed@example.com');
  });

  it('gives 10,000 distinct UIDs in 10,000 calls', () => {
    const set = new Set(Array.from({ length: 10_000 }, () => newUid()));
    expect(set.size).toBe(10_000);
  });
});

describe('eventFromDraft: a new meeting', () => {
  const e = eventFromDraft(draft(), null, NOW);

  it('starts at SEQUENCE 0 with DTSTAMP = now (UTC, no millis)', () => {
    expect(e.sequence).toBe(0);
    expect(e.dtstamp).toBe('2026-01-02T08:00:00Z');
    expect(e.uid).toMatch(/@convene$/);
    expect(e.status).toBe('CONFIRMED');
  });

  it('turns wall time + IANA zone into zoned values', () => {
    expect(e.start).toEqual({ value: '2026-01-12T10:00:00+01:00', tzid: 'Europe/Berlin', allDay: false, floating: false, utc: '2026-01-12T09:00:00Z' });
    expect(e.end?.utc).toBe('2026-01-12T10:00:00Z');
  });

  it('lists attendees normalised, NEEDS-ACTION, RSVP as asked (default TRUE)', () => {
    expect(e.attendees.map((a) => [a.email, a.partstat, a.rsvp, a.role])).toEqual([
      ['bob@example.org', 'NEEDS-ACTION', true, 'REQ-PARTICIPANT'],
      ['carol@example.net', 'NEEDS-ACTION', false, 'OPT-PARTICIPANT'],
    ]);
    expect(e.organizer).toEqual({ email: 'alice@example.com', cn: 'Alice', sentBy: null });
  });

  it('carries its own ics, which parses back to the same event', () => {
    expect(e.ics.startsWith('BEGIN:VEVENT\r\n')).toBe(true);
    const cal = parseCalendar(`BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n${e.ics}END:VCALENDAR\r\n`);
    const back = cal.components[0]!;
    expect({ ...back, ics: '' }).toEqual({ ...e, ics: '' });
  });

  it('keeps an explicit uid and drops duplicate attendees', () => {
    const d = eventFromDraft(draft({ uid: 'mine@x', attendees: [{ email: 'a@x' }, { email: 'MAILTO:A@X' }] }), null, NOW);
    expect(d.uid).toBe('mine@x');
    expect(d.attendees).toHaveLength(1);
  });

  it('writes all-day events as dates with an exclusive end (RFC 5545 §3.6.1)', () => {
    const d = eventFromDraft(draft({ allDay: true, start: '2026-02-01', end: '2026-02-01' }), null, NOW);
    expect(d.start).toEqual({ value: '2026-02-01', tzid: null, allDay: true, floating: false, utc: null });
    expect(d.end?.value).toBe('2026-02-02');
    const d2 = eventFromDraft(draft({ allDay: true, start: '2026-02-01', end: '2026-02-04' }), null, NOW);
    expect(d2.end?.value).toBe('2026-02-04');
  });

  it('moves a time in the spring-forward gap forward (RFC 5545 §3.3.5)', () => {
    const d = eventFromDraft(draft({ start: '2026-03-29T02:30', end: '2026-03-29T04:00' }), null, NOW);
    expect(d.start?.value).toBe('2026-03-29T03:30:00+02:00');
    expect(d.start?.utc).toBe('2026-03-29T01:30:00Z');
  });

  it('accepts UTC as a zone', () => {
    const d = eventFromDraft(draft({ timezone: 'UTC' }), null, NOW);
    expect(d.start).toEqual({ value: '2026-01-12T10:00:00Z', tzid: 'UTC', allDay: false, floating: false, utc: '2026-01-12T10:00:00Z' });
  });

  it('refuses malformed input with a typed BAD_REQUEST', () => {
    const bad: Partial<MeetingDraft>[] = [
      { start: '2026-13-01T10:00' },
      { start: 'tomorrow' },
      { timezone: 'Mars/Olympus' },
      { start: '2026-01-12T12:00', end: '2026-01-12T11:00' },
      { organizer: { email: '' } },
      { allDay: true, start: '2026-02-30', end: '2026-03-01' },
    ];
    for (const over of bad) {
      try {
        eventFromDraft(draft(over), null, NOW);
        expect.unreachable(`accepted ${JSON.stringify(over)}`);
      } catch (err) {
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).code).toBe('BAD_REQUEST');
      }
    }
  });
});

describe('eventFromDraft: revisions (RFC 5546 §2.1.4)', () => {
  const v0 = eventFromDraft(draft(), null, NOW);
  // Bob accepted, Carol declined.
  const stored = {
    ...v0,
    attendees: v0.attendees.map((a) =>
      a.email === 'bob@example.org' ? { ...a, partstat: 'ACCEPTED', rsvp: false } : { ...a, partstat: 'DECLINED' },
    ),
  };

  it('a summary or description change keeps SEQUENCE and answers, and renews DTSTAMP', () => {
    const v1 = eventFromDraft(draft({ uid: v0.uid!, summary: 'Renamed ✨', description: 'new agenda' }), stored, LATER);
    expect(v1.sequence).toBe(0);
    expect(v1.dtstamp).toBe(LATER);
    expect(v1.uid).toBe(v0.uid);
    expect(v1.attendees.map((a) => a.partstat)).toEqual(['ACCEPTED', 'DECLINED']);
    expect(v1.attendees[0]!.rsvp).toBe(false);
  });

  it('adding an attendee is not significant: the newcomer is NEEDS-ACTION, others keep answers', () => {
    const v1 = eventFromDraft(draft({ attendees: [...draft().attendees, { email: 'dan@example.com' }] }), stored, LATER);
    expect(v1.sequence).toBe(0);
    expect(v1.attendees.map((a) => a.partstat)).toEqual(['ACCEPTED', 'DECLINED', 'NEEDS-ACTION']);
  });

  const significant: [string, Partial<MeetingDraft>][] = [
    ['start', { start: '2026-01-12T10:30', end: '2026-01-12T11:30' }],
    ['end', { end: '2026-01-12T12:00' }],
    ['time zone (same wall time, other instant)', { timezone: 'Europe/London' }],
    ['location', { location: 'Room 2' }],
    ['recurrence', { rrule: 'FREQ=WEEKLY;COUNT=5' }],
    ['all-day', { allDay: true, start: '2026-01-12', end: '2026-01-13' }],
  ];
  for (const [what, over] of significant) {
    it(`a ${what} change increments SEQUENCE and resets answers to NEEDS-ACTION with RSVP`, () => {
      const v1 = eventFromDraft(draft(over), stored, LATER);
      expect(v1.sequence).toBe(1);
      expect(v1.attendees.every((a) => a.partstat === 'NEEDS-ACTION' && a.rsvp)).toBe(true);
      // And again from there: grows by exactly one per significant revision.
      const v2 = eventFromDraft(draft({ ...over, location: 'Elsewhere' }), v1, LATER);
      expect(v2.sequence).toBe(2);
    });
  }

  it('re-saving a cancelled meeting reinstates it as a significant change', () => {
    const cancelled = { ...stored, status: 'CANCELLED', sequence: 4 };
    const v = eventFromDraft(draft(), cancelled, LATER);
    expect(v.status).toBe('CONFIRMED');
    expect(v.sequence).toBe(5);
  });

  it('property: SEQUENCE grows iff isSignificantChange, never by more than one', () => {
    const arb = fc.record({
      summary: fc.constantFrom('A', 'B'),
      location: fc.constantFrom('Room 1', 'Room 2'),
      hour: fc.constantFrom('10', '11'),
      rrule: fc.constantFrom(null, 'FREQ=DAILY;COUNT=3'),
    });
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        const mk = (x: typeof a): MeetingDraft =>
          draft({ uid: 'p@x', summary: x.summary, location: x.location, start: `2026-01-12T${x.hour}:00`, end: `2026-01-12T${x.hour}:45`, rrule: x.rrule });
        const first = eventFromDraft(mk(a), null, NOW);
        const second = eventFromDraft(mk(b), first, LATER);
        expect(second.sequence - first.sequence).toBe(isSignificantChange(first, second) ? 1 : 0);
        const sameTimes = a.location === b.location && a.hour === b.hour && a.rrule === b.rrule;
        expect(second.sequence).toBe(sameTimes ? 0 : 1);
      }),
      { numRuns: 100 },
    );
  });
});
