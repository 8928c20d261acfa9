// Shared by the commands: usage errors, file reading and output. Exit codes: 0 ok, 1 lint found errors,
// 2 usage errors, unreadable files and unusable stores (always one line on stderr).
import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError } from '../shared/errors';

export class UsageError extends Error {}

/** Stdout/stderr as parameters so tests and the bench can capture them. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    // node:util's messages are already one readable line ("Unknown option '--x'...").
    throw new UsageError(String((err as Error).message).split('\n')[0]);
  }
}

export async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new UnreadableError(`cannot read ${file}: ${why}`);
  }
}

export class UnreadableError extends Error {}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** Any failure a command reports with exit 2 and one line. Bugs (other errors) are rethrown. */
export function oneLine(err: unknown): string | null {
  if (err instanceof UsageError || err instanceof UnreadableError) return err.message;
  if (err instanceof AppError) return `${err.code}: ${err.message}`;
  return null;
}

export function requireStore(v: string | undefined): string {
  if (!v) throw new UsageError('--store DIR is required');
  return v;
}

export function requireIso(name: string, v: string | undefined): string {
  if (!v) throw new UsageError(`--${name} ISO is required`);
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(v) || !Number.isFinite(Date.parse(v.length === 10 ? `${v}T00:00:00Z` : v))) {
    throw new UsageError(`--${name}: not an ISO 8601 date or date-time: ${v}`);
  }
  return v;
}
