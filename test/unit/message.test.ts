import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCalendarText, readInput, readMessage } from '../../shared/itip/message';

const fx = (name: string) => readFileSync(join(__dirname, '../fixtures/mime', name));
const ICS = 'BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260101T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n';

describe('readMessage', () => {
  it('dedupes inline alternative + .ics attachment into one invitation, keeping the method param', async () => {
    const r = await readMessage(fx('base64-alt-plus-octet.eml'));
    expect(r.kind).toBe('message');
    expect(r.parts).toHaveLength(2);
    expect(r.calendars).toHaveLength(1);
    expect(r.itip?.method).toBe('REQUEST');
    expect(r.itip?.methodParam).toBe('REQUEST');
    expect(r.itip?.part?.path).toBe('1.2');
    expect(r.itip?.envelope?.from).toBe('org@example.com');
    expect(r.itip?.calendar.components[0]?.summary).toBe('Café meeting');
  });

  it('decodes a latin1 part without charset as windows-1252 with not-utf8', async () => {
    const r = await readMessage(fx('latin1-calendar.eml'));
    expect(r.itip?.calendar.components[0]?.summary).toBe('Café meeting');
    expect(r.problems.map((p) => p.code)).toContain('not-utf8');
  });

  it('garbage calendar content → invalid-ics and itip null, but the mail is still read', async () => {
    const r = await readMessage(fx('garbage-calendar.eml'));
    expect(r.itip).toBeNull();
    expect(r.problems.map((p) => p.code)).toContain('invalid-ics');
    expect(r.envelope?.subject).toBe('Einladung: Café');
  });

  it('unknown METHOD → unknown-method, itip null', async () => {
    const r = await readMessage(fx('unknown-method.eml'));
    expect(r.itip).toBeNull();
    expect(r.problems.map((p) => p.code)).toContain('unknown-method');
  });

  it('bounce quoting an invitation is not an invitation; forwarded invitation is flagged', async () => {
    expect((await readMessage(fx('dsn-bounce.eml'))).itip).toBeNull();
    const f = await readMessage(fx('forwarded-rfc822.eml'));
    expect(f.itip?.part?.forwarded).toBe(true);
  });

  it('keeps the inline part when inline param and METHOD disagree (methodParam from the chosen part)', async () => {
    const counter = ICS.replace('METHOD:REQUEST', 'METHOD:COUNTER');
    const b64 = Buffer.from(counter).toString('base64');
    const raw = `From: a@x.org\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n--a\r\nContent-Type: text/plain\r\n\r\nhi\r\n--a\r\nContent-Type: text/calendar; method=REPLY\r\n\r\n${counter}--a--\r\n--m\r\nContent-Type: application/ics; name=invite.ics\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--m--\r\n`;
    const r = await readMessage(raw);
    expect(r.calendars).toHaveLength(1);
    expect(r.itip?.method).toBe('COUNTER');
    expect(r.itip?.methodParam).toBe('REPLY');
  });

  it('attached .ics without method param is an event file, not an invitation (RFC 6047 §2.4)', async () => {
    const raw = `From: a@x.org\r\nContent-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nhi\r\n--m\r\nContent-Type: text/calendar; name=event.ics\r\nContent-Disposition: attachment; filename=event.ics\r\n\r\n${ICS}--m--\r\n`;
    const r = await readMessage(raw);
    expect(r.calendars).toHaveLength(1);
    expect(r.itip).toBeNull();
    expect(r.problems.map((p) => p.code)).toContain('no-method-param');
  });
});

describe('readInput and readCalendarText', () => {
  it('sniffs a bare calendar file (BOM, whitespace) and an .ics name', async () => {
    const r = await readInput(new TextEncoder().encode(`\uFEFF  \r\n${ICS}`));
    expect(r.kind).toBe('calendar-file');
    expect(r.itip?.method).toBe('REQUEST');
    expect(r.itip?.methodParam).toBeNull();
    expect((await readInput(new TextEncoder().encode('garbage'), 'x.ics')).problems[0]?.code).toBe('invalid-ics');
    expect((await readInput(fx('qp-single.eml'))).kind).toBe('message');
  });

  it('event file without METHOD has itip null', () => {
    const r = readCalendarText(ICS.replace('METHOD:REQUEST\r\n', ''));
    expect(r.calendar.components).toHaveLength(1);
    expect(r.itip).toBeNull();
    expect(r.problems.map((p) => p.code)).toContain('no-method');
  });
});
