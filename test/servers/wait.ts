// Waiting on conditions instead of sleeping: polls `fn` (sync or async) until it returns a truthy value, and fails
// with a message that says what was awaited and for how long. The poll interval is short (25 ms) so measured
// latencies (IDLE-to-store) stay honest.

export interface WaitOptions {
  timeoutMs?: number;
  /** What is awaited, for the timeout message: 'the invitation in bob's store'. */
  what?: string;
  intervalMs?: number;
}

export async function waitFor<T>(fn: () => T | Promise<T>, opts: WaitOptions = {}): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const intervalMs = opts.intervalMs ?? 25;
  const started = Date.now();
  let lastError: unknown = null;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      lastError = null;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() - started >= timeoutMs) {
      const why = lastError ? ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${opts.what ?? 'a condition'}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Resolves with the first emission of `event` satisfying `pred`; rejects with a readable message on timeout. */
export function waitForEvent<A extends unknown[]>(
  emitter: { on(e: string, l: (...a: A) => void): unknown; off(e: string, l: (...a: A) => void): unknown },
  event: string,
  opts: WaitOptions & { pred?: (...a: A) => boolean } = {},
): Promise<A> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for event '${event}'${opts.what ? ` (${opts.what})` : ''}`));
    }, timeoutMs);
    const listener = (...a: A) => {
      if (opts.pred && !opts.pred(...a)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(a);
    };
    emitter.on(event, listener);
  });
}
