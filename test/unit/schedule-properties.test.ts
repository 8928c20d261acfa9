// planSchedule over hostile input: the fixtures' calendars with lines dropped, duplicated or given junk values (and
// old/new swapped, addresses changed). Every run either plans or refuses with a reason; it never throws, and every
// planned message is one iCalendar object the parser reads without errors, to one recipient who is not the sender.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planSchedule } from '../../shared/itip/schedule';
import { parseCalendar } from '../../shared/itip/parse';
import { seedNote } from '../random';
import { loadScheduleCases, SCHEDULE_NOW } from '../fixtures/schedule/load';

const cases = loadScheduleCases().filter((c) => c.old !== null || c.new !== null);
const JUNK = ['', ';;;', 'FREQ=BOGUS;COUNT=-1', '99999999T999999Z', 'mailto:', '"unterminated', 'PT', 'é\u202e\u0000x', 'x'.repeat(300)];

type Edit = { kind: 'drop' | 'dup' | 'junk'; at: number; junk: number };

function mutate(text: string | null, edits: Edit[]): string | null {
  if (text === null) return null;
  const lines = text.split('\r\n');
  for (const e of edits) {
    if (lines.length < 3) break;
    const i = 1 + (e.at % (lines.length - 2));
    const line = lines[i]!;
    if (e.kind === 'drop') lines.splice(i, 1);
    else if (e.kind === 'dup') lines.splice(i, 0, line);
    else {
      const colon = line.indexOf(':');
      lines[i] = colon > 0 ? `${line.slice(0, colon + 1)}${JUNK[e.junk % JUNK.length]}` : line;
    }
  }
  return lines.join('\r\n');
}

const edit = fc.record({ kind: fc.constantFrom<Edit['kind']>('drop', 'dup', 'junk'), at: fc.nat(), junk: fc.nat() });

describe('planSchedule on mutated calendars', () => {
  it(`plans or refuses, never throws (${seedNote})`, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...cases),
        fc.array(edit, { maxLength: 4 }),
        fc.array(edit, { maxLength: 4 }),
        fc.boolean(),
        (c, oldEdits, newEdits, swap) => {
          const old = mutate(c.old, oldEdits);
          const next = mutate(c.new, newEdits);
          const plan = planSchedule({ old: swap ? next : old, new: swap ? old : next, me: c.me, now: SCHEDULE_NOW });
          if (!plan.ok) {
            expect(plan.reason.length).toBeGreaterThan(0);
            return;
          }
          for (const m of plan.messages) {
            expect(m.recipient).not.toBe('');
            expect(m.recipient).not.toBe(m.sender);
            const cal = parseCalendar(m.ics);
            expect(cal.problems.filter((p) => p.severity === 'error')).toEqual([]);
            expect(cal.method).toBe(m.method);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
