// Invitations the UI tests open as files: an iTIP REQUEST (RFC 5546 §3.2.2) from Carol to the offline user.
import { LOCAL_IDENTITY } from '../../shared/api';

export interface CarolRequest {
  uid: string;
  summary: string;
  /** DTSTART as a UTC stamp (YYYYMMDDTHHMMSSZ); DTEND is one hour later (same day). */
  start: string;
  sequence?: number;
  /** DTSTAMP, default 20260101T000000Z. */
  stamp?: string;
  /** Carol's CN, default 'Carol'. */
  carol?: string;
  /** More VEVENT properties, after the attendees. */
  extra?: string[];
}

/** Carol (organizer, accepted) invites the offline user (needs action, RSVP) to one event. */
export function carolRequest(o: CarolRequest): string {
  const end = o.start.replace(/T(\d\d)/, (_, h: string) => `T${String(Number(h) + 1).padStart(2, '0')}`);
  const carol = o.carol ?? 'Carol';
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Test//EN',
    'METHOD:REQUEST',
    'BEGIN:VEVENT',
    `UID:${o.uid}`,
    `SEQUENCE:${o.sequence ?? 0}`,
    `DTSTAMP:${o.stamp ?? '20260101T000000Z'}`,
    `DTSTART:${o.start}`,
    `DTEND:${end}`,
    `SUMMARY:${o.summary}`,
    `ORGANIZER;CN=${carol}:mailto:carol@example.test`,
    `ATTENDEE;CN=${carol};PARTSTAT=ACCEPTED:mailto:carol@example.test`,
    `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${LOCAL_IDENTITY}`,
    ...(o.extra ?? []),
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}
