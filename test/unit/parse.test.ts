import { describe, expect, it } from 'vitest';
import { parseCalendar, toIana } from '../../shared/itip/parse';

const cal = (body: string, method: string | null = 'REQUEST'): string =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...(method ? [`METHOD:${method}`] : []), body, 'END:VCALENDAR'].join('\r\n');

const EVENT = [
  'BEGIN:VEVENT',
  'UID:abc-1',
  'SEQUENCE:3',
  'DTSTAMP:20260201T120000Z',
  'DTSTART;TZID=Europe/Berlin:20260302T100000',
  'DTEND;TZID=Europe/Berlin:20260302T110000',
  'SUMMARY:Planning\\, Q2',
  'LOCATION:Room 1',
  'COMMENT:first',
  'COMMENT:second',
  'ORGANIZER;CN=Alice;SENT-BY="mailto:Sec@Example.com":MAILTO:Alice@Example.COM',
  'ATTENDEE;CN=Bob;PARTSTAT=accepted;RSVP=TRUE;CUTYPE=INDIVIDUAL;DELEGATED-FROM="mailto:C@x.org":mailto:BOB@example.com',
  'ATTENDEE:mailto:carol@example.com',
  'RRULE:FREQ=WEEKLY;COUNT=5',
  'EXDATE;TZID=Europe/Berlin:20260309T100000',
  'END:VEVENT',
].join('\r\n');

