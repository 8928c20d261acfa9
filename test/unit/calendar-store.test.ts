import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CalendarStore, STORE_FILES, type StoreChangeEvent } from '../../electron/store/calendar-store';
import { spanOf } from '../../electron/store/event-span';
import { AppError } from '../../shared/errors';
import { expandAgenda } from '../../shared/itip/agenda';
import { parseCalendar } from '../../shared/itip/parse';
import type { StoredEvent } from '../../shared/itip/types';
import { VTIMEZONE_WINDOWS_1601, buildEvent, fixtureEvent, makeEvent, rng, storedEvent } from './store-fixtures';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'convene-store-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A stored event from iCalendar text, as the engine would store it. */
function fromIcs(text: string): StoredEvent {
  const cal = parseCalendar(text);
  const master = cal.components.find((c) => c.recurrenceId === null) ?? null;
  return storedEvent((master ?? cal.components[0]!).uid!, master, cal.components.filter((c) => c.recurrenceId !== null), cal.vtimezones);
}

const SERIES_WITH_OVERRIDES = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//test//EN',
  VTIMEZONE_WINDOWS_1601,
  'BEGIN:VEVENT',
  'UID:series-ov',
  'DTSTAMP:20260101T000000Z',
  'DTSTART;TZID=W. Europe Standard Time:20260105T090000',
  'DTEND;TZID=W. Europe Standard Time:20260105T093000',
  'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=30',
  'EXDATE;TZID=W. Europe Standard Time:20260119T090000',
  'SUMMARY:Standup',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:series-ov',
  'DTSTAMP:20260101T000000Z',
  'RECURRENCE-ID;TZID=W. Europe Standard Time:20260202T090000',
  'DTSTART;TZID=W. Europe Standard Time:20260130T160000',
  'DTEND;TZID=W. Europe Standard Time:20260130T170000',
  'SUMMARY:Standup (moved to Friday, across a month)',
  'END:VEVENT',
  'BEGIN:VEVENT',
  'UID:series-ov',
  'DTSTAMP:20260101T000000Z',
  'RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=W. Europe Standard Time:20260406T090000',
  'DTSTART;TZID=W. Europe Standard Time:20260406T100000',
  'DTEND;TZID=W. Europe Standard Time:20260406T110000',
  'SUMMARY:Standup (later from April)',
  'END:VEVENT',
  'END:VCALENDAR',
].join('\r\n');

const ALL_DAY_ENDLESS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//test//EN',
  'BEGIN:VEVENT',
  'UID:birthday',
  'DTSTAMP:20260101T000000Z',
  'DTSTART;VALUE=DATE:20200131',
  'RRULE:FREQ=YEARLY',
  'SUMMARY:Birthday',
  'END:VEVENT',
  'END:VCALENDAR',
].join('\r\n');

