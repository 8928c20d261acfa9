// One message, start to end: read result (itip + read problems) → validate → decide. The caller stores
// `decision.next` when present and keywords the message as processed.
//
// Which problems block: only those that leave nothing safe to act on (no UID, unreadable calendar, an ambiguous
// REPLY, a REQUEST without the data an invitation needs). Interop warnings (missing method= parameter, attachment
// instead of multipart/alternative, sender relayed by a list) never block: RFC 6047 §2.4 says MUST, but Outlook,
// Exchange relays and mobile clients send such mail every day and users expect their invitations to show.

import type { Decision, DecideContext, ItipMessage, Problem, StoredEvent } from './types';
import { decide } from './decide';
import { validate } from './validate';

/** Error codes that make a message unusable for every method. */
const BLOCKING_ALWAYS: ReadonlySet<string> = new Set([
  'invalid-ics',
  'no-components',
  'missing-uid',
  'multiple-uids',
  'reply-multiple-attendees',
  'recurrence-id-with-rrule',
]);

/** Error codes that block only for some methods (where the missing data is what the method is about). */
const BLOCKING_FOR: Readonly<Record<string, ReadonlySet<string>>> = {
  'missing-dtstart': new Set(['REQUEST', 'PUBLISH', 'ADD', 'COUNTER']),
  'missing-organizer': new Set(['REQUEST', 'PUBLISH', 'ADD', 'CANCEL', 'DECLINECOUNTER']),
  'no-attendee': new Set(['REQUEST', 'REPLY']),
};

function blocks(p: Problem, msg: ItipMessage): boolean {
  if (p.severity !== 'error') return false;
  // The parser reports `invalid-ics` both for "nothing readable" and for a bad value it skipped; with components
  // read the message is still usable, so only a calendar without components is blocked on it.
  if (p.code === 'invalid-ics') return msg.calendar.components.length === 0;
  if (BLOCKING_ALWAYS.has(p.code)) return true;
  return BLOCKING_FOR[p.code]?.has(msg.method) ?? false;
}

function dedupe(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.code}|${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** A human reason for "this is not an iTIP message", from what the reader found. */
function notImipReason(problems: readonly Problem[]): string {
  // The most specific reason first: an integrator reads this to learn why a client would not see an invitation.
  const order = ['mime-limit', 'invalid-ics', 'unknown-method', 'no-method', 'no-method-param'];
  const p =
    order.map((code) => problems.find((x) => x.code === code)).find((x) => x !== undefined) ??
    problems.find((x) => x.severity === 'error') ??
    problems[0];
  return p ? `${p.code}: ${p.message}` : 'no calendar part: an ordinary mail';
}

export function processRead(
  itip: ItipMessage | null,
  readProblems: Problem[],
  stored: StoredEvent | undefined,
  ctx: DecideContext,
): Decision {
  if (!itip) {
    return {
      action: 'not-imip',
      uid: null,
      reason: notImipReason(readProblems),
      ...(readProblems.length ? { problems: [...readProblems] } : {}),
    };
  }
  const problems = dedupe([...readProblems, ...validate(itip, { direction: 'incoming' })]);
  const blocking = problems.filter((p) => blocks(p, itip));
  if (blocking.length > 0) {
    return {
      action: 'rejected',
      uid: itip.calendar.components.find((c) => c.uid)?.uid ?? null,
      reason: blocking.map((p) => `${p.code}: ${p.message}`).join('; '),
      detail: blocking[0]!.code,
      problems,
    };
  }
  const decision = decide(itip, stored, ctx);
  return problems.length ? { ...decision, problems: dedupe([...(decision.problems ?? []), ...problems]) } : decision;
}
