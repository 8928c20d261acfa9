#!/usr/bin/env node
// `npm test`: one command for every suite. Type-checks, builds, installs the system packages the integration and
// UI suites need (Dovecot, Chromium) when missing, then runs unit, integration and UI tests with vitest.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const extra = process.argv.slice(2);

function step(title, cmd, args, opts = {}) {
  const started = Date.now();
  console.log(`\n== ${title}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`== ${title}: FAILED after ${secs}s (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
  console.log(`== ${title}: ok in ${secs}s`);
}

step('typecheck', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit']);
step('build', process.execPath, [join(root, 'scripts/build.mjs')]);
step('system packages', process.execPath, [join(root, 'scripts/ensure-system-deps.mjs')]);
step('tests', process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', ...extra]);
