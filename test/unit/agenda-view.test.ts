// The calendar view (core's listAgenda → agendaView) marks what I declined, the whole series or one occurrence
// (RFC 5546 §3.2.3: a REPLY with RECURRENCE-ID answers that instance only), and hides it when asked (hideDeclined). The invitation comes from a real
// organizer's MeetingsService and is processed by the engine; the answers go through the attendee's
// MeetingsService (stores on a temp dir), so the view reads exactly what respond() stores.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../electron/mail/smtp/outbox';
import { agendaView, detailView, occurrencePartstat } from '../../electron/services/invitations-view';
import { MeetingsService } from '../../electron/services/meetings-service';
import { CalendarStore } from '../../electron/store/calendar-store';
import { expandAgenda } from '../../shared/itip/agenda';
import { readMessage } from '../../shared/itip/message';
import { processRead } from '../../shared/itip/process';
import type { StoredEvent } from '../../shared/itip/types';

const CAROL = 'carol@example.test';
const BOB = 'bob@example.test';
const FROM = '2030-01-01T00:00:00Z';
const TO = '2030-12-31T00:00:00Z';

let root: string;
let bobCal: CalendarStore;
let bob: MeetingsService;
let uid: string;
let rids: string[];

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'convene-agenda-view-'));
  const carolCal = await CalendarStore.open(join(root, 'carol', 'cal'));
  const carolOut = await Outbox.open(join(root, 'carol', 'out'), { sendRaw: async () => undefined });
  const carol = new MeetingsService({ calendar: carolCal, outbox: carolOut, identities: () => [{ accountId: 'c', email: CAROL, aliases: [] }] });
  const made = await carol.saveMeeting({
    summary: 'Weekly sync',
    start: '2030-03-04T10:00',
    end: '2030-03-04T10:30',
    timezone: 'UTC',
    allDay: false,
    rrule: 'FREQ=WEEKLY;COUNT=4',
    attendees: [{ email: BOB }],
    organizer: { email: CAROL },
  });
  uid = made.uid;
  const read = await readMessage(await carolOut.raw(made.queued[0]!));
  await carolCal.close();

  bobCal = await CalendarStore.open(join(root, 'bob', 'cal'));
  const bobOut = await Outbox.open(join(root, 'bob', 'out'), { sendRaw: async () => undefined });
  bob = new MeetingsService({ calendar: bobCal, outbox: bobOut, identities: () => [{ accountId: 'b', email: BOB, aliases: [] }] });
  const d = processRead(read.itip, read.problems, undefined, { me: [BOB], policy: 'always', knownContacts: [], now: new Date().toISOString() });
  await bobCal.put(d.next!);
  rids = agendaView(bobCal.all(), FROM, TO, [BOB]).map((o) => o.recurrenceId!);
});

afterEach(async () => {
  await bobCal.close();
  await rm(root, { recursive: true, force: true });
});

const HIDE = { hideDeclined: true };
const agenda = () => agendaView(bobCal.all(), FROM, TO, [BOB], undefined, HIDE).map((o) => o.recurrenceId);

