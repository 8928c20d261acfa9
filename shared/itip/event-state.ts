// Helpers over the stored state of one event (StoredEvent / EventData): pure functions, data in, data out.
//
// Every change to an EventData's fields is mirrored into its `ics` text by patching the original component with
// ical.js (not by re-writing it from the plain fields), so properties we do not model (VALARM, X-MICROSOFT-*,
// CONFERENCE, CATEGORIES...) survive in the stored copy and in anything later re-built from it.

import { lazyField } from './lazy';
import { RECUR_STEP_BUDGET, withRecurBudget } from './recur-guard';
import ICAL from 'ical.js';
import type { Attendee, DateTimeValue, EventData, PendingItem, ReplyRecord, StoredEvent } from './types';
import { isMine, normalizeAddress, sameAddress, toMailto } from './address';
import { eventToComponentText, foldText, isKnownZone, utcToWall, zonedDateTime } from './ics-write';

// ---------------------------------------------------------------------------------------------------------------
// Comparing versions (RFC 5546 §2.1.5)

/** DTSTAMP as ms; null (missing or junk) sorts before every real stamp. */
export function stampMs(dtstamp: string | null | undefined): number {
  if (!dtstamp) return Number.NEGATIVE_INFINITY;
  const ms = Date.parse(dtstamp);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}

/**
 * RFC 5546 §2.1.5: a higher SEQUENCE is newer; with equal SEQUENCE the later DTSTAMP is newer.
 * Returns >0 when (seqA, stampA) is newer than (seqB, stampB), <0 when older, 0 when the same revision.
 */
export function compareRevision(
  a: { sequence: number; dtstamp: string | null },
  b: { sequence: number; dtstamp: string | null },
): number {
  if (a.sequence !== b.sequence) return a.sequence > b.sequence ? 1 : -1;
  const sa = stampMs(a.dtstamp);
  const sb = stampMs(b.dtstamp);
  if (sa === sb) return 0;
  return sa > sb ? 1 : -1;
}

// ---------------------------------------------------------------------------------------------------------------
// Significant change (RFC 5546 §2.1.4)

function instantKey(v: DateTimeValue | null): string {
  if (!v) return '';
  // Compare instants, not spellings: '10:00+01:00 Europe/Paris' and '09:00Z' are the same start.
  if (v.utc) return v.utc;
  return `${v.value}|${v.allDay ? 'date' : 'floating'}`;
}

function listKey(xs: readonly string[]): string {
  return [...xs].sort().join(',');
}

/**
 * True when b reschedules a: RFC 5546 §2.1.4 says the organizer MUST increment SEQUENCE when start, end, duration,
 * recurrence (RRULE, RDATE, EXDATE), location or status change (and attendees' answers are then void, §3.2.2.1).
 * SUMMARY, DESCRIPTION, attendee list and alarms are not significant.
 */
