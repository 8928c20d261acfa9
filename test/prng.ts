// The one seeded PRNG of tests, benches and fuzzing (mulberry32): pure, no imports, so a script bundled for plain
// node can use it without pulling in fast-check (test/random.ts configures fast-check on import).

/** A small deterministic PRNG (mulberry32) in [0, 1): the same seed gives the same sequence. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
