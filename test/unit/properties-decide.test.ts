// Properties of decide(): random SEQUENCE/DTSTAMP histories (fast-check).
import fc from 'fast-check';
import '../random'; // seeds fast-check for this file; the seed is in every failure report
import { describe, expect, it } from 'vitest';
import { parseCalendar } from '../../shared/itip/parse';
import { decide } from '../../shared/itip/decide';
import type { DecideContext, ItipMessage, ItipMethod, StoredEvent } from '../../shared/itip/types';

const ORG = 'organizer@example.com';
const ME = 'me@example.com';
const ctx: DecideContext = { me: [ME], policy: 'always', knownContacts: [], now: '2026-01-01T00:00:00Z' };
const METHODS: ItipMethod[] = ['REQUEST', 'CANCEL', 'ADD', 'PUBLISH', 'REPLY', 'COUNTER', 'REFRESH', 'DECLINECOUNTER'];

interface Spec {
  method: ItipMethod;
  seq: number;
  stampDay: number;
  hour: number;
  partstat: string;
  rid: boolean;
  organizerIsMe: boolean;
}

function text(s: Spec): string {
  const org = s.organizerIsMe ? ME : ORG;
  const dd = String(1 + s.stampDay).padStart(2, '0');
  const hh = String(s.hour).padStart(2, '0');
  const attendees =
    s.method === 'REPLY' || s.method === 'REFRESH'
      ? [`ATTENDEE;PARTSTAT=${s.partstat}:mailto:bob@example.com`]
      : [`ATTENDEE;PARTSTAT=ACCEPTED:mailto:${org}`, `ATTENDEE;RSVP=TRUE:mailto:${ME}`, 'ATTENDEE:mailto:bob@example.com'];
  return [
    'BEGIN:VCALENDAR', 'VERSION:2.0', `METHOD:${s.method}`, 'BEGIN:VEVENT', 'UID:p@example.com', `SEQUENCE:${s.seq}`,
    `DTSTAMP:202601${dd}T100000Z`, ...(s.rid ? ['RECURRENCE-ID:20260317T090000Z'] : []),
    `DTSTART:20260310T${hh}0000Z`, `DTEND:20260310T${hh}3000Z`, ...(s.rid ? [] : ['RRULE:FREQ=WEEKLY;COUNT=4']),
    'SUMMARY:P', `ORGANIZER:mailto:${org}`, ...attendees, ...(s.method === 'CANCEL' ? ['STATUS:CANCELLED'] : []),
    'END:VEVENT', 'END:VCALENDAR', '',
  ].join('\r\n');
}

const msgOf = (s: Spec): ItipMessage => {
  const calendar = parseCalendar(text(s));
  return { method: s.method, calendar, methodParam: null, envelope: null, part: null };
};

const spec = fc.record({
  method: fc.constantFrom(...METHODS),
  seq: fc.integer({ min: 0, max: 4 }),
  stampDay: fc.integer({ min: 0, max: 5 }),
  hour: fc.integer({ min: 8, max: 12 }),
  partstat: fc.constantFrom('ACCEPTED', 'DECLINED', 'TENTATIVE'),
  rid: fc.boolean(),
  organizerIsMe: fc.boolean(),
});

/** Replays a history, storing each decision's next. */
function replay(specs: Spec[]): { stored: StoredEvent | undefined; last: ReturnType<typeof decide> | undefined } {
  let stored: StoredEvent | undefined;
  let last;
  for (const s of specs) {
    last = decide(msgOf(s), stored, ctx);
    if (last.next) stored = last.next;
  }
  return { stored, last };
}

describe('decide properties', () => {
  it('never throws, is deterministic, stale/duplicate/rejected never carry next', () => {
    fc.assert(
      fc.property(fc.array(spec, { minLength: 1, maxLength: 8 }), (specs) => {
        let stored: StoredEvent | undefined;
        for (const s of specs) {
          const m = msgOf(s);
          const d1 = decide(m, stored, ctx);
          const d2 = decide(m, stored, ctx);
          expect(d2).toEqual(d1);
          expect(d1.detail).not.toBe('internal-error');
          if (d1.action === 'stale' || d1.action === 'duplicate' || d1.action === 'rejected') expect(d1.next).toBeUndefined();
          if (d1.next) stored = d1.next;
        }
      }),
      { numRuns: 200 },
    );
  });

  it('applying the same message twice: the second time is a duplicate (or stale), never a change', () => {
    fc.assert(
      fc.property(fc.array(spec, { maxLength: 5 }), spec, (history, s) => {
        const { stored } = replay(history);
        const m = msgOf(s);
        const first = decide(m, stored, ctx);
        if (!first.next) return;
        const second = decide(m, first.next, ctx);
        expect(['duplicate', 'stale']).toContain(second.action);
        expect(second.next).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('REQUEST ordering: after applying a REQUEST, any REQUEST with a lower SEQUENCE is stale', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 5 }), (seq, d1, d2) => {
        const hi: Spec = { method: 'REQUEST', seq, stampDay: d1, hour: 9, partstat: 'ACCEPTED', rid: false, organizerIsMe: false };
        const stored = decide(msgOf(hi), undefined, ctx).next;
        const lo = decide(msgOf({ ...hi, seq: seq - 1, stampDay: d2 }), stored, ctx);
        expect(lo.action).toBe('stale');
      }),
    );
  });

  // decide() turns a bug into an 'internal-error' decision instead of throwing, so "does not throw" alone could not
  // fail: the property is that junk never reaches that net, and an event without a UID is refused as such.
  it('junk is decided (no internal error); without a UID it is rejected as missing-uid', () => {
    fc.assert(
      fc.property(fc.string(), fc.constantFrom(...METHODS), (junk, method) => {
        const calendar = parseCalendar(`BEGIN:VCALENDAR\r\nMETHOD:${method}\r\nBEGIN:VEVENT\r\n${junk}\r\nEND:VEVENT\r\nEND:VCALENDAR`);
        const d = decide({ method, calendar, methodParam: null, envelope: null, part: null }, undefined, ctx);
        expect(d.detail).not.toBe('internal-error');
        if (calendar.components.length > 0 && calendar.components.every((c) => !c.uid)) {
          expect(d.action).toBe('rejected');
          expect(d.detail).toBe('missing-uid');
        }
      }),
      { numRuns: 100 },
    );
  });
});
