// Zone offsets from the platform's tz database (ICU, through Intl): no tz database of our own. The one place the
// engine asks Intl about zones: the reader (IANA TZIDs without a VTIMEZONE), the writer (VTIMEZONEs generated for
// IANA zones) and the agenda all use these.

/** Formatters kept (least recently used dropped first); unknown names are remembered too, as their RangeError. */
const MAX_FORMATTERS = 512;
const formatters = new Map<string, Intl.DateTimeFormat | RangeError>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (f) {
    formatters.delete(tz);
    formatters.set(tz, f);
  } else {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        // The era tells 1 BC (written "1") from AD 1: far-past dates keep their true year.
        era: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch (err) {
      if (!(err instanceof RangeError)) throw err;
      f = err;
    }
    formatters.set(tz, f);
    if (formatters.size > MAX_FORMATTERS) formatters.delete(formatters.keys().next().value as string);
  }
  if (f instanceof RangeError) throw f;
  return f;
}

/** True when the platform knows the IANA zone. */
export function isKnownZone(tz: string): boolean {
  try {
    formatterFor(tz);
    return true;
  } catch {
    return false;
  }
}

/**
 * The zone's UTC offset in seconds at the instant `ms` (east positive; local mean times keep their seconds).
 * Throws RangeError for unknown zones.
 */
export function zoneOffsetSeconds(tz: string, ms: number): number {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(tz).formatToParts(new Date(ms))) parts[p.type] = p.value;
  let year = Number(parts.year);
  if (parts.era && /^b/i.test(parts.era)) year = 1 - year;
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0–99 as 1900–1999.
  const d = new Date(0);
  d.setUTCFullYear(year, Number(parts.month) - 1, Number(parts.day));
  d.setUTCHours(Number(parts.hour) % 24, Number(parts.minute), Number(parts.second), 0);
  return Math.round((d.getTime() - Math.floor(ms / 1000) * 1000) / 1000);
}

/** The zone's UTC offset in minutes at the instant `ms` (east positive). Throws RangeError for unknown zones. */
export function zoneOffsetMinutes(tz: string, ms: number): number {
  return Math.round(zoneOffsetSeconds(tz, ms) / 60);
}

/** Offset (seconds east of UTC) of an IANA zone at a UTC instant; null for a zone the platform does not know. */
export function ianaOffsetAt(zone: string, utcMs: number): number | null {
  if (zone === 'UTC') return 0;
  if (!isKnownZone(zone)) return null;
  const off = zoneOffsetSeconds(zone, utcMs);
  return Number.isFinite(off) ? off : null;
}

/** Offset for a wall-clock time in a zone (two passes settle DST edges; a skipped hour takes the later offset). */
export function ianaOffsetForLocal(zone: string, local: number): number | null {
  const first = ianaOffsetAt(zone, local);
  if (first === null) return null;
  const second = ianaOffsetAt(zone, local - first * 1000);
  return second ?? first;
}
