// validate(): RFC 5546 §3 restriction tables and RFC 6047 transport rules, one case per code.
import { describe, expect, it } from 'vitest';
import { parseCalendar } from '../../shared/itip/parse';
import { PROBLEM_CODES, validate } from '../../shared/itip/validate';
import type { CalendarPartRef, ItipMessage, ItipMethod, Problem } from '../../shared/itip/types';

const ORG = 'organizer@example.com';

function ics(method: string, body: string[], extraComps: string[][] = []): string {
  const comp = (lines: string[]): string[] => ['BEGIN:VEVENT', ...lines, 'END:VEVENT'];
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//T//EN', `METHOD:${method}`, ...comp(body), ...extraComps.flatMap(comp), 'END:VCALENDAR', ''].join('\r\n');
}
const base = (over: Record<string, string | null> = {}, extra: string[] = []): string[] => {
  const d: Record<string, string | null> = {
    UID: 'u1@example.com',
    DTSTAMP: '20260101T100000Z',
    SEQUENCE: '0',
    DTSTART: '20260310T090000Z',
    DTEND: '20260310T100000Z',
    SUMMARY: 'Planning',
    ORGANIZER: `mailto:${ORG}`,
    ...over,
  };
  return [...Object.entries(d).filter(([, v]) => v !== null).map(([k, v]) => `${k}:${v}`), ...extra];
};
const ATT = ['ATTENDEE;RSVP=TRUE:mailto:bob@example.com'];

const part = (over: Partial<CalendarPartRef> = {}): CalendarPartRef => ({
  path: '1.2', contentType: 'text/calendar', methodParam: 'REQUEST', charset: 'utf-8', filename: null, encoding: '7bit',
  inAlternative: true, forwarded: false, disposition: 'inline', ...over,
});

function msg(text: string, o: { from?: string; sender?: string; part?: CalendarPartRef | null } = {}): ItipMessage {
  const calendar = parseCalendar(text);
  return {
    method: calendar.method as ItipMethod,
    calendar,
    methodParam: o.part?.methodParam ?? null,
    envelope: o.from ? { from: o.from, sender: o.sender ?? null, to: [], cc: [], subject: null, messageId: null, date: null } : null,
    part: o.part ?? null,
  };
}
const codes = (ps: Problem[]): string[] => ps.map((p) => p.code);
const find = (ps: Problem[], code: string): Problem | undefined => ps.find((p) => p.code === code);

