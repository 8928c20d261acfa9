// Calendar user addresses compare case-insensitively, with or without the mailto: scheme (RFC 5545 §3.3.3 uses
// URIs; RFC 6047 §3 compares them to mail addresses).

/** 'MAILTO:Bob@Example.com' → 'bob@example.com'. Non-mailto URIs are returned lower-cased as they are. */
export function normalizeAddress(value: string | null | undefined): string {
  if (!value) return '';
  let v = value.trim();
  if (/^mailto:/i.test(v)) v = v.slice(7);
  // Display-name form ("Bob" <bob@x>) sometimes leaks into CAL-ADDRESS values written by hand.
  const angle = /<([^>]+)>/.exec(v);
  if (angle?.[1]) v = angle[1];
  return v.trim().toLowerCase();
}

export function sameAddress(a: string | null | undefined, b: string | null | undefined): boolean {
  const na = normalizeAddress(a);
  return na !== '' && na === normalizeAddress(b);
}

/** True when `address` is one of `mine` (account address or alias). */
export function isMine(address: string | null | undefined, mine: readonly string[]): boolean {
  const n = normalizeAddress(address);
  return n !== '' && mine.some((m) => normalizeAddress(m) === n);
}

export function toMailto(address: string): string {
  return `mailto:${normalizeAddress(address)}`;
}
