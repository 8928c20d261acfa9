// The invitation list read from the store's rows (electron/store/summary-table.ts, issue 9 §4) gives exactly what the
// list computed from every event gives (listView, as listInvitations and listInvitationPage did before the rows):
// over a seeded random store, after updates, cancels, deletes and thread growth, across reopen, for other addresses,
// for a reader, and after the migration of a store written before the rows existed.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { InvitationFilter, InvitationSummary } from '../../shared/api';
import type { StoredEvent } from '../../shared/itip/types';
import type { ThreadEntry } from '../../shared/itip/apply';
import { endOf } from '../../electron/services/invitation-summary';
import { listView, type ViewContext } from '../../electron/services/invitations-view';
import { invitationList, invitationPage } from '../../electron/services/reading-view';
import { CalendarStore, STORE_FILES } from '../../electron/store/calendar-store';
import { rng, seedNote, SEED } from '../random';
import { makeEvent } from './store-fixtures';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'convene-list-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ME = ['me@example.com'];
const ctxFor = (me: readonly string[]): ViewContext => ({ me, now: '2026-06-01T00:00:00Z', accountFor: (a) => (a && a.toLowerCase().includes('example.com') ? 'acct-1' : null) });

const pick = <T,>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

// Few distinct instants, so many threads share their newest activity (the order's tie-break by UID matters).
const DATES = ['2026-01-01T10:00:00Z', '2026-01-02T10:00:00Z', '2026-01-02T10:00:00.000Z', '2026-01-03T09:00:00Z', 'Tue, 3 Feb 2026 10:00:00 +0100', 'not a date', null];
const UPDATED = ['2026-01-01T00:00:00Z', '2026-01-02T10:00:00Z', '2025-12-31T23:59:59Z', 'garbage'];
const UID_PARTS = ['a', 'A', 'b', 'B', '_', '-', '.', '@', '1', 'é', 'Z'];
const ADDRESSES = ['me@example.com', 'ME@Example.com', 'mailto:me@example.com', 'alt@example.com', 'other@example.com', 'org@example.com', ''];
const PARTSTATS = ['ACCEPTED', 'tentative', 'DECLINED', 'NEEDS-ACTION', 'DELEGATED', '', undefined];
const HELD = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//t//EN', 'METHOD:REQUEST', 'BEGIN:VEVENT', 'UID:held', 'DTSTAMP:20260101T000000Z', 'DTSTART:20260301T100000Z', 'DURATION:PT45M', 'SUMMARY:Held by the policy', 'ORGANIZER;CN=Org:mailto:org@example.com', 'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:me@example.com', 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');

function randomUid(r: () => number): string {
  let s = '';
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n; i++) s += pick(r, UID_PARTS);
  return s;
}

/** An event of every shape the list distinguishes: roles, answers, cancels, held and pending items, odd values. */
function randomEvent(r: () => number, uid: string, n: number): StoredEvent {
  const ev = makeEvent(uid, n);
  const m = ev.master!;
  ev.role = pick(r, ['attendee', 'attendee', 'organizer', 'personal'] as const);
  ev.updatedAt = pick(r, UPDATED);
  ev.myAddress = pick(r, ['me@example.com', 'alt@example.com', null]);
  ev.cancelled = r() < 0.1;
  if (r() < 0.1) m.status = 'CANCELLED';
  m.organizer = r() < 0.15 ? null : { email: pick(r, ['org@example.com', 'me@example.com', 'mailto:ALT@example.com']), cn: pick(r, ['Org', null, 'org@example.com']), sentBy: null };
  m.attendees = Array.from({ length: Math.floor(r() * 4) }, () => ({
    email: pick(r, ADDRESSES), cn: null, partstat: pick(r, PARTSTATS) as string, role: 'REQ-PARTICIPANT', rsvp: true, cutype: null, delegatedTo: [], delegatedFrom: [], sentBy: null,
  }));
  if (r() < 0.2) {
    m.end = null;
    m.duration = pick(r, ['PT30M', 'P1D', 'P99999999999W', 'P2W']);
    if (r() < 0.3) m.start = { value: '2026-03-02', tzid: null, allDay: true, floating: false, utc: null };
  }
  if (r() < 0.1) {
    ev.pending.push({ id: `p${n}`, kind: pick(r, ['counter', 'party-crasher', 'refresh'] as const), from: 'x@example.com', recurrenceId: null, ics: HELD, receivedAt: '2026-01-05T00:00:00Z', summary: 'p' });
  }
  if (r() < 0.05) {
    // Only held: no component of its own yet (the list shows the held invitation's).
    ev.master = null;
    ev.pending = [{ id: `h${n}`, kind: 'new-invitation', from: 'org@example.com', recurrenceId: null, ics: HELD, receivedAt: '2026-01-05T00:00:00Z', summary: 'held' }];
  }
  return ev;
}

