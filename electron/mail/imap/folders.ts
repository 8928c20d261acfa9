// Which mailboxes are read: INBOX (invitations to me) and Sent, found by SPECIAL-USE (RFC 6154), so invitations I
// sent from another client are seen too. Trash, Junk and Drafts are skipped: a deleted or spam invitation must not
// change the calendar, and a draft was never sent.
import type { ImapFlow, ListResponse } from 'imapflow';

export interface SyncFolder {
  path: string;
  role: 'inbox' | 'sent';
}

const SKIPPED = new Set(['\\Trash', '\\Junk', '\\Drafts']);
// Without SPECIAL-USE, common names of the Sent folder (imapflow also guesses specialUse from names).
const SENT_NAMES = /^(sent|sent items|sent messages|sent mail|gesendet|envoyés|enviados|inviati)$/i;

export function pickFolders(list: ListResponse[]): SyncFolder[] {
  const out: SyncFolder[] = [{ path: 'INBOX', role: 'inbox' }];
  const usable = list.filter((f) => !f.flags.has('\\Noselect') && !f.flags.has('\\NonExistent') && !SKIPPED.has(f.specialUse ?? ''));
  const sent = usable.find((f) => f.specialUse === '\\Sent' && f.specialUseSource !== 'name') ?? usable.find((f) => f.specialUse === '\\Sent' || SENT_NAMES.test(f.name));
  if (sent && sent.path.toUpperCase() !== 'INBOX') out.push({ path: sent.path, role: 'sent' });
  return out;
}

export async function listSyncFolders(client: ImapFlow): Promise<SyncFolder[]> {
  return pickFolders(await client.list());
}
