// The one dispatcher both shells use (electron/ipc.ts over IPC, electron/web/server.ts over the WebSocket): the method
// name is checked against the API, the argument parsed with its schema (shared/api-schemas.ts), then the core called.
import { API_METHODS, type ApiMethod, type ConveneApi } from '../shared/api';
import { parseArg } from '../shared/api-schemas';
import { fail, toErrorData, type Result } from '../shared/errors';

export function isApiMethod(m: unknown): m is ApiMethod {
  return typeof m === 'string' && (API_METHODS as string[]).includes(m);
}

/**
 * Validates `method` and `arg` and calls the core. Never throws: every failure (unknown method, bad argument, a
 * bug in the core) becomes a Result error, because IPC and the WebSocket drop error details.
 */
export async function dispatch(core: Omit<ConveneApi, 'onEvent'>, method: unknown, arg: unknown): Promise<Result<unknown>> {
  try {
    if (!isApiMethod(method)) return fail('BAD_REQUEST', `unknown method: ${String(method)}`);
    const clean = parseArg(method, arg);
    const fn = core[method] as (a: unknown) => Promise<Result<unknown>>;
    return await fn.call(core, clean);
  } catch (err) {
    return { ok: false, error: toErrorData(err) };
  }
}
