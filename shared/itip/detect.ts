// Which parts of a message are calendar objects (RFC 6047 §2.4). Works on MimeNode, so the same rules apply to a
// raw message (mime.ts) and to an IMAP BODYSTRUCTURE (bodystructure.ts) before any body is fetched.

import type { CalendarPartRef, MimeNode } from './types';

/** Content types that carry iCalendar: RFC 5545 §8.1 text/calendar, plus application/ics seen from Google/BlueMind. */
const CALENDAR_TYPES = new Set(['text/calendar', 'application/ics', 'text/x-vcalendar', 'application/x-ics']);
const TEXT_BODIES = new Set(['text/plain', 'text/html', 'multipart/related']);

export function isCalendarNode(n: MimeNode): boolean {
  const type = n.contentType.toLowerCase();
  if (CALENDAR_TYPES.has(type)) return true;
  // Lotus Notes and others attach invitations as application/octet-stream or text/plain named *.ics.
  const name = n.filename ?? n.params.name ?? '';
  return !type.startsWith('multipart/') && type !== 'message/rfc822' && /\.ics\s*$/i.test(name);
}

export function findCalendarParts(tree: MimeNode): CalendarPartRef[] {
  const out: CalendarPartRef[] = [];
  const walk = (n: MimeNode, parent: MimeNode | null, forwarded: boolean, depth: number): void => {
    if (depth > 60) return;
    const type = n.contentType.toLowerCase();
    // RFC 3462 / RFC 6522: a delivery report quoting an invitation is a bounce, not an invitation.
    if (type === 'multipart/report') return;
    if (type.startsWith('multipart/')) {
      for (const c of n.children) walk(c, n, forwarded, depth + 1);
      return;
    }
    if (n.message) {
      walk(n.message, null, true, depth + 1);
      return;
    }
    if (!isCalendarNode(n)) return;
    const inAlternative =
      parent !== null &&
      parent.contentType.toLowerCase() === 'multipart/alternative' &&
      parent.children.some((c) => c !== n && TEXT_BODIES.has(c.contentType.toLowerCase()));
    out.push({
      path: n.path,
      contentType: type,
      methodParam: n.params.method?.trim().toUpperCase() || null,
      charset: n.params.charset?.trim() || null,
      filename: n.filename,
      encoding: n.encoding,
      inAlternative,
      ...(parent === null && !forwarded && n.disposition !== 'attachment' ? { wholeBody: true } : {}),
      forwarded,
      disposition: n.disposition,
    });
  };
  walk(tree, null, false, 0);
  return out;
}
