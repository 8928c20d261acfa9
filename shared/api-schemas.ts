// One schema per API method's argument (zod), from which shared/api.ts takes its request types (z.infer). The IPC
// handler (electron/ipc.ts) and the browser shell's WebSocket (electron/web/server.ts) validate with these same
// schemas (electron/dispatch.ts), so a type and its check cannot drift apart.
//
// The renderer is treated as untrusted: a compromised page must not push odd shapes into the core. Objects are
// strict (an unknown key is refused, so nothing unexpected reaches the core), strings and arrays are bounded, and
// a bad argument is AppError BAD_REQUEST ("invalid argument: arg.<path> ...").
import { z } from 'zod';
import type { ApiArg, ApiMethod } from './api';
import { AppError } from './errors';
import type { MeetingDraft } from './itip/meeting';

const MAX_STRING = 100_000;
const MAX_FILE_BASE64 = 30 * 1024 * 1024;

const str = (max = MAX_STRING) => z.string().max(max, `is longer than ${max} characters`);
const nonEmpty = (max = 2000) => str(max).refine((s) => s.trim() !== '', 'must not be empty');
const int = (min: number, max: number) => z.number().int(`must be an integer in ${min}..${max}`).min(min, `must be an integer in ${min}..${max}`).max(max, `must be an integer in ${min}..${max}`);
const arr = <T extends z.ZodType>(item: T, max = 500) => z.array(item).max(max, `has more than ${max} items`);

// ---------------------------------------------------------------------------------------------------------------
// Accounts and settings

export const securitySchema = z.enum(['tls', 'starttls', 'none']);

export const serverSettingsSchema = z.strictObject({
  host: nonEmpty(255),
  port: int(1, 65535),
  security: securitySchema,
  user: str(320),
});

export const accountInputSchema = z.strictObject({
  /** Absent when adding. */
  id: nonEmpty(200).optional(),
  name: str(200),
  /** The account's address; identities add aliases. */
  email: nonEmpty(320),
  displayName: str(200).optional(),
  aliases: arr(nonEmpty(320), 50),
  imap: serverSettingsSchema,
  smtp: serverSettingsSchema,
  /** Plain text only on the way in; never returned by the API. Omit on update to keep the stored one. */
  password: str(1000).optional(),
  /** Whether the provider files sent mail itself (Gmail, Outlook.com): then we do not APPEND to Sent. */
  providerSavesSent: z.boolean().optional(),
});

