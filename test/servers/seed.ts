// Test mail: iTIP invitations (as nodemailer builds them: multipart/alternative with text/calendar plus invite.ics)
// and ordinary mails, some with large attachments, written as a maildir for `doveadm import` (20,000 messages in
// about 12 s, against 65 s for APPEND; TEST-SERVERS.md).
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { MailServers } from './mail-servers';

export interface IcsOptions {
  method: 'REQUEST' | 'CANCEL' | 'REPLY';
  uid: string;
  organizer: string;
  attendees: string[];
  sequence?: number;
  summary?: string;
  /** DTSTART in UTC, default tomorrow 10:00Z. */
  start?: Date;
  dtstamp?: Date;
  status?: string;
  partstat?: string;
}

const icsDate = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

export function makeIcs(o: IcsOptions): string {
  const start = o.start ?? new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1, 10));
  const end = new Date(start.getTime() + 3600_000);
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Convene tests//EN',
    `METHOD:${o.method}`,
    'BEGIN:VEVENT',
    `UID:${o.uid}`,
    `DTSTAMP:${icsDate(o.dtstamp ?? new Date())}`,
    `DTSTART:${icsDate(start)}`,
    `DTEND:${icsDate(end)}`,
    `SEQUENCE:${o.sequence ?? 0}`,
    `SUMMARY:${o.summary ?? 'Meeting'}`,
    ...(o.status ? [`STATUS:${o.status}`] : o.method === 'CANCEL' ? ['STATUS:CANCELLED'] : []),
    `ORGANIZER;CN=Organizer:mailto:${o.organizer}`,
    ...o.attendees.map((a) => `ATTENDEE;PARTSTAT=${o.partstat ?? 'NEEDS-ACTION'};RSVP=TRUE;ROLE=REQ-PARTICIPANT:mailto:${a}`),
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ];
  return lines.join('\r\n');
}

export async function buildMail(opts: {
  from: string;
  to: string[];
  subject: string;
  text?: string;
  ics?: { method: string; content: string };
  attachmentBytes?: number;
  date?: Date;
  messageId?: string;
}): Promise<Buffer> {
  const mail = new MailComposer({
    from: opts.from,
    to: opts.to,
    subject: opts.subject,
    text: opts.text ?? 'Hello',
    date: opts.date ?? new Date(),
    ...(opts.messageId ? { messageId: opts.messageId } : {}),
    ...(opts.ics ? { icalEvent: { method: opts.ics.method, content: opts.ics.content } } : {}),
    ...(opts.attachmentBytes ? { attachments: [{ filename: 'data.bin', content: randomBytes(opts.attachmentBytes) }] } : {}),
  });
  return mail.compile().build();
}

export interface SeedResult {
  count: number;
  /** Event UIDs of the invitations, in generation order. */
  invitationUids: string[];
  bytes: number;
}

/**
 * Writes `count` messages to a maildir and imports it into `user`'s INBOX. Every `1/invitationRatio`th message is
 * an invitation from `organizer`; `attachmentEvery` ordinary mails carry a 100 KB–1 MB attachment.
 */
export async function seedMailbox(
  servers: MailServers,
  user: { name: string; email: string },
  opts: { count: number; invitationRatio: number; organizer: string; attachmentEvery?: number; tag?: string },
): Promise<SeedResult> {
  const dir = path.join(servers.root, `seed-${opts.tag ?? Date.now()}`);
  for (const d of ['cur', 'new', 'tmp']) await mkdir(path.join(dir, d), { recursive: true });
  const invitationUids: string[] = [];
  const every = Math.max(1, Math.round(1 / opts.invitationRatio));
  let bytes = 0;
  const base = Date.now() - opts.count * 1000;
  for (let i = 0; i < opts.count; i++) {
    const date = new Date(base + i * 1000);
    let raw: Buffer;
    if (i % every === every - 1) {
      const uid = `seed-${opts.tag ?? 'x'}-${i}@example.test`;
      invitationUids.push(uid);
      raw = await buildMail({
        from: opts.organizer,
        to: [user.email],
        subject: `Invitation ${i}`,
        date,
        ics: { method: 'REQUEST', content: makeIcs({ method: 'REQUEST', uid, organizer: opts.organizer, attendees: [user.email], summary: `Seeded meeting ${i}`, dtstamp: date }) },
      });
    } else {
      const att = opts.attachmentEvery && i % opts.attachmentEvery === 0 ? 100_000 + ((i * 7919) % 900_000) : 0;
      raw = await buildMail({ from: `sender${i % 50}@example.org`, to: [user.email], subject: `Ordinary mail ${i}`, text: `Body of message ${i}\n`.repeat(20), date, ...(att ? { attachmentBytes: att } : {}) });
    }
    bytes += raw.length;
    // Maildir names sort in generation order, so UIDs follow it.
    await writeFile(path.join(dir, 'cur', `${String(1_000_000_000 + i)}.M${i}P1.seed:2,S`), raw);
  }
  await chmod(servers.root, 0o755);
  // doveadm drops to the mail uid and writes index files into the source maildir: it must own it.
  await new Promise<void>((resolve, reject) => execFile('chown', ['-R', '5000:5000', dir], (err) => (err ? reject(err) : resolve())));
  const mailbox = 'INBOX';
  const before = await messageCount(servers, user.name, mailbox);
  await servers.doveadm(['import', '-u', user.name, `maildir:${dir}`, '', 'mailbox', 'INBOX']);
  // doveadm import exits 0 even when it could not read the source: check the result.
  const after = await messageCount(servers, user.name, mailbox);
  if (after - before !== opts.count) throw new Error(`seed: doveadm import added ${after - before} of ${opts.count} messages to ${user.name}/${mailbox}; see ${servers.root}/log/dovecot.log`);
  await rm(dir, { recursive: true, force: true });
  return { count: opts.count, invitationUids, bytes };
}

async function messageCount(servers: MailServers, user: string, mailbox: string): Promise<number> {
  const out = await servers.doveadm(['mailbox', 'status', '-u', user, 'messages', mailbox]).catch(() => '');
  return Number(/messages=(\d+)/.exec(out)?.[1] ?? 0);
}
