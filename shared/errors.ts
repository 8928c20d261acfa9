// Errors are values at the edges: adapters (imapflow, nodemailer, fs) map their failures to these codes once,
// so the UI can show a readable message and decide whether a retry makes sense.

export type ErrorCode =
  | 'IMAP_AUTH'
  | 'IMAP_UNAVAILABLE'
  | 'IMAP_TLS'
  | 'IMAP_DNS'
  | 'IMAP_PROTOCOL'
  | 'SMTP_AUTH'
  | 'SMTP_UNAVAILABLE'
  | 'SMTP_TLS'
  | 'SMTP_DNS'
  | 'SMTP_REJECTED'
  | 'ICS_INVALID'
  | 'ITIP_INVALID'
  | 'NOT_FOUND'
  | 'BAD_REQUEST'
  | 'FORBIDDEN'
  | 'STORE_IO'
  /** The calendar store's files are damaged (not a torn tail): nothing is written until `convene store repair`. */
  | 'STORE_CORRUPT'
  | 'CONFLICT'
  | 'INTERNAL'
  // A stored password (or sign-in) is bound to the host, port and security it was stored for (issue 10 §5):
  // the request changed one of them without giving the password again.
  | 'PASSWORD_REQUIRED'
  // OAuth2 sign-in (issue 12): no client id configured; the provider refused; the user cancelled the consent; the
  // sign-in (or its code) expired; the grant was revoked or expired (sign in again); the mail server rejected a fresh
  // access token.
  | 'OAUTH_NOT_CONFIGURED'
  | 'OAUTH_REFUSED'
  | 'OAUTH_CANCELLED'
  | 'OAUTH_EXPIRED'
  | 'OAUTH_REVOKED'
  | 'OAUTH_TOKEN_REJECTED';

export interface AppErrorData {
  code: ErrorCode;
  message: string;
  retryable: boolean;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppErrorData };

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  constructor(code: ErrorCode, message: string, retryable = false, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.retryable = retryable;
  }
  toData(): AppErrorData {
    return { code: this.code, message: this.message, retryable: this.retryable };
  }
}

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function fail<T = never>(code: ErrorCode, message: string, retryable = false): Result<T> {
  return { ok: false, error: { code, message, retryable } };
}

/** Turns anything thrown into a Result error; unknown errors are bugs and stay INTERNAL. */
export function toErrorData(err: unknown): AppErrorData {
  if (err instanceof AppError) return err.toData();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message, retryable: false };
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
