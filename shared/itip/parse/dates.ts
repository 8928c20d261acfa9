// Dates: DTSTART/DTEND/RECURRENCE-ID/RDATE/EXDATE values → DateTimeValue, with our own date handling so that
// Windows TZIDs (Outlook/Exchange) and TZIDs without a VTIMEZONE still give a correct UTC instant.

import ICAL from 'ical.js';
import type { DateTimeValue } from '../types';
import { cleanTzid, toIana } from '../zones/iana';
import { ianaOffsetForLocal } from '../zones/intl';
import { localUtcOffset, ZoneTooComplexError } from '../zones/vtimezone';
import { RecurBudgetExceeded } from '../recur-guard';
import { firstRaw, param, type PropertyLike, rawValues } from './ical';
import { type ReadCtx, warn } from './context';

export interface Fields {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  date: boolean;
  utc: boolean;
}

/** Reads 'YYYY-MM-DD', 'YYYY-MM-DDTHH:MM:SS[Z]' (jCal) or the iCalendar basic forms; null for junk. */
export function fieldsOf(raw: string): Fields | null {
  const fast = canonicalFields(raw);
  return fast !== undefined ? fast : generalFields(raw);
}

/** Every spelling fieldsOf accepts (exported for the test comparing the canonical fast path with it). */
export function generalFields(raw: string): Fields | null {
  const s = raw.trim().replace(/[-:]/g, '');
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?T?$/i.exec(s);
  if (!m) return null;
  const f: Fields = {
    y: +m[1]!,
    mo: +m[2]!,
    d: +m[3]!,
    h: m[4] ? +m[4] : 0,
    mi: m[5] ? +m[5] : 0,
    s: m[6] ? +m[6] : 0,
    date: m[4] === undefined,
    utc: !!m[7],
  };
  if (f.mo < 1 || f.mo > 12 || f.d < 1 || f.d > 31 || f.h > 24 || f.mi > 59 || f.s > 60) return null;
  return f;
}

/**
 * fieldsOf for the forms ical.js writes into jCal (RFC 7265 §3.6.4/§3.6.5: 'YYYY-MM-DD', 'YYYY-MM-DDTHH:MM:SS',
 * '...Z'), read by char codes: the same Fields (or null for out-of-range parts) as the general path, which is left
 * every other spelling (undefined).
 */
