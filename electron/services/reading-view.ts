// What the reading side of the UI adds to the plain views (issue 11 §11 §13 §15, issue 9 §4): the formatted
// description and the conference link of an event, the status mark and location of each agenda occurrence, display
// names, and the invitation list served in pages from one cached, sorted list. Pure functions plus one small cache;
// the store and the clock come in as arguments.
import ICAL from 'ical.js';
import type { InvitationFilter, InvitationPage, InvitationPageRequest, InvitationSummary, OccurrenceMark, OccurrenceView } from '../../shared/api';
import type { EventData, StoredEvent } from '../../shared/itip/types';
import { findConferenceLink, type ConferenceLink } from '../../shared/present/links';
import { usefulName } from '../../shared/present/names';
import { occurrencePartstat } from './invitations-view';

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

/** The organizer's display name for the list: the invitation's CN unless it is just the address. */
export function organizerName(ev: StoredEvent): string | null {
  const org = ev.master?.organizer ?? ev.overrides[0]?.organizer ?? null;
  return org ? usefulName(org.cn, org.email) : null;
}

const PENDING_BADGES = new Set(['needs-response', 'updated', 'needs-decision']);

function matches(s: InvitationSummary, f: InvitationFilter): boolean {
  if (f === 'all') return true;
  if (f === 'organized') return s.role === 'organizer' || s.role === 'personal';
  if (f === 'received') return s.role === 'attendee';
  return PENDING_BADGES.has(s.badge);
}

/** Whether this thread waits for me (the sidebar's count). */
export function isPending(s: InvitationSummary): boolean {
  return PENDING_BADGES.has(s.badge);
}

/**
 * The invitation list, computed once per store change and served in pages. `compute` builds the whole sorted list
 * (listView); it runs again only after invalidate() (the core calls it on every calendar change), so scrolling a
 * 10,000-thread list costs one slice per page.
 */
export class InvitationPages {
  private cache: { key: string; all: InvitationSummary[]; byFilter: Map<InvitationFilter, InvitationSummary[]> } | null = null;

  /** `keyOf`: what else the list depends on (my addresses); a new key recomputes it too. */
  constructor(
    private readonly compute: () => InvitationSummary[],
    private readonly keyOf: () => string = () => '',
  ) {}

  invalidate(): void {
    this.cache = null;
  }

  list(): InvitationSummary[] {
    return this.state().all;
  }

  private state() {
    const key = this.keyOf();
    if (!this.cache || this.cache.key !== key) this.cache = { key, all: this.compute(), byFilter: new Map() };
    return this.cache;
  }

  private filtered(f: InvitationFilter): InvitationSummary[] {
    const st = this.state();
    let l = st.byFilter.get(f);
    if (!l) {
      l = f === 'all' ? st.all : st.all.filter((s) => matches(s, f));
      st.byFilter.set(f, l);
    }
    return l;
  }

  page(req: InvitationPageRequest): InvitationPage {
    const filter = req.filter ?? 'all';
    const list = this.filtered(filter);
    const offset = Math.max(0, Math.min(req.offset, list.length));
    const limit = Math.max(0, Math.min(req.limit, 500));
    return {
      items: list.slice(offset, offset + limit),
      offset,
      total: list.length,
      pending: this.filtered('pending').length,
      counts: {
        all: this.filtered('all').length,
        received: this.filtered('received').length,
        organized: this.filtered('organized').length,
        pending: this.filtered('pending').length,
      },
    };
  }
}
