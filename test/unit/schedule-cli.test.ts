// `convene schedule` driven as an external suite would: a subprocess over .ics files, every fixture of
// test/fixtures/schedule through the real command line, plus the documented exit codes and output shape.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMessage, loadScheduleCases, SCHEDULE_NOW } from '../fixtures/schedule/load';

const root = resolve(__dirname, '../..');
let tmp: string;

interface Run {
  code: number;
  out: string;
  err: string;
}

function convene(...args: string[]): Run {
  const r = spawnSync(process.execPath, [join(root, 'bin/convene.mjs'), ...args], { cwd: tmp, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

function oneLineOnStderr(r: Run, code: number): void {
  expect(r.code, r.err).toBe(code);
  expect(r.out).toBe('');
  expect(r.err.endsWith('\n')).toBe(true);
  expect(r.err.trimEnd().split('\n')).toHaveLength(1);
}

beforeAll(() => {
  const b = spawnSync(process.execPath, [join(root, 'scripts/build.mjs'), '--cli'], { cwd: root, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  tmp = mkdtempSync(join(tmpdir(), 'convene-schedule-'));
}, 120_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('convene schedule: every fixture through the command line', () => {
  for (const c of loadScheduleCases()) {
    it(c.name, () => {
      const args: string[] = [];
      if (c.old !== null) {
        writeFileSync(join(tmp, `${c.name}-old.ics`), c.old);
        args.push('--old', `${c.name}-old.ics`);
      }
      if (c.new !== null) {
        writeFileSync(join(tmp, `${c.name}-new.ics`), c.new);
        args.push('--new', `${c.name}-new.ics`);
      }
      const r = convene('schedule', ...args, ...c.me.flatMap((m) => ['--me', m]), '--now', SCHEDULE_NOW);
      if (!Array.isArray(c.expect)) {
        oneLineOnStderr(r, 1);
        expect(r.err).toContain(c.expect.refused);
        return;
      }
      expect(r.code, r.err).toBe(0);
      expect(r.err).toBe('');
      const want = c.expect;
      const out = JSON.parse(r.out);
      expect(Array.isArray(out)).toBe(true);
      expect(out).toHaveLength(c.expect.length);
      out.forEach((m: any, i: number) => {
        expect(Object.keys(m).sort()).toEqual(['ics', 'method', 'recipient', 'sender', 'sequence', 'significantChange', 'uid']);
        expect(m.sender).toBe(m.sender.toLowerCase());
        expect(m.sender).not.toMatch(/^mailto:/i);
        expect(m.recipient).not.toMatch(/^mailto:/i);
        checkMessage(c, i, m, want[i]!);
      });
    });
  }
});

describe('convene schedule: usage and refusals', () => {
  it('prints [] when nothing is due', () => {
    const c = loadScheduleCases().find((x) => x.name.startsWith('02-'))!;
    writeFileSync(join(tmp, 'solo.ics'), c.new!);
    const r = convene('schedule', '--new', 'solo.ics', '--me', 'alice@example.com');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual([]);
  });

  it('without --now, DTSTAMP is the current time', () => {
    const c = loadScheduleCases().find((x) => x.name.startsWith('01-'))!;
    writeFileSync(join(tmp, 'invite.ics'), c.new!);
    const before = Date.now() - 1000;
    const r = convene('schedule', '--new', 'invite.ics', '--me', 'alice@example.com');
    expect(r.code, r.err).toBe(0);
    const stamp = /DTSTAMP:(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(JSON.parse(r.out)[0].ics)!;
    const ms = Date.UTC(+stamp[1]!, +stamp[2]! - 1, +stamp[3]!, +stamp[4]!, +stamp[5]!, +stamp[6]!);
    expect(ms).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
  });

  it('usage errors exit 2 with one line', () => {
    oneLineOnStderr(convene('schedule', '--new', 'x.ics'), 2); // no --me
    oneLineOnStderr(convene('schedule', '--me', 'a@example.com'), 2); // neither --old nor --new
    oneLineOnStderr(convene('schedule', '--new', 'missing.ics', '--me', 'a@example.com'), 2); // unreadable
    oneLineOnStderr(convene('schedule', '--new', 'x.ics', '--me', 'a@example.com', '--now', 'yesterday'), 2);
    oneLineOnStderr(convene('schedule', '--bogus'), 2);
  });

  it('a file that is not iCalendar is refused: exit 1, one line', () => {
    writeFileSync(join(tmp, 'junk.ics'), 'this is not a calendar');
    const r = convene('schedule', '--new', 'junk.ics', '--me', 'a@example.com');
    oneLineOnStderr(r, 1);
    expect(r.err).toContain('invalid-ics');
  });
});
