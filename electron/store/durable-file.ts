// File helpers shared by the durable stores (the calendar store, the outbox): their STORE_IO errors, directory
// fsync, atomic replacement of a file, and whether a lock's owner process still runs.
//
// A durable write goes to a temp file, is fsynced, renamed over the target and the directory is fsynced, so after a
// crash (SIGKILL, power loss after fsync) a file holds either its old or its new content, never a torn mix.
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../shared/errors';

/** An I/O failure as a STORE_IO error (retryable for EAGAIN/EBUSY); an AppError passes through unchanged. */
export function ioError(what: string, err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as NodeJS.ErrnoException;
  const detail = e?.code ? `${e.code}: ${e.message}` : String(err);
  return new AppError('STORE_IO', `${what}: ${detail}`, e?.code === 'EAGAIN' || e?.code === 'EBUSY', { cause: err });
}

/** fsyncs a directory (after a rename into it). */
export async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename is still atomic there.
  }
}

// Every file and folder under the data dir is the user's alone (issue 10 §6): 0600 / 0700 whatever the umask.
export const PRIVATE_FILE = 0o600;
export const PRIVATE_DIR = 0o700;

/** Creates `dir` (and missing parents) and makes it 0700; parents that already existed are left as they are. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR });
  await chmod(dir, PRIVATE_DIR);
}

export function ensurePrivateDirSync(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  chmodSync(dir, PRIVATE_DIR);
}

/** Creates `path` empty when missing, and makes it 0600 (before anything is written into it). */
export function ensurePrivateFileSync(path: string): void {
  closeSync(openSync(path, 'a', PRIVATE_FILE));
  chmodSync(path, PRIVATE_FILE);
}

let tmpCounter = 0;

/** Writes `data` to `path` atomically and durably (tmp + fsync + rename + directory fsync). */
export async function writeFileDurable(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}-${(++tmpCounter).toString(36)}.tmp`;
  try {
    const fh = await open(tmp, 'w', PRIVATE_FILE);
    try {
      // The mode given to open() is masked by the umask; chmod is not: private under any umask.
      await fh.chmod(PRIVATE_FILE);
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    await syncDir(join(path, '..'));
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw ioError(`cannot write ${path}`, err);
  }
}

/** True when a process with this id runs (EPERM: it runs under another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
