// View models for the invitation list and the invitation view: stored state (StoredEvent + its thread) → the plain
// data of shared/api.ts. Pure functions: the store, my addresses and the time come in as arguments, so the badge
// rules are testable without a store. The list's row and badges: invitation-summary.ts (the store keeps the rows).
import type { CancelledOccurrenceView, InvitationDetail, InvitationSummary, OccurrenceAnswerView, OccurrenceView, PendingView, ThreadMessageView } from '../../shared/api';
import { diffVersions, versionFields, type VersionChange, type VersionFields } from '../../shared/itip/changes';
import { isMine, normalizeAddress } from '../../shared/itip/address';
import { expandAgenda, isoToMs, type Occurrence } from '../../shared/itip/agenda';
import { componentFor, effectiveOccurrence, findReply, myAttendee, myPartstat } from '../../shared/itip/event-state';
import { parseCalendar } from '../../shared/itip/parse';
import type { EventData, StoredEvent } from '../../shared/itip/types';
import { assembleSummary, badgeFor, compareSummaries, endOf, instantOf, isCancelled, mainComponent, myAddressSet, summaryParts, type ThreadEntryLike } from './invitation-summary';

export { badgeFor, instantOf, type ThreadEntryLike } from './invitation-summary';

export interface ViewContext {
  /** My addresses (all identities). */
  me: readonly string[];
  now: string;
  /** The account an event belongs to (by my address), null for local events. */
  accountFor(address: string | null): string | null;
}

/** expandAgenda's signature: the store passes its cached equivalent (electron/store/expansion-cache.ts). */
export type Expand = (events: StoredEvent[], from: string, to: string) => Occurrence[];
/** The events that can have an occurrence in [from, to) (the store's index query). */
export type EventsIn = (from: string, to: string) => StoredEvent[];

const DAY = 86_400_000;

export function isStale(thread: ThreadEntryLike[]): boolean {
  return thread[thread.length - 1]?.action === 'stale';
}

/** One thread's row of the list, for my addresses and accounts (with the organizer's display name). */
export function summaryOf(ev: StoredEvent, thread: ThreadEntryLike[], ctx: ViewContext): InvitationSummary {
  return assembleSummary(summaryParts(ev, thread), myAddressSet(ctx.me), ctx.accountFor);
}

/**
 * The whole list computed from the events, newest thread first: the store serves it from its summary rows
 * (CalendarStore.invitationPage / invitationRows, summary-table.ts); this computation is what those rows must equal
 * (tests), and what the list cost before them (bench).
 */
export function listView(events: Iterable<StoredEvent>, threadOf: (uid: string) => ThreadEntryLike[], ctx: ViewContext): InvitationSummary[] {
  // An iterable (the store streams its events) is summarised one event at a time: the whole history is never held.
  const out: InvitationSummary[] = [];
  for (const ev of events) out.push(summaryOf(ev, threadOf(ev.uid), ctx));
  return out.sort(compareSummaries);
}

export function toOccurrenceView(o: Occurrence): OccurrenceView {
  return {
    uid: o.uid,
    recurrenceId: o.recurrenceId,
    start: o.start,
    end: o.end,
    summary: o.summary,
    status: o.status,
    allDay: o.allDay,
    attendees: o.attendees.map((a) => ({ ...a })),
    ...(o.truncated ? { truncated: o.truncated } : {}),
  };
}

/** True when I declined this event (it does not block my time). */
function declinedByMe(ev: StoredEvent, me: readonly string[]): boolean {
  return (myPartstat(ev, me) ?? '').toUpperCase() === 'DECLINED';
}

/** My addresses for one event: the account identities plus the address the invitation came to. */
function mineFor(ev: StoredEvent, me: readonly string[]): readonly string[] {
  return ev.myAddress && !isMine(ev.myAddress, me) ? [...me, ev.myAddress] : me;
}