export function isSignificantChange(a: EventData, b: EventData): boolean {
  return (
    instantKey(a.start) !== instantKey(b.start) ||
    instantKey(a.end) !== instantKey(b.end) ||
    (a.duration ?? '') !== (b.duration ?? '') ||
    (a.rrule ?? '') !== (b.rrule ?? '') ||
    listKey(a.rdate) !== listKey(b.rdate) ||
    listKey(a.exdate) !== listKey(b.exdate) ||
    (a.location ?? '').trim() !== (b.location ?? '').trim() ||
    (a.status ?? '') !== (b.status ?? '')
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Looking things up

export function findAttendee(ev: EventData | null | undefined, address: string | null | undefined): Attendee | undefined {
  if (!ev || !address) return undefined;
  return ev.attendees.find((a) => sameAddress(a.email, address));
}

/** A new ATTENDEE entry with RFC 5545's defaults (REQ-PARTICIPANT, INDIVIDUAL, NEEDS-ACTION) and no RSVP asked. */
export function newAttendee(email: string): Attendee {
  return {
    email: normalizeAddress(email),
    cn: null,
    partstat: 'NEEDS-ACTION',
    role: 'REQ-PARTICIPANT',
    rsvp: false,
    cutype: 'INDIVIDUAL',
    delegatedTo: [],
    delegatedFrom: [],
    sentBy: null,
  };
}

/** My ATTENDEE entry in `ev` (the first of my addresses that is listed). */
export function myAttendee(ev: EventData | null | undefined, me: readonly string[]): Attendee | undefined {
  return ev?.attendees.find((a) => isMine(a.email, me));
}

/** My PARTSTAT in the master (or the given occurrence), or null when I am not listed. */
export function myPartstat(stored: StoredEvent, me: readonly string[], recurrenceId: string | null = null): string | null {
  // A later occurrence answers as the this-and-future override governing it (RFC 5545 §3.8.4.4), else the master.
  const ev = componentFor(stored, recurrenceId) ?? (recurrenceId ? governingRange(stored, recurrenceId) : null) ?? stored.master;
  return myAttendee(ev, me)?.partstat ?? null;
}

/** The stored component for a RECURRENCE-ID (null: the master). */
export function componentFor(stored: StoredEvent | undefined, recurrenceId: string | null): EventData | null {
  if (!stored) return null;
  if (recurrenceId === null) return stored.master;
  return stored.overrides.find((o) => o.recurrenceId === recurrenceId) ?? null;
}

/** All components of a stored event, master first. */
export function allComponents(stored: StoredEvent | undefined): EventData[] {
  if (!stored) return [];
  return [...(stored.master ? [stored.master] : []), ...stored.overrides];
}

/** The organizer recorded for the stored event (master first, else any override). */
export function storedOrganizer(stored: StoredEvent | undefined): EventData['organizer'] {
  for (const c of allComponents(stored)) if (c.organizer) return c.organizer;
  return null;
}

/** True when `address` is the organizer or the organizer's SENT-BY (RFC 5546 §3.2.2.5). */
export function actsForOrganizer(address: string | null | undefined, organizer: EventData['organizer']): boolean {
  if (!address || !organizer) return false;
  return sameAddress(address, organizer.email) || sameAddress(address, organizer.sentBy);
}

/** Sorted overrides with `ev` replacing any override of the same RECURRENCE-ID. */
export function upsertOverride(overrides: readonly EventData[], ev: EventData): EventData[] {
  return mergeOverrides(overrides, [ev]);
}

function byRecurrenceId(a: EventData, b: EventData): number {
  const x = String(a.recurrenceId);
  const y = String(b.recurrenceId);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * `base` with every override of `incoming` upserted in order (a later one replaces an earlier one of the same
 * RECURRENCE-ID), sorted once: one map and one sort, O(n log n) for n overrides. Upserting them one by one (filter
 * and re-sort per override) was quadratic: a message with 100,000 overrides did not finish (issue 10 §3).
 */
export function mergeOverrides(base: readonly EventData[], incoming: readonly EventData[]): EventData[] {
  const byRid = new Map<string | null, EventData>();
  for (const o of base) byRid.set(o.recurrenceId, o);
  for (const o of incoming) {
    byRid.delete(o.recurrenceId); // re-inserted last: a later duplicate wins, as the one-by-one upsert did
    byRid.set(o.recurrenceId, o);
  }
  return [...byRid.values()].sort(byRecurrenceId);
}

// ---------------------------------------------------------------------------------------------------------------
// Patching the component text

/**
 * Applies `edit` to the parsed component text and returns the new text. When the stored text cannot be parsed (it
 * always can for text that came out of parse.ts) the component is re-written from the plain fields instead.
 */
function patchIcs(ev: EventData, edit: (comp: ICAL.Component) => void): string {
  try {
    const jcal = ICAL.parse(ev.ics) as unknown;
    // ICAL.parse returns one component's jCal, or a list of them when the text holds several.
    const first = Array.isArray(jcal) && typeof jcal[0] === 'string' ? jcal : (jcal as unknown[])[0];
    const comp = new ICAL.Component(first as unknown[]);
    edit(comp);
    return foldText(comp.toString());
  } catch {
    return eventToComponentText(ev);
  }
}

/**
 * `ev` with `fields` replaced and its text patched by `edit`. The text is made on first read (lazy.ts): a decision
 * that is shown or compared, not stored, never needs it (a CANCEL's tombstone re-parsed and re-wrote the whole
 * component). The object has the keys the spread `{ ...ev, ...fields }` had, in the same order; when that cannot be
 * kept (`ics` not last, or a field `ev` lacks) the text is made at once, as before.
 */
function patched(ev: EventData, fields: Partial<EventData>, edit: (comp: ICAL.Component) => void): EventData {
  const keys = Object.keys(ev);
  const lazy = keys[keys.length - 1] === 'ics' && Object.keys(fields).every((k) => k !== 'ics' && Object.prototype.hasOwnProperty.call(ev, k));
  if (!lazy) {
    const updated: EventData = { ...ev, ...fields };
    updated.ics = patchIcs(ev, edit);
    return updated;
  }
  // Copied key by key so that `ev.ics` (maybe itself not made yet) is not read.
  const updated = {} as Record<string, unknown>;
  for (const k of keys) if (k !== 'ics') updated[k] = (ev as unknown as Record<string, unknown>)[k];
  Object.assign(updated, fields);
  const out = updated as unknown as EventData;
  lazyField(out, 'ics', () => patchIcs(ev, edit));
  return out;
}

function setMailtoList(prop: ICAL.Property, name: string, values: readonly string[]): void {
  prop.removeParameter(name);
  if (values.length) prop.setParameter(name, values.map(toMailto));
}

function attendeeProp(comp: ICAL.Component, email: string): ICAL.Property | undefined {
  return comp.getAllProperties('attendee').find((p) => sameAddress(String(p.getFirstValue() ?? ''), email));
}

export interface AttendeeChange {
  partstat?: string;
  delegatedTo?: string[];
  delegatedFrom?: string[];
  /** RSVP=TRUE asks for a (new) REPLY. */
  rsvp?: boolean;
}

/**
 * Sets one attendee's PARTSTAT / DELEGATED-TO / DELEGATED-FROM (data and text). When the attendee is not listed it
 * is added (used for delegates, RFC 5546 §3.2.2.3, and accepted party crashers). Nothing else changes.
 */
export function withAttendee(ev: EventData, email: string, change: AttendeeChange): EventData {
  const addr = normalizeAddress(email);
  const existing = findAttendee(ev, addr);
  const base: Attendee = existing ?? newAttendee(addr);
  const next: Attendee = {
    ...base,
    partstat: change.partstat ?? base.partstat,
    delegatedTo: change.delegatedTo ?? base.delegatedTo,
    delegatedFrom: change.delegatedFrom ?? base.delegatedFrom,
    rsvp: change.rsvp ?? base.rsvp,
  };
  const attendees = existing ? ev.attendees.map((a) => (a === existing ? next : a)) : [...ev.attendees, next];
  return patched(ev, { attendees }, (comp) => {
    let prop = attendeeProp(comp, addr);
    if (!prop) {
      prop = new ICAL.Property('attendee');
      prop.setValue(toMailto(addr));
      if (next.cutype) prop.setParameter('cutype', next.cutype);
      prop.setParameter('role', next.role);
      comp.addProperty(prop);
    }
    prop.setParameter('partstat', String(next.partstat));
    if (change.delegatedTo) setMailtoList(prop, 'delegated-to', next.delegatedTo);
    if (change.delegatedFrom) setMailtoList(prop, 'delegated-from', next.delegatedFrom);
    if (change.rsvp !== undefined) {
      prop.removeParameter('rsvp');
      if (next.rsvp) prop.setParameter('rsvp', 'TRUE');
    }
  });
}

/** Removes attendees (an organizer's CANCEL that uninvites someone else, RFC 5546 §3.2.5). */
export function withoutAttendees(ev: EventData, emails: readonly string[]): EventData {
  const drop = (a: string): boolean => emails.some((e) => sameAddress(e, a));
  return patched(ev, { attendees: ev.attendees.filter((a) => !drop(a.email)) }, (comp) => {
    for (const p of comp.getAllProperties('attendee')) if (drop(String(p.getFirstValue() ?? ''))) comp.removeProperty(p);
  });
}

/**
 * Sets STATUS, SEQUENCE and DTSTAMP (a CANCEL's revision becomes the stored revision), and COMMENT when given (the
 * organizer's reason for a cancellation, shown to the attendee).
 */
export function withRevisionAndStatus(ev: EventData, rev: { status?: string; sequence?: number; dtstamp?: string | null; comment?: readonly string[] }): EventData {
  const fields: Partial<EventData> = {
    status: rev.status ?? ev.status,
    sequence: rev.sequence ?? ev.sequence,
    dtstamp: rev.dtstamp !== undefined ? rev.dtstamp : ev.dtstamp,
    ...(rev.comment ? { comment: [...rev.comment] } : {}),
  };
  return patched(ev, fields, (comp) => {
    if (rev.comment) {
      comp.removeAllProperties('comment');
      for (const c of rev.comment) comp.addPropertyWithValue('comment', c);
    }
    if (rev.status !== undefined) comp.updatePropertyWithValue('status', rev.status);
    if (rev.sequence !== undefined) comp.updatePropertyWithValue('sequence', rev.sequence);
    if (rev.dtstamp) comp.updatePropertyWithValue('dtstamp', ICAL.Time.fromDateTimeString(rev.dtstamp.replace(/\.\d+Z$/, 'Z')));
  });
}

/** Adds one RDATE to a master (RFC 5546 §3.2.4: an ADDed instance is treated as if referenced by an RDATE). */
export function withRdate(ev: EventData, instant: string): EventData {
  if (ev.rdate.includes(instant)) return ev;
  return patched(ev, { rdate: [...ev.rdate, instant] }, (comp) => {
    const prop = new ICAL.Property('rdate');
    prop.setValue(
      /^\d{4}-\d{2}-\d{2}$/.test(instant) ? ICAL.Time.fromDateString(instant) : ICAL.Time.fromDateTimeString(instant),
    );
    comp.addProperty(prop);
  });
}

/** The normalised instant of a DateTimeValue, in the form RECURRENCE-ID/RDATE use ('...Z' or 'YYYY-MM-DD'). */
export function normalisedStart(v: DateTimeValue | null): string | null {
  if (!v) return null;
  if (v.allDay) return v.value.slice(0, 10);
  if (v.utc) return v.utc;
  return v.value.slice(0, 19);
}

function dateTimeFromInstant(instant: string): DateTimeValue {
  if (/^\d{4}-\d{2}-\d{2}$/.test(instant)) return { value: instant, tzid: null, allDay: true, floating: false, utc: null };
  if (/Z$/.test(instant)) return { value: instant, tzid: 'UTC', allDay: false, floating: false, utc: instant };
  return { value: instant, tzid: null, allDay: false, floating: true, utc: null };
}

/**
 * A new override for one occurrence, derived from the master: same properties, RECURRENCE-ID set, DTSTART at the
 * occurrence (DTEND moved by the master's length), no recurrence rule. Used when a REPLY or CANCEL names an
 * occurrence the store has no override for yet.
 */
export function deriveOccurrence(master: EventData, recurrenceId: string): EventData {
  // The occurrence keeps the master's zone (so it reads '09:00+02:00 Europe/Berlin', not '07:00Z').
  const zone = master.start?.tzid && master.start.tzid !== 'UTC' && !master.start.allDay && isKnownZone(master.start.tzid) ? master.start.tzid : null;
  const inZone = (instant: string): DateTimeValue => {
    const v = dateTimeFromInstant(instant);
    if (!zone || !v.utc) return v;
    try {
      return zonedDateTime(utcToWall(Date.parse(v.utc), zone), zone);
    } catch {
      return v;
    }
  };
  const start = inZone(recurrenceId);
  let end: DateTimeValue | null = null;
  const ms0 = master.start?.utc ? Date.parse(master.start.utc) : NaN;
  const ms1 = master.end?.utc ? Date.parse(master.end.utc) : NaN;
  const rid = Date.parse(recurrenceId);
  if (!Number.isNaN(ms0) && !Number.isNaN(ms1) && !Number.isNaN(rid) && start.utc) {
    const e = new Date(rid + (ms1 - ms0)).toISOString().replace(/\.\d{3}Z$/, 'Z');
    end = inZone(e);
  }
  const occ = occurrenceAt(master, recurrenceId, start, end);
  occ.ics = eventToComponentText(occ);
  return occ;
}

/**
 * `master` moved to one occurrence that starts at `start`: RECURRENCE-ID set, no recurrence rule (RFC 5545
 * §3.8.4.4), DURATION kept only when there is no DTEND. The component text is left empty: callers place the times
 * their own way (the store keeps the master's zone, build.ts its exact length) and write the text when they need it.
 */
export function occurrenceAt(master: EventData, recurrenceId: string, start: DateTimeValue, end: DateTimeValue | null): EventData {
  return {
    ...master,
    recurrenceId,
    thisAndFuture: false,
    start,
    end,
    duration: end ? null : master.duration,
    rrule: null,
    rdate: [],
    exdate: [],
    ics: '',
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Reply records

/** The reply record for an attendee and occurrence. */
export function findReply(replies: readonly ReplyRecord[], email: string, recurrenceId: string | null): ReplyRecord | undefined {
  return replies.find((r) => sameAddress(r.email, email) && r.recurrenceId === recurrenceId);
}

export function upsertReply(replies: readonly ReplyRecord[], rec: ReplyRecord): ReplyRecord[] {
  return [...replies.filter((r) => !(sameAddress(r.email, rec.email) && r.recurrenceId === rec.recurrenceId)), rec];
}

// ---------------------------------------------------------------------------------------------------------------
// Pending items

/**
 * A stable id for a pending item: re-processing the same message (same UID, method, sender and DTSTAMP) gives the
 * same id, so the store can tell it already holds the item. FNV-1a, 32 bits, printed in hex: short and dependency-free
 * (a collision only merges two pending items of the same event, which the UI would still show).
 */
export function pendingId(uid: string, method: string, sender: string, dtstamp: string | null, recurrenceId: string | null = null): string {
  const text = [uid, method, normalizeAddress(sender), dtstamp ?? '', recurrenceId ?? ''].join('\u0000');
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return `${method.toLowerCase()}-${h.toString(16).padStart(8, '0')}`;
}

export function addPending(pending: readonly PendingItem[], item: PendingItem): PendingItem[] {
  return [...pending.filter((p) => p.id !== item.id), item];
}

// ---------------------------------------------------------------------------------------------------------------
// RANGE=THISANDFUTURE (RFC 5545 §3.2.13, §3.8.4.4)
//
// How the store keeps a this-and-future change (see decide.ts for when each applies):
//  - a REQUEST keeps the master's rule whole and stores the component as an override whose RECURRENCE-ID carries
//    RANGE=THISANDFUTURE: exactly RFC 5545 §3.8.4.4's own representation, so the stored text is standard iCalendar.
//    That override governs its occurrence and every later one up to the next this-and-future override: they take
//    its properties and the time shift DTSTART − RECURRENCE-ID (agenda.ts expands it, effectiveOccurrence() derives
//    one occurrence from it).
//  - a CANCEL truncates the master (RRULE UNTIL/COUNT, RDATEs) before the cut, so any reader of the stored text
//    sees the shorter series, and keeps a STATUS:CANCELLED RANGE=THISANDFUTURE override at the cut as a tombstone
//    carrying the CANCEL's revision: the same CANCEL again is a duplicate, an older REQUEST is stale, and only a
//    newer REQUEST from the organizer (a new master) brings the occurrences back.

/** Milliseconds of a normalised instant ('...Z', 'YYYY-MM-DD', or floating 'YYYY-MM-DDTHH:mm:ss' read as UTC). */
export function instantMs(instant: string | null | undefined): number {
  if (!instant) return Number.NaN;
  if (/^\d{4}-\d{2}-\d{2}$/.test(instant)) return Date.parse(`${instant}T00:00:00Z`);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(instant)) return Date.parse(`${instant}Z`);
  return Date.parse(instant);
}

/** A DateTimeValue's instant in ms (its UTC instant; dates and floating times read as UTC, as instantMs does). */
function valueMs(v: DateTimeValue | null): number {
  if (!v) return Number.NaN;
  return v.utc ? Date.parse(v.utc) : instantMs(v.allDay ? v.value.slice(0, 10) : v.value.slice(0, 19));
}

/** A millisecond instant written in the form of `like` (a normalised RECURRENCE-ID: '...Z', date or floating). */
function instantLike(ms: number, like: string): string {
  const iso = new Date(ms).toISOString();
  if (/^\d{4}-\d{2}-\d{2}$/.test(like)) return iso.slice(0, 10);
  if (/Z$/.test(like)) return `${iso.slice(0, 19)}Z`;
  return iso.slice(0, 19);
}

/** The RANGE=THISANDFUTURE override governing the occurrence `recurrenceId`: the latest one strictly before it. */
export function governingRange(stored: StoredEvent | undefined, recurrenceId: string): EventData | null {
  if (!stored) return null;
  const at = instantMs(recurrenceId);
  let best: EventData | null = null;
  for (const o of stored.overrides) {
    if (!o.thisAndFuture || !o.recurrenceId) continue;
    const ms = instantMs(o.recurrenceId);
    if (!(ms < at)) continue;
    if (!best || ms > instantMs(best.recurrenceId)) best = o;
  }
  return best;
}

/**
 * One occurrence as the store describes it: its own override, else derived from the this-and-future override
 * governing it (its properties, moved by its time shift, RFC 5545 §3.8.4.4), else derived from the master.
 */
export function effectiveOccurrence(stored: StoredEvent | undefined, recurrenceId: string): EventData | null {
  if (!stored) return null;
  const own = componentFor(stored, recurrenceId);
  if (own) return own;
  const range = governingRange(stored, recurrenceId);
  if (range?.recurrenceId && range.start) {
    const shift = valueMs(range.start) - instantMs(range.recurrenceId);
    const at = instantMs(recurrenceId);
    if (Number.isFinite(shift) && Number.isFinite(at)) {
      const moved = deriveOccurrence({ ...range, recurrenceId: null, thisAndFuture: false }, instantLike(at + shift, recurrenceId));
      const occ: EventData = { ...moved, recurrenceId };
      occ.ics = eventToComponentText(occ);
      return occ;
    }
  }
  return stored.master ? deriveOccurrence(stored.master, recurrenceId) : null;
}

/** Marks an override RANGE=THISANDFUTURE (data and text). */
export function withThisAndFuture(ev: EventData): EventData {
  if (ev.recurrenceId === null) return ev;
  return patched(ev, { thisAndFuture: true }, (comp) => comp.getFirstProperty('recurrence-id')?.setParameter('range', 'THISANDFUTURE'));
}

/** The RRULE instances (DTSTART first, RFC 5545 §3.8.5.3) before `cutMs`, counted in the series' wall time. */
function ruleInstancesBefore(master: EventData, recur: ICAL.Recur, cutMs: number): number {
  const start = master.start!;
  const zone = start.tzid && start.tzid !== 'UTC' && !start.allDay && isKnownZone(start.tzid) ? start.tzid : null;
  const cutWall = instantMs(start.allDay ? new Date(cutMs).toISOString().slice(0, 10) : zone ? utcToWall(cutMs, zone) : new Date(cutMs).toISOString().slice(0, 19));
  const first = start.allDay ? ICAL.Time.fromDateString(start.value.slice(0, 10)) : ICAL.Time.fromDateTimeString(start.value.slice(0, 19));
  let n = 0;
  // Bounded by search steps (recur-guard): a rule that never matches must not hang the split of a series.
  withRecurBudget(RECUR_STEP_BUDGET, () => {
    const it = recur.iterator(first);
    for (let t = it.next(); t && n < 100_000; t = it.next()) {
      if (t.toUnixTime() * 1000 >= cutWall) break;
      n++;
    }
  });
  return n;
}

/**
 * The series ended just before `cut` (a normalised instant): RRULE bounded by UNTIL one second (one day for dates)
 * before it, or by a smaller COUNT when it has one (RFC 5545 §3.3.10: never both), RDATEs at or after it dropped.
 * UNTIL takes DTSTART's form: a date, UTC for zoned and UTC starts, floating for floating ones. Null when no
 * occurrence lies before the cut (the whole series is affected). SEQUENCE/DTSTAMP are the caller's.
 */
export function truncatedBefore(master: EventData, cut: string): EventData | null {
  const cutMs = instantMs(cut);
  const startMs = valueMs(master.start);
  if (!Number.isFinite(cutMs) || !Number.isFinite(startMs) || cutMs <= startMs) return null;
  let recur: ICAL.Recur | null = null;
  if (master.rrule) {
    recur = ICAL.Recur.fromString(master.rrule);
    if (recur.count) {
      const n = ruleInstancesBefore(master, recur, cutMs);
      if (n < recur.count) recur.count = Math.max(1, n);
    } else {
      const start = master.start!;
      const untilMs = cutMs - (start.allDay ? 86_400_000 : 1000);
      const iso = new Date(untilMs).toISOString();
      const until = start.allDay
        ? ICAL.Time.fromDateString(iso.slice(0, 10))
        : ICAL.Time.fromDateTimeString(start.floating ? iso.slice(0, 19) : `${iso.slice(0, 19)}Z`);
      if (!recur.until || recur.until.toUnixTime() > until.toUnixTime()) recur.until = until;
    }
  }
  const rdate = master.rdate.filter((r) => instantMs(r) < cutMs);
  const rrule = recur ? recur.toString() : null;
  if (rrule === master.rrule && rdate.length === master.rdate.length) return master;
  const updated: EventData = { ...master, rrule, rdate };
  updated.ics = patchIcs(master, (comp) => {
    if (recur) comp.updatePropertyWithValue('rrule', recur);
    if (rdate.length !== master.rdate.length) {
      comp.removeAllProperties('rdate');
      for (const r of rdate) {
        const prop = new ICAL.Property('rdate');
        prop.setValue(/^\d{4}-\d{2}-\d{2}$/.test(r) ? ICAL.Time.fromDateString(r) : ICAL.Time.fromDateTimeString(r));
        comp.addProperty(prop);
      }
    }
  });
  return updated;
}
