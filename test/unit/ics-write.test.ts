import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import '../random'; // seeds fast-check for this file; the seed is in every failure report
import ICAL from 'ical.js';
import {
  PRODID,
  calendarText,
  eventToComponentText,
  foldLine,
  foldText,
  unfold,
  vtimezoneFromIntl,
  zoneOffsetMinutes,
  zonedDateTime,
  dateValue,
  utcToWall,
} from '../../shared/itip/ics-write';
import { parseCalendar } from '../../shared/itip/parse';
import { lintCalendarLines } from '../../shared/itip/lint';
import type { EventData } from '../../shared/itip/types';

const octets = (s: string): number => new TextEncoder().encode(s).length;

function physicalLines(text: string): string[] {
  const lines = text.split('\r\n');
  expect(lines.pop()).toBe(''); // ends with CRLF
  return lines;
}

function event(over: Partial<EventData> = {}): EventData {
  return {
    component: 'VEVENT',
    uid: 'round-trip-1@convene',
    recurrenceId: null,
    thisAndFuture: false,
    sequence: 3,
    dtstamp: '2026-01-02T08:30:00Z',
    start: zonedDateTime('2026-01-05T10:00', 'Europe/Berlin'),
    end: zonedDateTime('2026-01-05T11:30', 'Europe/Berlin'),
    duration: null,
    summary: 'Planung: Café ☕, Ærø; "quotes" \\ backslash 🎉',
    location: 'Raum 4.12, Gebäude B',
    description: 'Line one\nLine two with ümlauts and 漢字 and a long tail '.repeat(4),
    status: 'CONFIRMED',
    comment: ['first comment', 'zweiter Kommentar, mit Komma'],
    organizer: { email: 'alice@example.com', cn: 'Alice Ünïcode', sentBy: 'assistant@example.com' },
    attendees: [
      {
        email: 'bob@example.org',
        cn: 'Bob "The Builder"',
        partstat: 'ACCEPTED',
        role: 'REQ-PARTICIPANT',
        rsvp: true,
        cutype: 'INDIVIDUAL',
        delegatedTo: [],
        delegatedFrom: [],
        sentBy: null,
      },
      {
        email: 'carol@example.net',
        cn: null,
        partstat: 'DELEGATED',
        role: 'OPT-PARTICIPANT',
        rsvp: false,
        cutype: 'INDIVIDUAL',
        delegatedTo: ['dave@example.net', 'erin@example.net'],
        delegatedFrom: [],
        sentBy: null,
      },
    ],
    rrule: 'FREQ=WEEKLY;COUNT=5;BYDAY=MO',
    rdate: ['2026-02-20T09:00:00Z'],
    exdate: ['2026-01-12T09:00:00Z'],
    requestStatus: [],
    ics: '',
    ...over,
  };
}

describe('folding (RFC 5545 §3.1)', () => {
  it('keeps short lines as they are', () => {
    expect(foldLine('SUMMARY:short')).toBe('SUMMARY:short');
    expect(foldLine('X'.repeat(75))).toBe('X'.repeat(75));
  });

  it('folds at 75 octets, not 75 characters, with a leading space on continuations', () => {
    const line = `SUMMARY:${'é'.repeat(60)}`; // 8 + 120 octets
    const folded = foldLine(line);
    const parts = folded.split('\r\n');
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(octets(p)).toBeLessThanOrEqual(75);
    for (const p of parts.slice(1)) expect(p.startsWith(' ')).toBe(true);
    expect(unfold(folded)).toBe(line);
  });

  it('never splits a 4-octet emoji or a 3-octet CJK character', () => {
    const line = `DESCRIPTION:${'🎉漢a'.repeat(40)}`;
    const folded = foldLine(line);
    for (const p of folded.split('\r\n')) {
      expect(octets(p)).toBeLessThanOrEqual(75);
      // A split sequence would show up as U+FFFD after a byte-level round trip.
      const bytes = new TextEncoder().encode(p);
      expect(new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toBe(p);
    }
    expect(unfold(folded)).toBe(line);
  });

  it('property: any text folds to lines of at most 75 octets and unfolds back exactly', () => {
    const piece = fc.oneof(
      fc.constantFrom('a', 'é', '☕', '🎉', '漢', ' ', ';', ',', '\\', 'ß', '👩‍👩‍👧'),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 120 }), (pieces) => {
        const line = `X-TEST:${pieces.join('').replace(/[\r\n]/g, '')}`;
        const folded = foldLine(line);
        for (const p of folded.split('\r\n')) expect(octets(p)).toBeLessThanOrEqual(75);
        expect(unfold(folded)).toBe(line);
      }),
      { numRuns: 300 },
    );
  });

  it('foldText refolds text folded elsewhere (ical.js folds by characters) and ends in CRLF', () => {
    const src = `BEGIN:VEVENT\nSUMMARY:${'ü'.repeat(50)}\n ${'ö'.repeat(50)}\nEND:VEVENT`;
    const out = foldText(src);
    expect(out.endsWith('\r\n')).toBe(true);
    expect(out.includes('\n') && !/[^\r]\n/.test(out)).toBe(true);
    for (const l of physicalLines(out)) expect(octets(l)).toBeLessThanOrEqual(75);
    expect(unfold(out)).toBe(`BEGIN:VEVENT\r\nSUMMARY:${'ü'.repeat(50)}${'ö'.repeat(50)}\r\nEND:VEVENT\r\n`);
  });
});

