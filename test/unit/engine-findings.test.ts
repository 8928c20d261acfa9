// Issue 10 §8: engine findings from the peer suites. Each test failed on the code before the fix.
import { describe, expect, it } from 'vitest';
import { lintMessage } from '../../shared/itip/lint';
import { readCalendarText, readMessage } from '../../shared/itip/message';
import { parseCalendar } from '../../shared/itip/parse';
import { processRead } from '../../shared/itip/process';
import type { DecideContext } from '../../shared/itip/types';

const ORG = 'org@example.com';
const ctx = (me: string[]): DecideContext => ({ me, policy: 'always', knownContacts: [], now: '2026-03-01T12:00:00Z' });

function vcal(method: string, ...events: string[][]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', `METHOD:${method}`, ...events.flatMap((e) => ['BEGIN:VEVENT', ...e, 'END:VEVENT']), 'END:VCALENDAR', ''].join('\r\n');
}

describe('line repair: a stray CR before CRLF, then a fold', () => {
  it('unfolds to the whole value (the UID is not cut in half)', () => {
    const text = vcal('REQUEST', ['UID:first-half', 'SUMMARY:x', 'DTSTART:20260301T090000Z', 'DTSTAMP:20260101T000000Z']).replace('UID:first-half', 'UID:first-half\r\r\n -second-half').replace('SUMMARY:x', 'SUMMARY:Long\r\r\n\ttitle');
    const c = parseCalendar(text).components[0]!;
    expect(c.uid).toBe('first-half-second-half');
    expect(c.summary).toBe('Longtitle');
  });
});

describe('a REPLY for an instance the series does not have', () => {
  it('is rejected with a reason, not applied to a phantom override', () => {
    const series = ['UID:s@x', 'SEQUENCE:0', 'DTSTAMP:20260101T000000Z', 'DTSTART:20260302T090000Z', 'DURATION:PT1H', 'RRULE:FREQ=WEEKLY;COUNT=4', 'EXDATE:20260309T090000Z', 'SUMMARY:W', `ORGANIZER:mailto:${ORG}`, 'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com'];
    const created = processRead(readCalendarText(vcal('REQUEST', series)).itip, [], undefined, ctx([ORG]));
    expect(created.action).toBe('created');
    const reply = (rid: string) => {
      const r = readCalendarText(vcal('REPLY', ['UID:s@x', 'SEQUENCE:0', 'DTSTAMP:20260102T000000Z', `RECURRENCE-ID:${rid}`, `ORGANIZER:mailto:${ORG}`, 'ATTENDEE;PARTSTAT=DECLINED:mailto:bob@example.com']));
      return processRead(r.itip, r.problems, created.next, ctx([ORG]));
    };
    for (const rid of ['20260303T090000Z', '20260302T100000Z', '20260309T090000Z', '20260330T090000Z']) {
      const d = reply(rid);
      expect(d.action, rid).toBe('rejected');
      expect(d.detail).toBe('unknown-occurrence');
      expect(d.reason).toContain('not an occurrence');
    }
    const ok = reply('20260316T090000Z');
    expect(ok.action).toBe('reply-applied');
  });
});

describe('a calendar part cut by the MIME depth limit', () => {
  it('gives a problem code, not a silent not-imip', async () => {
    let body = `Content-Type: text/calendar; method=REQUEST\r\n\r\n${vcal('REQUEST', ['UID:deep@x', 'DTSTART:20260301T090000Z', 'DTSTAMP:20260101T000000Z', `ORGANIZER:mailto:${ORG}`, 'ATTENDEE:mailto:me@x'])}`;
    for (let d = 0; d < 60; d++) body = `Content-Type: multipart/mixed; boundary="b${d}"\r\n\r\n--b${d}\r\n${body}\r\n--b${d}--\r\n`;
    const r = await readMessage(`From: ${ORG}\r\nTo: me@x\r\nSubject: deep\r\nMIME-Version: 1.0\r\n${body}`);
    expect(r.problems.map((p) => p.code)).toContain('mime-limit');
    const d = processRead(r.itip, r.problems, undefined, ctx(['me@x']));
    expect(d.action).toBe('not-imip');
    expect(d.reason).toMatch(/^mime-limit: /);
  });
});

describe('problem messages stay short', () => {
  it('a calendar with 2,000 UIDs names only a few', () => {
    const events = Array.from({ length: 2000 }, (_, i) => [`UID:uid-${i}-${'x'.repeat(200)}`, 'DTSTART:20260301T090000Z', 'DTSTAMP:20260101T000000Z', `ORGANIZER:mailto:${ORG}`, 'ATTENDEE:mailto:me@x']);
    const r = readCalendarText(vcal('REQUEST', ...events));
    const d = processRead(r.itip, r.problems, undefined, ctx(['me@x']));
    const p = d.problems!.find((x) => x.code === 'multiple-uids')!;
    expect(p.message).toContain('and 1997 more');
    expect(p.message.length).toBeLessThan(400);
    expect(d.reason.length).toBeLessThan(1000);
  });
});

describe('a single-part text/calendar message (RFC 6047 §4 examples)', () => {
  const ics = vcal('REQUEST', ['UID:single@x', 'SEQUENCE:0', 'DTSTAMP:20260101T000000Z', 'DTSTART:20260301T090000Z', 'DTEND:20260301T100000Z', 'SUMMARY:Single', `ORGANIZER:mailto:${ORG}`, 'ATTENDEE;RSVP=TRUE:mailto:me@example.com']);
  const raw = `From: ${ORG}\r\nTo: me@example.com\r\nSubject: Single\r\nMessage-ID: <single@x>\r\nDate: Sun, 1 Mar 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\r\n\r\n${ics}`;

  it('is inline for lint, and a missing text alternative is a warning', async () => {
    const problems = await lintMessage(raw);
    expect(problems.map((p) => p.code)).not.toContain('calendar-not-inline');
    expect(problems.find((p) => p.code === 'no-text-body')?.severity).toBe('warning');
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  });

  it('is inline for the incoming check too', async () => {
    const r = await readMessage(raw);
    const d = processRead(r.itip, r.problems, undefined, ctx(['me@example.com']));
    expect(d.action).toBe('created');
    expect((d.problems ?? []).map((p) => p.code)).not.toContain('calendar-not-inline');
  });

  it('an attachment disposition on the whole body is still an attachment', async () => {
    const problems = await lintMessage(raw.replace('Content-Type: text/calendar', 'Content-Disposition: attachment; filename=invite.ics\r\nContent-Type: text/calendar'));
    expect(problems.map((p) => p.code)).toContain('calendar-not-inline');
  });
});
