// Durable files for the outbox: one raw message file (`<id>.eml`, written once) and one state file (`<id>.json`,
// rewritten on every state change) per outgoing message.
// Both are written with writeFileDurable (electron/store/durable-file.ts): old or new content after a crash, never a
// torn mix.
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir, ioError } from '../../store/durable-file';

export interface OutboxFiles {
  /** Ids that have a state file. */
  ids: string[];
  /** Ids with a raw file but no state file: an enqueue that crashed before it was acknowledged. */
  orphans: string[];
}

/** Lists the outbox directory (creating it), removing leftover temp files. */
export async function listOutboxFiles(dir: string): Promise<OutboxFiles> {
  try {
    await ensurePrivateDir(dir);
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
