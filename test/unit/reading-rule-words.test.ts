// A recurrence rule in words (issue 11 §14): shared/rrule-text.ts, and the editor's form ⇄ RRULE round trip.
import { describe, expect, it } from 'vitest';
import { describeRecurrence } from '../../shared/present/rrule-text';
import { fromRrule, NO_REPEAT, toRrule, weekdayPosition } from '../../renderer/recurrence-form';

describe('describeRecurrence', () => {
  it.each([
    ['FREQ=WEEKLY;BYDAY=TU;UNTIL=20270301T000000Z', null, 'Every Tuesday until 1 Mar 2027'],
    ['FREQ=WEEKLY', '2026-12-01T10:00:00Z', 'Every Tuesday'],
    ['FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=10', null, 'Every Monday, Wednesday and Friday, 10 times'],
    ['FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', null, 'Every weekday'],
    ['FREQ=WEEKLY;INTERVAL=2;BYDAY=TH', null, 'Every 2 weeks on Thursday'],
    ['FREQ=DAILY;COUNT=5', null, 'Every day, 5 times'],
    ['FREQ=MONTHLY;BYDAY=2TU', null, 'Every month on the second Tuesday'],
    ['FREQ=MONTHLY;BYDAY=-1FR', null, 'Every month on the last Friday'],
    ['FREQ=MONTHLY;BYMONTHDAY=15', null, 'Every month on the 15th'],
    ['FREQ=MONTHLY', '2026-03-03', 'Every month on the 3rd'],
    ['FREQ=YEARLY', '2026-07-04', 'Every year on 4 July'],
    ['FREQ=DAILY;COUNT=1', null, 'Every day, once'],
  ])('%s → %s', (rule, start, words) => {
    expect(describeRecurrence(rule, start)).toBe(words);
  });

  it('never shows the raw rule, even for one it cannot read', () => {
    for (const r of ['FREQ=WEEKLY;BYSETPOS=1;BYDAY=MO', 'FREQ=BOGUS', 'garbage', 'FREQ=MONTHLY;BYHOUR=9']) {
      const w = describeRecurrence(r);
      expect(w).not.toMatch(/FREQ|BYDAY|BYSETPOS|=/);
      expect(w.length).toBeGreaterThan(0);
    }
    expect(describeRecurrence(null)).toBe('');
  });
});

describe('the editor form ⇄ RRULE', () => {
  it('weekly with chosen weekdays and an end date in the meeting zone', () => {
    const rule = toRrule({ ...NO_REPEAT, freq: 'WEEKLY', days: ['TU', 'TH'], end: 'until', until: '2027-03-01' }, '2026-12-01T10:00', false, 'Europe/Berlin');
    // The end of 1 March in Berlin (UTC+1) is 22:59:59Z.
    expect(rule).toBe('FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20270301T225959Z');
    expect(describeRecurrence(rule, '2026-12-01')).toBe('Every Tuesday and Thursday until 1 Mar 2027');
    const back = fromRrule(rule, '2026-12-01T10:00', 'Europe/Berlin');
    expect(back).toMatchObject({ freq: 'WEEKLY', days: ['TU', 'TH'], end: 'until', until: '2027-03-01' });
  });

  it('monthly by weekday uses the start date position (2nd Tuesday; last Friday)', () => {
    expect(toRrule({ ...NO_REPEAT, freq: 'MONTHLY', monthly: 'weekday', end: 'count', count: 6 }, '2026-12-08T09:00', false)).toBe('FREQ=MONTHLY;BYDAY=2TU;COUNT=6');
    expect(weekdayPosition('2026-12-25')).toBe(-1);
    expect(toRrule({ ...NO_REPEAT, freq: 'MONTHLY', monthly: 'weekday' }, '2026-12-25T09:00', false)).toBe('FREQ=MONTHLY;BYDAY=-1FR');
    expect(toRrule({ ...NO_REPEAT, freq: 'MONTHLY', monthly: 'date' }, '2026-12-25T09:00', false)).toBe('FREQ=MONTHLY;BYMONTHDAY=25');
    expect(fromRrule('FREQ=MONTHLY;BYDAY=2TU;COUNT=6', '2026-12-08T09:00')).toMatchObject({ freq: 'MONTHLY', monthly: 'weekday', end: 'count', count: 6 });
  });

  it('keeps a rule the form cannot show as it is', () => {
    const f = fromRrule('FREQ=WEEKLY;BYSETPOS=2;BYDAY=MO', '2026-12-07T09:00');
    expect(f.freq).toBe('CUSTOM');
    expect(toRrule(f, '2026-12-07T09:00', false)).toBe('FREQ=WEEKLY;BYSETPOS=2;BYDAY=MO');
    expect(fromRrule('FREQ=MONTHLY;BYDAY=3TU', '2026-12-08T09:00').freq).toBe('CUSTOM');
  });

  it('no repetition is no rule; all-day UNTIL is a date', () => {
    expect(toRrule(NO_REPEAT, '2026-12-01T10:00', false)).toBeNull();
    expect(toRrule({ ...NO_REPEAT, freq: 'DAILY', end: 'until', until: '2026-12-31' }, '2026-12-01', true)).toBe('FREQ=DAILY;UNTIL=20261231');
  });
});
