// decide(): one `it` per RFC 5546 rule, fixture-driven as in sabre/vobject's BrokerTester: an incoming iCalendar
// text, the stored state (built by feeding earlier messages through decide), and the expected decision.
import { describe, expect, it } from 'vitest';
import { parseCalendar } from '../../shared/itip/parse';
import { decide } from '../../shared/itip/decide';
import { processRead } from '../../shared/itip/process';
import type { DecideContext, Decision, ItipMessage, ItipMethod, MailEnvelope, StoredEvent } from '../../shared/itip/types';

const ORG = 'organizer@example.com';
const ME = 'me@example.com';
const BOB = 'bob@example.com';
const NOW = '2026-03-01T12:00:00Z';

const ctx = (over: Partial<DecideContext> = {}): DecideContext => ({
  me: [ME, 'Me.Alias@Example.com'],
  policy: 'always',
  knownContacts: [],
  now: NOW,
  ...over,
});

interface Ev {
  uid?: string;
  seq?: number | null;
  stamp?: string | null;
  start?: string | null;
  end?: string;
  summary?: string;
  location?: string;
  description?: string;
  rid?: string;
  organizer?: string | null;
  orgParams?: string;
  attendees?: string[];
  status?: string;
  rrule?: string;
  comment?: string;
  requestStatus?: string;
  component?: 'VEVENT' | 'VTODO' | 'VFREEBUSY';
}

/** One component as iCalendar lines. Attendees are written as 'PARAMS:addr' or just 'addr'. */
function comp(e: Ev = {}): string {
  const kind = e.component ?? 'VEVENT';
  const lines = [`BEGIN:${kind}`, `UID:${e.uid ?? 'evt-1@example.com'}`];
  if (e.seq !== null) lines.push(`SEQUENCE:${e.seq ?? 0}`);
  if (e.stamp !== null) lines.push(`DTSTAMP:${e.stamp ?? '20260101T100000Z'}`);
  if (e.rid) lines.push(`RECURRENCE-ID:${e.rid}`);
  if (e.start !== null) lines.push(`DTSTART:${e.start ?? '20260310T090000Z'}`);
  if (e.start !== null) lines.push(`DTEND:${e.end ?? '20260310T100000Z'}`);
  if (e.rrule) lines.push(`RRULE:${e.rrule}`);
  lines.push(`SUMMARY:${e.summary ?? 'Planning'}`);
  if (e.location) lines.push(`LOCATION:${e.location}`);
  if (e.description) lines.push(`DESCRIPTION:${e.description}`);
  if (e.status) lines.push(`STATUS:${e.status}`);
  if (e.comment) lines.push(`COMMENT:${e.comment}`);
  if (e.requestStatus) lines.push(`REQUEST-STATUS:${e.requestStatus}`);
  if (e.organizer !== null) lines.push(`ORGANIZER${e.orgParams ?? ''}:mailto:${e.organizer ?? ORG}`);
  for (const a of e.attendees ?? [`PARTSTAT=ACCEPTED:${ORG}`, `RSVP=TRUE:${ME}`, `RSVP=TRUE:${BOB}`]) {
    const i = a.lastIndexOf(':');
    lines.push(i > 0 ? `ATTENDEE;${a.slice(0, i)}:mailto:${a.slice(i + 1)}` : `ATTENDEE:mailto:${a}`);
  }
  lines.push(`END:${kind}`);
  return lines.join('\r\n');
}

