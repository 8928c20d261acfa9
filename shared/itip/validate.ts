// iTIP / iMIP validation: RFC 5546 §3 restriction tables (VEVENT fully, VTODO basics) and RFC 6047 transport rules.
//
// validate() only reports; it never decides. decide.ts enforces what matters for safety (who may update an event),
// process.ts decides which errors make a message unusable. Severities:
//   - 'error'   a MUST of RFC 5546 / 6047 / 5545 is broken;
//   - 'warning' an interop quirk real clients produce and we accept (or a MUST we tolerate on incoming mail only).
// Direction matters for the transport rules: on outgoing mail (our own lint) every MUST is an error; on incoming
// mail we are liberal in what we accept (RFC 6047 §2.4's method parameter is missing in the wild, and Exchange
// relays send on behalf of organizers), so those become warnings.

import { listFew } from './few';
import type { Attendee, EventData, ItipMessage, Problem, Severity } from './types';
import { normalizeAddress, sameAddress } from './address';
import { probeRule } from './recur-guard';
import { parsedPropertyNames, propertyLines } from './component-text';

/** Every code validate() emits, with its meaning. Codes are stable: the UI, the CLI and tests match on them. */
export const PROBLEM_CODES = {
  // carried over from parse / read
  'invalid-ics': 'The calendar text is not valid iCalendar (carried over from the parser).',
  'not-utf8': 'The calendar part is not UTF-8 (RFC 5545 §3.1.4; carried over from the reader).',
  // RFC 6047 (iMIP transport)
  'no-method-param':
    'The text/calendar Content-Type has no `method` parameter (RFC 6047 §2.4 MUST); error on outgoing, warning on incoming.',
  'method-mismatch': 'The Content-Type `method` parameter differs from the METHOD property (RFC 6047 §2.4 MUST match).',
  'calendar-not-inline':
    'The calendar part is only an attachment, not a multipart/alternative sibling of the text body (RFC 6047 §2.4 / §4 examples); many clients then show no invitation.',
  'organizer-mismatch':
    'PUBLISH/REQUEST/ADD/CANCEL/DECLINECOUNTER: the mail sender (From, or Sender) is neither the ORGANIZER nor its SENT-BY (RFC 6047 §3).',
  'attendee-mismatch':
    'REPLY/COUNTER/REFRESH: the mail sender (From, or Sender) is not the replying ATTENDEE nor its SENT-BY (RFC 6047 §3).',
  'unknown-sender':
    'A mail with no single sender: no From and no Sender, or several From mailboxes (or a group) without a Sender (RFC 5322 §3.6.2). Every sender check fails.',
  // RFC 5546 §3 restriction tables
  'no-components': 'The calendar holds no VEVENT/VTODO/VJOURNAL/VFREEBUSY for the method to act on.',
  'unsupported-component': 'A component kind this method does not define (RFC 5546 §3.2–3.6) or Convene does not schedule (VFREEBUSY).',
  'multiple-uids': 'Components with different UIDs in one iTIP message (RFC 5546 §3.2.2, §3.2.3, §3.2.5: all MUST share the UID).',
  'multiple-components': 'ADD/REFRESH/COUNTER carry exactly one component (RFC 5546 §3.2.4, §3.2.6, §3.2.7 tables: VEVENT 1).',
  'missing-uid': 'A component has no UID (RFC 5546 §3 tables: UID 1).',
  'missing-dtstamp': 'A component has no DTSTAMP (RFC 5546 §3 tables: DTSTAMP 1); message order cannot be checked (§2.1.5).',
  'missing-dtstart': 'PUBLISH/REQUEST/ADD/COUNTER VEVENT without DTSTART (RFC 5546 §3.2.1, §3.2.2, §3.2.4, §3.2.7: DTSTART 1).',
  'missing-organizer': 'A component has no ORGANIZER (RFC 5546 §3 tables: ORGANIZER 1). Error for organizer methods, warning otherwise.',
  'missing-summary': 'PUBLISH/REQUEST/ADD/COUNTER VEVENT without SUMMARY (tables: SUMMARY 1, "can be null").',
  'missing-sequence': 'CANCEL/DECLINECOUNTER without SEQUENCE (RFC 5546 §3.2.5, §3.2.8: SEQUENCE 1).',
  'no-attendee':
    'No ATTENDEE: error for REQUEST/DECLINECOUNTER (ATTENDEE 1+), REPLY/REFRESH (ATTENDEE 1); warning for CANCEL (an event-wide CANCEL SHOULD list attendees; a published event has none) and ADD (0+ in the table).',
  'publish-has-attendees': 'PUBLISH with ATTENDEE properties (RFC 5546 §3.2.1: Attendees MUST NOT be present). Warning on incoming (Outlook does it).',
  'reply-multiple-attendees': 'A REPLY with more than one ATTENDEE (RFC 5546 §3.2.3: exactly one, the replying attendee), not a delegation pair.',
  'reply-delegation-pair':
    'A REPLY listing the replying delegate and its delegator (RFC 5546 §4.2.6 example; the §3.2.3 table says one ATTENDEE).',
  'reply-missing-partstat': 'A REPLY whose ATTENDEE has no PARTSTAT (it then means NEEDS-ACTION, RFC 5545 §3.2.12), and no REQUEST-STATUS error.',
  'refresh-extra-properties': 'A REFRESH carrying properties its table forbids (RFC 5546 §3.2.6: DTSTART, SEQUENCE, SUMMARY... 0).',
  'declinecounter-extra-properties':
    'A DECLINECOUNTER carrying properties its table forbids (RFC 5546 §3.2.8: DTSTART, DTEND, SUMMARY, LOCATION, RRULE... 0).',
  'add-has-recurrence': 'An ADD carrying RECURRENCE-ID, RRULE, RDATE or EXDATE (RFC 5546 §3.2.4: all 0).',
  'add-sequence-not-positive': 'An ADD with SEQUENCE 0 or missing (RFC 5546 §3.2.4: SEQUENCE 1, MUST be greater than 0).',
  'cancel-status-not-cancelled': 'A CANCEL with a STATUS other than CANCELLED (RFC 5546 §3.2.5).',
  'unexpected-request-status': 'REQUEST-STATUS in a PUBLISH/REQUEST/ADD/CANCEL/REFRESH (their tables say 0).',
  'recurrence-id-with-rrule': 'A component with both RECURRENCE-ID and RRULE/RDATE: an instance cannot define a recurrence (RFC 5546 §4.7.2).',
  'recurrence-id-mismatch':
    'A RECURRENCE-ID whose value type (DATE vs DATE-TIME) differs from the master DTSTART (RFC 5545 §3.8.4.4 MUST match).',
  'mime-limit':
    'The MIME structure is nested deeper than the reader follows (40 levels) or has more than 5,000 parts: parts past the limit are not read, so a calendar among them is not seen (reported, never a silent not-imip).',
  'dtend-with-duration': 'DTEND and DURATION both present (RFC 5546 §3 tables: if present, the other MUST NOT be).',
  'dtend-before-dtstart': 'DTEND/DUE earlier than DTSTART (RFC 5545 §3.8.2.2: DTEND MUST be later).',
  'rrule-never-matches':
    'An RRULE that yields no instance after DTSTART within a bounded search: it names dates that do not exist (BYMONTH=2;BYMONTHDAY=31) or almost never occur. Only DTSTART (and RDATEs) are shown; RFC 5545 §3.3.10 says invalid dates are ignored.',
} as const;

