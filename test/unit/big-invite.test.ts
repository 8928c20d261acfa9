// A 1.5 MB invitation with 2,000 overrides goes through `convene inspect`'s code path in reasonable time.
import { describe, expect, it } from 'vitest';
import { inspectBytes } from '../../cli/commands/inspect';
import { expandAgenda } from '../../shared/itip/agenda';
import { readInput } from '../../shared/itip/message';
import { bigInvite } from '../fixtures/big-invite';

describe('big invitation', () => {
  it('inspects a generated 1.5 MB invite with 2,000 overrides', async () => {
    const { eml, uid, overrides } = bigInvite({ overrides: 2000, targetBytes: 1_500_000 });
    const bytes = new TextEncoder().encode(eml);
    expect(bytes.length).toBeGreaterThan(1_400_000);
    expect(bytes.length).toBeLessThan(1_700_000);
    const t0 = performance.now();
    const o = await inspectBytes(bytes, 'big.eml', ['me@example.com']);
    const ms = performance.now() - t0;
    console.log(`[big-invite] ${(bytes.length / 1e6).toFixed(2)} MB, ${overrides} overrides: inspect ${ms.toFixed(0)} ms`);
    expect(o).toMatchObject({
      imip: true,
      method: 'REQUEST',
      methodParam: 'REQUEST',
      uid,
      sequence: 3,
      recurrenceId: null,
      summary: 'Daily stand-up',
      start: '2026-01-05T09:00:00+01:00',
      timezone: 'Europe/Berlin',
      components: overrides + 1,
      overrides,
      myPartstat: 'NEEDS-ACTION',
    });
    expect(o.problems.filter((p) => p.severity === 'error')).toEqual([]);
  }, 60_000);

  it('expands its agenda with the overrides applied', async () => {
    const { eml, uid } = bigInvite({ overrides: 2000 });
    const r = await readInput(new TextEncoder().encode(eml), 'big.eml');
    const cal = r.itip!.calendar;
    const t0 = performance.now();
    const occ = expandAgenda(
      [
        {
          uid,
          role: 'attendee',
          master: cal.components.find((c) => c.recurrenceId === null) ?? null,
          overrides: cal.components.filter((c) => c.recurrenceId !== null),
          vtimezones: cal.vtimezones,
          replies: [],
          pending: [],
          cancelled: false,
          myAddress: 'me@example.com',
          updatedAt: '2026-01-01T00:00:00Z',
        },
      ],
      '2026-01-05T00:00:00Z',
      '2026-01-08T00:00:00Z',
    );
    console.log(`[big-invite] agenda over 3 days: ${(performance.now() - t0).toFixed(0)} ms`);
    expect(occ.map((o) => [o.start, o.summary])).toEqual([
      ['2026-01-05T10:00:00+01:00', 'Daily stand-up #0 (moved)'],
      ['2026-01-06T11:00:00+01:00', 'Daily stand-up #1 (moved)'],
      ['2026-01-07T12:00:00+01:00', 'Daily stand-up #2 (moved)'],
    ]);
  }, 60_000);
});
