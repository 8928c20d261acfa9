// Zones computed once (zones/vtimezone.ts): every offset must be the one ical.js computes when it expands the whole
// VTIMEZONE from its DTSTART (the reader's behaviour before the cache), for Exchange's 1601 zones, zones from 1970,
// RDATE transitions, UNTIL rules, negative DST, and dates far in the past and future.
import fc from 'fast-check';
import ICAL from 'ical.js';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCalendar } from '../../shared/itip/parse';
import { isKnownZone, zoneOffsetSeconds } from '../../shared/itip/zones/intl';
import {
  CachedTimezone,
  cachedTimezone,
  configureZoneCache,
  MAX_ZONE_DEFINITIONS,
  MAX_ZONE_STEPS,
  ZoneTooComplexError,
  zoneCacheSize,
} from '../../shared/itip/zones/vtimezone';
import { BERLIN_1970, distinctZone, DUBLIN_NEGATIVE, EASTERN, exchangeZone, MOSCOW_RDATES, W_EUROPE, ZOO } from '../fixtures/zone-zoo';

const component = (text: string) => new ICAL.Component(ICAL.parse(text) as unknown[]);

const REFERENCE_YEARS = 3200;
const references = new Map<string, InstanceType<typeof ICAL.Timezone>>();

/**
 * The reference: ical.js's own Timezone, expanded by ical.js from DTSTART. One instance per text, expanded once up to
 * REFERENCE_YEARS (its list then never grows again, so every answer comes from one complete list); later years get a
 * fresh instance, as the reader made one per calendar before the cache.
 */
function referenceOffset(text: string, t: InstanceType<typeof ICAL.Time>): number {
  if (t.year > REFERENCE_YEARS - 5) return new ICAL.Timezone(component(text)).utcOffset(t);
  const until = t.year <= 2195 ? 2200 : REFERENCE_YEARS;
  let tz = references.get(`${until}|${text}`);
  if (!tz) {
    tz = new ICAL.Timezone(component(text));
    tz.utcOffset(local(until, 1, 1));
    references.set(`${until}|${text}`, tz);
  }
  return tz.utcOffset(t);
}

function local(y: number, mo: number, d: number, h = 0, mi = 0, s = 0) {
  return ICAL.Time.fromData({ year: y, month: mo, day: d, hour: h, minute: mi, second: s, isDate: false });
}

afterEach(() => configureZoneCache({ maxDefinitions: MAX_ZONE_DEFINITIONS, reference: false, clear: true }));

