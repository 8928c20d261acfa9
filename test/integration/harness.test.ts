import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import { ImapFlow } from 'imapflow';
import { startMailServers, type MailServers } from '../servers/mail-servers';

let servers: MailServers;
beforeAll(async () => {
  servers = await startMailServers();
});
afterAll(async () => {
  await servers?.stop();
});

async function count(user: { email: string; password: string; name: string }): Promise<number> {
  const c = new ImapFlow({ host: servers.imap.host, port: servers.imap.port, secure: false, auth: { user: user.name, pass: user.password }, logger: false });
  await c.connect();
  const st = await c.status('INBOX', { messages: true });
  await c.logout();
  return st ? (st.messages ?? -1) : -1;
}

describe('mail-servers harness', () => {
  it('delivers over SMTP → LMTP and via deliver(); restarts; rejects unknown recipients; failure modes', async () => {
    const bob = await servers.addUser('bob');
    const alice = await servers.addUser('alice');
    const t = nodemailer.createTransport({ host: servers.smtp.host, port: servers.smtp.port, secure: false, ignoreTLS: true, auth: { user: alice.email, pass: alice.password } });
    await t.sendMail({ from: alice.email, to: bob.email, subject: 'hi', text: 'hello' });
    expect(await count(bob)).toBe(1);
    await servers.deliver('From: x@example.test\r\nSubject: d\r\n\r\nbody\r\n', [bob.email]);
    expect(await count(bob)).toBe(2);
    await expect(t.sendMail({ from: alice.email, to: 'nobody@example.test', subject: 'x', text: 'x' })).rejects.toThrow(/550|No such user/);
    servers.setSmtpMode('tempfail');
    await expect(t.sendMail({ from: alice.email, to: bob.email, subject: 'x', text: 'x' })).rejects.toThrow(/451/);
    servers.setSmtpMode('ok');
    await servers.killImap();
    await servers.startImap();
    expect(await count(bob)).toBe(2);
    await servers.stopImap();
    await servers.startImap();
    expect(await count(bob)).toBe(2);
    const out = await servers.doveadm(['mailbox', 'status', '-u', 'bob', 'messages', 'INBOX']);
    expect(out).toMatch(/messages=2/);
    t.close();
  });
});
