// One row of the invitation list (issue 9 §4): what a thread shows in the list, computed from its stored event and
// thread. Split in two so the store can keep it (electron/store/summary-table.ts, maintained at commit):
//   summaryParts(ev, thread)   everything that does not depend on whose calendar it is, plus the inputs of the badge
//   assembleSummary(parts, …)  the InvitationSummary for my addresses and accounts (badge, accountId)
// summaryOf (the view over one event) and the store's rows both go through these two functions, so the list read
// from the store's rows and the list computed from the events cannot differ.
//
// Badges (one per thread, the most urgent wins):
//   cancelled       the event is cancelled (CANCEL applied, or STATUS:CANCELLED)
//   outdated        the newest message about it was stale (older SEQUENCE/DTSTAMP than the stored copy)
//   needs-decision  something waits for me: a counter-proposal, a party crasher, an invitation held by the policy
//   organizer       my own meeting with nothing to decide (personal events show the same)
//   updated         the organizer changed the meeting significantly and my answer was reset (RFC 5546 §2.1.4)
//   needs-response  I have not answered
//   accepted / tentative / declined   my answer
import type { InvitationBadge, InvitationSummary, ThreadMessageView } from '../../shared/api';
import { normalizeAddress } from '../../shared/itip/address';
import { isoToMs } from '../../shared/itip/agenda';
import { parseCalendar } from '../../shared/itip/parse';
import type { DateTimeValue, EventData, StoredEvent } from '../../shared/itip/types';
import { usefulName } from '../../shared/present/names';

/** A stored thread entry: the fields the view shows (ThreadMessageView), copied as they are. */
export type ThreadEntryLike = ThreadMessageView;

const DAY = 86_400_000;

/** The value the UI shows: the UTC instant for timed values, the date for all-day, the wall time for floating. */
export function instantOf(v: DateTimeValue | null | undefined): string | null {
  if (!v) return null;
  return v.allDay ? v.value.slice(0, 10) : (v.utc ?? v.value);
}

const heldCache = new Map<string, EventData | null>();

/** The component to show: the master, else the first override, else the invitation held in a pending item. */
export function mainComponent(ev: StoredEvent): EventData | null {
  const c = ev.master ?? ev.overrides[0];
  if (c) return c;
  const held = ev.pending.find((p) => p.kind === 'new-invitation' || p.kind === 'forwarded') ?? ev.pending[0];
  if (!held) return null;
  if (!heldCache.has(held.ics)) {
    if (heldCache.size > 500) heldCache.clear();
    try {
      const cal = parseCalendar(held.ics);
      heldCache.set(held.ics, cal.components.find((x) => x.recurrenceId === null) ?? cal.components[0] ?? null);
    } catch {
      heldCache.set(held.ics, null);
    }
  }
  return heldCache.get(held.ics) ?? null;
}

export function isCancelled(ev: StoredEvent): boolean {
  return ev.cancelled || (mainComponent(ev)?.status ?? '').toUpperCase() === 'CANCELLED';
}

/** An instant as ISO text; null beyond what a Date holds (±8.64e15 ms), where toISOString would throw. */
function isoOrNull(ms: number): string | null {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : null;
}

/** Where a component ends: DTEND, else DTSTART + DURATION (RFC 5545 §3.8.2.5), else a day for all-day, else DTSTART.
 * A DURATION no date can hold (a hostile P99999999999W) gives no end. */
export function endOf(c: EventData): string | null {
  if (c.end) return instantOf(c.end);
  const s = instantOf(c.start);
  if (!s || !c.start) return s;
  if (c.duration) {
    const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(c.duration);
    if (m) {
      const ms = ((+(m[1] ?? 0) * 7 + +(m[2] ?? 0)) * 86400 + +(m[3] ?? 0) * 3600 + +(m[4] ?? 0) * 60 + +(m[5] ?? 0)) * 1000;
      const end = isoOrNull(isoToMs(s) + ms);
      return end && c.start.allDay ? end.slice(0, 10) : end;
    }
  }
  return c.start.allDay ? (isoOrNull(isoToMs(s) + DAY)?.slice(0, 10) ?? null) : s;
}

function lastRequest(thread: ThreadEntryLike[]): ThreadEntryLike | undefined {
  for (let i = thread.length - 1; i >= 0; i--) {
    const t = thread[i]!;
    if ((t.method ?? '').toUpperCase() === 'REQUEST' || t.method === null) return t;
  }
  return undefined;
}

/**
 * What the badge depends on, without my addresses: a badge already decided (cancelled, outdated, needs-decision,
 * organizer), or for a personal event its organizer (mine, or somebody's published event), or for an attendee's copy
 * the master's attendees (the first entry of each address, as myAttendee finds it) and whether the last REQUEST reset
 * my answer.
 */
export type BadgeInput =
  | { badge: InvitationBadge }
  | { personal: string | null }
  | { attendees: [email: string, partstat: string | null][]; updated: boolean };

export function badgeInput(ev: StoredEvent, thread: ThreadEntryLike[]): BadgeInput {
  if (isCancelled(ev)) return { badge: 'cancelled' };
  if (thread[thread.length - 1]?.action === 'stale') return { badge: 'outdated' };
  if (ev.pending.length > 0) return { badge: 'needs-decision' };
  if (ev.role === 'organizer') return { badge: 'organizer' };
  // My own event, or one somebody published (an opened .ics): the latter is simply in my calendar.
  if (ev.role === 'personal') return { personal: mainComponent(ev)?.organizer?.email ?? null };
  const seen = new Set<string>();
  const attendees: [string, string | null][] = [];
  for (const a of ev.master?.attendees ?? []) {
    const n = normalizeAddress(a.email);
    if (n === '' || seen.has(n)) continue;
    seen.add(n);
    attendees.push([n, a.partstat ?? null]);
  }
  return { attendees, updated: lastRequest(thread)?.action === 'updated' };
}

