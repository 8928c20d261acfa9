// Where account secrets (passwords, later OAuth2 refresh tokens) live. The settings file only ever holds the
// string a SecretBox returns from encrypt(); what that string means depends on the box:
//
// - Electron: safeStorageSecretBox wraps Electron's safeStorage (Keychain / DPAPI / libsecret): the settings file
//   holds 'safe:' + base64 ciphertext. This file never imports electron: main.ts passes the safeStorage object in.
// - Plain Node (the command line, the browser shell, tests): there is no OS keychain, so fileSecretBox keeps the
//   secrets in `secrets.json` inside the data dir, created with mode 0600 (readable by the user only), and the
//   settings file holds only a reference 'file:<id>'. The password is NOT encrypted there: protection is the file
//   mode, as for ~/.netrc or ~/.fetchmailrc. The README says so.
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { ensurePrivateDirSync } from './durable-file';
import { join } from 'node:path';
import { AppError } from '../../shared/errors';

export interface SecretBox {
  /** Returns the string to store in the settings file. */
  encrypt(plain: string): string;
  /** The plain secret for a string encrypt() returned. Throws AppError STORE_IO when it cannot be read. */
  decrypt(stored: string): string;
  /** Drops a secret that is no longer referenced (account removed, password changed). Optional. */
  forget?(stored: string): void;
  /** 'os-keychain' for safeStorage, 'file-0600' for the plain-Node file. */
  readonly kind: 'os-keychain' | 'file-0600';
}

/** The subset of Electron's safeStorage this needs (so tests can pass a fake, and this file never imports electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export function safeStorageSecretBox(safeStorage: SafeStorageLike): SecretBox {
  return {
    kind: 'os-keychain',
    encrypt(plain) {
      if (!safeStorage.isEncryptionAvailable()) {
        throw new AppError('STORE_IO', 'The system keychain is not available, so the password cannot be stored safely');
      }
      return `safe:${safeStorage.encryptString(plain).toString('base64')}`;
    },
    decrypt(stored) {
      if (!stored.startsWith('safe:')) throw new AppError('STORE_IO', 'Stored password is not from the system keychain');
      try {
        return safeStorage.decryptString(Buffer.from(stored.slice(5), 'base64'));
      } catch (err) {
        throw new AppError('STORE_IO', 'The stored password cannot be decrypted (was the keychain reset?)', false, { cause: err });
      }
    },
  };
}

export const SECRETS_FILE = 'secrets.json';

/** Plain-Node secrets: a JSON map id → secret in DIR/secrets.json, mode 0600, written atomically. */
export function fileSecretBox(dir: string): SecretBox & { readonly path: string } {
  const file = join(dir, SECRETS_FILE);

  function read(): Record<string, string> {
    if (!existsSync(file)) return {};
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    } catch (err) {
      throw new AppError('STORE_IO', `Cannot read ${file}: ${(err as Error).message}`, false, { cause: err });
    }
  }

  function write(map: Record<string, string>): void {
    ensurePrivateDirSync(dir);
    const tmp = `${file}.${process.pid}.tmp`;
    // Created 0600 from the start (not chmod after), so the secret is never readable by others, even briefly.
    writeFileSync(tmp, JSON.stringify(map, null, 2), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
  }

  return {
    kind: 'file-0600',
    path: file,
    encrypt(plain) {
      const map = read();
      const id = randomUUID();
      map[id] = plain;
      write(map);
      return `file:${id}`;
    },
    decrypt(stored) {
      if (!stored.startsWith('file:')) throw new AppError('STORE_IO', 'Stored password is not in the secrets file');
      const v = read()[stored.slice(5)];
      if (v === undefined) throw new AppError('STORE_IO', `The password is missing from ${file}`);
      return v;
    },
    forget(stored) {
      if (!stored.startsWith('file:')) return;
      const map = read();
      if (!(stored.slice(5) in map)) return;
      delete map[stored.slice(5)];
      write(map);
    },
  };
}
