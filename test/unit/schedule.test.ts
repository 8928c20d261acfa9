// The outgoing half (shared/itip/schedule.ts): every rule as an old/new/expected triple from
// test/fixtures/schedule/*.case, plus what every planned message must satisfy (RFC 5546 §3 tables, one recipient).
import { describe, expect, it } from 'vitest';
import { planSchedule } from '../../shared/itip/schedule';
import { parseCalendar } from '../../shared/itip/parse';
import { validate } from '../../shared/itip/validate';
import { checkMessage, loadScheduleCases, SCHEDULE_NOW } from '../fixtures/schedule/load';

const cases = loadScheduleCases();

describe('planSchedule: old/new/expected triples', () => {
  it('has the fixtures', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });
  for (const c of cases) {
    it(`${c.name}: ${c.about}`, () => {
      const plan = planSchedule({ old: c.old, new: c.new, me: c.me, now: SCHEDULE_NOW });
      if (!Array.isArray(c.expect)) {
        expect(plan.ok ? 'planned' : plan.code).toBe(c.expect.refused);
        if (!plan.ok) expect(plan.reason.length).toBeGreaterThan(10);
        return;
      }
      if (!plan.ok) throw new Error(`${c.name} refused: ${plan.reason}`);
      expect(plan.messages.map((m) => `${m.method} ${m.recipient}`)).toEqual(c.expect.map((m) => `${m.method} ${m.recipient}`));
      c.expect.forEach((want, i) => checkMessage(c, i, plan.messages[i]!, want));
      for (const m of plan.messages) {
        // Every message passes the project's own outgoing RFC 5546 §3 checks.
        const cal = parseCalendar(m.ics);
        const problems = validate({ method: m.method, calendar: cal, methodParam: m.method, envelope: null, part: null }, { direction: 'outgoing' });
        expect(problems.filter((p) => p.severity === 'error'), `${c.name} → ${m.recipient}`).toEqual([]);
        expect(m.sender).not.toMatch(/^mailto:/i);
        expect(m.recipient).toBe(m.recipient.toLowerCase());
      }
    });
  }
});

describe('planSchedule: inputs', () => {
  const invite = cases.find((c) => c.name.startsWith('01-'))!;

  it('accepts parsed calendars as well as text, with the same result', () => {
    const fromText = planSchedule({ new: invite.new, me: invite.me, now: SCHEDULE_NOW });
    const fromParsed = planSchedule({ new: parseCalendar(invite.new!), me: invite.me, now: SCHEDULE_NOW });
    expect(fromParsed).toEqual(fromText);
  });

  it('takes the time as an argument: DTSTAMP follows now', () => {
    const a = planSchedule({ new: invite.new, me: invite.me, now: '2031-05-06T07:08:09Z' });
    expect(a.ok && a.messages[0]!.ics).toContain('DTSTAMP:20310506T070809Z');
  });

  it('refuses text that is not iCalendar, and an empty address list', () => {
    const bad = planSchedule({ new: 'hello', me: ['a@example.com'], now: SCHEDULE_NOW });
    expect(bad.ok ? 'planned' : bad.code).toBe('invalid-ics');
    const nobody = planSchedule({ new: invite.new, me: [], now: SCHEDULE_NOW });
    expect(nobody.ok ? 'planned' : nobody.code).toBe('no-address');
  });

  it('nothing in, nothing out', () => {
    expect(planSchedule({ me: ['a@example.com'], now: SCHEDULE_NOW })).toEqual({ ok: true, messages: [] });
  });

  it('matches my address in any case and with mailto:', () => {
    const p = planSchedule({ new: invite.new, me: ['MAILTO:Alice@Example.COM'], now: SCHEDULE_NOW });
    expect(p.ok && p.messages.map((m) => m.recipient)).toEqual(['bob@example.com']);
  });
});

describe('planSchedule: why each recipient gets a message (what the app builds its mails from)', () => {
  const changes = (prefix: string): string[] => {
    const c = cases.find((x) => x.name.startsWith(prefix))!;
    const p = planSchedule({ old: c.old, new: c.new, me: c.me, now: SCHEDULE_NOW });
    return p.ok ? p.messages.map((m) => `${m.change} ${m.recipient}`) : [p.code];
  };
  it('uninvited, updated, invited', () => {
    expect(changes('09-')).toEqual(['uninvited bob@example.com', 'updated carol@example.com', 'invited dave@example.com']);
  });
  it('cancelled (deleted or STATUS:CANCELLED), occurrence-cancelled, replied', () => {
    expect(changes('23-')).toEqual(['cancelled bob@example.com', 'cancelled carol@example.com']);
    expect(changes('19-')).toEqual(['cancelled bob@example.com']);
    expect(changes('12-')).toEqual(['occurrence-cancelled bob@example.com']);
    expect(changes('24-')).toEqual(['replied alice@example.com']);
  });
});

describe('planSchedule: contentChanged tells a re-save from an update', () => {
  const changed = (prefix: string): boolean[] => {
    const c = cases.find((x) => x.name.startsWith(prefix))!;
    const p = planSchedule({ old: c.old, new: c.new, me: c.me, now: SCHEDULE_NOW });
    return p.ok ? p.messages.map((m) => m.contentChanged) : [];
  };
  it('false for a re-save and reordered attendees, true for a new title or time', () => {
    expect(changed('15-')).toEqual([false]);
    expect(changed('43-')).toEqual([false, false]);
    expect(changed('46-')).toEqual([true]);
    expect(changed('14-')).toEqual([true]);
  });
});
