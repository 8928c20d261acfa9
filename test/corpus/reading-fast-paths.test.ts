// The reading fast paths of issue 9 §1 give what the slow ways gave, on the corpus and on seeded random input:
//  - EventData.ics made on first read is ical.js's serialisation of the component, and the object reads (JSON, spread,
//    structuredClone) exactly as an object holding that string would;
//  - the top-level property names the parser records for validate() are the names a scan of that text finds;
//  - the one-pass base64 / quoted-printable decoders give the bytes of the regex + atob decoders they replaced.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCase } from '../../scripts/fuzz-cases';
import { parsedPropertyNames, propertyLines } from '../../shared/itip/component-text';
import { withAttendee, withRevisionAndStatus } from '../../shared/itip/event-state';
import { bytesToBinary, decodeTransfer } from '../../shared/itip/mime';
import { readInput } from '../../shared/itip/message';
import { processRead } from '../../shared/itip/process';
import { parseCalendar } from '../../shared/itip/parse';
import { fieldsOf, generalFields, isoUtc } from '../../shared/itip/parse/dates';
import { repairLines } from '../../shared/itip/parse/lines';
import { cleanTzid } from '../../shared/itip/zones/iana';
import type { EventData } from '../../shared/itip/types';
import { topLevelPropsOfText } from '../../shared/itip/validate';
import { invitationInZone } from '../fixtures/zone-zoo';
import { rng, SEED, seedNote } from '../random';

const corpus = resolve(process.env.CONVENE_CORPUS ?? join(__dirname, '../../../shared/corpus'));

function corpusFiles(): { name: string; bytes: Uint8Array }[] {
  const out: { name: string; bytes: Uint8Array }[] = [];
  for (const sub of ['eml', 'ics']) {
    const dir = join(corpus, sub);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) out.push({ name: `${sub}/${f}`, bytes: new Uint8Array(readFileSync(join(dir, f))) });
  }
  return out;
}

/** The corpus, invitations with their own zones, and fuzz mutations of the corpus (seeded). */
function inputs(): { name: string; bytes: Uint8Array }[] {
  const base = corpusFiles();
  const out = [...base];
  for (let i = 0; i < 20; i++) out.push({ name: `zone-${i}.eml`, bytes: new TextEncoder().encode(invitationInZone(i)) });
  for (let i = 0; i < 400; i++) {
    const c = makeCase(SEED, i, base);
    out.push({ name: `fuzz ${i} (${c.kind})`, bytes: c.bytes });
  }
  return out;
}

async function componentsOf(bytes: Uint8Array, name: string): Promise<EventData[]> {
  const r = await readInput(bytes, name);
  return r.calendars.flatMap((c) => c.calendar.components);
}

