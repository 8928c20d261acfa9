// Scheduling parameters the plain EventData model does not carry: RFC 6638 §7.1 SCHEDULE-AGENT and §7.2
// SCHEDULE-FORCE-SEND on ORGANIZER and ATTENDEE. They matter only when planning outgoing messages, so they are read
// here from the component's own text (EventData.ics) rather than added to every stored event.

import ICAL from 'ical.js';
import { normalizeAddress } from './address';
import type { EventData } from './types';

export interface ScheduleParams {
  /** Upper-case SCHEDULE-AGENT, or null when absent. */
  agent: string | null;
  /** Upper-case SCHEDULE-FORCE-SEND ('REQUEST' | 'REPLY'), or null when absent. */
  forceSend: string | null;
}

export interface ComponentScheduleParams {
  organizer: ScheduleParams;
  /**
   * DURATION as written, also when DTEND is present too (a producer error the parser resolves by keeping DTEND, RFC
   * 5545 §3.6.1): a change to it is still a change the attendees were sent (RFC 5546 §2.1.4 lists DURATION).
   */
  duration: string | null;
  /** By bare lower-case address. */
  attendees: Map<string, ScheduleParams>;
}

const NONE: ScheduleParams = { agent: null, forceSend: null };

function paramsOf(p: ICAL.Property): ScheduleParams {
  const get = (name: string): string | null => {
    const v = p.getParameter(name);
    const s = Array.isArray(v) ? v[0] : v;
    return typeof s === 'string' && s.trim() ? s.trim().toUpperCase() : null;
  };
  return { agent: get('schedule-agent'), forceSend: get('schedule-force-send') };
}

function valueOf(p: ICAL.Property): string {
  const v = p.getFirstValue();
  return normalizeAddress(typeof v === 'string' ? v : String(v ?? ''));
}

/** The scheduling parameters of one component; a component text that cannot be read has none. */
export function scheduleParamsOf(e: EventData): ComponentScheduleParams {
  const out: ComponentScheduleParams = { organizer: NONE, attendees: new Map(), duration: null };
  if (!e.ics) return out;
  let comp: ICAL.Component;
  try {
    comp = new ICAL.Component(ICAL.parse(e.ics));
  } catch {
    return out;
  }
  const dur = comp.getFirstProperty('duration')?.toJSON() as unknown[] | undefined;
  if (dur && dur[3] !== undefined) out.duration = String(dur[3]);
  const org = comp.getFirstProperty('organizer');
  if (org) out.organizer = paramsOf(org);
  for (const a of comp.getAllProperties('attendee')) {
    const email = valueOf(a);
    if (email && !out.attendees.has(email)) out.attendees.set(email, paramsOf(a));
  }
  return out;
}

/**
 * RFC 6638 §7.1: SCHEDULE-AGENT=SERVER (the default on a CalDAV server) or NONE means someone else, or nobody,
 * delivers this calendar user's messages. Convene sends iMIP itself, as the CLIENT agent: a user without the
 * parameter is ours to message, one explicitly marked other than CLIENT is not.
 */
export function handledByUs(p: ScheduleParams | undefined): boolean {
  return !p?.agent || p.agent === 'CLIENT';
}