/**
 * My answer for one occurrence (RFC 5546 §3.2.3: a REPLY with RECURRENCE-ID answers that instance only, and it wins
 * over the series answer): my PARTSTAT in that occurrence's override when I am listed there (respond() writes it,
 * and an organizer's later change of the occurrence resets it); else my reply record for that occurrence, if it is
 * not older than the occurrence's revision; else my answer to the series.
 */
export function occurrencePartstat(ev: StoredEvent, recurrenceId: string | null, me: readonly string[]): string | null {
  const mine = mineFor(ev, me);
  if (recurrenceId !== null) {
    const override = ev.overrides.find((o) => o.recurrenceId === recurrenceId);
    const listed = myAttendee(override, mine)?.partstat;
    if (listed) return String(listed).toUpperCase();
    const revision = override?.sequence ?? ev.master?.sequence ?? 0;
    const rec = ev.replies.find((r) => r.recurrenceId === recurrenceId && isMine(r.email, mine) && r.sequence >= revision);
    if (rec) return rec.partstat.toUpperCase();
  }
  const series = myPartstat(ev, mine);
  return series ? String(series).toUpperCase() : null;
}

/** Whether some occurrence of a series I declined has an answer of its own that is not a decline. */
function someOccurrenceKept(ev: StoredEvent, me: readonly string[]): boolean {
  const mine = mineFor(ev, me);
  const rids = new Set<string>([
    ...ev.overrides.map((o) => o.recurrenceId).filter((r): r is string => !!r),
    ...ev.replies.filter((r) => r.recurrenceId !== null && isMine(r.email, mine)).map((r) => r.recurrenceId!),
  ]);
  return [...rids].some((rid) => occurrencePartstat(ev, rid, me) !== 'DECLINED');
}

/**
 * Expands events into occurrences, leaving out those I declined: the whole series (my master PARTSTAT) or one
 * occurrence (its override or reply record). The expansion itself is shared/itip/agenda.ts's, as the command line
 * uses it; only this view layer knows whose calendar it is.
 */
function expandMine(events: StoredEvent[], from: string, to: string, me: readonly string[], expand: Expand = expandAgenda): Occurrence[] {
  // A declined series without any occurrence answered otherwise is not expanded at all.
  const candidates = events.filter((e) => !declinedByMe(e, mineFor(e, me)) || someOccurrenceKept(e, me));
  const byUid = new Map(candidates.map((e) => [e.uid, e]));
  return expand(candidates, from, to).filter((o) => {
    const ev = byUid.get(o.uid);
    return !ev || occurrencePartstat(ev, o.recurrenceId, me) !== 'DECLINED';
  });
}

/**
 * The agenda in [from, to). What I declined stays, marked `declined` (issue 11 §7: a declined occurrence is still in
 * my week, shown as declined); `hideDeclined` leaves it out, as conflicts do (it takes none of my time). Cancelled
 * occurrences are left out by the expansion.
 */
export function agendaView(
  events: StoredEvent[],
  from: string,
  to: string,
  me: readonly string[],
  expand: Expand = expandAgenda,
  opts: { hideDeclined?: boolean } = {},
): OccurrenceView[] {
  if (opts.hideDeclined) return expandMine(events, from, to, me, expand).map(toOccurrenceView);
  const byUid = new Map(events.map((e) => [e.uid, e]));
  return expand(events, from, to).map((o) => {
    const ev = byUid.get(o.uid);
    const v = toOccurrenceView(o);
    return ev && ev.role === 'attendee' && occurrencePartstat(ev, o.recurrenceId, me) === 'DECLINED' ? { ...v, declined: true } : v;
  });
}

function overlap(a: Occurrence, b: Occurrence): boolean {
  const as = isoToMs(a.start);
  const ae = isoToMs(a.end) > as ? isoToMs(a.end) : as + (a.allDay ? DAY : 1);
  const bs = isoToMs(b.start);
  const be = isoToMs(b.end) > bs ? isoToMs(b.end) : bs + (b.allDay ? DAY : 1);
  return as < be && bs < ae;
}

