// Line repair: the text of an iCalendar object as real producers write it → content lines ical.js can read
// (RFC 5545 §3.1 folding, blank lines, stray content, values ical.js would misread).

import { splitLines } from '../lines';
import type { ComponentKind, Problem } from '../types';
import { decodeCharset, decodeTransfer } from '../mime';

export const COMPONENT_KINDS: readonly ComponentKind[] = ['VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY'];

/**
 * A calendar saved still quoted-printable encoded (KDE libkcal, corpus feature `stray-quoted-printable`): its
 * parameters are written `NAME=3D...`, which would read as PARTSTAT "3DNEEDS-ACTION". Only when most parameters are
 * written so is the text decoded (RFC 2045 §6.7), so a value that merely contains "=3D" is left alone.
 */
export function undoStrayQuotedPrintable(text: string, problems: Problem[]): string {
  if (!text.includes('=3D')) return text; // what the count below looks for: most calendars have none
  const encoded = text.match(/;[A-Za-z0-9-]+=3D/g)?.length ?? 0;
  if (encoded < 2) return text;
  const plain = (text.match(/;[A-Za-z0-9-]+=(?!3D)/g) ?? []).length;
  if (plain >= encoded) return text;
  const bytes = decodeTransfer(bytesOfUtf8(text), 'quoted-printable');
  problems.push({ code: 'malformed-ics', severity: 'warning', message: 'calendar text was still quoted-printable encoded; decoded' });
  return decodeCharset(bytes, null).text;
}

function bytesOfUtf8(text: string): string {
  let out = '';
  for (const b of new TextEncoder().encode(text)) out += String.fromCharCode(b);
  return out;
}

const CONTENT_LINE = /^[A-Za-z0-9-]+[;:]/;
const DATE_PROPS = new Set(['DTSTART', 'DTEND', 'DUE', 'RECURRENCE-ID', 'EXDATE', 'RDATE']);
const FIXED_NAMES = new Set([...DATE_PROPS, 'RRULE', 'EXRULE', 'DTSTAMP', 'CREATED', 'LAST-MODIFIED']);
/** Lower-cased first char codes of FIXED_NAMES: a line starting otherwise is never changed by fixValue. */
const FIXED_FIRST = new Set([...FIXED_NAMES].map((n) => n.charCodeAt(0) | 0x20));

/**
 * Returns content lines joined with CRLF, or null when there is no component at all. Repairs (with a warning when
 * data may have been lost): LF-only / CR-only endings, tab folding (RFC 5545 §3.1 allows SPACE or HTAB), blank
 * lines, lines before BEGIN / after the last END, unbalanced BEGIN/END, dates written without VALUE=DATE, RRULEs
 * with spaces (Exchange CDO's "BYDAY=MO, TU").
 */
export function repairLines(text: string, problems: Problem[]): string | null {
  const raw = splitLines(text.replace(/^\uFEFF/, ''));
  const out: string[] = [];
  const stack: string[] = [];
  let sawBegin = false;
  let dropped = 0;
  let bareRange = 0;
  let finished = false;
  for (let i = 0; i < raw.length; ) {
    // Unfold first: a line starting with SPACE or HTAB continues the previous one (RFC 5545 §3.1); a blank one
    // does not, and starts a line of its own. One pass, no second list of the whole text.
    let line = raw[i++]!;
    while (i < raw.length && isContinuation(raw[i]!)) line += raw[i++]!.slice(1);
    const trimmed = line.trim();
    if (trimmed === '') continue; // blank lines inside components (Teams, KDE) carry nothing
    if (finished) {
      // Content after END:VCALENDAR (Podio): a second VCALENDAR is read as well, anything else is dropped.
      if (/^BEGIN:VCALENDAR\s*$/i.test(trimmed)) finished = false;
      else {
        dropped++;
        continue;
      }
    }
    // Only a line starting with B or E can be BEGIN/END: the two regexes run on those alone.
    const c0 = trimmed.charCodeAt(0) | 0x20;
    const begin = c0 === 0x62 ? /^BEGIN:([A-Za-z0-9-]+)$/i.exec(trimmed) : null;
    const end = c0 === 0x65 ? /^END:([A-Za-z0-9-]+)$/i.exec(trimmed) : null;
    if (begin?.[1]) {
      const name = begin[1].toUpperCase();
      if (stack.length === 0 && name !== 'VCALENDAR' && !COMPONENT_KINDS.includes(name as ComponentKind)) {
        dropped++;
        continue;
      }
      sawBegin = true;
      stack.push(name);
      out.push(`BEGIN:${name}`);
      continue;
    }
    if (end?.[1]) {
      const name = end[1].toUpperCase();
      const at = stack.lastIndexOf(name);
      if (at < 0) {
        dropped++;
        continue;
      }
      while (stack.length > at + 1) out.push(`END:${stack.pop()}`);
      stack.pop();
      out.push(`END:${name}`);
      if (stack.length === 0) finished = true;
      continue;
    }
    if (stack.length === 0) {
      dropped++;
      continue;
    }
    if (!CONTENT_LINE.test(line) || !line.includes(':')) {
      // Not a content line: most often a producer that did not fold a long text value. Keep the text on the
      // previous property rather than losing it, but only when that property is a text one.
      const prev = out[out.length - 1];
      if (prev && !/^(BEGIN|END):/i.test(prev) && /^(DESCRIPTION|SUMMARY|COMMENT|LOCATION|X-[A-Z0-9-]+)[;:]/i.test(prev)) {
        out[out.length - 1] = prev + ' ' + line.trim();
      } else dropped++;
      continue;
    }
    // RFC 5546 §4.4.5 writes "RECURRENCE-ID;THISANDFUTURE:..." (corpus quirk thisandfuture-without-range-param): a
    // parameter without a name, which ical.js rejects, losing the RECURRENCE-ID and turning the change of the future
    // occurrences into a new master. RFC 5545 §3.2.13 names it RANGE=THISANDFUTURE; read it so, with a warning.
    if ((line.charCodeAt(0) | 0x20) === 0x72 && /^RECURRENCE-ID;(?:[^:]*;)?THISANDFUTURE[;:]/i.test(line)) {
      line = line.replace(/;THISANDFUTURE(?=[;:])/i, ';RANGE=THISANDFUTURE');
      bareRange++;
    }
    line = fixValue(line);
    out.push(line);
  }
  if (bareRange > 0) {
    problems.push({ code: 'malformed-ics', severity: 'warning', message: 'RECURRENCE-ID;THISANDFUTURE without RANGE= read as RANGE=THISANDFUTURE (RFC 5545 §3.2.13)' });
  }
  if (!sawBegin) return null;
  if (stack.length > 0) {
    problems.push({ code: 'malformed-ics', severity: 'warning', message: `missing END for ${stack.join(', ')}` });
    while (stack.length > 0) out.push(`END:${stack.pop()}`);
  }
  if (dropped > 0) {
    problems.push({ code: 'malformed-ics', severity: 'warning', message: `${dropped} malformed line(s) ignored` });
  }
  return out.join('\r\n') + '\r\n';
}