export type ProblemCode = keyof typeof PROBLEM_CODES;

type Method = ItipMessage['method'];

/**
 * Properties whose presence is 0 in the VEVENT tables of RFC 5546 §3.2.6 (REFRESH) and §3.2.8 (DECLINECOUNTER):
 * both carry only UID, DTSTAMP, ORGANIZER, ATTENDEE, RECURRENCE-ID, COMMENT (and SEQUENCE, REQUEST-STATUS for
 * DECLINECOUNTER; X- properties for both).
 */
const ANSWER_ONLY_FORBIDDEN = [
  'ATTACH',
  'CATEGORIES',
  'CLASS',
  'CONTACT',
  'CREATED',
  'DESCRIPTION',
  'DTEND',
  'DTSTART',
  'DURATION',
  'EXDATE',
  'GEO',
  'LAST-MODIFIED',
  'LOCATION',
  'PRIORITY',
  'RDATE',
  'RELATED-TO',
  'RESOURCES',
  'RRULE',
  'STATUS',
  'SUMMARY',
  'TRANSP',
  'URL',
] as const;
/** §3.2.6: a REFRESH also has SEQUENCE 0 and REQUEST-STATUS 0. */
const REFRESH_FORBIDDEN = [...ANSWER_ONLY_FORBIDDEN, 'SEQUENCE', 'REQUEST-STATUS'] as const;

