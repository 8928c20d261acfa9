#!/usr/bin/env node
// The `convene` command line. `npm install` builds dist/cli.mjs (the prepare script); build it on demand when a
// checkout has not been built yet, so `npx convene` always works.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli.mjs');
if (!existsSync(built)) {
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--cli'], { stdio: ['ignore', 'ignore', 'inherit'] });
}
const { main } = await import(pathToFileURL(built).href);
process.exitCode = await main(process.argv.slice(2));
