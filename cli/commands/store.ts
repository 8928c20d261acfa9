// convene store check --store DIR    what is damaged in a store (never writes): JSON StoreCheckReport;
//                                     exit 0 intact (a torn journal tail is intact), 1 damaged, 2 no usable store
// convene store repair --store DIR   keeps every intact record after a backup of every file: JSON StoreRepairReport;
//                                     exit 0 repaired or already intact, 2 no usable store or store in use
import { checkStore, repairStore } from '../../electron/public';
import { json, parse, requireStore, UsageError, type Io } from '../util';

const USAGE = 'usage: convene store check|repair --store DIR';

export async function storeCommand(args: string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'check' && sub !== 'repair') throw new UsageError(USAGE);
  const { values, positionals } = parse(rest, { store: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(USAGE);
  const dir = requireStore(values.store);
  if (sub === 'check') {
    const report = checkStore(dir);
    io.out(json(report));
    return report.ok ? 0 : 1;
  }
  io.out(json(await repairStore(dir)));
  return 0;
}
