// The pure pieces of the invitation screen (issue 11 §5–§10): the version diff, the words for answers, changes,
// cancellations and the thread, and the free slots offered with "Propose new time". en-US, zones pinned.
import { describe, expect, it } from 'vitest';
import type { ThreadMessageView } from '../../shared/api';
import { diffVersions, versionFields, type VersionFields } from '../../shared/itip/changes';
import type { EventData } from '../../shared/itip/types';
import { answerStateText, cancelledText, changeSummary, exceptionsText, occurrenceAnswerText, personName, shortDay, threadLine } from '../../renderer/answer-words';
import { freeSlots, workingHours } from '../../renderer/free-slots';

const V: VersionFields = {
  recurrenceId: null,
  sequence: 1,
  start: '2026-12-15T09:00:00Z',
  end: '2026-12-15T10:00:00Z',
  allDay: false,
  summary: 'Sync',
  location: 'Room 1',
  rrule: null,
  attendees: [
    { email: 'bob@x.test', cn: 'Bob' },
    { email: 'carol@x.test', cn: null },
  ],
};

describe('diffVersions', () => {
  it('finds nothing between equal versions, also when instants are written differently', () => {
    expect(diffVersions(V, { ...V, start: '2026-12-15T10:00:00+01:00', end: '2026-12-15T10:00:00.000Z', location: ' Room 1 ' })).toEqual([]);
  });

  it('lists time, title, place, repetition and guests in reading order', () => {
    const after: VersionFields = { ...V, start: '2026-12-15T11:00:00Z', end: '2026-12-15T12:00:00Z', summary: 'Sync!', location: null, rrule: 'FREQ=WEEKLY', attendees: [V.attendees[0]!, { email: 'dave@x.test', cn: 'Dave' }] };
    expect(diffVersions(V, after)).toEqual([
      { field: 'time', before: { start: V.start, end: V.end, allDay: false }, after: { start: after.start, end: after.end, allDay: false } },
      { field: 'summary', before: 'Sync', after: 'Sync!' },
      { field: 'location', before: 'Room 1', after: null },
      { field: 'rrule', before: null, after: 'FREQ=WEEKLY' },
      { field: 'attendees', added: [{ email: 'dave@x.test', cn: 'Dave' }], removed: [{ email: 'carol@x.test', cn: null }] },
    ]);
  });

  it('versionFields turns DURATION into an end and leaves the organizer out of the guests', () => {
    const e = {
      recurrenceId: null,
      sequence: 0,
      start: { value: '2026-12-15T09:00:00Z', tzid: 'UTC', allDay: false, floating: false, utc: '2026-12-15T09:00:00Z' },
      end: null,
      duration: 'PT45M',
      summary: 'x',
      location: null,
      rrule: null,
      organizer: { email: 'alice@x.test', cn: 'Alice', sentBy: null },
      attendees: [
        { email: 'ALICE@x.test', cn: 'Alice' },
        { email: 'bob@x.test', cn: null },
      ],
    } as unknown as EventData;
    expect(versionFields(e)).toMatchObject({ end: '2026-12-15T09:45:00Z', attendees: [{ email: 'bob@x.test', cn: null }] });
  });
});

