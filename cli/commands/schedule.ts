// convene schedule [--old OLD.ics] [--new NEW.ics] --me ADDR [--me ADDR]... [--now ISO]: the iTIP messages due when
// one calendar object changes from OLD to NEW (either may be absent: created, deleted), as one JSON array
// [{method, uid, sender, recipient, significantChange, sequence, ics}], one entry per recipient. The engine has no
// clock: --now (default: this moment) becomes every message's DTSTAMP. Inputs the engine refuses: nothing on
// stdout, one line on stderr, exit 1.
import { planSchedule } from '../../shared/itip/schedule';
import { json, parse, readBytes, requireIso, UsageError, type Io } from '../util';

async function readText(file: string): Promise<string> {
  return new TextDecoder('utf-8').decode(await readBytes(file));
}

export async function scheduleCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    old: { type: 'string' },
    new: { type: 'string' },
    me: { type: 'string', multiple: true },
    now: { type: 'string' },
  }, false);
  if (positionals.length) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const me = values.me ?? [];
  if (!me.length) throw new UsageError('--me ADDR is required (the user whose change this is)');
  if (!values.old && !values.new) throw new UsageError('give --old OLD.ics, --new NEW.ics or both');
  const now = values.now ? new Date(Date.parse(requireIso('now', values.now))).toISOString() : new Date().toISOString();
  const plan = planSchedule({
    old: values.old ? await readText(values.old) : null,
    new: values.new ? await readText(values.new) : null,
    me,
    now,
  });
  if (!plan.ok) {
    io.err(`convene schedule: refused (${plan.code}): ${plan.reason.replace(/\s*\n\s*/g, ' ')}\n`);
    return 1;
  }
  io.out(
    json(
      plan.messages.map((m) => ({
        method: m.method,
        uid: m.uid,
        sender: m.sender,
        recipient: m.recipient,
        significantChange: m.significantChange,
        sequence: m.sequence,
        ics: m.ics,
      })),
    ),
  );
  return 0;
}
