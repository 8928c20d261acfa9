// Zone offsets from the platform's tz database (ICU, through Intl): no tz database of our own.

const dtfCache = new Map<string, Intl.DateTimeFormat>();

/** Offset (seconds east of UTC) of an IANA zone at a UTC instant, from Node's built-in tz database. */
function ianaOffsetAt(zone: string, utcMs: number): number | null {
  if (zone === 'UTC') return 0;
  let dtf = dtfCache.get(zone);
  if (!dtf) {
    try {
      dtf = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch {
      return null;
    }
    dtfCache.set(zone, dtf);
  }
  const parts: Record<string, string> = {};
  for (const p of dtf.formatToParts(new Date(utcMs))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era && /^b/i.test(parts.era)) year = 1 - year;
  const d = new Date(0);
  d.setUTCFullYear(year, Number(parts.month) - 1, Number(parts.day));
  d.setUTCHours(Number(parts.hour) % 24, Number(parts.minute), Number(parts.second), 0);
  const off = Math.round((d.getTime() - Math.floor(utcMs / 1000) * 1000) / 1000);
  return Number.isFinite(off) ? off : null;
}

/** Offset for a wall-clock time in a zone (two passes settle DST edges; a skipped hour takes the later offset). */
export function ianaOffsetForLocal(zone: string, local: number): number | null {
  const first = ianaOffsetAt(zone, local);
  if (first === null) return null;
  const second = ianaOffsetAt(zone, local - first * 1000);
  return second ?? first;
}
