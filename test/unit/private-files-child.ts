// Child process for private-files.test.ts, run under `umask 000`: writes everything the app keeps in its data dir
// (the core's wiring, calendar store, outbox, settings, secrets, sync state) and exits.
import { join } from 'node:path';
import { createCore } from '../../electron/core';
import { Outbox } from '../../electron/mail/smtp/outbox';
import { CalendarStore } from '../../electron/store/calendar-store';
import { confBackend } from '../../electron/store/settings-store';
import { fileSecretBox } from '../../electron/store/credentials';
import { SyncStateStore } from '../../electron/mail/imap/sync-state';
import { makeEvent } from './store-fixtures';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: child DATADIR');
const core = await createCore({ dataDir, shell: 'browser' });
await core.close();
const store = await CalendarStore.open(join(dataDir, 'calendar'));
await store.put(makeEvent('private'));
await store.markProcessed('k', { action: 'created', uid: 'private', reason: 'r', at: '2026-01-01T00:00:00Z' });
await store.close();
const outbox = await Outbox.open(join(dataDir, 'outbox'), { sendRaw: async () => undefined });
const raw = new TextEncoder().encode('From: a@example.test\r\nTo: b@example.test\r\nSubject: s\r\nMessage-ID: <m1@example.test>\r\n\r\nbody\r\n');
await outbox.enqueue({ method: 'REQUEST', uid: 'private', from: 'a@example.test', to: ['b@example.test'], cc: [], subject: 's', messageId: '<m1@example.test>', raw }, null);
await outbox.stop();
confBackend(dataDir).set('probe', 1);
fileSecretBox(dataDir).encrypt('secret');
new SyncStateStore(join(dataDir, 'sync-state')).set('acct', 'INBOX', { uidValidity: 1, uidNext: 2, highestModseq: null, messages: 1, tracked: [] } as never);
process.stdout.write('done\n');
process.exit(0);
