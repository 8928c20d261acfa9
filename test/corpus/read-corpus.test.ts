// Every real-world corpus file is read without a crash, and the per-file facts in MANIFEST.tsv hold.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readInput } from '../../shared/itip/message';

const CORPUS = process.env.CONVENE_CORPUS ?? resolve(__dirname, '../../../shared/corpus');
const present = existsSync(join(CORPUS, 'MANIFEST.tsv'));
if (!present) console.warn(`corpus not found at ${CORPUS}: skipping (set CONVENE_CORPUS)`);

interface Row { file: string; method: string; features: string[] }
const rows: Row[] = present
  ? readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => {
      const [file = '', , method = '', , features = ''] = l.split('\t');
      return { file, method, features: features.split(',') };
    })
  : [];

describe.skipIf(!present)('corpus', () => {
  it('has files', () => expect(rows.length).toBeGreaterThan(100));
  for (const row of rows) {
    it(row.file, async () => {
      const bytes = readFileSync(join(CORPUS, row.file));
      const r = await readInput(bytes, row.file);
      const has = (f: string) => row.features.includes(f);
      if (has('not-imip') || row.method === 'none') {
        expect(r.itip).toBeNull();
      } else {
        expect(r.itip?.method).toBe(row.method);
      }
      if (row.file.startsWith('eml/') && row.features.some((f) => f === 'calendar-parts=2')) {
        expect(r.parts).toHaveLength(2);
        expect(r.calendars).toHaveLength(1);
      }
      if (has('windows-tzid')) {
        const zones = (r.itip?.calendar.components ?? []).flatMap((e) => [e.start, e.end]).filter((v) => v && !v.allDay && v.tzid !== 'UTC');
        expect(zones.length).toBeGreaterThan(0);
        for (const z of zones) expect(z!.tzid).toMatch(/^[A-Z][A-Za-z_]+\/[A-Za-z_/+-]+$/);
      }
    });
  }
});
