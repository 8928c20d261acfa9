// Issue 10 §1: the sender check reads the real address. Raw mails go through the real reader (readMessage) and the
// whole pipeline (processRead), so the header parsing is what is tested, not a hand-built envelope.
import { describe, expect, it } from 'vitest';
import { readMessage } from '../../shared/itip/message';
import { processRead } from '../../shared/itip/process';
import { parseAddressList, normalizeAddress, sameAddress } from '../../shared/itip/address';
import type { DecideContext, Decision, StoredEvent } from '../../shared/itip/types';

const BOSS = 'boss@corp.example';
const EVIL = 'evil@x.example';
const ME = 'me@corp.example';
const BOB = 'bob@corp.example';
const ctx = (me = [ME]): DecideContext => ({ me, policy: 'always', knownContacts: [], now: '2026-03-01T12:00:00Z' });

function cal(method: string, extra: { seq?: number; attendee?: string; organizerParams?: string } = {}): string {
  const att = extra.attendee ?? `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${ME}\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:${BOB}`;
  return [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', `METHOD:${method}`, 'BEGIN:VEVENT', 'UID:hostile-1@corp.example',
    `SEQUENCE:${extra.seq ?? 0}`, `DTSTAMP:2026020${1 + (extra.seq ?? 0)}T100000Z`, 'DTSTART:20260310T090000Z', 'DTEND:20260310T100000Z',
    'SUMMARY:Budget', ...(method === 'CANCEL' ? ['STATUS:CANCELLED'] : []), `ORGANIZER${extra.organizerParams ?? ''}:mailto:${BOSS}`, att,
    'END:VEVENT', 'END:VCALENDAR', '',
  ].join('\r\n');
}

function mail(headers: string, method: string, ics: string): string {
  return `${headers}\r\nTo: ${ME}\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/calendar; charset=utf-8; method=${method}\r\n\r\n${ics}`;
}

async function run(raw: string, stored?: StoredEvent, me?: string[]): Promise<Decision> {
  const r = await readMessage(raw);
  return processRead(r.itip, r.problems, stored, ctx(me));
}

async function storedInvitation(): Promise<StoredEvent> {
  const d = await run(mail(`From: Boss <${BOSS}>`, 'REQUEST', cal('REQUEST')));
  expect(d.action).toBe('created');
  return d.next!;
}

async function cancelFrom(headers: string): Promise<Decision> {
  return run(mail(headers, 'CANCEL', cal('CANCEL', { seq: 1 })), await storedInvitation());
}

describe('the sender check compares addr-specs only (RFC 5322 parser)', () => {
  const forged: [string, string][] = [
    ['a quoted display name holding the address', `From: "<${BOSS}>" <${EVIL}>`],
    ['a quoted display name with the bare address', `From: "${BOSS}" <${EVIL}>`],
    ['an RFC 2047 encoded word holding the address', `From: =?utf-8?q?=3C${BOSS}=3E?= <${EVIL}>`],
    ['a comment after the address', `From: ${EVIL} (<${BOSS}>)`],
    ['a comment before the address', `From: (<${BOSS}>) ${EVIL}`],
  ];
  for (const [what, from] of forged) {
    it(`a CANCEL from a stranger with ${what} is not applied`, async () => {
      const d = await cancelFrom(from);
      expect(d.action, d.reason).toBe('rejected');
      expect(d.detail).toBe('not-organizer');
      expect(d.reason).toContain(EVIL);
    });
  }

  it('the organizer with a display name, mixed case and a comment is recognised', async () => {
    expect((await cancelFrom(`From: "The Boss (CEO)" <Boss@Corp.Example> (office)`)).action).toBe('cancelled');
  });

  it('several From mailboxes without Sender: no single sender, the CANCEL is refused', async () => {
    const d = await cancelFrom(`From: ${BOSS}, ${EVIL}`);
    expect(d.action).toBe('rejected');
    expect(d.problems?.map((p) => p.code)).toContain('unknown-sender');
  });

  it('several From mailboxes with Sender: the Sender speaks for the mail (RFC 5322 §3.6.2)', async () => {
    expect((await cancelFrom(`From: ${EVIL}, ${BOB}\r\nSender: ${BOSS}`)).action).toBe('cancelled');
    expect((await cancelFrom(`From: ${BOSS}, ${BOB}\r\nSender: ${EVIL}`)).action).toBe('rejected');
  });

  it('group syntax in From counts its members: a group of several without Sender names nobody', async () => {
    expect((await cancelFrom(`From: Board: ${BOSS}, ${EVIL};`)).action).toBe('rejected');
    expect((await cancelFrom(`From: Board: ${BOSS};`)).action).toBe('cancelled');
    expect((await cancelFrom(`From: undisclosed-recipients:;`)).action).toBe('rejected');
  });

  it('an empty From with a Sender header: the Sender is the sender', async () => {
    expect((await cancelFrom(`From: \r\nSender: ${BOSS}`)).action).toBe('cancelled');
    expect((await cancelFrom(`From: \r\nSender: ${EVIL}`)).action).toBe('rejected');
  });

  it('a mail with neither From nor Sender is refused, not waved through as a bare file', async () => {
    const d = await cancelFrom(`Date: Sun, 1 Mar 2026 10:00:00 +0000`);
    expect(d.action).toBe('rejected');
    expect(d.reason).toContain('no single sender');
  });
});

