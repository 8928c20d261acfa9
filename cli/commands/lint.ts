// convene lint FILE [--json]: problems of a message about to be sent (validate as outgoing). Exit 1 on any error.
import { lintMessage } from '../../shared/itip/lint';
import { json, parse, readBytes, UsageError, type Io } from '../util';

export async function lintCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('usage: convene lint FILE [--json]');
  const file = positionals[0]!;
  const problems = await lintMessage(await readBytes(file));
  if (values.json) {
    io.out(json({ problems }));
  } else if (problems.length === 0) {
    io.out(`${file}: no problems\n`);
  } else {
    for (const p of problems) io.out(`${file}: ${p.severity} ${p.code}: ${p.message}\n`);
  }
  return problems.some((p) => p.severity === 'error') ? 1 : 0;
}
