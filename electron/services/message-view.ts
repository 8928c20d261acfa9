// The invitation's own mail (issue 11 §12): what the organizer wrote around the calendar part, and its
// attachments. The bytes come from where the mail lives: the IMAP server for synced mail (fetched on demand, never
// stored), the kept copy for an opened file. Parsing is the engine's MIME reader (shared/itip/mime.ts), the same
// one detection uses, so part paths are IMAP BODYSTRUCTURE paths.
import { mkdirSync, readFileSync, writeFileSync, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { MailAttachmentView, MailView } from '../../shared/api';
import { AppError } from '../../shared/errors';
import { readMimeSync } from '../../shared/itip/mime';
import { contentKey } from './files-service';
import type { MimeNode } from '../../shared/itip/types';

export interface MessageSourceDeps {
  /** The processed record of a synced mail: where it lives. */
  record(key: string): { account?: string; mailbox?: string; imapUid?: number } | undefined;
  fetch(accountId: string, mailbox: string, uidValidity: string, uid: number): Promise<Uint8Array | null>;
  /** Directory holding the bytes of opened files, by content hash. */
  filesDir: string;
  /** Whether the thread of `uid` holds `key` (no reading of mails outside the invitation's thread). */
  inThread(uid: string, key: string): boolean;
}

const MAX_TEXT = 1024 * 1024;
const MAX_ATTACHMENTS = 200;

/** Keeps an opened file's bytes so its mail can be shown later (by its content key). Idempotent. */
export function keepOpenedFile(filesDir: string, bytes: Uint8Array): void {
  const name = fileName(contentKey(bytes));
  if (!name) return;
  mkdirSync(filesDir, { recursive: true, mode: 0o700 });
  const path = join(filesDir, name);
  if (existsSync(path)) return;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes, { mode: 0o600 });
  renameSync(tmp, path);
}

function fileName(key: string): string | null {
  const m = /^(?:sha256|file):([0-9a-f]{64})$/.exec(key);
  return m ? `${m[1]}.eml` : null;
}

/** The leaves a reader calls attachments: a filename, or Content-Disposition: attachment (calendar parts too). */
export function attachmentsOf(tree: MimeNode, size: (path: string) => number): MailAttachmentView[] {
  const out: MailAttachmentView[] = [];
  const stack: MimeNode[] = [tree];
  let seen = 0;
  while (stack.length && out.length < MAX_ATTACHMENTS && seen < 10_000) {
    const n = stack.shift()!;
    seen++;
    if (n.children.length) {
      stack.unshift(...n.children);
      continue;
    }
    const isAttachment = !!n.filename || (n.disposition ?? '').toLowerCase() === 'attachment';
    if (!isAttachment) continue;
    out.push({ path: n.path, name: n.filename || `part ${n.path}`, contentType: n.contentType, size: size(n.path) });
  }
  return out;
}

export class MessageSource {
  constructor(private readonly deps: MessageSourceDeps) {}

  private async bytes(uid: string, key: string): Promise<Uint8Array> {
    if (!this.deps.inThread(uid, key)) throw new AppError('NOT_FOUND', 'this message is not part of the invitation');
    const name = fileName(key);
    if (name) {
      try {
        return new Uint8Array(readFileSync(join(this.deps.filesDir, name)));
      } catch {
        throw new AppError('NOT_FOUND', 'the opened file was not kept; open it again to see its mail');
      }
    }
    const rec = this.deps.record(key);
    if (!rec?.account || rec.mailbox === undefined || rec.imapUid === undefined) {
      throw new AppError('NOT_FOUND', 'Convene does not know where this mail is stored');
    }
    const rest = key.slice(`${rec.account}/${rec.mailbox}/`.length);
    const uidValidity = rest.split('/')[0] ?? '';
    const bytes = await this.deps.fetch(rec.account, rec.mailbox, uidValidity, rec.imapUid);
    if (!bytes) throw new AppError('NOT_FOUND', 'this mail is no longer on the server');
    return bytes;
  }

  async view(uid: string, key: string): Promise<MailView> {
    const mail = readMimeSync(await this.bytes(uid, key));
    const clip = (s: string | null) => (s && s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) : s);
    return {
      key,
      from: mail.envelope.from ?? null,
      to: mail.envelope.to?.join(', ') ?? null,
      subject: mail.envelope.subject ?? null,
      date: mail.envelope.date ?? null,
      text: clip(mail.text),
      html: clip(mail.html),
      attachments: attachmentsOf(mail.tree, (p) => mail.bodyOf(p)?.length ?? 0),
    };
  }

  async part(uid: string, key: string, path: string): Promise<{ name: string; contentType: string; contentBase64: string }> {
    const mail = readMimeSync(await this.bytes(uid, key));
    const att = attachmentsOf(mail.tree, () => 0).find((a) => a.path === path);
    const body = att ? mail.bodyOf(path) : null;
    if (!att || !body) throw new AppError('NOT_FOUND', `no attachment ${path} in this mail`);
    return { name: att.name, contentType: att.contentType, contentBase64: Buffer.from(body).toString('base64') };
  }
}