describe('calendarText', () => {
  it('writes PRODID, VERSION, METHOD, one VTIMEZONE per TZID, CRLF and ≤ 75-octet lines', () => {
    const ny = event({
      uid: 'other@x',
      recurrenceId: null,
      start: zonedDateTime('2026-03-01T09:00', 'America/New_York'),
      end: zonedDateTime('2026-03-01T10:00', 'America/New_York'),
    });
    const text = calendarText('REQUEST', [event(), ny]);
    const lines = physicalLines(text);
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines).toContain(`PRODID:${PRODID}`);
    expect(lines).toContain('VERSION:2.0');
    expect(lines).toContain('METHOD:REQUEST');
    expect(lines.filter((l) => l === 'BEGIN:VTIMEZONE')).toHaveLength(2);
    expect(lines).toContain('TZID:Europe/Berlin');
    expect(lines).toContain('TZID:America/New_York');
    expect(lines.at(-1)).toBe('END:VCALENDAR');
    for (const l of lines) expect(octets(l)).toBeLessThanOrEqual(75);
    expect(/[^\r]\n/.test(text)).toBe(false);
    expect(lintCalendarLines(text)).toEqual([]);
  });

  it('omits METHOD for a plain event file', () => {
    expect(calendarText(null, [event()])).not.toMatch(/^METHOD:/m);
  });

  it('writes no VTIMEZONE for UTC, floating and all-day values', () => {
    const text = calendarText('PUBLISH', [
      event({
        start: { value: '2026-01-05T09:00:00Z', tzid: 'UTC', allDay: false, floating: false, utc: '2026-01-05T09:00:00Z' },
        end: { value: '2026-01-05T10:00:00', tzid: null, allDay: false, floating: true, utc: null },
        rdate: [],
        exdate: [],
      }),
      event({ uid: 'd@x', start: dateValue('2026-01-05'), end: dateValue('2026-01-06'), rdate: [], exdate: [] }),
    ]);
    expect(text).not.toContain('VTIMEZONE');
    expect(unfold(text)).toContain('DTSTART:20260105T090000Z');
    expect(unfold(text)).toContain('DTEND:20260105T100000\r\n');
    expect(unfold(text)).toContain('DTSTART;VALUE=DATE:20260105');
  });

  it('uses a supplied VTIMEZONE when its TZID matches instead of generating one', () => {
    const vtz = [
      'BEGIN:VTIMEZONE',
      'TZID:Europe/Berlin',
      'X-MARKER:supplied',
      'BEGIN:STANDARD',
      'DTSTART:19701025T030000',
      'TZOFFSETFROM:+0200',
      'TZOFFSETTO:+0100',
      'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU',
      'END:STANDARD',
      'BEGIN:DAYLIGHT',
      'DTSTART:19700329T020000',
      'TZOFFSETFROM:+0100',
      'TZOFFSETTO:+0200',
      'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU',
      'END:DAYLIGHT',
      'END:VTIMEZONE',
    ].join('\r\n');
    const text = calendarText('REQUEST', [event()], [vtz]);
    expect(text).toContain('X-MARKER:supplied');
    expect(text.match(/BEGIN:VTIMEZONE/g)).toHaveLength(1);
  });

  it('writes a REFRESH without SEQUENCE (RFC 5546 §3.2.6)', () => {
    expect(calendarText('REFRESH', [event()])).not.toMatch(/^SEQUENCE/m);
    expect(calendarText('REQUEST', [event({ sequence: 0 })])).toMatch(/^SEQUENCE:0\r$/m);
  });

  it('falls back to UTC for a zone the platform does not know', () => {
    const start = { value: '2026-01-05T10:00:00+01:00', tzid: 'Mars/Olympus_Mons', allDay: false, floating: false, utc: '2026-01-05T09:00:00Z' };
    const text = calendarText('PUBLISH', [event({ start, end: null, rrule: null, rdate: [], exdate: [] })]);
    expect(text).toContain('DTSTART:20260105T090000Z');
    expect(text).not.toContain('Mars');
  });

  it('escapes TEXT values so they survive, and writes REQUEST-STATUS structured', () => {
    const text = calendarText('DECLINECOUNTER', [event({ requestStatus: ['2.0;Success', '3.1;Invalid property value;DTSTART:96-Apr-01'] })]);
    const u = unfold(text);
    expect(u).toContain('REQUEST-STATUS:2.0;Success\r\n');
    expect(u).toContain('REQUEST-STATUS:3.1;Invalid property value;DTSTART:96-Apr-01');
    expect(u).toContain('SUMMARY:Planung: Café ☕\\, Ærø\\; "quotes" \\\\ backslash 🎉');
  });
});

