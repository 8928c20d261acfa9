// Issue 10 §5: a stored password goes only where it was stored for. The renderer is untrusted: testConnection and
// saveAccount with an account id and no password must not send (or keep) the stored password for another host,
// port or security. Real core on a temp dir; a hostile SMTP server and a hostile IMAP listener record what arrives.
import { mkdtemp, rm } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core';
import { fileSecretBox } from '../../electron/store/credentials';
import { confBackend, SettingsStore } from '../../electron/store/settings-store';
import type { AccountInput } from '../../shared/api';
import { AppError } from '../../shared/errors';

const PASSWORD = 'st0red-Secret!';
const b64 = (s: string) => Buffer.from(s).toString('base64');

let dir: string;
let core: Core;
let smtp: SMTPServer;
let smtpPort: number;
let imap: net.Server;
let imapPort: number;
const smtpAuths: string[] = [];
let imapBytes = '';

const account = (over: Partial<AccountInput> = {}): AccountInput => ({
  name: 'Work',
  email: 'bob@example.test',
  aliases: [],
  // The stored servers: TLS on hosts that never answer here (port 9 is discard; nothing listens).
  imap: { host: 'imap.example.test', port: 993, security: 'tls', user: '' },
  smtp: { host: 'smtp.example.test', port: 465, security: 'tls', user: '' },
  password: PASSWORD,
  ...over,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convene-secret-binding-'));
  // A hostile SMTP server: accepts any login over plaintext and records it.
  smtp = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth: (auth, _s, cb) => {
      smtpAuths.push(`${auth.username}:${auth.password}`);
      cb(null, { user: auth.username });
    },
  });
  smtp.on('error', () => {});
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  // A hostile IMAP listener: greets with capabilities and records every byte the client sends.
  imap = net.createServer((s) => {
    s.on('error', () => {});
    s.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hello\r\n');
    s.on('data', (d) => {
      imapBytes += d.toString('latin1');
      const tag = /^(\S+) /.exec(d.toString('latin1'))?.[1];
      if (tag) s.write(`${tag} NO go away\r\n`);
    });
  });
  await new Promise<void>((r) => imap.listen(0, '127.0.0.1', r));
  imapPort = (imap.address() as AddressInfo).port;
  core = await createCore({ dataDir: join(dir, 'core'), shell: 'browser' });
});

afterAll(async () => {
  await core?.close();
  await new Promise<void>((r) => smtp.close(() => r()));
  await new Promise<void>((r) => imap.close(() => r()));
  await rm(dir, { recursive: true, force: true });
});

describe('a stored password is bound to its host, port and security', () => {
  it('testConnection with the id and another server: PASSWORD_REQUIRED, and the password never leaves', async () => {
    const saved = await core.saveAccount(account());
    if (!saved.ok) throw new Error(saved.error.message);
    const id = saved.value.id;
    const hostile = { imap: { host: '127.0.0.1', port: imapPort, security: 'none' as const, user: '' }, smtp: { host: '127.0.0.1', port: smtpPort, security: 'none' as const, user: '' } };
    const r = await core.testConnection({ ...account({ password: undefined, ...hostile }), id });
    expect(r).toMatchObject({ ok: false, error: { code: 'PASSWORD_REQUIRED' } });
    expect(!r.ok && r.error.message).toMatch(/enter the password again/);
    // Only SMTP redirected, IMAP stored: still refused (nothing is sent anywhere).
    const r2 = await core.testConnection({ ...account({ password: undefined, smtp: hostile.smtp }), id });
    expect(r2).toMatchObject({ ok: false, error: { code: 'PASSWORD_REQUIRED' } });
    // The same host and port without TLS is a change too.
    const r3 = await core.testConnection({ ...account({ password: undefined, imap: { ...account().imap, security: 'none' } }), id });
    expect(r3).toMatchObject({ ok: false, error: { code: 'PASSWORD_REQUIRED' } });
    expect(smtpAuths).toEqual([]);
    expect(imapBytes).not.toContain(PASSWORD);
    expect(imapBytes).not.toContain(b64(`\0bob@example.test\0${PASSWORD}`));
  });

  it('testConnection with a typed password goes to the named server (the user gave it)', async () => {
    const list = await core.listAccounts();
    const id = list.ok ? list.value[0]!.id : '';
    const r = await core.testConnection({ ...account({ password: 'typed-now', smtp: { host: '127.0.0.1', port: smtpPort, security: 'none', user: '' } }), id });
    expect(r.ok).toBe(true);
    expect(smtpAuths).toEqual(['bob@example.test:typed-now']);
  });

  it('saveAccount keeping the password with another host, port or security: PASSWORD_REQUIRED; nothing changes', async () => {
    const list = await core.listAccounts();
    const id = list.ok ? list.value[0]!.id : '';
    for (const change of [{ imap: { ...account().imap, host: 'evil.test' } }, { smtp: { ...account().smtp, port: 25 } }, { smtp: { ...account().smtp, security: 'none' as const } }]) {
      const r = await core.saveAccount({ ...account({ password: undefined, ...change }), id });
      expect(r).toMatchObject({ ok: false, error: { code: 'PASSWORD_REQUIRED' } });
    }
    const after = await core.listAccounts();
    expect(after.ok && after.value[0]!.imap.host).toBe('imap.example.test');
    // The same servers (host case aside) keep the password; a new password allows the change.
    expect((await core.saveAccount({ ...account({ password: undefined, name: 'Renamed', imap: { ...account().imap, host: 'IMAP.example.test' } }), id })).ok).toBe(true);
    expect((await core.saveAccount({ ...account({ password: 'n3w', imap: { ...account().imap, host: 'imap2.example.test' } }), id })).ok).toBe(true);
  });

  it('SettingsStore.passwordFor: only for the stored endpoints', async () => {
    const d = join(dir, 'store');
    const store = new SettingsStore(confBackend(d), fileSecretBox(d));
    const a = store.saveAccount(account());
    const stored = { imap: account().imap, smtp: account().smtp };
    expect(store.passwordFor(a.id, stored)).toBe(PASSWORD);
    const code = (f: () => unknown) => {
      try {
        f();
        return null;
      } catch (e) {
        return e instanceof AppError ? e.code : 'other';
      }
    };
    expect(code(() => store.passwordFor(a.id, { ...stored, imap: { ...stored.imap, port: 143 } }))).toBe('PASSWORD_REQUIRED');
    expect(code(() => store.passwordFor(a.id, { ...stored, smtp: { ...stored.smtp, host: 'smtp.evil.test' } }))).toBe('PASSWORD_REQUIRED');
  });
});
