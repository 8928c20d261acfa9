// convene calendar --store DIR: the stored events.
import { CalendarStore } from '../../electron/public';
import { eventEnd, isoToMs } from '../../shared/itip/agenda';
import type { StoredEvent } from '../../shared/itip/types';
import { json, parse, requireStore, UsageError, type Io } from '../util';

export interface CalendarRow {
  uid: string;
  sequence: number;
  status: string | null;
  summary: string | null;
  start: string | null;
  end: string | null;
  organizer: string | null;
  attendees: { email: string; partstat: string }[];
}

export function calendarRow(ev: StoredEvent): CalendarRow {
  const main = ev.master ?? ev.overrides[0] ?? null;
  const sequence = Math.max(ev.master?.sequence ?? 0, ...ev.overrides.map((o) => o.sequence));
  return {
    uid: ev.uid,
    sequence,
    status: ev.cancelled ? 'CANCELLED' : main?.status ?? null,
    summary: main?.summary ?? null,
    start: main?.start?.value ?? null,
    end: main ? eventEnd(main) : null,
    organizer: main?.organizer?.email ?? null,
    attendees: (main?.attendees ?? []).map((a) => ({ email: a.email, partstat: a.partstat })),
  };
}

export async function calendarCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { store: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError('usage: convene calendar --store DIR');
  const store = await CalendarStore.open(requireStore(values.store), { readOnly: true });
  try {
    // An invitation held for a decision (pending items only, nothing applied) is not in the calendar yet.
    const rows = store.all().filter((ev) => ev.master !== null || ev.overrides.length > 0).map(calendarRow);
    rows.sort((a, b) => (a.start ? isoToMs(a.start) : Infinity) - (b.start ? isoToMs(b.start) : Infinity) || a.uid.localeCompare(b.uid));
    io.out(json(rows));
  } finally {
    await store.close();
  }
  return 0;
}
