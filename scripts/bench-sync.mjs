#!/usr/bin/env node
// Builds scripts/bench-sync-entry.ts with esbuild into dist/bench-sync.mjs and runs it (same process: the entry's
// figures include only its own work). BENCH_MESSAGES=2000 npm run bench for a quick run.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist', 'bench-sync.mjs');
await build({ entryPoints: [join(root, 'scripts/bench-sync-entry.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, absWorkingDir: root, logLevel: 'warning' });
await import(pathToFileURL(outfile).href);
