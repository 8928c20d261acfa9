#!/usr/bin/env node
// npm run fuzz [-- --seed N --cases N --workers N --timeout-ms N --memory-mb N --only I]
//
// Seeded, bounded fuzzing of the engine: readInput → decide → agenda over generated and mutated messages
// (scripts/fuzz-cases.ts: mutations of the corpus at $CONVENE_CORPUS or ../shared/corpus, hostile RRULEs, deep
// MIME, huge property values, broken charsets, many overrides). Each case runs in a worker thread with a time limit
// (a case over it is a hang: the thread is terminated and replaced) and a heap limit (a case over it is a crash).
// Prints crashes, hangs and the slowest cases; when clean, exactly `0 crashes, 0 hangs in N cases`, with the seed
// and the slowest case's time. Exit 1 when anything was found. Replay one case with --only INDEX.
import { build } from 'esbuild';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v)) {
    console.error(`fuzz: --${name} needs a number`);
    process.exit(2);
  }
  return v;
};
const seed = opt('seed', Date.now() % 2 ** 31) >>> 0;
const only = opt('only', -1);
const cases = only >= 0 ? 1 : opt('cases', 100_000);
const workers = Math.max(1, opt('workers', Math.max(1, Math.min(4, availableParallelism() - 1))));
const timeoutMs = opt('timeout-ms', 30_000);
const memoryMb = opt('memory-mb', 512);
const corpusEnv = process.env.CONVENE_CORPUS ?? resolve(root, '../shared/corpus');
const corpusDir = existsSync(corpusEnv) ? corpusEnv : null;

const work = mkdtempSync(join(tmpdir(), 'convene-fuzz-'));
const workerFile = join(work, 'fuzz-worker.cjs');
// Bundled whole (ical.js is ESM-only, a CommonJS worker cannot require it from node_modules).
await build({ entryPoints: [join(root, 'scripts/fuzz-worker.ts')], outfile: workerFile, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error' });

console.log(`fuzz: seed ${seed}, ${cases} cases, ${workers} workers, ${timeoutMs} ms and ${memoryMb} MB per case, corpus ${corpusDir ?? '(none)'}`);
const started = Date.now();
const crashes = [];
const hangs = [];
const slowest = [];
let next = only >= 0 ? only : 0;
const last = only >= 0 ? only + 1 : cases;
let done = 0;

function record(r) {
  done++;
  slowest.push({ index: r.index, kind: r.kind, ms: r.ms });
  if (slowest.length > 50) {
    slowest.sort((a, b) => b.ms - a.ms);
    slowest.length = 10;
  }
  if (done % 5000 === 0) console.log(`fuzz: ${done}/${cases} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

function startWorker() {
  return new Promise((resolveAll) => {
    let w;
    let current = null;
    let timer = null;
    const spawn = () => {
      w = new Worker(workerFile, { workerData: { seed, corpusDir }, resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: 64 } });
      w.on('message', (m) => {
        if (m.ready) return feed();
        clearTimeout(timer);
        current = null;
        if (!m.ok) crashes.push({ index: m.index, kind: m.kind, stage: m.stage, error: m.error });
        record(m);
        feed();
      });
      w.on('error', (err) => {
        // The thread died (out of memory, or an error thrown outside a case): a crash of the current case.
        clearTimeout(timer);
        if (current) {
          crashes.push({ index: current.index, kind: '(worker died)', stage: 'worker', error: String(err?.message ?? err).slice(0, 300) });
          record({ index: current.index, kind: '(worker died)', ms: Date.now() - current.t0 });
          current = null;
        }
      });
      w.on('exit', () => {
        if (next < last || current) spawn();
        else resolveAll();
      });
    };
    const feed = () => {
      if (next >= last) {
        void w.terminate();
        return;
      }
      const index = next++;
      current = { index, t0: Date.now() };
      w.postMessage(index);
      timer = setTimeout(() => {
        hangs.push({ index, ms: Date.now() - current.t0 });
        record({ index, kind: '(hang)', ms: Date.now() - current.t0 });
        current = null;
        void w.terminate(); // exit → a fresh worker continues
      }, timeoutMs);
    };
    spawn();
  });
}

await Promise.all(Array.from({ length: Math.min(workers, last - next) }, startWorker));
rmSync(work, { recursive: true, force: true });
slowest.sort((a, b) => b.ms - a.ms);
const secs = ((Date.now() - started) / 1000).toFixed(1);
for (const c of crashes.slice(0, 20)) console.log(`crash: case ${c.index} (${c.kind}) in ${c.stage}: ${c.error}`);
for (const h of hangs.slice(0, 20)) console.log(`hang: case ${h.index} ran over ${h.ms} ms`);
console.log('slowest cases:');
for (const s of slowest.slice(0, 5)) console.log(`  case ${s.index} (${s.kind}): ${s.ms.toFixed(0)} ms`);
console.log(`seed ${seed}; ${done} cases in ${secs} s; slowest case ${slowest[0] ? slowest[0].ms.toFixed(0) : 0} ms (case ${slowest[0]?.index ?? '-'}); replay one with --seed ${seed} --only INDEX`);
console.log(`${crashes.length} crashes, ${hangs.length} hangs in ${done} cases`);
process.exit(crashes.length || hangs.length ? 1 : 0);