/** My addresses as badgeOf compares them (isMine's normalisation). */
export function myAddressSet(me: readonly string[]): Set<string> {
  const set = new Set<string>();
  for (const m of me) {
    const n = normalizeAddress(m);
    if (n !== '') set.add(n);
  }
  return set;
}

export function badgeOf(input: BadgeInput, mine: ReadonlySet<string>): InvitationBadge {
  if ('badge' in input) return input.badge;
  if ('personal' in input) {
    const org = input.personal;
    return !org || mine.has(normalizeAddress(org)) ? 'organizer' : 'accepted';
  }
  // myPartstat: the first attendee of the master that is me (shared/itip/event-state.ts).
  const listed = input.attendees.find(([email]) => mine.has(email));
  const ps = (listed?.[1] ?? 'NEEDS-ACTION').toUpperCase();
  if (ps === 'ACCEPTED') return 'accepted';
  if (ps === 'TENTATIVE') return 'tentative';
  if (ps === 'DECLINED') return 'declined';
  return input.updated ? 'updated' : 'needs-response';
}

export function badgeFor(ev: StoredEvent, thread: ThreadEntryLike[], me: readonly string[]): InvitationBadge {
  return badgeOf(badgeInput(ev, thread), myAddressSet(me));
}

const PENDING_BADGES: ReadonlySet<InvitationBadge> = new Set<InvitationBadge>(['needs-response', 'updated', 'needs-decision']);

/** Whether a thread with this badge waits for me (the sidebar's count, the 'pending' filter). */
export function isPendingBadge(b: InvitationBadge): boolean {
  return PENDING_BADGES.has(b);
}

function lastActivity(ev: StoredEvent, thread: ThreadEntryLike[]): string {
  let best = Date.parse(ev.updatedAt) || 0;
  for (const t of thread) {
    const ms = t.date ? Date.parse(t.date) : NaN;
    if (Number.isFinite(ms) && ms > best) best = ms;
  }
  return new Date(best).toISOString();
}

/** The organizer's display name for the list: the invitation's CN unless it is just the address. */
export function organizerName(ev: StoredEvent): string | null {
  const org = ev.master?.organizer ?? ev.overrides[0]?.organizer ?? null;
  return org ? usefulName(org.cn, org.email) : null;
}

/** A list row without what depends on me (badge, account): the store keeps these (summary-table.ts). */
export interface SummaryParts extends Omit<InvitationSummary, 'badge' | 'accountId' | 'organizerName'> {
  organizerName: string | null;
  /** The address whose account the thread belongs to (ViewContext.accountFor's argument). */
  accountAddress: string | null;
  badge: BadgeInput;
}

export function summaryParts(ev: StoredEvent, thread: ThreadEntryLike[]): SummaryParts {
  const c = mainComponent(ev);
  return {
    uid: ev.uid,
    summary: c?.summary ?? '',
    organizer: c?.organizer?.email ?? null,
    start: instantOf(c?.start),
    end: c ? endOf(c) : null,
    allDay: c?.start?.allDay ?? false,
    role: ev.role,
    lastActivity: lastActivity(ev, thread),
    messageCount: thread.length,
    pendingCount: ev.pending.length,
    organizerName: organizerName(ev),
    accountAddress: ev.myAddress ?? c?.organizer?.email ?? null,
    badge: badgeInput(ev, thread),
  };
}

/** The row for my addresses (`mine`, from myAddressSet) and accounts; `badge` when it is already known. */
export function assembleSummary(p: SummaryParts, mine: ReadonlySet<string>, accountFor: (address: string | null) => string | null, badge?: InvitationBadge): InvitationSummary {
  return {
    uid: p.uid,
    summary: p.summary,
    organizer: p.organizer,
    start: p.start,
    end: p.end,
    allDay: p.allDay,
    badge: badge ?? badgeOf(p.badge, mine),
    role: p.role,
    lastActivity: p.lastActivity,
    messageCount: p.messageCount,
    pendingCount: p.pendingCount,
    accountId: accountFor(p.accountAddress),
    organizerName: p.organizerName,
  };
}

const collator = new Intl.Collator();

/**
 * The list's order: threads newest first (the newest message in each thread decides), then by UID (the default
 * collation, as String.prototype.localeCompare) for a stable order.
 */
export function compareSummaries(a: { lastActivity: string; uid: string }, b: { lastActivity: string; uid: string }): number {
  return collator.compare(b.lastActivity, a.lastActivity) || collator.compare(a.uid, b.uid);
}

/**
 * A key whose plain (binary) order is the collation's order of lastActivity, for SQLite's index: ISO strings from
 * toISOString() have one layout per kind of year, and within a kind the first difference is a digit; across kinds
 * the collation puts '-' (punctuation) before '+' (symbol) before digits, where ASCII has '+' before '-'. So the kind
 * becomes a leading letter in collation order.
 */
export function activityKey(lastActivity: string): string {
  const c = lastActivity[0];
  return `${c === '-' ? 'a' : c === '+' ? 'b' : 'c'}${lastActivity}`;
}
