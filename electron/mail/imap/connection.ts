// The imapflow client factory and the one place imapflow/socket failures become AppErrors.
//
// Security: 'tls' = implicit TLS (993), 'starttls' = plain connect then STARTTLS, required (doSTARTTLS: true fails
// when the server does not offer it), 'none' = plaintext (local test servers; never chosen by default).
// Auth: a password, or an OAuth2 access token (imapflow sends AUTHENTICATE XOAUTH2 / OAUTHBEARER for accessToken).
import { createRequire } from 'node:module';
import { ImapFlow as ImapFlowEsm, type ImapFlowOptions } from 'imapflow';
import type { ImapFlow } from 'imapflow';
import type { Security } from '../../../shared/api';
import { AppError, type ErrorCode } from '../../../shared/errors';

export interface ImapConnectParams {
  host: string;
  port: number;
  security: Security;
  user: string;
  password?: string;
  accessToken?: string;
  /** Connect + greeting timeout (default 15 s). */
  timeoutMs?: number;
  /** Extra TLS options (a test CA, servername). */
  tls?: ImapFlowOptions['tls'];
}

export function imapOptions(p: ImapConnectParams): ImapFlowOptions {
  const timeout = p.timeoutMs ?? 15_000;
  return {
    host: p.host,
    port: p.port,
    secure: p.security === 'tls',
    doSTARTTLS: p.security === 'starttls' ? true : p.security === 'none' ? false : undefined,
    auth: p.accessToken ? { user: p.user, accessToken: p.accessToken } : { user: p.user, pass: p.password ?? '' },
    logger: false,
    // We drive IDLE ourselves (idle.ts): imapflow's auto-IDLE would start only after its own delay.
    disableAutoIdle: true,
    // No ENABLE CONDSTORE/QRESYNC: once enabled, imapflow adds MODSEQ to every FETCH, which costs about 20% of the
    // detection pass's parsing time (measured: 980 → 800 ms for 20,000 BODYSTRUCTUREs). Change detection only needs
    // STATUS (HIGHESTMODSEQ), which works with the CONDSTORE capability alone (RFC 7162 §3.1.1).
    disableAutoEnable: true,
    qresync: false,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: 5 * 60_000,
    tls: { rejectUnauthorized: true, ...(p.tls ?? {}) },
    clientInfo: { name: 'Convene', version: '0.1.0' },
  } as ImapFlowOptions;
}

// imapflow 2.1 compiles every server response back to text for its debug log, even with `logger: false`. For the
// detection pass that is a third of the client's CPU time (measured: 20,000 FETCH BODYSTRUCTURE responses, 450 of
// 1,500 ms). Its CommonJS build looks the compiler up on the handler module at each call, so we load that build
// and skip the logging compile for untagged FETCH responses only (imapflow itself logs those at trace level and
// calls them "too many"). Every other use of the compiler (commands, error texts) is untouched. If the layout of
// the package ever changes, the patch is skipped and the ESM build is used as is.
// Second shortcut, same wrapper: imapflow turns each FETCH item name (UID, BODYSTRUCTURE, FLAGS) back into text by
// running the full compiler on it, twice per message in the detection pass (measured with --cpu-prof: about 55 ms
// of a 600 ms warm pass). A bare atom without a section or partial compiles to itself, so it is returned as is.
// imapflow 2.10 skips the logging compile itself when the log level is off; the atom compile is still there.
type ImapFlowCtor = typeof ImapFlowEsm;
let ImapFlowImpl: ImapFlowCtor | null = null;

function imapFlowClass(): ImapFlowCtor {
  if (ImapFlowImpl) return ImapFlowImpl;
  ImapFlowImpl = ImapFlowEsm;
  try {
    // createRequire, not `require`: bundlers replace a bare `require` in ESM output with a shim that throws.
    const req = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
    const handler = req('imapflow/lib/handler/imap-handler.js') as { compiler: (r: unknown, o?: { isLogging?: boolean }) => Promise<Buffer> | Buffer };
    const cjs = req('imapflow') as { ImapFlow?: ImapFlowCtor };
    const original = handler.compiler;
    if (typeof original === 'function' && cjs.ImapFlow && !(original as { conveneSkip?: boolean }).conveneSkip) {
      const empty = Buffer.alloc(0);
      const plainAtom = /^[A-Za-z0-9.-]+$/;
      // imapflow 2.1's compiler is async, 2.10's is sync: answer in the same kind.
      const probe = original({ attributes: [{ type: 'ATOM', value: 'UID' }] });
      const same = probe instanceof Promise ? (b: Buffer) => Promise.resolve(b) : (b: Buffer) => b;
      const wrapped = (resp: unknown, opts?: { isLogging?: boolean }): Promise<Buffer> | Buffer => {
        const r = resp as { tag?: string; attributes?: { type?: string; value?: unknown; section?: unknown; partial?: unknown }[] } | null;
        if (opts?.isLogging && r?.tag === '*' && r.attributes?.[0]?.value === 'FETCH') return same(empty);
        const a = !opts && r && r.tag === undefined && r.attributes?.length === 1 ? r.attributes[0] : undefined;
        if (a && a.type === 'ATOM' && !a.section && !a.partial && typeof a.value === 'string' && plainAtom.test(a.value)) return same(Buffer.from(a.value));
        return original(resp, opts);
      };
      (wrapped as { conveneSkip?: boolean }).conveneSkip = true;
      handler.compiler = wrapped;
      ImapFlowImpl = cjs.ImapFlow;
    } else if (cjs.ImapFlow) {
      ImapFlowImpl = cjs.ImapFlow;
    }
  } catch {
    ImapFlowImpl = ImapFlowEsm;
  }
  return ImapFlowImpl;
}

