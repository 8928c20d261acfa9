// Reading side entry points: a raw RFC 5322 message or a bare .ics file → the calendar objects it carries and, when
// there is one, the iTIP message (RFC 6047 §2: METHOD present). Nothing here throws on bad input; everything that
// goes wrong becomes a Problem, and an unreadable invitation is shown as ordinary mail with the reason.

import { findCalendarParts } from './detect';
import { decodeCharset, readMimeSync } from './mime';
import { lazyField } from './lazy';
import { parseCalendar } from './parse';
import { ITIP_METHODS, type CalendarObject, type CalendarPartRef, type ItipMessage, type ItipMethod, type MailEnvelope, type Problem } from './types';

export interface ReadResult {
  kind: 'message' | 'calendar-file';
  envelope: MailEnvelope | null;
  /** Every calendar part found in the structure (before de-duplication). */
  parts: CalendarPartRef[];
  /** The calendar objects after de-duplication (one invitation sent inline and as invite.ics counts once). */
  calendars: { part: CalendarPartRef | null; calendar: CalendarObject }[];
  /** The scheduling message; null when there is no calendar part, no METHOD (an event file) or it is unreadable. */
  itip: ItipMessage | null;
  problems: Problem[];
  text: string | null;
  html: string | null;
}

export interface CalendarRead {
  calendar: CalendarObject;
  itip: ItipMessage | null;
  problems: Problem[];
}

/** One calendar text (already decoded to a string) → calendar and iTIP message. */
export function readCalendarText(text: string, part?: CalendarPartRef | null, envelope?: MailEnvelope | null): CalendarRead {
  const calendar = parseCalendar(text);
  const problems = [...calendar.problems];
  const itip = toItip(calendar, part ?? null, envelope ?? null, problems);
  return { calendar, itip, problems };
}

function toItip(calendar: CalendarObject, part: CalendarPartRef | null, envelope: MailEnvelope | null, problems: Problem[]): ItipMessage | null {
  if (calendar.components.length === 0 && calendar.problems.some((p) => p.code === 'invalid-ics')) return null;
  // RFC 6047 §2.1 / RFC 5546 §1.4: without METHOD it is a plain iCalendar object (an event file), not iTIP.
  if (calendar.method === null) {
    const where = part ? `calendar part ${part.path}` : 'the calendar';
    const param = part?.methodParam ? ` (the Content-Type says method=${part.methodParam}, the calendar does not)` : '';
    if (!problems.some((p) => p.code === 'no-method')) {
      problems.push({ code: 'no-method', severity: 'warning', message: `${where} has no METHOD property${param}: an event file to import, not a scheduling message (RFC 5546 §1.4)` });
    }
    return null;
  }
  if (!(ITIP_METHODS as readonly string[]).includes(calendar.method)) {
    if (!problems.some((p) => p.code === 'unknown-method')) {
      problems.push({ code: 'unknown-method', severity: 'error', message: `METHOD:${calendar.method} is not an iTIP method (RFC 5546 §1.4)` });
    }
    return null;
  }
  return { method: calendar.method as ItipMethod, calendar, methodParam: part?.methodParam ?? null, envelope, part };
}

/** One calendar part's content, transfer-decoded (base64 / quoted-printable undone) but not charset-decoded. */
export interface CalendarPartBytes {
  part: CalendarPartRef;
  bytes: Uint8Array;
}

/** What a message's calendar parts amount to: the calendars kept after de-duplication, the invitation, problems. */
export interface CalendarPartsRead {
  calendars: { part: CalendarPartRef; calendar: CalendarObject }[];
  itip: ItipMessage | null;
  problems: Problem[];
}

/**
 * The calendar parts of one message → what readMessage() reports for them. The one place for the charset rule, the
 * de-duplication and the 'no method param' rule, whether the parts came from a whole raw message (readMessage) or
 * were fetched on their own over IMAP (BODY.PEEK[path], electron/mail/imap/calendar-parts.ts).
 */
export function readCalendarParts(parts: CalendarPartBytes[], envelope: MailEnvelope | null): CalendarPartsRead {
  const read: { part: CalendarPartRef; calendar: CalendarObject; problems: Problem[] }[] = [];
  // Google, Outlook and others send the same calendar twice (text/calendar in the alternative and an attached
  // invite.ics): a text already read in this message, in the same forwarded-or-own group, is not parsed again.
  // Sharing is safe: dedupe() keeps one calendar per group (the same text reads the same, so has the same identity).
  // A part read as windows-1252 is always parsed on its own: its problem names its part.
  const seen = { own: new Map<string, CalendarObject>(), fwd: new Map<string, CalendarObject>() };
  for (const { part, bytes } of parts) {
    const decoded = decodeCharset(bytes, part.charset);
    const text = decoded.text.replace(/^\uFEFF/, '');
    const group = part.forwarded ? seen.fwd : seen.own;
    const again = decoded.notUtf8 ? undefined : group.get(text);
    const calendar = again ?? parseCalendar(text);
    if (!again && !decoded.notUtf8) group.set(text, calendar);
    const problems: Problem[] = [];
    if (decoded.notUtf8) {
      // RFC 5545 §6: iCalendar's default charset is UTF-8; we read the bytes as windows-1252 instead.
      const p: Problem = { code: 'not-utf8', severity: 'warning', message: `calendar part ${part.path} is not valid UTF-8 and has no charset; read as windows-1252` };
      calendar.problems.unshift(p);
    }
    problems.push(...calendar.problems);
    read.push({ part, calendar, problems });
  }
  const chosen = dedupe(read);
  const problems: Problem[] = [];
  for (const c of chosen) for (const p of c.problems) problems.push(p);
  // The invitation is the first non-forwarded readable calendar; a forwarded one is reported (part.forwarded) only
  // when the message has nothing of its own, so the decider can treat it as a forward.
  const ordered = [...chosen.filter((c) => !c.part.forwarded), ...chosen.filter((c) => c.part.forwarded)];
  let itip: ItipMessage | null = null;
  for (const c of ordered) {
    itip = toItip(c.calendar, c.part, envelope, problems);
    if (itip && itip.methodParam === null && itip.method !== 'REPLY') {
      // RFC 6047 §2.4 requires the method parameter on an iMIP part. A .ics merely attached without it (Thunderbird
      // "send event as attachment", ical4j newsletters) is an event file, not an invitation. REPLY is tolerated:
      // Apple Mail sends replies as attachments, and a reply only ever updates an event we organise.
      problems.push({ code: 'no-method-param', severity: 'warning', message: `calendar part ${c.part.path} has no method parameter: treated as an attached file, not an invitation (RFC 6047 §2.4)` });
      itip = null;
    }
    if (itip) break;
  }
  return { calendars: chosen.map((c) => ({ part: c.part, calendar: c.calendar })), itip, problems: uniqueProblems(problems) };
}