// The reference expands hundreds of years per zone with ical.js: slow by design, on a shared machine.
describe('cached VTIMEZONE offsets', { timeout: 180_000 }, () => {
  it('W. Europe (Exchange, 1601): the DST edges of 2026, hour by hour, as ical.js and as the clock says', () => {
    const zone = new CachedTimezone(component(W_EUROPE));
    // Spring forward: Sunday 2026-03-29 02:00 → 03:00 local.
    expect(zone.utcOffset(local(2026, 3, 29, 1, 59, 59))).toBe(3600);
    expect(zone.utcOffset(local(2026, 3, 29, 3, 0, 0))).toBe(7200);
    // Fall back: Sunday 2026-10-25 03:00 → 02:00 local.
    expect(zone.utcOffset(local(2026, 10, 25, 1, 30))).toBe(7200);
    expect(zone.utcOffset(local(2026, 10, 25, 3, 30))).toBe(3600);
    expect(zone.utcOffset(local(2026, 7, 1, 12))).toBe(7200);
    expect(zone.utcOffset(local(2026, 1, 15, 12))).toBe(3600);
    for (const [mo, d] of [[3, 29], [10, 25]] as const) {
      for (let m = 0; m < 24 * 60; m += 10) {
        const t = local(2026, mo, d, Math.floor(m / 60), m % 60);
        expect(zone.utcOffset(t), t.toString()).toBe(referenceOffset(W_EUROPE, t));
      }
    }
  });

  it('Eastern (Exchange, 1601) in 1601, 1602, 2000, 2026 and 2500 matches ical.js', () => {
    const zone = new CachedTimezone(component(EASTERN));
    for (const y of [1601, 1602, 1700, 2000, 2026, 2500]) {
      for (let mo = 1; mo <= 12; mo++) {
        for (const d of [1, 8, 14, 28]) {
          for (const h of [0, 1, 2, 3, 12, 23]) {
            const t = local(y, mo, d, h, 30);
            expect(zone.utcOffset(t), t.toString()).toBe(referenceOffset(EASTERN, t));
          }
        }
      }
    }
    expect(zone.utcOffset(local(2026, 7, 1, 12))).toBe(-4 * 3600);
    expect(zone.utcOffset(local(2026, 12, 1, 12))).toBe(-5 * 3600);
  });

  it('a 1601 zone read for 2026 looks at a few dozen changes, not the ~850 since 1601', () => {
    const zone = new CachedTimezone(component(W_EUROPE));
    zone.utcOffset(local(2026, 6, 1, 12));
    expect(zone.changesFor(2026)).toBeGreaterThan(4);
    expect(zone.changesFor(2026)).toBeLessThan(60);
    // Before the window's lead years there is nothing to shift from: 1601 is read from its DTSTART.
    zone.utcOffset(local(1602, 6, 1, 12));
    expect(zone.changesFor(1602)).toBeLessThan(60);
  });

  it('Europe/Berlin from 1970: before 1970 ical.js says 0 (no change yet), and so do we', () => {
    const zone = new CachedTimezone(component(BERLIN_1970));
    expect(zone.utcOffset(local(1960, 6, 1, 12))).toBe(referenceOffset(BERLIN_1970, local(1960, 6, 1, 12)));
    expect(zone.utcOffset(local(1960, 6, 1, 12))).toBe(0);
    expect(zone.utcOffset(local(1970, 7, 1, 12))).toBe(7200);
    expect(zone.utcOffset(local(2026, 3, 29, 2, 30))).toBe(referenceOffset(BERLIN_1970, local(2026, 3, 29, 2, 30)));
  });

  it('RDATE transitions (Europe/Moscow as libical writes it) match ical.js around each listed date', () => {
    const zone = new CachedTimezone(component(MOSCOW_RDATES));
    for (const [y, mo, d] of [[1970, 10, 25], [1971, 10, 31], [2010, 3, 28], [2010, 10, 31], [2011, 3, 27], [2014, 10, 26], [2020, 1, 1], [2100, 6, 1]] as const) {
      for (let h = 0; h < 24; h++) {
        const t = local(y, mo, d, h, 15);
        expect(zone.utcOffset(t), t.toString()).toBe(referenceOffset(MOSCOW_RDATES, t));
      }
    }
    expect(zone.utcOffset(local(2012, 6, 1, 12))).toBe(4 * 3600);
    expect(zone.utcOffset(local(2020, 6, 1, 12))).toBe(3 * 3600);
  });

  it('far past and far future (years 1 to 4000) match ical.js', () => {
    for (const text of [W_EUROPE, BERLIN_1970, DUBLIN_NEGATIVE]) {
      const zone = new CachedTimezone(component(text));
      for (const y of [1, 100, 1500, 1600, 1603, 1969, 2031, 2040, 3000, 4000]) {
        for (const [mo, d, h] of [[1, 1, 0], [3, 31, 2], [7, 1, 12], [10, 31, 2], [12, 31, 23]] as const) {
          const t = local(y, mo, d, h, 30);
          expect(zone.utcOffset(t), `${y} ${t.toString()}`).toBe(referenceOffset(text, t));
        }
      }
    }
  });

  it('random local times in every sample zone match ical.js (seeded)', () => {
    const names = Object.keys(ZOO);
    const zones = new Map(names.map((n) => [n, new CachedTimezone(component(ZOO[n]!))]));
    const seed = 907_2026;
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.integer({ min: 1500, max: 3100 }),
        fc.integer({ min: 0, max: 365 * 24 * 60 - 1 }),
        (name, year, minuteOfYear) => {
          const t = local(year, 1, 1, 0, 0);
          t.adjust(0, 0, minuteOfYear, 0);
          expect(zones.get(name)!.utcOffset(t), `${name} ${t.toString()}`).toBe(referenceOffset(ZOO[name]!, t));
        },
      ),
      { seed, numRuns: 400, verbose: true },
    );
  });

  it('every hour of two years, asked in order (answers remembered per quiet day), matches ical.js', () => {
    const extreme = exchangeZone('Far Away', 23 * 60 + 30, -(23 * 60 + 30));
    for (const text of [...Object.values(ZOO), extreme]) {
      const zone = new CachedTimezone(component(text));
      const t = local(2026, 1, 1, 0, 30);
      for (let h = 0; h < 2 * 365 * 24; h++, t.adjust(0, 1, 0, 0)) {
        expect(zone.utcOffset(t), t.toString()).toBe(referenceOffset(text, t));
      }
    }
  });

  it('yearly "n-th weekday of a month" rules (computed, not iterated) match ical.js for every n and weekday', () => {
    const days = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];
    let i = 0;
    for (const n of [-4, -3, -2, -1, 1, 2, 3, 4]) {
      for (const wd of days) {
        const dstMonth = 1 + (i % 12);
        const stdMonth = 1 + ((i + 6) % 12);
        i++;
        const text = exchangeZone(`Rule ${n}${wd}`, 60, 120, { dstMonth, dstDay: `${n}${wd}`, stdMonth, stdDay: `${-n}${days[(days.indexOf(wd) + 3) % 7]}` });
        const zone = new CachedTimezone(component(text));
        for (const y of [2000, 2031, 2059]) {
          for (const mo of [dstMonth, stdMonth]) {
            for (let d = 1; d <= 31; d++) {
              for (const h of [1, 2, 3]) {
                const t = local(y, mo, d, h, 30);
                expect(zone.utcOffset(t), `${text.split('\r\n')[1]} ${t.toString()}`).toBe(referenceOffset(text, t));
              }
            }
          }
        }
      }
    }
  });

  it('distinct generated zones (quarter-hour offsets, other rule days) match ical.js', () => {
    for (let i = 0; i < 60; i++) {
      const { text } = distinctZone(i);
      const zone = new CachedTimezone(component(text));
      for (const [y, mo, d, h] of [[2026, 3, 8, 2], [2026, 3, 29, 2], [2026, 4, 5, 1], [2026, 10, 4, 2], [2026, 11, 1, 3], [1601, 12, 31, 23], [2090, 6, 1, 0]] as const) {
        const t = local(y, mo, d, h, 30);
        expect(zone.utcOffset(t), `zone ${i} ${t.toString()}`).toBe(referenceOffset(text, t));
      }
    }
  });
});