describe('round trip through parseCalendar', () => {
  const strip = (e: EventData): Omit<EventData, 'ics'> => {
    const { ics: _ics, ...rest } = e;
    return rest;
  };

  it('keeps every field of a zoned recurring master and its override', () => {
    const master = event();
    const override = event({
      recurrenceId: '2026-01-19T09:00:00Z',
      sequence: 3,
      start: zonedDateTime('2026-01-19T14:00', 'Europe/Berlin'),
      end: zonedDateTime('2026-01-19T15:00', 'Europe/Berlin'),
      summary: 'Moved one',
      rrule: null,
      rdate: [],
      exdate: [],
      comment: [],
    });
    const cal = parseCalendar(calendarText('REQUEST', [master, override]));
    expect(cal.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(cal.method).toBe('REQUEST');
    expect(cal.prodid).toBe(PRODID);
    expect(cal.vtimezones).toHaveLength(1);
    expect(cal.components).toHaveLength(2);
    expect(strip(cal.components[0]!)).toEqual(strip(master));
    expect(strip(cal.components[1]!)).toEqual(strip(override));
  });

  it('keeps all-day, UTC, DURATION, THISANDFUTURE and REQUEST-STATUS', () => {
    const allDay = event({
      uid: 'a@x',
      start: dateValue('2026-07-01'),
      end: dateValue('2026-07-03'),
      rrule: 'FREQ=YEARLY',
      rdate: [],
      exdate: ['2027-07-01'],
      organizer: { email: 'alice@example.com', cn: null, sentBy: null },
      requestStatus: ['2.0;Success'],
    });
    const utc = event({
      uid: 'a@x',
      recurrenceId: '2026-07-01',
      thisAndFuture: true,
      start: dateValue('2026-07-02'),
      end: null,
      duration: 'P1D',
      rrule: null,
      rdate: [],
      exdate: [],
      organizer: { email: 'alice@example.com', cn: null, sentBy: null },
      requestStatus: ['2.0;Success'],
    });
    const cal = parseCalendar(calendarText('PUBLISH', [allDay, utc]));
    expect(strip(cal.components[0]!)).toEqual(strip(allDay));
    expect(strip(cal.components[1]!)).toEqual(strip(utc));
  });

  it('eventToComponentText is the component alone, parseable inside a calendar', () => {
    const e = event({ start: zonedDateTime('2026-01-05T10:00', 'UTC'), end: null, duration: 'PT45M', rdate: [], exdate: [] });
    const text = eventToComponentText(e);
    expect(text.startsWith('BEGIN:VEVENT\r\n')).toBe(true);
    expect(text.endsWith('END:VEVENT\r\n')).toBe(true);
    const cal = parseCalendar(`BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n${text}END:VCALENDAR\r\n`);
    expect(strip(cal.components[0]!)).toEqual(strip(e));
  });
});

describe('generated VTIMEZONEs agree with the tz database', () => {
  const zones = ['Europe/Berlin', 'America/New_York', 'Australia/Sydney', 'Asia/Kolkata', 'Asia/Jerusalem', 'America/Sao_Paulo', 'Pacific/Chatham'];
  for (const tz of zones) {
    it(tz, () => {
      const text = vtimezoneFromIntl(tz, 2025)!;
      expect(text).toContain(`TZID:${tz}`);
      const comp = new ICAL.Component(ICAL.parse(`BEGIN:VCALENDAR\r\n${text}\r\nEND:VCALENDAR`));
      const zone = new ICAL.Timezone(comp.getFirstSubcomponent('vtimezone')!);
      // Every 5 days over 2026–2029: the offset the VTIMEZONE gives for the local wall time (the way a reader
      // resolves DTSTART;TZID=...) equals Intl's. Instants within 3 h of a change are skipped: there the wall time is
      // ambiguous or nonexistent and both answers are defensible.
      let checked = 0;
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2030, 0, 1); t += 5 * 86_400_000 + 3_600_000) {
        const off = zoneOffsetMinutes(tz, t);
        if (zoneOffsetMinutes(tz, t - 3 * 3_600_000) !== off || zoneOffsetMinutes(tz, t + 3 * 3_600_000) !== off) continue;
        const local = ICAL.Time.fromDateTimeString(utcToWall(t, tz));
        local.zone = zone;
        expect(zone.utcOffset(local) / 60, `${tz} at ${new Date(t).toISOString()}`).toBe(off);
        checked++;
      }
      expect(checked).toBeGreaterThan(250);
    });
  }

  it('returns null for an unknown zone', () => {
    expect(vtimezoneFromIntl('Nowhere/Atlantis', 2026)).toBeNull();
  });
});
