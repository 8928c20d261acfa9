#!/usr/bin/env node
// `npm test`: one command for every suite. Type-checks, builds, installs the system packages the integration and
// UI suites need (Dovecot, Chromium) when missing, then runs unit, integration and UI tests with vitest.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
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
// The layers of docs/ARCHITECTURE.md (.dependency-cruiser.cjs): shared imports nothing of ours nor Node, the renderer
// only shared's API, the CLI one entry of the core.
step('layers', process.execPath, [join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), '--config', '.dependency-cruiser.cjs', 'shared', 'electron', 'renderer', 'cli']);
step('build', process.execPath, [join(root, 'scripts/build.mjs')]);
step('system packages', process.execPath, [join(root, 'scripts/ensure-system-deps.mjs')]);
// The JSON report feeds the plain closing line below ('N passed, N failed'), which CI reads whatever the runner.
const report = join(root, 'test-artifacts', 'vitest-results.json');
rmSync(report, { force: true });
const vitest = spawnSync(
  process.execPath,
  [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra],
  { cwd: root, stdio: 'inherit' },
);
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`\ntests: ${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
}
if (vitest.status !== 0) {
  console.error(`== tests: FAILED (exit ${vitest.status ?? vitest.signal})`);
  process.exit(vitest.status || 1);
}
