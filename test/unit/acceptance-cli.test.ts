// Acceptance: the `convene` command line driven as an external suite would, as a subprocess, on hand-written
// messages in test/fixtures/acceptance/. Each test checks the documented field names and types, not just actions.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const fixtures = join(root, 'test/fixtures/acceptance');
const corpus = process.env.CONVENE_CORPUS ?? resolve(root, '../shared/corpus');
const haveCorpus = existsSync(join(corpus, 'MANIFEST.tsv'));
let tmp: string;
let storeN = 0;

interface Run {
  code: number;
  out: string;
  err: string;
}

function convene(...args: string[]): Run {
  const r = spawnSync(process.execPath, [join(root, 'bin/convene.mjs'), ...args], { cwd: fixtures, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const newStore = (): string => join(tmp, `store-${++storeN}`);
const json = (r: Run): any => JSON.parse(r.out);
const lines = (r: Run): any[] => r.out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const actions = (r: Run): string[] => lines(r).map((l) => l.action);

function process_(store: string, me: string[], files: string[], extra: string[] = []): Run {
  const r = convene('process', '--store', store, ...me.flatMap((m) => ['--me', m]), ...extra, ...files);
  expect(r.code, r.err).toBe(0);
  return r;
}
const calendar = (store: string): any[] => {
  const r = convene('calendar', '--store', store);
  expect(r.code, r.err).toBe(0);
  return json(r);
};
const agenda = (store: string, from: string, to: string): any[] => {
  const r = convene('agenda', '--store', store, '--from', from, '--to', to);
  expect(r.code, r.err).toBe(0);
  return json(r);
};
const partstat = (row: any, email: string): string | undefined => row.attendees.find((a: any) => a.email === email)?.partstat;

function expectUsage(r: Run, what: string): void {
  expect(r.code, what).toBe(2);
  expect(r.out, what).toBe('');
  expect(r.err.endsWith('\n'), what).toBe(true);
  expect(r.err.trimEnd().split('\n'), what).toHaveLength(1);
}

beforeAll(() => {
  const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--cli'], { cwd: root, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  tmp = mkdtempSync(join(tmpdir(), 'convene-acceptance-'));
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('command line contract', () => {
  it('usage errors: exit 2, exactly one stderr line, nothing on stdout', () => {
    const s = newStore();
    const cases: string[][] = [
      [],
      ['nope'],
      ['inspect'],
      ['inspect', 'req-0.eml', 'req-0-copy.eml'],
      ['inspect', 'req-0.eml', '--bogus'],
      ['inspect', 'req-0.eml', '--me'],
      ['lint'],
      ['lint', 'req-0.eml', '--frob'],
      ['process', '--store', s, 'req-0.eml'],
      ['process', '--me', 'bob@example.com', 'req-0.eml'],
      ['process', '--store', s, '--me', 'bob@example.com'],
      ['process', '--store', s, '--me', 'bob@example.com', '--policy', 'sometimes', 'req-0.eml'],
      ['process', '--store', s, '--me', 'bob@example.com', '--policy'],
      ['process', '--store', s, '--me', '', 'req-0.eml'],
      ['process', '--store', s, '--me', 'bob@example.com', '--unknown', 'req-0.eml'],
      ['calendar'],
      ['calendar', '--store', s, 'extra'],
      ['agenda', '--store', s, '--from', '2026-01-01'],
      ['agenda', '--store', s, '--to', '2026-01-01'],
      ['agenda', '--from', '2026-01-01', '--to', '2026-02-01'],
      ['agenda', '--store', s, '--from', 'tomorrow', '--to', '2026-02-01'],
      ['agenda', '--store', s, '--from', '2026-13-01', '--to', '2026-02-01'],
    ];
    for (const args of cases) expectUsage(convene(...args), args.join(' ') || '(no args)');
    // None of that created or touched a store.
    expect(existsSync(s)).toBe(false);
  });

  it('unreadable files: exit 2 with one line, and process applies nothing of the batch', () => {
    expectUsage(convene('inspect', 'does-not-exist.eml'), 'inspect missing');
    expectUsage(convene('lint', 'does-not-exist.eml'), 'lint missing');
    expectUsage(convene('inspect', '.'), 'inspect directory');
    expectUsage(convene('lint', '.'), 'lint directory');
    const s = newStore();
    expectUsage(convene('process', '--store', s, '--me', 'bob@example.com', '--policy', 'always', 'req-0.eml', 'does-not-exist.eml'), 'process missing');
    expectUsage(convene('process', '--store', s, '--me', 'bob@example.com', '--policy', 'always', 'req-0.eml', '.'), 'process directory');
    expect(calendar(s)).toEqual([]);
  });

  it('--help exits 0 with the usage on stdout', () => {
    const r = convene('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/convene/);
  });
});

describe('inspect', () => {
  it('prints one object with every documented field, of the documented type', () => {
    const r = convene('inspect', 'req-0.eml');
    expect(r.code).toBe(0);
    const o = json(r);
    for (const k of ['imip', 'method', 'methodParam', 'uid', 'sequence', 'recurrenceId', 'organizer', 'attendees', 'summary', 'start', 'end', 'timezone', 'problems']) {
      expect(o, k).toHaveProperty(k);
    }
    expect(o).toMatchObject({
      imip: true,
      method: 'REQUEST',
      methodParam: 'REQUEST',
      uid: 'acc-1@example.com',
      sequence: 0,
      recurrenceId: null,
      organizer: 'alice@example.com', // written MAILTO:Alice@Example.COM
      summary: 'Planning',
      start: '2026-03-10T10:00:00+01:00',
      end: '2026-03-10T11:00:00+01:00',
      timezone: 'Europe/Berlin',
    });
    expect(typeof o.sequence).toBe('number');
    expect(o.attendees).toEqual([
      { email: 'alice@example.com', partstat: 'ACCEPTED', role: 'CHAIR', rsvp: false },
      { email: 'bob@example.com', partstat: 'NEEDS-ACTION', role: 'REQ-PARTICIPANT', rsvp: true },
      { email: 'carol@example.com', partstat: 'NEEDS-ACTION', role: 'OPT-PARTICIPANT', rsvp: true },
    ]);
    expect(Array.isArray(o.problems)).toBe(true);
    for (const p of o.problems) expect(Object.keys(p).sort()).toEqual(['code', 'message', 'severity']);
  });

  it('Windows TZID without a VTIMEZONE is Europe/Berlin, +01:00 in winter; with one, +02:00 in summer', () => {
    const w = json(convene('inspect', 'rec-req.eml'));
    expect(w).toMatchObject({ timezone: 'Europe/Berlin', start: '2026-03-02T09:00:00+01:00', end: '2026-03-02T09:30:00+01:00' });
    const s = json(convene('inspect', 'windows-tz-vtimezone.ics'));
    expect(s).toMatchObject({ imip: true, methodParam: null, timezone: 'Europe/Berlin', start: '2026-07-01T09:00:00+02:00', end: '2026-07-01T10:00:00+02:00' });
  });

  it('all-day dates are YYYY-MM-DD (end defaults to the next day); floating times have no offset and no zone', () => {
    expect(json(convene('inspect', 'allday.ics'))).toMatchObject({ start: '2026-04-01', end: '2026-04-02', timezone: null });
    expect(json(convene('inspect', 'floating.ics'))).toMatchObject({ start: '2026-04-01T09:00:00', end: '2026-04-01T10:00:00', timezone: null });
  });

  it('several VEVENTs: the master is described, even when an override comes first', () => {
    expect(json(convene('inspect', 'override-first.ics'))).toMatchObject({
      uid: 'acc-multi@example.com',
      recurrenceId: null,
      summary: 'Series',
      sequence: 1,
      start: '2026-04-02T08:00:00Z',
      timezone: 'UTC',
    });
  });

  it('a calendar without METHOD is an event file, not a scheduling message', () => {
    expect(json(convene('inspect', 'event-file-no-method.ics'))).toMatchObject({ imip: false, method: null, uid: 'acc-nomethod@example.com' });
  });

  it('finds the calendar at any depth and in any encoding', () => {
    const cases: [string, Record<string, unknown>][] = [
      ['forwarded-rfc822.eml', { imip: true, method: 'REQUEST', uid: 'acc-fwd-rfc822@example.com' }],
      ['inline-plus-attachment.eml', { imip: true, uid: 'acc-twice@example.com', methodParam: 'REQUEST' }],
      ['latin1-base64.eml', { imip: true, summary: 'Réunion café' }],
      ['qp.eml', { imip: true, summary: 'Café meeting with a very long summary line that goes on and on and on beyond seventy six characters' }],
      ['base64-utf8.eml', { imip: true, summary: 'Überprüfung ✓' }],
      ['single-part-lf.eml', { imip: true, methodParam: 'REQUEST', uid: 'acc-single@example.com' }],
      ['octet-ics.eml', { imip: true, methodParam: 'REQUEST', uid: 'acc-octet@example.com' }],
    ];
    for (const [f, want] of cases) {
      const r = convene('inspect', f);
      expect(r.code, f).toBe(0);
      expect(json(r), f).toMatchObject(want);
    }
    // The same object inline and as invite.ics is one invitation: no duplicate-invitation problems.
    const both = json(convene('inspect', 'inline-plus-attachment.eml'));
    expect(both.problems.filter((p: any) => p.severity === 'error')).toEqual([]);
  });

  it('garbage, empty and huge inputs: exit 0, imip false, never a crash', () => {
    for (const f of ['garbage.bin', 'empty.eml', 'huge-line.eml']) {
      const r = convene('inspect', f);
      expect(r.code, f).toBe(0);
      expect(json(r), f).toMatchObject({ imip: false, method: null, uid: null, sequence: 0 });
    }
  });

  it('validation codes show up in problems', () => {
    expect(json(convene('inspect', 'req-no-uid.eml')).problems).toContainEqual(expect.objectContaining({ code: 'missing-uid', severity: 'error' }));
    expect(json(convene('inspect', 'reply-two-attendees.eml')).problems).toContainEqual(expect.objectContaining({ code: 'reply-multiple-attendees' }));
    expect(json(convene('inspect', 'cancel-mallory.eml')).problems).toContainEqual(expect.objectContaining({ code: 'organizer-mismatch' }));
    expect(json(convene('inspect', 'lint-method-mismatch.eml')).problems).toContainEqual(expect.objectContaining({ code: 'method-mismatch' }));
  });
});

describe('lint', () => {
  it('exit 0 and {problems: []} for a clean message; human text by default', () => {
    const j = convene('lint', 'lint-clean.eml', '--json');
    expect(j.code).toBe(0);
    expect(json(j)).toEqual({ problems: [] });
    const h = convene('lint', 'lint-clean.eml');
    expect(h.code).toBe(0);
    expect(() => JSON.parse(h.out)).toThrow();
  });

  it('exit 1 on errors, each code once, with --json or not', () => {
    const cases: [string, string][] = [
      ['lint-no-method-param.eml', 'no-method-param'],
      ['lint-method-mismatch.eml', 'method-mismatch'],
      ['lint-no-attendee.eml', 'no-attendee'],
    ];
    for (const [f, code] of cases) {
      const j = convene('lint', f, '--json');
      expect(j.code, f).toBe(1);
      const { problems } = json(j);
      expect(problems, f).toContainEqual(expect.objectContaining({ code, severity: 'error' }));
      expect(problems.filter((p: any) => p.code === code), f).toHaveLength(1);
      const h = convene('lint', f);
      expect(h.code, f).toBe(1);
      expect(h.out, f).toContain(code);
    }
  });
});

describe('process / calendar / agenda', () => {
  it('every line is exactly {file, action, uid, reason}', () => {
    const s = newStore();
    const r = process_(s, ['bob@example.com'], ['req-0.eml', 'garbage.bin'], ['--policy', 'always']);
    for (const l of lines(r)) {
      expect(Object.keys(l).sort()).toEqual(['action', 'file', 'reason', 'uid']);
      expect(typeof l.reason).toBe('string');
    }
    expect(lines(r).map((l) => [l.file, l.action, l.uid])).toEqual([
      ['req-0.eml', 'created', 'acc-1@example.com'],
      ['garbage.bin', 'not-imip', null],
    ]);
    const cal = calendar(s);
    expect(cal).toHaveLength(1);
    expect(Object.keys(cal[0]).sort()).toEqual(['attendees', 'end', 'organizer', 'sequence', 'start', 'status', 'summary', 'uid']);
    for (const a of cal[0].attendees) expect(Object.keys(a).sort()).toEqual(['email', 'partstat']);
  });

  it('attendee: SEQUENCE wins, then DTSTAMP; equal both is duplicate; reschedule resets my answer', () => {
    const s = newStore();
    const me = ['MAILTO:Bob@Example.com'];
    expect(actions(process_(s, me, ['req-0.eml'], ['--policy', 'always']))).toEqual(['created']);
    expect(partstat(calendar(s)[0], 'bob@example.com')).toBe('NEEDS-ACTION');
    expect(actions(process_(s, me, ['req-0-copy.eml', 'req-0-newer-stamp.eml', 'req-0-older-stamp.eml']))).toEqual(['duplicate', 'updated', 'stale']);
    expect(calendar(s)[0]).toMatchObject({ summary: 'Planning (agenda attached)', sequence: 0 });
    // The organizer's copy says I accepted (answered elsewhere); a non-significant change keeps that.
    expect(actions(process_(s, me, ['req-1-bob-accepted.eml']))).toEqual(['updated']);
    expect(calendar(s)[0]).toMatchObject({ sequence: 1 });
    expect(partstat(calendar(s)[0], 'bob@example.com')).toBe('ACCEPTED');
    // Rescheduled (new start): my answer is needed again, whatever the message says.
    expect(actions(process_(s, me, ['req-2-reschedule.eml']))).toEqual(['updated']);
    const row = calendar(s)[0];
    expect(row).toMatchObject({ sequence: 2, start: '2026-03-11T14:00:00+01:00', end: '2026-03-11T15:00:00+01:00' });
    expect(partstat(row, 'bob@example.com')).toBe('NEEDS-ACTION');
    expect(actions(process_(s, me, ['req-1-lower.eml', 'req-2-reschedule.eml']))).toEqual(['stale', 'duplicate']);
  });

  it('a location change is a reschedule too', () => {
    const s = newStore();
    process_(s, ['bob@example.com'], ['req-0.eml', 'req-1-bob-accepted.eml'], ['--policy', 'always']);
    expect(partstat(calendar(s)[0], 'bob@example.com')).toBe('ACCEPTED');
    expect(actions(process_(s, ['bob@example.com'], ['req-2-location.eml']))).toEqual(['updated']);
    expect(partstat(calendar(s)[0], 'bob@example.com')).toBe('NEEDS-ACTION');
  });

  it('CANCEL: rejected from a stranger (calendar unchanged), applied from the SENT-BY', () => {
    const s = newStore();
    process_(s, ['bob@example.com'], ['req-0.eml'], ['--policy', 'always']);
    const before = calendar(s);
    const r = lines(process_(s, ['bob@example.com'], ['cancel-mallory.eml']));
    expect(r[0]).toMatchObject({ action: 'rejected', uid: 'acc-1@example.com' });
    expect(calendar(s)).toEqual(before);
    expect(actions(process_(s, ['bob@example.com'], ['cancel-sentby.eml']))).toEqual(['cancelled']);
    expect(calendar(s)[0]).toMatchObject({ status: 'CANCELLED', sequence: 3 });
    expect(agenda(s, '2026-03-01', '2026-04-01')).toEqual([]);
  });

  it('an update sent by the SENT-BY is applied', () => {
    const s = newStore();
    process_(s, ['bob@example.com'], ['req-0.eml'], ['--policy', 'always']);
    expect(actions(process_(s, ['bob@example.com'], ['req-3-sentby.eml']))).toEqual(['updated']);
    expect(calendar(s)[0]).toMatchObject({ summary: 'Planning (by secretary)', sequence: 3 });
  });

  it('organizer: my own REQUEST records my copy; replies change only that attendee', () => {
    const s = newStore();
    const me = ['alice@example.com'];
    const first = lines(process_(s, me, ['req-0.eml'], ['--policy', 'never']));
    expect(first[0]).toMatchObject({ action: 'created', uid: 'acc-1@example.com' });
    expect(actions(process_(s, me, ['org-reply-carol-accepted.eml']))).toEqual(['reply-applied']);
    let row = calendar(s)[0];
    expect(partstat(row, 'carol@example.com')).toBe('ACCEPTED');
    expect(partstat(row, 'bob@example.com')).toBe('NEEDS-ACTION');
    expect(partstat(row, 'alice@example.com')).toBe('ACCEPTED');
    expect(row).toMatchObject({ sequence: 0, summary: 'Planning', start: '2026-03-10T10:00:00+01:00' });
    expect(actions(process_(s, me, ['org-reply-carol-older.eml', 'org-reply-carol-same.eml']))).toEqual(['stale', 'duplicate']);
    expect(partstat(calendar(s)[0], 'carol@example.com')).toBe('ACCEPTED');
    expect(actions(process_(s, me, ['org-reply-carol-tentative.eml']))).toEqual(['reply-applied']);
    expect(partstat(calendar(s)[0], 'carol@example.com')).toBe('TENTATIVE');
    const before = calendar(s);
    expect(actions(process_(s, me, ['org-reply-dave.eml', 'org-counter-bob.eml', 'org-refresh-bob.eml']))).toEqual([
      'needs-decision',
      'needs-decision',
      'needs-decision',
    ]);
    expect(calendar(s)).toEqual(before);
    row = calendar(s)[0];
    expect(row.attendees.map((a: any) => a.email)).not.toContain('dave@example.com');
  });

  it('policy: known holds unknown organizers unless --known; always applies; never holds', () => {
    const known = newStore();
    expect(actions(process_(known, ['bob@example.com'], ['req-0.eml']))).toEqual(['needs-decision']);
    expect(calendar(known)).toEqual([]);
    expect(agenda(known, '2026-01-01', '2027-01-01')).toEqual([]);
    // Decided again once the organizer is a known contact (any case, with or without mailto:).
    expect(actions(process_(known, ['bob@example.com'], ['req-0.eml'], ['--known', 'MAILTO:ALICE@example.com']))).toEqual(['created']);
    expect(calendar(known)).toHaveLength(1);
    expect(partstat(calendar(known)[0], 'bob@example.com')).toBe('NEEDS-ACTION');
    // The event exists now: its updates apply under 'known' without --known.
    expect(actions(process_(known, ['bob@example.com'], ['req-0-newer-stamp.eml']))).toEqual(['updated']);

    const always = newStore();
    expect(actions(process_(always, ['bob@example.com'], ['req-0.eml'], ['--policy', 'always']))).toEqual(['created']);

    const never = newStore();
    expect(actions(process_(never, ['bob@example.com'], ['req-0.eml'], ['--policy', 'never', '--known', 'alice@example.com']))).toEqual(['needs-decision']);
    expect(calendar(never)).toEqual([]);
    expect(actions(process_(never, ['bob@example.com'], ['req-0-copy.eml'], ['--policy', 'never']))).toEqual(['duplicate']);
  });

  it('a REQUEST that does not list me (forwarded) needs a decision', () => {
    const s = newStore();
    expect(actions(process_(s, ['bob@example.com'], ['req-forwarded-not-me.eml', 'forwarded-rfc822.eml'], ['--policy', 'always']))).toEqual([
      'needs-decision',
      'needs-decision',
    ]);
    expect(calendar(s)).toEqual([]);
  });

  it('bad input is rejected or not-imip and leaves the store as it was', () => {
    const s = newStore();
    process_(s, ['bob@example.com'], ['req-0.eml'], ['--policy', 'always']);
    const before = calendar(s);
    const r = lines(process_(s, ['bob@example.com'], ['garbage.bin', 'empty.eml', 'huge-line.eml', 'req-no-uid.eml', 'event-file-no-method.ics'], ['--policy', 'always']));
    expect(r.map((l) => l.action)).toEqual(['not-imip', 'not-imip', 'not-imip', 'rejected', 'not-imip']);
    expect(calendar(s)).toEqual(before);
    const organizer = newStore();
    process_(organizer, ['alice@example.com'], ['req-0.eml']);
    const orgBefore = calendar(organizer);
    expect(actions(process_(organizer, ['alice@example.com'], ['reply-two-attendees.eml']))).toEqual(['rejected']);
    expect(calendar(organizer)).toEqual(orgBefore);
  });

  it('agenda: recurrences expanded in [from, to), EXDATE and cancelled occurrences left out, moved ones moved', () => {
    const s = newStore();
    process_(s, ['bob@example.com'], ['rec-req.eml'], ['--policy', 'always']);
    const all = agenda(s, '2026-03-01', '2026-05-01');
    expect(all.map((o) => o.start)).toEqual([
      '2026-03-02T09:00:00+01:00',
      '2026-03-09T09:00:00+01:00',
      // 03-16 is an EXDATE
      '2026-03-23T09:00:00+01:00',
      '2026-03-30T09:00:00+02:00',
      '2026-04-06T09:00:00+02:00',
    ]);
    for (const o of all) {
      expect(Object.keys(o).sort()).toEqual(['attendees', 'end', 'recurrenceId', 'start', 'status', 'summary', 'uid']);
      expect(o.uid).toBe('acc-rec@example.com');
    }
    expect(all[0]).toMatchObject({ recurrenceId: '2026-03-02T08:00:00Z', end: '2026-03-02T09:30:00+01:00', summary: 'Weekly' });
    // Half-open window: an occurrence starting at `from` is in, one starting at `to` is out.
    expect(agenda(s, '2026-03-09T08:00:00Z', '2026-03-23T08:00:00Z').map((o) => o.start)).toEqual(['2026-03-09T09:00:00+01:00']);
    expect(agenda(s, '2026-03-09T09:30:00+01:00', '2026-03-23T09:00:00+01:00')).toEqual([]);

    expect(actions(process_(s, ['bob@example.com'], ['rec-cancel-one.eml', 'rec-move-one.eml']))).toEqual(['cancelled', 'updated']);
    const after = agenda(s, '2026-03-01', '2026-05-01');
    expect(after.map((o) => o.start)).toEqual([
      '2026-03-02T09:00:00+01:00',
      '2026-03-09T09:00:00+01:00',
      '2026-03-24T15:00:00+01:00',
      '2026-04-06T09:00:00+02:00',
    ]);
    expect(after[2]).toMatchObject({ recurrenceId: '2026-03-23T08:00:00Z', summary: 'Weekly (moved)' });
    // The series itself is not cancelled.
    expect(calendar(s)[0].status).not.toBe('CANCELLED');
  });

  it('ADD adds an occurrence; DECLINECOUNTER is shown to the attendee (needs-decision)', () => {
    const s = newStore();
    process_(s, ['bob@example.com'], ['rec-req.eml', 'req-0.eml'], ['--policy', 'always']);
    expect(actions(process_(s, ['bob@example.com'], ['rec-add.eml', 'declinecounter.eml']))).toEqual(['updated', 'needs-decision']);
    expect(agenda(s, '2026-04-13', '2026-04-20').map(({ attendees: _a, ...row }) => row)).toEqual([
      { uid: 'acc-rec@example.com', recurrenceId: '2026-04-18T07:00:00Z', start: '2026-04-18T09:00:00+02:00', end: '2026-04-18T09:30:00+02:00', summary: 'Weekly (extra)', status: null },
    ]);
  });

  it('one invitation sent inline and as invite.ics, base64/QP/latin1 parts, a forwarded rfc822 all process', () => {
    const s = newStore();
    const r = lines(process_(s, ['bob@example.com'], ['inline-plus-attachment.eml', 'latin1-base64.eml', 'qp.eml', 'base64-utf8.eml', 'single-part-lf.eml', 'octet-ics.eml'], ['--policy', 'always']));
    expect(r.map((l) => l.action)).toEqual(['created', 'created', 'created', 'created', 'created', 'created']);
    expect(calendar(s).map((e) => e.summary)).toContain('Réunion café');
  });
});

describe.skipIf(!haveCorpus)('corpus', () => {
  const files = haveCorpus ? [...readdirSync(join(corpus, 'eml')).map((f) => join(corpus, 'eml', f)), ...readdirSync(join(corpus, 'ics')).map((f) => join(corpus, 'ics', f))] : [];

  it('every corpus file inspects with exit 0 and a well-typed object; process never crashes', () => {
    const s = newStore();
    for (const f of files) {
      const r = convene('inspect', f);
      expect(r.code, f).toBe(0);
      const o = json(r);
      expect(typeof o.imip, f).toBe('boolean');
      expect(typeof o.sequence, f).toBe('number');
      if (o.methodParam !== null) expect(o.methodParam, f).toBe(o.methodParam.toUpperCase());
      if (o.organizer !== null) expect(o.organizer, f).toBe(o.organizer.toLowerCase());
      if (o.organizer !== null) expect(o.organizer, f).not.toMatch(/^mailto:/i);
      if (o.timezone !== null) expect(() => new Intl.DateTimeFormat('en', { timeZone: o.timezone }), f).not.toThrow();
      if (o.start !== null) expect(o.start, f).toMatch(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})?)?$/);
      for (const a of o.attendees) expect(a.partstat, f).toMatch(/^[A-Z-]+$/);
    }
    const p = convene('process', '--store', s, '--me', 'bob@example.com', '--policy', 'always', ...files);
    expect(p.code, p.err).toBe(0);
    expect(lines(p)).toHaveLength(files.length);
    for (const l of lines(p)) expect(['created', 'updated', 'cancelled', 'reply-applied', 'stale', 'duplicate', 'rejected', 'needs-decision', 'not-imip']).toContain(l.action);
    expect(lines(p).filter((l) => /internal error/.test(l.reason))).toEqual([]);
    expect(convene('calendar', '--store', s).code).toBe(0);
    expect(convene('agenda', '--store', s, '--from', '1990-01-01', '--to', '2030-01-01').code).toBe(0);
  }, 120_000);

  it('a calendar left quoted-printable encoded (KDE) still gives the right PARTSTATs', () => {
    const o = json(convene('inspect', join(corpus, 'ics/kde-libkcal-counter-01.ics')));
    expect(o.attendees.map((a: any) => a.partstat)).toEqual(['NEEDS-ACTION', 'NEEDS-ACTION', 'NEEDS-ACTION', 'ACCEPTED']);
    expect(o.organizer).toBe('testusera@example.com');
  });
});