describe('agenda view: declined occurrences', () => {
  it('hides an occurrence I declined and keeps the rest; the CLI expansion is unchanged', async () => {
    expect(rids).toHaveLength(4);
    await bob.respond({ uid, partstat: 'ACCEPTED' });
    await bob.respond({ uid, partstat: 'DECLINED', recurrenceId: rids[1]! });
    expect(agenda()).toEqual([rids[0], rids[2], rids[3]]);
    // shared/itip/agenda.ts still expands every occurrence (the command line shows the series as it is).
    expect(expandAgenda(bobCal.all(), FROM, TO)).toHaveLength(4);
    // Changing my mind brings it back.
    await bob.respond({ uid, partstat: 'TENTATIVE', recurrenceId: rids[1]! });
    expect(agenda()).toEqual(rids);
  });

  it('keeps a declined occurrence in the calendar, marked declined, unless asked to hide it (issue 11 §7)', async () => {
    await bob.respond({ uid, partstat: 'ACCEPTED' });
    await bob.respond({ uid, partstat: 'DECLINED', recurrenceId: rids[1]!, comment: 'Dentist that day' });
    const rows = agendaView(bobCal.all(), FROM, TO, [BOB]);
    expect(rows.map((o) => o.recurrenceId)).toEqual(rids);
    expect(rows.map((o) => !!o.declined)).toEqual([false, true, false, false]);
    // The detail lists the occurrence I answered on its own, with what I wrote.
    const d = detailView(bobCal.get(uid)!, [], bobCal.all(), { me: [BOB], now: '2030-03-01T00:00:00Z', accountFor: () => null });
    expect(d.myOccurrenceAnswers).toEqual([{ recurrenceId: rids[1], start: rids[1], allDay: false, partstat: 'DECLINED', comment: 'Dentist that day' }]);
    expect(d.myAnswer?.partstat).toBe('ACCEPTED');
  });

  it('hides the whole declined series, except an occurrence I accepted on its own', async () => {
    await bob.respond({ uid, partstat: 'DECLINED' });
    expect(agenda()).toEqual([]);
    await bob.respond({ uid, partstat: 'ACCEPTED', recurrenceId: rids[2]! });
    expect(agenda()).toEqual([rids[2]]);
  });

  it('shows an occurrence again when the organizer changed it after my decline (my answer was reset)', async () => {
    await bob.respond({ uid, partstat: 'DECLINED', recurrenceId: rids[3]! });
    expect(agenda()).not.toContain(rids[3]);
    const ev = bobCal.get(uid)!;
    // The organizer's new revision of that occurrence lists me as NEEDS-ACTION again (RFC 5546 §2.1.4).
    const reset: StoredEvent = {
      ...ev,
      overrides: ev.overrides.map((o) =>
        o.recurrenceId === rids[3] ? { ...o, sequence: o.sequence + 1, attendees: o.attendees.map((a) => ({ ...a, partstat: 'NEEDS-ACTION' })) } : o,
      ),
    };
    expect(occurrencePartstat(reset, rids[3]!, [BOB])).toBe('NEEDS-ACTION');
    expect(agendaView([reset], FROM, TO, [BOB], undefined, HIDE).map((o) => o.recurrenceId)).toEqual(rids);
  });

  it('uses my reply record for an occurrence without an override, unless the series was revised since', () => {
    const ev = bobCal.get(uid)!;
    const rec = { email: BOB, recurrenceId: rids[0]!, partstat: 'DECLINED', sequence: ev.master!.sequence, dtstamp: null, comment: null, delegatedTo: [], delegatedFrom: [] };
    const withRecord: StoredEvent = { ...ev, replies: [...ev.replies, rec] };
    expect(agendaView([withRecord], FROM, TO, [BOB], undefined, HIDE).map((o) => o.recurrenceId)).toEqual(rids.slice(1));
    const revised: StoredEvent = { ...withRecord, master: { ...ev.master!, sequence: ev.master!.sequence + 1 } };
    expect(agendaView([revised], FROM, TO, [BOB], undefined, HIDE).map((o) => o.recurrenceId)).toEqual(rids);
  });

  it('does not report a declined occurrence as a conflict', async () => {
    await bob.respond({ uid, partstat: 'DECLINED', recurrenceId: rids[0]! });
    const clash: StoredEvent = {
      ...bobCal.get(uid)!,
      uid: 'clash@example.test',
      role: 'personal',
      master: { ...bobCal.get(uid)!.master!, uid: 'clash@example.test', rrule: null, attendees: [] },
      overrides: [],
      replies: [],
    };
    const all = [...bobCal.all(), clash];
    const ctx = { me: [BOB], now: '2030-03-01T00:00:00Z', accountFor: () => null };
    expect(detailView(clash, [], all, ctx).conflicts).toEqual([]);
    await bob.respond({ uid, partstat: 'ACCEPTED', recurrenceId: rids[0]! });
    expect(detailView(clash, [], [...bobCal.all(), clash], ctx).conflicts.map((c) => c.recurrenceId)).toEqual([rids[0]]);
  });
});
