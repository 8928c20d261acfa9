// The command line end to end: `node bin/convene.mjs ...` after building dist/cli.mjs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const corpus = process.env.CONVENE_CORPUS ?? resolve(root, '../shared/corpus');
const haveCorpus = existsSync(join(corpus, 'MANIFEST.tsv'));
let work: string;

function convene(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin/convene.mjs'), ...args], { cwd: work, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

let messageNo = 0;
function eml(opts: { from: string; method: string; body: string[]; subject?: string }): string {
  const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Convene test//EN', `METHOD:${opts.method}`, ...opts.body, 'END:VCALENDAR', ''].join('\r\n');
  return [
    `From: ${opts.from}`,
    'To: me@example.com',
    `Subject: ${opts.subject ?? opts.method}`,
    'Date: Mon, 05 Jan 2026 10:00:00 +0000',
    `Message-ID: <cli-test-${++messageNo}@example.com>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Invitation',
    '',
    '--b1',
    `Content-Type: text/calendar; charset=utf-8; method=${opts.method}`,
    '',
    ics,
    '--b1--',
    '',
  ].join('\r\n');
}

const EVENT = (seq: number, extra: string[] = []) => [
  'BEGIN:VEVENT',
  'UID:cli-test-1@example.com',
  `SEQUENCE:${seq}`,
  `DTSTAMP:2026010${seq + 1}T100000Z`,
  'DTSTART:20260110T090000Z',
  'DTEND:20260110T100000Z',
  'RRULE:FREQ=DAILY;COUNT=3',
  'SUMMARY:Planning',
  'ORGANIZER;CN=Org:mailto:org@example.com',
  'ATTENDEE;PARTSTAT=ACCEPTED;ROLE=CHAIR:mailto:org@example.com',
  'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;ROLE=REQ-PARTICIPANT:mailto:me@example.com',
  ...extra,
  'END:VEVENT',
];

beforeAll(() => {
  const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--cli'], { cwd: root, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  work = mkdtempSync(join(tmpdir(), 'convene-cli-'));
  writeFileSync(join(work, 'request.eml'), eml({ from: 'Org <org@example.com>', method: 'REQUEST', body: EVENT(0) }));
  writeFileSync(join(work, 'cancel.eml'), eml({ from: 'Org <org@example.com>', method: 'CANCEL', body: EVENT(1, ['STATUS:CANCELLED']) }));
  writeFileSync(join(work, 'forged-cancel.eml'), eml({ from: 'Mallory <mallory@evil.example>', method: 'CANCEL', body: EVENT(5, ['STATUS:CANCELLED']) }));
  writeFileSync(join(work, 'garbage.eml'), 'this is not a mail message at all\n\u0000\u0001binary');
  writeFileSync(join(work, 'broken.ics'), 'BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:garbage\r\n');
  // A clean outgoing REQUEST: every line within 75 octets.
  writeFileSync(
    join(work, 'good-outgoing.eml'),
    eml({
      from: 'me@example.com',
      method: 'REQUEST',
      body: [
        'BEGIN:VEVENT',
        'UID:good-1@example.com',
        'SEQUENCE:0',
        'DTSTAMP:20260101T000000Z',
        'DTSTART:20260110T090000Z',
        'DTEND:20260110T100000Z',
        'SUMMARY:Review',
        'ORGANIZER:mailto:me@example.com',
        'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.com',
        'END:VEVENT',
      ],
    }),
  );
  // An outgoing message that breaks MUSTs: no method parameter (RFC 6047 §2.4) and no ORGANIZER.
  writeFileSync(
    join(work, 'bad-outgoing.eml'),
    eml({ from: 'me@example.com', method: 'REQUEST', body: ['BEGIN:VEVENT', 'UID:bad-1', 'DTSTAMP:20260101T000000Z', 'DTSTART:20260110T090000Z', 'SUMMARY:x', 'END:VEVENT'] }).replace(
      '; method=REQUEST',
      '',
    ),
  );
}, 60_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('convene CLI', () => {
  it('--help prints usage and exits 0', () => {
    const r = convene('--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('usage: convene');
    for (const c of ['inspect', 'lint', 'process', 'calendar', 'agenda']) expect(r.out).toContain(c);
  });

  it('usage errors exit 2 with one line on stderr', () => {
    for (const args of [[], ['frobnicate'], ['inspect'], ['inspect', 'a', 'b'], ['inspect', 'x.eml', '--bogus'], ['process', 'x.eml'], ['process', '--store', 's', 'x.eml'], ['process', '--store', 's', '--me', 'me@example.com', '--policy', 'maybe', 'request.eml'], ['agenda', '--store', 's', '--from', 'yesterday', '--to', '2026-01-01'], ['calendar']]) {
      const r = convene(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.out).toBe('');
    }
  });

  it('unreadable files exit 2 with one line on stderr', () => {
    for (const args of [['inspect', 'missing.eml'], ['lint', 'missing.eml'], ['inspect', '.'], ['process', '--store', 'st-unreadable', '--me', 'me@example.com', 'request.eml', 'missing.eml']]) {
      const r = convene(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/cannot read/);
    }
    // The process run stopped before touching the store: nothing was applied.
    expect(JSON.parse(convene('calendar', '--store', 'st-unreadable').out)).toEqual([]);
  });

  it('inspect describes an invitation, with --me details', () => {
    const r = convene('inspect', 'request.eml', '--me', 'ME@example.com');
    expect(r.code).toBe(0);
    const o = JSON.parse(r.out);
    expect(o).toMatchObject({
      imip: true,
      method: 'REQUEST',
      methodParam: 'REQUEST',
      uid: 'cli-test-1@example.com',
      sequence: 0,
      recurrenceId: null,
      organizer: 'org@example.com',
      summary: 'Planning',
      start: '2026-01-10T09:00:00Z',
      end: '2026-01-10T10:00:00Z',
      timezone: 'UTC',
      myPartstat: 'NEEDS-ACTION',
      addressedToMe: true,
    });
    expect(o.attendees).toContainEqual({ email: 'me@example.com', partstat: 'NEEDS-ACTION', role: 'REQ-PARTICIPANT', rsvp: true });
    expect(Array.isArray(o.problems)).toBe(true);
  });

  it('inspect never crashes on garbage: exit 0, imip false', () => {
    for (const f of ['garbage.eml', 'broken.ics']) {
      const r = convene('inspect', f);
      expect(r.code, f).toBe(0);
      expect(JSON.parse(r.out).imip === false || JSON.parse(r.out).problems.length > 0).toBe(true);
    }
    expect(JSON.parse(convene('inspect', 'garbage.eml').out).imip).toBe(false);
  });

  it.skipIf(!haveCorpus)('inspect reads a bare event file without METHOD: imip false, still the event', () => {
    const files = readdirSync(join(corpus, 'ics'));
    expect(files.length).toBeGreaterThan(0);
    writeFileSync(
      join(work, 'plain.ics'),
      ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//x//EN', 'BEGIN:VEVENT', 'UID:plain-1', 'DTSTAMP:20260101T000000Z', 'DTSTART;VALUE=DATE:20260301', 'SUMMARY:Day off', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'),
    );
    const o = JSON.parse(convene('inspect', 'plain.ics').out);
    expect(o).toMatchObject({ imip: false, method: null, uid: 'plain-1', summary: 'Day off', start: '2026-03-01', end: '2026-03-02', timezone: null, sequence: 0 });
  });

  it('lint: human lines by default, {problems} with --json, exit 1 on errors', () => {
    const human = convene('lint', 'bad-outgoing.eml');
    expect(human.code).toBe(1);
    expect(human.out).toMatch(/error no-method-param/);
    const j = convene('lint', 'bad-outgoing.eml', '--json');
    expect(j.code).toBe(1);
    const { problems } = JSON.parse(j.out);
    expect(problems).toContainEqual(expect.objectContaining({ code: 'no-method-param', severity: 'error' }));
    const good = convene('lint', 'good-outgoing.eml', '--json');
    expect(JSON.parse(good.out).problems.filter((p: { severity: string }) => p.severity === 'error')).toEqual([]);
    expect(good.code).toBe(0);
  });

  it('process: REQUEST, CANCEL, forged CANCEL (rejected, store unchanged), and the same file twice (duplicate)', () => {
    const store = 'st-main';
    const me = ['--store', store, '--me', 'me@example.com', '--policy', 'always'];
    const lines = (r: { out: string }) => r.out.trim().split('\n').map((l) => JSON.parse(l));

    const r1 = convene('process', ...me, 'request.eml');
    expect(r1.code).toBe(0);
    expect(lines(r1)).toEqual([{ file: 'request.eml', action: 'created', uid: 'cli-test-1@example.com', reason: expect.any(String) }]);
    const cal1 = JSON.parse(convene('calendar', '--store', store).out);
    expect(cal1).toEqual([
      {
        uid: 'cli-test-1@example.com',
        sequence: 0,
        status: null,
        summary: 'Planning',
        start: '2026-01-10T09:00:00Z',
        end: '2026-01-10T10:00:00Z',
        organizer: 'org@example.com',
        attendees: [
          { email: 'org@example.com', partstat: 'ACCEPTED' },
          { email: 'me@example.com', partstat: 'NEEDS-ACTION' },
        ],
      },
    ]);
    const ag = convene('agenda', '--store', store, '--from', '2026-01-01T00:00:00Z', '--to', '2026-02-01T00:00:00Z');
    expect(ag.code).toBe(0);
    expect(JSON.parse(ag.out).map(({ attendees: _a, ...row }: Record<string, unknown>) => row)).toEqual([
      { uid: 'cli-test-1@example.com', recurrenceId: '2026-01-10T09:00:00Z', start: '2026-01-10T09:00:00Z', end: '2026-01-10T10:00:00Z', summary: 'Planning', status: null },
      { uid: 'cli-test-1@example.com', recurrenceId: '2026-01-11T09:00:00Z', start: '2026-01-11T09:00:00Z', end: '2026-01-11T10:00:00Z', summary: 'Planning', status: null },
      { uid: 'cli-test-1@example.com', recurrenceId: '2026-01-12T09:00:00Z', start: '2026-01-12T09:00:00Z', end: '2026-01-12T10:00:00Z', summary: 'Planning', status: null },
    ]);

    // Twice: the same bytes are a duplicate, and nothing changes.
    const dup = convene('process', ...me, 'request.eml');
    expect(lines(dup)[0]).toMatchObject({ action: 'duplicate', uid: 'cli-test-1@example.com' });

    // A forged CANCEL from someone who is not the organizer: rejected, the calendar as it was.
    const forged = convene('process', ...me, 'forged-cancel.eml');
    expect(forged.code).toBe(0);
    expect(lines(forged)[0]).toMatchObject({ file: 'forged-cancel.eml', action: 'rejected' });
    expect(JSON.parse(convene('calendar', '--store', store).out)).toEqual(cal1);

    // Bad input in the same run: not-imip, never a crash, store unchanged.
    const bad = convene('process', ...me, 'garbage.eml', 'broken.ics');
    expect(bad.code).toBe(0);
    for (const l of lines(bad)) expect(['not-imip', 'rejected']).toContain(l.action);
    expect(JSON.parse(convene('calendar', '--store', store).out)).toEqual(cal1);

    // The organizer's CANCEL: cancelled, and gone from the agenda.
    const c = convene('process', ...me, 'cancel.eml');
    expect(lines(c)[0]).toMatchObject({ action: 'cancelled', uid: 'cli-test-1@example.com' });
    const cal2 = JSON.parse(convene('calendar', '--store', store).out);
    expect(cal2[0]).toMatchObject({ uid: 'cli-test-1@example.com', status: 'CANCELLED', sequence: 1 });
    expect(JSON.parse(convene('agenda', '--store', store, '--from', '2026-01-01', '--to', '2026-02-01').out)).toEqual([]);
  });

  it('process applies several files in order in one run, with the known policy', () => {
    const r = convene('process', '--store', 'st-order', '--me', 'me@example.com', '--known', 'org@example.com', 'request.eml', 'cancel.eml', 'request.eml');
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n').map((l) => JSON.parse(l).action)).toEqual(['created', 'cancelled', 'duplicate']);
    // Unknown organizer under the default 'known' policy: the event is not silently added.
    const u = convene('process', '--store', 'st-unknown', '--me', 'me@example.com', 'request.eml');
    expect(JSON.parse(u.out.trim()).action).not.toBe('created');
  });

  it('a store in use by another process is reported in one line, exit 2', async () => {
    const { CalendarStore } = await import('../../electron/store/calendar-store');
    const s = await CalendarStore.open(join(work, 'st-locked'));
    try {
      const r = convene('process', '--store', 'st-locked', '--me', 'me@example.com', 'request.eml');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/store is in use by pid \d+/);
      expect(r.err.trimEnd().split('\n')).toHaveLength(1);
      // Readers do not need the lock: calendar and agenda work while the app holds the store.
      const c = convene('calendar', '--store', 'st-locked');
      expect(c.code).toBe(0);
      expect(JSON.parse(c.out)).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
