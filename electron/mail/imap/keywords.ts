// The processed marker. After an outcome is stored, the message gets the keyword below (RFC 3501 §2.3.2 user
// keywords), so a re-sync (a lost local state, a new UIDVALIDITY) and a second device running Convene see it was
// applied and do not apply it again. A keyworded message is still listed in its event's thread.
import type { ImapFlow, MailboxObject } from 'imapflow';

export const PROCESSED_KEYWORD = '$ConveneProcessed';

/** Whether the selected mailbox lets us store our keyword (PERMANENTFLAGS contains \* or the keyword itself). */
export function canStoreKeyword(mailbox: MailboxObject | false | undefined | null): boolean {
  if (!mailbox || mailbox.readOnly) return false;
  const pf = mailbox.permanentFlags;
  if (!pf) return true; // PERMANENTFLAGS absent: RFC 3501 says all flags can be changed permanently
  return pf.has('\\*') || pf.has(PROCESSED_KEYWORD);
}

export function hasProcessedKeyword(flags: Set<string> | undefined | null): boolean {
  if (!flags) return false;
  for (const f of flags) if (f.toLowerCase() === PROCESSED_KEYWORD.toLowerCase()) return true;
  return false;
}

/** Sets the keyword on UIDs of the selected mailbox (one UID STORE, silent). */
export async function markProcessedOnServer(client: ImapFlow, uids: number[]): Promise<void> {
  if (!uids.length) return;
  await client.messageFlagsAdd(compressUids(uids), [PROCESSED_KEYWORD], { uid: true, silent: true } as never);
}

/** [1,2,3,7,9,10] → '1:3,7,9:10' (IMAP sequence set, RFC 3501 §9). */
export function compressUids(uids: number[]): string {
  const s = [...new Set(uids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    parts.push(i === j ? String(s[i]) : `${s[i]}:${s[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
