// Every corpus file through `convene inspect`'s code path (inspectBytes = readInput + inspectResult): never a
// crash, a well-formed answer, and the METHOD the manifest records. The corpus is read in place
// ($CONVENE_CORPUS or ../shared/corpus), never copied into the repo.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectBytes } from '../../cli/commands/inspect';

const corpus = resolve(process.env.CONVENE_CORPUS ?? join(__dirname, '../../../shared/corpus'));
const manifestPath = join(corpus, 'MANIFEST.tsv');
const present = existsSync(manifestPath);
if (!present) console.warn(`[inspect-corpus] corpus not found at ${corpus}: suite skipped (set CONVENE_CORPUS)`);

interface Row {
  file: string;
  method: string;
  producer: string;
  features: string[];
}

function manifest(): Row[] {
  const lines = readFileSync(manifestPath, 'utf8').trim().split('\n');
  const header = lines.shift()!.split('\t');
  return lines.map((l) => {
    const r = Object.fromEntries(l.split('\t').map((v, i) => [header[i], v]));
    return { file: r.file!, method: r.method!, producer: r.producer!, features: (r.features ?? '').split(',') };
  });
}

describe.skipIf(!present)('inspect over the corpus', () => {
  const rows = present ? manifest() : [];

  it('has the whole corpus', () => {
    expect(rows.length).toBeGreaterThanOrEqual(100);
  });

  it.each(rows.map((r) => [r.file, r] as const))('%s', async (_file, row) => {
    const bytes = new Uint8Array(readFileSync(join(corpus, row.file)));
    const o = await inspectBytes(bytes, row.file, ['me@example.com']);
    // Plain data: survives JSON as is.
    expect(JSON.parse(JSON.stringify(o))).toEqual(o);
    expect(typeof o.imip).toBe('boolean');
    expect(Number.isInteger(o.sequence)).toBe(true);
    expect(Array.isArray(o.attendees)).toBe(true);
    for (const p of o.problems) {
      expect(p.code).toMatch(/^[a-z0-9-]+$/);
      expect(['error', 'warning']).toContain(p.severity);
    }
    expect(new Set(o.problems.map((p) => p.code)).size).toBe(o.problems.length);
    if (o.methodParam !== null) expect(o.methodParam).toBe(o.methodParam.toUpperCase());
    if (o.organizer !== null) expect(o.organizer).toBe(o.organizer.toLowerCase());
    if (o.start !== null) expect(o.start).toMatch(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})?)?$/);
    expect(typeof o.addressedToMe).toBe('boolean');

    const expected = row.method === 'none' ? null : row.method;
    if (row.features.includes('not-imip')) {
      // A calendar that is not a scheduling message (no method parameter, a bounce, a plain attachment): shown as
      // mail, never applied. Its METHOD, when read at all, is still the one the file says.
      expect(o.imip).toBe(false);
      if (o.method !== null) expect(o.method).toBe(expected);
      return;
    }
    expect(o.method).toBe(expected);
    if (expected !== null) {
      expect(o.imip).toBe(true);
      // A UID is always reported, unless the file has none (then the problem says so).
      if (o.uid === null) expect(o.problems.map((p) => p.code)).toContain('missing-uid');
    }
  });
});
