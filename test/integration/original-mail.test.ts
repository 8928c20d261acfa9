// The invitation's own mail (issue 11 §12), fetched from a real Dovecot on demand: the organizer's text and HTML
// body and the attachments (names, sizes, bytes through the API) of a synced invitation; nothing of it is stored.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core';
import { startMailServers, testAccount, type MailServers, type TestUser } from '../servers/mail-servers';
import { makeIcs } from '../servers/seed';
import { waitFor } from '../servers/wait';

let servers: MailServers;
let ida: TestUser;
let core: Core | null = null;

beforeAll(async () => {
  servers = await startMailServers();
  ida = await servers.addUser('ida');
});

afterAll(async () => {
  await core?.close();
  await servers?.stop();
});

describe("the invitation's own mail", () => {
  it('shows the body and attachments of a synced invitation, fetched from the server', async () => {
    const organizer = 'olga@example.test';
    const uid = `mail-${Date.now()}@example.test`;
    const agenda = Buffer.from('%PDF-1.4 agenda with every point the organizer wrote\n'.repeat(40));
    const raw = await new MailComposer({
      from: `Olga Organizer <${organizer}>`,
      to: ida.email,
      subject: 'Invitation: Quarterly planning',
      text: 'Hi Ida,\nplease read the attached agenda before we meet: https://wiki.example.test/q3\nOlga',
      html: '<p>Hi Ida,</p><p>please read the <b>attached agenda</b> before we meet.</p><img src="https://tracker.example.test/pixel.gif">',
      icalEvent: { method: 'REQUEST', content: makeIcs({ method: 'REQUEST', uid, organizer, attendees: [ida.email], summary: 'Quarterly planning' }) },
      attachments: [{ filename: 'agenda.pdf', contentType: 'application/pdf', content: agenda }],
    })
      .compile()
      .build();
    await servers.deliver(raw, [ida.email]);

    const dir = await mkdtemp(path.join(os.tmpdir(), 'convene-core-mail-'));
    core = await createCore({ dataDir: dir, shell: 'browser' });
    const acct = await core.saveAccount(testAccount(servers, ida));
    expect(acct.ok).toBe(true);
    const c = core;
    const detail = await waitFor(async () => {
      const r = await c.getInvitation({ uid });
      return r.ok ? r.value : null;
    }, { timeoutMs: 15_000, what: 'the synced invitation' });
    expect(detail.thread).toHaveLength(1);
    const key = detail.thread[0]!.key;

    const mail = await core.getMessage({ uid, key });
    expect(mail.ok, JSON.stringify(mail)).toBe(true);
    if (!mail.ok) return;
    expect(mail.value.subject).toBe('Invitation: Quarterly planning');
    expect(mail.value.from).toContain(organizer);
    expect(mail.value.text).toContain('https://wiki.example.test/q3');
    expect(mail.value.html).toContain('<b>attached agenda</b>');
    const pdf = mail.value.attachments.find((a) => a.name === 'agenda.pdf');
    expect(pdf).toMatchObject({ contentType: 'application/pdf', size: agenda.length });

    const part = await core.getMessagePart({ uid, key, path: pdf!.path });
    expect(part.ok).toBe(true);
    if (part.ok) expect(Buffer.from(part.value.contentBase64, 'base64').equals(agenda)).toBe(true);

    // Only mails of this invitation's thread, and only real attachment parts, can be read.
    const other = await core.getMessage({ uid: 'someone-else@example.test', key });
    expect(other.ok).toBe(false);
    const notAttachment = await core.getMessagePart({ uid, key, path: '1' });
    expect(notAttachment.ok).toBe(false);
  });
});
