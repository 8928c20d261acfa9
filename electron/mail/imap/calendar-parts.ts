// Calendar parts fetched on their own (BODY.PEEK[path], still transfer-encoded) → the same reading the engine's
// readMessage() gives for the whole raw message: the engine's transfer and charset decoders, its header parser for
// the envelope, and its de-duplication rule (one invitation sent inline and as invite.ics counts once; keep the
// copy with METHOD, then a method param, then the inline alternative). Keeping this in step with
// shared/itip/message.ts is checked by the corpus test (test/integration/sync.test.ts).
import { readCalendarText } from '../../../shared/itip/message';
import { bytesToBinary, decodeCharset, decodeTransfer, readMimeSync } from '../../../shared/itip/mime';
import type { CalendarObject, CalendarPartRef, ItipMessage, MailEnvelope, Problem } from '../../../shared/itip/types';

/** The header fields the envelope needs, fetched as BODY.PEEK[HEADER.FIELDS (...)]. */
export const ENVELOPE_HEADERS = ['from', 'sender', 'to', 'cc', 'subject', 'message-id', 'date'];

/** Parses a HEADER.FIELDS block with the engine's own header reader, so the envelope matches readMessage's. */
export function envelopeFromHeaders(headers: Uint8Array | null | undefined): MailEnvelope {
  const block = headers && headers.length ? bytesToBinary(headers).replace(/(\r?\n)*$/, '') : '';
  return readMimeSync(`${block}\r\n\r\ntext\r\n`).envelope;
}

export interface PartRead {
  part: CalendarPartRef;
  calendar: CalendarObject;
  itip: ItipMessage | null;
  problems: Problem[];
}

export interface MessageRead {
  /** The scheduling message chosen (null: none readable, or an event file without METHOD). */
  itip: ItipMessage | null;
  problems: Problem[];
  /** The calendars kept after de-duplication. */
  calendars: PartRead[];
}

export function readPart(part: CalendarPartRef, raw: Uint8Array, envelope: MailEnvelope | null): PartRead {
  const bytes = decodeTransfer(bytesToBinary(raw), part.encoding);
  const decoded = decodeCharset(bytes, part.charset);
  const r = readCalendarText(decoded.text.replace(/^\uFEFF/, ''), part, envelope);
  const problems = [...r.problems];
  if (decoded.notUtf8) {
    // RFC 5545 §6: iCalendar's default charset is UTF-8; the bytes were read as windows-1252 instead.
    const p: Problem = { code: 'not-utf8', severity: 'warning', message: `calendar part ${part.path} is not valid UTF-8 and has no charset; read as windows-1252` };
    r.calendar.problems.unshift(p);
    problems.unshift(p);
  }
  return { part, calendar: r.calendar, itip: r.itip, problems };
}

function identity(c: CalendarObject): string {
  return c.components.map((e) => `${e.uid ?? ''}|${e.recurrenceId ?? ''}`).sort().join('\n');
}

/** The engine's de-duplication (shared/itip/message.ts), applied to parts read one by one. */
export function dedupeParts(list: PartRead[]): PartRead[] {
  const score = (x: PartRead): number =>
    (x.calendar.components.length > 0 ? 16 : 0) +
    (x.calendar.method ? 8 : 0) +
    (x.part.methodParam ? 4 : 0) +
    (x.part.inAlternative ? 2 : 0) +
    (x.part.disposition !== 'attachment' ? 1 : 0);
  const groups = new Map<string, PartRead[]>();
  for (const x of list.filter((y) => y.calendar.components.length > 0)) {
    const key = `${x.part.forwarded ? 'fwd' : 'own'}\n${identity(x.calendar)}`;
    const g = groups.get(key) ?? [];
    g.push(x);
    groups.set(key, g);
  }
  const out: PartRead[] = [];
  for (const g of groups.values()) {
    let best = g[0]!;
    for (const x of g) if (score(x) > score(best)) best = x;
    out.push(best);
  }
  if (out.length === 0) {
    const bad = list.find((x) => x.calendar.components.length === 0);
    if (bad) out.push(bad);
  }
  return out.sort((a, b) => list.indexOf(a) - list.indexOf(b));
}

/** All fetched calendar parts of one message → the invitation it carries, as readMessage() would choose it. */
export function readFetchedMessage(parts: { part: CalendarPartRef; raw: Uint8Array }[], envelope: MailEnvelope | null): MessageRead {
  const read = parts.map((p) => readPart(p.part, p.raw, envelope));
  const chosen = dedupeParts(read);
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const c of chosen) {
    for (const p of c.problems) {
      const k = `${p.code}|${p.message}`;
      if (!seen.has(k)) {
        seen.add(k);
        problems.push(p);
      }
    }
  }
  // The message's own calendar first; a forwarded one counts only when there is nothing else.
  const ordered = [...chosen.filter((c) => !c.part.forwarded), ...chosen.filter((c) => c.part.forwarded)];
  let itip: ItipMessage | null = null;
  for (const c of ordered) {
    itip = c.itip;
    if (itip && itip.methodParam === null && itip.method !== 'REPLY') {
      // As readMessage: RFC 6047 §2.4 requires the method parameter on an iMIP part; a .ics merely attached without
      // it is an event file, not an invitation. REPLY is tolerated (Apple Mail sends replies as attachments).
      const p: Problem = { code: 'no-method-param', severity: 'warning', message: `calendar part ${c.part.path} has no method parameter: treated as an attached file, not an invitation (RFC 6047 §2.4)` };
      if (!seen.has(`${p.code}|${p.message}`)) problems.push(p);
      itip = null;
    }
    if (itip) break;
  }
  return { itip, problems, calendars: chosen };
}
