// The layer check (.dependency-cruiser.cjs, run by `npm test`) can fail: a throwaway tree with one violating import
// per rule, next to imports the layers allow, is cruised by the real depcruise command with the repo's config, and
// exactly the violations are reported. Then the repo itself passes.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const CONFIG = join(root, '.dependency-cruiser.cjs');
const DEPCRUISE = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** The violations (JSON reporter), and the exit status of the command `npm test` runs (the default reporter). */
function cruise(cwd: string): { status: number | null; violations: Violation[]; stderr: string } {
  const run = (...extra: string[]) => spawnSync(process.execPath, [DEPCRUISE, '--config', CONFIG, ...extra, 'shared', 'electron', 'renderer', 'cli'], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const json = run('--output-type', 'json');
  const out = json.stdout ? (JSON.parse(json.stdout) as { summary: { violations: Violation[] } }) : { summary: { violations: [] } };
  const plain = run();
  return { status: plain.status, violations: out.summary.violations, stderr: `${json.stderr}${plain.stderr}` };
}

const FILES: Record<string, string> = {
  // allowed
  'shared/api.ts': "export const API = 1;\n",
  'shared/errors.ts': "export const E = 1;\n",
  'shared/itip/engine.ts': "import ICAL from 'ical.js';\nimport { z } from 'zod';\nimport { E } from '../errors';\nexport type Thing = { a: number };\nexport const engine = [ICAL, z, E];\n",
  'electron/x.ts': "import { engine } from '../shared/itip/engine';\nexport const x = engine;\n",
  'electron/public.ts': "export { x } from './x';\n",
  'shared/present/words.ts': "export const W = 1;\n",
  'renderer/ok.ts': "import { API } from '../shared/api';\nimport { E } from '../shared/errors';\nimport { W } from '../shared/present/words';\nimport type { Thing } from '../shared/itip/engine';\nexport const ok: Thing | number[] = [API, E, W];\n",
  'cli/ok.ts': "import { x } from '../electron/public';\nimport { engine } from '../shared/itip/engine';\nexport const ok = [x, engine];\n",
  // one violation each
  'shared/bad-ours.ts': "import { x } from '../electron/x';\nexport const a = x;\n",
  'shared/bad-builtin.ts': "import { readFileSync } from 'node:fs';\nexport const b = readFileSync;\n",
  'shared/bad-package.ts': "import nodemailer from 'nodemailer';\nexport const c = nodemailer;\n",
  'electron/bad-renderer.ts': "import { ok } from '../renderer/ok';\nexport const d = ok;\n",
  'renderer/bad-core.ts': "import { x } from '../electron/x';\nexport const e = x;\n",
  'renderer/bad-engine.ts': "import { engine } from '../shared/itip/engine';\nexport const f = engine;\n",
  'renderer/bad-node.ts': "import { join } from 'node:path';\nexport const g = join;\n",
  'cli/bad-internal.ts': "import { x } from '../electron/x';\nexport const h = x;\n",
  'cli/bad-renderer.ts': "import { ok } from '../renderer/ok';\nexport const i = ok;\n",
  'shared/present/bad-engine.ts': "import { engine } from '../itip/engine';\nexport const j = engine;\n",
};

describe('layer check (dependency-cruiser)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convene-layers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rejects one violating import per rule, and only those', { timeout: 120_000 }, () => {
    for (const [file, text] of Object.entries(FILES)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    copyFileSync(join(root, 'tsconfig.json'), join(dir, 'tsconfig.json'));
    const r = cruise(dir);
    const got = r.violations.map((v) => `${v.rule.name} ${v.from}`).sort();
    expect(got, r.stderr).toEqual(
      [
        'shared-imports-only-shared shared/bad-ours.ts',
        'shared-no-node-builtins shared/bad-builtin.ts',
        'shared-only-pure-packages shared/bad-package.ts',
        'electron-not-renderer-or-cli electron/bad-renderer.ts',
        'renderer-not-core-or-cli renderer/bad-core.ts',
        'renderer-shared-api-only renderer/bad-engine.ts',
        'renderer-no-node renderer/bad-node.ts',
        'cli-one-core-entry cli/bad-internal.ts',
        'cli-not-renderer cli/bad-renderer.ts',
        'present-stands-alone shared/present/bad-engine.ts',
      ].sort(),
    );
    expect(r.status).not.toBe(0);
  });

  it('the repository keeps its layers', { timeout: 120_000 }, () => {
    const r = cruise(root);
    expect(r.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
    expect(r.status, r.stderr).toBe(0);
  });
});
