// Durable files for the outbox: one raw message file (`<id>.eml`, written once) and one state file (`<id>.json`,
// rewritten on every state change) per outgoing message.
//
// Every write goes to a temp file, is fsynced, renamed over the target and the directory is fsynced, so after a
// crash (SIGKILL, power loss after fsync) a file holds either its old or its new content, never a torn mix.
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../../shared/errors';

function ioError(what: string, err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as NodeJS.ErrnoException;
  const detail = e?.code ? `${e.code}: ${e.message}` : String(err);
  return new AppError('STORE_IO', `${what}: ${detail}`, e?.code === 'EAGAIN' || e?.code === 'EBUSY', { cause: err });
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Windows cannot fsync a directory; the rename is still atomic there.
  }
}

let tmpCounter = 0;

/** Writes `data` to `path` atomically and durably (tmp + fsync + rename + directory fsync). */
export async function writeFileDurable(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}-${(++tmpCounter).toString(36)}.tmp`;
  try {
    const fh = await open(tmp, 'w');
    try {
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

export interface OutboxFiles {
  /** Ids that have a state file. */
  ids: string[];
  /** Ids with a raw file but no state file: an enqueue that crashed before it was acknowledged. */
  orphans: string[];
}

/** Lists the outbox directory (creating it), removing leftover temp files. */
export async function listOutboxFiles(dir: string): Promise<OutboxFiles> {
  try {
    await mkdir(dir, { recursive: true });
    const names = await readdir(dir);
    const json = new Set<string>();
    const eml = new Set<string>();
    for (const n of names) {
      if (n.endsWith('.tmp')) {
        // A write that did not finish: the target still holds the previous content.
        await rm(join(dir, n), { force: true });
      } else if (n.endsWith('.json')) json.add(n.slice(0, -5));
      else if (n.endsWith('.eml')) eml.add(n.slice(0, -4));
    }
    return { ids: [...json].sort(), orphans: [...eml].filter((id) => !json.has(id)).sort() };
  } catch (err) {
    throw ioError(`cannot read outbox ${dir}`, err);
  }
}

export async function readJsonFile<T>(path: string): Promise<T> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    throw ioError(`cannot read ${path}`, err);
  }
}

export async function readRawFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    throw ioError(`cannot read ${path}`, err);
  }
}

export async function removeFiles(...paths: string[]): Promise<void> {
  for (const p of paths) await rm(p, { force: true });
}
