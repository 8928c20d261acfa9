// A few thousand seeded fuzz cases in `npm test` (the full 100,000 run is `npm run fuzz`): the same generator and
// engine drive as scripts/fuzz.mjs, in-process. Nothing may be thrown out of the engine.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCase, runCase } from '../../scripts/fuzz-cases';

const SEED = Number(process.env.CONVENE_FUZZ_SEED ?? 424242);
const CASES = Number(process.env.CONVENE_FUZZ_CASES ?? 2000);
const dir = process.env.CONVENE_CORPUS ?? resolve(__dirname, '../../../shared/corpus');

function corpus(): { name: string; bytes: Uint8Array }[] {
  if (!existsSync(dir)) return [];
  const out: { name: string; bytes: Uint8Array }[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(eml|ics)$/i.test(e)) out.push({ name: p.slice(dir.length + 1), bytes: readFileSync(p) });
    }
  };
  walk(dir);
  return out;
}

describe(`fuzz (seed ${SEED}, ${CASES} cases)`, () => {
  it('the engine never throws on generated and mutated messages', async () => {
    const files = corpus();
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    for (let i = 0; i < CASES; i++) {
      const fc = makeCase(SEED, i, files);
      const k = fc.kind.split(':')[0]!;
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
      const r = await runCase(fc);
      if (!r.ok) failures.push(`case ${i} (${fc.kind}) in ${r.stage}: ${r.error} — replay: npm run fuzz -- --seed ${SEED} --only ${i}`);
    }
    console.log(`[fuzz] seed ${SEED}: ${CASES} cases, ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    // Every generator is exercised (the corpus ones only where the corpus is present).
    for (const k of ['hostile-rrule', 'deep-mime', 'huge-value', 'broken-charset', 'many-overrides', 'hostile-from']) expect(kinds.get(k) ?? 0, k).toBeGreaterThan(0);
    expect(failures, `seed ${SEED}`).toEqual([]);
  }, 600_000);
});
