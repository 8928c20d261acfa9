// EventData.ics made when first read (issue 9 §1). Serialising every component back to text (ical.js stringify +
// line folding) was ~12% of reading a message, yet inspect and most decisions never look at that text: only what is
// stored, held or re-built does. The parser therefore appends `ics` as a lazy field (lazy.ts) that stringifies the
// ical.js component on first read and keeps the string (JSON, spreads and structuredClone see exactly the object
// they saw before). Assigning `ics` first stores the assigned text instead.
//
// The parser also records which property names the component carries at its top level, so the validator's
// RFC 5546 §3 presence checks need not serialise and re-scan the text. validate.ts uses them only while `ics` is still
// the text the parser made (an assigned or re-built text is scanned as before).

import ICAL from 'ical.js';
import { lazyField } from './lazy';
import type { EventData } from './types';


/** What the text is made from: the component's own jCal and the design set its toString() would use. */
interface Source {
  jCal: unknown[];
  designSet: unknown;
}

interface State {
  /**
   * Until the text is made: the component's own jCal (not the ical.js Component, whose parent links would keep the
   * whole message's tree alive as long as the EventData).
   */
  source: Source | null;
  /** Once made: the text, so a later reader can tell it is still the parser's. */
  text: string | null;
  /** Upper-case names of the properties directly in the component (not in nested VALARMs). */
  names: ReadonlySet<string>;
}

const states = new WeakMap<object, State>();

/** Turns `ev.ics` into a lazily made text (see above). `names`: the component's top-level property names. */
export function lazyIcs(ev: EventData, component: ICAL.Component, names: ReadonlySet<string>): void {
  // Component#toString() is stringify.component(jCal, Component#_designSet): the same call, made later.
  const source: Source = { jCal: component.jCal as unknown[], designSet: (component as unknown as { _designSet: unknown })._designSet };
  const state: State = { source, text: null, names };
  states.set(ev, state);
  lazyField(
    ev,
    'ics',
    () => {
      const src = state.source;
      const text = src ? ICAL.stringify.component(src.jCal as never, src.designSet as never) : '';
      state.text = text;
      state.source = null; // the component tree can be collected once the text exists
      return text;
    },
    () => states.delete(ev),
  );
}

/**
 * The top-level property names the parser recorded for `ev`, or null when `ev` did not come from the parser or its
 * `ics` has since been replaced (the caller then reads the text).
 */
export function parsedPropertyNames(ev: EventData): ReadonlySet<string> | null {
  const state = states.get(ev);
  if (!state) return null;
  if (state.text === null) return state.names; // still the accessor: the text is the parser's by construction
  return ev.ics === state.text ? state.names : null;
}

/**
 * The unfolded lines of the properties named `name` (lower case) that `ev.ics` will hold, in its order (the
 * component's own, then each nested component's), without making the text: ical.js's serialisation of those
 * properties alone, unfolded (RFC 5545 §3.1). Null when the text is already made or `ev` is not the parser's (the
 * caller reads the text).
 */
export function propertyLines(ev: EventData, name: string): string[] | null {
  const state = states.get(ev);
  if (!state || state.text !== null || !state.source) return null;
  const { jCal, designSet } = state.source;
  const out: string[] = [];
  const walk = (jcal: unknown[]): void => {
    for (const p of (jcal[1] as unknown[][]) ?? []) {
      if (p[0] === name) out.push(ICAL.stringify.property(p as never, designSet as never, true));
    }
    for (const sub of (jcal[2] as unknown[][]) ?? []) walk(sub);
  };
  walk(jCal);
  return out;
}
