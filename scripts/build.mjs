#!/usr/bin/env node
// Builds the runnable pieces with esbuild (and the renderer with vite):
//   --cli       dist/cli.mjs only (run by `prepare`, so `npx convene` works right after `npm install`)
//   (default)   everything: cli, electron main + preload, web shell server, renderer
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const nodeCommon = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  absWorkingDir: root,
  // Runtime libraries stay in node_modules: they are real dependencies, not vendored copies.
  packages: 'external',
};

async function buildCli() {
  await build({ ...nodeCommon, entryPoints: ['cli/main.ts'], outfile: 'dist/cli.mjs', format: 'esm' });
}

async function buildApp() {
  const jobs = [];
  if (existsSync(join(root, 'electron/main.ts'))) {
    // Electron loads main as CommonJS; conf, electron-store and ical.js are ESM-only, so `require()` of them would
    // hand back a module namespace instead of the default export. Bundle everything but electron itself.
    // better-sqlite3 is a native module: it stays in node_modules (rebuilt for Electron's ABI, see scripts/start.mjs).
    jobs.push(build({ ...nodeCommon, packages: undefined, entryPoints: ['electron/main.ts'], outfile: 'dist/electron/main.cjs', format: 'cjs', external: ['electron', 'better-sqlite3'] }));
  }
  if (existsSync(join(root, 'electron/preload.ts'))) {
    // A sandboxed preload cannot require project files: bundle everything into one CommonJS file.
    jobs.push(build({ ...nodeCommon, packages: undefined, entryPoints: ['electron/preload.ts'], outfile: 'dist/electron/preload.cjs', format: 'cjs', external: ['electron'] }));
  }
  if (existsSync(join(root, 'electron/web/server.ts'))) {
    jobs.push(build({ ...nodeCommon, entryPoints: ['electron/web/server.ts'], outfile: 'dist/web/server.mjs', format: 'esm' }));
  }
  await Promise.all(jobs);
  if (existsSync(join(root, 'renderer/index.html'))) {
    const { build: viteBuild } = await import('vite');
    await viteBuild({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  }
}

await buildCli();
if (!args.has('--cli')) await buildApp();