function pendingView(ev: StoredEvent): PendingView[] {
  return ev.pending.map((p) => {
    const v: PendingView = { id: p.id, kind: p.kind, from: p.from, recurrenceId: p.recurrenceId, summary: p.summary, receivedAt: p.receivedAt };
    if (p.kind === 'counter' || p.kind === 'declinecounter' || p.kind === 'party-crasher' || p.kind === 'refresh') {
      try {
        const cal = parseCalendar(p.ics);
        const comp = cal.components.find((c) => c.recurrenceId === p.recurrenceId) ?? cal.components[0];
        if (comp) {
          if (p.kind === 'counter') {
            v.proposedStart = instantOf(comp.start);
            v.proposedEnd = endOf(comp);
          }
          v.comment = comp.comment[0] ?? null;
        }
      } catch {
        // A pending item whose text no longer parses is still listed; it just shows no proposal.
      }
    }
    return v;
  });
}

/**
 * `all`: every stored event, or (the store's window query) the events that can touch a window: conflicts then read
 * only those. `expand`: expandAgenda, or the store's cached equivalent.
 */
export function detailView(ev: StoredEvent, thread: ThreadEntryLike[], all: StoredEvent[] | EventsIn, ctx: ViewContext, expand: Expand = expandAgenda): InvitationDetail {
  const c = mainComponent(ev);
  const me = ctx.me;
  const nowMs = Date.parse(ctx.now);
  const start = instantOf(c?.start);
  const end = c ? endOf(c) : null;
  const tzid = c?.start?.tzid ?? null;
  // This event's own occurrences, cancelled or not: through `expand` (the store's cache) unless it is cancelled
  // (the cache holds the stored event as it is, and expansion skips cancelled events).
  const expandSelf = (from: string, to: string): Occurrence[] => (ev.cancelled ? expandAgenda([{ ...ev, cancelled: false }], from, to) : expand([ev], from, to));

  // Occurrences: a recurring meeting's upcoming instances (for per-occurrence answers and cancels).
  let occurrences: OccurrenceView[] = [];
  if (c?.rrule || ev.overrides.length > 0 || (c?.rdate.length ?? 0) > 0) {
    // From now (or the series start, when it lies ahead) for a year.
    const base = Math.max(nowMs, start ? isoToMs(start) : nowMs);
    occurrences = expandSelf(new Date(base - DAY).toISOString(), new Date(base + 366 * DAY).toISOString())
      .slice(0, 30)
      .map(toOccurrenceView);
  }

  // Conflicts: my other (not declined, not cancelled) events overlapping this one's next instances.
  const mine = expandSelf(new Date(Math.min(nowMs, start ? isoToMs(start) : nowMs) - DAY).toISOString(), new Date(nowMs + 120 * DAY).toISOString()).slice(0, 50);
  const conflicts: OccurrenceView[] = [];
  if (!isCancelled(ev) && mine.length > 0) {
    const from = mine[0]!.start;
    const last = mine[mine.length - 1]!;
    const to = new Date(Math.max(isoToMs(last.end), isoToMs(last.start)) + DAY).toISOString();
    const fromIso = new Date(isoToMs(from) - DAY).toISOString();
    const others = (typeof all === 'function' ? all(fromIso, to) : all).filter((o) => o.uid !== ev.uid && !isCancelled(o));
    for (const o of expandMine(others, fromIso, to, me, expand)) {
      if (mine.some((m) => overlap(m, o))) conflicts.push(toOccurrenceView(o));
      if (conflicts.length >= 10) break;
    }
  }

  const attendees = (c?.attendees ?? []).map((a) => {
    const rec = findReply(ev.replies, a.email, null);
    const partstat = String(a.partstat || 'NEEDS-ACTION').toUpperCase();
    const exceptions = ev.role === 'organizer' ? occurrenceAnswers(ev, a.email, partstat) : [];
    return {
      email: a.email,
      cn: a.cn,
      partstat,
      role: a.role,
      comment: rec?.comment ?? null,
      isMe: isMine(a.email, me) || (!!ev.myAddress && normalizeAddress(a.email) === normalizeAddress(ev.myAddress)),
      ...(exceptions.length ? { exceptions } : {}),
    };
  });

  const mineHere = mineFor(ev, me);
  const threadView: ThreadMessageView[] = withMyActions(thread.map((t) => threadEntryView(t, ev, mineHere)), ev, mineHere);

  // Me as the invitation lists me (the held invitation's own text when it is not applied yet).
  const meListed = c ? myAttendee(c, mineHere) : undefined;
  const seriesPartstat = meListed ? String(meListed.partstat || 'NEEDS-ACTION').toUpperCase() : null;
  const myRec = meListed ? findReply(ev.replies, meListed.email, null) : undefined;
  const forwarded = ev.pending.find((p) => p.kind === 'forwarded');
  const changes = ev.previous && c ? changedSince(ev, ev.previous) : null;

  return {
    uid: ev.uid,
    summary: c?.summary ?? '',
    description: c?.description ?? null,
    location: c?.location ?? null,
    start,
    end,
    allDay: c?.start?.allDay ?? false,
    timezone: tzid && tzid !== 'UTC' ? tzid : null,
    rrule: c?.rrule ?? null,
    sequence: c?.sequence ?? 0,
    status: c?.status ?? null,
    cancelled: isCancelled(ev),
    role: ev.role,
    organizer: c?.organizer ? { email: c.organizer.email, cn: c.organizer.cn } : null,
    attendees,
    myAddress: ev.myAddress,
    myPartstat: ev.myAddress ? (myPartstat(ev, [ev.myAddress, ...me]) ?? null) : (myPartstat(ev, me) ?? null),
    badge: badgeFor(ev, thread, me),
    stale: isStale(thread),
    thread: threadView,
    pending: pendingView(ev),
    conflicts,
    occurrences,
    accountId: ctx.accountFor(ev.myAddress ?? c?.organizer?.email ?? null),
    held: !ev.master && ev.overrides.length === 0 && ev.pending.some((p) => p.kind === 'new-invitation' || p.kind === 'forwarded'),
    addressedToMe: !!meListed,
    rsvp: meListed ? meListed.rsvp : false,
    myAnswer: seriesPartstat ? { partstat: seriesPartstat, at: myRec && myRec.partstat.toUpperCase() === seriesPartstat ? myRec.dtstamp : null, comment: myRec?.comment ?? null } : null,
    myOccurrenceAnswers: ev.role === 'attendee' && meListed ? occurrenceAnswers(ev, meListed.email, seriesPartstat ?? 'NEEDS-ACTION') : [],
    cancelledOccurrences: cancelledOccurrences(ev),
    forwardedBy: forwarded ? forwarded.from : null,
    changes: changes && changes.items.length ? changes : null,
    proposal: ev.proposal ? { ...ev.proposal, waiting: proposalWaiting(ev.proposal.sentAt, thread) } : null,
  };
}

