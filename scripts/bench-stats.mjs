// What the benchmark scripts share: number formatting, min / median / max over runs, and bundling a TypeScript entry
// with esbuild so it runs under plain node. Figures are printed, never asserted.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `n` with thousands separators and exactly `d` decimals (en-US, so figures read the same on every machine). */
export const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** Min, median (the upper one for an even count) and max of `xs`. */
export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
}

/** "min / median / max unit", each with `d` decimals. */
export function minMedMax(xs, unit, d = 0) {
  const { min, median, max } = stats(xs);
  return `${fmt(min, d)} / ${fmt(median, d)} / ${fmt(max, d)} ${unit}`;
}

/**
 * Bundles the repo-relative TypeScript `entry` into `outfile` (ESM for node; bare imports stay external and resolve
 * from the repo's node_modules, so `outfile` must live under the repo). Returns `outfile`.
 */
export async function bundleEntry(entry, outfile) {
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    absWorkingDir: root,
    logLevel: 'warning',
  });
  return outfile;
}
