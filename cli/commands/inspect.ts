// convene inspect FILE [--me ADDR]...
import { inspectResult, type InspectOutput } from '../../shared/itip/inspect';
import { readInput } from '../../shared/itip/message';
import { json, parse, readBytes, UsageError, type Io } from '../util';

/** The command's whole code path minus I/O: what the corpus test and the bench run. */
export async function inspectBytes(bytes: Uint8Array, filename: string | undefined, me: string[] = []): Promise<InspectOutput> {
  const r = await readInput(bytes, filename);
  return inspectResult(r, me);
}

export async function inspectCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { me: { type: 'string', multiple: true } });
  if (positionals.length !== 1) throw new UsageError('usage: convene inspect FILE [--me ADDR]...');
  const file = positionals[0]!;
  const bytes = await readBytes(file);
  io.out(json(await inspectBytes(bytes, file, values.me ?? [])));
  return 0;
}
