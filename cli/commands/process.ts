// convene process --store DIR --me ADDR... [--policy always|known|never] [--known ADDR]... FILE...
//
// Applies each file in order, the way the app applies new mail: read → decide (processRead) → one atomic store
// commit (the next event state, the processed record keyed by the content hash, the thread entry). Messages that
// are rejected or not iMIP change nothing. A file already processed (same bytes) is a duplicate.
import { applyFile, CalendarStore, contentKey, organizersOf } from '../../electron/public';
import { normalizeAddress } from '../../shared/itip/address';
import type { DecideContext, Decision, ProcessingPolicy } from '../../shared/itip/types';
import { parse, readBytes, requireStore, UsageError, type Io } from '../util';

export interface ProcessLine {
  file: string;
  action: Decision['action'];
  uid: string | null;
  reason: string;
}

export { contentKey };

/** Organizers of stored events count as known contacts for the 'known' policy. */
export const knownFromStore = (store: CalendarStore): Set<string> => organizersOf(store);

/** Processes one message against the store (the app's apply path). Never throws for bad input; store I/O failures are AppErrors. */
export async function processOne(
  store: CalendarStore,
  file: string,
  bytes: Uint8Array,
  ctx: Omit<DecideContext, 'knownContacts' | 'now'> & { known: Set<string>; now?: string },
): Promise<ProcessLine> {
  const seen = store.processedRecord(contentKey(bytes));
  // A message held for a decision is decided again (the policy or the known contacts may have changed since); the
  // decider itself reports a pending item it already holds as a duplicate.
  if (seen && seen.action !== 'needs-decision') {
    return { file, action: 'duplicate', uid: seen.uid, reason: `already processed at ${seen.at} (${seen.action})` };
  }
  const now = ctx.now ?? new Date().toISOString();
  const { decision } = await applyFile(store, file, bytes, { me: ctx.me, policy: ctx.policy, knownContacts: [...ctx.known], now });
  const org = decision.next?.master?.organizer?.email ?? decision.next?.overrides[0]?.organizer?.email;
  if (org) ctx.known.add(normalizeAddress(org));
  return { file, action: decision.action, uid: decision.uid, reason: decision.reason };
}

const POLICIES: readonly ProcessingPolicy[] = ['always', 'known', 'never'];

export async function processCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    store: { type: 'string' },
    me: { type: 'string', multiple: true },
    policy: { type: 'string' },
    known: { type: 'string', multiple: true },
  });
  const dir = requireStore(values.store);
  const me = values.me ?? [];
  if (me.length === 0) throw new UsageError('--me ADDR is required (one per address of yours)');
  const empty = me.find((m) => normalizeAddress(m) === '');
  if (empty !== undefined) throw new UsageError(`--me: not an address: '${empty}'`);
  const policy = (values.policy ?? 'known') as ProcessingPolicy;
  if (!POLICIES.includes(policy)) throw new UsageError(`--policy must be always, known or never (got ${values.policy})`);
  if (positionals.length === 0) throw new UsageError('usage: convene process --store DIR --me ADDR [--policy P] [--known ADDR]... FILE...');
  // Read every file first: an unreadable one stops the run before the store is touched.
  const inputs: { file: string; bytes: Uint8Array }[] = [];
  for (const file of positionals) inputs.push({ file, bytes: await readBytes(file) });

  const store = await CalendarStore.open(dir);
  try {
    const known = knownFromStore(store);
    for (const k of values.known ?? []) known.add(normalizeAddress(k));
    for (const { file, bytes } of inputs) {
      const line = await processOne(store, file, bytes, { me, policy, known });
      io.out(`${JSON.stringify(line)}\n`);
    }
  } finally {
    await store.close();
  }
  return 0;
}
