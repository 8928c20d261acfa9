// Bidirectional-text isolation for text from mail (issue 10 §7): a U+202E (RIGHT-TO-LEFT OVERRIDE) in a name or
// a SUMMARY must not reverse what is shown around it. Pure strings, so the renderer and the main process
// (notifications) share one rule.

/** The explicit embedding, override and isolate controls (UAX #9 §2.1–§2.4): LRE RLE PDF LRO RLO, LRI RLI FSI PDI. */
export const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

/**
 * A name or address as text that cannot reorder its surroundings: bidi controls removed, the whole wrapped in a
 * first-strong isolate (U+2068 … U+2069, Unicode UAX #9). For places that cannot use <bdi> (titles, notifications).
 */
export function isolateText(text: string): string {
  return `\u2068${text.replace(BIDI_CONTROLS, '')}\u2069`;
}

/** The text without its bidi controls: shown inside an isolate, a U+202E cannot turn 'fdp.exe' into 'exe.pdf'. */
export function stripBidiControls(text: string): string {
  return text.replace(BIDI_CONTROLS, '');
}
