// Shared by the store tests and the bench: realistic stored events without the parser.
import type { EventData, StoredEvent } from '../../shared/itip/types';

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
    attendees: [
      { email: 'me@example.com', cn: 'Me', partstat: 'NEEDS-ACTION', role: 'REQ-PARTICIPANT', rsvp: true, cutype: null, delegatedTo: [], delegatedFrom: [], sentBy: null },
      { email: 'other@example.com', cn: 'Other', partstat: 'ACCEPTED', role: 'REQ-PARTICIPANT', rsvp: false, cutype: null, delegatedTo: [], delegatedFrom: [], sentBy: null },
    ],
    rrule: null,
    rdate: [],
    exdate: [],
    requestStatus: [],
    ics,
  };
  return {
    uid,
    role: 'attendee',
    master,
    overrides: [],
    vtimezones: [],
    replies: [],
    pending: [],
    cancelled: false,
    myAddress: 'me@example.com',
    updatedAt: '2026-01-01T00:00:00Z',
  };
}
