// Lint for OUTGOING iMIP mail: everything the reader and validator find, judged strictly (direction 'outgoing':
// every MUST is an error), plus the structure real clients need to show an invitation at all. The outbox runs it on
// every message the builders produce; the command line runs it on any .eml (`convene lint`).
//
// Codes added here (validator codes keep their meaning, see validate.ts PROBLEM_CODES):
//   no-calendar-part      no text/calendar part at all (RFC 6047 §2.4: the iCalendar object is a text/calendar part)
//   calendar-not-inline   upgraded to an error: a calendar that is only an attachment is shown as a file by Outlook
//                         and Gmail, not as an invitation (RFC 6047 §2.4, §4 examples)
//   no-text-body          warning: no text/plain alternative (RFC 6047 §2.4 recommends one; §4's examples have none)
//   no-html-body          warning: Outlook and Gmail render the html alternative
//   calendar-charset      the text/calendar part is not charset=UTF-8 (RFC 5545 §3.1.4, RFC 6047 §2.4)
//   line-too-long         a physical line of the calendar text over 75 octets (RFC 5545 §3.1)
//   bare-line-feed        a calendar line ending without CRLF (RFC 5545 §3.1: lines are delimited by CRLF)
//   no-message-id         no Message-ID: the outbox could not tell a resend from a new message
//   no-recipient          nobody in To/Cc (PUBLISH may be saved as a file instead: warning)
//   reply-not-to-organizer  REPLY/COUNTER/REFRESH addressed to anyone but the ORGANIZER (RFC 6047 §3: the reply
//                         goes to the organizer; copying other attendees leaks the answer)
//   unreadable            the message could not be read at all

import { listFew } from './few';
import { normalizeAddress, sameAddress } from './address';
import { findCalendarParts } from './detect';
import { readInput, readMessage } from './message';
import { readMime, decodeCharset } from './mime';
import type { MimeNode, Problem } from './types';
import { validate } from './validate';
import { MAX_LINE_OCTETS } from './ics-write';

const encoder = new TextEncoder();

function leaves(n: MimeNode, out: { node: MimeNode; parent: MimeNode | null }[] = [], parent: MimeNode | null = null) {
  if (n.children.length) for (const c of n.children) leaves(c, out, n);
  else out.push({ node: n, parent });
  return out;
}

/** Physical-line checks on calendar text (RFC 5545 §3.1). Exported for the writer's tests and the CLI. */
export function lintCalendarLines(text: string): Problem[] {
  const out: Problem[] = [];
  const lines = text.split('\r\n');
  if (lines.at(-1) === '') lines.pop();
  let tooLong = 0;
  let firstLong = -1;
  let bareLf = 0;
  lines.forEach((line, i) => {
    const parts = line.split('\n');
    bareLf += parts.length - 1;
    for (const p of parts) {
      if (encoder.encode(p).length > MAX_LINE_OCTETS) {
        tooLong++;
        if (firstLong < 0) firstLong = i + 1;
      }
    }
  });
  if (tooLong) {
    out.push({
      code: 'line-too-long',
      severity: 'error',
      message: `${tooLong} calendar line(s) longer than ${MAX_LINE_OCTETS} octets (first at line ${firstLong}; RFC 5545 §3.1)`,
    });
  }
  if (bareLf) {
    out.push({ code: 'bare-line-feed', severity: 'warning', message: `${bareLf} calendar line(s) end in LF, not CRLF (RFC 5545 §3.1)` });
  }
  return out;
}

