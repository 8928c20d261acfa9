// Zone mapping: a TZID as producers write it (IANA, Windows, Mozilla prefixes, Exchange CDO, Lotus, display
// names) → an IANA name, through windows-iana (CLDR) and the platform's own list of zones.

import { findIana, WINDOWS_TO_IANA_MAP } from 'windows-iana';
import { isKnownZone } from './intl';

/** Strips quotes and whitespace that Outlook and Exchange CDO put around TZID values. */
export function cleanTzid(tzid: string): string {
  // Most TZIDs are clean already (read for every date of every override): printable ASCII at both ends, no quote
  // there, no backslash anywhere. Then each step below leaves them as they are.
  if (tzid.length > 0 && plainEnd(tzid.charCodeAt(0)) && plainEnd(tzid.charCodeAt(tzid.length - 1)) && !tzid.includes('\\')) return tzid;
  return tzid.trim().replace(/^"+|"+$/g, '').replace(/\\,/g, ',').trim();
}

/** Printable ASCII other than '"': neither trim() nor the quote stripping touches it. */
function plainEnd(c: number): boolean {
  return c > 0x20 && c < 0x7f && c !== 0x22;
}

const MAX_TZIDS = 4096;
const zoneCache = new Map<string, string | null>();

let ianaByCity: Map<string, string> | null = null;
function cityIndex(): Map<string, string> {
  if (ianaByCity) return ianaByCity;
  ianaByCity = new Map();
  let all: string[] = [];
  try {
    all = Intl.supportedValuesOf('timeZone');
  } catch {
    all = [];
  }
  for (const z of all) {
    const city = z.split('/').pop();
    if (city && z.includes('/')) ianaByCity.set(city.replace(/_/g, ' ').toLowerCase(), z);
  }
  return ianaByCity;
}

// Display names written by Outlook for Mac / Exchange 2003 whose cities are not IANA zone names.
const DISPLAY_NAMES: Record<string, string> = {
  'eastern time (us & canada)': 'America/New_York',
  'central time (us & canada)': 'America/Chicago',
  'mountain time (us & canada)': 'America/Denver',
  'pacific time (us & canada)': 'America/Los_Angeles',
  'pacific time (us & canada), tijuana': 'America/Los_Angeles',
  'greenwich mean time : dublin, edinburgh, lisbon, london': 'Europe/London',
};

const CDO_OFFSETS: Record<string, string> = {
  '+0000/+0100': 'Europe/London',
  '+0100/+0200': 'Europe/Berlin',
  '+0200/+0300': 'Europe/Helsinki',
  '-0500/-0400': 'America/New_York',
  '-0600/-0500': 'America/Chicago',
  '-0700/-0600': 'America/Denver',
  '-0800/-0700': 'America/Los_Angeles',
};

/** Maps a TZID as written to an IANA name (or 'UTC'); null when there is no safe mapping. */
export function toIana(tzidIn: string): string | null {
  const tzid = cleanTzid(tzidIn);
  if (zoneCache.has(tzid)) return zoneCache.get(tzid) ?? null;
  const found = computeIana(tzid);
  // Bounded: every message may bring a TZID of its own. Dropping all at the bound is enough (a lookup is cheap).
  if (zoneCache.size >= MAX_TZIDS) zoneCache.clear();
  zoneCache.set(tzid, found);
  return found;
}

function isIana(name: string): boolean {
  if (!/^[A-Za-z]/.test(name) || !/^[A-Za-z0-9_+\-/]+$/.test(name)) return false;
  return isKnownZone(name);
}

function windowsToIana(name: string): string | null {
  const tryOne = (n: string): string | null => {
    // findIana filters the whole table (and its aliases) for rows named exactly `n`: a name no row has finds none.
    if (!windowsNameIndex().has(n.toLowerCase())) return null;
    try {
      return findIana(n)[0] ?? null;
    } catch {
      return null;
    }
  };
  const exact = tryOne(name);
  if (exact) return exact;
  // windows-iana is case-sensitive; Exchange and Lotus also drop the " Standard Time" suffix ("W. Europe", "FLE").
  // The first Windows name (in the CLDR table's order) equal to one of the three spellings, as a scan would find.
  const lower = name.toLowerCase();
  const index = windowsNameIndex();
  let best: { at: number; name: string } | undefined;
  for (const key of [lower, `${lower} standard time`, `${lower} time`]) {
    const hit = index.get(key);
    if (hit && (!best || hit.at < best.at)) best = hit;
  }
  return best ? tryOne(best.name) : null;
}

/** Lower-cased Windows zone name → the first name so spelled and its position in the table (built once). */
let winIndex: Map<string, { at: number; name: string }> | null = null;
function windowsNameIndex(): Map<string, { at: number; name: string }> {
  if (winIndex) return winIndex;
  winIndex = new Map();
  const names = [...new Set(WINDOWS_TO_IANA_MAP.map((row) => row.windowsName as string))];
  names.forEach((name, at) => {
    const key = name.toLowerCase();
    if (!winIndex!.has(key)) winIndex!.set(key, { at, name });
  });
  return winIndex;
}

function computeIana(tzid: string): string | null {
  if (tzid === '') return null;
  if (/^(utc|gmt|z|etc\/utc|etc\/gmt|universal|zulu|coordinated universal time)$/i.test(tzid)) return 'UTC';
  if (isIana(tzid)) return tzid;
  const win = windowsToIana(tzid);
  if (win) return win;
  // Mozilla / Evolution style prefixes: '/mozilla.org/20050126_1/Europe/Berlin', '/softwarestudio.org/.../X/Y'.
  const tail = /([A-Za-z]+\/[A-Za-z0-9_+\-]+(?:\/[A-Za-z0-9_+\-]+)?)$/.exec(tzid)?.[1];
  if (tail && tail !== tzid) {
    const parts = tail.split('/');
    for (let i = 0; i < parts.length - 1; i++) {
      const cand = parts.slice(i).join('/');
      if (isIana(cand)) return cand;
    }
  }
  // Exchange CDO writes 'GMT +0100 (Standard) / GMT +0200 (Daylight)'. The offsets alone do not name a zone, so
  // this is a labelled guess (the region's most common zone); the embedded VTIMEZONE still supplies the offsets.
  const cdo = /^GMT\s*([+-]\d{4})\s*\(Standard\)\s*\/\s*GMT\s*([+-]\d{4})\s*\(Daylight\)$/i.exec(tzid);
  if (cdo) return CDO_OFFSETS[`${cdo[1]}/${cdo[2]}`] ?? null;
  // Lotus Notes writes 'America-Chicago'.
  if (/^[A-Za-z]+-[A-Za-z_]+$/.test(tzid) && isIana(tzid.replace('-', '/'))) return tzid.replace('-', '/');
  // Windows display names: '(GMT-05.00) Eastern Time (US & Canada)', 'Sarajevo, Skopje, Warsaw, Zagreb'.
  const bare = tzid.replace(/^\((?:GMT|UTC)[^)]*\)\s*/i, '').trim();
  const known = DISPLAY_NAMES[bare.toLowerCase()];
  if (known) return known;
  if (bare !== tzid) {
    const w = windowsToIana(bare);
    if (w) return w;
  }
  if (!/\d/.test(bare)) {
    const cities = cityIndex();
    for (const part of bare.split(/[,/;]| - /)) {
      const hit = cities.get(part.trim().toLowerCase());
      if (hit) return hit;
    }
  }
  return null;
}
