import { describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { AppError } from '../../shared/errors';
import {
  buildAdd,
  buildCancel,
  buildCounter,
  buildDeclineCounter,
  buildPublish,
  buildRefresh,
  buildReply,
  buildRequest,
  type OutgoingMessage,
} from '../../electron/mail/smtp/mime';
import { eventFromDraft, newUid, type MeetingDraft } from '../../shared/itip/meeting';
import { zonedDateTime, unfold } from '../../shared/itip/ics-write';
import { readMessage } from '../../shared/itip/message';
import { readMime } from '../../shared/itip/mime';
import { validate } from '../../shared/itip/validate';
import { lintMessage } from '../../shared/itip/lint';
import type { EventData, ItipMethod, MimeNode } from '../../shared/itip/types';

const NOW = '2026-01-02T08:00:00Z';
const REPLY_NOW = '2026-01-03T12:34:56Z';
const SUMMARY = 'Café ☕ Ærø planning 🎉 <b>&"x"</b>';

function draft(over: Partial<MeetingDraft> = {}): MeetingDraft {
  return {
    uid: 'meeting-1@convene',
    summary: SUMMARY,
    description: 'Bring the numbers.\nSecond line: ünïcode 漢字',
    location: 'Raum 4, Gebäude B',
    start: '2026-01-12T10:00',
    end: '2026-01-12T11:00',
    timezone: 'Europe/Berlin',
    allDay: false,
    attendees: [
      { email: 'bob@example.org', cn: 'Bob Builder' },
      { email: 'carol@example.net', cn: 'Carol Ça' },
    ],
    rrule: 'FREQ=WEEKLY;COUNT=5',
    organizer: { email: 'alice@example.com', cn: 'Alice Ünïcode' },
    ...over,
  };
}

const master = eventFromDraft(draft(), null, NOW);
/** The invitation as Bob stored it, at a later revision. */
const stored: EventData = { ...master, sequence: 2 };
const OCCURRENCE = '2026-01-19T09:00:00Z'; // the second Monday, 10:00 Berlin

const dec = new TextDecoder();

function child(n: MimeNode | undefined, i: number): MimeNode {
  const c = n?.children[i];
  if (!c) throw new Error(`no child ${i} under ${n?.path}`);
  return c;
}

/** The shape RFC 6047 §2.4 and the big clients expect; returns the decoded text/calendar body. */
async function checkStructure(m: OutgoingMessage): Promise<string> {
  const mime = await readMime(m.raw);
  const root = mime.tree;
  expect(root.contentType).toBe('multipart/mixed');
  expect(root.children).toHaveLength(2);
  const alt = child(root, 0);
  expect(alt.contentType).toBe('multipart/alternative');
  expect(alt.children.map((c) => c.contentType)).toEqual(['text/plain', 'text/html', 'text/calendar']);
  const cal = child(alt, 2);
  expect(cal.params.method).toBe(m.method);
  expect(cal.params.charset?.toLowerCase()).toBe('utf-8');
  expect(cal.disposition).not.toBe('attachment');
  // 8-bit text must travel transfer-encoded (or be pure ASCII).
  expect(['quoted-printable', 'base64', '7bit']).toContain(cal.encoding);
  const att = child(root, 1);
  expect(att.contentType).toBe('application/ics');
  expect(att.disposition).toBe('attachment');
  expect(att.filename).toBe('invite.ics');
  const calText = dec.decode(mime.bodyOf(cal.path)!);
  expect(calText).toBe(m.ics);
  expect(dec.decode(mime.bodyOf(att.path)!)).toBe(m.ics);
  expect(mime.envelope.messageId).toBe(m.messageId);
  return calText;
}

async function checkRoundTrip(m: OutgoingMessage, method: ItipMethod) {
  expect(m.method).toBe(method);
  await checkStructure(m);
  const read = await readMessage(m.raw);
  expect(read.itip?.method).toBe(method);
  expect(read.itip?.methodParam).toBe(method);
  const problems = validate(read.itip!, { direction: 'outgoing' });
  expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  const lint = await lintMessage(m.raw);
  expect(lint.filter((p) => p.severity === 'error')).toEqual([]);
  // An independent reader (mailparser) sees the same headers.
  const parsed = await simpleParser(Buffer.from(m.raw));
  expect(parsed.subject).toBe(m.subject);
  expect(parsed.from?.value[0]?.address).toBe(m.from);
  expect(parsed.messageId).toBe(m.messageId);
  return read.itip!;
}

const builders: Record<ItipMethod, () => Promise<OutgoingMessage>> = {
  REQUEST: () => buildRequest({ event: master, now: NOW }),
  CANCEL: () => buildCancel({ event: { ...master, sequence: 1 }, now: NOW }),
  REPLY: () => buildReply({ event: stored, me: 'bob@example.org', partstat: 'ACCEPTED', comment: 'Gern! 👍', now: REPLY_NOW }),
  COUNTER: () =>
    buildCounter({
      event: stored,
      me: 'bob@example.org',
      proposed: { start: '2026-01-12T14:00', end: '2026-01-12T15:00', timezone: 'Europe/Berlin' },
      comment: 'Afternoon?',
      now: REPLY_NOW,
    }),
  DECLINECOUNTER: () => buildDeclineCounter({ event: stored, to: 'bob@example.org', comment: 'Morning only, sorry', now: NOW }),
  REFRESH: () => buildRefresh({ uid: master.uid!, organizer: 'alice@example.com', me: 'bob@example.org', summary: SUMMARY, now: REPLY_NOW }),
  ADD: () =>
    buildAdd({
      event: { ...master, sequence: 1 },
      added: [{ start: zonedDateTime('2026-03-02T10:00', 'Europe/Berlin'), end: zonedDateTime('2026-03-02T11:00', 'Europe/Berlin') }],
      now: NOW,
    }),
  PUBLISH: () => buildPublish({ event: { ...master, attendees: [] }, to: ['friend@example.org'], now: NOW }),
};

describe('every method round-trips through readMessage, validate and lint', () => {
  for (const method of Object.keys(builders) as ItipMethod[]) {
    it(method, async () => {
      const m = await builders[method]();
      const itip = await checkRoundTrip(m, method);
      expect(itip.calendar.components[0]?.uid).toBe(master.uid);
      expect(itip.calendar.components[0]?.dtstamp).toBe(method === 'REPLY' || method === 'COUNTER' || method === 'REFRESH' ? REPLY_NOW : NOW);
    });
  }
});

describe('REQUEST', () => {
  it('goes from the organizer to every attendee, says Invitation, and keeps UTF-8 text intact', async () => {
    const m = await buildRequest({ event: master, now: NOW, messageId: 'fixed-1@convene' });
    expect(m.from).toBe('alice@example.com');
    expect(m.to).toEqual(['bob@example.org', 'carol@example.net']);
    expect(m.subject).toBe(`Invitation: ${SUMMARY} @ Mon, 12 Jan 2026 10:00 – 11:00 (Europe/Berlin)`);
    expect(m.messageId).toBe('<fixed-1@convene>');
    const itip = (await readMessage(m.raw)).itip!;
    const ev = itip.calendar.components[0]!;
    expect(ev.summary).toBe(SUMMARY);
    expect(ev.description).toBe(master.description);
    expect(ev.location).toBe(master.location);
    expect(ev.rrule).toBe('FREQ=WEEKLY;COUNT=5');
    expect(ev.start).toEqual(master.start);
    expect(ev.attendees.map((a) => [a.email, a.partstat, a.rsvp])).toEqual([
      ['bob@example.org', 'NEEDS-ACTION', true],
      ['carol@example.net', 'NEEDS-ACTION', true],
    ]);
    expect(itip.calendar.vtimezones).toHaveLength(1);
  });

  it('escapes user text in the html body', async () => {
    const m = await buildRequest({ event: master, now: NOW });
    expect(m.html).toContain('Café ☕ Ærø planning 🎉 &lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;');
    expect(m.html).not.toContain('<b>&');
    expect(m.text).toContain(SUMMARY);
    const parsed = await simpleParser(Buffer.from(m.raw));
    expect(parsed.text).toContain(SUMMARY);
    expect(parsed.html).toContain('&lt;b&gt;');
  });

  it('says Updated invitation for a later revision', async () => {
    const m = await buildRequest({ event: { ...master, sequence: 1 }, now: NOW });
    expect(m.subject.startsWith('Updated invitation: ')).toBe(true);
  });

  it('refuses a meeting without attendees with ITIP_INVALID', async () => {
    const err = await buildRequest({ event: { ...master, attendees: [] }, now: NOW }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('ITIP_INVALID');
    expect((err as AppError).message).toMatch(/PUBLISH/);
  });

  it('is deterministic given now and messageId; a derived Message-ID is stable too', async () => {
    const a = await buildRequest({ event: master, now: NOW, messageId: '<x@convene>' });
    const b = await buildRequest({ event: master, now: NOW, messageId: '<x@convene>' });
    expect(Buffer.from(a.raw).equals(Buffer.from(b.raw))).toBe(true);
    const c = await buildRequest({ event: master, now: NOW });
    const d = await buildRequest({ event: master, now: NOW });
    expect(c.messageId).toBe(d.messageId);
    expect(Buffer.from(c.raw).equals(Buffer.from(d.raw))).toBe(true);
    const e = await buildRequest({ event: master, now: '2026-01-02T08:00:01Z' });
    expect(e.messageId).not.toBe(c.messageId);
  });

  it('sends from the delegate with ORGANIZER;SENT-BY when acting on behalf', async () => {
    const m = await buildRequest({
      event: master,
      organizer: { email: 'alice@example.com', cn: 'Alice', sentBy: 'assistant@example.com' },
      now: NOW,
    });
    expect(m.from).toBe('assistant@example.com');
    expect(unfold(m.ics)).toContain('ORGANIZER;CN=Alice;SENT-BY="mailto:assistant@example.com":mailto:alice@example.com');
    expect(m.to).not.toContain('assistant@example.com');
    await checkRoundTrip(m, 'REQUEST');
  });

  it('carries the master and its overrides under one UID', async () => {
    const override: EventData = {
      ...master,
      recurrenceId: OCCURRENCE,
      rrule: null,
      start: zonedDateTime('2026-01-19T15:00', 'Europe/Berlin'),
      end: zonedDateTime('2026-01-19T16:00', 'Europe/Berlin'),
    };
    const m = await buildRequest({ events: [master, override], now: NOW });
    const itip = await checkRoundTrip(m, 'REQUEST');
    expect(itip.calendar.components.map((c) => [c.uid, c.recurrenceId])).toEqual([
      [master.uid, null],
      [master.uid, OCCURRENCE],
    ]);
    expect(itip.calendar.components[1]?.start?.utc).toBe('2026-01-19T14:00:00Z');
  });

  it('sends an all-day meeting with DATE values and no VTIMEZONE', async () => {
    const day = eventFromDraft(draft({ allDay: true, start: '2026-02-02', end: '2026-02-04', rrule: null }), null, NOW);
    const m = await buildRequest({ event: day, now: NOW });
    expect(m.subject).toBe(`Invitation: ${SUMMARY} @ Mon, 2 Feb 2026 – Tue, 3 Feb 2026 (all day)`);
    const itip = await checkRoundTrip(m, 'REQUEST');
    expect(itip.calendar.vtimezones).toEqual([]);
    expect(itip.calendar.components[0]!.start).toEqual({ value: '2026-02-02', tzid: null, allDay: true, floating: false, utc: null });
    expect(itip.calendar.components[0]!.end?.value).toBe('2026-02-04');
  });

  it('handles 10,000 meetings with 10,000 distinct UIDs', () => {
    const uids = new Set<string>();
    for (let i = 0; i < 10_000; i++) uids.add(newUid());
    expect(uids.size).toBe(10_000);
  });
});

describe('REPLY (RFC 5546 §3.2.3)', () => {
  it('goes to the organizer only, with exactly one ATTENDEE, SEQUENCE unchanged, DTSTAMP = now', async () => {
    const m = await builders.REPLY();
    expect(m.to).toEqual(['alice@example.com']);
    expect(m.cc).toEqual([]);
    expect(m.from).toBe('bob@example.org');
    expect(m.subject.startsWith(`Accepted: ${SUMMARY}`)).toBe(true);
    const ev = (await readMessage(m.raw)).itip!.calendar.components;
    expect(ev).toHaveLength(1);
    expect(ev[0]!.attendees).toHaveLength(1);
    expect(ev[0]!.attendees[0]).toMatchObject({ email: 'bob@example.org', partstat: 'ACCEPTED', cn: 'Bob Builder' });
    expect(ev[0]!.sequence).toBe(2);
    expect(ev[0]!.dtstamp).toBe(REPLY_NOW);
    expect(ev[0]!.organizer?.email).toBe('alice@example.com');
    expect(ev[0]!.start).toEqual(master.start);
    expect(ev[0]!.comment).toEqual(['Gern! 👍']);
    expect(ev[0]!.recurrenceId).toBeNull();
    const parsed = await simpleParser(Buffer.from(m.raw));
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value.map((a) => a.address) : []).toEqual(['alice@example.com']);
    expect(parsed.cc).toBeUndefined();
  });

  it('answers one occurrence with RECURRENCE-ID and that occurrence start', async () => {
    const m = await buildReply({ event: stored, me: 'BOB@example.org', partstat: 'DECLINED', recurrenceId: OCCURRENCE, now: REPLY_NOW });
    const itip = await checkRoundTrip(m, 'REPLY');
    const ev = itip.calendar.components[0]!;
    expect(ev.recurrenceId).toBe(OCCURRENCE);
    expect(ev.rrule).toBeNull();
    expect(ev.start?.utc).toBe(OCCURRENCE);
    expect(ev.start?.tzid).toBe('Europe/Berlin');
    expect(ev.end?.utc).toBe('2026-01-19T10:00:00Z');
    expect(ev.attendees.map((a) => [a.email, a.partstat])).toEqual([['bob@example.org', 'DECLINED']]);
    expect(ev.sequence).toBe(2);
    expect(m.subject.startsWith('Declined: ')).toBe(true);
  });

  it('replies for an address the invitation reached but did not list (a list member)', async () => {
    const m = await buildReply({ event: stored, me: 'dave@example.org', cn: 'Dave', partstat: 'TENTATIVE', now: REPLY_NOW });
    const itip = await checkRoundTrip(m, 'REPLY');
    expect(itip.calendar.components[0]!.attendees).toEqual([expect.objectContaining({ email: 'dave@example.org', partstat: 'TENTATIVE', cn: 'Dave' })]);
    expect(m.subject.startsWith('Tentatively accepted: ')).toBe(true);
  });

  it('refuses an event without organizer', async () => {
    const err = await buildReply({ event: { ...stored, organizer: null }, me: 'bob@example.org', partstat: 'ACCEPTED', now: NOW }).catch((e: unknown) => e);
    expect((err as AppError).code).toBe('ITIP_INVALID');
  });
});

describe('CANCEL (RFC 5546 §3.2.5)', () => {
  it('cancels the whole event: STATUS:CANCELLED, same UID and ORGANIZER, the SEQUENCE given', async () => {
    const m = await buildCancel({ event: { ...master, sequence: 3 }, now: NOW, comment: 'Sorry' });
    expect(m.subject.startsWith(`Cancelled: ${SUMMARY}`)).toBe(true);
    expect(m.to).toEqual(['bob@example.org', 'carol@example.net']);
    const ev = (await readMessage(m.raw)).itip!.calendar.components[0]!;
    expect(ev).toMatchObject({ uid: master.uid, status: 'CANCELLED', sequence: 3, recurrenceId: null });
    expect(ev.organizer?.email).toBe('alice@example.com');
    expect(ev.attendees.map((a) => a.email)).toEqual(['bob@example.org', 'carol@example.net']);
  });

  it('cancels one occurrence with RECURRENCE-ID', async () => {
    const m = await buildCancel({ event: { ...master, sequence: 1 }, recurrenceId: OCCURRENCE, now: NOW });
    const ev = (await checkRoundTrip(m, 'CANCEL')).calendar.components[0]!;
    expect(ev.recurrenceId).toBe(OCCURRENCE);
    expect(ev.rrule).toBeNull();
    expect(ev.start?.utc).toBe(OCCURRENCE);
    expect(ev.status).toBe('CANCELLED');
  });

  it('tells removed attendees, who are no longer on the event', async () => {
    const m = await buildCancel({ event: { ...master, sequence: 1 }, to: ['removed@example.com'], now: NOW });
    expect(m.to).toEqual(['removed@example.com']);
    const ev = (await checkRoundTrip(m, 'CANCEL')).calendar.components[0]!;
    expect(ev.attendees.map((a) => a.email)).toEqual(['removed@example.com']);
  });
});

describe('COUNTER, DECLINECOUNTER, REFRESH, ADD, PUBLISH', () => {
  it('COUNTER proposes the new times to the organizer, SEQUENCE unchanged', async () => {
    const m = await builders.COUNTER();
    expect(m.to).toEqual(['alice@example.com']);
    expect(m.from).toBe('bob@example.org');
    expect(m.subject.startsWith(`New time proposed: ${SUMMARY} @ Mon, 12 Jan 2026 14:00 – 15:00`)).toBe(true);
    const ev = (await readMessage(m.raw)).itip!.calendar.components[0]!;
    expect(ev.start?.utc).toBe('2026-01-12T13:00:00Z');
    expect(ev.end?.utc).toBe('2026-01-12T14:00:00Z');
    expect(ev.sequence).toBe(2);
    expect(ev.comment).toEqual(['Afternoon?']);
    // DateTimeValue proposals work too.
    const m2 = await buildCounter({
      event: stored,
      me: 'bob@example.org',
      proposed: { start: zonedDateTime('2026-01-13T09:00', 'UTC'), end: zonedDateTime('2026-01-13T10:00', 'UTC') },
      now: REPLY_NOW,
    });
    expect((await checkRoundTrip(m2, 'COUNTER')).calendar.components[0]!.start?.utc).toBe('2026-01-13T09:00:00Z');
  });

  it('DECLINECOUNTER goes from the organizer to the proposer only', async () => {
    const m = await builders.DECLINECOUNTER();
    expect(m.from).toBe('alice@example.com');
    expect(m.to).toEqual(['bob@example.org']);
    const ev = (await readMessage(m.raw)).itip!.calendar.components[0]!;
    expect(ev.attendees.map((a) => a.email)).toEqual(['bob@example.org']);
    expect(ev.comment).toEqual(['Morning only, sorry']);
  });

  it('DECLINECOUNTER carries only what RFC 5546 §3.2.8 allows (no DTSTART, DTEND, SUMMARY, LOCATION), and lints clean', async () => {
    const m = await builders.DECLINECOUNTER();
    const lines = unfold(m.ics).split('\r\n');
    const vevent = lines.slice(lines.indexOf('BEGIN:VEVENT') + 1, lines.indexOf('END:VEVENT')).map((l) => l.split(/[;:]/)[0]);
    expect(vevent.sort()).toEqual(['ATTENDEE', 'COMMENT', 'DTSTAMP', 'ORGANIZER', 'SEQUENCE', 'UID']);
    expect((await lintMessage(m.raw)).filter((p) => p.severity === 'error')).toEqual([]);
    // The human text still says what stands.
    expect(m.text).toContain('When:');
  });

  it('REFRESH carries only UID, DTSTAMP, ORGANIZER, ATTENDEE (RFC 5546 §3.2.6)', async () => {
    const m = await builders.REFRESH();
    expect(m.to).toEqual(['alice@example.com']);
    const lines = unfold(m.ics).split('\r\n');
    const vevent = lines.slice(lines.indexOf('BEGIN:VEVENT') + 1, lines.indexOf('END:VEVENT')).map((l) => l.split(/[;:]/)[0]);
    expect(vevent.sort()).toEqual(['ATTENDEE', 'DTSTAMP', 'ORGANIZER', 'UID']);
    const lint = await lintMessage(m.raw);
    expect(lint.map((p) => p.code)).not.toContain('refresh-extra-properties');
  });

  it('ADD sends each new instance without RRULE or RECURRENCE-ID, and refuses SEQUENCE 0', async () => {
    const m = await builders.ADD();
    const comps = (await readMessage(m.raw)).itip!.calendar.components;
    expect(comps).toHaveLength(1);
    expect(comps[0]).toMatchObject({ rrule: null, recurrenceId: null, sequence: 1 });
    expect(comps[0]!.start?.utc).toBe('2026-03-02T09:00:00Z');
    const err = await buildAdd({ event: master, added: [{ start: master.start!, end: master.end }], now: NOW }).catch((e: unknown) => e);
    expect((err as AppError).code).toBe('ITIP_INVALID');
  });

  it('PUBLISH exports without attendees', async () => {
    const m = await buildPublish({ event: master, now: NOW });
    expect(unfold(m.ics)).not.toMatch(/^ATTENDEE/m);
    const lint = await lintMessage(m.raw);
    expect(lint.filter((p) => p.severity === 'error')).toEqual([]);
    expect(lint.map((p) => p.code)).toContain('no-recipient');
  });
});

describe('lintMessage catches broken outgoing mail', () => {
  const ics = (method: string, extra = '') =>
    [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//test//EN',
      `METHOD:${method}`,
      'BEGIN:VEVENT',
      'UID:lint-1@x',
      'DTSTAMP:20260101T000000Z',
      'DTSTART:20260110T100000Z',
      'SEQUENCE:0',
      'SUMMARY:Lint',
      'ORGANIZER:mailto:alice@example.com',
      'ATTENDEE;PARTSTAT=ACCEPTED:mailto:bob@example.org',
      extra,
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ]
      .filter((l, i, a) => l !== '' || i === a.length - 1)
      .join('\r\n');

  const mail = (headers: string, body: string) => `${headers}\r\nMessage-ID: <l@x>\r\nMIME-Version: 1.0\r\n${body}`;

  it('flags a calendar sent only as an attachment, without text body', async () => {
    const raw = mail(
      'From: alice@example.com\r\nTo: bob@example.org\r\nSubject: x',
      `Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\r\nContent-Disposition: attachment; filename=a.ics\r\n\r\n${ics('REQUEST')}\r\n--B--\r\n`,
    );
    const problems = await lintMessage(raw);
    const codes = problems.filter((p) => p.severity === 'error').map((p) => p.code);
    expect(codes).toContain('calendar-not-inline');
    // Issue 10 §8: a missing text alternative is a recommendation (RFC 6047 §4's examples have none): a warning.
    expect(problems.find((p) => p.code === 'no-text-body')?.severity).toBe('warning');
  });

  it('flags long lines, a missing method parameter, a non-UTF-8 charset and a REPLY copied to others', async () => {
    const long = `DESCRIPTION:${'x'.repeat(100)}`;
    const raw = mail(
      'From: bob@example.org\r\nTo: alice@example.com, carol@example.net\r\nSubject: x',
      `Content-Type: multipart/alternative; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nhi\r\n--B\r\nContent-Type: text/calendar; charset=iso-8859-1\r\n\r\n${ics('REPLY', long)}\r\n--B--\r\n`,
    );
    const codes = (await lintMessage(raw)).filter((p) => p.severity === 'error').map((p) => p.code);
    expect(codes).toEqual(expect.arrayContaining(['line-too-long', 'no-method-param', 'calendar-charset', 'reply-not-to-organizer']));
  });

  it('flags a message with no calendar at all', async () => {
    const raw = mail('From: a@x\r\nTo: b@x\r\nSubject: x', 'Content-Type: text/plain\r\n\r\nhello\r\n');
    expect((await lintMessage(raw)).map((p) => p.code)).toContain('no-calendar-part');
  });
});
