// Reading: ical.js components → EventData (VEVENT, VTODO, VJOURNAL, VFREEBUSY), masters first.

import ICAL from 'ical.js';
import type { Attendee, CalendarObject, ComponentKind, EventData, Organizer, Problem } from '../types';
import { normalizeAddress } from '../address';
import { cleanTzid } from '../zones/iana';
import { zoneDefinition } from '../zones/vtimezone';
import { lazyIcs } from '../component-text';
import { COMPONENT_KINDS } from './lines';
import { firstRaw, param, paramList, PropertyIndex, type PropertyLike, textOf } from './ical';
import { type ReadCtx, warn } from './context';
import { dateProp, dateValue, multiDates, normalisedInstant } from './dates';

export function readRoots(roots: ICAL.Component[], problems: Problem[]): CalendarObject {
  let method: string | null = null;
  let prodid: string | null = null;
  const vtimezones: string[] = [];
  const zones = new Map<string, ICAL.Timezone>();
  const comps: ICAL.Component[] = [];
  for (const root of roots) {
    if (root.name === 'vcalendar') {
      method ??= textOf(root.getFirstProperty('method'))?.trim().toUpperCase() || null;
      prodid ??= textOf(root.getFirstProperty('prodid'));
      for (const sub of root.getAllSubcomponents()) {
        if (sub.name === 'vtimezone') {
          // One definition per text, shared across calendars, expanded near the years asked (zones/vtimezone.ts).
          const def = zoneDefinition(sub);
          vtimezones.push(def.text);
          const id = cleanTzid(textOf(sub.getFirstProperty('tzid')) ?? '');
          try {
            if (id && !zones.has(id)) zones.set(id, def.timezone());
          } catch {
            // An unusable VTIMEZONE: times referring to it fall back to the IANA database when the name maps.
          }
        } else if (COMPONENT_KINDS.includes(sub.name.toUpperCase() as ComponentKind)) comps.push(sub);
      }
    } else if (COMPONENT_KINDS.includes(root.name.toUpperCase() as ComponentKind)) {
      // A bare VEVENT without the VCALENDAR wrapper: read it, but say so (RFC 5545 §3.4 requires the wrapper).
      problems.push({ code: 'malformed-ics', severity: 'warning', message: 'component without VCALENDAR wrapper' });
      comps.push(root);
    }
  }
  const ctx: ReadCtx = { zones, problems, reported: new Set() };
  const components: EventData[] = [];
  for (const c of comps) {
    try {
      components.push(readComponent(c, ctx));
    } catch (err) {
      problems.push({
        code: 'invalid-component',
        severity: 'warning',
        message: `${c.name.toUpperCase()} could not be read: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }
  // Masters first (in file order), then overrides by RECURRENCE-ID (types.ts contract).
  const masters = components.filter((c) => c.recurrenceId === null);
  const overrides = components
    .filter((c) => c.recurrenceId !== null)
    .sort((a, b) => ((a.recurrenceId ?? '') < (b.recurrenceId ?? '') ? -1 : a.recurrenceId === b.recurrenceId ? 0 : 1));
  if (components.length === 0 && comps.length === 0 && roots.every((r) => r.name !== 'vcalendar')) {
    problems.push({ code: 'invalid-ics', severity: 'error', message: 'no VCALENDAR found' });
  }
  return { method, prodid, components: [...masters, ...overrides], vtimezones, problems };
}

function readComponent(c: ICAL.Component, ctx: ReadCtx): EventData {
  const kind = c.name.toUpperCase() as ComponentKind;
  // Read from the jCal in one pass (ical.ts PropertyIndex); only RRULE goes through ical.js (its Recur).
  const props = new PropertyIndex(c);
  const one = (name: string): PropertyLike | null => props.first(name);
  const ridProp = one('recurrence-id');
  const rid = ridProp ? dateValue(ridProp, ctx) : null;
  const start = dateProp(one('dtstart'), ctx);
  // VTODO's end is DUE (RFC 5545 §3.6.2).
  const endProp = one('dtend') ?? (kind === 'VTODO' ? one('due') : null);
  const end = dateProp(endProp, ctx);
  const durText = firstRaw(one('duration'));
  const seqRaw = firstRaw(one('sequence'));
  const seq = typeof seqRaw === 'number' ? seqRaw : Number.parseInt(String(seqRaw ?? '0'), 10);
  const dtstamp = dateProp(one('dtstamp'), ctx);
  const uidText = textOf(one('uid'));
  let rrule: string | null = null;
  const rruleProp = props.first('rrule') ? c.getFirstProperty('rrule') : null;
  if (rruleProp) {
    try {
      rrule = String((rruleProp.getFirstValue() as { toString(): string } | null)?.toString() ?? '') || null;
    } catch {
      warn(ctx, 'invalid-rrule', 'RRULE could not be read');
    }
  }
  // `ics` is appended last, made on first read (component-text.ts).
  const ev = {
    component: kind,
    uid: uidText && uidText.trim() !== '' ? uidText.trim() : null,
    recurrenceId: rid ? normalisedInstant(rid) : null,
    thisAndFuture: ridProp ? String(ridProp.getFirstParameter('range') ?? '').toUpperCase() === 'THISANDFUTURE' : false,
    sequence: Number.isFinite(seq) && seq >= 0 ? seq : 0,
    // DTSTAMP is UTC by definition (RFC 5545 §3.8.7.2); a floating one (RFC 5546 examples) is read as UTC.
    dtstamp: dtstamp ? (dtstamp.utc ?? (dtstamp.allDay ? null : `${dtstamp.value}Z`)) : null,
    start,
    end,
    // RFC 5545 §3.6.1: DTEND and DURATION are exclusive; when both are sent we keep DTEND.
    duration: endProp ? null : durText !== undefined ? String(durText) : null,
    summary: textOf(one('summary')),
    location: textOf(one('location')),
    description: textOf(one('description')),
    status: textOf(one('status'))?.trim().toUpperCase() || null,
    comment: props.all('comment').map((p) => textOf(p) ?? '').filter((s) => s !== ''),
    organizer: readOrganizer(one('organizer')),
    attendees: props.all('attendee').map(readAttendee).filter((a): a is Attendee => a !== null),
    rrule,
    rdate: props.all('rdate').flatMap((p) => multiDates(p, ctx)),
    exdate: props.all('exdate').flatMap((p) => multiDates(p, ctx)),
    requestStatus: props.all('request-status').map((p) => {
      const v = firstRaw(p);
      return Array.isArray(v) ? v.map(String).join(';') : String(v ?? '');
    }),
  } as EventData;
  // The names of the properties directly in `c`, as its serialised text shows them (RFC 5545 §3.1): validate.ts.
  lazyIcs(ev, c, props.names());
  return ev;
}

function readOrganizer(p: PropertyLike | null): Organizer | null {
  if (!p) return null;
  const email = normalizeAddress(textOf(p));
  if (!email) return null;
  const sentBy = param(p, 'sent-by');
  return { email, cn: param(p, 'cn'), sentBy: sentBy ? normalizeAddress(sentBy) : null };
}

function readAttendee(p: PropertyLike): Attendee | null {
  const email = normalizeAddress(textOf(p));
  if (!email) return null;
  const sentBy = param(p, 'sent-by');
  const cutype = param(p, 'cutype');
  return {
    email,
    cn: param(p, 'cn'),
    // RFC 5545 §3.2.12 / §3.2.16: PARTSTAT defaults to NEEDS-ACTION, ROLE to REQ-PARTICIPANT.
    partstat: param(p, 'partstat')?.trim().toUpperCase() || 'NEEDS-ACTION',
    // Yahoo writes REQ_PARTICIPANT (corpus: role-underscore).
    role: param(p, 'role')?.trim().toUpperCase().replace(/_/g, '-') || 'REQ-PARTICIPANT',
    rsvp: (param(p, 'rsvp') ?? '').trim().toUpperCase() === 'TRUE',
    cutype: cutype ? cutype.trim().toUpperCase() : null,
    delegatedTo: paramList(p, 'delegated-to'),
    delegatedFrom: paramList(p, 'delegated-from'),
    sentBy: sentBy ? normalizeAddress(sentBy) : null,
  };
}
