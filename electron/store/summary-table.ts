// The invitation list kept by the store (issue 9 §4): one row per stored event with what the list shows of it
// (invitation-summary.ts's SummaryParts, as JSON), written in the same transaction as the event or thread it comes
// from, and indexed for the list's order (newest activity first) and its filters. A page, its total and the counts per
// filter are then index reads of small rows: the events themselves are not read.
//
// The badge depends on my addresses (am I the attendee who accepted?): each row keeps its badge for the addresses
// last asked with (meta 'summary_me'), and its inputs, so new addresses recompute badges from the rows alone.
//
// The order's tie-break compares UIDs with the default collation (as listView always did, String#localeCompare),
// which SQLite cannot do: pages are cut by activity through the index, the UIDs sharing the activity at either edge
// of a page are sorted here (read from the index alone), and then only the page's rows are read. The count of rows
// per filter is kept by triggers in summary_counts, so counts cost nothing at any size.
import { crc32 } from 'node:zlib';
import type Database from 'better-sqlite3';
import type { InvitationBadge, InvitationFilter } from '../../shared/api';
import { activityKey, badgeOf, compareSummaries, isPendingBadge, myAddressSet, type SummaryParts } from '../services/invitation-summary';

/** Bumped when SummaryParts changes: every store rebuilds its rows on its next open. */
export const SUMMARY_VERSION = '1';

/**
 * `kind`: 1 my own (organizer, personal: the 'organized' filter), 2 received (attendee), 0 neither. `mine`: 1 when the
 * badge depends on my addresses (only those rows are read again when they change).
 */
export const SUMMARY_SCHEMA = `
CREATE TABLE IF NOT EXISTS summaries(uid TEXT PRIMARY KEY, activity TEXT NOT NULL, kind INTEGER NOT NULL,
  badge TEXT NOT NULL, pending INTEGER NOT NULL, parts TEXT NOT NULL, mine INTEGER NOT NULL, crc INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS summaries_activity ON summaries(activity, uid);
CREATE INDEX IF NOT EXISTS summaries_kind ON summaries(kind, activity, uid);
CREATE INDEX IF NOT EXISTS summaries_pending ON summaries(pending, activity, uid);
CREATE TABLE IF NOT EXISTS summary_counts(filter TEXT PRIMARY KEY, n INTEGER NOT NULL);
INSERT OR IGNORE INTO summary_counts(filter, n) VALUES ('all', 0), ('organized', 0), ('received', 0), ('pending', 0);
CREATE TRIGGER IF NOT EXISTS summaries_added AFTER INSERT ON summaries BEGIN
  UPDATE summary_counts SET n = n + 1 WHERE filter = 'all' OR (filter = 'organized' AND NEW.kind = 1)
    OR (filter = 'received' AND NEW.kind = 2) OR (filter = 'pending' AND NEW.pending = 1);
END;
CREATE TRIGGER IF NOT EXISTS summaries_removed AFTER DELETE ON summaries BEGIN
  UPDATE summary_counts SET n = n - 1 WHERE filter = 'all' OR (filter = 'organized' AND OLD.kind = 1)
    OR (filter = 'received' AND OLD.kind = 2) OR (filter = 'pending' AND OLD.pending = 1);
END;
CREATE TRIGGER IF NOT EXISTS summaries_changed AFTER UPDATE OF kind, pending ON summaries BEGIN
  UPDATE summary_counts SET n = n - 1 WHERE (filter = 'organized' AND OLD.kind = 1)
    OR (filter = 'received' AND OLD.kind = 2) OR (filter = 'pending' AND OLD.pending = 1);
  UPDATE summary_counts SET n = n + 1 WHERE (filter = 'organized' AND NEW.kind = 1)
    OR (filter = 'received' AND NEW.kind = 2) OR (filter = 'pending' AND NEW.pending = 1);
END;
`;

export interface SummaryRow {
  parts: SummaryParts;
  badge: InvitationBadge;
}

export interface SummaryPage {
  rows: SummaryRow[];
  offset: number;
  total: number;
  counts: Record<InvitationFilter, number>;
}

const FILTERS: Record<InvitationFilter, string> = {
  all: '1 = 1',
  organized: 'kind = 1',
  received: 'kind = 2',
  pending: 'pending = 1',
};

/** The longest page served (the API's limit). */
const PAGE_MAX = 500;

function kindOf(role: string): number {
  return role === 'organizer' || role === 'personal' ? 1 : role === 'attendee' ? 2 : 0;
}

/**
 * `xs` read in activity order (newest first, as the index gives them): each run of one activity sorted by UID in the
 * list's collation, in place.
 */