describe('CalendarStore (SQLite)', () => {
  it('round-trips events, processed records and threads across reopen', async () => {
    const dir = tmp();
    const s = await CalendarStore.open(dir);
    const changes: StoreChangeEvent[] = [];
    const off = s.onChange((c) => changes.push(c));
    await s.put(makeEvent('a', 1));
    await s.put(makeEvent('b', 2));
    await s.markProcessed('k1', { action: 'created', uid: 'a', reason: 'new', at: '2026-01-01T00:00:00Z', messageId: '<m1@x>' });
    await s.addToThread('a', { key: 'k1', method: 'REQUEST', from: 'org@example.com', subject: 'Hi', date: null, action: 'created', reason: 'new' });
    await s.addToThread('a', { key: 'k2', method: 'CANCEL', from: 'org@example.com', subject: 'Off', date: null, action: 'cancelled', reason: 'gone' });
    await s.addToThread('a', { key: 'k1', method: 'REQUEST', from: 'org@example.com', subject: 'Hi', date: null, action: 'duplicate', reason: 'again' });
    expect(await s.delete('b')).toBe(true);
    expect(await s.delete('nope')).toBe(false);
    off();
    await s.put(makeEvent('c', 3));
    expect(changes.map((c) => c.uids.concat(c.processed, c.threads))).toEqual([['a'], ['b'], ['k1'], ['a'], ['a'], ['a'], ['b']]);
    await s.close();

    const r = await CalendarStore.open(dir);
    expect(r.all().map((e) => e.uid)).toEqual(['a', 'c']);
    expect(r.get('a')).toEqual(makeEvent('a', 1));
    expect(r.get('b')).toBeUndefined();
    expect(r.has('c')).toBe(true);
    expect(r.has('b')).toBe(false);
    expect(r.size).toBe(2);
    expect(r.processedRecord('k1')).toMatchObject({ action: 'created', uid: 'a', messageId: '<m1@x>' });
    // The same message twice is one thread entry, in its first place; the later outcome wins.
    expect(r.thread('a').map((t) => [t.key, t.action])).toEqual([
      ['k1', 'duplicate'],
      ['k2', 'cancelled'],
    ]);
    expect(r.thread('zzz')).toEqual([]);
    expect(r.stats()).toMatchObject({ events: 2, processed: 1, threads: 1 });
    await r.close();
  });

  it('keeps its own copy: mutating the object passed to put changes nothing', async () => {
    const s = await CalendarStore.open(tmp());
    const ev = makeEvent('a');
    await s.put(ev);
    ev.cancelled = true;
    expect(s.get('a')?.cancelled).toBe(false);
    await s.close();
  });

  it('commits a batch in one transaction and rejects an invalid batch without writing any of it', async () => {
    const dir = tmp();
    const s = await CalendarStore.open(dir);
    await s.commit([
      { type: 'put', event: makeEvent('x') },
      { type: 'processed', key: 'h1', record: { action: 'created', uid: 'x', reason: 'r', at: 'now' } },
      { type: 'thread', uid: 'x', entry: { key: 'h1', method: 'REQUEST', from: null, subject: null, date: null, action: 'created', reason: 'r' } },
    ]);
    await expect(s.commit([{ type: 'put', event: makeEvent('y') }, { type: 'put', event: { ...makeEvent(''), uid: '' } }])).rejects.toMatchObject({ code: 'STORE_IO' });
    expect(s.get('y')).toBeUndefined();
    await s.close();
    await expect(s.put(makeEvent('late'))).rejects.toBeInstanceOf(AppError);
    const r = await CalendarStore.open(dir);
    expect(r.all().map((e) => e.uid)).toEqual(['x']);
    expect(r.processedRecord('h1')?.uid).toBe('x');
    await r.close();
  });

  it('stores each VTIMEZONE once, not per event, and gives every event its zones back', async () => {
    const dir = tmp();
    const s = await CalendarStore.open(dir);
    const events = Array.from({ length: 40 }, (_, i) => buildEvent(`w${i}`, i, Date.UTC(2026, 2, 1 + i, 9), 30, 'windows', null));
    await s.commit(events.map((event) => ({ type: 'put' as const, event })));
    await s.close();
    const db = new Database(join(dir, STORE_FILES.db), { readonly: true });
    expect(db.prepare('SELECT count(*) FROM zones').pluck().get()).toBe(1);
    expect(db.prepare("SELECT count(*) FROM events WHERE data LIKE '%BEGIN:VTIMEZONE%'").pluck().get()).toBe(0);
    db.close();
    const r = await CalendarStore.open(dir, { readOnly: true });
    expect(r.get('w7')).toEqual(events[7]);
    expect(r.all().every((e) => e.vtimezones.length === 1 && e.vtimezones[0] === VTIMEZONE_WINDOWS_1601)).toBe(true);
    await r.close();
  });

  it('window() reads only the series whose span touches the window, and never misses one with an occurrence there', async () => {
    const dir = tmp();
    const s = await CalendarStore.open(dir);
    const random = rng(7);
    const events = Array.from({ length: 150 }, (_, i) => fixtureEvent(i, random));
    events.push(fromIcs(SERIES_WITH_OVERRIDES), fromIcs(ALL_DAY_ENDLESS));
    await s.commit(events.map((event) => ({ type: 'put' as const, event })));
    // Endless rules are open-ended; COUNT and UNTIL rules end.
    expect(spanOf(fromIcs(ALL_DAY_ENDLESS)).hi).toBe(Infinity);
    expect(spanOf(events[19]!).hi).toBeLessThan(Infinity); // FREQ=WEEKLY;COUNT=...;BYDAY=..
    const seed = 1234;
    const pick = rng(seed);
    for (let k = 0; k < 15; k++) {
      const from = Date.UTC(2022, 10, 1) + Math.floor(pick() * 6 * 365) * 86_400_000;
      const to = from + (1 + Math.floor(pick() * 40)) * 86_400_000;
      const [f, t] = [new Date(from).toISOString(), new Date(to).toISOString()];
      const inWindow = new Set(s.window(f, t).map((e) => e.uid));
      const needed = new Set(expandAgenda(s.all(), f, t).map((o) => o.uid));
      for (const uid of needed) expect(inWindow.has(uid), `seed ${seed}: ${uid} missing from window ${f}..${t}`).toBe(true);
      expect(inWindow.size, `seed ${seed}: window ${f}..${t} read every event`).toBeLessThan(events.length / 2);
      expect(inWindow.has('birthday')).toBe(true);
    }
    await s.close();
  }, 180_000);

  it('window() after writes gives the current events: held ones by rowid, a reused rowid, an update, a delete', async () => {
    const dir = tmp();
    let s = await CalendarStore.open(dir);
    const random = rng(21);
    const events = Array.from({ length: 40 }, (_, i) => fixtureEvent(i, random));
    await s.commit(events.map((event) => ({ type: 'put' as const, event })));
    await s.close();
    s = await CalendarStore.open(dir);
    const ALL: [string, string] = ['1990-01-01T00:00:00Z', '2090-01-01T00:00:00Z'];
    const uids = () => s.window(...ALL).map((e) => e.uid);
    expect(uids()).toEqual(events.map((e) => e.uid)); // read from the rows: now held by rowid
    // The last row deleted, a new event takes its rowid (SQLite reuses the largest); another one updated.
    const last = events[events.length - 1]!;
    await s.commit([{ type: 'delete', uid: last.uid }]);
    const fresh = { ...fixtureEvent(1000, random), uid: 'fresh@example.com' };
    await s.commit([{ type: 'put', event: fresh }]);
    const changed = structuredClone(s.get(events[3]!.uid)!);
    changed.master!.summary = 'Changed';
    await s.commit([{ type: 'put', event: changed }]);
    const want = [...events.slice(0, -1).map((e) => e.uid), 'fresh@example.com'];
    expect(uids()).toEqual(want);
    expect(s.window(...ALL).find((e) => e.uid === events[3]!.uid)!.master!.summary).toBe('Changed');
    // Twice more (now mostly held, then all held): the same answer, equal to a reader's fresh decoding.
    expect(uids()).toEqual(want);
    const reader = await CalendarStore.open(dir, { readOnly: true });
    expect(s.window(...ALL)).toEqual(reader.window(...ALL));
    await reader.close();
    await s.close();
  });

  it('expand() gives exactly expandAgenda\'s occurrences, from its per-series cache, and forgets a series when it changes', async () => {
    const dir = tmp();
    const s = await CalendarStore.open(dir);
    const random = rng(11);
    const events = Array.from({ length: 90 }, (_, i) => fixtureEvent(i, random));
    events.push(fromIcs(SERIES_WITH_OVERRIDES), fromIcs(ALL_DAY_ENDLESS));
    await s.commit(events.map((event) => ({ type: 'put' as const, event })));
    const seed = 99;
    const pick = rng(seed);
    const windows: [string, string][] = [
      ['2026-01-01T00:00:00Z', '2026-06-01T00:00:00Z'], // the moved override, the this-and-future change
      ['2026-01-30T00:00:00Z', '2026-02-03T00:00:00Z'],
      ['2026-01-31', '2026-02-01'],
    ];
    for (let k = 0; k < 12; k++) {
      const from = Date.UTC(2023, 0, 1) + Math.floor(pick() * 5 * 365) * 86_400_000 + Math.floor(pick() * 24) * 3_600_000;
      windows.push([new Date(from).toISOString(), new Date(from + (1 + Math.floor(pick() * 45)) * 86_400_000).toISOString()]);
    }
    for (const [f, t] of windows) {
      const want = expandAgenda(s.all(), f, t);
      expect(s.expand(s.window(f, t), f, t), `seed ${seed}: ${f}..${t}`).toEqual(want);
      // Twice: the second answer comes from the cache and is the same.
      expect(s.expand(s.window(f, t), f, t)).toEqual(want);
    }
    const before = s.expand(s.window('2026-01-01', '2026-03-01'), '2026-01-01', '2026-03-01').filter((o) => o.uid === 'series-ov');
    expect(before.map((o) => o.summary)).toContain('Standup (moved to Friday, across a month)');
    const changed = fromIcs(SERIES_WITH_OVERRIDES.replace(/SUMMARY:Standup\r\n/, 'SUMMARY:Daily\r\n'));
    await s.put(changed);
    const after = s.expand(s.window('2026-01-01', '2026-03-01'), '2026-01-01', '2026-03-01').filter((o) => o.uid === 'series-ov');
    expect(after.length).toBe(before.length);
    expect(after.filter((o) => o.summary === 'Daily').length).toBe(before.filter((o) => o.summary === 'Standup').length);
    await s.delete('series-ov');
    expect(s.expand(s.window('2026-01-01', '2026-03-01'), '2026-01-01', '2026-03-01').some((o) => o.uid === 'series-ov')).toBe(false);
    await s.close();
  }, 180_000);

  it("locks the store: a second opener gets STORE_IO naming the pid; a dead owner's lock is taken over", async () => {
    const dir = tmp();
    const s = await CalendarStore.open(dir);
    const err = await CalendarStore.open(dir, { lockWaitMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('STORE_IO');
    expect((err as AppError).message).toContain(`store is in use by pid ${process.pid}`);
    const waiting = CalendarStore.open(dir, { lockWaitMs: 3_000 });
    setTimeout(() => void s.close(), 150);
    const w = await waiting;
    await w.close();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, STORE_FILES.lock), `${child.pid}\n`);
      await expect(CalendarStore.open(dir, { lockWaitMs: 100 })).rejects.toThrow(`store is in use by pid ${child.pid}`);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    const t = await CalendarStore.open(dir, { lockWaitMs: 100 });
    expect(readFileSync(join(dir, STORE_FILES.lock), 'utf8').trim()).toBe(String(process.pid));
    await t.close();
    expect(existsSync(join(dir, STORE_FILES.lock))).toBe(false);
  });

  it('opens read-only beside a writer, sees its commits, refuses writes; a store never written reads empty', async () => {
    const dir = tmp();
    const w = await CalendarStore.open(dir);
    await w.put(makeEvent('a'));
    await w.put(makeEvent('b'));
    const r = await CalendarStore.open(dir, { readOnly: true });
    expect(r.all().map((e) => e.uid)).toEqual(['a', 'b']);
    await expect(r.put(makeEvent('c'))).rejects.toMatchObject({ code: 'STORE_IO', message: expect.stringContaining('read-only') });
    await r.close();
    expect(readFileSync(join(dir, STORE_FILES.lock), 'utf8').trim()).toBe(String(process.pid)); // still the writer's
    await w.close();
    const none = join(dir, 'never');
    expect((await CalendarStore.open(none, { readOnly: true })).size).toBe(0);
    expect(existsSync(none)).toBe(false);
  });

  it('reports an unusable directory as STORE_IO', async () => {
    const dir = tmp();
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    await expect(CalendarStore.open(join(file, 'sub'))).rejects.toMatchObject({ code: 'STORE_IO' });
    await expect(CalendarStore.open(file, { readOnly: true })).rejects.toMatchObject({ code: 'STORE_IO' });
  });

  it('handles concurrent writes in call order', async () => {
    const s = await CalendarStore.open(tmp());
    await Promise.all(Array.from({ length: 200 }, (_, i) => s.put(makeEvent(`c${i}`, i))));
    await Promise.all([s.put({ ...makeEvent('same'), myAddress: 'first@example.com' }), s.put({ ...makeEvent('same'), myAddress: 'last@example.com' })]);
    expect(s.size).toBe(201);
    expect(s.get('same')?.myAddress).toBe('last@example.com');
    await s.close();
  });

  it('holds 20,000 events written in batches and reads them back after reopen', async () => {
    const dir = tmp();
    const N = 20_000;
    const s = await CalendarStore.open(dir);
    for (let i = 0; i < N; i += 1000) {
      await s.commit(Array.from({ length: 1000 }, (_, j) => ({ type: 'put' as const, event: makeEvent(`big-${i + j}`, i + j) })));
    }
    for (let i = 0; i < 50; i++) await s.put(makeEvent(`big-${i}`, i + 1));
    await s.close();
    const r = await CalendarStore.open(dir);
    expect(r.size).toBe(N);
    expect(r.get('big-49')?.master?.sequence).toBe(50 % 5);
    expect(r.get(`big-${N - 1}`)?.uid).toBe(`big-${N - 1}`);
    expect(r.all()).toHaveLength(N);
    // Streamed 1,000 rows at a time, in the same order, with other reads between batches.
    const streamed: string[] = [];
    for (const ev of r.each()) {
      streamed.push(ev.uid);
      if (streamed.length % 1000 === 0) expect(r.thread(ev.uid)).toEqual([]);
    }
    expect(streamed).toEqual(r.all().map((e) => e.uid));
    await r.close();
  }, 120_000);
});