describe('answer words', () => {
  const tz = 'Europe/Berlin';
  const day = (v: string) => new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric', timeZone: tz }).format(new Date(v));

  it('says the state of my answer in words', () => {
    expect(answerStateText({ badge: 'needs-response', myAnswer: { partstat: 'NEEDS-ACTION', at: null, comment: null }, changes: null, held: false, myPartstat: 'NEEDS-ACTION' }, tz)).toBe('You have not answered');
    expect(answerStateText({ badge: 'accepted', myAnswer: { partstat: 'ACCEPTED', at: '2026-12-03T08:00:00Z', comment: null }, changes: null, held: false, myPartstat: 'ACCEPTED' }, tz)).toBe(`You accepted on ${day('2026-12-03T08:00:00Z')}`);
    const changes = { recurrenceId: null, items: diffVersions(V, { ...V, start: '2026-12-15T11:00:00Z', location: 'Room 2' }) };
    expect(answerStateText({ badge: 'updated', myAnswer: { partstat: 'NEEDS-ACTION', at: null, comment: null }, changes, held: false, myPartstat: 'NEEDS-ACTION' }, tz)).toBe('Updated: the time and the place changed — answer again');
    expect(answerStateText({ badge: 'needs-decision', myAnswer: null, changes: null, held: true, myPartstat: null }, tz)).toMatch(/^You have not answered\. Answering adds/);
  });

  it('joins changed things as a person would', () => {
    expect(changeSummary([])).toBe('the meeting changed');
    expect(changeSummary(diffVersions(V, { ...V, summary: 'x', location: 'y', attendees: [] }))).toBe('the title, the place and the guest list changed');
  });

  it('names occurrence answers and cancellations with the comment', () => {
    const a = { recurrenceId: '2026-12-15T09:00:00Z', start: '2026-12-15T09:00:00Z', allDay: false, partstat: 'DECLINED', comment: 'Dentist that day' };
    expect(occurrenceAnswerText('You', a, tz)).toBe(`You declined ${day(a.start)}: ‘Dentist that day’`);
    expect(exceptionsText([a, { ...a, partstat: 'TENTATIVE', comment: null }], tz)).toBe(`declined ${day(a.start)}: ‘Dentist that day’; tentatively accepted ${day(a.start)}`);
    expect(cancelledText({ recurrenceId: '2026-12-22', start: '2026-12-22', allDay: true, by: 'Alice', comment: 'Christmas break' }, tz)).toBe(`Alice cancelled ${shortDay('2026-12-22', 'UTC')}: ‘Christmas break’`);
  });

  it('tells the thread as people: names over addresses, my REPLY never a rejection', () => {
    const people = [{ email: 'alice@x.test', cn: 'Alice' }, { email: 'bob@x.test', cn: null }];
    expect(personName('Bob Builder <bob@x.test>', people)).toBe('Bob Builder');
    expect(personName('alice@x.test', people)).toBe('Alice');
    const m = (p: Partial<ThreadMessageView>): ThreadMessageView => ({ key: 'k', method: 'REPLY', from: 'bob@x.test', subject: null, date: null, action: 'reply-applied', reason: '', ...p });
    expect(threadLine(m({ mine: true, action: 'rejected', partstat: 'ACCEPTED', reason: 'REPLY to an event I do not organize' }), people, tz)).toBe('You replied Accepted');
    expect(threadLine(m({ partstat: 'ACCEPTED' }), people, tz)).toBe('bob@x.test accepted');
    expect(threadLine(m({ partstat: 'DECLINED', recurrenceId: '2026-12-15T09:00:00Z' }), people, tz)).toBe(`bob@x.test declined ${day('2026-12-15T09:00:00Z')}`);
    const moved = m({ method: 'REQUEST', from: 'alice@x.test', action: 'updated', reason: 'event rescheduled: my answer is needed again' });
    expect(threadLine(moved, people, tz, { newestReschedule: true, latestStart: '2026-12-15T09:00:00Z' })).toMatch(/^Alice moved it to .+, 10:00 AM$/);
    expect(threadLine(moved, people, tz, { newestReschedule: false, latestStart: '2026-12-15T09:00:00Z' })).toBe('Alice changed the time');
    expect(threadLine(m({ method: 'CANCEL', from: 'alice@x.test', action: 'cancelled', reason: 'cancelled: occurrence 2026-12-22T09:00:00Z', recurrenceId: '2026-12-22T09:00:00Z' }), people, tz)).toBe(`Alice cancelled ${day('2026-12-22T09:00:00Z')}`);
    expect(threadLine(m({ method: 'REQUEST', from: 'alice@x.test', action: 'created', reason: 'new invitation' }), people, tz)).toBe('Alice invited you');
  });
});

describe('free slots near the meeting', () => {
  const H = 3_600_000;
  const at = (iso: string) => Date.parse(iso);

  it('offers the nearest free slots of the same length, not the current time, in time order', () => {
    const around = at('2026-12-15T10:00:00Z');
    const busy = [
      { start: at('2026-12-15T10:00:00Z'), end: at('2026-12-15T11:00:00Z') },
      { start: at('2026-12-15T08:30:00Z'), end: at('2026-12-15T09:30:00Z') },
    ];
    const slots = (n: number) => freeSlots({ busy, around, durationMs: H, notBefore: 0, count: n }).map((s) => new Date(s.start).toISOString().slice(11, 16));
    // Nearest first: 09:30, 10:30, 09:00 and 08:30 overlap something; 11:00, 11:30, 12:00 are free after, and 07:30
    // (five steps back) before 12:30 (five steps on): the earlier wins at equal distance.
    expect(slots(3)).toEqual(['11:00', '11:30', '12:00']);
    expect(slots(4)).toEqual(['07:30', '11:00', '11:30', '12:00']);
  });

  it('keeps to working hours in my zone and never offers the past', () => {
    const tz = 'America/New_York';
    const fits = workingHours(tz);
    expect(fits({ start: at('2026-12-15T13:00:00Z'), end: at('2026-12-15T14:00:00Z') })).toBe(true); // 08:00 in New York
    expect(fits({ start: at('2026-12-15T12:30:00Z'), end: at('2026-12-15T13:30:00Z') })).toBe(false); // 07:30
    expect(fits({ start: at('2026-12-19T15:00:00Z'), end: at('2026-12-19T16:00:00Z') })).toBe(false); // a Saturday
    const around = at('2026-12-15T14:00:00Z');
    const slots = freeSlots({ busy: [], around, durationMs: H, notBefore: around, fits, count: 2 });
    expect(slots.map((s) => new Date(s.start).toISOString())).toEqual(['2026-12-15T14:30:00.000Z', '2026-12-15T15:00:00.000Z']);
  });

  it('is bounded: a calendar busy all the time gives no slot', () => {
    expect(freeSlots({ busy: [{ start: 0, end: Number.MAX_SAFE_INTEGER }], around: at('2026-12-15T10:00:00Z'), durationMs: H, notBefore: 0 })).toEqual([]);
  });
});
