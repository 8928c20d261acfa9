// Every file and folder of the data dir is private to the user (issue 10 §6): 0600 files, 0700 folders, even when
// the process runs under `umask 000` (which would otherwise make them world-writable).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let work: string;
let childDir: string;
let childJs: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'convene-private-'));
  mkdirSync(join(__dirname, '../../node_modules/.cache'), { recursive: true });
  // Inside the repo, so the native better-sqlite3 (kept external) resolves from node_modules.
  childDir = mkdtempSync(join(__dirname, '../../node_modules/.cache/convene-private-'));
  childJs = join(childDir, 'child.mjs');
  buildSync({
    entryPoints: [join(__dirname, 'private-files-child.ts')],
    outfile: childJs,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(childDir, { recursive: true, force: true });
});

function walk(dir: string, out: { path: string; mode: number; dir: boolean }[] = []): typeof out {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    out.push({ path: p, mode: statSync(p).mode & 0o777, dir: e.isDirectory() });
    if (e.isDirectory()) walk(p, out);
  }
  return out;
}

describe('private data files', () => {
  it.skipIf(process.platform === 'win32')('under umask 000, every file of the data dir is 0600 and every folder 0700', () => {
    const dataDir = join(work, 'data');
    const r = spawnSync('/bin/sh', ['-c', `umask 000 && exec "${process.execPath}" "${childJs}" "${dataDir}"`], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('done\n');
    const entries = walk(dataDir);
    const names = entries.map((e) => relative(dataDir, e.path));
    // The test saw every kind of file the app writes.
    for (const want of ['calendar/calendar.db', 'outbox', 'secrets.json', 'settings.json', 'sync-state']) expect(names).toContain(want);
    expect(names.some((n) => n.startsWith('outbox/') && n.endsWith('.eml'))).toBe(true);
    const wrong = entries.filter((e) => e.mode !== (e.dir ? 0o700 : 0o600)).map((e) => `${relative(dataDir, e.path)} ${e.mode.toString(8)}`);
    expect(wrong).toEqual([]);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  }, 90_000);
});
