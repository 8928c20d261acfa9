// Argument validation at the edges (IPC and the browser shell's WebSocket). The renderer is treated as untrusted:
// a compromised page must not be able to push odd shapes into the core (prototype keys, huge strings, functions).
// Each method has one validator returning the cleaned argument or throwing AppError BAD_REQUEST.
import { API_METHODS, type ApiArg, type ApiMethod, type ConveneApi } from '../shared/api';
import { AppError, fail, toErrorData, type Result } from '../shared/errors';

const MAX_STRING = 100_000;
const MAX_FILE_BASE64 = 30 * 1024 * 1024;

type Check<T> = (v: unknown, path: string) => T;

function bad(path: string, what: string): never {
  throw new AppError('BAD_REQUEST', `invalid argument: ${path} ${what}`);
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'must be an object');
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) bad(path, 'must be a plain object');
  return v as Record<string, unknown>;
}

const str =
  (max = MAX_STRING): Check<string> =>
  (v, path) => {
    if (typeof v !== 'string') bad(path, 'must be a string');
    if (v.length > max) bad(path, `is longer than ${max} characters`);
    return v;
  };

const nonEmpty =
  (max = 2000): Check<string> =>
  (v, path) => {
    const s = str(max)(v, path);
    if (!s.trim()) bad(path, 'must not be empty');
    return s;
  };

const int =
  (min: number, max: number): Check<number> =>
  (v, path) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(path, `must be an integer in ${min}..${max}`);
    return v;
  };

const bool: Check<boolean> = (v, path) => {
  if (typeof v !== 'boolean') bad(path, 'must be a boolean');
  return v;
};

const oneOf =
  <T extends string>(...values: T[]): Check<T> =>
  (v, path) => {
    if (typeof v !== 'string' || !(values as string[]).includes(v)) bad(path, `must be one of ${values.join(', ')}`);
    return v as T;
  };

const opt =
  <T>(c: Check<T>): Check<T | undefined> =>
  (v, path) =>
    v === undefined ? undefined : c(v, path);

const nullable =
  <T>(c: Check<T>): Check<T | null> =>
  (v, path) =>
    v === null ? null : c(v, path);

const arr =
  <T>(c: Check<T>, max = 500): Check<T[]> =>
  (v, path) => {
    if (!Array.isArray(v)) bad(path, 'must be an array');
    if (v.length > max) bad(path, `has more than ${max} items`);
    return v.map((x, i) => c(x, `${path}[${i}]`));
  };

type Shape = Record<string, Check<unknown>>;
type FromShape<S extends Shape> = { [K in keyof S]: ReturnType<S[K]> };

/** A record with exactly these keys (unknown keys are rejected, so nothing unexpected reaches the core). */
function record<S extends Shape>(shape: S): Check<FromShape<S>> {
  return (v, path) => {
    const o = obj(v, path);
    for (const k of Object.keys(o)) if (!(k in shape)) bad(`${path}.${k}`, 'is not allowed');
    const out: Record<string, unknown> = {};
    for (const [k, c] of Object.entries(shape)) {
      const val = c(o[k], `${path}.${k}`);
      if (val !== undefined) out[k] = val;
    }
    return out as FromShape<S>;
  };
}

const none: Check<undefined> = (v, path) => {
  if (v !== undefined && v !== null) bad(path, 'must be absent');
  return undefined;
};

const server = record({
  host: nonEmpty(255),
  port: int(1, 65535),
  security: oneOf('tls', 'starttls', 'none'),
  user: str(320),
});

const accountInput = record({
  id: opt(nonEmpty(200)),
  name: str(200),
  email: nonEmpty(320),
  displayName: opt(str(200)),
  aliases: arr(nonEmpty(320), 50),
  imap: server,
  smtp: server,
  password: opt(str(1000)),
  providerSavesSent: opt(bool),
});

const uidReq = record({ uid: nonEmpty(1000) });
const recurrenceId = opt(nullable(str(100)));