function isContinuation(line: string): boolean {
  const c = line.charCodeAt(0);
  return (c === 0x20 || c === 0x09) && line.trim() !== '';
}

/** Small value repairs that keep ical.js from misreading or throwing on common producer mistakes. */
function fixValue(line: string): string {
  // Only these properties are ever changed; any other line comes back as it is (the match below rebuilds it whole).
  if (!FIXED_FIRST.has(line.charCodeAt(0) | 0x20)) return line;
  const cut = line.search(/[;:]/);
  if (cut <= 0 || !FIXED_NAMES.has(line.slice(0, cut).toUpperCase())) return line;
  const colon = valueColon(line, cut);
  if (colon < 0) return line;
  const name = line.slice(0, cut).toUpperCase();
  const params = line.slice(cut, colon);
  const given = line.slice(colon + 1);
  // The pattern's `(.*)$` stops at a line terminator: such a value never matched, and the line stays as it is.
  if (/[\n\r\u2028\u2029]/.test(given)) return line;
  let value = given;
  let extra = '';
  if (DATE_PROPS.has(name) && !/;VALUE=/i.test(params) && /^\s*\d{8}(\s*,\s*\d{8})*\s*$/.test(value)) {
    // RFC 5545 §3.3.4 wants VALUE=DATE for dates; ZideStore and others omit it. Without it ical.js reads a
    // DATE-TIME and mangles the value.
    extra = ';VALUE=DATE';
    value = value.replace(/\s+/g, '');
  }
  if (name === 'RRULE' || name === 'EXRULE') value = value.replace(/\s+/g, '');
  if (DATE_PROPS.has(name) || name === 'DTSTAMP' || name === 'CREATED' || name === 'LAST-MODIFIED') value = value.trim();
  // Most lines need nothing: returned as they are, not rebuilt.
  if (extra === '' && value === given) return line;
  return `${line.slice(0, cut)}${params}${extra}:${value}`;
}

/**
 * Index of the colon that ends the parameters of `line` (whose name ends at `cut`, on a ';' or ':'), or -1: what
 * /^([A-Za-z0-9-]+)((?:;(?:[^:";]|"[^"]*")*)*):(.*)$/ finds (a quoted parameter value may hold ':' and ';'; an
 * unclosed quote matches nothing), scanned once without backtracking.
 */
function valueColon(line: string, cut: number): number {
  let i = cut;
  const n = line.length;
  while (i < n) {
    const ch = line.charCodeAt(i);
    if (ch === 0x3a) return i; // ':'
    if (ch === 0x22) {
      // '"' is only allowed as the start of a quoted string, which must close.
      const close = line.indexOf('"', i + 1);
      if (close < 0) return -1;
      i = close + 1;
      continue;
    }
    // ';' starts a parameter, anything else (but ':' and '"') continues one: both need a ';' before them.
    i++;
  }
  return -1;
}
