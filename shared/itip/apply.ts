// The one apply path: a Decision (decide.ts / process.ts) becomes the store changes to commit, as plain data.
//
// Every caller that turns a message into calendar state plans here: the IMAP sync (sync-service.ts), a file the user
// opens (opened-files service), a held invitation the user lets in (pending service) and `convene process`. The
// store applies the changes in one atomic commit; nothing here does I/O, so the rules are tested as data.
//
// The rules, once:
// - `decision.next` is put (the next stored state for the UID, pending items included);
// - each applied message gets its processed record (keyed by the caller: content hash or account/mailbox/UIDVALIDITY/
//   UID) and its entry in the UID's thread, both carrying the decision's action and reason;
// - a message that changed nothing and came from a file (rejected, not iMIP) leaves no trace: the user saw the
//   outcome, and opening or processing it again decides it again. A mailbox message is always recorded, so the sync
//   does not fetch and decide it again on every pass;
// - a message already recorded keeps its first outcome when it is decided again as a duplicate (a held message
//   re-decided while still held stays "needs-decision", so a later run with another policy can still admit it).

import type { Decision, DecisionAction, StoredEvent } from './types';

/** What the store remembers about one processed message. */
export interface ProcessedRecord {
  action: DecisionAction | string;
  uid: string | null;
  reason: string;
  /** ISO instant the message was processed. */
  at: string;
  account?: string;
  mailbox?: string;
  imapUid?: number;
  messageId?: string | null;
}

/** One message about an event, in the order they were processed. */
export interface ThreadEntry {
  /** The processed key (content hash or account/mailbox/uid) of the message. */
  key: string;
  method: string | null;
  from: string | null;
  subject: string | null;
  date: string | null;
  action: DecisionAction | string;
  reason: string;
  /** ISO instant the sync found the mail gone from the server (expunged, or its mailbox recreated). The calendar
   * is not changed by a deleted mail: the entry stays, marked. */
  deleted?: string;
}

/** One change to the calendar store; a list of them is committed atomically. */
export type StoreChange =
  | { type: 'put'; event: StoredEvent }
  | { type: 'delete'; uid: string }
  | { type: 'processed'; key: string; record: ProcessedRecord }
  | { type: 'thread'; uid: string; entry: ThreadEntry };

/** A message a decision is about, as the caller found it. */
export interface AppliedMessage {
  /** The processed key: `sha256:<hex>` of a file's bytes, or `<account>/<mailbox>/<uidvalidity>/<uid>` of a mail. */
  key: string;
  /** Where it came from: a file leaves no trace when it changed nothing (see the rules above). */
  source: 'file' | 'mailbox';
  method: string | null;
  from: string | null;
  subject: string | null;
  date: string | null;
  messageId?: string | null;
  /** The mail's place on the server, kept in the processed record (to set the keyword later). */
  position?: { account: string; mailbox: string; imapUid: number };
  /** What the store already holds for this key: a message decided again keeps these fields. */
  record?: ProcessedRecord;
  entry?: ThreadEntry;
}

export interface ApplyInput {
  decision: Decision;
  /** The messages the decision applies: one for new mail and files; the held mails when the user admits them. */
  messages: readonly AppliedMessage[];
  /** ISO instant of the processing. */
  at: string;
}

/** Decisions that applied nothing: a file with one of these leaves no trace. */
const UNAPPLIED: ReadonlySet<DecisionAction> = new Set(['rejected', 'not-imip']);

/** The UID a decision concerns, when any: the next state's, else the one the decider named. */
export function decisionUid(decision: Decision): string | null {
  return decision.next?.uid ?? decision.uid ?? null;
}

/** The store changes for one decision (see the rules at the top). Pure: same input, same changes. */
export function planApply(input: ApplyInput): StoreChange[] {
  const { decision, at } = input;
  const uid = decisionUid(decision);
  const changes: StoreChange[] = [];
  if (decision.next) changes.push({ type: 'put', event: decision.next });
  for (const m of input.messages) {
    if (m.source === 'file' && UNAPPLIED.has(decision.action)) continue;
    if (m.record && decision.action === 'duplicate' && !decision.next) continue;
    changes.push({
      type: 'processed',
      key: m.key,
      record: {
        ...m.record,
        action: decision.action,
        uid,
        reason: decision.reason,
        at,
        ...(m.position ? { account: m.position.account, mailbox: m.position.mailbox, imapUid: m.position.imapUid } : {}),
        messageId: m.messageId ?? m.record?.messageId ?? null,
      },
    });
    if (uid) {
      changes.push({
        type: 'thread',
        uid,
        entry: {
          ...m.entry,
          key: m.key,
          method: m.method,
          from: m.from,
          subject: m.subject,
          date: m.date,
          action: decision.action,
          reason: decision.reason,
        },
      });
    }
  }
  return changes;
}
