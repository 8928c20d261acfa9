// Replays the RFC 5546 §4 example exchanges (from the shared corpus, never copied here) through processRead, each
// message from the perspective of the calendar user who receives it: the organizer's copy for REPLY/COUNTER/REFRESH,
// an attendee's copy for REQUEST/CANCEL/ADD/DECLINECOUNTER/PUBLISH. Envelope null (bare files): sender checks skip.
// The examples of one subsection share the stores; alternative scenarios (4.2.6 vs 4.2.7) start from their own.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCalendar } from '../../shared/itip/parse';
import { processRead } from '../../shared/itip/process';
import { expandAgenda } from '../../shared/itip/agenda';
import { effectiveOccurrence, myPartstat } from '../../shared/itip/event-state';
import type { Decision, ItipMessage, ItipMethod, StoredEvent } from '../../shared/itip/types';

const CORPUS = process.env.CONVENE_CORPUS ?? join(__dirname, '../../../shared/corpus');
const ICS = join(CORPUS, 'ics');
const present = existsSync(join(ICS, 'rfc5546-4.2.1-group-event-request.ics'));
if (!present) console.warn(`RFC 5546 replay skipped: corpus not found at ${ICS} (set CONVENE_CORPUS)`);

const A = 'a@example.com';
const B = 'b@example.com';
const C = 'c@example.com';
const E = 'e@example.com';

function read(name: string, edit?: (text: string) => string): ItipMessage {
  const text = readFileSync(join(ICS, `rfc5546-${name}.ics`), 'utf8');
  const calendar = parseCalendar(edit ? edit(text) : text);
  return { method: calendar.method as ItipMethod, calendar, methodParam: null, envelope: null, part: null };
}

/** Per-person calendars: person → uid → StoredEvent. */
class World {
  private stores = new Map<string, Map<string, StoredEvent>>();
  get(me: string, uid: string): StoredEvent | undefined {
    return this.stores.get(me)?.get(uid);
  }
  /** Processes one file as `me` sees it and stores decision.next. */
  deliver(name: string, me: string, edit?: (text: string) => string): Decision {
    const msg = read(name, edit);
    const uid = msg.calendar.components[0]?.uid ?? '';
    const d = processRead(msg, msg.calendar.problems, this.get(me, uid), {
      me: [me],
      policy: 'always',
      knownContacts: [],
      now: '2026-01-01T00:00:00Z',
    });
    if (d.next) {
      if (!this.stores.has(me)) this.stores.set(me, new Map());
      this.stores.get(me)!.set(d.next.uid, d.next);
    }
    return d;
  }
}

const partstat = (s: StoredEvent | undefined, who: string, rid: string | null = null): string | undefined =>
  (rid ? s?.overrides.find((o) => o.recurrenceId === rid) : s?.master)?.attendees.find((a) => a.email === who)?.partstat;

const G = 'calsrv.example.com-873970198738777@example.com';

