// The fuzz corpus: case `i` of seed `s` is a pure function of (s, i), so any case a run reports can be replayed
// alone (`npm run fuzz -- --seed S --only I`). Generated and mutated messages: mutations of the real-world corpus,
// hostile RRULEs, deep MIME, huge property values, broken charsets, many overrides. runCase drives the engine as the
// app does: readInput → processRead (validate + decide) → expandAgendaReport, and reports anything thrown out of it
// (the engine must never throw: bad input becomes a problem code or a decision).
import { expandAgendaReport } from '../shared/itip/agenda';
import { readInput } from '../shared/itip/message';
import { processRead } from '../shared/itip/process';
import type { DecideContext, StoredEvent } from '../shared/itip/types';
import { mulberry32 } from '../test/prng';

export interface FuzzCase {
  index: number;
  kind: string;
  filename: string;
  bytes: Uint8Array;
}

/** mulberry32 (test/prng.ts): small, fast, seedable. */
export const rng = mulberry32;

const enc = new TextEncoder();

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

function int(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

const FREQS = ['SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY', 'FORTNIGHTLY', ''];

function hostileRule(r: () => number): string {
  const parts = [`FREQ=${pick(r, FREQS)}`];
  const maybe = (p: number, s: () => string) => {
    if (r() < p) parts.push(s());
  };
  maybe(0.6, () => `BYMONTH=${pick(r, ['2', '4,6,9,11', '13', '0', '-1', '2,2,2', '1,2,3,4,5,6,7,8,9,10,11,12'])}`);
  maybe(0.6, () => `BYMONTHDAY=${pick(r, ['31', '30', '-30', '29', '0', '32', '-31', '1,31', '99999'])}`);
  maybe(0.3, () => `BYDAY=${pick(r, ['MO', '5MO', '-5FR', '53MO', 'XX', 'MO,TU,WE,TH,FR,SA,SU', '+1SU'])}`);
  maybe(0.2, () => `BYYEARDAY=${pick(r, ['366', '-366', '0', '367', '1'])}`);
  maybe(0.2, () => `BYWEEKNO=${pick(r, ['53', '-53', '0', '54'])}`);
  maybe(0.2, () => `BYSETPOS=${pick(r, ['40', '-40', '0', '1'])}`);
  maybe(0.2, () => `BYHOUR=${pick(r, ['25', '0', '23', '-1'])}`);
  maybe(0.2, () => `INTERVAL=${pick(r, ['0', '-1', '1000000', '2', '999999999999'])}`);
  maybe(0.2, () => `COUNT=${pick(r, ['0', '-1', '1000000000', '5'])}`);
  maybe(0.2, () => `UNTIL=${pick(r, ['20991231T000000Z', '19000101', 'garbage', '20260101T000000Z'])}`);
  maybe(0.1, () => `WKST=${pick(r, ['MO', 'XX'])}`);
  return parts.join(';');
}

function vevent(r: () => number, uid: string, extra: string[]): string[] {
  return [
    'BEGIN:VEVENT', `UID:${uid}`, `SEQUENCE:${int(r, 0, 3)}`, 'DTSTAMP:20260101T000000Z', `DTSTART:2026${String(int(r, 1, 12)).padStart(2, '0')}${String(int(r, 1, 28)).padStart(2, '0')}T090000Z`,
    'DURATION:PT1H', 'SUMMARY:Fuzz', 'ORGANIZER:mailto:org@example.com', 'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:me@example.com', ...extra, 'END:VEVENT',
  ];
}

function calendar(method: string, comps: string[][]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Convene fuzz//EN', `METHOD:${method}`, ...comps.flat(), 'END:VCALENDAR', ''].join('\r\n');
}

function mail(ics: string, ct = 'text/calendar; charset=utf-8; method=REQUEST', from = 'org@example.com'): string {
  return `From: ${from}\r\nTo: me@example.com\r\nSubject: fuzz\r\nMIME-Version: 1.0\r\nContent-Type: ${ct}\r\n\r\n${ics}`;
}

function deepMime(r: () => number, depth: number, inner: string): string {
  let body = `Content-Type: text/calendar; method=REQUEST\r\n\r\n${inner}`;
  for (let d = 0; d < depth; d++) {
    const b = `b${d}x${int(r, 0, 1e6)}`;
    const type = pick(r, ['multipart/mixed', 'multipart/alternative', 'message/rfc822', 'multipart/related']);
    body = type === 'message/rfc822'
      ? `Content-Type: message/rfc822\r\n\r\nFrom: x@y\r\n${body}`
      : `Content-Type: ${type}; boundary="${b}"\r\n\r\n--${b}\r\nContent-Type: text/plain\r\n\r\nhi\r\n--${b}\r\n${body}\r\n--${b}--\r\n`;
  }
  return `From: org@example.com\r\nTo: me@example.com\r\nSubject: deep\r\nMIME-Version: 1.0\r\n${body}`;
}

function mutate(r: () => number, src: Uint8Array, other: Uint8Array | undefined): Uint8Array {
  const b = Array.from(src);
  const n = int(r, 1, 8);
  for (let k = 0; k < n && b.length > 0; k++) {
    const at = int(r, 0, b.length - 1);
    switch (int(r, 0, 7)) {
      case 0: b[at] = int(r, 0, 255); break; // byte flip
      case 1: b.splice(at, int(r, 1, 64)); break; // delete a run
      case 2: b.splice(at, 0, ...Array.from(enc.encode(pick(r, ['\r', '\n', '\r\n ', '\r\r\n ', ':', ';', '"', '=?utf-8?b?', '--', 'BEGIN:VEVENT\r\n', 'END:VCALENDAR\r\n', '\u202e', '\0'])))); break;
      case 3: b.length = at; break; // truncate
      case 4: { const len = int(r, 1, 200); b.splice(at, 0, ...b.slice(at, at + len)); break; } // duplicate a run
      case 5: if (other) b.splice(at, 0, ...Array.from(other.subarray(int(r, 0, other.length - 1), int(r, 0, other.length)))); break; // splice
      case 6: b.splice(at, 0, ...Array.from(enc.encode(`RRULE:${hostileRule(r)}\r\n`))); break;
      default: b.splice(at, 0, ...Array.from(enc.encode(`RDATE;VALUE=PERIOD:20260305T120000Z/PT${int(r, -5, 5)}H\r\n`))); break;
    }
  }
  return Uint8Array.from(b);
}

/** Case `index` of `seed`. `corpus`: the real-world files (may be empty). */
export function makeCase(seed: number, index: number, corpus: readonly { name: string; bytes: Uint8Array }[]): FuzzCase {
  const r = rng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const roll = r();
  const uid = `fuzz-${index}@example.com`;
  const c = (kind: string, text: string | Uint8Array, filename = 'case.eml'): FuzzCase => ({ index, kind, filename, bytes: typeof text === 'string' ? enc.encode(text) : text });
  if (corpus.length > 0 && roll < 0.75) {
    const f = pick(r, corpus);
    return c(`corpus-mutation:${f.name}`, mutate(r, f.bytes, pick(r, corpus).bytes), f.name);
  }
  if (roll < 0.753) return c('hostile-rrule', mail(calendar('REQUEST', [vevent(r, uid, [`RRULE:${hostileRule(r)}`])])));
  if (roll < 0.78) {
    const rules = ['FREQ=DAILY;COUNT=10', 'FREQ=WEEKLY;BYDAY=MO,WE', 'FREQ=MONTHLY;BYMONTHDAY=31', 'FREQ=YEARLY'];
    return c('rrule-rdate', mail(calendar(pick(r, ['REQUEST', 'PUBLISH', 'CANCEL', 'REPLY']), [vevent(r, uid, [`RRULE:${pick(r, rules)}`, `RDATE:2026030${int(r, 1, 9)}T090000Z`, `EXDATE:2026030${int(r, 1, 9)}T090000Z`])])));
  }
  if (roll < 0.83) return c('deep-mime', deepMime(r, int(r, 5, 120), calendar('REQUEST', [vevent(r, uid, [])])));
  if (roll < 0.84) {
    const size = int(r, 10_000, 300_000);
    const big = pick(r, ['A', 'é', '\\n', ',', ';', '\u202e'])!.repeat(size);
    return c('huge-value', mail(calendar('REQUEST', [vevent(r, uid, [`DESCRIPTION:${big}`, `X-BIG;${'P=1;'.repeat(int(r, 1, 2000))}X=1:${big.slice(0, 1000)}`])])));
  }
  if (roll < 0.92) {
    const charset = pick(r, ['utf-7', 'x-unknown', 'utf-16', 'iso-2022-jp', 'windows-1252', '"', '', 'utf-8; charset=latin1']);
    const bytes = Uint8Array.from(Array.from({ length: int(r, 10, 400) }, () => int(r, 0, 255)));
    const head = enc.encode(mail(calendar('REQUEST', [vevent(r, uid, ['SUMMARY:'])])).replace('charset=utf-8', `charset=${charset}`).replace('SUMMARY:\r\n', 'SUMMARY:'));
    const at = head.length - 60;
    return c('broken-charset', Uint8Array.from([...head.subarray(0, at), ...bytes, ...head.subarray(at)]));
  }
  if (roll < 0.924) {
    const n = int(r, 100, 1500);
    const comps = [vevent(r, uid, ['RRULE:FREQ=DAILY'])];
    for (let i = 0; i < n; i++) {
      const day = new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
      comps.push(vevent(r, uid, [`RECURRENCE-ID${r() < 0.05 ? ';RANGE=THISANDFUTURE' : ''}:${day}T090000Z`]));
    }
    return c('many-overrides', mail(calendar('REQUEST', comps)));
  }
  if (roll < 0.97) {
    const from = pick(r, ['"<org@example.com>" <evil@x>', 'org@example.com, evil@x', 'G: org@example.com;', '', '=?utf-8?q?org@example.com?= <e@x>', '(org@example.com) e@x', '<<<>>>', '"unterminated <org@example.com>']);
    return c('hostile-from', mail(calendar(pick(r, ['REQUEST', 'CANCEL', 'REPLY']), [vevent(r, uid, [])]), undefined, from));
  }
  // Random bytes around a skeleton.
  return c('noise', mutate(r, enc.encode(mail(calendar('REQUEST', [vevent(r, uid, [])]))), undefined), r() < 0.5 ? 'case.ics' : 'case.eml');
}

const CTX: DecideContext = { me: ['me@example.com'], policy: 'always', knownContacts: [], now: '2026-03-01T12:00:00Z' };

export interface CaseResult {
  ok: boolean;
  error?: string;
  stage?: string;
}

/** Drives one case through the engine; anything thrown is a crash (the engine promises it never throws). */
export async function runCase(fc: FuzzCase): Promise<CaseResult> {
  let stage = 'readInput';
  try {
    const read = await readInput(fc.bytes, fc.filename);
    stage = 'decide';
    const d = processRead(read.itip, read.problems, undefined as StoredEvent | undefined, CTX);
    if (!d || typeof d.action !== 'string') return { ok: false, stage, error: 'decision without an action' };
    if (d.next) {
      stage = 'decide(again)';
      processRead(read.itip, read.problems, d.next, CTX);
      stage = 'agenda';
      expandAgendaReport([d.next], '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z');
    }
    return { ok: true };
  } catch (err) {
    return { ok: false, stage, error: err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 300) : String(err).slice(0, 300) };
  }
}
