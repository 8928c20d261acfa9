// The words the invitation screen uses for answers, changes, cancellations and the thread (issue 11 §5–§9): what a
// person would say ("You accepted on 3 Dec", "Bob declined Tue 15 Dec: 'Dentist that day'", "Alice moved it to
// 10:00"), never RFC terms. Pure: the detail's data and the zone in, text out (tests pin the zone and the locale).
import type { CancelledOccurrenceView, InvitationDetail, OccurrenceAnswerView, ThreadMessageView } from '../shared/api';
import type { VersionChange } from '../shared/itip/changes';
import { isolateText } from '../shared/present/bidi';
import { personLabel } from '../shared/present/names';

import { safeZone } from './format';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** 'Tue, Dec 15' (the locale's order): a day of a series, without the year. */
export function shortDay(v: string | null, tz: string): string {
  if (!v) return '';
  const date = DATE_ONLY.test(v) ? new Date(`${v}T00:00:00Z`) : new Date(v);
  if (Number.isNaN(date.getTime())) return v;
  return new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric', timeZone: DATE_ONLY.test(v) ? 'UTC' : safeZone(tz) }).format(date);
}

/** '10:00 AM' in the locale's clock. */
export function shortTime(v: string | null, tz: string): string {
  if (!v || DATE_ONLY.test(v)) return '';
  const date = new Date(v);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZone: safeZone(tz) }).format(date);
}

/** 'Tue, Dec 15, 10:00 AM' or the day alone for all-day values. */
export function dayAndTime(v: string | null, tz: string): string {
  const t = shortTime(v, tz);
  return t ? `${shortDay(v, tz)}, ${t}` : shortDay(v, tz);
}

interface Person {
  email: string;
  cn: string | null;
}

/** The bare address and the display name of a From header ('Alice <alice@x>', '"Alice" <alice@x>', 'alice@x'). */
function splitFrom(from: string): { email: string; name: string | null } {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(from);
  if (m) return { email: m[2]!.trim().toLowerCase(), name: m[1]!.trim() || null };
  return { email: from.trim().replace(/^mailto:/i, '').toLowerCase(), name: null };
}

/** A person's name: the name they are listed under, else the one in their mail's From, else their address. */
export function personName(from: string | null, people: readonly Person[]): string {
  if (!from) return 'Someone';
  const { email, name } = splitFrom(from);
  const listed = people.find((p) => p.email.toLowerCase() === email);
  return listed?.cn || name || email;
}

/** The people of an invitation (organizer first), for personName. */
export function peopleOf(d: Pick<InvitationDetail, 'organizer' | 'attendees'>): Person[] {
  return [...(d.organizer ? [d.organizer] : []), ...d.attendees];
}

const VERB: Record<string, string> = {
  ACCEPTED: 'accepted',
  DECLINED: 'declined',
  TENTATIVE: 'tentatively accepted',
  DELEGATED: 'delegated',
  'NEEDS-ACTION': 'has not answered',
};

function verb(partstat: string | null | undefined): string {
  return VERB[(partstat ?? '').toUpperCase()] ?? 'answered';
}

const quoted = (comment: string | null | undefined): string => (comment ? `: ‘${comment}’` : '');

/** 'You declined Tue, Dec 15' / 'declined Tue, Dec 15: ‘Dentist that day’' (who may be empty). */
export function occurrenceAnswerText(who: string, a: OccurrenceAnswerView, tz: string): string {
  const when = a.allDay ? shortDay(a.start, 'UTC') : shortDay(a.start, tz);
  return `${who ? `${who} ` : ''}${verb(a.partstat)} ${when}${quoted(a.comment)}`;
}

/** The organizer's board line for one attendee's exceptions: 'declined Tue, Dec 15: ‘Dentist that day’; …'. */
export function exceptionsText(list: readonly OccurrenceAnswerView[] | undefined, tz: string): string {
  return (list ?? []).map((a) => occurrenceAnswerText('', a, tz)).join('; ');
}

/** 'Alice cancelled Tue, Dec 22: ‘Christmas break’'. */
export function cancelledText(c: CancelledOccurrenceView, tz: string): string {
  return `${c.by ?? 'The organizer'} cancelled ${c.allDay ? shortDay(c.start, 'UTC') : shortDay(c.start, tz)}${quoted(c.comment)}`;
}

const NOUN: Record<VersionChange['field'], string> = {
  time: 'the time',
  summary: 'the title',
  location: 'the place',
  rrule: 'the repetition',
  attendees: 'the guest list',
};

/** 'the time changed', 'the time and the place changed', 'the time, the place and the title changed'. */
export function changeSummary(items: readonly VersionChange[] | undefined): string {
  const nouns = (items ?? []).map((c) => NOUN[c.field]);
  if (nouns.length === 0) return 'the meeting changed';
  const list = nouns.length === 1 ? nouns[0]! : `${nouns.slice(0, -1).join(', ')} and ${nouns[nouns.length - 1]}`;
  return `${list} changed`;
}

/**
 * The answer bar's state line (issue 11 §5): 'You have not answered', 'You accepted on Thu, Dec 3', 'Updated: the
 * time changed — answer again'.
 */