describe.skipIf(!present)('RFC 5546 §4 examples replayed', () => {
  it('4.1 published event: PUBLISH, newer PUBLISH, CANCEL, re-PUBLISH; an older PUBLISH is stale', () => {
    const w = new World();
    const uid = '0981234-1234234-23@example.com';
    expect(w.deliver('4.1.1-minimal-published-event', 'x@example.com').action).toBe('created');
    expect(w.get('x@example.com', uid)?.role).toBe('personal');
    expect(w.deliver('4.1.2-changing-published-event', 'x@example.com').action).toBe('updated');
    const c = w.deliver('4.1.3-canceling-published-event', 'x@example.com');
    expect(c.action).toBe('cancelled');
    expect(w.get('x@example.com', uid)?.cancelled).toBe(true);
    // 4.1.4 (SEQUENCE 3) republishes it; its DTEND before DTSTART is an RFC example quirk, reported but not blocking.
    const rich = w.deliver('4.1.4-rich-published-event', 'x@example.com');
    expect(rich.action).toBe('updated');
    expect(rich.problems?.map((p) => p.code)).toContain('dtend-before-dtstart');
    // 4.1.5 reuses the UID with SEQUENCE 0: older than what we hold.
    expect(w.deliver('4.1.5-anniversary-all-day-event', 'x@example.com').action).toBe('stale');
  });

  it('4.2.1–4.2.3 group event: REQUEST, REPLY applied on the organizer copy, reschedule resets the answer', () => {
    const w = new World();
    expect(w.deliver('4.2.1-group-event-request', A)).toMatchObject({ action: 'created', detail: 'organizer-copy' });
    expect(w.deliver('4.2.1-group-event-request', B).action).toBe('created');
    expect(partstat(w.get(B, G), B)).toBe('NEEDS-ACTION');
    const r = w.deliver('4.2.2-reply-to-group-event-request', A);
    expect(r.action).toBe('reply-applied');
    expect(partstat(w.get(A, G), B)).toBe('ACCEPTED');
    expect(partstat(w.get(A, G), C)).toBe('NEEDS-ACTION');
    // B accepted in its own copy too (what respond() would record), then 4.2.3 moves the meeting: SEQUENCE 1.
    const bs = w.get(B, G)!;
    const accepted = { ...bs, master: { ...bs.master!, attendees: bs.master!.attendees.map((a) => (a.email === B ? { ...a, partstat: 'ACCEPTED' } : a)) } };
    const w2 = new World();
    w2['stores'].set(B, new Map([[G, accepted]]));
    const u = w2.deliver('4.2.3-update-an-event', B);
    expect(u).toMatchObject({ action: 'updated', detail: 'rescheduled' });
    expect(partstat(w2.get(B, G), B)).toBe('NEEDS-ACTION');
    expect(w.deliver('4.2.3-update-an-event', A)).toMatchObject({ action: 'updated', detail: 'organizer-copy' });
  });

  it('4.2.4 counter-proposal: COUNTER needs the organizer; the new REQUEST and the DECLINECOUNTER reach B', () => {
    const w = new World();
    expect(w.deliver('4.2.4-countering-request', A).action).toBe('created');
    expect(w.deliver('4.2.4-countering-request', B).action).toBe('created');
    const c = w.deliver('4.2.4-countering-counter', A);
    expect(c).toMatchObject({ action: 'needs-decision', detail: 'counter' });
    expect(c.next?.pending[0]?.kind).toBe('counter');
    // The example's accepting REQUEST and DECLINECOUNTER use the 4.2.1 UID (manifest: uid-differs-from-counter).
    expect(w.deliver('4.2.4-countering-accept-request', B).action).toBe('created');
    const dc = w.deliver('4.2.4-countering-declinecounter', B);
    expect(dc).toMatchObject({ action: 'needs-decision', detail: 'declinecounter' });
  });

  it('4.2.5–4.2.6 delegation: the delegator REPLY adds the delegate; the delegate gets the REQUEST and accepts', () => {
    const w = new World();
    w.deliver('4.2.1-group-event-request', A);
    expect(w.deliver('4.2.5-delegating-reply-to-organizer', A).action).toBe('reply-applied');
    const s = w.get(A, G)!;
    expect(partstat(s, C)).toBe('DELEGATED');
    expect(s.master?.attendees.find((a) => a.email === E)?.delegatedFrom).toEqual([C]);
    expect(w.deliver('4.2.5-delegating-request-to-delegate', E).action).toBe('created');
    // 4.2.6 lists the delegate with its delegator (RFC example; §3.2.3 says one ATTENDEE): accepted, with a warning.
    const acc = w.deliver('4.2.6-delegate-accepts', A);
    expect(acc.action).toBe('reply-applied');
    expect(acc.problems?.map((p) => p.code)).toContain('reply-delegation-pair');
    expect(partstat(w.get(A, G), E)).toBe('ACCEPTED');
    expect(partstat(w.get(A, G), C)).toBe('DELEGATED');
  });

  it('4.2.7 delegate declines: the REPLY is applied, the organizer re-invites the delegator', () => {
    const w = new World();
    w.deliver('4.2.1-group-event-request', A);
    w.deliver('4.2.1-group-event-request', C);
    w.deliver('4.2.5-delegating-reply-to-organizer', A);
    expect(w.deliver('4.2.7-delegate-declines-reply', A).action).toBe('reply-applied');
    expect(partstat(w.get(A, G), E)).toBe('DECLINED');
    // Same SEQUENCE 0, later DTSTAMP: the resent REQUEST updates C's copy.
    expect(w.deliver('4.2.7-delegate-declines-resend-request', C).action).toBe('updated');
  });

  it('4.2.9 / 4.2.10 cancel the group event; uninvite one attendee', () => {
    const w = new World();
    w.deliver('4.2.1-group-event-request', B);
    w.deliver('4.2.1-group-event-request', C);
    // 4.2.9 has a broken ATTENDEE line (rfc-example-quirk attendee-missing-colon): still a valid CANCEL for B.
    const c = w.deliver('4.2.9-cancel-group-event', B);
    expect(c.action).toBe('cancelled');
    expect(w.get(B, G)?.cancelled).toBe(true);

    const w2 = new World();
    w2.deliver('4.2.1-group-event-request', B);
    w2.deliver('4.2.1-group-event-request', C);
    expect(w2.deliver('4.2.10-removing-attendee-cancel', B)).toMatchObject({ action: 'cancelled', detail: 'removed' });
    const u = w2.deliver('4.2.10-removing-attendee-updated-request', C);
    expect(u.action).toBe('updated');
    expect(w2.get(C, G)?.master?.attendees.some((a) => a.email === B)).toBe(false);
  });

  it('4.2.11 replacing the organizer: a new UID is a new invitation; changing the organizer of a stored one is refused', () => {
    const w = new World();
    expect(w.deliver('4.2.11-replacing-organizer', C).action).toBe('created');
    // The same event arriving with a different ORGANIZER (B → A here) is not applied (forged-organizer rule).
    const d = w.deliver('4.2.11-replacing-organizer', C, (t) => t.replace('ORGANIZER:mailto:b@', 'ORGANIZER:mailto:a@').replace('SEQUENCE:1', 'SEQUENCE:2'));
    expect(d).toMatchObject({ action: 'rejected', detail: 'organizer-changed' });
  });

  it('4.3 free/busy messages are recognised and not scheduled', () => {
    const w = new World();
    for (const [f, me] of [['4.3.1-publish-busy-time', B], ['4.3.2-request-busy-time', B], ['4.3.3-reply-busy-time', A]] as const) {
      const d = w.deliver(f, me);
      expect(d.action, f).toBe('rejected');
      expect(d.next).toBeUndefined();
    }
  });

  it('4.4.1–4.4.4 recurring: series, one instance moved, one cancelled, then the whole series cancelled', () => {
    const w = new World();
    expect(w.deliver('4.4.1-recurring-event-spanning-time-zones', 'b@example.fr').action).toBe('created');
    expect(w.get('b@example.fr', G)?.master?.exdate).toHaveLength(2);
    const g = 'guid-1@example.com';
    expect(w.deliver('4.4.2-modify-recurring-instance-original-request', B).action).toBe('created');
    const master = w.get(B, g)?.master;
    expect(w.deliver('4.4.2-modify-recurring-instance-override', B).action).toBe('updated');
    expect(w.get(B, g)?.master).toEqual(master);
    expect(w.get(B, g)?.overrides.map((o) => o.recurrenceId)).toEqual(['1997-07-01T21:00:00Z']);
    expect(w.deliver('4.4.3-cancel-an-instance', B)).toMatchObject({ action: 'cancelled', detail: 'occurrence' });
    expect(w.get(B, g)?.overrides.find((o) => o.recurrenceId === '1997-08-01T21:00:00Z')?.status).toBe('CANCELLED');
    expect(w.get(B, g)?.cancelled).toBe(false);
    expect(w.deliver('4.4.4-cancel-recurring-event', B)).toMatchObject({ action: 'cancelled', detail: 'event' });
    expect(w.get(B, g)?.cancelled).toBe(true);
  });

  it('4.4.5 this-and-future change: from 1 September 1997 on the series moves to Building 32; earlier months stay', () => {
    const w = new World();
    const g = 'guid-1@example.com';
    w.deliver('4.4.2-modify-recurring-instance-original-request', B);
    // rfc-example-quirk thisandfuture-without-range-param: the example writes RECURRENCE-ID;THISANDFUTURE, read as
    // RANGE=THISANDFUTURE (RFC 5545 §3.2.13) with a malformed-ics warning.
    const d = w.deliver('4.4.5-change-all-future-instances', B);
    expect(d.problems?.map((p) => p.code)).toContain('malformed-ics');
    // LOCATION changed (RFC 5546 §2.1.4): the affected occurrences need B's answer again.
    expect(d).toMatchObject({ action: 'updated', detail: 'rescheduled' });
    const s = w.get(B, g)!;
    // RFC 5545 §3.8.4.4: the master keeps its rule and details; one RANGE=THISANDFUTURE override speaks for
    // 1 September 1997 and every later occurrence.
    expect(s.master?.location).toBe('Conference Call');
    expect(s.master?.rrule).toContain('FREQ=MONTHLY');
    expect(s.overrides.map((o) => [o.recurrenceId, o.thisAndFuture, o.sequence])).toEqual([['1997-09-01T21:00:00Z', true, 3]]);
    expect(effectiveOccurrence(s, '1997-08-01T21:00:00Z')?.location).toBe('Conference Call');
    for (const rid of ['1997-09-01T21:00:00Z', '1997-12-01T21:00:00Z', '1998-09-01T21:00:00Z']) {
      expect(effectiveOccurrence(s, rid)).toMatchObject({ location: 'Building 32, Microsoft, Seattle, WA', description: 'IETF-C&S Discussion' });
      expect(myPartstat(s, [B], rid)).toBe('NEEDS-ACTION');
    }
    // The times do not change (DTSTART = RECURRENCE-ID): the agenda still has the 16 monthly meetings at 21:00Z.
    const occ = expandAgenda([s], '1997-01-01T00:00:00Z', '1999-01-01T00:00:00Z');
    expect(occ).toHaveLength(16);
    expect(occ.every((o) => o.start.endsWith('T21:00:00Z'))).toBe(true);
    // The same message again is a duplicate; 4.4.4's CANCEL of the whole series still applies over it.
    expect(w.deliver('4.4.5-change-all-future-instances', B).action).toBe('duplicate');
    expect(w.deliver('4.4.4-cancel-recurring-event', B)).toMatchObject({ action: 'cancelled', detail: 'event' });
  });

  it('4.4.6 / 4.4.7 ADD an instance; reschedule the series', () => {
    const w = new World();
    const u = '123456789@example.com';
    // ADD before the series is known: RFC 5546 §3.2.4 says ask for a REFRESH.
    expect(w.deliver('4.4.6-add-instance-to-recurring-event', B)).toMatchObject({ action: 'needs-decision', detail: 'refresh-needed' });
    expect(w.deliver('4.4.7-add-series-original-request', B).action).toBe('created');
    expect(w.deliver('4.4.6-add-instance-to-recurring-event', B).action).toBe('updated');
    expect(w.get(B, u)?.master?.rdate).toContain('1997-07-15T21:00:00Z');
    // 4.4.7's reschedule has SEQUENCE 7 (> the ADD's 4): the series is replaced, B must answer again.
    expect(w.deliver('4.4.7-add-series-rescheduled-request', B)).toMatchObject({ action: 'updated', detail: 'rescheduled' });
    expect(w.get(B, u)?.master?.rrule).toContain('TU,TH');
  });

  it('4.4.8 refresh: instance change, ADD, then the full re-send', () => {
    const w = new World();
    const u = '123456789@example.com';
    expect(w.deliver('4.4.8-refresh-original-request', B).action).toBe('created');
    expect(w.deliver('4.4.8-refresh-instance-change', B).action).toBe('updated');
    expect(w.deliver('4.4.8-refresh-add-instance', B).action).toBe('updated');
    expect(w.get(B, u)?.master?.sequence).toBe(2);
    // The RFC's response REQUEST keeps SEQUENCE 2 with the *original* DTSTAMP (an example quirk): B already holds
    // SEQUENCE 2 with the ADD's later DTSTAMP, so by §2.1.5 the re-send is not newer and nothing changes.
    const d = w.deliver('4.4.8-refresh-response-request', B);
    expect(d.action).toBe('stale');
    expect(d.next).toBeUndefined();
  });

  it('4.4.9 COUNTER for one instance waits for the organizer; 4.4.10 an error REPLY is reported, not applied', () => {
    const w = new World();
    w.deliver('4.4.2-modify-recurring-instance-original-request', A);
    const c = w.deliver('4.4.9-counter-recurring-instance', A);
    expect(c).toMatchObject({ action: 'needs-decision', detail: 'counter' });
    expect(c.next?.pending[0]?.recurrenceId).toBe('1997-07-15T21:00:00Z');

    const w2 = new World();
    expect(w2.deliver('4.4.10-error-reply-original-request', A).action).toBe('created');
    const e = w2.deliver('4.4.10-error-reply', A);
    expect(e).toMatchObject({ action: 'rejected', detail: 'request-status-error' });
    expect(partstat(w2.get(A, 'guid-1@example.com'), B)).toBe('NEEDS-ACTION');
  });

  it('4.5 VTODO: assign, accept, progress, complete, update; a recurring to-do answered per instance', () => {
    const w = new World();
    const t = 'calsrv.example.com-873970198738777-00@example.com';
    expect(w.deliver('4.5.1-vtodo-request', A).action).toBe('created');
    expect(w.deliver('4.5.1-vtodo-request', B).action).toBe('created');
    expect(w.deliver('4.5.2-vtodo-reply', A).action).toBe('reply-applied');
    expect(partstat(w.get(A, t), B)).toBe('ACCEPTED');
    expect(w.deliver('4.5.3-vtodo-request-updated-status', A).action).toBe('updated');
    expect(w.deliver('4.5.3-vtodo-request-updated-status', B).action).toBe('updated');
    expect(w.deliver('4.5.4-vtodo-reply-percent-complete', A).action).toBe('reply-applied');
    expect(partstat(w.get(A, t), B)).toBe('IN-PROCESS');
    expect(w.deliver('4.5.5-vtodo-reply-completed', A).action).toBe('reply-applied');
    expect(partstat(w.get(A, t), 'd@example.com')).toBe('COMPLETED');
    expect(w.deliver('4.5.6-vtodo-updated-request', B).action).toBe('updated');

    const w2 = new World();
    expect(w2.deliver('4.5.7.1-recurring-vtodo-request', A).action).toBe('created');
    // 4.5.7.2 has no ORGANIZER (a warning for a REPLY: the organizer copy knows it) and SEQUENCE 1 (> 0). Its
    // RECURRENCE-ID (17:00Z) is not an instance of 4.5.7.1's series (DTSTART 10:00Z: the example mixes up a -0700
    // offset), so as written it is refused rather than applied to a phantom override (issue 10 §8)…
    const asWritten = w2.deliver('4.5.7.2-recurring-vtodo-instance-reply', A);
    expect(asWritten).toMatchObject({ action: 'rejected' });
    expect(asWritten.reason).toMatch(/not an occurrence of this series/);
    expect(partstat(w2.get(A, t), B)).toBe('NEEDS-ACTION');
    // …and with the RECURRENCE-ID of the series' first instance it answers that instance only.
    const r = w2.deliver('4.5.7.2-recurring-vtodo-instance-reply', A, (x) => x.replace('RECURRENCE-ID:19980101T170000Z', 'RECURRENCE-ID:19980101T100000Z'));
    expect(r.action, r.reason).toBe('reply-applied');
    expect(partstat(w2.get(A, t), B, '1998-01-01T10:00:00Z')).toBe('IN-PROCESS');
    expect(partstat(w2.get(A, t), B)).toBe('NEEDS-ACTION');
  });

  it('4.6 a published VJOURNAL is stored as a personal entry', () => {
    const w = new World();
    expect(w.deliver('4.6-journal-publish', B)).toMatchObject({ action: 'created', detail: 'published' });
  });

  it('4.7 REFRESH reaches the organizer; a REQUEST with RECURRENCE-ID on a recurring master is refused', () => {
    const w = new World();
    // The RFC has no REQUEST for guid-1-12345: the organizer's copy is the 4.4.2 series under that UID.
    w.deliver('4.4.2-modify-recurring-instance-original-request', A, (t) => t.replace('UID:guid-1@', 'UID:guid-1-12345@'));
    const r = w.deliver('4.7.1-event-refresh', A);
    expect(r).toMatchObject({ action: 'needs-decision', detail: 'refresh' });
    // 4.7.2: RRULE + RECURRENCE-ID in one component (and a 9-digit RDATE year): B cannot process it (RFC: 3.x error).
    const bad = w.deliver('4.7.2-bad-recurrence-id-request', B);
    expect(bad.action).toBe('rejected');
    expect(bad.problems?.map((p) => p.code)).toContain('recurrence-id-with-rrule');
    // The organizer's REFRESH for that UID finds nothing here (the REQUEST was never stored).
    expect(w.deliver('4.7.2-bad-recurrence-id-refresh', A)).toMatchObject({ action: 'rejected', detail: 'unknown-uid' });
  });
});
