// One fuzz worker thread (bundled by scripts/fuzz.mjs): loads the corpus once, then runs the case indices it is sent
// and answers {index, kind, ok, error, ms}. The parent enforces the per-case time limit by terminating the thread and
// the memory limit through worker resourceLimits.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { makeCase, runCase } from './fuzz-cases';

const { seed, corpusDir } = workerData as { seed: number; corpusDir: string | null };

function loadCorpus(dir: string | null): { name: string; bytes: Uint8Array }[] {
  if (!dir) return [];
  const out: { name: string; bytes: Uint8Array }[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (/\.(eml|ics)$/i.test(e) && st.size < 5_000_000) out.push({ name: p.slice(dir.length + 1), bytes: readFileSync(p) });
    }
  };
  try {
    walk(dir);
  } catch {
    return [];
  }
  return out;
}

const corpus = loadCorpus(corpusDir);
parentPort!.on('message', (index: number) => {
  const fc = makeCase(seed, index, corpus);
  const t0 = performance.now();
  void runCase(fc).then((r) => parentPort!.postMessage({ index, kind: fc.kind, ...r, ms: performance.now() - t0 }));
});
parentPort!.postMessage({ ready: true, corpus: corpus.length });
