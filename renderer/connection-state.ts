// What the sidebar and the status screen say about the connection (issue 11 §17): receiving (IMAP) and sending
// (SMTP) per account, and a failing outbox, so the app never says "Online" while sending fails. Pure.
import { OUTBOX_WAITING_FOR_ACCOUNT, type AccountStatus, type AppStatus, type OutboxItemView } from '../shared/api';
import { humanError } from '../shared/present/error-text';

export type Tone = 'ok' | 'warn' | 'bad' | 'off';

export interface SendState {
  tone: Tone;
  /** 'working', 'failing: …', 'not used yet', 'waiting to retry' */
  text: string;
}

/** Whether an outbox item shows that sending does not work (failed, or retrying after an error). */
export function isFailing(m: OutboxItemView): boolean {
  if (m.state === 'failed') return true;
  return (m.state === 'queued' || m.state === 'sending') && m.attempts > 0 && !!m.lastError && m.lastError !== OUTBOX_WAITING_FOR_ACCOUNT;
}

/** SMTP for one account, from its outbox items: the newest attempt decides. */
export function sendState(accountId: string, outbox: OutboxItemView[], first: boolean): SendState {
  const mine = outbox.filter((m) => m.accountId === accountId || (m.accountId === null && first));
  const failing = mine.filter(isFailing);
  if (failing.length) return { tone: 'bad', text: `failing: ${humanError(failing[0]!.lastError).text}` };
  const sent = mine.filter((m) => m.state === 'sent');
  const waiting = mine.filter((m) => m.state === 'queued' || m.state === 'sending');
  if (waiting.length) return { tone: 'warn', text: `${waiting.length} waiting to be sent` };
  if (sent.length) return { tone: 'ok', text: 'working' };
  return { tone: 'ok', text: 'nothing sent yet' };
}

export function receiveState(a: AccountStatus): SendState {
  if (a.state === 'error' || a.lastError) return { tone: 'bad', text: `failing: ${humanError(a.lastError).text}` };
  if (a.online) return { tone: 'ok', text: a.state === 'syncing' ? 'synchronising' : 'connected' };
  if (a.state === 'connecting') return { tone: 'warn', text: 'connecting' };
  return { tone: 'off', text: 'offline' };
}

export interface Summary {
  tone: Tone;
  label: string;
  /** One line per problem, shown under the label. */
  lines: string[];
}

/** The sidebar's one-line state. */
export function connectionSummary(status: AppStatus | null, outbox: OutboxItemView[], accountCount: number): Summary {
  if (accountCount === 0) return { tone: 'off', label: 'Offline (no account)', lines: status && status.outbox.queued ? [`${status.outbox.queued} waiting for an account`] : [] };
  if (!status) return { tone: 'off', label: 'Connecting…', lines: [] };
  const failing = outbox.filter(isFailing);
  const receiving = status.accounts.map(receiveState);
  const lines: string[] = [];
  if (receiving.some((r) => r.tone === 'bad')) lines.push('Receiving mail fails');
  if (failing.length) lines.push(`Sending fails (${failing.length} in the outbox)`);
  const online = status.accounts.some((a) => a.online);
  if (lines.length) return { tone: 'bad', label: online ? 'Connected, with problems' : 'Not connected', lines };
  const queued = status.outbox.queued;
  return { tone: online ? 'ok' : 'off', label: online ? 'Online' : 'Offline', lines: queued ? [`${queued} waiting to be sent`] : [] };
}