/** Where an occurrence starts: its override's start, else its RECURRENCE-ID (the original start). */
function occurrenceStart(ev: StoredEvent, rid: string): { start: string; allDay: boolean } {
  const o = ev.overrides.find((x) => x.recurrenceId === rid);
  const s = o ? instantOf(o.start) : null;
  return { start: s ?? rid, allDay: o?.start?.allDay ?? rid.length === 10 };
}

/**
 * One attendee's answers to single occurrences that differ from their series answer (or carry a comment): from the
 * occurrence's override, where the organizer's copy lists them (decideReply writes it), and the reply record with
 * the comment. RFC 5546 §3.2.3: a REPLY with RECURRENCE-ID answers that instance only.
 */
function occurrenceAnswers(ev: StoredEvent, email: string, series: string): OccurrenceAnswerView[] {
  const rids = new Set<string>();
  for (const o of ev.overrides) if (o.recurrenceId && findAttendeeIn(o, email)) rids.add(o.recurrenceId);
  for (const r of ev.replies) if (r.recurrenceId && normalizeAddress(r.email) === normalizeAddress(email)) rids.add(r.recurrenceId);
  const out: OccurrenceAnswerView[] = [];
  for (const rid of rids) {
    const o = ev.overrides.find((x) => x.recurrenceId === rid);
    if (o && (o.status ?? '').toUpperCase() === 'CANCELLED') continue;
    const rec = ev.replies.find((r) => r.recurrenceId === rid && normalizeAddress(r.email) === normalizeAddress(email));
    // The override's list wins (an organizer's later change of the occurrence resets it); a reply to an older
    // revision of the occurrence no longer holds.
    const listed = o ? findAttendeeIn(o, email)?.partstat : undefined;
    const fresh = rec && rec.sequence >= (o?.sequence ?? ev.master?.sequence ?? 0) ? rec : undefined;
    const partstat = String(listed ?? fresh?.partstat ?? series).toUpperCase();
    const comment = fresh && String(fresh.partstat).toUpperCase() === partstat ? fresh.comment : null;
    if (partstat === series && !comment) continue;
    out.push({ recurrenceId: rid, ...occurrenceStart(ev, rid), partstat, comment });
  }
  return out.sort((a, b) => isoToMs(a.start) - isoToMs(b.start));
}

