// Calendar parts fetched on their own (BODY.PEEK[path], still transfer-encoded) → the same reading the engine's
// readMessage() gives for the whole raw message. Only the transfer decoding and the envelope's header block are
// done here; the charset, de-duplication and 'no method param' rules are the engine's one implementation
// (readCalendarParts in shared/itip/message.ts). The corpus test (test/integration/sync.test.ts) checks the parity.
import { readCalendarParts, type CalendarPartsRead } from '../../../shared/itip/message';
import { bytesToBinary, decodeTransfer, readMimeSync } from '../../../shared/itip/mime';
import type { CalendarPartRef, MailEnvelope } from '../../../shared/itip/types';

/** The header fields the envelope needs, fetched as BODY.PEEK[HEADER.FIELDS (...)]. */
export const ENVELOPE_HEADERS = ['from', 'sender', 'to', 'cc', 'subject', 'message-id', 'date'];

/** Parses a HEADER.FIELDS block with the engine's own header reader, so the envelope matches readMessage's. */
export function envelopeFromHeaders(headers: Uint8Array | null | undefined): MailEnvelope {
  const block = headers && headers.length ? bytesToBinary(headers).replace(/(\r?\n)*$/, '') : '';
  return readMimeSync(`${block}\r\n\r\ntext\r\n`).envelope;
}

/** What one fetched message carries: the calendars kept after de-duplication, the invitation (or null), problems. */
export type MessageRead = CalendarPartsRead;

/** All fetched calendar parts of one message (transfer-encoded, as the server sends them) → readMessage's reading. */
export function readFetchedMessage(parts: { part: CalendarPartRef; raw: Uint8Array }[], envelope: MailEnvelope | null): MessageRead {
  return readCalendarParts(
    parts.map((p) => ({ part: p.part, bytes: decodeTransfer(bytesToBinary(p.raw), p.part.encoding) })),
    envelope,
  );
}
