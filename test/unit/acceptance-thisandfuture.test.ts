// Acceptance: RECURRENCE-ID;RANGE=THISANDFUTURE through the `convene` command line, as a subprocess, on the messages
// in test/fixtures/thisandfuture/: a weekly series (8 Mondays from 2 March 2026, 10:00 Europe/Berlin, across the
// 29 March DST change), then a CANCEL or a REQUEST for the third occurrence and all later ones (RFC 5545 §3.8.4.4).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const fixtures = join(root, 'test/fixtures/thisandfuture');
let tmp: string;
let storeN = 0;

function convene(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/convene.mjs'), ...args], { cwd: fixtures, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function processFiles(store: string, ...files: string[]): any[] {
  const r = convene('process', '--store', store, '--me', 'bob@example.com', '--policy', 'always', ...files);
  expect(r.code, r.err).toBe(0);
  return r.out.trim().split('\n').map((l) => JSON.parse(l));
}

function agenda(store: string): any[] {
  const r = convene('agenda', '--store', store, '--from', '2026-03-01T00:00:00Z', '--to', '2026-06-01T00:00:00Z');
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out);
}

function calendar(store: string): any[] {
  const r = convene('calendar', '--store', store);
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out);
}

const newStore = (): string => join(tmp, `store-${++storeN}`);
const UID = 'taf-weekly@example.com';

beforeAll(() => {
  const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--cli'], { cwd: root, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  tmp = mkdtempSync(join(tmpdir(), 'convene-thisandfuture-'));
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('RANGE=THISANDFUTURE from the command line', () => {
  it('CANCEL from the third occurrence: the agenda shows exactly the first two', () => {
    const s = newStore();
    expect(processFiles(s, 'weekly-request.eml').map((l) => l.action)).toEqual(['created']);
    expect(agenda(s)).toHaveLength(8);
    const [c] = processFiles(s, 'cancel-from-3rd.eml');
    expect(c).toMatchObject({ action: 'cancelled', uid: UID });
    expect(c.reason).toContain('2026-03-16T09:00:00Z and following');
    expect(agenda(s).map(({ attendees: _a, ...row }: Record<string, unknown>) => row)).toEqual([
      { uid: UID, recurrenceId: '2026-03-02T09:00:00Z', start: '2026-03-02T10:00:00+01:00', end: '2026-03-02T11:00:00+01:00', summary: 'Weekly sync', status: null },
      { uid: UID, recurrenceId: '2026-03-09T09:00:00Z', start: '2026-03-09T10:00:00+01:00', end: '2026-03-09T11:00:00+01:00', summary: 'Weekly sync', status: null },
    ]);
    // The calendar still lists the (shorter) series, not a cancelled event; the CANCEL's SEQUENCE is the event's.
    const [row] = calendar(s);
    expect(row).toMatchObject({ uid: UID, sequence: 1, status: null, summary: 'Weekly sync', start: '2026-03-02T10:00:00+01:00' });
    // Processing the same mail again changes nothing.
    expect(processFiles(s, 'cancel-from-3rd.eml')[0].action).toBe('duplicate');
    expect(agenda(s)).toHaveLength(2);
    // The original invitation delivered late is older than the CANCEL: it does not bring the occurrences back.
    const late = newStore();
    processFiles(late, 'weekly-request.eml', 'cancel-from-3rd.eml');
    expect(agenda(late)).toHaveLength(2);
  });

  it('REQUEST moving the third and later occurrences one hour: 1–2 at the old time, 3+ at the new (across DST)', () => {
    const s = newStore();
    processFiles(s, 'weekly-request.eml');
    const [u] = processFiles(s, 'move-from-3rd.eml');
    expect(u).toMatchObject({ action: 'updated', uid: UID });
    expect(u.reason).toContain('2026-03-16T09:00:00Z and following rescheduled');
    const occ = agenda(s);
    expect(occ.map((o: any) => [o.start, o.end, o.summary])).toEqual([
      ['2026-03-02T10:00:00+01:00', '2026-03-02T11:00:00+01:00', 'Weekly sync'],
      ['2026-03-09T10:00:00+01:00', '2026-03-09T11:00:00+01:00', 'Weekly sync'],
      ['2026-03-16T11:00:00+01:00', '2026-03-16T12:00:00+01:00', 'Weekly sync (new time)'],
      ['2026-03-23T11:00:00+01:00', '2026-03-23T12:00:00+01:00', 'Weekly sync (new time)'],
      ['2026-03-30T11:00:00+02:00', '2026-03-30T12:00:00+02:00', 'Weekly sync (new time)'],
      ['2026-04-06T11:00:00+02:00', '2026-04-06T12:00:00+02:00', 'Weekly sync (new time)'],
      ['2026-04-13T11:00:00+02:00', '2026-04-13T12:00:00+02:00', 'Weekly sync (new time)'],
      ['2026-04-20T11:00:00+02:00', '2026-04-20T12:00:00+02:00', 'Weekly sync (new time)'],
    ]);
    // Each occurrence keeps its original RECURRENCE-ID (the instance it replaces).
    expect(occ.map((o: any) => o.recurrenceId.slice(0, 10))).toEqual([
      '2026-03-02', '2026-03-09', '2026-03-16', '2026-03-23', '2026-03-30', '2026-04-06', '2026-04-13', '2026-04-20',
    ]);
    // The series row is unchanged (Bob's answer to the first two still stands).
    const [row] = calendar(s);
    expect(row).toMatchObject({ uid: UID, summary: 'Weekly sync', start: '2026-03-02T10:00:00+01:00' });
    expect(row.attendees.find((a: any) => a.email === 'bob@example.com')?.partstat).toBe('ACCEPTED');
  });
});
