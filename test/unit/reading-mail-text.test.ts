// What people read in the mail we send (issue 11 §13 §14): the rule in words in the text and HTML parts (never
// FREQ=WEEKLY), and the REPLY's From named with the account's name when the invitation gives only my address.
import { describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { buildReply, buildRequest } from '../../electron/mail/smtp/mime';
import { eventFromDraft } from '../../shared/itip/meeting';

const NOW = '2026-11-02T08:00:00Z';

const meeting = (rrule: string | null) =>
  eventFromDraft(
    {
      summary: 'Team standup',
      start: '2026-12-01T09:30',
      end: '2026-12-01T09:45',
      timezone: 'Europe/Berlin',
      allDay: false,
      attendees: [{ email: 'bob@example.org' }, { email: 'carol@example.org', role: 'OPT-PARTICIPANT' }],
      rrule,
      organizer: { email: 'alice@example.org', cn: 'Alice Example' },
    },
    null,
    NOW,
  );

describe('the mail we send, as people read it', () => {
  it('describes the recurrence in words in the text and HTML parts; the RRULE stays in the calendar part', async () => {
    const m = await buildRequest({ event: meeting('FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20270301T225959Z'), now: NOW });
    expect(m.text).toContain('Repeats: Every Tuesday and Thursday until 1 Mar 2027');
    expect(m.text).not.toContain('FREQ=');
    expect(m.html).toContain('Every Tuesday and Thursday until 1 Mar 2027');
    expect(m.html).not.toContain('FREQ=');
    expect(m.ics).toContain('RRULE:FREQ=WEEKLY;BYDAY=TU,TH;UNTIL=20270301T225959Z');
    const unfolded = m.ics.replace(/\r\n[ \t]/g, '');
    expect(unfolded).toMatch(/ATTENDEE;[^\r\n]*ROLE=OPT-PARTICIPANT[^\r\n]*:mailto:carol@example\.org/);
  });

  it("a REPLY names me with my account's name when the invitation's CN is only my address (Google)", async () => {
    const ev = meeting(null);
    // Google writes CN=<the address>.
    const invited = { ...ev, attendees: ev.attendees.map((a) => (a.email === 'bob@example.org' ? { ...a, cn: 'bob@example.org' } : a)) };
    const r = await buildReply({ event: invited, me: 'bob@example.org', cn: 'Bob Builder', partstat: 'ACCEPTED', now: NOW });
    const parsed = await simpleParser(Buffer.from(r.raw));
    expect(parsed.from?.value[0]).toEqual({ address: 'bob@example.org', name: 'Bob Builder' });
    expect(r.text).not.toContain('bob@example.org <bob@example.org>');
    expect(r.ics).toContain('CN=Bob Builder');
  });
});