export function createImapClient(p: ImapConnectParams): ImapFlow {
  const Impl = imapFlowClass();
  const client = new Impl(imapOptions(p));
  // imapflow emits 'error' on socket failures; without a listener Node would crash the process.
  client.on('error', () => {});
  return client;
}

/** Connects and logs in; any failure is thrown as a readable AppError. */
export async function connectImap(p: ImapConnectParams): Promise<ImapFlow> {
  const client = createImapClient(p);
  try {
    await client.connect();
  } catch (err) {
    try {
      client.close();
    } catch {
      /* already closed */
    }
    throw mapImapError(err, p);
  }
  return client;
}

const TLS_CODES = /^(ERR_SSL_|ERR_TLS_|EPROTO$|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT)/;
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ECONNABORTED', 'NoConnection', 'CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'ETIMEOUT', 'EConnectionClosed', 'ClosedAfterConnectTLS', 'ClosedAfterConnectText']);

interface ImapErrorLike {
  code?: string;
  message?: string;
  authenticationFailed?: boolean;
  serverResponseCode?: string;
  responseText?: string;
  responseStatus?: string;
  cause?: unknown;
}

/** Maps imapflow and socket errors to AppError codes, once (ARCHITECTURE: errors are values at the edges). */
export function mapImapError(err: unknown, where: { host: string; port: number; user?: string }): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as ImapErrorLike;
  const code = e.code ?? '';
  const msg = e.message ?? String(err);
  const at = `${where.host}:${where.port}`;
  const make = (c: ErrorCode, m: string, retryable: boolean) => new AppError(c, m, retryable, { cause: err });

  if (e.authenticationFailed || e.serverResponseCode === 'AUTHENTICATIONFAILED' || /authenticat(ion|e) failed|invalid credentials|login failed/i.test(msg)) {
    return make('IMAP_AUTH', `The IMAP server ${at} rejected the login${where.user ? ` for ${where.user}` : ''}: check the user name and password`, false);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return make('IMAP_DNS', `The IMAP server name ${where.host} could not be found (DNS): check the host name`, code === 'EAI_AGAIN');
  }
  if (TLS_CODES.test(code) || /wrong version number|ssl|tls|certificate|handshake|packet length too long|self[- ]signed/i.test(msg)) {
    return make('IMAP_TLS', `A secure (TLS) connection to ${at} failed: ${msg}. Check the port and the security setting (TLS, STARTTLS or none)`, false);
  }
  if (UNAVAILABLE_CODES.has(code) || /timed? ?out|closed|refused|unavailable|socket|connect/i.test(msg)) {
    return make('IMAP_UNAVAILABLE', `The IMAP server ${at} is not reachable (${code || msg}): check the host and port, or try again later`, true);
  }
  if (e.responseStatus === 'NO' || e.responseStatus === 'BAD') {
    return make('IMAP_PROTOCOL', `The IMAP server ${at} refused a command: ${e.responseText ?? msg}`, false);
  }
  return make('IMAP_UNAVAILABLE', `IMAP connection to ${at} failed: ${msg}`, true);
}

/**
 * Throws IMAP_UNAVAILABLE unless the connection is up with a mailbox selected (`path`, when given).
 *
 * Why it exists: imapflow's fetch() and search() do not fail on a dead connection, they return nothing ("no mailbox
 * selected, nothing to do"), and close() (run when the socket dies) deselects the mailbox. A connection that drops
 * between two commands of a sync window therefore reads as an empty window: without this check the sync would record
 * the window as seen and resume after it on reconnect, never processing the messages in it. Called after every
 * read whose empty answer would be believed.
 */
export function assertSelected(client: ImapFlow, path?: string): void {
  const mb = client.mailbox;
  if (!client.usable || !mb || (path !== undefined && mb.path !== path)) {
    throw new AppError('IMAP_UNAVAILABLE', `IMAP connection lost${path ? ` while reading ${path}` : ''}`, true);
  }
}
