// The agenda's fast ways (a rule iterated from near the window, plain series computed without ical.js, series kept
// once read: shared/itip/recur-window.ts, simple-series.ts, agenda.ts) against the plain way (`reference`: every rule
// from DTSTART, each series read afresh, ical.js asked for every occurrence) over every calendar of the real-world
// corpus, in windows from DTSTART's month to years after it. Same occurrences, same cut-short report.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandAgendaReport } from '../../shared/itip/agenda';
import { simpleSeries } from '../../shared/itip/simple-series';
import { readInput } from '../../shared/itip/message';
import type { CalendarObject, StoredEvent } from '../../shared/itip/types';

const corpus = resolve(process.env.CONVENE_CORPUS ?? join(__dirname, '../../../shared/corpus'));
const present = existsSync(join(corpus, 'MANIFEST.tsv'));
if (!present) console.warn(`[agenda-fast-corpus] corpus not found at ${corpus}: suite skipped (set CONVENE_CORPUS)`);

const DAY = 86_400_000;

function storedOf(c: CalendarObject): StoredEvent | null {
  const master = c.components.find((x) => x.recurrenceId === null) ?? null;
  const overrides = c.components.filter((x) => x.recurrenceId !== null);
  const uid = (master ?? overrides[0])?.uid;
  if (!uid) return null;
  return { uid, role: 'attendee', master, overrides, vtimezones: c.vtimezones, replies: [], pending: [], cancelled: false, myAddress: null, updatedAt: '2026-01-01T00:00:00Z' };
}

describe.skipIf(!present)('agenda fast ways over the corpus', { timeout: 600_000 }, () => {
  it('answer exactly as the plain way, from the first month to years later', async () => {
    let series = 0;
    let rows = 0;
    let simple = 0;
    for (const sub of ['eml', 'ics']) {
      const dir = join(corpus, sub);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir).sort()) {
        const r = await readInput(new Uint8Array(readFileSync(join(dir, f))), f);
        for (const { calendar } of r.calendars) {
          const ev = storedOf(calendar);
          const start = ev?.master?.start?.utc ?? ev?.overrides[0]?.start?.utc ?? null;
          if (!ev || !start) continue;
          if (ev.master?.rrule) series++;
          if (simpleSeries(ev)) simple++;
          const t = Date.parse(start);
          for (const [from, days] of [[-40, 70], [300, 31], [3 * 365, 92], [10 * 365, 31]] as const) {
            const a = new Date(t + from * DAY).toISOString();
            const b = new Date(t + (from + days) * DAY).toISOString();
            const want = expandAgendaReport([ev], a, b, { reference: true });
            if (want.cutShort.length) continue;
            const got = expandAgendaReport([ev], a, b);
            expect(got, `${sub}/${f} ${a}..${b}`).toEqual(want);
            rows += got.occurrences.length;
          }
        }
      }
    }
    console.log(`agenda-fast-corpus: ${series} recurring series (${simple} computed without ical.js), ${rows} occurrences compared`);
    // Not vacuous: the corpus holds recurring series, and their windows hold occurrences.
    expect(series).toBeGreaterThan(10);
    expect(rows).toBeGreaterThan(100);
  });
});
