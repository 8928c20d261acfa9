// The layer check (`npm test` runs it after the typecheck, before vitest): the layers of docs/ARCHITECTURE.md as
// rules, so they cannot erode one import at a time.
//   shared/    imports nothing of ours outside shared/, no Node builtins, no npm package but the pure ones below
//   electron/  may import shared/ (never renderer/ or cli/)
//   renderer/  may import shared/api.ts and shared/errors.ts, and types (erased) from the rest of shared/; nothing
//              of electron/ or cli/, no Node builtins
//   cli/       imports shared/ and ONE public entry of the core, electron/public.ts
// test/unit/layers.test.ts proves each rule rejects a violating fixture.

/** npm packages shared/ may use: pure JavaScript, no Node or DOM APIs. */
// nodemailer's addressparser module alone: a pure RFC 5322 address-list parser (no Node APIs), used by
// shared/itip/address.ts so the sender check compares parsed addr-specs (issue 10 §1).
const SHARED_PACKAGES = ['ical\\.js', 'windows-iana', 'zod', 'nodemailer/(lib|dist/esm|dist/cjs)/addressparser'];


module.exports = {
  forbidden: [
    {
      name: 'shared-imports-only-shared',
      comment: 'shared/ is the contract and the pure engine: it imports nothing of ours outside shared/.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { path: '^(electron|renderer|cli|scripts|test|bin)/' },
    },
    {
      name: 'shared-no-node-builtins',
      comment: 'shared/ runs anywhere (renderer, CLI, main process): no node: builtins.',
      severity: 'error',
      from: { path: '^shared/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'shared-only-pure-packages',
      comment: `shared/ may use only pure packages (${SHARED_PACKAGES.join(', ')}): no nodemailer, imapflow, better-sqlite3, conf, electron, DOM libraries.`,
      severity: 'error',
      from: { path: '^shared/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown', 'unknown', 'undetermined'], pathNot: `node_modules/(${SHARED_PACKAGES.join('|')})/` },
    },
    {
      name: 'electron-not-renderer-or-cli',
      comment: 'electron/ (the core) may import shared/, never the UI or the command line.',
      severity: 'error',
      from: { path: '^electron/' },
      to: { path: '^(renderer|cli)/' },
    },
    {
      name: 'renderer-not-core-or-cli',
      comment: 'renderer/ talks only to ConveneApi: nothing of electron/ or cli/.',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^(electron|cli)/' },
    },
    {
      name: 'renderer-shared-api-only',
      comment: 'renderer/ uses shared/api.ts, shared/errors.ts and shared/present/ (pure presentation helpers the mail text uses too); the rest of shared/ (the engine) only as types.',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { path: '^shared/', pathNot: '^shared/((api|errors)\\.ts|present/)', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'present-stands-alone',
      comment: 'shared/present/ (links, names, rules in words, error sentences) is pure and imports nothing of the engine.',
      severity: 'error',
      from: { path: '^shared/present/' },
      to: { path: '^(shared/itip|electron|renderer|cli)/' },
    },
    {
      name: 'renderer-no-node',
      comment: 'renderer/ runs in a sandboxed page: no Node builtins.',
      severity: 'error',
      from: { path: '^renderer/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'cli-one-core-entry',
      comment: 'cli/ uses the core only through electron/public.ts.',
      severity: 'error',
      from: { path: '^cli/' },
      to: { path: '^electron/', pathNot: '^electron/public\\.ts$' },
    },
    {
      name: 'cli-not-renderer',
      severity: 'error',
      from: { path: '^cli/' },
      to: { path: '^renderer/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|test-artifacts)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'] },
    moduleSystems: ['es6', 'cjs'],
  },
};
