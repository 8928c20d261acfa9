// Shared by the store tests and the bench: realistic stored events without the parser.
import type { EventData, StoredEvent } from '../../shared/itip/types';
import { BERLIN_1970, W_EUROPE } from '../fixtures/zone-zoo';

export function makeEvent(uid: string, n = 0): StoredEvent {
  const day = String(1 + (n % 28)).padStart(2, '0');
  const ics = [
    'BEGIN:VEVENT',
    `UID:${uid}`,
    `SEQUENCE:${n % 5}`,
    'DTSTAMP:20260101T000000Z',
    `DTSTART;TZID=Europe/Berlin:202603${day}T100000`,
    `DTEND;TZID=Europe/Berlin:202603${day}T110000`,
    `SUMMARY:Meeting number ${n} about the quarterly planning and the budget`,
    'ORGANIZER;CN=Org:mailto:org@example.com',
    'ATTENDEE;CN=Me;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:me@example.com',
    'ATTENDEE;CN=Other;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:other@example.com',
    'DESCRIPTION:Agenda: 1. numbers 2. plans 3. any other business. Join at https://meet.example.com/abc-defg-hij',
    'END:VEVENT',
  ].join('\r\n');
  const master: EventData = {
    component: 'VEVENT',
    uid,
    recurrenceId: null,
    thisAndFuture: false,
    sequence: n % 5,
    dtstamp: '2026-01-01T00:00:00Z',
    start: { value: `2026-03-${day}T10:00:00+01:00`, tzid: 'Europe/Berlin', allDay: false, floating: false, utc: `2026-03-${day}T09:00:00Z` },
    end: { value: `2026-03-${day}T11:00:00+01:00`, tzid: 'Europe/Berlin', allDay: false, floating: false, utc: `2026-03-${day}T10:00:00Z` },
    duration: null,
    summary: `Meeting number ${n} about the quarterly planning and the budget`,
    location: 'Room 4.12',
    description: 'Agenda: 1. numbers 2. plans 3. any other business. Join at https://meet.example.com/abc-defg-hij',
    status: 'CONFIRMED',
    comment: [],
    organizer: { email: 'org@example.com', cn: 'Org', sentBy: null },
    attendees: attendees(),
    rrule: null,
    rdate: [],
    exdate: [],
    requestStatus: [],
    ics,
  };
  return storedEvent(uid, master, [], []);
}

function attendees(): EventData['attendees'] {
  return [
    { email: 'me@example.com', cn: 'Me', partstat: 'NEEDS-ACTION', role: 'REQ-PARTICIPANT', rsvp: true, cutype: null, delegatedTo: [], delegatedFrom: [], sentBy: null },
    { email: 'other@example.com', cn: 'Other', partstat: 'ACCEPTED', role: 'REQ-PARTICIPANT', rsvp: false, cutype: null, delegatedTo: [], delegatedFrom: [], sentBy: null },
  ];
}

/** An attendee's stored copy of a series (or single event) with its overrides and zones. */
export function storedEvent(uid: string, master: EventData | null, overrides: EventData[], vtimezones: string[]): StoredEvent {
  return { uid, role: 'attendee', master, overrides, vtimezones, replies: [], pending: [], cancelled: false, myAddress: 'me@example.com', updatedAt: '2026-01-01T00:00:00Z' };
}

// ---------------------------------------------------------------------------------------------------------------
// The realistic fixture of issue 9 (store tests and scripts/bench-store.mjs): events in three zones, a tenth of them
// weekly series, as Thunderbird/Google (Europe/Berlin with a VTIMEZONE from 1970) and Exchange (W. Europe Standard
// Time with the VTIMEZONE from 1601) send them.

// The zone texts live in test/fixtures/zone-zoo.ts (one copy for every test and bench).
export const VTIMEZONE_BERLIN_1970 = BERLIN_1970;
export const VTIMEZONE_WINDOWS_1601 = W_EUROPE;

const berlinParts = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Berlin', hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });

function berlinOffsetMin(ms: number): number {
  const p: Record<string, number> = {};
  for (const x of berlinParts.formatToParts(new Date(ms))) if (x.type !== 'literal') p[x.type] = Number(x.value);
  return Math.round((Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!) - ms) / 60_000);
}

const pad = (n: number) => String(n).padStart(2, '0');

export type FixtureZone = 'utc' | 'berlin' | 'windows';