export async function readMessage(raw: Uint8Array | string): Promise<ReadResult> {
  const mail = readMimeSync(raw);
  const parts = findCalendarParts(mail.tree);
  const r = readCalendarParts(
    parts.map((part) => ({ part, bytes: mail.bodyOf(part.path) ?? new Uint8Array(0) })),
    mail.envelope,
  );
  if (mail.cutShort) {
    // A calendar part past the guard is not seen: say so rather than report an ordinary mail (issue 10 §8).
    r.problems.unshift({
      code: 'mime-limit',
      severity: r.itip ? 'warning' : 'error',
      message: 'the MIME structure is nested too deep or has too many parts: the parts past the limit were not read (a calendar among them is not seen)',
    });
  }
  const out = {
    kind: 'message',
    envelope: mail.envelope,
    parts,
    calendars: r.calendars,
    itip: r.itip,
    problems: r.problems,
  } as ReadResult;
  // Decoded when first read, like the mail's own (mime.ts): inspect and process never look at them.
  lazyField(out, 'text', () => mail.text);
  lazyField(out, 'html', () => mail.html);
  return out;
}

function uniqueProblems(list: Problem[]): Problem[] {
  const seen = new Set<string>();
  return list.filter((p) => {
    const k = `${p.code}|${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Identity of a calendar object for de-duplication: its components' UID + RECURRENCE-ID. */
function identity(c: CalendarObject): string {
  return c.components.map((e) => `${e.uid ?? ''}|${e.recurrenceId ?? ''}`).sort().join('\n');
}

/**
 * Gmail, Outlook and BlueMind send one invitation twice: inline text/calendar in the multipart/alternative plus an
 * invite.ics attachment (often without the method param). It is ONE invitation; keep the better copy: METHOD set,
 * then a method param, then the inline alternative (RFC 6047 §2.4), then document order.
 */
function dedupe<T extends { part: CalendarPartRef; calendar: CalendarObject }>(list: T[]): T[] {
  const score = (x: T): number =>
    (x.calendar.components.length > 0 ? 16 : 0) +
    (x.calendar.method ? 8 : 0) +
    (x.part.methodParam ? 4 : 0) +
    (x.part.inAlternative ? 2 : 0) +
    (x.part.disposition !== 'attachment' ? 1 : 0);
  const readable = list.filter((x) => x.calendar.components.length > 0);
  const groups = new Map<string, T[]>();
  for (const x of readable) {
    const key = `${x.part.forwarded ? 'fwd' : 'own'}\n${identity(x.calendar)}`;
    const g = groups.get(key) ?? [];
    g.push(x);
    groups.set(key, g);
  }
  const out: T[] = [];
  for (const g of groups.values()) {
    let best = g[0]!;
    for (const x of g) if (score(x) > score(best)) best = x;
    out.push(best);
  }
  // Unreadable parts matter only when nothing readable exists: then they explain why it is shown as plain mail.
  if (out.length === 0) {
    const bad = list.filter((x) => x.calendar.components.length === 0);
    if (bad[0]) out.push(bad[0]);
  }
  return out.sort((a, b) => list.indexOf(a) - list.indexOf(b));
}

const HEAD_DECODER = new TextDecoder('utf-8');

/** A .ics file or a message: sniffs the bytes (BEGIN:VCALENDAR after BOM/whitespace) and the filename. */
export async function readInput(bytes: Uint8Array, filename?: string): Promise<ReadResult> {
  const head = HEAD_DECODER.decode(bytes.subarray(0, 512)).replace(/^\uFEFF/, '').trimStart();
  const isCal = /^BEGIN:VCALENDAR/i.test(head) || /\.ics$/i.test(filename ?? '');
  if (!isCal) return readMessage(bytes);
  const decoded = decodeCharset(bytes, null);
  const r = readCalendarText(decoded.text.replace(/^\uFEFF/, ''), null, null);
  if (decoded.notUtf8) {
    const p: Problem = { code: 'not-utf8', severity: 'warning', message: 'calendar file is not valid UTF-8; read as windows-1252' };
    r.calendar.problems.unshift(p);
    r.problems.unshift(p);
  }
  return {
    kind: 'calendar-file',
    envelope: null,
    parts: [],
    calendars: [{ part: null, calendar: r.calendar }],
    itip: r.itip,
    problems: r.problems,
    text: null,
    html: null,
  };
}