function sortRuns<T>(xs: T[], key: (x: T) => { lastActivity: string; uid: string } = (x) => x as { lastActivity: string; uid: string }): T[] {
  const byList = (a: T, b: T) => compareSummaries(key(a), key(b));
  let start = 0;
  for (let i = 1; i <= xs.length; i++) {
    if (i === xs.length || key(xs[i]!).lastActivity !== key(xs[start]!).lastActivity) {
      if (i - start > 1) {
        const run = xs.slice(start, i).sort(byList);
        for (let k = 0; k < run.length; k++) xs[start + k] = run[k]!;
      }
      start = i;
    }
  }
  return xs;
}

function meKey(mine: ReadonlySet<string>): string {
  return JSON.stringify([...mine].sort());
}

interface RawRow {
  uid: string;
  badge: string;
  parts: string;
  crc: number;
}

export class SummaryTable {
  private mine: Set<string> = new Set();
  private key = meKey(this.mine);
  private readonly upsert;
  private readonly remove;
  private readonly clear;
  private readonly mineRows;
  private readonly setBadge;
  private readonly allRows;
  private readonly counts;
  private readonly byUid;
  private readonly perFilter: Record<InvitationFilter, { keyAt: Database.Statement; newer: Database.Statement; between: Database.Statement }>;

  /**
   * `persist`: whether the addresses the badges are for are kept in the meta table (a writer); a reader's own
   * (temporary) table keeps them in memory. `corrupt(uid)`: the error for a row whose checksum fails.
   */
  constructor(
    private readonly db: Database.Database,
    private readonly persist: boolean,
    private readonly corrupt: (uid: string) => Error,
  ) {
    if (persist) {
      const saved = db.prepare("SELECT value FROM meta WHERE key = 'summary_me'").pluck().get() as string | undefined;
      if (saved) {
        this.mine = new Set(JSON.parse(saved) as string[]);
        this.key = saved;
      }
    }
    this.upsert = db.prepare(
      'INSERT INTO summaries(uid, activity, kind, badge, pending, parts, mine, crc) VALUES (@uid, @activity, @kind, @badge, @pending, @parts, @mine, @crc) ' +
        'ON CONFLICT(uid) DO UPDATE SET activity = excluded.activity, kind = excluded.kind, badge = excluded.badge, pending = excluded.pending, parts = excluded.parts, mine = excluded.mine, crc = excluded.crc',
    );
    this.remove = db.prepare('DELETE FROM summaries WHERE uid = ?');
    this.clear = db.prepare('DELETE FROM summaries');
    this.mineRows = db.prepare('SELECT uid, badge, parts, crc FROM summaries WHERE mine = 1');
    this.setBadge = db.prepare('UPDATE summaries SET badge = ?, pending = ? WHERE uid = ?');
    this.allRows = db.prepare('SELECT uid, badge, parts, crc FROM summaries ORDER BY activity DESC');
    this.counts = db.prepare('SELECT filter, n FROM summary_counts');
    this.byUid = db.prepare('SELECT uid, badge, parts, crc FROM summaries WHERE uid = ?');
    const per = (where: string) => ({
      keyAt: db.prepare(`SELECT activity FROM summaries WHERE ${where} ORDER BY activity DESC LIMIT 1 OFFSET ?`).pluck(),
      newer: db.prepare(`SELECT count(*) FROM summaries WHERE ${where} AND activity > ?`).pluck(),
      // From the index alone (activity, uid): the page's UIDs in order before any row is read.
      between: db.prepare(`SELECT uid, activity AS lastActivity FROM summaries WHERE ${where} AND activity BETWEEN ? AND ? ORDER BY activity DESC`),
    });
    this.perFilter = { all: per(FILTERS.all), organized: per(FILTERS.organized), received: per(FILTERS.received), pending: per(FILTERS.pending) };
  }

  static createSchema(db: Database.Database, temp = false): void {
    db.exec(
      temp
        ? SUMMARY_SCHEMA.replace(/CREATE TABLE/g, 'CREATE TEMP TABLE')
            .replace(/CREATE TRIGGER/g, 'CREATE TEMP TRIGGER')
            .replace(/CREATE INDEX IF NOT EXISTS /g, 'CREATE INDEX IF NOT EXISTS temp.')
            .replace(/INSERT OR IGNORE INTO summary_counts/g, 'INSERT OR IGNORE INTO temp.summary_counts')
        : SUMMARY_SCHEMA,
    );
  }

