#!/usr/bin/env node
// `npm start`: build, then open the Electron window; where Electron cannot start (the binary was never downloaded,
// no display, a missing system library), say why and serve the browser shell instead, printing its URL.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const passThrough = process.argv.slice(2);

const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
if (b.status !== 0) process.exit(b.status ?? 1);

/** Resolves the Electron binary, or returns the reason it is not usable. */
function electronBinary() {
  if (process.env.CONVENE_NO_ELECTRON) return { why: 'CONVENE_NO_ELECTRON is set' };
  let path;
  try {
    // The electron package exports the binary's path; it throws when the binary was never downloaded.
    path = require('electron');
  } catch (err) {
    const msg = String(err?.message ?? err).split('\n')[0];
    // electron's index.js downloads the binary on first use; offline (or behind a proxy) that fails.
    return { why: /failed to install/i.test(msg) ? 'the Electron binary is not installed and could not be downloaded (offline?)' : `the Electron binary is not usable (${msg})` };
  }
  if (typeof path !== 'string' || !existsSync(path)) return { why: `the Electron binary is missing at ${path}` };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return { why: 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  return { path };
}

function serveBrowserShell(reason) {
  console.log(`\nConvene: Electron cannot start here: ${reason}.`);
  console.log('Starting the browser shell instead: open the URL below in your browser.\n');
  const child = spawn(process.execPath, [join(root, 'dist/web/server.mjs'), ...passThrough], { cwd: root, stdio: 'inherit' });
  const forward = (sig) => () => child.kill(sig);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('exit', (code) => process.exit(code ?? 0));
}

/**
 * better-sqlite3 (the calendar store) is a native module: Electron loads only a build for its own ABI. It is
 * rebuilt for Electron into a copy under node_modules/.cache (once per Electron version) and handed to the main
 * process as CONVENE_SQLITE_BINDING, so node_modules keeps the Node build the command line and the tests use.
 * Only when an Electron binary is present (the browser shell runs on Node's build). Packaged apps are rebuilt by
 * electron-builder instead (electron-builder.yml: npmRebuild).
 */
function sqliteForElectron() {
  const version = require('electron/package.json').version;
  const dir = join(root, 'node_modules/.cache/convene-electron-native', version);
  const binding = join(dir, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
  if (existsSync(binding)) return binding;
  console.log(`Convene: rebuilding better-sqlite3 for Electron ${version} (once)...`);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  cpSync(join(root, 'node_modules/better-sqlite3'), join(dir, 'node_modules/better-sqlite3'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'convene-electron-native', private: true, dependencies: { 'better-sqlite3': '*' } }));
  const r = spawnSync(process.execPath, [join(root, 'node_modules/@electron/rebuild/lib/cli.js'), '--version', version, '--module-dir', dir, '--only', 'better-sqlite3', '--force'], {
    cwd: dir,
    stdio: 'inherit',
  });
  if (r.status !== 0 || !existsSync(binding)) {
    console.log('Convene: the rebuild for Electron failed (it needs network access the first time); Electron will not be able to open the store.');
    return null;
  }
  return binding;
}

const bin = electronBinary();
if (bin.path) {
  const binding = sqliteForElectron();
  if (binding) process.env.CONVENE_SQLITE_BINDING = binding;
}
if (!bin.path) {
  serveBrowserShell(bin.why);
} else {
  const started = Date.now();
  let output = '';
  let settled = false;
  const child = spawn(bin.path, [root, ...passThrough], { cwd: root, stdio: ['inherit', 'pipe', 'pipe'] });
  child.stdout.on('data', (d) => process.stdout.write(d));
  child.stderr.on('data', (d) => {
    output += d;
    process.stderr.write(d);
  });
  // Electron that survives a few seconds has opened its window; one that dies before that could not start.
  const timer = setTimeout(() => {
    settled = true;
  }, 5000);
  child.on('error', (err) => {
    if (settled) return;
    clearTimeout(timer);
    settled = true;
    serveBrowserShell(`launching ${bin.path} failed (${err.message})`);
  });
  child.on('exit', (code, signal) => {
    if (!settled) {
      clearTimeout(timer);
      settled = true;
      const last = output.trim().split('\n').slice(-1)[0] ?? '';
      serveBrowserShell(`Electron exited after ${Date.now() - started} ms with ${signal ?? `code ${code}`}${last ? `: ${last}` : ''}`);
      return;
    }
    process.exit(code ?? 0);
  });
}