describe('the definition cache', () => {
  it('gives the same zone for the same text and keeps at most MAX_ZONE_DEFINITIONS', () => {
    configureZoneCache({ clear: true });
    const a = cachedTimezone(component(W_EUROPE));
    expect(cachedTimezone(component(W_EUROPE))).toBe(a);
    for (let i = 0; i < MAX_ZONE_DEFINITIONS + 20; i++) cachedTimezone(component(distinctZone(i).text));
    expect(zoneCacheSize()).toBe(MAX_ZONE_DEFINITIONS);
    // W. Europe was the least recently used: dropped, so a new object now.
    expect(cachedTimezone(component(W_EUROPE))).not.toBe(a);
  });

  it('does not keep the message it came from: the cached zone has its own component', () => {
    const root = component(['BEGIN:VCALENDAR', W_EUROPE, 'END:VCALENDAR'].join('\r\n'));
    const zone = cachedTimezone(root.getFirstSubcomponent('vtimezone')!) as CachedTimezone;
    expect(zone.component!.parent).toBeNull();
  });

  it('reference mode gives a plain ical.js Timezone (the behaviour before the cache)', () => {
    configureZoneCache({ reference: true });
    const z = cachedTimezone(component(W_EUROPE));
    expect(z).toBeInstanceOf(ICAL.Timezone);
    expect(z).not.toBeInstanceOf(CachedTimezone);
  });
});

describe('hostile zone definitions', { timeout: 120_000 }, () => {
  const secondly = [
    'BEGIN:VTIMEZONE',
    'TZID:Europe/Paris',
    'BEGIN:STANDARD',
    'DTSTART:16010101T000000',
    'RRULE:FREQ=SECONDLY',
    'TZOFFSETFROM:+0100',
    'TZOFFSETTO:+0100',
    'END:STANDARD',
    'END:VTIMEZONE',
  ].join('\r\n');

  it('a FREQ=SECONDLY rule from 1601 stops after MAX_ZONE_STEPS steps instead of hanging', () => {
    const zone = new CachedTimezone(component(secondly));
    expect(() => zone.utcOffset(local(2026, 1, 1, 12))).toThrow(ZoneTooComplexError);
    expect(MAX_ZONE_STEPS).toBeLessThanOrEqual(100_000);
  });

  it('the reader falls back to the IANA zone its TZID names, without throwing', () => {
    const cal = parseCalendar(
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//x//EN',
        secondly,
        'BEGIN:VEVENT',
        'UID:u1',
        'DTSTAMP:20260101T000000Z',
        'DTSTART;TZID=Europe/Paris:20260701T100000',
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n'),
    );
    expect(cal.components[0]!.start).toMatchObject({ tzid: 'Europe/Paris', utc: '2026-07-01T08:00:00Z' });
  });
});

describe('Intl zone offsets (zones/intl.ts)', () => {
  it('knows real zones and refuses made-up ones', () => {
    expect(isKnownZone('Europe/Berlin')).toBe(true);
    expect(isKnownZone('Mars/Olympus_Mons')).toBe(false);
    expect(() => zoneOffsetSeconds('Mars/Olympus_Mons', 0)).toThrow(RangeError);
  });

  it('Europe/Berlin: winter, summer, and the local mean time of the far past (years below 100 included)', () => {
    expect(zoneOffsetSeconds('Europe/Berlin', Date.UTC(2026, 0, 15))).toBe(3600);
    expect(zoneOffsetSeconds('Europe/Berlin', Date.UTC(2026, 6, 15))).toBe(7200);
    // Berlin's LMT is +0:53:28. Date.UTC would read year 50 as 1950 and answer +1h.
    const year50 = new Date(0);
    year50.setUTCFullYear(50, 5, 1);
    expect(zoneOffsetSeconds('Europe/Berlin', year50.getTime())).toBe(53 * 60 + 28);
    expect(zoneOffsetSeconds('Europe/Berlin', Date.UTC(1800, 0, 1))).toBe(53 * 60 + 28);
  });

  it('America/New_York far in the future keeps the 2007 rules', () => {
    expect(zoneOffsetSeconds('America/New_York', Date.UTC(2400, 6, 1))).toBe(-4 * 3600);
    expect(zoneOffsetSeconds('America/New_York', Date.UTC(2400, 0, 1))).toBe(-5 * 3600);
  });
});