function findAttendeeIn(e: EventData, email: string) {
  return e.attendees.find((a) => normalizeAddress(a.email) === normalizeAddress(email));
}

/** Occurrences cancelled on their own (an override with STATUS:CANCELLED), with the organizer's COMMENT. */
function cancelledOccurrences(ev: StoredEvent): CancelledOccurrenceView[] {
  return ev.overrides
    .filter((o) => o.recurrenceId && (o.status ?? '').toUpperCase() === 'CANCELLED')
    .map((o) => ({
      recurrenceId: o.recurrenceId!,
      ...occurrenceStart(ev, o.recurrenceId!),
      by: o.organizer?.cn ?? o.organizer?.email ?? ev.master?.organizer?.cn ?? ev.master?.organizer?.email ?? null,
      comment: o.comment.length ? o.comment.join('\n') : null,
    }))
    .sort((a, b) => isoToMs(a.start) - isoToMs(b.start));
}

/** The current version of what `previous` described, compared with it (issue 11 §6). */
function changedSince(ev: StoredEvent, previous: VersionFields): { recurrenceId: string | null; items: VersionChange[] } | null {
  const now = previous.recurrenceId === null ? ev.master : (componentFor(ev, previous.recurrenceId) ?? effectiveOccurrence(ev, previous.recurrenceId));
  if (!now) return null;
  return { recurrenceId: previous.recurrenceId, items: diffVersions(previous, versionFields(now)) };
}

/** A proposal waits until the organizer sends something after it: an update, a refusal, or a cancellation. */
/**
 * Whether the organizer has not answered my COUNTER yet (RFC 5546 §3.2.7: a DECLINECOUNTER, or a REQUEST/CANCEL that
 * follows it). Only messages written after the proposal count: a message written before it (an update or a cancel
 * still on its way when I proposed) is no answer. Date headers have whole seconds, so "after" is a later second.
 */
export function proposalWaiting(sentAt: string, thread: ThreadEntryLike[]): boolean {
  const sentSecond = Math.floor(Date.parse(sentAt) / 1000);
  return !thread.some((t) => {
    const m = (t.method ?? '').toUpperCase();
    return (m === 'REQUEST' || m === 'DECLINECOUNTER' || m === 'CANCEL') && !!t.date && Math.floor(Date.parse(t.date) / 1000) > sentSecond;
  });
}

/**
 * My own answers and proposal belong in the thread even before (or without) their copy in Sent coming back through
 * the sync: my reply records and my proposal, each unless a Sent copy within ten minutes already shows it.
 */
