// What reading one calendar object carries along: its VTIMEZONEs and the problems found so far.

import type ICAL from 'ical.js';
import type { Problem } from '../types';

export interface ReadCtx {
  zones: Map<string, ICAL.Timezone>;
  problems: Problem[];
  /** Problem messages already reported, so a 2,000-override file does not repeat one warning 2,000 times. */
  reported: Set<string>;
}

export function warn(ctx: ReadCtx, code: string, message: string): void {
  const key = `${code}|${message}`;
  if (ctx.reported.has(key)) return;
  ctx.reported.add(key);
  ctx.problems.push({ code, severity: 'warning', message });
}