const meetingDraft = record({
  uid: opt(nonEmpty(1000)),
  summary: str(2000),
  description: opt(str()),
  location: opt(str(2000)),
  start: nonEmpty(40),
  end: nonEmpty(40),
  timezone: nonEmpty(100),
  allDay: bool,
  attendees: arr(
    record({ email: nonEmpty(320), cn: opt(str(200)), role: opt(str(50)), rsvp: opt(bool) }),
    500,
  ),
  rrule: opt(nullable(str(500))),
  organizer: record({ email: nonEmpty(320), cn: opt(str(200)), sentBy: opt(str(320)) }),
});

const VALIDATORS: { [M in ApiMethod]: Check<ApiArg<M>> } = {
  getStatus: none as Check<never>,
  listAccounts: none as Check<never>,
  saveAccount: accountInput,
  removeAccount: record({ id: nonEmpty(200) }),
  testConnection: accountInput,
  syncNow: none as Check<never>,
  getSettings: none as Check<never>,
  saveSettings: record({
    policy: oneOf('always', 'known', 'never'),
    timeFrameDays: int(0, 36500),
    processedFolder: nullable(str(500)),
    timezone: nullable(str(100)),
  }),
  listInvitations: none as Check<never>,
  getInvitation: uidReq,
  respond: record({
    uid: nonEmpty(1000),
    partstat: oneOf('ACCEPTED', 'TENTATIVE', 'DECLINED'),
    comment: opt(str(5000)),
    recurrenceId,
  }),
  proposeNewTime: record({
    uid: nonEmpty(1000),
    recurrenceId,
    start: nonEmpty(40),
    end: nonEmpty(40),
    timezone: nonEmpty(100),
    comment: opt(str(5000)),
  }),
  removeFromCalendar: uidReq,
  listAgenda: record({ from: nonEmpty(40), to: nonEmpty(40) }),
  saveMeeting: meetingDraft,
  getMeetingDraft: uidReq,
  cancelMeeting: record({ uid: nonEmpty(1000), recurrenceId, comment: opt(str(5000)) }),
  resolvePending: record({
    uid: nonEmpty(1000),
    pendingId: nonEmpty(1000),
    action: oneOf('accept', 'decline', 'add', 'ignore', 'send', 'dismiss'),
    comment: opt(str(5000)),
  }),
  suggestAddresses: record({ prefix: str(320) }),
  listOutbox: none as Check<never>,
  retryOutbox: record({ id: nonEmpty(500) }),
  openFile: record({ name: str(1000), contentBase64: str(MAX_FILE_BASE64) }),
  listInvitationPage: record({ offset: int(0, 10_000_000), limit: int(0, 500), filter: opt(oneOf('all', 'received', 'organized', 'pending')) }),
  getMessage: record({ uid: nonEmpty(1000), key: nonEmpty(2000) }),
  getMessagePart: record({ uid: nonEmpty(1000), key: nonEmpty(2000), path: nonEmpty(100) }),
};

export function isApiMethod(m: unknown): m is ApiMethod {
  return typeof m === 'string' && (API_METHODS as string[]).includes(m);
}

/** Returns the validated (and cleaned) argument for `method`, or throws AppError BAD_REQUEST. */
export function validateArg<M extends ApiMethod>(method: M, arg: unknown): ApiArg<M> {
  const check = VALIDATORS[method] as Check<ApiArg<M>> | undefined;
  if (!check) throw new AppError('BAD_REQUEST', `unknown method: ${String(method)}`);
  return check(arg, 'arg');
}

/**
 * Validates `method` and `arg` and calls the core. Never throws: every failure (unknown method, bad argument, a
 * bug in the core) becomes a Result error, because IPC and the WebSocket drop error details.
 */
export async function dispatch(
  core: Omit<ConveneApi, 'onEvent'>,
  method: unknown,
  arg: unknown,
): Promise<Result<unknown>> {
  try {
    if (!isApiMethod(method)) return fail('BAD_REQUEST', `unknown method: ${String(method)}`);
    const clean = validateArg(method, arg);
    const fn = core[method] as (a: unknown) => Promise<Result<unknown>>;
    const result = await fn.call(core, clean);
    return result;
  } catch (err) {
    return { ok: false, error: toErrorData(err) };
  }
}