describe('validate', () => {
  it('a well-formed REQUEST from its organizer, inline with method param, has no problems', () => {
    expect(validate(msg(ics('REQUEST', base({}, ATT)), { from: ORG, part: part() }))).toEqual([]);
  });

  it('every emitted code is documented in PROBLEM_CODES', () => {
    expect(Object.keys(PROBLEM_CODES)).toEqual(expect.arrayContaining(['no-method-param', 'method-mismatch', 'no-attendee', 'organizer-mismatch', 'attendee-mismatch', 'reply-multiple-attendees', 'missing-uid', 'missing-dtstamp', 'missing-dtstart', 'invalid-ics', 'calendar-not-inline', 'not-utf8']));
    for (const v of Object.values(PROBLEM_CODES)) expect(v.length).toBeGreaterThan(10);
  });

  it('RFC 6047 §2.4 no-method-param: warning incoming, error outgoing; absent for bare files', () => {
    const m = msg(ics('REQUEST', base({}, ATT)), { from: ORG, part: part({ methodParam: null }) });
    expect(find(validate(m), 'no-method-param')?.severity).toBe('warning');
    expect(find(validate(m, { direction: 'outgoing' }), 'no-method-param')?.severity).toBe('error');
    expect(codes(validate(msg(ics('REQUEST', base({}, ATT)))))).not.toContain('no-method-param');
  });

  it('RFC 6047 §2.4 method-mismatch: param REQUEST but METHOD:PUBLISH', () => {
    expect(codes(validate(msg(ics('PUBLISH', base()), { from: ORG, part: part({ methodParam: 'REQUEST' }) })))).toContain('method-mismatch');
  });

  it('calendar-not-inline: an attachment that is not in multipart/alternative', () => {
    const p = validate(msg(ics('REQUEST', base({}, ATT)), { from: ORG, part: part({ inAlternative: false, disposition: 'attachment' }) }));
    expect(find(p, 'calendar-not-inline')?.severity).toBe('warning');
  });

  it('organizer-mismatch: From/Sender neither ORGANIZER nor SENT-BY; SENT-BY and Sender are accepted', () => {
    expect(codes(validate(msg(ics('REQUEST', base({}, ATT)), { from: 'x@example.com' })))).toContain('organizer-mismatch');
    expect(codes(validate(msg(ics('REQUEST', base({}, ATT)), { from: 'x@example.com', sender: ORG })))).not.toContain('organizer-mismatch');
    const sentBy = base({ ORGANIZER: null }, ['ORGANIZER;SENT-BY="mailto:sec@example.com":mailto:' + ORG, ...ATT]);
    expect(codes(validate(msg(ics('CANCEL', sentBy), { from: 'sec@example.com' })))).not.toContain('organizer-mismatch');
    expect(find(validate(msg(ics('REQUEST', base({}, ATT)), { from: 'x@example.com' }), { direction: 'outgoing' }), 'organizer-mismatch')?.severity).toBe('error');
  });

  it('attendee-mismatch: a REPLY sent by someone other than its ATTENDEE', () => {
    const reply = ics('REPLY', base({}, ['ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@example.com']));
    expect(codes(validate(msg(reply, { from: 'eve@example.com' })))).toContain('attendee-mismatch');
    expect(codes(validate(msg(reply, { from: 'bob@example.com' })))).not.toContain('attendee-mismatch');
  });

  it('no-attendee: error for REQUEST, warning for CANCEL (published events have none)', () => {
    expect(find(validate(msg(ics('REQUEST', base()))), 'no-attendee')?.severity).toBe('error');
    expect(find(validate(msg(ics('CANCEL', base({ STATUS: 'CANCELLED' })))), 'no-attendee')?.severity).toBe('warning');
  });

  it('reply-multiple-attendees (error) vs a delegation pair (warning, RFC 5546 §4.2.6)', () => {
    const two = ['ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@example.com', 'ATTENDEE;PARTSTAT=ACCEPTED:mailto:carol@example.com'];
    expect(find(validate(msg(ics('REPLY', base({}, two)))), 'reply-multiple-attendees')?.severity).toBe('error');
    const pair = ['ATTENDEE;PARTSTAT=ACCEPTED;DELEGATED-FROM="mailto:bob@example.com":mailto:erin@example.com', 'ATTENDEE;PARTSTAT=DELEGATED;DELEGATED-TO="mailto:erin@example.com":mailto:bob@example.com'];
    const p = validate(msg(ics('REPLY', base({}, pair))));
    expect(codes(p)).toContain('reply-delegation-pair');
    expect(codes(p)).not.toContain('reply-multiple-attendees');
  });

  it('missing-uid, missing-dtstamp, missing-dtstart, missing-organizer, missing-summary', () => {
    expect(codes(validate(msg(ics('REQUEST', base({ UID: null }, ATT)))))).toContain('missing-uid');
    expect(codes(validate(msg(ics('REQUEST', base({ DTSTAMP: null }, ATT)))))).toContain('missing-dtstamp');
    expect(codes(validate(msg(ics('REQUEST', base({ DTSTART: null, DTEND: null }, ATT)))))).toContain('missing-dtstart');
    // A REPLY may omit DTSTART (table: 0 or 1).
    expect(codes(validate(msg(ics('REPLY', base({ DTSTART: null, DTEND: null }, ['ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@example.com'])))))).not.toContain('missing-dtstart');
    expect(find(validate(msg(ics('REQUEST', base({ ORGANIZER: null }, ATT)))), 'missing-organizer')?.severity).toBe('error');
    expect(find(validate(msg(ics('REPLY', base({ ORGANIZER: null }, ['ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@example.com'])))), 'missing-organizer')?.severity).toBe('warning');
    expect(codes(validate(msg(ics('REQUEST', base({ SUMMARY: null }, ATT)))))).toContain('missing-summary');
  });

  it('publish-has-attendees; reply-missing-partstat; refresh-extra-properties', () => {
    expect(codes(validate(msg(ics('PUBLISH', base({}, ATT)))))).toContain('publish-has-attendees');
    expect(codes(validate(msg(ics('REPLY', base({}, ['ATTENDEE:mailto:bob@example.com'])))))).toContain('reply-missing-partstat');
    // An error REPLY (REQUEST-STATUS 3.x, RFC 5546 §4.4.10) legitimately has no PARTSTAT.
    expect(codes(validate(msg(ics('REPLY', base({ 'REQUEST-STATUS': '3.0;Invalid Property Name;FOO' }, ['ATTENDEE:mailto:bob@example.com'])))))).not.toContain('reply-missing-partstat');
    expect(codes(validate(msg(ics('REFRESH', base({}, ATT)))))).toContain('refresh-extra-properties');
  });

  it('DECLINECOUNTER follows the RFC 5546 §3.2.8 table: DTSTART, DTEND, SUMMARY, LOCATION... 0; lenient on incoming mail', () => {
    const full = ics('DECLINECOUNTER', base({ LOCATION: 'Room 1' }, ATT));
    const out = find(validate(msg(full), { direction: 'outgoing' }), 'declinecounter-extra-properties');
    expect(out?.severity).toBe('error');
    for (const p of ['DTSTART', 'DTEND', 'SUMMARY', 'LOCATION']) expect(out?.message).toContain(p);
    expect(find(validate(msg(full)), 'declinecounter-extra-properties')?.severity).toBe('warning');
    const minimal = ics('DECLINECOUNTER', base({ DTSTART: null, DTEND: null, SUMMARY: null, COMMENT: 'No, sorry' }, ATT));
    expect(codes(validate(msg(minimal), { direction: 'outgoing' }))).toEqual([]);
  });

  it('REFRESH: the whole §3.2.6 table (SEQUENCE, DTSTART, CLASS... 0)', () => {
    const onlyAllowed = ics('REFRESH', ['UID:u1@example.com', 'DTSTAMP:20260101T100000Z', `ORGANIZER:mailto:${ORG}`, ...ATT]);
    expect(codes(validate(msg(onlyAllowed), { direction: 'outgoing' }))).toEqual([]);
    const withClass = ics('REFRESH', ['UID:u1@example.com', 'DTSTAMP:20260101T100000Z', `ORGANIZER:mailto:${ORG}`, 'CLASS:PRIVATE', ...ATT]);
    expect(find(validate(msg(withClass), { direction: 'outgoing' }), 'refresh-extra-properties')?.message).toContain('CLASS');
  });

  it('ADD: add-has-recurrence, add-sequence-not-positive', () => {
    const p = validate(msg(ics('ADD', base({ SEQUENCE: '0', RRULE: 'FREQ=DAILY' }, ATT))));
    expect(codes(p)).toEqual(expect.arrayContaining(['add-has-recurrence', 'add-sequence-not-positive']));
  });

  it('CANCEL: cancel-status-not-cancelled, missing-sequence', () => {
    const p = validate(msg(ics('CANCEL', base({ SEQUENCE: null, STATUS: 'CONFIRMED' }, ATT))));
    expect(codes(p)).toEqual(expect.arrayContaining(['cancel-status-not-cancelled', 'missing-sequence']));
  });

  it('multiple-uids, recurrence-id-with-rrule, recurrence-id-mismatch, unexpected-request-status', () => {
    expect(codes(validate(msg(ics('REQUEST', base({}, ATT), [base({ UID: 'other@example.com', 'RECURRENCE-ID': '20260317T090000Z' }, ATT)]))))).toContain('multiple-uids');
    expect(codes(validate(msg(ics('REQUEST', base({ 'RECURRENCE-ID': '20260317T090000Z', RRULE: 'FREQ=WEEKLY' }, ATT)))))).toContain('recurrence-id-with-rrule');
    expect(codes(validate(msg(ics('REQUEST', base({ RRULE: 'FREQ=WEEKLY' }, ATT), [base({ 'RECURRENCE-ID;VALUE=DATE': '20260317' }, ATT)]))))).toContain('recurrence-id-mismatch');
    expect(codes(validate(msg(ics('REQUEST', base({ 'REQUEST-STATUS': '2.0;Success' }, ATT)))))).toContain('unexpected-request-status');
  });

  it('dtend-with-duration and dtend-before-dtstart', () => {
    expect(codes(validate(msg(ics('REQUEST', base({ DURATION: 'PT1H' }, ATT)))))).toContain('dtend-with-duration');
    expect(codes(validate(msg(ics('REQUEST', base({ DTEND: '20260310T080000Z' }, ATT)))))).toContain('dtend-before-dtstart');
  });

  it('carries the calendar problems (invalid-ics, not-utf8) over unchanged, first', () => {
    const m = msg(ics('REQUEST', base({}, ATT)));
    const carried: Problem[] = [{ code: 'not-utf8', severity: 'warning', message: 'latin-1 decoded' }];
    const p = validate({ ...m, calendar: { ...m.calendar, problems: carried } });
    expect(p[0]).toEqual(carried[0]);
    expect(codes(validate(msg('garbage')))).toContain('invalid-ics');
  });

  it('VFREEBUSY is unsupported-component (warning); unwalkable input is an invalid-ics error', () => {
    const fb = 'BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VFREEBUSY\r\nUID:f@x\r\nDTSTAMP:20260101T000000Z\r\nORGANIZER:mailto:a@x\r\nATTENDEE:mailto:b@x\r\nEND:VFREEBUSY\r\nEND:VCALENDAR\r\n';
    expect(codes(validate(msg(fb)))).toContain('unsupported-component');
    // A message the engine cannot even walk is reported as an error problem (never thrown, never silently valid).
    expect(validate({ method: 'REQUEST', calendar: null, methodParam: null, envelope: null, part: null } as unknown as ItipMessage)).toEqual([
      expect.objectContaining({ code: 'invalid-ics', severity: 'error' }),
    ]);
  });
});