/** Which OAuth2 sign-in (issue 12): a built-in provider or an OpenID Connect issuer URL. */
export const oauthRefSchema = z.union([
  z.strictObject({ provider: z.enum(['google', 'microsoft']) }),
  z.strictObject({ issuer: nonEmpty(2000).refine((s) => /^https?:\/\//i.test(s), 'must be an http(s) URL'), scope: str(1000).optional() }),
]);

export const settingsSchema = z.strictObject({
  policy: z.enum(['always', 'known', 'never']),
  /** Invitations older than this many days are listed but not applied automatically. */
  timeFrameDays: int(0, 36500),
  /** Move processed invitation mails to this folder (null: leave them). */
  processedFolder: str(500).nullable(),
  /** The user's time zone for display (IANA); null = the system's. */
  timezone: str(100).nullable(),
  /** Leave events and occurrences I declined out of the week and agenda (default: shown, marked declined). */
  hideDeclined: z.boolean().optional(),
});

// ---------------------------------------------------------------------------------------------------------------
// Invitations and meetings

const uid = nonEmpty(1000);
/** One occurrence; absent (or null): the whole series. */
const recurrenceId = str(100).nullable().optional();

export const uidRequestSchema = z.strictObject({ uid });

export const partstatSchema = z.enum(['ACCEPTED', 'TENTATIVE', 'DECLINED']);

export const respondRequestSchema = z.strictObject({
  uid,
  partstat: partstatSchema,
  comment: str(5000).optional(),
  recurrenceId,
  /** false: "Do not send a response" (issue 11 §5): only my calendar changes, nothing is queued. Absent: send. */
  send: z.boolean().optional(),
});

export const proposeRequestSchema = z.strictObject({
  uid,
  recurrenceId,
  /** Local wall time 'YYYY-MM-DDTHH:mm' in `timezone`. */
  start: nonEmpty(40),
  end: nonEmpty(40),
  timezone: nonEmpty(100),
  comment: str(5000).optional(),
});

/** REFRESH (RFC 5546 §3.2.7): ask the organizer for the latest version of a series or one occurrence. */
export const requestUpdateRequestSchema = z.strictObject({ uid, recurrenceId, comment: str(5000).optional() });

export const cancelRequestSchema = z.strictObject({ uid, recurrenceId, comment: str(5000).optional() });

export const resolvePendingRequestSchema = z.strictObject({
  uid,
  pendingId: nonEmpty(1000),
  /** counter: accept|decline; party-crasher: add|ignore; refresh: send|ignore; others: dismiss. */
  action: z.enum(['accept', 'decline', 'add', 'ignore', 'send', 'dismiss']),
  comment: str(5000).optional(),
});

export const agendaRequestSchema = z.strictObject({ from: nonEmpty(40), to: nonEmpty(40) });

/** The meeting editor's draft (shared/itip/meeting.ts MeetingDraft, which the engine owns; checked equal below). */
export const meetingDraftSchema = z.strictObject({
  uid: nonEmpty(1000).optional(),
  summary: str(2000),
  description: str().optional(),
  location: str(2000).optional(),
  start: nonEmpty(40),
  end: nonEmpty(40),
  timezone: nonEmpty(100),
  allDay: z.boolean(),
  attendees: arr(z.strictObject({ email: nonEmpty(320), cn: str(200).optional(), role: str(50).optional(), rsvp: z.boolean().optional() }), 500),
  rrule: str(500).nullable().optional(),
  organizer: z.strictObject({ email: nonEmpty(320), cn: str(200).optional(), sentBy: str(320).optional() }),
});

export const openFileRequestSchema = z.strictObject({
  name: str(1000),
  /** File bytes, base64. */
  contentBase64: str(MAX_FILE_BASE64),
});

/** A page of the invitation list (issue 9 §4): at most 500 threads; limit 0 returns only the counts. */
export const invitationPageRequestSchema = z.strictObject({
  offset: int(0, 10_000_000),
  limit: int(0, 500),
  filter: z.enum(['all', 'received', 'organized', 'pending']).optional(),
});

/** A thread message's own mail, and one attachment of it (issue 11 §12). */
export const messageRequestSchema = z.strictObject({ uid: nonEmpty(1000), key: nonEmpty(2000) });
export const messagePartRequestSchema = z.strictObject({ uid: nonEmpty(1000), key: nonEmpty(2000), path: nonEmpty(100) });

/** A method without an argument: absent (undefined, or null over JSON). */
const none = z.union([z.undefined(), z.null()]).transform(() => undefined);

/** The argument schema of every request/response method of ConveneApi (keys checked against CHANNELS in api.ts). */
export const ARG_SCHEMAS = {
  getStatus: none,
  listAccounts: none,
  saveAccount: accountInputSchema,
  removeAccount: z.strictObject({ id: nonEmpty(200) }),
  testConnection: accountInputSchema,
  syncNow: none,
  getSettings: none,
  saveSettings: settingsSchema,
  listInvitations: none,
  getInvitation: uidRequestSchema,
  respond: respondRequestSchema,
  proposeNewTime: proposeRequestSchema,
  requestUpdate: requestUpdateRequestSchema,
  removeFromCalendar: uidRequestSchema,
  listAgenda: agendaRequestSchema,
  saveMeeting: meetingDraftSchema,
  getMeetingDraft: uidRequestSchema,
  cancelMeeting: cancelRequestSchema,
  resolvePending: resolvePendingRequestSchema,
  suggestAddresses: z.strictObject({ prefix: str(320) }),
  listOutbox: none,
  retryOutbox: z.strictObject({ id: nonEmpty(500) }),
  openFile: openFileRequestSchema,
  discoverAccount: z.strictObject({ email: nonEmpty(320) }),
  beginSignIn: z.strictObject({ email: nonEmpty(320), oauth: oauthRefSchema }),
  finishSignIn: z.strictObject({ flowId: nonEmpty(200), account: accountInputSchema }),
  listInvitationPage: invitationPageRequestSchema,
  getMessage: messageRequestSchema,
  getMessagePart: messagePartRequestSchema,
} as const;

export type ArgSchemas = typeof ARG_SCHEMAS;
export type SchemaMethod = keyof ArgSchemas;

// Every API method has a schema whose output is its argument type, and there is no schema for a method that does
// not exist: a method added to ConveneApi / CHANNELS without a schema here is a compile error.
const coversApi: { [M in ApiMethod]: z.ZodType<ApiArg<M>, unknown> } & Record<Exclude<SchemaMethod, ApiMethod>, never> = ARG_SCHEMAS;
void coversApi;

// The engine's MeetingDraft and the schema's must be the same shape (a compile error here when they drift).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const draftMatches: Same<z.infer<typeof meetingDraftSchema>, MeetingDraft> = true;
void draftMatches;

/** Only plain data crosses the edge: no class instances (a Date, a Map, something with a getter) at any depth. */
function assertPlain(v: unknown, path: string, depth = 0): void {
  if (typeof v !== 'object' || v === null) return;
  if (depth > 20) throw new AppError('BAD_REQUEST', `invalid argument: ${path} is nested too deeply`);
  if (Array.isArray(v)) {
    v.forEach((x, i) => assertPlain(x, `${path}[${i}]`, depth + 1));
    return;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw new AppError('BAD_REQUEST', `invalid argument: ${path} must be a plain object`);
  for (const [k, x] of Object.entries(v)) assertPlain(x, `${path}.${k}`, depth + 1);
}

/** Returns the validated argument for `method`, or throws AppError BAD_REQUEST naming the first bad field. */
export function parseArg<M extends SchemaMethod>(method: M, arg: unknown): z.output<ArgSchemas[M]> {
  const schema = ARG_SCHEMAS[method] as z.ZodType | undefined;
  if (!schema) throw new AppError('BAD_REQUEST', `unknown method: ${String(method)}`);
  assertPlain(arg, 'arg');
  const r = schema.safeParse(arg);
  if (r.success) return r.data as z.output<ArgSchemas[M]>;
  const issue = r.error.issues[0]!;
  const path = ['arg', ...issue.path.map(String)].join('.');
  const what = issue.code === 'unrecognized_keys' ? `has keys that are not allowed: ${issue.keys.join(', ')}` : issue.message;
  throw new AppError('BAD_REQUEST', `invalid argument: ${path} ${what}`);
}
