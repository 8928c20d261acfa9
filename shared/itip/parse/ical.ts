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

/**
 * What the reader uses of a property: its jCal (RFC 7265 §3.4: [name, parameters, type, ...values]) and parameters.
 * ical.js's Property has it; so has PropertyView, which reads the same jCal without building a Property per read.
 */
export interface PropertyLike {
  readonly name: string;
  readonly type: string;
  toJSON(): unknown;
  getParameter(name: string): unknown;
  getFirstParameter(name: string): unknown;
}

type JCalProperty = [string, Record<string, unknown>, string, ...unknown[]];

/**
 * A read-only view of one jCal property with ical.js Property's semantics for what PropertyLike names (same jCal,
 * same `name in parameters` test, same first-of-list rule). Building ical.js Properties (design-set lookups, a
 * wrapper per lookup) was a tenth of reading a component; the view costs one small object.
 */
class PropertyView implements PropertyLike {
  constructor(private readonly jCal: JCalProperty) {}
  get name(): string {
    return this.jCal[0];
  }
  get type(): string {
    return this.jCal[2];
  }
  toJSON(): unknown {
    return this.jCal;
  }
  getParameter(name: string): unknown {
    const params = this.jCal[1];
    return name in params ? params[name] : undefined;
  }
  getFirstParameter(name: string): unknown {
    const v = this.getParameter(name);
    return Array.isArray(v) ? v[0] : v;
  }
}

/**
 * The properties of one component by name, read from its jCal in one pass: first(name) and all(name) answer what
 * ical.js's getFirstProperty / getAllProperties would (the first match in order; every match in order).
 */
export class PropertyIndex {
  private readonly byName = new Map<string, JCalProperty[]>();

  constructor(component: ICAL.Component) {
    const props = (component.jCal as unknown[])[1];
    if (!Array.isArray(props)) return;
    for (const p of props as JCalProperty[]) {
      const list = this.byName.get(p[0]);
      if (list) list.push(p);
      else this.byName.set(p[0], [p]);
    }
  }

  first(name: string): PropertyLike | null {
    const p = this.byName.get(name)?.[0];
    return p ? new PropertyView(p) : null;
  }

  all(name: string): PropertyLike[] {
    return (this.byName.get(name) ?? []).map((p) => new PropertyView(p));
  }

  /** Upper-case names of every property, as the component's text writes them. */
  names(): Set<string> {
    const out = new Set<string>();
    for (const name of this.byName.keys()) out.add(name.toUpperCase());
    return out;
  }
}

/** The jCal values without ical.js decoration (decoration can throw on junk). */
export function rawValues(p: PropertyLike | null): unknown[] {
  if (!p) return [];
  const j = p.toJSON() as unknown[];
  return j.slice(3);
}

/** The first jCal value (rawValues(p)[0]) without copying the list. */
export function firstRaw(p: PropertyLike | null): unknown {
  if (!p) return undefined;
  const j = p.toJSON() as unknown[];
  return j.length > 3 ? j[3] : undefined;
}

export function textOf(p: PropertyLike | null): string | null {
  const v = firstRaw(p);
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(String).join(';');
  return String(v);
}

export function param(p: PropertyLike, name: string): string | null {
  const v = p.getParameter(name) as unknown;
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(String).join(',');
  return String(v);
}

export function paramList(p: PropertyLike, name: string): string[] {
  const v = p.getParameter(name) as unknown;
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v.map(String) : String(v).split(',');
  // KDE writes DELEGATED-TO without mailto: or quotes (corpus: delegated-params-not-uris); normalizeAddress copes.
  return list.map((s) => normalizeAddress(s.replace(/^"|"$/g, ''))).filter((s) => s !== '');
}
