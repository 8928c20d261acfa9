// Accounts, identities and secrets in plain Node (conf backend + the 0600 secrets file).
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AccountInput } from '../../shared/api';
import { AppError } from '../../shared/errors';
import { fileSecretBox, safeStorageSecretBox } from '../../electron/store/credentials';
import { SettingsStore, confBackend, DEFAULT_SETTINGS } from '../../electron/store/settings-store';

const input = (over: Partial<AccountInput> = {}): AccountInput => ({
  name: 'Work',
  email: 'Bob@Example.test',
  aliases: ['b.smith@example.test', 'BOB@example.test'],
  imap: { host: 'imap.example.test', port: 993, security: 'tls', user: 'bob' },
  smtp: { host: 'smtp.example.test', port: 587, security: 'starttls', user: '' },
  password: 's3cret!',
  ...over,
});

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function fresh() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'convene-settings-'));
  dirs.push(dir);
  const secrets = fileSecretBox(dir);
  return { dir, secrets, store: new SettingsStore(confBackend(dir), secrets) };
}

describe('SettingsStore', () => {
  it('has the documented defaults and validates settings', async () => {
    const { store } = await fresh();
    expect(store.getSettings()).toEqual({ policy: 'known', timeFrameDays: 28, processedFolder: null, timezone: null });
    expect(DEFAULT_SETTINGS.policy).toBe('known');
    expect(store.saveSettings({ policy: 'always', timeFrameDays: 7, processedFolder: 'Invitations', timezone: 'Europe/Berlin' }).policy).toBe('always');
    expect(store.getSettings().processedFolder).toBe('Invitations');
    expect(store.getSettings().hideDeclined).toBeUndefined();
    expect(store.saveSettings({ ...store.getSettings(), hideDeclined: true }).hideDeclined).toBe(true);
    expect(store.getSettings().hideDeclined).toBe(true);
    expect(() => store.saveSettings({ ...store.getSettings(), policy: 'sometimes' as never })).toThrow(AppError);
  });

  it('stores several accounts with identities (address + aliases, lower-case), never returning the password', async () => {
    const { store, dir } = await fresh();
    const a = store.saveAccount(input());
    const b = store.saveAccount(input({ name: 'Home', email: 'bob@home.test', aliases: [], imap: { host: 'h', port: 143, security: 'starttls', user: '' } }));
    expect(store.listAccounts().map((x) => x.email)).toEqual(['bob@example.test', 'bob@home.test']);
    expect(a.hasPassword).toBe(true);
    expect(JSON.stringify(store.listAccounts())).not.toContain('s3cret');
    expect(store.identities(a.id)).toEqual(['bob@example.test', 'b.smith@example.test']);
    expect(store.allIdentities().sort()).toEqual(['b.smith@example.test', 'bob@example.test', 'bob@home.test']);
    expect(store.getAccount(b.id)?.imap.user).toBe('bob@home.test'); // user defaults to the address
    expect(store.accountFor('MAILTO:B.Smith@example.test')?.id).toBe(a.id);
    expect(store.password(a.id)).toBe('s3cret!');
    expect(store.credentials(a.id)).toEqual({ kind: 'password', user: 'bob', password: 's3cret!' });
    // The settings file holds a reference, not the password.
    const settingsFile = await readFile(path.join(dir, 'settings.json'), 'utf8');
    expect(settingsFile).not.toContain('s3cret');
    // Update without a password keeps it; a new one replaces it.
    store.saveAccount({ ...input(), id: a.id, password: undefined, name: 'Work 2' });
    expect(store.password(a.id)).toBe('s3cret!');
    store.saveAccount({ ...input(), id: a.id, password: 'n3w' });
    expect(store.password(a.id)).toBe('n3w');
    expect(store.removeAccount(b.id)).toBe(true);
    expect(store.listAccounts()).toHaveLength(1);
  });

  it('rejects bad input with BAD_REQUEST', async () => {
    const { store } = await fresh();
    const code = (f: () => unknown) => {
      try {
        f();
        return 'ok';
      } catch (e) {
        return (e as AppError).code;
      }
    };
    expect(code(() => store.saveAccount(input({ email: 'not-an-address' })))).toBe('BAD_REQUEST');
    expect(code(() => store.saveAccount(input({ imap: { host: '', port: 993, security: 'tls', user: '' } })))).toBe('BAD_REQUEST');
    expect(code(() => store.saveAccount(input({ imap: { host: 'x', port: 70000, security: 'tls', user: '' } })))).toBe('BAD_REQUEST');
    expect(code(() => store.saveAccount(input({ smtp: { host: 'x', port: 0, security: 'tls', user: '' } })))).toBe('BAD_REQUEST');
    expect(code(() => store.saveAccount(input({ aliases: ['nope'] })))).toBe('BAD_REQUEST');
    store.saveAccount(input());
    expect(code(() => store.saveAccount(input()))).toBe('CONFLICT');
  });

  it('keeps plain-Node secrets in a 0600 file inside the data dir, and forgets removed ones', async () => {
    const { store, dir, secrets } = await fresh();
    const a = store.saveAccount(input());
    const st = await stat(secrets.path);
    expect(path.dirname(secrets.path)).toBe(dir);
    expect(st.mode & 0o777).toBe(0o600);
    expect(await readFile(secrets.path, 'utf8')).toContain('s3cret!');
    store.removeAccount(a.id);
    expect(await readFile(secrets.path, 'utf8')).not.toContain('s3cret!');
    expect((await stat(path.join(dir, 'settings.json'))).mode & 0o777).toBe(0o600);
  });

  it('uses safeStorage inside Electron (passed in, never imported)', () => {
    const fake = { isEncryptionAvailable: () => true, encryptString: (s: string) => Buffer.from([...s].reverse().join('')), decryptString: (b: Buffer) => [...b.toString()].reverse().join('') };
    const box = safeStorageSecretBox(fake);
    const enc = box.encrypt('pw');
    expect(enc.startsWith('safe:')).toBe(true);
    expect(enc).not.toContain('pw');
    expect(box.decrypt(enc)).toBe('pw');
    expect(() => safeStorageSecretBox({ ...fake, isEncryptionAvailable: () => false }).encrypt('x')).toThrow(/keychain/);
  });
});