describe('EventData.ics made on first read', () => {
  it('is the text ical.js serialises, whenever it is read, and validate sees the names that text shows', async () => {
    let checked = 0;
    for (const f of inputs()) {
      // Read at once (as the parser did before) vs. read after inspect, validate and decide ran over the message.
      const early = (await componentsOf(f.bytes, f.name)).map((ev) => ev.ics);
      const r = await readInput(f.bytes, f.name);
      const comps = r.calendars.flatMap((c) => c.calendar.components);
      const names = comps.map((ev) => parsedPropertyNames(ev));
      const attendeeLines = comps.map((ev) => propertyLines(ev, 'attendee'));
      processRead(r.itip, r.problems, undefined, { me: ['me@example.com'], policy: 'always', knownContacts: [], now: '2026-06-01T00:00:00Z' });
      comps.forEach((ev, i) => {
        expect(names[i], `${f.name}: names recorded by the parser; ${seedNote}`).toBeTruthy();
        const text = ev.ics; // made now
        expect(text, `${f.name}; ${seedNote}`).toBe(early[i]);
        expect(text.startsWith(`BEGIN:${ev.component}\r\n`), f.name).toBe(true);
        expect([...names[i]!].sort(), `${f.name}; ${seedNote}`).toEqual([...topLevelPropsOfText(text)].sort());
        // The ATTENDEE lines made alone are the text's, unfolded, in its order (validate's reply-missing-partstat).
        const fromText = text.replace(/\r?\n[ \t]/g, '').split(/\r?\n/).filter((l) => /^ATTENDEE[;:]/i.test(l));
        expect(attendeeLines[i], `${f.name}; ${seedNote}`).toEqual(fromText);
        expect(propertyLines(ev, 'attendee')).toBeNull(); // the text exists now: the caller reads it
        // Still the parser's text: the recorded names stay in use.
        expect(parsedPropertyNames(ev)).toBe(names[i]);
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('reads as a plain string field: JSON key order, spread, structuredClone, assignment', () => {
    const text = [
      'BEGIN:VCALENDAR',
      'METHOD:REQUEST',
      'BEGIN:VEVENT',
      'UID:lazy@example.com',
      'DTSTAMP:20260101T000000Z',
      'DTSTART:20260301T090000Z',
      'SUMMARY:Lazy',
      'ORGANIZER:mailto:o@example.com',
      'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:me@example.com',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const a = parseCalendar(text).components[0]!;
    const b = parseCalendar(text).components[0]!;
    const keys = Object.keys(a);
    expect(keys[keys.length - 1]).toBe('ics');
    // JSON before and after the text is made are the same, and hold the serialisation.
    const json = JSON.stringify(a);
    expect(JSON.parse(json).ics).toContain('UID:lazy@example.com');
    expect(JSON.stringify(a)).toBe(json);
    expect(Object.getOwnPropertyDescriptor(a, 'ics')?.enumerable).toBe(true);
    expect(Object.keys(a)).toEqual(keys);
    expect({ ...b }.ics).toBe(a.ics);
    expect(structuredClone(parseCalendar(text).components[0]!)).toEqual(JSON.parse(json));
    // Assigning before the first read replaces it; the parser's names are then no longer used.
    const c = parseCalendar(text).components[0]!;
    expect(parsedPropertyNames(c)?.has('SUMMARY')).toBe(true);
    c.ics = 'BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT';
    expect(c.ics).toBe('BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT');
    expect(parsedPropertyNames(c)).toBeNull();
    // Assigning after it was made: the names follow the text again.
    b.ics = `${b.ics}`.replace('SUMMARY:Lazy\r\n', '');
    expect(parsedPropertyNames(b)).toBeNull();
  });

  it("a pending item's calendar text is made from the message as it was decided", async () => {
    const eml = new TextEncoder().encode(invitationInZone(3));
    const r = await readInput(eml, 'x.eml');
    const d = processRead(r.itip, r.problems, undefined, { me: ['me@example.com'], policy: 'known', knownContacts: [], now: '2026-06-01T00:00:00Z' });
    const item = d.next?.pending[0];
    expect(d.action).toBe('needs-decision');
    expect(item?.ics).toContain(`UID:${r.itip!.calendar.components[0]!.uid}`);
    expect(item?.ics).toContain('BEGIN:VTIMEZONE');
    expect(item?.ics.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n')).toBe(true);
  });
});

describe('a patched component text made on first read', () => {
  it('is the text made at once, for every corpus component, status/revision and attendee changes', async () => {
    let checked = 0;
    for (const f of corpusFiles()) {
      for (const ev of await componentsOf(f.bytes, f.name)) {
        // `ics` not last: the text is made at once (the way before); `ics` last (as read): made on first read.
        const { ics, ...rest } = ev;
        const eager = { ics, ...rest } as EventData;
        const email = ev.attendees[0]?.email ?? 'new@example.com';
        const changes: ((e: EventData) => EventData)[] = [
          (e) => withRevisionAndStatus(e, { status: 'CANCELLED', sequence: e.sequence + 1, dtstamp: '2026-05-01T10:00:00Z', comment: ['gone'] }),
          (e) => withAttendee(e, email, { partstat: 'ACCEPTED', rsvp: false }),
          (e) => withAttendee(withRevisionAndStatus(e, { sequence: 9 }), 'delegate@example.com', { partstat: 'NEEDS-ACTION', delegatedFrom: [email] }),
        ];
        for (const change of changes) {
          const later = change(ev);
          const now = change(eager);
          expect(Object.keys(later), f.name).toEqual(Object.keys(ev));
          expect(later.ics, f.name).toBe(now.ics);
          expect(JSON.parse(JSON.stringify(later)), f.name).toEqual(JSON.parse(JSON.stringify(now)));
          checked++;
        }
      }
    }
    if (corpusFiles().length > 0) expect(checked).toBeGreaterThan(100);
  });
});

describe('date fields read by char codes', () => {
  it('are the fields the general reader gives, on seeded random date texts', () => {
    const r = rng(SEED ^ 0x5eed);
    const pick = (s: string): string => s[Math.floor(r() * s.length)]!;
    const num = (w: number, max: number): string => String(Math.floor(r() * max)).padStart(w, '0');
    let canonical = 0;
    for (let i = 0; i < 20_000; i++) {
      let t = `${num(4, 10_000)}-${num(2, 14)}-${num(2, 33)}`;
      if (r() < 0.7) t += `T${num(2, 26)}:${num(2, 61)}:${num(2, 62)}${r() < 0.5 ? 'Z' : ''}`;
      // Damage some: a wrong separator, a letter, a space, a lower-case z, a cut.
      if (r() < 0.3) {
        const at = Math.floor(r() * t.length);
        t = t.slice(0, at) + pick('-:T Zz9a/') + t.slice(at + (r() < 0.5 ? 1 : 0));
      }
      if (r() < 0.05) t = t.slice(0, Math.floor(r() * t.length));
      if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}Z?)?$/.test(t)) canonical++;
      expect(fieldsOf(t), `${JSON.stringify(t)}; ${seedNote}`).toEqual(generalFields(t));
    }
    expect(canonical).toBeGreaterThan(5_000);
  });

  it('a UTC time reads as the Date-built instant it was read as before, leap seconds, hour 24 and Feb 29 included', () => {
    const r = rng(SEED ^ 0x7e57);
    const n = (w: number, lo: number, hi: number): string => String(lo + Math.floor(r() * (hi - lo + 1))).padStart(w, '0');
    for (let i = 0; i < 3000; i++) {
      const [y, mo, d, h, mi, s] = [n(4, 0, 9999), n(2, 1, 12), n(2, 1, 31), n(2, 0, 24), n(2, 0, 59), n(2, 0, 60)];
      const text = `BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\nDTSTART:${y}${mo}${d}T${h}${mi}${s}Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
      const start = parseCalendar(text).components[0]?.start;
      // The reference is dates.ts before the fast path: a day that does not exist rolled over (with the time, as it
      // was), then the instant of the fields through a Date and toISOString.
      const localMs = (fy: number, fmo: number, fd: number): number => {
        const t = new Date(0);
        t.setUTCFullYear(fy, fmo - 1, fd);
        t.setUTCHours(+h, +mi, +s, 0);
        return t.getTime();
      };
      let [fy, fmo, fd] = [+y, +mo, +d];
      if (new Date(Date.UTC(fy, fmo - 1, fd)).getUTCDate() !== fd) {
        const rolled = new Date(localMs(fy, fmo, fd));
        [fy, fmo, fd] = [rolled.getUTCFullYear(), rolled.getUTCMonth() + 1, rolled.getUTCDate()];
      }
      const iso = new Date(localMs(fy, fmo, fd)).toISOString().replace(/\.\d{3}Z$/, 'Z');
      expect(start?.utc, `${y}${mo}${d}T${h}${mi}${s}Z; ${seedNote}`).toBe(iso);
      expect(start?.value).toBe(iso);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The transfer decoders they replaced (mime.ts before issue 9), as the reference.

function binaryToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

function referenceDecode(body: string, enc: 'base64' | 'quoted-printable'): Uint8Array {
  if (enc === 'base64') {
    let clean = body.replace(/[^A-Za-z0-9+/]/g, '');
    clean = clean.slice(0, clean.length - (clean.length % 4 === 1 ? 1 : 0));
    while (clean.length % 4 !== 0) clean += '=';
    try {
      return binaryToBytes(atob(clean));
    } catch {
      return binaryToBytes(body);
    }
  }
  const s = body.replace(/=[ \t]*\r?\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c & 0xff);
  }
  return Uint8Array.from(out);
}

describe('one-pass transfer decoders', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n \t-_.!é\u0100\u2028';
  const qpChars = '=0123456789ABCDEFabcdefXYZ \t\r\n;:é\u00ff\u0141';

  it('decode what the regex + atob ones decoded, on seeded random bodies', () => {
    const r = rng(SEED);
    const rand = (chars: string, n: number): string => {
      let s = '';
      for (let i = 0; i < n; i++) s += chars[Math.floor(r() * chars.length)];
      return s;
    };
    for (let i = 0; i < 3000; i++) {
      const n = Math.floor(r() * 200);
      const b = rand(alphabet, n);
      expect(decodeTransfer(b, 'base64'), `base64 ${JSON.stringify(b)}; ${seedNote}`).toEqual(referenceDecode(b, 'base64'));
      const q = rand(qpChars, n);
      expect(decodeTransfer(q, 'quoted-printable'), `qp ${JSON.stringify(q)}; ${seedNote}`).toEqual(referenceDecode(q, 'quoted-printable'));
    }
    // Real encodings round-trip.
    const bytes = Uint8Array.from({ length: 1000 }, () => Math.floor(r() * 256));
    const b64 = btoa(String.fromCharCode(...bytes)).replace(/.{76}/g, '$&\r\n');
    expect(decodeTransfer(b64, 'BASE64 ')).toEqual(bytes);
    expect(decodeTransfer('caf=C3=A9 =\r\nau lait=3D', 'quoted-printable')).toEqual(new TextEncoder().encode('café au lait='));
  });

  it('decode every base64 and quoted-printable part of the corpus as before', () => {
    let parts = 0;
    for (const f of corpusFiles()) {
      const src = String.fromCharCode(...f.bytes);
      for (const enc of ['base64', 'quoted-printable'] as const) {
        if (!new RegExp(`content-transfer-encoding:\\s*${enc}`, 'i').test(src)) continue;
        // The whole message as one body: every line, header and boundary included, is input to the decoder.
        expect(decodeTransfer(src, enc), `${f.name} ${enc}`).toEqual(referenceDecode(src, enc));
        parts++;
      }
    }
    if (corpusFiles().length > 0) expect(parts).toBeGreaterThan(5);
  });
});

describe('round 3 shortcuts', () => {
  const pick = (r: () => number, list: readonly string[]): string => list[Math.floor(r() * list.length)]!;

  it('a clean TZID returned as it is: what the four-regex cleaning gives, on seeded random TZIDs', () => {
    const reference = (t: string): string => t.trim().replace(/^"+|"+$/g, '').replace(/\\,/g, ',').trim();
    const chars = ['"', ' ', '\t', '\\', ',', 'a', 'B', '/', '\u00a0', '\ufeff', '\u2028', '\n', '~', '\x7f', 'é', 'W. Europe'];
    const r = rng(SEED);
    for (let i = 0; i < 20_000; i++) {
      let t = '';
      for (let k = Math.floor(r() * 6); k > 0; k--) t += pick(r, chars);
      expect(cleanTzid(t), `${JSON.stringify(t)}; ${seedNote}`).toBe(reference(t));
    }
  });

  it("date and rule lines repaired as the full-line pattern repaired them, on seeded random lines", () => {
    // The value repair as it was written before the one-scan colon search (lines.ts fixValue).
    const DATE = new Set(['DTSTART', 'DTEND', 'DUE', 'RECURRENCE-ID', 'EXDATE', 'RDATE']);
    const reference = (line: string): string => {
      const m = /^([A-Za-z0-9-]+)((?:;(?:[^:";]|"[^"]*")*)*):(.*)$/.exec(line);
      if (!m) return line;
      const name = m[1]!.toUpperCase();
      let value = m[3]!;
      let extra = '';
      if (DATE.has(name) && !/;VALUE=/i.test(m[2]!) && /^\s*\d{8}(\s*,\s*\d{8})*\s*$/.test(value)) {
        extra = ';VALUE=DATE';
        value = value.replace(/\s+/g, '');
      }
      if (name === 'RRULE' || name === 'EXRULE') value = value.replace(/\s+/g, '');
      if (DATE.has(name) || name === 'DTSTAMP' || name === 'CREATED' || name === 'LAST-MODIFIED') value = value.trim();
      return `${m[1]}${m[2]}${extra}:${value}`;
    };
    const names = ['DTSTART', 'dtend', 'RRULE', 'EXDATE', 'RDATE', 'DTSTAMP', 'Created', 'LAST-MODIFIED', 'RECURRENCE-ID', 'DUE', 'EXRULE'];
    const parts = ['"', ':', ';', ' ', '\t', '2', '0', ',', 'T', 'Z', 'VALUE=DATE', 'TZID=', '\u2028', '\u00a0', '=', '20260310', 'FREQ=WEEKLY', ' , '];
    const r = rng(SEED);
    let checked = 0;
    for (let i = 0; i < 20_000; i++) {
      let line = pick(r, names) + pick(r, [';', ':']);
      for (let k = Math.floor(r() * 10); k > 0; k--) line += pick(r, parts);
      if (!line.includes(':') || line.trim() !== line) continue;
      const text = `BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n${line}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
      expect(repairLines(text, [])?.split('\r\n')[2], `${JSON.stringify(line)}; ${seedNote}`).toBe(reference(line));
      checked++;
    }
    expect(checked).toBeGreaterThan(5_000);
  });

  it('UTC instants written from computed fields: what toISOString writes, on seeded random instants and the edges', () => {
    const r = rng(SEED);
    const iso = (ms: number): string => `${new Date(ms).toISOString().slice(0, -5)}Z`;
    const edges = [0, 951_782_400_000, 951_868_800_000, 4_107_542_400_000, 253_402_300_799_000, 253_402_300_800_000, -1000, 1500, -62_135_596_800_000];
    for (const ms of edges) expect(isoUtc(ms), String(ms)).toBe(iso(ms));
    for (let i = 0; i < 50_000; i++) {
      const ms = Math.floor(r() * 253_402_300_800) * 1000;
      expect(isoUtc(ms), `${ms}; ${seedNote}`).toBe(iso(ms));
    }
  });

  it('the ASCII check over typed-array views at any offset: the bytes as chars', () => {
    const r = rng(SEED);
    const buf = new Uint8Array(64);
    for (let i = 0; i < 20_000; i++) {
      for (let j = 0; j < buf.length; j++) buf[j] = Math.floor(r() * 128);
      const from = Math.floor(r() * 8);
      const to = from + Math.floor(r() * (buf.length - from));
      // Often one high byte, inside the view or just past it.
      if (r() < 0.7) buf[Math.min(buf.length - 1, from + Math.floor(r() * (to - from + 1)))] = 0x80 + Math.floor(r() * 128);
      const view = buf.subarray(from, to);
      expect(bytesToBinary(view), seedNote).toBe(String.fromCharCode(...view));
    }
  });
});
