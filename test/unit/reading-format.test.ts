// Renderer formatters are built once per (locale, options) and reused (issue 9 §4: a new Intl.DateTimeFormat per
// date was 61% of page time with 10,000 invitations), and the results are unchanged.
import { describe, expect, it } from 'vitest';
import { fmtDateTime, fmtRange, formatterCount, toWall } from '../../renderer/format';

describe('renderer/format', () => {
  it('formats thousands of dates with a handful of formatters', () => {
    const before = formatterCount();
    const base = Date.UTC(2026, 0, 1, 9);
    let last = '';
    for (let i = 0; i < 5000; i++) {
      const iso = new Date(base + i * 3_600_000).toISOString();
      last = fmtRange(iso, new Date(base + i * 3_600_000 + 1_800_000).toISOString(), i % 2 ? 'Europe/Berlin' : 'America/New_York', false);
      toWall(iso, 'Asia/Tokyo');
    }
    expect(last.length).toBeGreaterThan(0);
    expect(formatterCount() - before).toBeLessThanOrEqual(12);
  });

  it('gives the same text as a fresh formatter', () => {
    const iso = '2026-03-03T09:00:00Z';
    const fresh = `${new Intl.DateTimeFormat(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', timeZone: 'Europe/Berlin' }).format(new Date(iso))}, ${new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', timeZone: 'Europe/Berlin' }).format(new Date(iso))}`;
    expect(fmtDateTime(iso, 'Europe/Berlin')).toBe(fresh);
    expect(toWall(iso, 'Europe/Berlin')).toBe('2026-03-03T10:00');
    // An unknown zone falls back to UTC instead of throwing.
    expect(toWall(iso, 'Not/AZone')).toBe('2026-03-03T09:00');
  });
});