describe('the same rule for REPLY and SENT-BY', () => {
  async function organizerCopy(): Promise<StoredEvent> {
    const d = await run(mail(`From: ${BOSS}`, 'REQUEST', cal('REQUEST')), undefined, [BOSS]);
    expect(d.action).toBe('created');
    return d.next!;
  }

  it('a REPLY for bob from a stranger whose display name holds bob is rejected', async () => {
    const reply = cal('REPLY', { attendee: `ATTENDEE;PARTSTAT=DECLINED:mailto:${BOB}` });
    const d = await run(mail(`From: "<${BOB}>" <${EVIL}>`, 'REPLY', reply), await organizerCopy(), [BOSS]);
    expect(d.action).toBe('rejected');
    expect(d.detail).toBe('attendee-mismatch');
    const ok = await run(mail(`From: Bob (<${EVIL}>) <${BOB}>`, 'REPLY', reply), await organizerCopy(), [BOSS]);
    expect(ok.action).toBe('reply-applied');
  });

  it('a SENT-BY written in display-name form is read as its addr-spec, not the first <...>', async () => {
    const reply = cal('REPLY', { attendee: `ATTENDEE;PARTSTAT=DECLINED;SENT-BY="mailto:assistant@corp.example (<${EVIL}>)":mailto:${BOB}` });
    const d = await run(mail(`From: ${EVIL}`, 'REPLY', reply), await organizerCopy(), [BOSS]);
    expect(d.action).toBe('rejected');
    const ok = await run(mail(`From: assistant@corp.example`, 'REPLY', reply), await organizerCopy(), [BOSS]);
    expect(ok.action).toBe('reply-applied');
  });
});

describe('address helpers', () => {
  it('parseAddressList keeps addr-specs only, canonical', () => {
    expect(parseAddressList(`"a@b.c" <X@Y.Z>, (c@d.e) f@g.h, G: i@j.k, l@m.n;`)).toEqual(['x@y.z', 'f@g.h', 'i@j.k', 'l@m.n']);
    expect(parseAddressList('')).toEqual([]);
    expect(parseAddressList('no address here')).toEqual([]);
  });
  it('normalizeAddress reads mailto URIs and mailbox forms', () => {
    expect(normalizeAddress('MAILTO:Bob@Example.COM')).toBe('bob@example.com');
    expect(normalizeAddress('mailto:bob%40example.com')).toBe('bob@example.com');
    expect(normalizeAddress(`"<${EVIL}>" <${BOB}>`)).toBe(BOB);
    expect(sameAddress(`x <${EVIL}>, <${BOB}>`, BOB)).toBe(false);
  });
});
