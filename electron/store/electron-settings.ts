// The electron-store backend for SettingsStore. electron-store imports electron, so only electron/main.ts imports
// this file; plain-Node shells use confBackend (conf is the library electron-store is built on: same file format).
import ElectronStore from 'electron-store';
import type { KeyValueBackend } from './settings-store';

export function electronStoreBackend(opts: { cwd?: string; name?: string } = {}): KeyValueBackend {
  const store = new ElectronStore<Record<string, unknown>>({
    name: opts.name ?? 'settings',
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    accessPropertiesByDotNotation: false,
    configFileMode: 0o600,
  });
  return {
    get: (key) => store.get(key),
    set: (key, value) => store.set(key, value),
    delete: (key) => store.delete(key),
  };
}
