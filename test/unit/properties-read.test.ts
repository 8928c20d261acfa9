// Properties: whatever bytes arrive, the reading side returns values (problems, null itip), never throws or hangs.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import '../random'; // seeds fast-check for this file; the seed is in every failure report
import { describe, expect, it } from 'vitest';
import { findCalendarParts } from '../../shared/itip/detect';
import { readMime } from '../../shared/itip/mime';
import { readInput, readMessage } from '../../shared/itip/message';
import { parseCalendar } from '../../shared/itip/parse';

const CORPUS = process.env.CONVENE_CORPUS ?? resolve(__dirname, '../../../shared/corpus');
const corpusFiles = existsSync(CORPUS)
  ? ['eml', 'ics'].flatMap((d) => readdirSync(join(CORPUS, d)).map((f) => readFileSync(join(CORPUS, d, f))))
  : [];
const seeds = [readFileSync(join(__dirname, '../fixtures/mime/base64-alt-plus-octet.eml')), ...corpusFiles];

const LINES = ['BEGIN:VCALENDAR', 'END:VCALENDAR', 'BEGIN:VEVENT', 'END:VEVENT', 'METHOD:REQUEST', 'UID:x', 'DTSTART;TZID=W. Europe Standard Time:20260101T100000',
  'DTSTART:2026', 'RRULE:FREQ=WEEKLY;BYDAY=MO, TU', 'ATTENDEE;PARTSTAT=ACCEPTED:mailto:a@b', 'RECURRENCE-ID;RANGE=THISANDFUTURE:20260101', ' folded', '\tfold', '', 'SEQUENCE:x', 'X;Y="unterminated:z', 'BEGIN:VTIMEZONE', 'TZID:W. Europe Standard Time', 'END:VTIMEZONE'];

/** Truncation, byte flips and header deletion, the damage real transports do. */
const mutation = fc.record({
  seed: fc.nat(),
  cut: fc.double({ min: 0, max: 1, noNaN: true }),
  flips: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
  dropHeader: fc.boolean(),
});

function mutate(m: { seed: number; cut: number; flips: [number, number][]; dropHeader: boolean }): Uint8Array {
  const src = seeds[m.seed % seeds.length]!;
  let b = Uint8Array.from(src.subarray(0, Math.max(1, Math.floor(src.length * (m.cut < 0.3 ? m.cut / 0.3 : 1)))));
  for (const [at, v] of m.flips) b[Math.floor(at * (b.length - 1))] = v;
  if (m.dropHeader) {
    const s = new TextDecoder('latin1').decode(b).replace(/^Content-Type:[^\n]*\n/im, '');
    b = new TextEncoder().encode(s);
  }
  return b;
}

describe('reading never throws', () => {
  it('parseCalendar on random line soups', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.constantFrom(...LINES), fc.string({ maxLength: 40 })), { maxLength: 40 }), fc.constantFrom('\r\n', '\n', '\r'), (lines, eol) => {
      const c = parseCalendar(lines.join(eol));
      expect(Array.isArray(c.components)).toBe(true);
      if (c.components.length === 0 && !lines.some((l) => /^BEGIN:(VCALENDAR|VEVENT)/.test(l))) expect(c.problems.some((p) => p.code === 'invalid-ics')).toBe(true);
    }), { numRuns: 300 });
  });

  it('readMime/findCalendarParts on random MIME-ish text', async () => {
    const piece = fc.oneof(fc.constantFrom('Content-Type: multipart/mixed; boundary=b', '--b', '--b--', 'Content-Type: message/rfc822', 'Content-Type: text/calendar; method=REQUEST',
      'Content-Transfer-Encoding: base64', 'Content-Transfer-Encoding: quoted-printable', '', '=E9=', 'QkVHSU46VkNBTEVOREFS', 'Subject: =?utf-8?B?w6k=?=', 'From: "x, y" <A@B.C>'), fc.string({ maxLength: 30 }));
    await fc.assert(fc.asyncProperty(fc.array(piece, { maxLength: 60 }), async (ls) => {
      const m = await readMime(ls.join('\r\n'));
      expect(Array.isArray(findCalendarParts(m.tree))).toBe(true);
      const r = await readMessage(ls.join('\n'));
      if (r.itip) expect(r.itip.calendar.components.length).toBeGreaterThan(0);
    }), { numRuns: 200 });
  });

  it('readInput on mutated corpus files (truncation, byte flips, header deletion)', async () => {
    await fc.assert(fc.asyncProperty(mutation, async (m) => {
      const r = await readInput(mutate(m)); // a hang fails the test on its timeout; no timing assertion
      expect(Array.isArray(r.problems)).toBe(true);
      if (r.itip) expect(['PUBLISH', 'REQUEST', 'REPLY', 'ADD', 'CANCEL', 'REFRESH', 'COUNTER', 'DECLINECOUNTER']).toContain(r.itip.method);
    }), { numRuns: 300 });
  });
});
