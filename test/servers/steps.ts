// Long scenarios as named steps: each step is its own test, so a failure reports WHICH step broke, and the steps
// after a failed one are skipped with a note (they build on its state) instead of failing confusingly.
import { it, type TestContext } from 'vitest';

export type Step = (name: string, fn: () => Promise<void> | void, timeoutMs?: number) => void;

/** Returns `step(name, fn)`; call it inside one describe, in order (vitest runs a file's tests sequentially). */
export function scenarioSteps(): Step {
  let failed: string | null = null;
  return (name, fn, timeoutMs) =>
    it(
      name,
      async (ctx: TestContext) => {
        if (failed !== null) ctx.skip(`an earlier step failed: ${failed}`);
        try {
          await fn();
        } catch (err) {
          failed = name;
          throw err;
        }
      },
      timeoutMs,
    );
}