/** readMessage + validate(outgoing) + the structural checks above. Never throws. */
export async function lintMessage(raw: Uint8Array | string): Promise<Problem[]> {
  const out: Problem[] = [];
  // One entry per code (the reader, the validator and the structure checks can each see the same fault), at the
  // highest severity any of them gave it.
  const add = (p: Problem): void => {
    const existing = out.find((q) => q.code === p.code);
    if (existing) {
      if (p.severity === 'error') existing.severity = 'error';
      return;
    }
    out.push(p);
  };

  // A bare calendar file (about to be attached or sent as the body): the outgoing iTIP rules and the line rules; the
  // mail-structure checks below only make sense for a message.
  const bytes = typeof raw === 'string' ? encoder.encode(raw) : raw;
  if (/^\uFEFF?\s*BEGIN:VCALENDAR/i.test(new TextDecoder().decode(bytes.subarray(0, 512)))) {
    const r = await readInput(bytes);
    for (const p of r.problems) add(p);
    if (r.itip) for (const p of validate(r.itip, { direction: 'outgoing' })) add(p);
    else if (!r.problems.some((p) => p.code === 'invalid-ics' || p.code === 'no-method')) {
      add({ code: 'no-method', severity: 'error', message: 'the calendar is not an iTIP message (no METHOD)' });
    }
    for (const p of r.problems) if (p.code === 'no-method' || p.code === 'invalid-ics') add({ ...p, severity: 'error' });
    for (const q of lintCalendarLines(decodeCharset(bytes, 'utf-8').text)) add(q);
    return out;
  }

  let read: Awaited<ReturnType<typeof readMessage>>;
  let mime: Awaited<ReturnType<typeof readMime>>;
  try {
    [read, mime] = await Promise.all([readMessage(raw), readMime(raw)]);
  } catch (err) {
    return [{ code: 'unreadable', severity: 'error', message: `message could not be read: ${err instanceof Error ? err.message : String(err)}` }];
  }

  for (const p of read.problems ?? []) add(p);
  if (read.itip) for (const p of validate(read.itip, { direction: 'outgoing' })) add(p);

  // ---- structure
  const parts = findCalendarParts(mime.tree).filter((p) => !p.forwarded);
  const textCal = parts.filter((p) => p.contentType === 'text/calendar');
  if (textCal.length === 0) {
    add({ code: 'no-calendar-part', severity: 'error', message: 'no text/calendar part (RFC 6047 §2.4)' });
  } else {
    // Inline: a multipart/alternative sibling of the text body, or the whole body of a single-part message (RFC 6047
    // §4's own examples are single-part text/calendar messages).
    if (!textCal.some((p) => (p.inAlternative && p.disposition !== 'attachment') || p.wholeBody)) {
      add({
        code: 'calendar-not-inline',
        severity: 'error',
        message: 'the text/calendar part is not an inline multipart/alternative sibling of the text body (RFC 6047 §2.4)',
      });
    }
    for (const p of textCal) {
      if (!p.charset || !/^utf-?8$/i.test(p.charset)) {
        add({ code: 'calendar-charset', severity: 'error', message: `text/calendar part ${p.path} has charset=${p.charset ?? '(none)'}, not UTF-8` });
      }
      if (!p.methodParam) {
        add({ code: 'no-method-param', severity: 'error', message: `text/calendar part ${p.path} has no method= parameter (RFC 6047 §2.4)` });
      } else if (read.itip && p.methodParam !== read.itip.method) {
        add({ code: 'method-mismatch', severity: 'error', message: `part ${p.path} method=${p.methodParam} but METHOD:${read.itip.method}` });
      }
    }
  }
  // Every calendar part (the inline one and the invite.ics attachment) must keep the line rules.
  for (const p of parts) {
    const body = mime.bodyOf(p.path);
    if (!body) continue;
    const { text } = decodeCharset(body, p.charset ?? 'utf-8');
    for (const q of lintCalendarLines(text)) add({ ...q, message: `part ${p.path}: ${q.message}` });
  }

  const all = leaves(mime.tree);
  const inTopAlternative = (type: string): boolean =>
    all.some(({ node, parent }) => node.contentType === type && node.disposition !== 'attachment' && (parent === null || parent.contentType !== 'message/rfc822'));
  if (!inTopAlternative('text/plain')) {
    // A recommendation, not a MUST: RFC 6047 §4's examples have no text alternative.
    add({ code: 'no-text-body', severity: 'warning', message: 'no text/plain body for clients without calendar support (RFC 6047 §2.4 recommends one)' });
  }
  if (!inTopAlternative('text/html')) {
    add({ code: 'no-html-body', severity: 'warning', message: 'no text/html body' });
  }

  // ---- headers
  const env = mime.envelope;
  if (!env.messageId) add({ code: 'no-message-id', severity: 'error', message: 'no Message-ID header' });
  const recipients = [...env.to, ...env.cc].map(normalizeAddress).filter(Boolean);
  if (recipients.length === 0) {
    add({
      code: 'no-recipient',
      severity: read.itip?.method === 'PUBLISH' ? 'warning' : 'error',
      message: 'no To or Cc recipient',
    });
  }
  const itip = read.itip;
  if (itip && ['REPLY', 'COUNTER', 'REFRESH'].includes(itip.method)) {
    const organizer = itip.calendar.components[0]?.organizer?.email ?? null;
    const others = recipients.filter((r) => !sameAddress(r, organizer));
    if (organizer && others.length) {
      add({
        code: 'reply-not-to-organizer',
        severity: 'error',
        message: `${itip.method} is addressed to ${listFew(others)} besides the organizer ${organizer} (RFC 6047 §3)`,
      });
    }
  }
  return out;
}