const ORGANIZER_METHODS: ReadonlySet<Method> = new Set(['PUBLISH', 'REQUEST', 'ADD', 'CANCEL', 'DECLINECOUNTER']);
const ATTENDEE_METHODS: ReadonlySet<Method> = new Set(['REPLY', 'COUNTER', 'REFRESH']);

/** Property names present directly in the component (not in nested VALARMs), from its text. */
function topLevelProps(ev: EventData): ReadonlySet<string> {
  // Recorded by the parser while `ics` is still its text (component-text.ts); else read from the text.
  const parsed = parsedPropertyNames(ev);
  if (parsed) return parsed;
  return topLevelPropsOfText(ev.ics);
}

/** Property names present directly in a component's text (not in nested VALARMs). */
export function topLevelPropsOfText(ics: string): Set<string> {
  const names = new Set<string>();
  const lines = ics.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  let depth = 0;
  for (const line of lines) {
    const m = /^([A-Za-z0-9-]+)[;:]/.exec(line);
    if (!m?.[1]) continue;
    const name = m[1].toUpperCase();
    if (name === 'BEGIN') depth++;
    else if (name === 'END') depth--;
    else if (depth === 1) names.add(name);
  }
  return names;
}

/** The raw ATTENDEE line (unfolded) for an address, to see which parameters were actually written. */
function attendeeParams(ev: EventData, email: string): string | undefined {
  // The ATTENDEE lines the text will hold, made alone while the text is not (component-text.ts); else the text's.
  const lines = propertyLines(ev, 'attendee') ?? ev.ics.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  for (const line of lines) {
    if (!/^ATTENDEE[;:]/i.test(line)) continue;
    // The value starts at the first ':' outside a quoted parameter value (RFC 5545 §3.1).
    let quoted = false;
    let i = 0;
    for (; i < line.length; i++) {
      const ch = line[i];
      if (ch === '"') quoted = !quoted;
      else if (ch === ':' && !quoted) break;
    }
    if (sameAddress(line.slice(i + 1), email)) return line.slice(0, i);
  }
  return undefined;
}

/**
 * The attendee a REPLY speaks for: the sender when the envelope names one of them; else the single attendee; else,
 * for a delegation pair (RFC 5546 §4.2.6), the delegate (the one with DELEGATED-FROM). Undefined when ambiguous.
 */
export function replyingAttendee(ev: EventData, sender: string | null): Attendee | undefined {
  if (sender) {
    const bySender = ev.attendees.find((a) => sameAddress(a.email, sender) || sameAddress(a.sentBy, sender));
    if (bySender) return bySender;
  }
  if (ev.attendees.length === 1) return ev.attendees[0];
  if (isDelegationPair(ev.attendees)) return ev.attendees.find((a) => a.delegatedFrom.length > 0);
  return undefined;
}

/** Two attendees where one delegated to the other (DELEGATED-TO / DELEGATED-FROM point at each other). */
export function isDelegationPair(attendees: readonly Attendee[]): boolean {
  if (attendees.length !== 2) return false;
  const [a, b] = attendees as [Attendee, Attendee];
  const linked = (from: Attendee, to: Attendee): boolean =>
    from.delegatedTo.some((x) => sameAddress(x, to.email)) || to.delegatedFrom.some((x) => sameAddress(x, from.email));
  return linked(a, b) || linked(b, a);
}

/**
 * The envelope's sending addresses: From and Sender (RFC 6047 §3 compares either with the calendar user), as
 * canonical addr-specs. With several From mailboxes (or a group) only Sender speaks for the message (RFC 5322
 * §3.6.2); with several From and no Sender, or neither field, the list is empty: see hasUnknownSender.
 */
export function senderAddresses(msg: ItipMessage): string[] {
  const e = msg.envelope;
  if (!e) return [];
  const froms = (e.fromAddresses ?? [e.from]).map(normalizeAddress).filter((s) => s !== '');
  const out = froms.length === 1 ? [froms[0]!] : [];
  const sender = normalizeAddress(e.sender);
  if (sender && !out.includes(sender)) out.push(sender);
  return out;
}

/**
 * True for a mail (it has an envelope) whose sender cannot be named: no From and no Sender, or several From
 * mailboxes without a Sender. Such a message fails every sender check; a bare .ics file (no envelope) has none.
 */
