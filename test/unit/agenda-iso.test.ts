// isoToMs reads the instants agenda.ts writes by arithmetic (a month's agenda reads each start and end a few times):
// its answer must be Date.parse's for every string, valid or not (out-of-range fields, day 31 of short months, hour
// 24, two-digit years, wrong separators), as the plain reading below gives it. Seeded (test/random.ts).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoToMs } from '../../shared/itip/agenda';
import '../random';

/** The reading before the arithmetic path: date-only and floating values as UTC, else Date.parse. */
function reference(iso: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return Date.parse(`${iso}T00:00:00Z`);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(iso)) return Date.parse(`${iso}Z`);
  return Date.parse(iso);
}

const two = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((n) => String(n).padStart(2, '0'));

describe('isoToMs', () => {
  it('answers as Date.parse for written instants, in range or not', () => {
    const instant = fc
      .tuple(
        fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1900, max: 2100 })).map((y) => String(y).padStart(4, '0')),
        two(0, 13),
        two(0, 32),
        two(0, 25),
        two(0, 61),
        two(0, 61),
        fc.oneof(fc.constant('Z'), fc.tuple(fc.constantFrom('+', '-', '*'), two(0, 25), two(0, 61)).map(([s, h, m]) => `${s}${h}:${m}`)),
        fc.constantFrom('-', '/'),
        fc.constantFrom('T', ' ', 't'),
      )
      .map(([y, mo, d, h, mi, s, z, dash, t]) => `${y}-${mo}${dash}${d}${t}${h}:${mi}:${s}${z}`);
    fc.assert(
      fc.property(instant, (iso) => {
        expect(Object.is(isoToMs(iso), reference(iso)), iso).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('answers as before for other shapes (dates, floating, fractions, junk)', () => {
    for (const iso of ['2025-06-03', '2025-06-03T10:00', '2025-06-03T10:00:00', '2025-06-03T10:00:00.5Z', '2025-02-30T10:00:00Z', '2025-02-29T10:00:00+01:00', '2024-02-29T23:59:59-14:00', '2025-06-03T24:00:00Z', '0099-06-03T10:00:00Z', '2025-06-03T10:00:00+0200', 'x', '']) {
      expect(Object.is(isoToMs(iso), reference(iso)), iso).toBe(true);
    }
    fc.assert(fc.property(fc.string({ maxLength: 30 }), (s) => Object.is(isoToMs(s), reference(s))));
  });
});