  /** Drops the rows and their counts (before a rebuild with another layout). */
  static drop(db: Database.Database): void {
    db.exec('DROP TABLE IF EXISTS summaries; DROP TABLE IF EXISTS summary_counts');
  }

  /** Writes (or replaces) one thread's row, its badge for the current addresses. */
  put(parts: SummaryParts): void {
    const badge = badgeOf(parts.badge, this.mine);
    const json = JSON.stringify(parts);
    const mine = 'badge' in parts.badge ? 0 : 1;
    this.upsert.run({ uid: parts.uid, activity: activityKey(parts.lastActivity), kind: kindOf(parts.role), badge, pending: isPendingBadge(badge) ? 1 : 0, parts: json, mine, crc: crc32(`${parts.uid}\n${json}`) });
  }

  delete(uid: string): void {
    this.remove.run(uid);
  }

  /** Every row again (first open of a store written before the table existed, or after SUMMARY_VERSION changed). */
  rebuild(parts: Iterable<SummaryParts>): void {
    this.clear.run();
    this.db.prepare('UPDATE summary_counts SET n = 0').run();
    for (const p of parts) this.put(p);
    if (this.persist) this.db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('summaries', ?)").run(SUMMARY_VERSION);
  }

  /** Whether useAddresses(me) would write (the badges are for other addresses). */
  changesAddresses(me: readonly string[]): boolean {
    return meKey(myAddressSet(me)) !== this.key;
  }

  /** Makes the badges those of `me` (my addresses): recomputed from each row's inputs when they changed. */
  useAddresses(me: readonly string[]): void {
    const mine = myAddressSet(me);
    const key = meKey(mine);
    if (key === this.key) return;
    this.db.transaction(() => {
      // Row by row, and the changed ones written after the scan (SQLite reads a table being updated unreliably).
      const changed: [string, InvitationBadge][] = [];
      for (const raw of this.mineRows.iterate() as IterableIterator<RawRow>) {
        const badge = badgeOf(this.decode(raw).parts.badge, mine);
        if (badge !== raw.badge) changed.push([raw.uid, badge]);
      }
      for (const [uid, badge] of changed) this.setBadge.run(badge, isPendingBadge(badge) ? 1 : 0, uid);
      if (this.persist) this.db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES ('summary_me', ?)").run(key);
    })();
    this.mine = mine;
    this.key = key;
  }

  /** Every row, in the list's order. */
  all(): SummaryRow[] {
    return this.inListOrder(this.allRows.iterate() as IterableIterator<RawRow>);
  }

  /** Rows [offset, offset + limit) of the list under `filter` (limit at most 500), its total and the counts. */
  page(filter: InvitationFilter, reqOffset: number, reqLimit: number): SummaryPage {
    const counts = { all: 0, received: 0, organized: 0, pending: 0 };
    for (const c of this.counts.all() as { filter: InvitationFilter; n: number }[]) counts[c.filter] = c.n;
    const q = this.perFilter[filter];
    const total = counts[filter];
    const offset = Math.max(0, Math.min(reqOffset, total));
    const limit = Math.max(0, Math.min(reqLimit, PAGE_MAX));
    const end = Math.min(offset + limit, total);
    const rows: SummaryRow[] = [];
    if (end > offset) {
      // The activity of the page's first and last row; every UID with an activity between them, in order, holds the
      // page (those sharing an edge's activity with the pages before or after included, then cut away).
      const hi = q.keyAt.get(offset) as string;
      const lo = q.keyAt.get(end - 1) as string;
      const before = Number(q.newer.get(hi));
      const span = sortRuns(q.between.all(lo, hi) as { uid: string; lastActivity: string }[]);
      for (const { uid } of span.slice(offset - before, end - before)) {
        const raw = this.byUid.get(uid) as RawRow | undefined;
        if (raw) rows.push(this.decode(raw));
      }
    }
    return { rows, offset, total, counts };
  }

  /** Rows read newest activity first, decoded one by one; each run of one activity sorted by UID (collation). */
  private inListOrder(raws: IterableIterator<RawRow>): SummaryRow[] {
    const out: SummaryRow[] = [];
    for (const raw of raws) out.push(this.decode(raw));
    return sortRuns(out, (r) => r.parts);
  }

  private decode(raw: RawRow): SummaryRow {
    if (crc32(`${raw.uid}\n${raw.parts}`) !== raw.crc) throw this.corrupt(raw.uid);
    try {
      return { parts: JSON.parse(raw.parts) as SummaryParts, badge: raw.badge as InvitationBadge };
    } catch {
      throw this.corrupt(raw.uid);
    }
  }
}
