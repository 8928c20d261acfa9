// Occurrences cached per series and per UTC month, until the series changes (issue 9 §3).
//
// `expand(events, from, to)` returns exactly what shared/itip/agenda.ts's `expandAgenda(events, from, to)` returns:
// each series is expanded (by expandAgenda itself) over the whole UTC months covering the window, those month lists
// are cached, and the result keeps the occurrences that overlap the window by agenda.ts's own rule, sorted as it
// sorts. A month list is a superset of what any window inside it needs, so the cache never changes an answer. Only
// series that recur (or have overrides) are cached: a single event costs less to expand than to look up.
import { expandAgenda, isoToMs, type Occurrence } from '../../shared/itip/agenda';
import type { StoredEvent } from '../../shared/itip/types';

const DAY = 86_400_000;

/** agenda.ts's overlap rule: a zero-length all-day occurrence lasts a day; a zero-length timed one is an instant. */
function overlapsWindow(o: Occurrence, fromMs: number, toMs: number): boolean {
  const s = isoToMs(o.start);
  const e = o.allDay && o.end === o.start ? s + DAY : isoToMs(o.end);
  if (!Number.isFinite(s)) return false;
  if (!Number.isFinite(e) || e <= s) return s >= fromMs && s < toMs;
  return s < toMs && e > fromMs;
}

function monthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

function nextMonth(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
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
  private readonly months = new Map<string, Occurrence[]>();
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
    const singles: StoredEvent[] = [];
    const out: Occurrence[] = [];
    for (const ev of events) {
      if (!ev) continue;
      if (!cacheable(ev)) {
        singles.push(ev);
        continue;
      }
      const seen = new Set<string>();
      this.fill(ev, fromMs, toMs);
      for (let m = monthStart(fromMs); m < toMs; m = nextMonth(m)) {
        for (const o of this.months.get(`${ev.uid}\u0000${m}`) ?? this.month(ev, m)) {
          if (!overlapsWindow(o, fromMs, toMs)) continue;
          // An occurrence that spans a month boundary is in both months' lists.
          const key = `${o.recurrenceId ?? ''}\u0000${o.start}\u0000${o.end}`;
          if (seen.has(key)) continue;
          seen.add(key);
          out.push(o);
        }
      }
    }
    if (singles.length > 0) out.push(...expandAgenda(singles, from, to));
    out.sort((a, b) => isoToMs(a.start) - isoToMs(b.start) || a.uid.localeCompare(b.uid));
    return out;
  }

  /**
   * The months of [fromMs, toMs) not cached yet for this series, expanded in one expandAgenda call over their whole
   * span (an expansion iterates from DTSTART: one call for a year costs about what one call for a month does), then
   * split by month with agenda.ts's overlap rule.
   */
  private fill(ev: StoredEvent, fromMs: number, toMs: number): void {
    const missing: number[] = [];
    for (let m = monthStart(fromMs); m < toMs; m = nextMonth(m)) {
      if (this.months.has(`${ev.uid}\u0000${m}`)) this.hits++;
      else missing.push(m);
    }
    if (missing.length < 2) return; // none, or one: month() computes it alone
    const first = missing[0]!;
    const end = nextMonth(missing[missing.length - 1]!);
    const all = expandAgenda([ev], new Date(first).toISOString(), new Date(end).toISOString());
    for (const m of missing) {
      const mEnd = nextMonth(m);
      this.store(ev.uid, m, all.filter((o) => overlapsWindow(o, m, mEnd)));
      this.misses++;
    }
  }

  private store(uid: string, m: number, list: Occurrence[]): void {
    const key = `${uid}\u0000${m}`;
    if (this.months.size >= this.maxEntries) this.evictOldest();
    this.months.set(key, list);
    let keys = this.byUid.get(uid);
    if (!keys) this.byUid.set(uid, (keys = new Set()));
    keys.add(key);
  }

  private month(ev: StoredEvent, m: number): Occurrence[] {
    const key = `${ev.uid}\u0000${m}`;
    const hit = this.months.get(key);
    if (hit) {
      this.hits++;
      return hit;
    }
    this.misses++;
    const list = expandAgenda([ev], new Date(m).toISOString(), new Date(nextMonth(m)).toISOString());
    this.store(ev.uid, m, list);
    return list;
  }

  private evictOldest(): void {
    const oldest = this.months.keys().next();
    if (oldest.done) return;
    this.months.delete(oldest.value);
    const uid = oldest.value.slice(0, oldest.value.indexOf('\u0000'));
    this.byUid.get(uid)?.delete(oldest.value);
  }
}
