// Occurrences cached per series and per UTC month, until the series changes (issue 9 §3).
//
// `expand(events, from, to)` returns exactly what shared/itip/agenda.ts's `expandAgenda(events, from, to)` returns:
// each series is expanded (by expandAgenda's own per-event step, expandEventInto) over the whole UTC months covering
// the window, those month lists are cached, and the result keeps the occurrences that overlap the window by
// agenda.ts's own rule, sorted once as it sorts (by start, then UID, stably: ties within a series keep expansion
// order, as in expandAgenda). A month list is a superset of what any window inside it needs, so the cache never
// changes an answer. Only series that recur (or have overrides) are cached: a single event costs less to expand than
// to look up. test/unit/store-agenda-random.test.ts compares it with expandAgenda over a changing random store.
import { compareUids, expandEventInto, isoToMs, type Occurrence } from '../../shared/itip/agenda';
import type { StoredEvent } from '../../shared/itip/types';

const DAY = 86_400_000;

/** An occurrence with its instants read once (the cache answers windows by comparing numbers). */
interface Entry {
  o: Occurrence;
  s: number;
  /** The end by agenda.ts's rule: a zero-length all-day occurrence lasts a day. */
  e: number;
}

/** Identity within its series, for occurrences found in two months (built only for windows over several months). */
function identity(x: Entry): string {
  return `${x.o.recurrenceId ?? ''}\u0000${x.o.start}\u0000${x.o.end}`;
}

function entry(o: Occurrence): Entry {
  const s = isoToMs(o.start);
  return { o, s, e: o.allDay && o.end === o.start ? s + DAY : isoToMs(o.end) };
}

/** agenda.ts's overlap rule (a zero-length timed occurrence is an instant). */
function overlapsWindow(x: Entry, fromMs: number, toMs: number): boolean {
  if (!Number.isFinite(x.s)) return false;
  if (!Number.isFinite(x.e) || x.e <= x.s) return x.s >= fromMs && x.s < toMs;
  return x.s < toMs && x.e > fromMs;
}

function monthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

function nextMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

function monthKey(uid: string, m: number): string {
  return `${uid}\u0000${m}`;
}

function cacheable(ev: StoredEvent): boolean {
  const m = ev.master;
  return !ev.cancelled && (ev.overrides.length > 0 || !!m?.rrule || (m?.rdate.length ?? 0) > 0);
}

export interface ExpansionCacheStats {
  entries: number;
  hits: number;
  misses: number;
}

export class ExpansionCache {
  /** `${uid}\u0000${monthStartMs}` → that month's occurrences. A Map keeps insertion order: the oldest go first. */
  private readonly months = new Map<string, Entry[]>();
  /** uid → its cached keys, so a change drops them all. */
  private readonly byUid = new Map<string, Set<string>>();
  private hits = 0;
  private misses = 0;

  /** @param maxEntries bound on cached (series, month) lists: memory stays bounded however far one scrolls. */
  constructor(private readonly maxEntries = 50_000) {}

  /** The series changed or went away: its expansions are recomputed on next use. */
  invalidate(uid: string): void {
    const keys = this.byUid.get(uid);
    if (!keys) return;
    for (const k of keys) this.months.delete(k);
    this.byUid.delete(uid);
  }

  clear(): void {
    this.months.clear();
    this.byUid.clear();
  }

  stats(): ExpansionCacheStats {
    return { entries: this.months.size, hits: this.hits, misses: this.misses };
  }

  /** Same result as expandAgenda(events, from, to); `events` must be the store's current versions. */
  expand(events: readonly StoredEvent[], from: string, to: string): Occurrence[] {
    const fromMs = isoToMs(from);
    const toMs = isoToMs(to);
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs <= fromMs) return [];
    // The UTC months of the window, once for all series (a month's agenda touches a thousand of them).
    const months: number[] = [];
    for (let m = monthStart(fromMs); m < toMs; m = nextMonth(m)) months.push(m);
    const singles: StoredEvent[] = [];
    const out: Entry[] = [];
    const lists: (Entry[] | undefined)[] = new Array<Entry[] | undefined>(months.length);
    for (const ev of events) {
      if (!ev) continue;
      if (!cacheable(ev)) {
        singles.push(ev);
        continue;
      }
      this.lookup(ev, months, lists);
      if (months.length === 1) {
        for (const x of lists[0]!) if (overlapsWindow(x, fromMs, toMs)) out.push(x);
        continue;
      }
      // An occurrence that spans a month boundary is in both months' lists.
      const seen = new Set<string>();
      for (const list of lists) {
        for (const x of list!) {
          if (!overlapsWindow(x, fromMs, toMs)) continue;
          const key = identity(x);
          if (seen.has(key)) continue;
          seen.add(key);
          out.push(x);
        }
      }
    }
    if (singles.length > 0) {
      // Unsorted (expandAgenda's sort is done once, below, over everything).
      const raw: Occurrence[] = [];
      for (const ev of singles) expandEventInto(ev, fromMs, toMs, raw);
      for (const o of raw) out.push(entry(o));
    }
    // expandAgenda's order: by start, then uid (a stable sort keeps each series' own order for equal starts).
    out.sort((a, b) => a.s - b.s || (a.o.uid === b.o.uid ? 0 : compareUids(a.o.uid, b.o.uid)));
    return out.map((x) => x.o);
  }

  /**
   * This series' list for each of `months` into `lists`. The months not cached yet are expanded in one expandAgenda
   * call over their whole span (an expansion iterates from DTSTART: one call for a year costs about what one call
   * for a month does), then split by month with agenda.ts's overlap rule.
   */
  private lookup(ev: StoredEvent, months: readonly number[], lists: (Entry[] | undefined)[]): void {
    const missing: number[] = [];
    for (let i = 0; i < months.length; i++) {
      const hit = this.months.get(monthKey(ev.uid, months[i]!));
      lists[i] = hit;
      if (hit) this.hits++;
      else missing.push(i);
    }
    if (missing.length === 0) return;
    const first = months[missing[0]!]!;
    const end = nextMonth(months[missing[missing.length - 1]!]!);
    // What expandAgenda([ev], first, end) returns before its sort (expand() sorts as it does, stably).
    const raw: Occurrence[] = [];
    expandEventInto(ev, first, end, raw);
    const all = raw.map(entry);
    for (const i of missing) {
      const m = months[i]!;
      const mEnd = nextMonth(m);
      const list = missing.length === 1 ? all : all.filter((o) => overlapsWindow(o, m, mEnd));
      this.store(ev.uid, m, list);
      lists[i] = list;
      this.misses++;
    }
  }

  private store(uid: string, m: number, list: Entry[]): void {
    const key = monthKey(uid, m);
    if (this.months.size >= this.maxEntries) this.evictOldest();
    this.months.set(key, list);
    let keys = this.byUid.get(uid);
    if (!keys) this.byUid.set(uid, (keys = new Set()));
    keys.add(key);
  }

  private evictOldest(): void {
    const oldest = this.months.keys().next();
    if (oldest.done) return;
    this.months.delete(oldest.value);
    const uid = oldest.value.slice(0, oldest.value.indexOf('\u0000'));
    this.byUid.get(uid)?.delete(oldest.value);
  }
}