function ics(method: ItipMethod, ...comps: Ev[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', `METHOD:${method}`, ...comps.map(comp), 'END:VCALENDAR', ''].join('\r\n');
}

function envelope(from: string, sender: string | null = null): MailEnvelope {
  return { from, sender, to: [ME], cc: [], subject: 'x', messageId: '<m@x>', date: null };
}

/** iCalendar text → ItipMessage, as message.ts does for a mail part (bare file when `from` is null). */
function msg(text: string, from: string | null = null, sender: string | null = null): ItipMessage {
  const calendar = parseCalendar(text);
  return {
    method: calendar.method as ItipMethod,
    calendar,
    methodParam: null,
    envelope: from ? envelope(from, sender) : null,
    part: null,
  };
}

function run(text: string, stored?: StoredEvent, opts: { from?: string | null; sender?: string; ctx?: Partial<DecideContext> } = {}): Decision {
  return decide(msg(text, opts.from ?? null, opts.sender ?? null), stored, ctx(opts.ctx));
}

/** Applies a decision that must change the calendar and returns the next state. */
function applied(d: Decision): StoredEvent {
  expect(d.next, `${d.action}: ${d.reason}`).toBeDefined();
  return d.next!;
}

const partstatOf = (s: StoredEvent, who: string, rid: string | null = null): string | undefined =>
  (rid ? s.overrides.find((o) => o.recurrenceId === rid) : s.master)?.attendees.find((a) => a.email === who)?.partstat;

/** The attendee's copy after the first invitation. */
const invited = (): StoredEvent => applied(run(ics('REQUEST', {})));
/** The organizer's copy (I organize; ME is the organizer here). */
const organized = (extra: Ev = {}): StoredEvent =>
  applied(
    run(ics('REQUEST', { organizer: ME, attendees: [`PARTSTAT=ACCEPTED:${ME}`, `RSVP=TRUE:${BOB}`, `RSVP=TRUE:carol@example.com`], ...extra })),
  );

describe('REQUEST (RFC 5546 §3.2.2)', () => {
  it('a new invitation under policy always is created, my PARTSTAT NEEDS-ACTION, myAddress recorded', () => {
    const d = run(ics('REQUEST', { attendees: [`PARTSTAT=ACCEPTED:${ORG}`, `RSVP=TRUE:me.alias@example.com`] }));
    expect(d.action).toBe('created');
    expect(d.next?.role).toBe('attendee');
    expect(d.next?.myAddress).toBe('me.alias@example.com');
    expect(partstatOf(d.next!, 'me.alias@example.com')).toBe('NEEDS-ACTION');
    expect(d.next?.updatedAt).toBe(NOW);
  });

  it('§2.1.5: a higher SEQUENCE is newer and is applied', () => {
    const d = run(ics('REQUEST', { seq: 1, summary: 'Planning v2' }), invited());
    expect(d.action).toBe('updated');
    expect(d.next?.master?.summary).toBe('Planning v2');
  });

  it('§2.1.5: equal SEQUENCE, later DTSTAMP is newer; earlier DTSTAMP is stale with no next', () => {
    const s = invited();
    expect(run(ics('REQUEST', { stamp: '20260102T100000Z', summary: 'B' }), s).action).toBe('updated');
    const old = run(ics('REQUEST', { stamp: '20251231T100000Z', summary: 'C' }), s);
    expect(old.action).toBe('stale');
    expect(old.next).toBeUndefined();
  });

  it('§2.1.5: equal SEQUENCE and DTSTAMP is a duplicate', () => {
    const d = run(ics('REQUEST', {}), invited());
    expect(d.action).toBe('duplicate');
    expect(d.next).toBeUndefined();
  });

  it('§2.1.5: a lower SEQUENCE is stale even with a later DTSTAMP', () => {
    const s = applied(run(ics('REQUEST', { seq: 3 }), invited()));
    const d = run(ics('REQUEST', { seq: 2, stamp: '20260301T000000Z' }), s);
    expect(d.action).toBe('stale');
    expect(d.next).toBeUndefined();
  });

  it('RFC 6047 §3: an update sent by someone other than the organizer (or its SENT-BY) is rejected', () => {
    const s = invited();
    const d = run(ics('REQUEST', { seq: 1, summary: 'hijack' }), s, { from: 'mallory@example.com' });
    expect(d.action).toBe('rejected');
    expect(d.detail).toBe('not-organizer');
    expect(d.next).toBeUndefined();
    expect(run(ics('REQUEST', { seq: 1 }), s, { from: ORG }).action).toBe('updated');
    // Sender header (RFC 5322 Sender) counts too; a bare file (no envelope) skips the check.
    expect(run(ics('REQUEST', { seq: 1 }), s, { from: 'list@example.com', sender: ORG }).action).toBe('updated');
    expect(run(ics('REQUEST', { seq: 1 }), s).action).toBe('updated');
  });

  // Behaviour changed deliberately (acceptance review): the spec says updates are accepted from "the organizer or its
  // SENT-BY", and a SENT-BY written on the (unchanged) ORGANIZER of the new message is no easier to forge than From.
  it("§3.2.2.5: the ORGANIZER's SENT-BY (stored or in the new message) may send updates; anyone else may not", () => {
    const s = applied(run(ics('REQUEST', { orgParams: ';SENT-BY="mailto:assistant@example.com"' })));
    expect(run(ics('REQUEST', { seq: 1, orgParams: ';SENT-BY="mailto:assistant@example.com"' }), s, { from: 'assistant@example.com' }).action).toBe(
      'updated',
    );
    const plain = invited();
    expect(run(ics('REQUEST', { seq: 1, orgParams: ';SENT-BY="mailto:assistant@example.com"' }), plain, { from: 'assistant@example.com' }).action).toBe(
      'updated',
    );
    expect(run(ics('REQUEST', { seq: 1 }), plain, { from: 'mallory@example.com' }).action).toBe('rejected');
    expect(run(ics('REQUEST', { seq: 1 }), s, { from: 'mallory@example.com' }).action).toBe('rejected');
  });

  it('an update that changes the ORGANIZER of a stored event is rejected as forged', () => {
    const d = run(ics('REQUEST', { seq: 5, organizer: 'mallory@example.com' }), invited());
    expect(d.action).toBe('rejected');
    expect(d.detail).toBe('organizer-changed');
  });

  it('§3.2.2: a REQUEST with RECURRENCE-ID touches only that occurrence; the master stays', () => {
    const s = applied(run(ics('REQUEST', { rrule: 'FREQ=WEEKLY;COUNT=5' })));
    const d = run(ics('REQUEST', { seq: 1, rid: '20260317T090000Z', start: '20260317T140000Z', end: '20260317T150000Z', summary: 'moved' }), s);
    expect(d.action).toBe('updated');
    expect(d.next?.master).toEqual(s.master);
    expect(d.next?.overrides.map((o) => o.recurrenceId)).toEqual(['2026-03-17T09:00:00Z']);
    expect(d.next?.overrides[0]?.summary).toBe('moved');
  });

  it('§3.2.2.1 / §2.1.4: a reschedule puts my PARTSTAT back to NEEDS-ACTION and drops my reply records', () => {
    const s0 = invited();
    const s: StoredEvent = {
      ...s0,
      master: { ...s0.master!, attendees: s0.master!.attendees.map((a) => (a.email === ME ? { ...a, partstat: 'ACCEPTED' } : a)) },
      replies: [{ email: ME, recurrenceId: null, partstat: 'ACCEPTED', sequence: 0, dtstamp: null, comment: null, delegatedTo: [], delegatedFrom: [] }],
    };
    const d = run(ics('REQUEST', { seq: 1, start: '20260310T110000Z', end: '20260310T120000Z' }), s);
    expect(d.action).toBe('updated');
    expect(d.detail).toBe('rescheduled');
    expect(partstatOf(d.next!, ME)).toBe('NEEDS-ACTION');
    expect(d.next?.replies).toEqual([]);
    expect(d.next?.master?.ics).not.toMatch(/PARTSTAT=ACCEPTED[^\r\n]*:mailto:me@example\.com/);
  });

  it('§2.1.4: a non-significant change (summary, description) keeps my answer', () => {
    const s0 = invited();
    const s: StoredEvent = {
      ...s0,
      master: { ...s0.master!, attendees: s0.master!.attendees.map((a) => (a.email === ME ? { ...a, partstat: 'ACCEPTED' } : a)) },
    };
    const d = run(ics('REQUEST', { seq: 1, summary: 'New title', description: 'agenda attached' }), s);
    expect(d.action).toBe('updated');
    expect(d.detail).toBe('details');
    expect(partstatOf(d.next!, ME)).toBe('ACCEPTED');
    expect(d.next?.master?.ics).toMatch(/PARTSTAT=ACCEPTED[^\r\n]*:mailto:me@example\.com/);
  });

  it('§3.2.2.6: a forwarded REQUEST that does not list me needs a decision (pending forwarded)', () => {
    const d = run(ics('REQUEST', { attendees: [`PARTSTAT=ACCEPTED:${ORG}`, BOB] }), undefined, { from: BOB });
    expect(d.action).toBe('needs-decision');
    expect(d.detail).toBe('forwarded');
    expect(d.next?.pending).toHaveLength(1);
    expect(d.next?.pending[0]).toMatchObject({ kind: 'forwarded', from: BOB, receivedAt: NOW, summary: 'Planning' });
    expect(d.next?.master).toBeNull();
  });

  it('a REQUEST whose ORGANIZER is one of my addresses records my organizer copy', () => {
    const d = run(ics('REQUEST', { organizer: 'ME.ALIAS@example.com', attendees: [BOB] }), undefined, { from: 'me.alias@example.com' });
    expect(d.action).toBe('created');
    expect(d.detail).toBe('organizer-copy');
    expect(d.next?.role).toBe('organizer');
    const u = run(ics('REQUEST', { seq: 1, organizer: 'me.alias@example.com', attendees: [BOB] }), d.next);
    expect(u.action).toBe('updated');
    expect(u.next?.role).toBe('organizer');
  });

  it("policy 'known': applies for known organizers, holds strangers' invitations (pending new-invitation)", () => {
    expect(run(ics('REQUEST', {}), undefined, { ctx: { policy: 'known', knownContacts: ['MAILTO:Organizer@Example.com'] } }).action).toBe('created');
    const d = run(ics('REQUEST', {}), undefined, { ctx: { policy: 'known' } });
    expect(d.action).toBe('needs-decision');
    expect(d.detail).toBe('policy');
    expect(d.next?.pending[0]?.kind).toBe('new-invitation');
    // Updates to an event already in the calendar apply under 'known'.
    expect(run(ics('REQUEST', { seq: 1 }), invited(), { ctx: { policy: 'known' } }).action).toBe('updated');
  });

  it("policy 'never': new invitations and updates both need a decision", () => {
    expect(run(ics('REQUEST', {}), undefined, { ctx: { policy: 'never' } }).action).toBe('needs-decision');
    const d = run(ics('REQUEST', { seq: 1 }), invited(), { ctx: { policy: 'never' } });
    expect(d.action).toBe('needs-decision');
    expect(d.next?.master?.sequence).toBe(0);
  });

  it('re-processing a held message is idempotent: same pending id, decision duplicate', () => {
    const first = run(ics('REQUEST', {}), undefined, { ctx: { policy: 'never' } });
    const again = run(ics('REQUEST', {}), first.next, { ctx: { policy: 'never' } });
    expect(again.action).toBe('duplicate');
    const other = run(ics('REQUEST', {}), undefined, { ctx: { policy: 'never' } });
    expect(other.next?.pending[0]?.id).toBe(first.next?.pending[0]?.id);
  });

  it('a newer REQUEST after a CANCEL reinstates the event', () => {
    const c = applied(run(ics('CANCEL', { seq: 1, status: 'CANCELLED' }), invited()));
    const d = run(ics('REQUEST', { seq: 2 }), c);
    expect(d.action).toBe('updated');
    expect(d.next?.cancelled).toBe(false);
  });
});

describe('REPLY (RFC 5546 §3.2.3)', () => {
  const reply = (e: Ev = {}): string => ics('REPLY', { organizer: ME, attendees: [`PARTSTAT=ACCEPTED:${BOB}`], stamp: '20260102T100000Z', ...e });

  it("changes only the replying attendee's PARTSTAT in the organizer copy and records a ReplyRecord", () => {
    const s = organized();
    const d = run(reply({ summary: 'IGNORED', start: '20260101T000000Z', end: '20260101T010000Z', comment: 'see you' }), s, { from: BOB });
    expect(d.action).toBe('reply-applied');
    const n = d.next!;
    expect(partstatOf(n, BOB)).toBe('ACCEPTED');
    expect(partstatOf(n, 'carol@example.com')).toBe('NEEDS-ACTION');
    expect(n.master?.summary).toBe(s.master?.summary);
    expect(n.master?.start).toEqual(s.master?.start);
    expect(n.master?.ics).toMatch(/PARTSTAT=ACCEPTED[^\r\n]*:mailto:bob@example\.com/);
    expect(n.replies).toEqual([
      { email: BOB, recurrenceId: null, partstat: 'ACCEPTED', sequence: 0, dtstamp: '2026-01-02T10:00:00Z', comment: 'see you', delegatedTo: [], delegatedFrom: [] },
    ]);
  });

  it('is only applied to the organizer copy: on an attendee copy it is rejected', () => {
    const d = run(reply({ organizer: ORG }), invited());
    expect(d.action).toBe('rejected');
    expect(d.detail).toBe('not-organizer');
  });

  it('§2.1.5: a REPLY older (DTSTAMP) than the last applied one is stale; the same one is a duplicate', () => {
    const s = applied(run(reply(), organized()));
    const older = run(reply({ stamp: '20260101T110000Z', attendees: [`PARTSTAT=DECLINED:${BOB}`] }), s);
    expect(older.action).toBe('stale');
    expect(older.next).toBeUndefined();
    expect(run(reply(), s).action).toBe('duplicate');
    const newer = run(reply({ stamp: '20260103T100000Z', attendees: [`PARTSTAT=DECLINED:${BOB}`] }), s);
    expect(newer.action).toBe('reply-applied');
    expect(partstatOf(newer.next!, BOB)).toBe('DECLINED');
  });

  it('§2.1.5: a REPLY to an older SEQUENCE of the event is stale', () => {
    const s = organized({ seq: 2 });
    const d = run(reply({ seq: 1 }), s);
    expect(d.action).toBe('stale');
    expect(d.detail).toBe('old-sequence');
  });

  it('§3.2.3: a REPLY from someone not invited is a party crasher: needs-decision with a pending item', () => {
    const d = run(reply({ attendees: ['PARTSTAT=ACCEPTED:dave@example.com'] }), organized(), { from: 'dave@example.com' });
    expect(d.action).toBe('needs-decision');
    expect(d.detail).toBe('party-crasher');
    expect(d.next?.pending[0]).toMatchObject({ kind: 'party-crasher', from: 'dave@example.com' });
    expect(d.next?.master?.attendees.some((a) => a.email === 'dave@example.com')).toBe(false);
  });

  it('§3.2.3: a REPLY with several (unrelated) attendees is rejected', () => {
    const d = run(reply({ attendees: [`PARTSTAT=ACCEPTED:${BOB}`, 'PARTSTAT=ACCEPTED:carol@example.com'] }), organized());
    expect(d.action).toBe('rejected');
    expect(d.detail).toBe('reply-multiple-attendees');
  });

  it('a REPLY for an unknown UID is rejected (nothing organized here to update)', () => {
    const d = run(reply(), undefined);
    expect(d.action).toBe('rejected');
    expect(d.detail).toBe('unknown-uid');
  });

  it('RFC 6047 §3: a REPLY sent by someone other than the attendee (or its SENT-BY) is rejected', () => {
    expect(run(reply(), organized(), { from: 'mallory@example.com' }).action).toBe('rejected');
    expect(run(reply({ attendees: [`PARTSTAT=ACCEPTED;SENT-BY="mailto:sec@example.com":${BOB}`] }), organized(), { from: 'sec@example.com' }).action).toBe(
      'reply-applied',
    );
  });

  it('a REPLY with RECURRENCE-ID changes that occurrence only (override derived from the master)', () => {
    const s = organized({ rrule: 'FREQ=WEEKLY;COUNT=5' });
    const d = run(reply({ rid: '20260317T090000Z', attendees: [`PARTSTAT=DECLINED:${BOB}`] }), s);
    expect(d.action).toBe('reply-applied');
    expect(partstatOf(d.next!, BOB)).toBe('NEEDS-ACTION');
    expect(partstatOf(d.next!, BOB, '2026-03-17T09:00:00Z')).toBe('DECLINED');
    const o = d.next!.overrides[0]!;
    expect(o.start?.utc).toBe('2026-03-17T09:00:00Z');
    expect(o.end?.utc).toBe('2026-03-17T10:00:00Z');
    expect(o.rrule).toBeNull();
    expect(d.next?.replies[0]?.recurrenceId).toBe('2026-03-17T09:00:00Z');
  });

  it('the answering attendee no longer has RSVP=TRUE, in a derived occurrence override and in the master (RFC 5545 §3.2.17)', () => {
    const s = organized({ rrule: 'FREQ=WEEKLY;COUNT=5' });
    expect(s.master!.attendees.find((a) => a.email === BOB)?.rsvp).toBe(true);
    const d = run(reply({ rid: '20260317T090000Z', attendees: [`PARTSTAT=DECLINED:${BOB}`] }), s);
    const o = d.next!.overrides[0]!;
    expect(o.attendees.find((a) => a.email === BOB)).toMatchObject({ partstat: 'DECLINED', rsvp: false });
    expect(o.ics.replace(/\r\n[ \t]/g, '')).not.toMatch(/RSVP=TRUE[^\r\n]*bob@example\.com/i);
    const m = run(reply({ attendees: [`PARTSTAT=ACCEPTED:${BOB}`] }), s);
    expect(m.next!.master!.attendees.find((a) => a.email === BOB)?.rsvp).toBe(false);
  });

  it('§3.2.2.3: DELEGATED-TO adds the delegate as an attendee with DELEGATED-FROM', () => {
    const d = run(reply({ attendees: [`PARTSTAT=DELEGATED;DELEGATED-TO="mailto:erin@example.com":${BOB}`] }), organized());
    expect(d.action).toBe('reply-applied');
    const erin = d.next!.master!.attendees.find((a) => a.email === 'erin@example.com');
    expect(erin).toMatchObject({ partstat: 'NEEDS-ACTION', delegatedFrom: [BOB], rsvp: true });
    expect(partstatOf(d.next!, BOB)).toBe('DELEGATED');
    // The delegate's own REPLY is then accepted (not a party crasher).
    const e = run(reply({ stamp: '20260104T100000Z', attendees: ['PARTSTAT=ACCEPTED;DELEGATED-FROM="mailto:bob@example.com":erin@example.com'] }), d.next);
    expect(e.action).toBe('reply-applied');
    expect(partstatOf(e.next!, 'erin@example.com')).toBe('ACCEPTED');
  });

  it('§3.6: a REPLY carrying a REQUEST-STATUS error is reported, not applied', () => {
    const d = run(reply({ requestStatus: '3.0;Invalid Property Name;FOO', attendees: [BOB] }), organized());
    expect(d.action).toBe('rejected');
    expect(d.detail).toBe('request-status-error');
    expect(d.reason).toMatch(/3\.0/);
  });
});

describe('CANCEL (RFC 5546 §3.2.5)', () => {
  it('a whole-event CANCEL from the organizer cancels (cancelled: true, STATUS:CANCELLED)', () => {
    const d = run(ics('CANCEL', { seq: 1, status: 'CANCELLED' }), invited(), { from: ORG });
    expect(d.action).toBe('cancelled');
    expect(d.next?.cancelled).toBe(true);
    expect(d.next?.master?.status).toBe('CANCELLED');
    expect(d.next?.master?.sequence).toBe(1);
    expect(d.next?.master?.ics).toMatch(/STATUS:CANCELLED/);
  });

  it('a CANCEL not sent by the organizer (or SENT-BY) is rejected', () => {
    const d = run(ics('CANCEL', { seq: 1, status: 'CANCELLED' }), invited(), { from: 'mallory@example.com' });
    expect(d.action).toBe('rejected');
    expect(d.next).toBeUndefined();
  });

  it('a CANCEL with RECURRENCE-ID cancels that occurrence only (override with STATUS:CANCELLED)', () => {
    const s = applied(run(ics('REQUEST', { rrule: 'FREQ=WEEKLY;COUNT=5' })));
    const d = run(ics('CANCEL', { seq: 1, rid: '20260317T090000Z', start: null, status: 'CANCELLED' }), s);
    expect(d.action).toBe('cancelled');
    expect(d.detail).toBe('occurrence');
    expect(d.next?.cancelled).toBe(false);
    expect(d.next?.master).toEqual(s.master);
    expect(d.next?.overrides[0]).toMatchObject({ recurrenceId: '2026-03-17T09:00:00Z', status: 'CANCELLED' });
  });

  it('§2.1.5: a CANCEL with a SEQUENCE lower than stored is stale; the same CANCEL again is a duplicate', () => {
    const s = applied(run(ics('REQUEST', { seq: 3 })));
    expect(run(ics('CANCEL', { seq: 2, status: 'CANCELLED' }), s).action).toBe('stale');
    const c = applied(run(ics('CANCEL', { seq: 4, status: 'CANCELLED' }), s));
    expect(run(ics('CANCEL', { seq: 4, status: 'CANCELLED' }), c).action).toBe('duplicate');
  });

  it('§2.1.5: a CANCEL with the stored SEQUENCE but an older DTSTAMP is stale; a newer DTSTAMP cancels', () => {
    const s = applied(run(ics('REQUEST', { seq: 2, stamp: '20260301T000000Z' })));
    expect(run(ics('CANCEL', { seq: 2, stamp: '20260201T000000Z', status: 'CANCELLED' }), s).action).toBe('stale');
    expect(run(ics('CANCEL', { seq: 2, stamp: '20260302T000000Z', status: 'CANCELLED' }), s).action).toBe('cancelled');
  });

  it('a CANCEL for an unknown UID is recorded as a cancelled tombstone, so a late REQUEST is stale', () => {
    const d = run(ics('CANCEL', { seq: 1, status: 'CANCELLED' }), undefined);
    expect(d.action).toBe('cancelled');
    expect(d.detail).toBe('unknown-uid');
    expect(d.next?.cancelled).toBe(true);
    expect(run(ics('REQUEST', { seq: 0 }), d.next).action).toBe('stale');
  });

  it('§4.2.10: a CANCEL that uninvites me (lists me, no STATUS) cancels my copy', () => {
    const d = run(ics('CANCEL', { seq: 1, attendees: [ME] }), invited());
    expect(d.action).toBe('cancelled');
    expect(d.detail).toBe('removed');
    expect(d.next?.cancelled).toBe(true);
  });

  it('§3.2.5: a CANCEL that uninvites only others removes them from my copy', () => {
    const d = run(ics('CANCEL', { seq: 1, attendees: [BOB] }), invited());
    expect(d.action).toBe('updated');
    expect(d.next?.cancelled).toBe(false);
    expect(d.next?.master?.attendees.map((a) => a.email)).toEqual([ORG, ME]);
  });
});

describe('ADD (RFC 5546 §3.2.4)', () => {
  it('adds an occurrence (RDATE on the master + its own override)', () => {
    const s = applied(run(ics('REQUEST', { rrule: 'FREQ=WEEKLY;COUNT=5' })));
    const d = run(ics('ADD', { seq: 1, start: '20260320T150000Z', end: '20260320T160000Z', summary: 'extra' }), s);
    expect(d.action).toBe('updated');
    expect(d.next?.master?.rdate).toContain('2026-03-20T15:00:00Z');
    expect(d.next?.master?.ics).toMatch(/RDATE/);
    expect(d.next?.overrides[0]).toMatchObject({ recurrenceId: '2026-03-20T15:00:00Z', summary: 'extra' });
    expect(run(ics('ADD', { seq: 1, start: '20260320T150000Z', end: '20260320T160000Z', summary: 'extra' }), d.next).action).toBe('duplicate');
  });

  it('an ADD for an unknown UID needs a decision: send a REFRESH (refresh-needed)', () => {
    const d = run(ics('ADD', { seq: 1 }), undefined);
    expect(d.action).toBe('needs-decision');
    expect(d.detail).toBe('refresh-needed');
  });
});

describe('COUNTER, REFRESH, DECLINECOUNTER (RFC 5546 §3.2.6–3.2.8)', () => {
  it('a COUNTER to the organizer needs a decision (pending counter); not the organizer → rejected', () => {
    const d = run(ics('COUNTER', { organizer: ME, start: '20260310T150000Z', end: '20260310T160000Z', attendees: [BOB] }), organized(), { from: BOB });
    expect(d.action).toBe('needs-decision');
    expect(d.next?.pending[0]).toMatchObject({ kind: 'counter', from: BOB });
    expect(d.next?.master).toEqual(organized().master);
    expect(run(ics('COUNTER', { attendees: [BOB] }), invited()).action).toBe('rejected');
  });

  it('a REFRESH to the organizer needs a decision (pending refresh)', () => {
    const d = run(ics('REFRESH', { organizer: ME, attendees: [BOB], start: null }), organized(), { from: BOB });
    expect(d.action).toBe('needs-decision');
    expect(d.detail).toBe('refresh');
    expect(d.next?.pending[0]?.kind).toBe('refresh');
    expect(run(ics('REFRESH', { attendees: [BOB], start: null }), invited()).action).toBe('rejected');
  });

  it('a DECLINECOUNTER is shown to the attendee: needs-decision with pending declinecounter, event unchanged', () => {
    const s = invited();
    const d = run(ics('DECLINECOUNTER', { attendees: [ME], comment: 'no' }), s, { from: ORG });
    expect(d.action).toBe('needs-decision');
    expect(d.next?.pending[0]?.kind).toBe('declinecounter');
    expect(d.next?.master).toEqual(s.master);
  });
});

describe('PUBLISH (RFC 5546 §3.2.1)', () => {
  it("is stored as a 'personal' event, updated by a newer PUBLISH, held by policy 'never'", () => {
    const d = run(ics('PUBLISH', { attendees: [] }));
    expect(d.action).toBe('created');
    expect(d.next?.role).toBe('personal');
    const u = run(ics('PUBLISH', { seq: 1, attendees: [], start: '20260311T090000Z', end: '20260311T100000Z' }), d.next);
    expect(u.action).toBe('updated');
    expect(run(ics('PUBLISH', { attendees: [] }), undefined, { ctx: { policy: 'never' } }).action).toBe('needs-decision');
  });
});

describe('engine guards', () => {
  it('VFREEBUSY messages are rejected as unsupported', () => {
    expect(run(ics('REQUEST', { component: 'VFREEBUSY' })).detail).toBe('unsupported-component');
  });

  it('a message with components of different UIDs is rejected', () => {
    expect(run(ics('REQUEST', {}, { uid: 'other@example.com', rid: '20260317T090000Z' })).detail).toBe('multiple-uids');
  });

  it('a VTODO REQUEST is handled like a VEVENT', () => {
    const d = run(ics('REQUEST', { component: 'VTODO', start: null }));
    expect(d.action).toBe('created');
    expect(d.next?.master?.component).toBe('VTODO');
  });
});

describe('processRead', () => {
  it('no iTIP message → not-imip with a reason from the read problems', () => {
    expect(processRead(null, [], undefined, ctx()).reason).toBe('no calendar part: an ordinary mail');
    const noMethod = processRead(null, [{ code: 'no-method', severity: 'warning', message: 'no METHOD' }], undefined, ctx());
    expect(noMethod.reason).toBe('no-method: no METHOD');
    const d = processRead(null, [{ code: 'invalid-ics', severity: 'error', message: 'no VCALENDAR found' }], undefined, ctx());
    expect(d.action).toBe('not-imip');
    expect(d.reason).toBe('invalid-ics: no VCALENDAR found');
  });

  it('unusable messages (no UID, REQUEST without DTSTART) are rejected with problems', () => {
    const text = ics('REQUEST', {}).replace(/UID:[^\r\n]*\r\n/, '');
    const d = processRead(msg(text), [], undefined, ctx());
    expect(d.action).toBe('rejected');
    expect(d.problems?.map((p) => p.code)).toContain('missing-uid');
    const nostart = processRead(msg(ics('REQUEST', { start: null })), [], undefined, ctx());
    expect(nostart.action).toBe('rejected');
    expect(nostart.detail).toBe('missing-dtstart');
  });

  it('interop warnings (no method param, attachment only) do not block', () => {
    const m: ItipMessage = {
      ...msg(ics('REQUEST', {}), ORG),
      part: {
        path: '2',
        contentType: 'text/calendar',
        methodParam: null,
        charset: 'utf-8',
        filename: 'invite.ics',
        encoding: 'base64',
        inAlternative: false,
        forwarded: false,
        disposition: 'attachment',
      },
    };
    const d = processRead(m, [], undefined, ctx());
    expect(d.action).toBe('created');
    expect(d.problems?.map((p) => p.code).sort()).toEqual(['calendar-not-inline', 'no-method-param']);
    expect(d.problems?.every((p) => p.severity === 'warning')).toBe(true);
  });
});
