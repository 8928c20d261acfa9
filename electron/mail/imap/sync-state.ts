// Where each mailbox's sync stands, per account: UIDVALIDITY, HIGHESTMODSEQ and the last UID fully processed.
// Saved after every batch (after the store commit), so a dropped connection or a killed process resumes from the
// last finished batch; anything re-read below that point is recognised by the store's processed keys and the
// server keyword, so nothing is applied twice.
//
// Plans (RFC 7162 CONDSTORE/QRESYNC, RFC 3501 UIDs):
//  - UIDVALIDITY changed: the UIDs mean other messages now → start over (processed keys include UIDVALIDITY).
//  - CONDSTORE and HIGHESTMODSEQ unchanged and UIDNEXT unchanged: nothing happened → no command at all.
//  - CONDSTORE, HIGHESTMODSEQ moved: new mail by UID range (lastUid+1:*), then UID FETCH <tracked> (FLAGS)
//    (CHANGEDSINCE modseq) for flag/keyword changes made elsewhere, and a UID SEARCH compare of the tracked UIDs
//    for expunges (RFC 7162 §3.2.10: an expunge raises HIGHESTMODSEQ).
//  - no CONDSTORE: UID FETCH lastUid+1:* for new messages; when MESSAGES is below what the saved count plus the new
//    messages (minus our own moves) predicts, something was expunged: a UID SEARCH compare of the tracked UIDs.
// "Tracked" = the UIDs of this mailbox's messages with calendar parts (2% of a typical mailbox): the only messages
// whose flags or expunges mean anything here, so the compare costs a few hundred bytes, not one UID per message.
import { readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { PRIVATE_FILE, ensurePrivateDirSync } from '../../store/durable-file';
import { join } from 'node:path';
import type { MailboxObject } from 'imapflow';

export interface MailboxSyncState {
  uidValidity: string;
  /** HIGHESTMODSEQ at the end of the last completed sync, as a decimal string (bigint); null without CONDSTORE. */
  highestModseq: string | null;
  /** Every UID up to this one has been through detection (and processing). */
  lastUid: number;
  /** UIDNEXT seen at the last completed sync. */
  uidNext: number;
  /** The initial pass finished (later passes are incremental). */
  initialDone: boolean;
  /** Message count at the last completed sync (for the full-compare fallback). */
  exists: number;
  lastSync: string | null;
  /** UIDs of messages with calendar parts (processed), for flag sync and expunge detection; absent in old files. */
  tracked?: number[];
}

export type SyncPlan =
  | { kind: 'unchanged' }
  | { kind: 'initial'; fromUid: number; reason: string }
  | { kind: 'condstore'; changedSince: bigint; fromUid: number }
  | { kind: 'uid-range'; fromUid: number };

export function planSync(saved: MailboxSyncState | null, mb: Pick<MailboxObject, 'uidValidity' | 'uidNext' | 'highestModseq' | 'exists' | 'noModseq'>, condstore: boolean): SyncPlan {
  const validity = String(mb.uidValidity);
  if (!saved || saved.uidValidity !== validity) return { kind: 'initial', fromUid: 1, reason: saved ? 'UIDVALIDITY changed' : 'first sync' };
  if (!saved.initialDone) return { kind: 'initial', fromUid: saved.lastUid + 1, reason: 'resuming the initial sync' };
  const hasModseq = condstore && !mb.noModseq && mb.highestModseq !== undefined && saved.highestModseq !== null;
  if (hasModseq) {
    if (BigInt(saved.highestModseq!) === mb.highestModseq && saved.uidNext === mb.uidNext) return { kind: 'unchanged' };
    return { kind: 'condstore', changedSince: BigInt(saved.highestModseq!), fromUid: saved.lastUid + 1 };
  }
  if (saved.uidNext === mb.uidNext && saved.exists === mb.exists) return { kind: 'unchanged' };
  return { kind: 'uid-range', fromUid: saved.lastUid + 1 };
}

/** JSON per account in DIR/<accountId>.json, replaced atomically (write temp + rename). */
export class SyncStateStore {
  private cache = new Map<string, Record<string, MailboxSyncState>>();

  constructor(private readonly dir: string) {}

  private file(accountId: string): string {
    return join(this.dir, `${accountId.replace(/[^a-zA-Z0-9_-]/g, '_')}.json`);
  }

  private load(accountId: string): Record<string, MailboxSyncState> {
    let m = this.cache.get(accountId);
    if (m) return m;
    m = {};
    const f = this.file(accountId);
    if (existsSync(f)) {
      try {
        m = JSON.parse(readFileSync(f, 'utf8')) as Record<string, MailboxSyncState>;
      } catch {
        // A torn file (crash mid-write cannot happen with rename, but a disk error can): start over; the processed
        // keys and the server keyword keep this from applying anything twice.
        m = {};
      }
    }
    this.cache.set(accountId, m);
    return m;
  }

  get(accountId: string, mailbox: string): MailboxSyncState | null {
    const s = this.load(accountId)[mailbox];
    return s ? { ...s } : null;
  }

  set(accountId: string, mailbox: string, state: MailboxSyncState): void {
    const m = this.load(accountId);
    m[mailbox] = { ...state };
    ensurePrivateDirSync(this.dir);
    const f = this.file(accountId);
    const tmp = `${f}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(m, null, 1), { mode: PRIVATE_FILE });
    renameSync(tmp, f);
  }

  reset(accountId: string): void {
    this.cache.set(accountId, {});
    ensurePrivateDirSync(this.dir);
    writeFileSync(this.file(accountId), '{}', { mode: PRIVATE_FILE });
  }
}