function withMyActions(entries: ThreadMessageView[], ev: StoredEvent, mine: readonly string[]): ThreadMessageView[] {
  const near = (at: string, method: string) =>
    entries.some((e) => e.mine && (e.method ?? '').toUpperCase() === method && !!e.date && Math.abs(Date.parse(e.date) - Date.parse(at)) < 10 * 60_000);
  const from = ev.myAddress ?? mine[0] ?? null;
  const own: ThreadMessageView[] = [];
  if (ev.role === 'attendee') {
    for (const r of ev.replies) {
      if (!r.dtstamp || !isMine(r.email, mine) || near(r.dtstamp, 'REPLY')) continue;
      own.push({ key: `local-reply:${r.recurrenceId ?? ''}`, method: 'REPLY', from, subject: null, date: r.dtstamp, action: 'sent', reason: 'your answer, as recorded on this device', deleted: null, mine: true, partstat: r.partstat.toUpperCase(), recurrenceId: r.recurrenceId });
    }
  }
  const p = ev.proposal;
  if (p && !near(p.sentAt, 'COUNTER')) {
    own.push({ key: 'local-counter', method: 'COUNTER', from, subject: null, date: p.sentAt, action: 'sent', reason: 'your proposal, as recorded on this device', deleted: null, mine: true, recurrenceId: p.recurrenceId });
  }
  if (own.length === 0) return entries;
  // Each goes before the first message dated after it; the thread's own order is kept as it is.
  const out = [...entries];
  for (const o of own.sort((a, b) => Date.parse(a.date!) - Date.parse(b.date!))) {
    const t = Date.parse(o.date!);
    const i = out.findIndex((e) => !!e.date && Date.parse(e.date) > t);
    out.splice(i < 0 ? out.length : i, 0, o);
  }
  return out;
}

const REPLY_APPLIED = /reply applied: (\S+) ([A-Za-z-]+)(?: \(occurrence ([^)]+)\))?/;
const OCCURRENCE_REASON = /occurrence (\d{4}-\d{2}-\d{2}(?:T[\d:]+Z)?)/;

/** The bare address in a From header ('Alice <alice@x>' or 'alice@x'). */
function addressOf(from: string | null): string {
  const m = from ? /<([^>]+)>/.exec(from) : null;
  return normalizeAddress(m ? m[1] : from);
}

/**
 * A thread entry for people (issue 11 §9): who sent it (mine or not) and, for answers, the answer given. The answer
 * comes from the engine's reason for applied replies, and from my own reply records for the REPLYs I sent (which the
 * engine, rightly, does not apply to an attendee's copy: they are copies of what I did).
 */
function threadEntryView(t: ThreadEntryLike, ev: StoredEvent, mine: readonly string[]): ThreadMessageView {
  const v: ThreadMessageView = { key: t.key, method: t.method, from: t.from, subject: t.subject, date: t.date, action: t.action, reason: t.reason, deleted: t.deleted ?? null };
  const isMe = isMine(addressOf(t.from), mine);
  if (isMe) v.mine = true;
  const method = (t.method ?? '').toUpperCase();
  if (method === 'REPLY') {
    const m = REPLY_APPLIED.exec(t.reason);
    if (m) {
      v.partstat = m[2]!.toUpperCase();
      v.recurrenceId = m[3] ?? null;
    } else if (isMe) {
      // My sent answer: the reply record of mine closest to the mail's date.
      const at = t.date ? Date.parse(t.date) : NaN;
      const recs = ev.replies.filter((r) => isMine(r.email, mine) && r.dtstamp);
      const best = recs.sort((a, b) => Math.abs(Date.parse(a.dtstamp!) - at) - Math.abs(Date.parse(b.dtstamp!) - at))[0];
      if (best && Number.isFinite(at) && Math.abs(Date.parse(best.dtstamp!) - at) < 10 * 60_000) {
        v.partstat = best.partstat.toUpperCase();
        v.recurrenceId = best.recurrenceId;
      }
    }
  } else {
    const m = OCCURRENCE_REASON.exec(t.reason);
    if (m) v.recurrenceId = m[1]!;
  }
  return v;
}
