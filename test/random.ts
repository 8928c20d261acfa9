// Every random test is seeded, and says its seed when it fails. One seed per run: CONVENE_SEED=N reruns exactly
// that run; otherwise a fresh one, so runs keep exploring. fast-check takes it as its global seed (importing this
// module configures it for the test file) and prints it in every counterexample report; other random choices draw
// from rng(), and their assertions name the seed through `seedNote`.
import fc from 'fast-check';
import { mulberry32 } from './prng';

export const SEED: number = process.env.CONVENE_SEED ? Number(process.env.CONVENE_SEED) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;

/** Appended to assertion messages of random tests: how to replay the run. */
export const seedNote = `seed ${SEED} (rerun with CONVENE_SEED=${SEED})`;

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: SEED });

/** A small deterministic PRNG (mulberry32) in [0, 1), for random choices outside fast-check. */
export function rng(seed: number = SEED): () => number {
  return mulberry32(seed);
}