/** A stored event at `startMs` (UTC instant) lasting `minutes`, written in `zone`; weekly when `weekly` is set. */
export function buildEvent(uid: string, n: number, startMs: number, minutes: number, zone: FixtureZone, weekly: string | null): StoredEvent {
  const endMs = startMs + minutes * 60_000;
  const wall = (ms: number) => {
    const off = zone === 'utc' ? 0 : berlinOffsetMin(ms);
    const d = new Date(ms + off * 60_000);
    const sign = off < 0 ? '-' : '+';
    return {
      iso: `${d.toISOString().slice(0, 19)}${zone === 'utc' ? 'Z' : `${sign}${pad(Math.floor(Math.abs(off) / 60))}:${pad(Math.abs(off) % 60)}`}`,
      ics: d.toISOString().slice(0, 19).replace(/[-:]/g, ''),
    };
  };
  const tzid = zone === 'utc' ? 'UTC' : 'Europe/Berlin';
  const icsTzid = zone === 'windows' ? 'W. Europe Standard Time' : 'Europe/Berlin';
  const s = wall(startMs);
  const e = wall(endMs);
  const dt = (name: string, w: { ics: string }) => (zone === 'utc' ? `${name}:${w.ics}Z` : `${name};TZID=${icsTzid}:${w.ics}`);
  const summary = `Meeting ${n}: project sync ${n % 97}`;
  const ics = [
    'BEGIN:VEVENT',
    `UID:${uid}`,
    `SEQUENCE:${n % 3}`,
    'DTSTAMP:20260101T000000Z',
    dt('DTSTART', s),
    dt('DTEND', e),
    ...(weekly ? [`RRULE:${weekly}`] : []),
    `SUMMARY:${summary}`,
    'LOCATION:Room 4.12',
    'ORGANIZER;CN=Org:mailto:org@example.com',
    'ATTENDEE;CN=Me;PARTSTAT=NEEDS-ACTION;ROLE=REQ-PARTICIPANT;RSVP=TRUE:mailto:me@example.com',
    'ATTENDEE;CN=Other;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:other@example.com',
    'END:VEVENT',
  ].join('\r\n');
  const value = (w: { iso: string }, ms: number) => ({
    value: w.iso,
    tzid,
    ...(zone === 'windows' ? { originalTzid: icsTzid } : {}),
    allDay: false,
    floating: false,
    utc: `${new Date(ms).toISOString().slice(0, 19)}Z`,
  });
  const master: EventData = {
    component: 'VEVENT',
    uid,
    recurrenceId: null,
    thisAndFuture: false,
    sequence: n % 3,
    dtstamp: '2026-01-01T00:00:00Z',
    start: value(s, startMs),
    end: value(e, endMs),
    duration: null,
    summary,
    location: 'Room 4.12',
    description: null,
    status: 'CONFIRMED',
    comment: [],
    organizer: { email: 'org@example.com', cn: 'Org', sentBy: null },
    attendees: attendees(),
    rrule: weekly,
    rdate: [],
    exdate: [],
    requestStatus: [],
    ics,
  };
  return storedEvent(uid, master, [], zone === 'berlin' ? [VTIMEZONE_BERLIN_1970] : zone === 'windows' ? [VTIMEZONE_WINDOWS_1601] : []);
}

// The seeded PRNG without fast-check (test/random.ts loads it): the bench's measured process holds no test library.
export { mulberry32 as rng } from '../prng';

/**
 * The i-th event of the realistic fixture: over five years from 2023, working hours; zones in turn UTC, Berlin,
 * Windows; every tenth a weekly series (most with COUNT or UNTIL, one in five endless).
 */
export function fixtureEvent(i: number, random: () => number): StoredEvent {
  const zone: FixtureZone = (['utc', 'berlin', 'windows'] as const)[i % 3]!;
  const day = Math.floor(random() * 5 * 365);
  const startMs = Date.UTC(2023, 0, 1) + day * 86_400_000 + (7 + Math.floor(random() * 10)) * 3_600_000 + (random() < 0.5 ? 0 : 1_800_000);
  let weekly: string | null = null;
  if (i % 10 === 9) {
    const kind = i % 50;
    const byday = `BYDAY=${['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'][new Date(startMs).getUTCDay()]};WKST=MO`;
    const until = new Date(startMs + (20 + (i % 60)) * 7 * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
    weekly = kind === 9 ? `FREQ=WEEKLY;${byday}` : kind < 30 ? `FREQ=WEEKLY;COUNT=${4 + (i % 40)};${byday}` : `FREQ=WEEKLY;UNTIL=${until}T235959Z;${byday}`;
  }
  return buildEvent(`fx-${i}@example.com`, i, startMs, random() < 0.8 ? 30 : 60, zone, weekly);
}