function canonicalFields(raw: string): Fields | null | undefined {
  const n = raw.length;
  if (n !== 10 && n !== 19 && n !== 20) return undefined;
  const d = (i: number): number => raw.charCodeAt(i) - 48;
  const digits = (i: number, k: number): number => {
    let v = 0;
    for (let j = i; j < i + k; j++) {
      const x = d(j);
      if (x < 0 || x > 9) return -1;
      v = v * 10 + x;
    }
    return v;
  };
  if (raw[4] !== '-' || raw[7] !== '-') return undefined;
  const y = digits(0, 4);
  const mo = digits(5, 2);
  const day = digits(8, 2);
  if (y < 0 || mo < 0 || day < 0) return undefined;
  let h = 0;
  let mi = 0;
  let sec = 0;
  let utc = false;
  if (n > 10) {
    if (raw[10] !== 'T' || raw[13] !== ':' || raw[16] !== ':') return undefined;
    if (n === 20 && raw[19] !== 'Z') return undefined;
    h = digits(11, 2);
    mi = digits(14, 2);
    sec = digits(17, 2);
    if (h < 0 || mi < 0 || sec < 0) return undefined;
    utc = n === 20;
  }
  if (mo < 1 || mo > 12 || day < 1 || day > 31 || h > 24 || mi > 59 || sec > 60) return null;
  return { y, mo, d: day, h, mi, s: sec, date: n === 10, utc };
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const dateText = (f: Fields): string => `${pad(f.y, 4)}-${pad(f.mo)}-${pad(f.d)}`;
const localText = (f: Fields): string => `${dateText(f)}T${pad(f.h)}:${pad(f.mi)}:${pad(f.s)}`;
/** ISO 8601 UTC without milliseconds. toISOString always ends in '.sssZ' (ECMA-262 §21.4.4.36), so it is cut off. */
export const isoUtc = (ms: number): string => {
  // Whole seconds from 1970 to 9999 (every date a calendar sends): the fields computed (H. Hinnant's
  // civil_from_days), no Date built. Anything else as toISOString writes it.
  if (ms >= 0 && ms < MAX_FAST_MS && ms % 1000 === 0) {
    const secs = ms / 1000;
    const days = Math.floor(secs / 86_400);
    const rest = secs - days * 86_400;
    const z = days + 719_468;
    const era = Math.floor(z / 146_097);
    const doe = z - era * 146_097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const m = mp < 10 ? mp + 3 : mp - 9;
    const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    const h = Math.floor(rest / 3600);
    const mi = Math.floor((rest % 3600) / 60);
    return `${pad(y, 4)}-${pad(m)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(rest % 60)}Z`;
  }
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, -5)}Z`;
};
/** 10000-01-01T00:00:00Z. */
const MAX_FAST_MS = 253_402_300_800_000;
const localMs = (f: Fields): number => {
  // Date.UTC reads years 0–99 as 1900–1999: those go through setUTCFullYear, which takes the year as written.
  if (f.y >= 100) return Date.UTC(f.y, f.mo - 1, f.d, f.h, f.mi, f.s, 0);
  const d = new Date(0);
  d.setUTCFullYear(f.y, f.mo - 1, f.d);
  d.setUTCHours(f.h, f.mi, f.s, 0);
  return d.getTime();
};

function offsetText(seconds: number): string {
  const sign = seconds < 0 ? '-' : '+';
  const a = Math.abs(Math.round(seconds / 60));
  return `${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

export function dateProp(p: PropertyLike | null, ctx: ReadCtx): DateTimeValue | null {
  return p ? dateValue(p, ctx) : null;
}

export function dateValue(p: PropertyLike, ctx: ReadCtx, rawOverride?: unknown): DateTimeValue | null {
  let raw = rawOverride ?? firstRaw(p);
  if (Array.isArray(raw)) raw = raw[0]; // PERIOD (RDATE;VALUE=PERIOD): its start
  if (typeof raw === 'string' && raw.includes('/')) raw = raw.split('/')[0];
  const f = typeof raw === 'string' ? fieldsOf(raw) : null;
  if (!f) {
    warn(ctx, 'invalid-date', `${p.name.toUpperCase()} has an unreadable value`);
    return null;
  }
  // Every month has days 1–28 (fieldsOf keeps the month in 1–12): only a later day needs the calendar's check.
  if (f.d > 28 && new Date(Date.UTC(f.y, f.mo - 1, f.d)).getUTCDate() !== f.d) {
    // Feb 30 (Lotus Notes 8.5.3): keep the rolled-over day, as Outlook does, but say so.
    warn(ctx, 'invalid-date', `${p.name.toUpperCase()} names a day that does not exist (${dateText(f)})`);
    const ms = localMs(f);
    const d = new Date(ms);
    f.y = d.getUTCFullYear();
    f.mo = d.getUTCMonth() + 1;
    f.d = d.getUTCDate();
  }
  if (f.date || p.type === 'date') {
    return { value: dateText(f), tzid: null, allDay: true, floating: false, utc: null };
  }
  if (f.utc) {
    // RFC 5545 §3.3.5: a UTC time ignores any TZID (Yahoo sends both: corpus utc-time-with-tzid).
    // A time already in range is its own UTC text (what toISOString would print, without building a Date).
    const u = f.h < 24 && f.mi < 60 && f.s < 60 && f.y <= 9999 ? `${localText(f)}Z` : isoUtc(localMs(f));
    return { value: u, tzid: 'UTC', allDay: false, floating: false, utc: u };
  }
  const tzRaw = param(p, 'tzid');
  const original = tzRaw === null ? '' : cleanTzid(tzRaw);
  if (original === '') {
    if (tzRaw !== null) warn(ctx, 'unknown-tzid', `${p.name.toUpperCase()} has an empty TZID; read as floating time`);
    return { value: localText(f), tzid: null, allDay: false, floating: true, utc: null };
  }
  const zone = resolveZone(original, ctx.zones);
  let offset: number | null = null;
  if (zone.vtimezone) {
    // The embedded VTIMEZONE is what the sender meant (RFC 5545 §3.2.19), so its rules win over our database.
    try {
      const o = localUtcOffset(zone.vtimezone, f.y, f.mo, f.d, f.h, f.mi, f.s);
      if (Number.isFinite(o)) offset = o;
    } catch (err) {
      // A STANDARD/DAYLIGHT rule whose expansion ran out of its step budget (zones/vtimezone.ts, recur-guard.ts):
      // the zone's offsets are unknown. Say so; the TZID's IANA mapping (or floating time) is used instead.
      offset = null;
      if (err instanceof ZoneTooComplexError || err instanceof RecurBudgetExceeded) {
        warn(ctx, 'zone-too-complex', `VTIMEZONE "${original}" has a rule that needs too many recurrence steps; its offsets were not used`);
      }
    }
  }
  if (offset === null && zone.iana) offset = ianaOffsetForLocal(zone.iana, localMs(f));
  if (offset === null) {
    warn(ctx, 'unknown-tzid', `TZID "${original}" has no VTIMEZONE and no known mapping; read as floating time`);
    return { value: localText(f), tzid: null, originalTzid: original, allDay: false, floating: true, utc: null };
  }
  const tzid = zone.iana ?? original;
  const out: DateTimeValue = {
    value: `${localText(f)}${offset === 0 && tzid === 'UTC' ? 'Z' : offsetText(offset)}`,
    tzid,
    allDay: false,
    floating: false,
    utc: isoUtc(localMs(f) - offset * 1000),
  };
  if (tzRaw !== null && tzRaw !== tzid) out.originalTzid = tzRaw;
  return out;
}

export function normalisedInstant(v: DateTimeValue): string {
  if (v.allDay) return v.value;
  return v.utc ?? v.value; // floating recurrence ids keep their local form
}

export function multiDates(p: PropertyLike, ctx: ReadCtx): string[] {
  const out: string[] = [];
  for (const raw of rawValues(p)) {
    const v = dateValue(p, ctx, raw);
    if (v) out.push(normalisedInstant(v));
  }
  return out;
}

interface Zone {
  iana: string | null;
  vtimezone: ICAL.Timezone | null;
}

function resolveZone(tzid: string, zones: Map<string, ICAL.Timezone>): Zone {
  return { iana: toIana(tzid), vtimezone: zones.get(tzid) ?? null };
}
