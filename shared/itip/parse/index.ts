// iCalendar text → plain data (CalendarObject). Uses ical.js for the grammar and the VTIMEZONE maths, but never lets
// it throw out of here: real producers write broken files (see ../corpus MANIFEST features `malformed`), and a
// broken invitation must still show up as mail with a reason (Problem), not as an exception.
//
// Pipeline: repair the line structure (RFC 5545 §3.1 folding, blank lines, stray content), parse with ical.js,
// then read each VEVENT/VTODO/VJOURNAL/VFREEBUSY into EventData with our own date handling so that Windows TZIDs
// (Outlook/Exchange) and TZIDs without a VTIMEZONE still give a correct UTC instant.

import type { CalendarObject, Problem } from '../types';
import { repairLines, undoStrayQuotedPrintable } from './lines';
import { parseRoots } from './ical';
import { readRoots } from './component';

export { toIana } from '../zones/iana';

/** Parses one iCalendar object. Never throws: unreadable input gives components [] and an `invalid-ics` problem. */
export function parseCalendar(text: string): CalendarObject {
  const problems: Problem[] = [];
  const empty = (message: string): CalendarObject => ({
    method: null,
    prodid: null,
    components: [],
    vtimezones: [],
    problems: [...problems, { code: 'invalid-ics', severity: 'error', message }],
  });
  if (typeof text !== 'string') return empty('calendar text is not a string');
  try {
    text = undoStrayQuotedPrintable(text, problems);
    const repaired = repairLines(text, problems);
    if (repaired === null) return empty('no BEGIN:VCALENDAR (or BEGIN:VEVENT) found');
    const roots = parseRoots(repaired, problems);
    if (roots === null) return empty('iCalendar syntax could not be parsed');
    return readRoots(roots, problems);
  } catch (err) {
    // A bug in our reading or an ical.js edge case: still a value, never an exception.
    return empty(`iCalendar could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
}
