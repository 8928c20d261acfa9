// Run in a child process by resilience.test.ts (bundled with esbuild): syncs one account into a store and reports
// every processed message on stdout, so the parent can SIGKILL it in the middle of writing.
import { makeSync } from './sync-fixture';
import type { MailServers, TestUser } from './mail-servers';

const cfg = JSON.parse(process.env.CONVENE_CHILD ?? '{}') as { imapPort: number; smtpPort: number; user: TestUser; dir: string; batchSize: number };
const servers = { imap: { host: '127.0.0.1', port: cfg.imapPort }, smtp: { host: '127.0.0.1', port: cfg.smtpPort } } as MailServers;
const f = await makeSync(servers, cfg.user, { dir: cfg.dir, settings: { policy: 'always' }, sync: { batchSize: cfg.batchSize } });
let n = 0;
f.service.on('processed', () => {
  n++;
  process.stdout.write(`processed ${n}\n`);
});
await f.service.syncNow();
process.stdout.write('done\n');
await f.close();