export function hasUnknownSender(msg: ItipMessage): boolean {
  return msg.envelope !== null && msg.envelope !== undefined && senderAddresses(msg).length === 0;
}

function hasErrorStatus(ev: EventData): boolean {
  // REQUEST-STATUS 3.x (client error), 4.x (scheduling error), 5.x (service error): RFC 5546 §3.6.
  return ev.requestStatus.some((rs) => /^\s*[345]\./.test(rs));
}

function instantOrder(ev: EventData): [number, number] | null {
  const s = ev.start?.utc ? Date.parse(ev.start.utc) : ev.start?.value ? Date.parse(ev.start.value.slice(0, 19) + 'Z') : NaN;
  const e = ev.end?.utc ? Date.parse(ev.end.utc) : ev.end?.value ? Date.parse(ev.end.value.slice(0, 19) + 'Z') : NaN;
  if (Number.isNaN(s) || Number.isNaN(e)) return null;
  // Mixed UTC/floating values (RFC 5546 §4.3.2 quirk) cannot be ordered reliably: skip.
  if (!!ev.start?.utc !== !!ev.end?.utc) return null;
  return [s, e];
}

/**
 * Validates one iTIP message. Never throws. The calendar's own problems (parse findings) come first, unchanged.
 * `direction` defaults to 'incoming'.
 */
export function validate(msg: ItipMessage, opts?: { direction?: 'incoming' | 'outgoing' }): Problem[] {
  try {
    return validateInner(msg, opts?.direction ?? 'incoming');
  } catch (err) {
    // A bug here must not lose the message: report it as a problem.
    return [
      ...(msg?.calendar?.problems ?? []),
      { code: 'invalid-ics', severity: 'error', message: `validation failed: ${err instanceof Error ? err.message : String(err)}` },
    ];
  }
}

