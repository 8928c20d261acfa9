// What the reading side of the UI adds to the plain views (issue 11 §11 §13 §15, issue 9 §4): the formatted
// description and the conference link of an event, the status mark and location of each agenda occurrence, display
// names, and the invitation list served in pages from the store's rows. Pure functions; the store and the clock
// come in as arguments.
import ICAL from 'ical.js';
import type { InvitationFilter, InvitationPage, InvitationPageRequest, InvitationSummary, OccurrenceMark, OccurrenceView } from '../../shared/api';
import type { EventData, StoredEvent } from '../../shared/itip/types';
import { findConferenceLink, type ConferenceLink } from '../../shared/present/links';
import type { SummaryPage, SummaryRow } from '../store/summary-table';
import { assembleSummary, myAddressSet } from './invitation-summary';
import { occurrencePartstat, type ViewContext } from './invitations-view';

export { organizerName } from './invitation-summary';

export interface EventExtras {
  descriptionHtml: string | null;
  conference: ConferenceLink | null;
}

/** Bounds the description HTML sent to the renderer (it is sanitized there; this keeps a hostile mail from
 * shipping megabytes to the page). */
const MAX_HTML = 512 * 1024;

/**
 * Reads what the engine's EventData does not keep from the component's own text: Outlook's X-ALT-DESC
 * (FMTTYPE=text/html), RFC 7986 §5.11 CONFERENCE, Google's X-GOOGLE-CONFERENCE and Microsoft's Teams URL
 * properties; then finds the conference link (shared/links.ts). Never throws: unreadable text gives no extras.
 */
export function eventExtras(c: EventData | null | undefined): EventExtras {
  if (!c) return { descriptionHtml: null, conference: null };
  let descriptionHtml: string | null = null;
  const conference: string[] = [];
  let google: string | null = null;
  let microsoft: string | null = null;
  try {
    if (c.ics && c.ics.length < 4 * 1024 * 1024) {
      const comp = new ICAL.Component(ICAL.parse(c.ics) as unknown as unknown[]);
      for (const p of comp.getAllProperties('x-alt-desc')) {
        const type = String(p.getParameter('fmttype') ?? '').toLowerCase();
        const v = p.getFirstValue();
        if (type === 'text/html' && typeof v === 'string' && v.trim()) {
          descriptionHtml = v.length > MAX_HTML ? v.slice(0, MAX_HTML) : v;
          break;
        }
      }
      for (const p of comp.getAllProperties('conference')) {
        const v = p.getFirstValue();
        if (typeof v === 'string') conference.push(v);
      }
      const g = comp.getFirstPropertyValue('x-google-conference');
      if (typeof g === 'string') google = g;
      const m = comp.getFirstPropertyValue('x-microsoft-skypeteamsmeetingurl') ?? comp.getFirstPropertyValue('x-microsoft-onlinemeetingconflink');
      if (typeof m === 'string') microsoft = m;
    }
  } catch {
    // The engine already read this component; extras are optional.
  }
  const link = findConferenceLink({
    conference,
    googleConference: google,
    microsoftMeetingUrl: microsoft,
    location: c.location,
    description: c.description,
    descriptionHtml,
  });
  return { descriptionHtml, conference: link };
}

function markOf(ev: StoredEvent, o: OccurrenceView, me: readonly string[]): OccurrenceMark {
  if ((o.status ?? '').toUpperCase() === 'CANCELLED' || ev.cancelled) return 'cancelled';
  if (ev.role === 'organizer' || ev.role === 'personal') return 'organizer';
  const ps = occurrencePartstat(ev, o.recurrenceId, me) ?? 'NEEDS-ACTION';
  if (ps === 'ACCEPTED') return 'accepted';
  if (ps === 'TENTATIVE' || (o.status ?? '').toUpperCase() === 'TENTATIVE') return 'tentative';
  if (ps === 'DECLINED') return 'declined';
  return 'needs-answer';
}

/** Adds each occurrence's mark (my answer, or cancelled) and location (the override's, else the series'). */
export function markOccurrences(list: OccurrenceView[], byUid: (uid: string) => StoredEvent | undefined, me: readonly string[]): OccurrenceView[] {
  return list.map((o) => {
    const ev = byUid(o.uid);
    if (!ev) return o;
    const comp = (o.recurrenceId ? ev.overrides.find((x) => x.recurrenceId === o.recurrenceId) : null) ?? ev.master ?? ev.overrides[0];
    return { ...o, mark: markOf(ev, o, me), location: comp?.location ?? null };
  });
}

/** Where the invitation list is read: the store's rows (CalendarStore, electron/store/summary-table.ts). */
export interface InvitationRowSource {
  invitationPage(me: readonly string[], filter: InvitationFilter, offset: number, limit: number): SummaryPage;
  invitationRows(me: readonly string[]): SummaryRow[];
}

type ListContext = Pick<ViewContext, 'me' | 'accountFor'>;

/**
 * One page of the invitation list (listInvitationPage): read from the store's rows, so the first screen costs one
 * small query, not a pass over every event.
 */
export function invitationPage(src: InvitationRowSource, req: InvitationPageRequest, ctx: ListContext): InvitationPage {
  const p = src.invitationPage(ctx.me, req.filter ?? 'all', req.offset, req.limit);
  const mine = myAddressSet(ctx.me);
  return {
    items: p.rows.map((r) => assembleSummary(r.parts, mine, ctx.accountFor, r.badge)),
    offset: p.offset,
    total: p.total,
    pending: p.counts.pending,
    counts: p.counts,
  };
}

/** The whole invitation list (listInvitations), newest thread first, from the store's rows. */
export function invitationList(src: InvitationRowSource, ctx: ListContext): InvitationSummary[] {
  const mine = myAddressSet(ctx.me);
  return src.invitationRows(ctx.me).map((r) => assembleSummary(r.parts, mine, ctx.accountFor, r.badge));
}
