#!/usr/bin/env node
// Engine figures (no assertions): inspect and process throughput over the corpus, a big invitation, and a
// 50,000-event store. Importable: `import { runEngineBench } from './bench-engine.mjs'`; or run directly.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runReadBench } from './bench-engine-read.mjs';
import { bundleEntry, fmt } from './bench-stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function loadEngine(work) {
  const outfile = await bundleEntry('scripts/bench-entry.ts', join(work, 'bench-bundle.mjs'));
  // The bundle's bare imports (ical.js, mailparser...) resolve from the repo's node_modules: put it next to them.
  return import(pathToFileURL(outfile).href);
}

function corpusFiles() {
  const corpus = resolve(process.env.CONVENE_CORPUS ?? join(root, '..', 'shared', 'corpus'));
  if (!existsSync(corpus)) return { corpus, files: [] };
  const files = [];
  for (const sub of ['eml', 'ics']) {
    const d = join(corpus, sub);
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) files.push({ name: `${sub}/${f}`, bytes: new Uint8Array(readFileSync(join(d, f))) });
  }
  return { corpus, files };
}

const mb = (b) => `${fmt(b / 1024 / 1024, 1)} MiB`;

/** Repeats `pass` until at least `minMs` of work; returns {passes, ms}. */
async function timed(pass, minMs = 1000) {
  let passes = 0;
  const t0 = performance.now();
  do {
    await pass(passes);
    passes++;
  } while (performance.now() - t0 < minMs);
  return { passes, ms: performance.now() - t0 };
}

export async function runEngineBench({ log = console.log, storeEvents = 50_000, readOnly = false } = {}) {
  const work = mkdtempSync(join(root, 'node_modules', '.convene-bench-'));
  const results = {};
  try {
    const E = await loadEngine(work);
    const { corpus, files } = corpusFiles();
    log(`== engine bench (node ${process.version})`);
    if (files.length === 0) {
      log(`corpus: not found at ${corpus}: inspect/process figures skipped`);
    } else {
      // Warm up (JIT, lazy requires).
      for (const f of files) await E.inspectBytes(f.bytes, f.name, ['me@example.com']);
      const ins = await timed(async () => {
        for (const f of files) await E.inspectBytes(f.bytes, f.name, ['me@example.com']);
      });
      results.inspectPerSec = (ins.passes * files.length) / (ins.ms / 1000);
      log(`inspect: ${fmt(results.inspectPerSec)} messages/s (${files.length} corpus files × ${ins.passes} passes in ${fmt(ins.ms)} ms)`);
    }
    await runReadBench(E, join(work, 'bench-bundle.mjs'), files, log, results);
    if (readOnly) return results;
    if (files.length > 0) {
      const storeRoot = mkdtempSync(join(tmpdir(), 'convene-bench-proc-'));
      try {
        let processed = 0;
        let storeMs = 0;
        const pr = await timed(async (i) => {
          const t = performance.now();
          const store = await E.CalendarStore.open(join(storeRoot, `s${i}`));
          storeMs += performance.now() - t;
          const known = E.knownFromStore(store);
          for (const f of files) {
            await E.processOne(store, f.name, f.bytes, { me: ['b@example.com', 'me@example.com'], policy: 'always', known });
            processed++;
          }
          await store.close();
        });
        results.processPerSec = processed / (pr.ms / 1000);
        log(`process: ${fmt(results.processPerSec)} messages/s (${files.length} files × ${pr.passes} fresh stores, fsync per commit; store open ${fmt(storeMs / pr.passes, 1)} ms/pass)`);
      } finally {
        rmSync(storeRoot, { recursive: true, force: true });
      }
    }

    const { eml, overrides } = E.bigInvite({ overrides: 2000, targetBytes: 1_500_000 });
    const bytes = new TextEncoder().encode(eml);
    const times = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await E.inspectBytes(bytes, 'big.eml', ['me@example.com']);
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    results.bigInviteMs = times[2];
    log(`big invite: ${fmt(bytes.length / 1e6, 2)} MB, ${overrides} overrides: inspect ${fmt(times[2])} ms (median of 5; first ${fmt(times[0])}–${fmt(times[4])} ms)`);

    const dir = mkdtempSync(join(tmpdir(), 'convene-bench-store-'));
    try {
      global.gc?.();
      const heap0 = process.memoryUsage().heapUsed;
      let t = performance.now();
      const s = await E.CalendarStore.open(dir);
      for (let i = 0; i < storeEvents; i += 1000) {
        const batch = [];
        for (let j = i; j < Math.min(storeEvents, i + 1000); j++) batch.push({ type: 'put', event: E.makeEvent(`bench-${j}`, j) });
        await s.commit(batch);
      }
      await s.compact();
      const loadMs = performance.now() - t;
      t = performance.now();
      const N = 500;
      for (let i = 0; i < N; i++) await s.put(E.makeEvent(`bench-${i}`, i + 7));
      const putMs = (performance.now() - t) / N;
      await s.close();
      t = performance.now();
      const r = await E.CalendarStore.open(dir);
      const openMs = performance.now() - t;
      global.gc?.();
      const mem = process.memoryUsage();
      const st = r.stats();
      t = performance.now();
      for (let i = 0; i < N; i++) await r.put(E.makeEvent(`bench-x-${i}`, i));
      const putAfterMs = (performance.now() - t) / N;
      t = performance.now();
      const occ = E.expandAgenda(r.all(), '2026-03-10T00:00:00Z', '2026-03-11T00:00:00Z');
      const agendaMs = performance.now() - t;
      await r.close();
      Object.assign(results, { storeLoadMs: loadMs, storeOpenMs: openMs, storePutMs: putMs, storePutAfterOpenMs: putAfterMs, storeHeapBytes: mem.heapUsed - heap0, rss: mem.rss, agendaMs });
      log(
        `store ${fmt(storeEvents)} events: batched load+compact ${fmt(loadMs)} ms; open ${fmt(openMs)} ms; put ${fmt(putMs, 2)} ms (fsync) ` +
          `→ after reopen ${fmt(putAfterMs, 2)} ms; snapshot ${mb(st.snapshotBytes)}; heap +${mb(mem.heapUsed - heap0)}, rss ${mb(mem.rss)}`,
      );
      log(`agenda over ${fmt(storeEvents)} events, one day: ${fmt(agendaMs)} ms (${occ.length} occurrences)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // --read: only the reading figures (inspect+decide, distinct zones, the big invitation's first read).
  await runEngineBench({ readOnly: process.argv.includes('--read') });
}