function validateInner(msg: ItipMessage, direction: 'incoming' | 'outgoing'): Problem[] {
  const out: Problem[] = [...msg.calendar.problems];
  const seen = new Set(out.map((p) => `${p.code}|${p.message}`));
  const add = (code: ProblemCode, severity: Severity, message: string): void => {
    const key = `${code}|${message}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ code, severity, message });
  };
  const lenient: Severity = direction === 'incoming' ? 'warning' : 'error';
  const method = msg.method;

  // ---- RFC 6047 §2.4: the Content-Type method parameter
  if (msg.part) {
    if (msg.methodParam == null) {
      add('no-method-param', lenient, 'text/calendar part has no method= parameter (RFC 6047 §2.4)');
    } else if (msg.methodParam.toUpperCase() !== method) {
      add('method-mismatch', lenient, `Content-Type method=${msg.methodParam} but METHOD:${method} (RFC 6047 §2.4)`);
    }
    if (!msg.part.inAlternative && !msg.part.wholeBody) {
      add('calendar-not-inline', 'warning', 'calendar part is an attachment, not in multipart/alternative with the text body');
    }
  } else if (msg.methodParam != null && msg.methodParam.toUpperCase() !== method) {
    add('method-mismatch', lenient, `method=${msg.methodParam} but METHOD:${method}`);
  }

  const comps = msg.calendar.components;
  if (comps.length === 0) {
    add('no-components', 'error', `METHOD:${method} without any VEVENT/VTODO component`);
    return out;
  }

  // ---- component kinds (RFC 5546 §3.2–3.6)
  for (const c of comps) {
    if (c.component === 'VFREEBUSY') {
      add('unsupported-component', 'warning', `VFREEBUSY ${method}: free/busy exchange is not handled`);
    } else if (c.component === 'VJOURNAL' && !['PUBLISH', 'ADD', 'CANCEL'].includes(method)) {
      add('unsupported-component', 'error', `VJOURNAL is not defined for ${method} (RFC 5546 §3.5)`);
    }
    // VEVENT and VTODO define all eight methods (RFC 5546 §3.2, §3.4).
  }
  const scheduled = comps.filter((c) => c.component !== 'VFREEBUSY');

  // ---- UID (every table: UID 1; all components the same UID)
  const uids = new Set(comps.map((c) => c.uid));
  if (comps.some((c) => !c.uid)) add('missing-uid', 'error', 'component without UID');
  if ([...uids].filter(Boolean).length > 1) add('multiple-uids', 'error', `components with different UIDs: ${listFew([...uids].filter(Boolean) as string[])}`);
  if (['ADD', 'REFRESH', 'COUNTER'].includes(method) && comps.length > 1) {
    add('multiple-components', 'warning', `${method} carries ${comps.length} components; the table allows one`);
  }

  const master = scheduled.find((c) => c.recurrenceId === null);

  for (const c of scheduled) {
    const where = c.recurrenceId ? `${c.component} RECURRENCE-ID ${c.recurrenceId}` : c.component;
    const props = topLevelProps(c);
    const isEvent = c.component === 'VEVENT';

    if (!c.dtstamp) add('missing-dtstamp', 'error', `${where} has no DTSTAMP`);

    if (!c.organizer) {
      // The organizer is who may change the event: without it an organizer method cannot be checked at all.
      // REPLY/REFRESH/COUNTER are addressed to an organizer we already know (RFC 5546 §4.5.7.2 example omits it).
      // An override without ORGANIZER inherits the master's in practice (RFC 5546 §4.4.8 example): a warning then.
      const inherited = c.recurrenceId !== null && !!master?.organizer;
      add('missing-organizer', ORGANIZER_METHODS.has(method) && !inherited ? 'error' : 'warning', `${where} has no ORGANIZER`);
    }

    if (isEvent && ['PUBLISH', 'REQUEST', 'ADD', 'COUNTER'].includes(method) && !c.start) {
      add('missing-dtstart', 'error', `${method} ${where} has no DTSTART`);
    }
    if (isEvent && ['PUBLISH', 'REQUEST', 'ADD', 'COUNTER'].includes(method) && !props.has('SUMMARY')) {
      add('missing-summary', 'warning', `${method} ${where} has no SUMMARY`);
    }

    // ---- ATTENDEE counts
    const n = c.attendees.length;
    switch (method) {
      case 'REQUEST':
      case 'DECLINECOUNTER':
        if (n === 0) add('no-attendee', 'error', `${method} ${where} has no ATTENDEE (RFC 5546: ATTENDEE 1+)`);
        break;
      case 'ADD':
        if (n === 0) add('no-attendee', 'warning', `ADD ${where} has no ATTENDEE`);
        break;
      case 'CANCEL':
        if (n === 0) add('no-attendee', 'warning', `CANCEL ${where} lists no ATTENDEE being cancelled (RFC 5546 §3.2.5)`);
        break;
      case 'REPLY':
      case 'REFRESH':
        if (n === 0) add('no-attendee', 'error', `${method} ${where} has no ATTENDEE (RFC 5546: ATTENDEE 1)`);
        break;
      case 'PUBLISH':
        if (n > 0) add('publish-has-attendees', lenient, `PUBLISH ${where} lists ${n} ATTENDEE(s) (RFC 5546 §3.2.1: MUST NOT)`);
        break;
      case 'COUNTER':
        break;
    }

    // ---- per-method rows
    if (method === 'REPLY' && n > 1) {
      // RFC 5546 §3.2.3: ATTENDEE 1, "MUST be the address of the Attendee replying". The RFC's own delegation examples
      // (§4.2.6, §4.2.7) list the delegate with its delegator: accepted with a warning.
      if (isDelegationPair(c.attendees)) {
        add('reply-delegation-pair', 'warning', `REPLY ${where} lists a delegate and its delegator`);
      } else {
        add('reply-multiple-attendees', 'error', `REPLY ${where} has ${n} ATTENDEEs; a REPLY carries exactly one`);
      }
    }
    if (method === 'REPLY' && n >= 1 && !hasErrorStatus(c)) {
      const replier = replyingAttendee(c, senderAddresses(msg)[0] ?? null);
      const params = replier ? attendeeParams(c, replier.email) : undefined;
      if (params !== undefined && !/;PARTSTAT=/i.test(params)) {
        add('reply-missing-partstat', 'warning', `REPLY ATTENDEE ${replier?.email} has no PARTSTAT`);
      }
    }
    if (method === 'REFRESH' && isEvent) {
      const extra = REFRESH_FORBIDDEN.filter((p) => props.has(p));
      if (extra.length) add('refresh-extra-properties', lenient, `REFRESH carries ${extra.join(', ')} (RFC 5546 §3.2.6: 0)`);
    }
    if (method === 'DECLINECOUNTER' && isEvent) {
      const extra = ANSWER_ONLY_FORBIDDEN.filter((p) => props.has(p));
      if (extra.length) add('declinecounter-extra-properties', lenient, `DECLINECOUNTER carries ${extra.join(', ')} (RFC 5546 §3.2.8: 0)`);
    }
    if (method === 'ADD') {
      const bad = ['RECURRENCE-ID', 'RRULE', 'RDATE', 'EXDATE'].filter((p) => props.has(p));
      if (bad.length) add('add-has-recurrence', 'error', `ADD carries ${bad.join(', ')}`);
      if (c.sequence <= 0) add('add-sequence-not-positive', 'error', `ADD has SEQUENCE ${c.sequence}; it MUST be greater than 0`);
    }
    if ((method === 'CANCEL' || method === 'DECLINECOUNTER') && !props.has('SEQUENCE')) {
      add('missing-sequence', 'warning', `${method} ${where} has no SEQUENCE`);
    }
    if (method === 'CANCEL' && c.status && c.status !== 'CANCELLED') {
      add('cancel-status-not-cancelled', 'error', `CANCEL with STATUS:${c.status}`);
    }
    if (['PUBLISH', 'REQUEST', 'ADD', 'CANCEL', 'REFRESH'].includes(method) && c.requestStatus.length > 0) {
      add('unexpected-request-status', 'warning', `${method} carries REQUEST-STATUS`);
    }

    // ---- RFC 5545 consistency that breaks scheduling
    if (c.recurrenceId && (c.rrule || c.rdate.length)) {
      add('recurrence-id-with-rrule', 'error', `${where} defines a recurrence (RRULE/RDATE) on an instance`);
    }
    if (c.recurrenceId && master?.start) {
      const ridIsDate = /^\d{4}-\d{2}-\d{2}$/.test(c.recurrenceId);
      if (ridIsDate !== master.start.allDay) {
        add('recurrence-id-mismatch', 'error', `${where}: RECURRENCE-ID value type differs from the master DTSTART`);
      }
    }
    if (props.has('DTEND') && props.has('DURATION')) add('dtend-with-duration', 'error', `${where} has both DTEND and DURATION`);
    // Issue 10 §2: a rule that can never match would make every later expansion search forever; say so on arrival.
    if (c.rrule && c.start && probeRule(c.rrule, c.start.allDay ? c.start.value.slice(0, 10) : c.start.value.slice(0, 19)) === 'never') {
      add('rrule-never-matches', 'warning', `${where} RRULE:${c.rrule.slice(0, 80)} matches no date after DTSTART (RFC 5545 §3.3.10)`);
    }
    const order = instantOrder(c);
    if (order && order[1] < order[0]) add('dtend-before-dtstart', 'error', `${where} ends before it starts`);
  }

  // ---- RFC 6047 §3: the sender is the calendar user the method speaks for
  const senders = senderAddresses(msg);
  if (hasUnknownSender(msg) && scheduled.length > 0) {
    add('unknown-sender', lenient, `${method} mail names no single sender (From: ${msg.envelope?.fromAddresses?.length ?? 0} addresses, no Sender): RFC 5322 §3.6.2`);
  }
  if (senders.length > 0 && scheduled.length > 0) {
    const first = master ?? scheduled[0]!;
    if (ORGANIZER_METHODS.has(method) && first.organizer) {
      const ok = senders.some((s) => sameAddress(s, first.organizer?.email) || sameAddress(s, first.organizer?.sentBy));
      if (!ok) {
        add('organizer-mismatch', lenient, `${method} sent by ${senders.join(' / ')}, but ORGANIZER is ${first.organizer.email}`);
      }
    }
    if (ATTENDEE_METHODS.has(method)) {
      let ok: boolean;
      if (method === 'COUNTER') {
        // COUNTER may list all attendees (it proposes a whole event, §3.2.7): the sender must be one of them.
        ok = first.attendees.some((a) => senders.some((s) => sameAddress(s, a.email) || sameAddress(s, a.sentBy)));
      } else {
        const replier = replyingAttendee(first, senders[0] ?? null) ?? (first.attendees.length === 1 ? first.attendees[0] : undefined);
        ok = !!replier && senders.some((s) => sameAddress(s, replier.email) || sameAddress(s, replier.sentBy));
      }
      if (!ok && first.attendees.length > 0) {
        add('attendee-mismatch', lenient, `${method} sent by ${senders.join(' / ')}, who is not the ATTENDEE it speaks for`);
      }
    }
  }
  return out;
}
