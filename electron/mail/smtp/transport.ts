// nodemailer in one place: a transport per account (TLS / STARTTLS / none, AUTH), and nodemailer's error codes mapped
// once to AppError, with `retryable` telling the outbox whether to back off and try again or keep the message as
// failed (RFC 5321 §4.2.1: 4yz is a transient negative completion, 5yz a permanent one).
import nodemailer from 'nodemailer';
import type { ServerSettings } from '../../../shared/api';
import { AppError } from '../../../shared/errors';

export interface SmtpAccount {
  smtp: ServerSettings;
  /** null: no AUTH (a relay on the local network, a test server). */
  password: string | null;
  /** OAuth2 accounts: the access token, sent with AUTH XOAUTH2 (nodemailer's OAuth2 auth type). */
  accessToken?: string;
}

/** What the outbox hands to the transport: the stored bytes and the envelope, nothing rebuilt. */
export interface SendItem {
  id: string;
  accountId: string | null;
  messageId: string;
  envelope: { from: string; to: string[] };
  raw: Uint8Array;
}

export interface SendResult {
  /** Recipients the server refused while accepting the message for the others. */
  rejected: string[];
}

// Kept loose on purpose: nodemailer's transport types differ between its bundled and @types declarations.
interface MailTransport {
  sendMail(mail: Record<string, unknown>): Promise<{ accepted?: unknown[]; rejected?: unknown[] }>;
  close(): void;
}

/** A nodemailer SMTP transport for one account. No pooling: each send is one short connection. */
export function createSmtpTransport(acc: SmtpAccount): MailTransport {
  const { host, port, security, user } = acc.smtp;
  const opts: Record<string, unknown> = {
    host,
    port,
    // 'tls': implicit TLS (port 465); 'starttls': plain connect, STARTTLS required; 'none': never upgrade.
    secure: security === 'tls',
    requireTLS: security === 'starttls',
    ignoreTLS: security === 'none',
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
    dnsTimeout: 15_000,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  if (acc.accessToken && user) opts.auth = { type: 'OAuth2', user, accessToken: acc.accessToken };
  else if (acc.password !== null && user) opts.auth = { user, pass: acc.password };
  return nodemailer.createTransport(opts) as unknown as MailTransport;
}

/** Sends the stored bytes as they are (same Message-ID on every attempt) with an explicit envelope. */
export async function sendWith(transport: MailTransport, item: SendItem): Promise<SendResult> {
  try {
    const info = await transport.sendMail({
      envelope: { from: item.envelope.from, to: item.envelope.to },
      raw: Buffer.from(item.raw.buffer, item.raw.byteOffset, item.raw.byteLength),
    });
    return { rejected: (info.rejected ?? []).map((r) => String(typeof r === 'object' && r && 'address' in r ? (r as { address: string }).address : r)) };
  } catch (err) {
    throw mapSmtpError(err);
  }
}

/**
 * Resolves accounts to transports (cached per account; `invalidate` after settings change) and sends.
 * Use as the outbox's `sendRaw` dependency.
 */
export function smtpSender(resolve: (accountId: string | null) => Promise<SmtpAccount>): {
  sendRaw(item: SendItem): Promise<SendResult>;
  invalidate(accountId?: string | null): void;
  close(): void;
} {
  const cache = new Map<string, { key: string; t: MailTransport }>();
  return {
    async sendRaw(item) {
      const acc = await resolve(item.accountId);
      const key = JSON.stringify([acc.smtp, acc.password, acc.accessToken ?? null]);
      const k = item.accountId ?? '';
      let entry = cache.get(k);
      if (!entry || entry.key !== key) {
        entry?.t.close();
        entry = { key, t: createSmtpTransport(acc) };
        cache.set(k, entry);
      }
      return sendWith(entry.t, item);
    },
    invalidate(accountId) {
      if (accountId === undefined) {
        for (const e of cache.values()) e.t.close();
        cache.clear();
      } else {
        cache.get(accountId ?? '')?.t.close();
        cache.delete(accountId ?? '');
      }
    },
    close() {
      for (const e of cache.values()) e.t.close();
      cache.clear();
    },
  };
}

interface NodemailerError {
  code?: string;
  responseCode?: number;
  response?: string;
  message?: string;
  rejected?: unknown[];
}

/** nodemailer's error → AppError. `retryable` = transient: back off and try again; otherwise keep as failed. */
export function mapSmtpError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = (err ?? {}) as NodemailerError;
  const msg = (e.response || e.message || String(err)).trim();
  const rc = typeof e.responseCode === 'number' ? e.responseCode : null;
  const opts = { cause: err };
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') {
    // A 4xx during AUTH (454 temporary authentication failure) is transient; 535 is a wrong password.
    return new AppError('SMTP_AUTH', `authentication failed: ${msg}`, rc !== null && rc >= 400 && rc < 500, opts);
  }
  if (e.code === 'EDNS') return new AppError('SMTP_DNS', `cannot resolve the SMTP server: ${msg}`, true, opts);
  const tlsSocket = (e.code === 'ESOCKET' || e.code === 'ECONNECTION') && /certificate|ssl routines|self[- ]signed|wrong version number/i.test(msg);
  if (e.code === 'ETLS' || e.code === 'EREQUIRETLS' || tlsSocket) {
    return new AppError('SMTP_TLS', `TLS failed: ${msg}`, false, opts);
  }
  if (rc !== null) {
    // RFC 5321 §4.2.1. 503 (bad sequence) is a session-state problem, not a verdict on the message.
    if (rc >= 500 && rc !== 503) return new AppError('SMTP_REJECTED', `rejected by the server: ${msg}`, false, opts);
    if (rc >= 400) return new AppError('SMTP_UNAVAILABLE', `temporarily refused: ${msg}`, true, opts);
  }
  if (e.code === 'EENVELOPE') {
    // No response code: nodemailer refused the envelope itself (no recipients, bad address): permanent.
    return new AppError('SMTP_REJECTED', `rejected envelope: ${msg}`, false, opts);
  }
  if (e.code === 'EMESSAGE' && rc === null) return new AppError('SMTP_UNAVAILABLE', `delivery error: ${msg}`, true, opts);
  if (e.code === 'ECONNECTION' || e.code === 'ETIMEDOUT' || e.code === 'ESOCKET' || e.code === 'EPROTOCOL' || e.code === 'EHLO') {
    return new AppError('SMTP_UNAVAILABLE', `SMTP server unreachable: ${msg}`, true, opts);
  }
  const sys = (err as NodeJS.ErrnoException)?.code;
  if (sys && /^(ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|EPIPE|ETIMEDOUT|EAI_AGAIN)$/.test(sys)) {
    return new AppError('SMTP_UNAVAILABLE', `SMTP server unreachable: ${msg}`, true, opts);
  }
  if (sys === 'ENOTFOUND') return new AppError('SMTP_DNS', `cannot resolve the SMTP server: ${msg}`, true, opts);
  // Unknown: treat as transient so nothing is dropped; the attempt count and last error stay visible.
  return new AppError('SMTP_UNAVAILABLE', `send failed: ${msg}`, true, opts);
}