describe('parseCalendar', () => {
  it('reads every EventData field of a zoned event', () => {
    const c = parseCalendar(cal(EVENT, 'request'));
    expect(c.method).toBe('REQUEST');
    expect(c.prodid).toBe('-//test//EN');
    expect(c.problems).toEqual([]);
    const e = c.components[0]!;
    expect(e.component).toBe('VEVENT');
    expect(e.uid).toBe('abc-1');
    expect(e.sequence).toBe(3);
    expect(e.dtstamp).toBe('2026-02-01T12:00:00Z');
    expect(e.start).toEqual({ value: '2026-03-02T10:00:00+01:00', tzid: 'Europe/Berlin', allDay: false, floating: false, utc: '2026-03-02T09:00:00Z' });
    expect(e.end?.utc).toBe('2026-03-02T10:00:00Z');
    expect(e.summary).toBe('Planning, Q2');
    expect(e.comment).toEqual(['first', 'second']);
    expect(e.organizer).toEqual({ email: 'alice@example.com', cn: 'Alice', sentBy: 'sec@example.com' });
    expect(e.attendees[0]).toEqual({
      email: 'bob@example.com', cn: 'Bob', partstat: 'ACCEPTED', role: 'REQ-PARTICIPANT', rsvp: true,
      cutype: 'INDIVIDUAL', delegatedTo: [], delegatedFrom: ['c@x.org'], sentBy: null,
    });
    expect(e.attendees[1]).toMatchObject({ partstat: 'NEEDS-ACTION', rsvp: false, cutype: null });
    expect(e.rrule).toBe('FREQ=WEEKLY;COUNT=5');
    expect(e.exdate).toEqual(['2026-03-09T09:00:00Z']);
    expect(e.ics).toMatch(/^BEGIN:VEVENT[\s\S]*END:VEVENT$/);
    expect(parseCalendar(e.ics).components[0]?.uid).toBe('abc-1');
  });

  it('METHOD absent means an event file', () => {
    expect(parseCalendar(cal(EVENT, null)).method).toBeNull();
  });

  it('never throws on garbage and reports invalid-ics', () => {
    for (const t of ['', 'hello', 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;X="unterminated:1\r\n', '\u0000\u0001', 'END:VCALENDAR']) {
      const c = parseCalendar(t);
      expect(c.components.length === 0 ? c.problems.some((p) => p.code === 'invalid-ics') || c.problems.length > 0 : true).toBe(true);
    }
    const c = parseCalendar('not a calendar');
    expect(c.components).toEqual([]);
    expect(c.problems[0]).toMatchObject({ code: 'invalid-ics', severity: 'error' });
    // @ts-expect-error: callers in JS land may pass anything
    expect(parseCalendar(undefined).problems[0]?.code).toBe('invalid-ics');
  });

  it('sorts master first, then overrides by normalised RECURRENCE-ID', () => {
    const ov = (rid: string) => `BEGIN:VEVENT\r\nUID:u\r\nRECURRENCE-ID:${rid}\r\nDTSTART:${rid}\r\nEND:VEVENT`;
    const c = parseCalendar(cal([ov('20260316T090000Z'), ov('20260309T090000Z'), 'BEGIN:VEVENT\r\nUID:u\r\nDTSTART:20260302T090000Z\r\nEND:VEVENT'].join('\r\n')));
    expect(c.components.map((e) => e.recurrenceId)).toEqual([null, '2026-03-09T09:00:00Z', '2026-03-16T09:00:00Z']);
  });

  it('normalises RECURRENCE-ID forms and RANGE', () => {
    const c = parseCalendar(cal([
      'BEGIN:VEVENT\r\nUID:a\r\nRECURRENCE-ID;TZID=America/New_York;RANGE=THISANDFUTURE:20260704T090000\r\nEND:VEVENT',
      'BEGIN:VEVENT\r\nUID:b\r\nRECURRENCE-ID;VALUE=DATE:20260705\r\nEND:VEVENT',
      'BEGIN:VEVENT\r\nUID:c\r\nRECURRENCE-ID:20260706T090000\r\nEND:VEVENT',
    ].join('\r\n')));
    const byUid = Object.fromEntries(c.components.map((e) => [e.uid, e]));
    expect(byUid.a?.recurrenceId).toBe('2026-07-04T13:00:00Z');
    expect(byUid.a?.thisAndFuture).toBe(true);
    expect(byUid.b?.recurrenceId).toBe('2026-07-05');
    expect(byUid.c?.recurrenceId).toBe('2026-07-06T09:00:00'); // floating keeps local form
    expect(byUid.c?.thisAndFuture).toBe(false);
  });

  it('maps Windows TZIDs without a VTIMEZONE to IANA using the built-in tz database', () => {
    const c = parseCalendar(cal('BEGIN:VEVENT\r\nUID:w\r\nDTSTART;TZID="W. Europe Standard Time":20260715T100000\r\nEND:VEVENT'));
    expect(c.components[0]?.start).toEqual({
      value: '2026-07-15T10:00:00+02:00', tzid: 'Europe/Berlin', originalTzid: 'W. Europe Standard Time',
      allDay: false, floating: false, utc: '2026-07-15T08:00:00Z',
    });
  });

  it('uses an embedded VTIMEZONE for custom names (its rules win)', () => {
    const vtz = ['BEGIN:VTIMEZONE', 'TZID:Custom Zone', 'BEGIN:STANDARD', 'DTSTART:16010101T000000', 'TZOFFSETFROM:+0530', 'TZOFFSETTO:+0530', 'END:STANDARD', 'END:VTIMEZONE'].join('\r\n');
    const c = parseCalendar(cal(`${vtz}\r\nBEGIN:VEVENT\r\nUID:v\r\nDTSTART;TZID=Custom Zone:20260101T120000\r\nEND:VEVENT`));
    expect(c.vtimezones).toHaveLength(1);
    expect(c.components[0]?.start?.value).toBe('2026-01-01T12:00:00+05:30');
    expect(c.components[0]?.start?.utc).toBe('2026-01-01T06:30:00Z');
    expect(c.components[0]?.start?.tzid).toBe('Custom Zone');
  });

  it('maps TZID spellings used by Outlook, Lotus and Mozilla', () => {
    expect(toIana('W. Europe Standard Time')).toBe('Europe/Berlin');
    expect(toIana('"Romance"')).toBe('Europe/Paris');
    expect(toIana('Eastern')).toBe('America/New_York');
    expect(toIana('/mozilla.org/20050126_1/Europe/Berlin')).toBe('Europe/Berlin');
    expect(toIana('America-Chicago')).toBe('America/Chicago');
    expect(toIana('(GMT-05.00) Eastern Time (US & Canada)')).toBe('America/New_York');
    expect(toIana('Sarajevo, Skopje, Warsaw, Zagreb')).toBe('Europe/Sarajevo');
    expect(toIana('Asia/Tokyo')).toBe('Asia/Tokyo');
    expect(toIana('GMT -0500 (Standard) / GMT -0400 (Daylight)')).toBe('America/New_York');
    expect(toIana('GMT +0400 (Standard) / GMT +0500 (Daylight)')).toBeNull();
  });

  it('unknown TZID without VTIMEZONE reads as floating with a warning', () => {
    const c = parseCalendar(cal('BEGIN:VEVENT\r\nUID:x\r\nDTSTART;TZID=Nowhere Land:20260101T120000\r\nEND:VEVENT'));
    expect(c.components[0]?.start).toMatchObject({ value: '2026-01-01T12:00:00', floating: true, utc: null, tzid: null });
    expect(c.problems.map((p) => p.code)).toContain('unknown-tzid');
  });

  it('handles all-day, UTC, floating, DST transitions', () => {
    const c = parseCalendar(cal([
      'BEGIN:VEVENT', 'UID:d', 'DTSTART;VALUE=DATE:20260302', 'DTEND:20260303', 'END:VEVENT',
      'BEGIN:VTODO', 'UID:t', 'DTSTART:20260329T013000', 'DUE;TZID=Europe/London:20261025T013000', 'END:VTODO',
    ].join('\r\n')));
    const [d, t] = c.components;
    expect(d?.start).toEqual({ value: '2026-03-02', tzid: null, allDay: true, floating: false, utc: null });
    expect(d?.end?.value).toBe('2026-03-03'); // date written without VALUE=DATE
    expect(t?.component).toBe('VTODO');
    expect(t?.start).toMatchObject({ floating: true, value: '2026-03-29T01:30:00' });
    expect(t?.end?.value).toMatch(/^2026-10-25T01:30:00\+0[01]:00$/); // ambiguous hour: either offset is a real instant
  });

  it('keeps DTEND when DURATION is also present; keeps DURATION otherwise', () => {
    const both = parseCalendar(cal('BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260101T100000Z\r\nDTEND:20260101T110000Z\r\nDURATION:PT2H\r\nEND:VEVENT'));
    expect(both.components[0]?.end?.utc).toBe('2026-01-01T11:00:00Z');
    expect(both.components[0]?.duration).toBeNull();
    const dur = parseCalendar(cal('BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260101T100000Z\r\nDURATION:PT2H\r\nEND:VEVENT'));
    expect(dur.components[0]?.duration).toBe('PT2H');
    expect(dur.components[0]?.end).toBeNull();
  });

  it('tolerates tab folding, LF endings, blank lines, junk SEQUENCE, missing DTSTART, spaces in RRULE', () => {
    const text = ['BEGIN:VCALENDAR', 'METHOD:PUBLISH', 'BEGIN:VEVENT', 'UID:long', '\tpart', '', 'SEQUENCE:junk',
      'SUMMARY:Hello', ' World', 'RRULE:FREQ=WEEKLY;BYDAY=MO, TU', 'END:VEVENT', 'END:VCALENDAR', 'trailing junk'].join('\n');
    const c = parseCalendar(text);
    const e = c.components[0]!;
    expect(e.uid).toBe('longpart');
    expect(e.summary).toBe('HelloWorld');
    expect(e.sequence).toBe(0);
    expect(e.start).toBeNull();
    expect(e.rrule).toBe('FREQ=WEEKLY;BYDAY=MO,TU');
  });

  it('recovers from an unparseable property and from a missing END', () => {
    const c = parseCalendar('BEGIN:VCALENDAR\nMETHOD:REQUEST\nBEGIN:VEVENT\nUID:r\nRRULE:FREQ=NOPE;BYDAY=XX\nSUMMARY:ok');
    expect(c.components[0]?.summary).toBe('ok');
    expect(c.components[0]?.rrule).toBeNull();
    expect(c.problems.every((p) => p.severity === 'warning')).toBe(true);
    expect(c.problems.length).toBeGreaterThan(0);
  });

  it('reads VJOURNAL, VFREEBUSY and REQUEST-STATUS, RDATE periods', () => {
    const c = parseCalendar(cal([
      'BEGIN:VFREEBUSY', 'UID:f', 'DTSTART:20260101T000000Z', 'DTEND:20260102T000000Z', 'END:VFREEBUSY',
      'BEGIN:VJOURNAL', 'UID:j', 'REQUEST-STATUS:2.0;Success', 'RDATE;VALUE=PERIOD:20260101T180000Z/PT1H', 'END:VJOURNAL',
    ].join('\r\n'), 'REPLY'));
    expect(c.components.map((e) => e.component)).toEqual(['VFREEBUSY', 'VJOURNAL']);
    expect(c.components[1]?.requestStatus).toEqual(['2.0;Success']);
    expect(c.components[1]?.rdate).toEqual(['2026-01-01T18:00:00Z']);
  });

  it('parses a 1.5 MB calendar with 2,000 overrides quickly', () => {
    const parts: string[] = ['BEGIN:VEVENT\r\nUID:big\r\nDTSTART;TZID=W. Europe Standard Time:20260105T090000\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT'];
    const desc = 'x'.repeat(600);
    for (let i = 0; i < 2000; i++) {
      const day = new Date(Date.UTC(2026, 0, 5 + i)).toISOString().slice(0, 10).replace(/-/g, '');
      parts.push(['BEGIN:VEVENT', 'UID:big', `RECURRENCE-ID;TZID=W. Europe Standard Time:${day}T090000`,
        `DTSTART;TZID=W. Europe Standard Time:${day}T100000`, `DTEND;TZID=W. Europe Standard Time:${day}T110000`,
        `DESCRIPTION:${desc}`, 'ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@example.com', 'END:VEVENT'].join('\r\n'));
    }
    const text = cal(parts.join('\r\n'));
    expect(text.length).toBeGreaterThan(1_400_000);
    const t0 = performance.now();
    const c = parseCalendar(text);
    const ms = performance.now() - t0;
    console.log(`parseCalendar: ${(text.length / 1e6).toFixed(2)} MB, ${c.components.length} components in ${ms.toFixed(0)} ms`);
    expect(c.components).toHaveLength(2001);
    expect(c.components[1]?.recurrenceId).toBe('2026-01-05T08:00:00Z');
    expect(c.components[2000]?.recurrenceId! > c.components[1999]!.recurrenceId!).toBe(true);
  });
});
