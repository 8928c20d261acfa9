// Errors for people (issue 11 §17): one short sentence per failure, with one piece of advice, no raw library text
// (no "error:0A00010B:SSL routines::wrong version number"). The raw message stays available for a details view.
// One small module so the account screens (setup, status, outbox) say the same thing the same way.

export interface HumanError {
  /** One sentence, with the advice (at most one). */
  text: string;
  /** The technical message, for a "details" disclosure; null when it adds nothing. */
  detail: string | null;
}

const SERVER = /(?:server|to|at)\s+([a-z0-9.-]+\.[a-z0-9-]+|\[[0-9a-f:.]+\]|\d+\.\d+\.\d+\.\d+|[a-z0-9-]+(?=:\d))(?::(\d+))?/i;

function where(message: string): string {
  const m = SERVER.exec(message);
  return m ? ` ${m[1]}${m[2] ? `:${m[2]}` : ''}` : '';
}

/** The human sentence for an error code (ErrorCode of shared/errors.ts, or an outbox's last error text). */
export function humanError(err: { code?: string | null; message?: string | null } | string | null | undefined): HumanError {
  if (!err) return { text: '', detail: null };
  const code = typeof err === 'string' ? '' : (err.code ?? '');
  const message = (typeof err === 'string' ? err : (err.message ?? '')).trim();
  const at = where(message);
  const c = code || guessCode(message);
  const texts: Record<string, string> = {
    IMAP_AUTH: `The mail server${at} refused the user name or password. Check them in the account settings.`,
    SMTP_AUTH: `The sending server${at} refused the user name or password. Check them in the account settings.`,
    IMAP_TLS: `No secure connection to the mail server${at}. Check the port and the security setting (TLS or STARTTLS).`,
    SMTP_TLS: `No secure connection to the sending server${at}. Check the port and the security setting (TLS or STARTTLS).`,
    IMAP_DNS: `The mail server name${at} was not found. Check the host name.`,
    SMTP_DNS: `The sending server name${at} was not found. Check the host name.`,
    IMAP_UNAVAILABLE: `The mail server${at} cannot be reached. Convene keeps trying.`,
    SMTP_UNAVAILABLE: `The sending server${at} cannot be reached. Convene keeps trying.`,
    SMTP_REJECTED: `The sending server${at} refused the message.`,
    IMAP_PROTOCOL: `The mail server${at} refused a command.`,
    FORBIDDEN: 'This page may not use Convene. Open the address Convene printed when it started.',
  };
  const text = texts[c] ?? (message ? firstSentence(message) : 'Something went wrong.');
  return { text, detail: message && message !== text ? message : null };
}

function guessCode(message: string): string {
  if (/ssl routines|wrong version number|certificate|self[- ]signed|tls/i.test(message)) return /smtp/i.test(message) ? 'SMTP_TLS' : 'IMAP_TLS';
  if (/authentication failed|535|invalid credentials|login failed/i.test(message)) return /imap/i.test(message) ? 'IMAP_AUTH' : 'SMTP_AUTH';
  if (/ENOTFOUND|EAI_AGAIN|cannot resolve/i.test(message)) return /imap/i.test(message) ? 'IMAP_DNS' : 'SMTP_DNS';
  if (/ECONNREFUSED|ETIMEDOUT|unreachable|not reachable|EHOSTUNREACH/i.test(message)) return /imap/i.test(message) ? 'IMAP_UNAVAILABLE' : 'SMTP_UNAVAILABLE';
  return '';
}

/** The first sentence of a message, without library prefixes ('Error: ', 'error:0A00010B:SSL routines::'). */
function firstSentence(message: string): string {
  const m = message.replace(/^(\w*Error:\s*)+/, '').replace(/error:[0-9A-F]+:[^:]*::?/gi, '');
  const cut = m.split(/(?<=[.!?])\s|:\s(?=check|try)/i)[0] ?? m;
  const s = cut.trim();
  if (!s) return 'Something went wrong.';
  return /[.!?]$/.test(s) ? s.charAt(0).toUpperCase() + s.slice(1) : `${s.charAt(0).toUpperCase() + s.slice(1)}.`;
}
