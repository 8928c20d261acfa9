// Reasons and problem messages stay short whatever the message holds (issue 10 §8): a list names at most a few
// items, each cut to a readable length, and says how many more there are.

/** 'a, b, c and 997 more'; items longer than `width` are cut with an ellipsis. */
export function listFew(items: readonly string[], max = 3, sep = ', ', width = 80): string {
  const cut = (s: string) => (s.length > width ? `${s.slice(0, width - 1)}…` : s);
  const shown = items.slice(0, max).map(cut).join(sep);
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}
