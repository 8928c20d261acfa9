// Issue 10 §3: the cost of processing an invitation grows linearly (n log n at most) with its overrides. Measured in
// operations, not time: every property read on the message's components is counted through a Proxy, so a filter and
// re-sort per override (quadratic) shows up as a count that quadruples when N doubles.
import { describe, expect, it } from 'vitest';
import { parseCalendar } from '../../shared/itip/parse';
import { processRead } from '../../shared/itip/process';
import type { DecideContext, EventData, ItipMessage, StoredEvent } from '../../shared/itip/types';

const ctx: DecideContext = { me: ['me@example.com'], policy: 'always', knownContacts: [], now: '2026-03-01T12:00:00Z' };

function invitation(n: number, opts: { master: boolean; thisAndFuture: number; seq: number }): string {
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', 'METHOD:REQUEST'];
  const common = [`SEQUENCE:${opts.seq}`, `DTSTAMP:2026010${opts.seq + 1}T000000Z`, 'ORGANIZER:mailto:org@example.com', 'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:me@example.com'];
  if (opts.master) lines.push('BEGIN:VEVENT', 'UID:big@x', 'DTSTART:20260101T090000Z', 'DTEND:20260101T100000Z', 'RRULE:FREQ=DAILY', 'SUMMARY:s', ...common, 'END:VEVENT');
  for (let i = 0; i < n; i++) {
    const day = new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
    // Spread the this-and-future overrides over the series, in message order unrelated to date order.
    const taf = opts.thisAndFuture > 0 && (i * 7919) % n < opts.thisAndFuture;
    lines.push('BEGIN:VEVENT', 'UID:big@x', `RECURRENCE-ID${taf ? ';RANGE=THISANDFUTURE' : ''}:${day}T090000Z`, `DTSTART:${day}T110000Z`, `DTEND:${day}T120000Z`, `SUMMARY:o${i}`, ...common, 'END:VEVENT');
  }
  lines.push('END:VCALENDAR', '');
  return lines.join('\r\n');
}

/** The message with every component behind a counting Proxy; `count()` is the number of property reads. */
function counted(text: string): { msg: ItipMessage; count: () => number } {
  const calendar = parseCalendar(text);
  let reads = 0;
  const wrap = (e: EventData): EventData =>
    new Proxy(e, {
      get(t, k, r) {
        reads++;
        return Reflect.get(t, k, r);
      },
    });
  calendar.components = calendar.components.map(wrap);
  return { msg: { method: 'REQUEST', calendar, methodParam: 'REQUEST', envelope: null, part: null }, count: () => reads };
}

function storedWithout(n: number): StoredEvent {
  const d = processRead(counted(invitation(n, { master: true, thisAndFuture: 0, seq: 0 })).msg, [], undefined, ctx);
  expect(d.action).toBe('created');
  return d.next!;
}

function opsFor(n: number, kind: 'new' | 'update' | 'overrides-only'): number {
  const stored = kind === 'new' ? undefined : storedWithout(n);
  const { msg, count } = counted(invitation(n, { master: kind !== 'overrides-only', thisAndFuture: kind === 'overrides-only' ? Math.ceil(n / 10) : 0, seq: 1 }));
  const base = count();
  const d = processRead(msg, [], stored, ctx);
  expect(['created', 'updated']).toContain(d.action);
  expect(d.next!.overrides.length).toBeGreaterThan(0);
  return count() - base;
}

describe('processing cost grows linearly with the overrides', () => {
  for (const kind of ['new', 'update', 'overrides-only'] as const) {
    it(`${kind}: doubling the overrides about doubles the work`, () => {
      const a = opsFor(500, kind);
      const b = opsFor(1000, kind);
      const c = opsFor(2000, kind);
      console.log(`[linear-merge] ${kind}: ${a} / ${b} / ${c} reads for 500 / 1000 / 2000 overrides`);
      expect(b / a).toBeLessThan(2.5);
      expect(c / b).toBeLessThan(2.5);
    }, 120_000);
  }

  it('a this-and-future override supersedes the later overrides sent before it, not those after it', () => {
    const stored = storedWithout(5);
    const msg = counted(invitation(0, { master: false, thisAndFuture: 0, seq: 1 })).msg;
    const text = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', 'METHOD:REQUEST',
      ...['20260104T090000Z', '20260102T090000Z;RANGE=THISANDFUTURE', '20260103T090000Z'].flatMap((rid, i) => {
        const [value, range] = rid.split(';');
        return ['BEGIN:VEVENT', 'UID:big@x', `RECURRENCE-ID${range ? `;${range}` : ''}:${value}`, `DTSTART:${value!.replace('T09', 'T13')}`, 'DURATION:PT1H', `SUMMARY:n${i}`, 'SEQUENCE:1', 'DTSTAMP:20260102T000000Z', 'ORGANIZER:mailto:org@example.com', 'ATTENDEE:mailto:me@example.com', 'END:VEVENT'];
      }),
      'END:VCALENDAR', '',
    ].join('\r\n');
    msg.calendar = parseCalendar(text);
    const d = processRead(msg, [], stored, ctx);
    // The reader orders components by RECURRENCE-ID, so the range comes first: the stored overrides at or after
    // 01-02 are gone, 01-01 (before the range) stays, and the incoming 01-03 and 01-04 (after it) apply.
    expect(d.next!.overrides.map((o) => [o.recurrenceId, o.summary])).toEqual([
      ['2026-01-01T09:00:00Z', 'o0'],
      ['2026-01-02T09:00:00Z', 'n1'],
      ['2026-01-03T09:00:00Z', 'n2'],
      ['2026-01-04T09:00:00Z', 'n0'],
    ]);
  });
});
