// convene agenda --store DIR --from ISO --to ISO: occurrences in [from, to), read through the store's window index
// (the series whose span touches the window), expanded by shared/itip/agenda.ts.
import { CalendarStore } from '../../electron/public';
import { expandAgendaReport } from '../../shared/itip/agenda';
import { json, parse, requireIso, requireStore, UsageError, type Io } from '../util';

export async function agendaCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { store: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError('usage: convene agenda --store DIR --from ISO --to ISO');
  const dir = requireStore(values.store);
  const from = requireIso('from', values.from);
  const to = requireIso('to', values.to);
  const store = await CalendarStore.open(dir, { readOnly: true });
  try {
    const report = expandAgendaReport(store.window(from, to), from, to);
    const occ = report.occurrences.map(({ uid, recurrenceId, start, end, summary, status, attendees, truncated }) => ({
      uid,
      recurrenceId,
      start,
      end,
      summary,
      status,
      attendees,
      ...(truncated ? { truncated } : {}),
    }));
    io.out(json(occ));
    // An expansion cut short is said, never silent (issue 10 §2): one line per event on stderr, exit status unchanged.
    for (const c of report.cutShort) io.err(`convene agenda: ${c.uid}: ${c.reason}\n`);
  } finally {
    await store.close();
  }
  return 0;
}