function randomEntry(r: () => number, key: string): ThreadEntry {
  return {
    key,
    method: pick(r, ['REQUEST', 'REQUEST', 'REPLY', 'CANCEL', null]),
    from: 'org@example.com',
    subject: 's',
    date: pick(r, DATES),
    action: pick(r, ['created', 'updated', 'stale', 'cancelled', 'applied']),
    reason: 'r',
  };
}

const FILTERS: InvitationFilter[] = ['all', 'received', 'organized', 'pending'];
const PENDING = new Set(['needs-response', 'updated', 'needs-decision']);
function inFilter(s: InvitationSummary, f: InvitationFilter): boolean {
  if (f === 'all') return true;
  if (f === 'organized') return s.role === 'organizer' || s.role === 'personal';
  if (f === 'received') return s.role === 'attendee';
  return PENDING.has(s.badge);
}

/** The list as computed from every event: what the store's rows must give. */
function expected(s: CalendarStore, me: readonly string[]): InvitationSummary[] {
  return listView(s.each(), (uid) => s.thread(uid), ctxFor(me));
}

/** The whole list and pages of every filter at offsets around the page edges, against the computed list. */
function expectSameList(s: CalendarStore, me: readonly string[], r: () => number, label: string): void {
  const want = expected(s, me);
  const ctx = ctxFor(me);
  expect(invitationList(s, ctx), `${label}: whole list; ${seedNote}`).toEqual(want);
  const counts = Object.fromEntries(FILTERS.map((f) => [f, want.filter((x) => inFilter(x, f)).length]));
  for (const filter of FILTERS) {
    const list = want.filter((x) => inFilter(x, filter));
    const offsets = [0, 1, Math.floor(r() * (list.length + 5)), Math.max(0, list.length - 3), list.length, list.length + 10];
    for (const offset of offsets) {
      const limit = pick(r, [0, 1, 7, 100, 600]);
      const page = invitationPage(s, { offset, limit, filter }, ctx);
      const at = Math.min(offset, list.length);
      expect(page, `${label}: ${filter} page at ${offset}+${limit}; ${seedNote}`).toEqual({
        items: list.slice(at, at + Math.min(limit, 500)),
        offset: at,
        total: list.length,
        pending: counts.pending,
        counts,
      });
    }
  }
}

async function randomStore(dir: string, r: () => number, n: number): Promise<{ s: CalendarStore; uids: string[] }> {
  const s = await CalendarStore.open(dir);
  const uids = [...new Set(Array.from({ length: n }, () => randomUid(r)))];
  let key = 0;
  for (let i = 0; i < uids.length; i += 25) {
    const batch = uids.slice(i, i + 25).flatMap((uid, j) => {
      const entries = Array.from({ length: Math.floor(r() * 3) }, () => ({ type: 'thread' as const, uid, entry: randomEntry(r, `k${key++}`) }));
      return [{ type: 'put' as const, event: randomEvent(r, uid, i + j) }, ...entries];
    });
    await s.commit(batch);
  }
  // A thread without an event is not in the list.
  await s.addToThread('no-event-here', randomEntry(r, 'orphan'));
  return { s, uids };
}

