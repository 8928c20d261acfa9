// A SyncService wired to real stores in a temp dir, for one test user: what the app's main process builds, minus
// Electron (conf backend + 0600 secrets file).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Settings } from '../../shared/api';
import { CalendarStore } from '../../electron/store/calendar-store';
import { fileSecretBox } from '../../electron/store/credentials';
import { SettingsStore, confBackend } from '../../electron/store/settings-store';
import { SyncService, type ProcessedEvent, type SyncServiceDeps } from '../../electron/services/sync-service';
import { testAccount, type MailServers, type TestUser } from './mail-servers';

export interface SyncFixture {
  dir: string;
  calendar: CalendarStore;
  settings: SettingsStore;
  service: SyncService;
  accountId: string;
  processed: ProcessedEvent[];
  close(): Promise<void>;
  /** close() and delete the data dir (unless CONVENE_KEEP_MAIL is set, for post-mortems). */
  dispose(): Promise<void>;
}

export async function makeSync(
  servers: MailServers,
  user: TestUser,
  opts: { settings?: Partial<Settings>; aliases?: string[]; sync?: SyncServiceDeps['sync']; dir?: string; start?: boolean } = {},
): Promise<SyncFixture> {
  const dir = opts.dir ?? (await mkdtemp(path.join(os.tmpdir(), `convene-${user.name}-`)));
  const calendar = await CalendarStore.open(path.join(dir, 'calendar'), { durable: true });
  const secrets = fileSecretBox(dir);
  const settings = new SettingsStore(confBackend(dir), secrets);
  settings.saveSettings({ ...settings.getSettings(), ...(opts.settings ?? {}) });
  const existing = settings.listAccounts().find((a) => a.email === user.email);
  const account =
    existing ??
    settings.saveAccount(testAccount(servers, user, opts.aliases));
  const service = new SyncService({ calendar, settings, secrets, dataDir: dir, sync: { pollMs: 60_000, backoff: { initialMs: 200, maxMs: 2000 }, ...(opts.sync ?? {}) } });
  const processed: ProcessedEvent[] = [];
  service.on('processed', (p: ProcessedEvent) => processed.push(p));
  if (opts.start !== false) service.start();
  const close = async () => {
    await service.stop();
    await calendar.close();
  };
  return {
    dir,
    calendar,
    settings,
    service,
    accountId: account.id,
    processed,
    close,
    async dispose() {
      await close().catch(() => {});
      if (!process.env.CONVENE_KEEP_MAIL) await rm(dir, { recursive: true, force: true });
    },
  };
}
