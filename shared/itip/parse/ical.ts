// The ical.js wrapper: the grammar (ICAL.parse) and property access that never throws on junk values.

import ICAL from 'ical.js';
import type { Problem } from '../types';
import { normalizeAddress } from '../address';

/** ical.js parse; on failure retry with only the lines ical.js accepts one by one. */
export function parseRoots(text: string, problems: Problem[]): ICAL.Component[] | null {
  let jcal: unknown;
  try {
    jcal = ICAL.parse(text);
  } catch {
    const kept: string[] = [];
    let bad = 0;
    for (const line of text.split('\r\n')) {
      if (line === '' || /^(BEGIN|END):/.test(line)) {
        kept.push(line);
        continue;
      }
      try {
        ICAL.parse.property(line);
        kept.push(line);
      } catch {
        bad++;
      }
    }
    try {
      jcal = ICAL.parse(kept.join('\r\n'));
    } catch {
      return null;
    }
    problems.push({ code: 'malformed-ics', severity: 'warning', message: `${bad} unparseable propert(y/ies) ignored` });
  }
  if (!Array.isArray(jcal) || jcal.length === 0) return null;
  const list = typeof jcal[0] === 'string' ? [jcal] : (jcal as unknown[]);
  const roots: ICAL.Component[] = [];
  for (const j of list) if (Array.isArray(j)) roots.push(new ICAL.Component(j));
  return roots.length > 0 ? roots : null;
}

/** The jCal values without ical.js decoration (decoration can throw on junk). */
export function rawValues(p: ICAL.Property | null): unknown[] {
  if (!p) return [];
  const j = p.toJSON() as unknown[];
  return j.slice(3);
}

export function textOf(p: ICAL.Property | null): string | null {
  const v = rawValues(p)[0];
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(String).join(';');
  return String(v);
}

export function param(p: ICAL.Property, name: string): string | null {
  const v = p.getParameter(name) as unknown;
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(String).join(',');
  return String(v);
}

export function paramList(p: ICAL.Property, name: string): string[] {
  const v = p.getParameter(name) as unknown;
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v.map(String) : String(v).split(',');
  // KDE writes DELEGATED-TO without mailto: or quotes (corpus: delegated-params-not-uris); normalizeAddress copes.
  return list.map((s) => normalizeAddress(s.replace(/^"|"$/g, ''))).filter((s) => s !== '');
}