describe('the invitation list from the store rows', () => {
  it('equals the list computed from every event, through updates, cancels, deletes and threads, reopen and new addresses', async () => {
    const r = rng(SEED);
    const dir = tmp();
    let { s, uids } = await randomStore(dir, r, 300);
    expectSameList(s, ME, r, 'written');

    for (let round = 0; round < 4; round++) {
      for (let k = 0; k < 40; k++) {
        const uid = pick(r, uids);
        const what = r();
        if (what < 0.3) await s.put(randomEvent(r, uid, k));
        else if (what < 0.45) {
          const ev = s.get(uid);
          if (ev) await s.put({ ...ev, cancelled: true });
        } else if (what < 0.55) await s.delete(uid);
        else if (what < 0.85) await s.addToThread(uid, randomEntry(r, `round${round}-${k}`));
        else {
          // The same message processed again: its entry is replaced in place (a later outcome).
          const t = s.thread(uid);
          if (t.length) await s.addToThread(uid, { ...randomEntry(r, t[0]!.key) });
        }
      }
      // Several changes in one commit, the same UID touched twice (put then thread, thread then delete).
      const a = pick(r, uids);
      const b = pick(r, uids);
      await s.commit([
        { type: 'thread', uid: a, entry: randomEntry(r, `multi-a-${round}`) },
        { type: 'put', event: randomEvent(r, a, round) },
        { type: 'thread', uid: b, entry: randomEntry(r, `multi-b-${round}`) },
        { type: 'delete', uid: b },
      ]);
      expectSameList(s, ME, r, `round ${round}`);
    }

    // Other addresses: the badges follow them (and are kept for them across reopen).
    expectSameList(s, ['alt@example.com'], r, 'other address');
    expectSameList(s, ['ALT@example.com', 'mailto:me@example.com'], r, 'two addresses');
    await s.close();
    s = await CalendarStore.open(dir);
    expectSameList(s, ['alt@example.com', 'me@example.com'], r, 'reopened');
    await s.put(randomEvent(r, 'after-reopen', 1));
    expectSameList(s, ME, r, 'written after reopen');

    // A reader (the CLI beside the app) gets the same list, and sees the writer's later commits.
    const reader = await CalendarStore.open(dir, { readOnly: true });
    expectSameList(reader, ME, r, 'reader');
    await s.put(randomEvent(r, 'seen-by-reader', 2));
    await s.delete(uids[0]!);
    expect(invitationList(reader, ctxFor(ME)).some((x) => x.uid === 'seen-by-reader'), seedNote).toBe(true);
    expectSameList(reader, ME, r, 'reader after a commit');
    await reader.close();
    await s.close();
  }, 60_000);

  it('is built on the first open of a store written before the rows existed, from every event and thread', async () => {
    const r = rng(SEED ^ 0x5eed);
    const dir = tmp();
    const { s } = await randomStore(dir, r, 150);
    const before = invitationList(s, ctxFor(ME));
    await s.close();
    // The store as the version before the rows left it: no table, no mark.
    const db = new Database(join(dir, STORE_FILES.db));
    db.exec("DROP TABLE summaries; DELETE FROM meta WHERE key IN ('summaries', 'summary_me')");
    db.close();
    const again = await CalendarStore.open(dir);
    expect(invitationList(again, ctxFor(ME)), seedNote).toEqual(before);
    expectSameList(again, ME, r, 'migrated');
    await again.close();
    // Read-only first (the CLI never migrates): the reader builds its own rows.
    const db2 = new Database(join(dir, STORE_FILES.db));
    db2.exec("DROP TABLE summaries; DELETE FROM meta WHERE key IN ('summaries', 'summary_me')");
    db2.close();
    const reader = await CalendarStore.open(dir, { readOnly: true });
    expectSameList(reader, ME, r, 'reader of an old store');
    await reader.close();
  }, 60_000);

  it('is built when a snapshot+journal store migrates', async () => {
    const dir = join(tmp(), 'legacy');
    cpSync(join(root, 'test/fixtures/legacy-store'), dir, { recursive: true });
    const s = await CalendarStore.open(dir);
    const list = invitationList(s, ctxFor(ME));
    expect(list.map((x) => x.uid).sort()).toEqual(['legacy-0', 'legacy-1', 'legacy-2', 'legacy-3', 'legacy-4', 'legacy-5', 'legacy-6', 'legacy-8']);
    expect(list.find((x) => x.uid === 'legacy-1')?.badge).toBe('cancelled');
    expectSameList(s, ME, rng(SEED), 'legacy');
    await s.close();
  });

  it('a page reads only its rows: the first screen of a big store needs no event parsed', async () => {
    const dir = tmp();
    const s = await CalendarStore.open(dir);
    await s.commit(Array.from({ length: 3000 }, (_, i) => ({ type: 'put' as const, event: { ...makeEvent(`e${i}`, i), updatedAt: `2026-01-${String(1 + (i % 28)).padStart(2, '0')}T00:00:00Z` } })));
    await s.close();
    const again = await CalendarStore.open(dir);
    const parsed = (again as unknown as { parsed: Map<string, unknown> }).parsed;
    const page = invitationPage(again, { offset: 0, limit: 100 }, ctxFor(ME));
    expect(page.items).toHaveLength(100);
    expect(page.total).toBe(3000);
    expect(parsed.size).toBe(0);
    expect(page.items).toEqual(expected(again, ME).slice(0, 100));
    await again.close();
  });

  it('a DURATION no date can hold gives no end instead of throwing (the list, and every commit, used to fail on it)', async () => {
    const ev = makeEvent('huge-duration', 1);
    ev.master = { ...ev.master!, end: null, duration: 'P99999999999W' };
    expect(endOf(ev.master)).toBeNull();
    const allDay = { ...ev.master, duration: null, start: { value: 'not a date', tzid: null, allDay: true, floating: false, utc: null } };
    expect(endOf(allDay)).toBeNull();
    const s = await CalendarStore.open(tmp());
    await s.put(ev);
    expect(invitationList(s, ctxFor(ME))).toMatchObject([{ uid: 'huge-duration', end: null }]);
    await s.close();
  });
});
