// Moving processed invitation mails to the folder the user picked. MOVE (RFC 6851) when the server has it;
// otherwise COPY, then \Deleted and UID EXPUNGE (RFC 4315) on just those UIDs, or plain EXPUNGE when the server
// lacks UIDPLUS (which could also expunge other \Deleted messages: the price of such servers, as in other clients).
import type { ImapFlow } from 'imapflow';
import { compressUids } from './keywords';

export interface MoveResult {
  moved: number;
  method: 'move' | 'copy+expunge' | 'none';
}

export async function ensureFolder(client: ImapFlow, path: string): Promise<void> {
  const list = await client.list();
  if (list.some((f) => f.path === path)) return;
  await client.mailboxCreate(path);
}

export async function moveMessages(client: ImapFlow, uids: number[], destination: string, opts: { forceCopy?: boolean } = {}): Promise<MoveResult> {
  if (!uids.length) return { moved: 0, method: 'none' };
  const range = compressUids(uids);
  const caps = client.capabilities;
  if (caps.has('MOVE') && !opts.forceCopy) {
    await client.messageMove(range, destination, { uid: true });
    return { moved: uids.length, method: 'move' };
  }
  const copied = await client.messageCopy(range, destination, { uid: true });
  if (!copied) throw new Error(`COPY to ${destination} failed`);
  await client.messageFlagsAdd(range, ['\\Deleted'], { uid: true });
  // UID EXPUNGE with UIDPLUS removes only these; imapflow's messageDelete picks it when available.
  await client.messageDelete(range, { uid: true });
  return { moved: uids.length, method: 'copy+expunge' };
}
