// The `convene` command line. bin/convene.mjs imports this (built to dist/cli.mjs) and sets the exit code main()
// returns: 0 ok, 1 lint found errors or schedule refused its inputs, 2 usage errors / unreadable files / unusable store (one line on stderr).
import { agendaCommand } from './commands/agenda';
import { calendarCommand } from './commands/calendar';
import { discoverCommand } from './commands/discover';
import { inspectCommand } from './commands/inspect';
import { lintCommand } from './commands/lint';
import { processCommand } from './commands/process';
import { storeCommand } from './commands/store';
import { scheduleCommand } from './commands/schedule';
import { oneLine, processIo, type Io } from './util';

export { inspectBytes } from './commands/inspect';
export { processOne, contentKey, knownFromStore } from './commands/process';
export { calendarRow } from './commands/calendar';
export { CalendarStore } from '../electron/public';
export { expandAgenda } from '../shared/itip/agenda';

export const USAGE = `usage: convene <command> [options]

commands:
  inspect FILE [--me ADDR]...
      what Convene recognises in a message (.eml) or calendar file (.ics), as JSON
  lint FILE [--json]
      problems in a message about to be sent; exit 1 when any is an error
  process --store DIR --me ADDR [--me ADDR]... [--policy always|known|never] [--known ADDR]... FILE...
      apply messages in order to the calendar store; one JSON line per file {file, action, uid, reason}
  calendar --store DIR
      the stored events as JSON
  agenda --store DIR --from ISO --to ISO
      the occurrences in [from, to) as JSON
  schedule [--old OLD.ics] [--new NEW.ics] --me ADDR [--me ADDR]... [--now ISO]
      the iTIP messages due when a calendar object changes from OLD to NEW, as one JSON array
      [{method, uid, sender, recipient, significantChange, sequence, ics}]; exit 1 when the inputs are refused
  store check --store DIR
      what is damaged in the store, as JSON; exit 1 when something is
  store repair --store DIR
      rebuild the store from every intact record, after a backup of every file; JSON report
  discover ADDRESS [--dns-server HOST:PORT] [--no-probe]
      the mail servers account set-up would find for an address, as JSON; exit 1 when nothing is found

exit codes: 0 ok, 1 lint found errors, schedule refused the inputs, store check found damage or discover found nothing, 2 usage error, unreadable file or unusable store
`;

const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  inspect: inspectCommand,
  lint: lintCommand,
  process: processCommand,
  calendar: calendarCommand,
  agenda: agendaCommand,
  schedule: scheduleCommand,
  store: storeCommand,
  discover: discoverCommand,
};

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (!cmd) {
    io.err('convene: missing command (see convene --help)\n');
    return 2;
  }
  const run = COMMANDS[cmd];
  if (!run) {
    io.err(`convene: unknown command '${cmd}' (see convene --help)\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  try {
    return await run(rest, io);
  } catch (err) {
    const line = oneLine(err);
    if (line !== null) {
      io.err(`convene ${cmd}: ${line.replace(/\s*\n\s*/g, ' ')}\n`);
      return 2;
    }
    // A bug: say so loudly, still on one line, and a distinct code.
    io.err(`convene ${cmd}: internal error: ${err instanceof Error ? err.message : String(err)}`.replace(/\s*\n\s*/g, ' ') + '\n');
    return 70;
  }
}
