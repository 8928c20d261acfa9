#!/usr/bin/env node
// `npm run bench`: prints figures, asserts nothing. The engine bench (scripts/bench-engine.mjs), then the IMAP sync
// bench (scripts/bench-sync.mjs) when it exists. Each runs in its own process so one's heap does not skew the other.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let failed = 0;
for (const name of ['bench-engine.mjs', 'bench-store.mjs', 'bench-sync.mjs', 'bench-ui.mjs']) {
  const file = join(here, name);
  if (!existsSync(file)) {
    console.log(`== ${name}: not present, skipped`);
    continue;
  }
  const r = spawnSync(process.execPath, ['--expose-gc', file, ...process.argv.slice(2)], { stdio: 'inherit', cwd: join(here, '..') });
  if (r.status !== 0) {
    console.error(`== ${name}: exit ${r.status ?? r.signal}`);
    failed++;
  }
}
process.exitCode = failed ? 1 : 0;