export function answerStateText(d: Pick<InvitationDetail, 'badge' | 'myAnswer' | 'changes' | 'held' | 'myPartstat'>, tz: string): string {
  const ps = (d.myAnswer?.partstat ?? d.myPartstat ?? 'NEEDS-ACTION').toUpperCase();
  if (d.held) return 'You have not answered. Answering adds the meeting to your calendar.';
  if (ps === 'NEEDS-ACTION') {
    return d.badge === 'updated' ? `Updated: ${changeSummary(d.changes?.items)} — answer again` : 'You have not answered';
  }
  const at = d.myAnswer?.at ? ` on ${shortDay(d.myAnswer.at, tz)}` : '';
  const said: Record<string, string> = { ACCEPTED: 'You accepted', DECLINED: 'You declined', TENTATIVE: 'You answered tentatively', DELEGATED: 'You delegated it' };
  return `${said[ps] ?? 'You answered'}${at}`;
}

const REPLIED: Record<string, string> = { ACCEPTED: 'Accepted', DECLINED: 'Declined', TENTATIVE: 'Tentative', DELEGATED: 'Delegated' };

/**
 * One thread message as a sentence (issue 11 §9). `latestStart`: the meeting's current start, said for the newest
 * reschedule ('Alice moved it to Tue, Dec 15, 10:00 AM'); older ones say only that the time changed. My own
 * messages are 'You …', never a rejection (a copy of my own REPLY is not something to apply).
 */
export function threadLine(m: ThreadMessageView, people: readonly Person[], tz: string, opts: { latestStart?: string | null; newestReschedule?: boolean } = {}): string {
  const who = m.mine ? 'You' : personName(m.from, people);
  const day = m.recurrenceId ? ` ${shortDay(m.recurrenceId, tz)}` : '';
  const action = m.action;
  switch ((m.method ?? '').toUpperCase()) {
    case 'REPLY':
      if (m.mine) return `You replied ${REPLIED[(m.partstat ?? '').toUpperCase()] ?? ''}`.trim() + (day ? ` for${day}` : '');
      if (action === 'stale' || action === 'duplicate') return `${who} answered again (an earlier answer)`;
      if (action === 'needs-decision') return `${who} answered but is not on the guest list`;
      if (action === 'rejected') return `${who} answered, but the answer could not be used`;
      return `${who} ${verb(m.partstat)}${day}`;
    case 'REQUEST':
      if (action === 'stale') return `${who} sent an older version (already replaced)`;
      if (action === 'duplicate') return `${who} sent the same version again`;
      if (action === 'needs-decision') return `${who} invited you (waiting for your decision)`;
      if (action === 'created') return m.mine ? 'You sent the invitation' : `${who} invited you`;
      if (action === 'updated') {
        if (/rescheduled/.test(m.reason)) {
          return opts.newestReschedule && opts.latestStart ? `${who} moved it to ${dayAndTime(opts.latestStart, tz)}` : `${who} changed the time${day}`;
        }
        if (/organizer-copy|copy of what I sent/.test(m.reason)) return 'You sent an update';
        return `${who} updated the details${day}`;
      }
      return m.mine ? 'You sent the invitation' : `${who} sent the invitation`;
    case 'CANCEL':
      if (action === 'stale' || action === 'duplicate') return `${who} sent the cancellation again`;
      if (/removed me/.test(m.reason)) return `${who} removed you from the meeting`;
      if (/organizer removed/.test(m.reason)) return `${who} changed the guest list`;
      return `${who} cancelled ${day ? day.trim() : 'the meeting'}`;
    case 'COUNTER':
      return `${who} proposed a new time${day}`;
    case 'DECLINECOUNTER':
      return `${who} declined the proposed time`;
    case 'REFRESH':
      return `${who} asked for the latest version`;
    case 'ADD':
      return `${who} added occurrences`;
    case 'PUBLISH':
      return `${who} published the event`;
    default:
      return m.from?.startsWith('file ') ? `Opened from the file ${m.from.slice(5)}` : `${who} sent a message`;
  }
}

/** Most names spelled out per answer on one occurrence; the rest are counted ('and 3 more'). */
const MAX_NAMED = 3;

/**
 * The organizer's view of one occurrence (issue 11 §2): who declined or tentatively accepted it, in words
 * ('Bob Baker declined; carol@x.test tentatively accepted': the name where the event gives one, else the address), so the calendar never says it by colour alone.
 * Accepted and unanswered attendees are the normal case and are not listed; '' when nobody declined or hesitated.
 * Each address is a bidi isolate (issue 10 §7): the text also goes to a title and an aria-label, where <bdi> cannot.
 */
export function occurrenceResponsesText(attendees: readonly { email: string; partstat: string; cn?: string }[] | undefined): string {
  const parts: string[] = [];
  for (const partstat of ['DECLINED', 'TENTATIVE']) {
    const who = (attendees ?? []).filter((a) => (a.partstat ?? '').toUpperCase() === partstat).map((a) => isolateText(personLabel(a.cn, a.email)));
    if (who.length === 0) continue;
    const named = who.slice(0, MAX_NAMED).join(', ');
    const rest = who.length > MAX_NAMED ? ` and ${who.length - MAX_NAMED} more` : '';
    parts.push(`${named}${rest} ${verb(partstat)}`);
  }
  return parts.join('; ');
}

/** The short tag on a week event for the same (issue 11 §2): '1 declined', '2 declined · 1 maybe'; '' for none. */
export function occurrenceResponsesTag(attendees: readonly { email: string; partstat: string }[] | undefined): string {
  const count = (ps: string) => (attendees ?? []).filter((a) => (a.partstat ?? '').toUpperCase() === ps).length;
  const declined = count('DECLINED');
  const maybe = count('TENTATIVE');
  return [declined ? `${declined} declined` : '', maybe ? `${maybe} maybe` : ''].filter(Boolean).join(' · ');
}
