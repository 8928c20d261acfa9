// Child process for store-crash.test.ts: writes to the store as fast as it can and prints `ack N` after each
// commit resolves (durable). The parent SIGKILLs it at random moments and checks the store after each kill.
import { CalendarStore } from '../../electron/store/calendar-store';
import { makeEvent } from './store-fixtures';

const dir = process.argv[2];
if (!dir) throw new Error('usage: child DIR');
const store = await CalendarStore.open(dir, { lockWaitMs: 5_000 });
let i = Number(store.get('meta')?.myAddress ?? '0') + 1;
process.stdout.write('ready\n');
for (;;) {
  const meta = { ...makeEvent('meta'), myAddress: String(i) };
  const changes: Parameters<CalendarStore['commit']>[0] = [
    { type: 'put', event: makeEvent(`ev-${i}`, i) },
    { type: 'processed', key: `k-${i}`, record: { action: 'created', uid: `ev-${i}`, reason: 'crash test', at: new Date().toISOString() } },
    { type: 'put', event: meta },
  ];
  if (i % 10 === 0) changes.push({ type: 'delete', uid: `ev-${i - 5}` });
  await store.commit(changes);
  // Kills also land inside WAL checkpoints (SQLite's automatic ones run every 1,000 pages).
  if (i % 25 === 0) await store.compact();
  process.stdout.write(`ack ${i}\n`);
  i++;
}
