// Calendar user addresses compare case-insensitively, with or without the mailto: scheme (RFC 5545 §3.3.3 uses
// URIs; RFC 6047 §3 compares them to mail addresses). Only addr-specs are ever compared: a display name, a comment
// or an encoded word that happens to contain an address is never read as one (a CANCEL "from"
// `"boss@corp.example" <evil@x.example>` comes from evil@x.example). Mail headers and hand-written CAL-ADDRESS values
// go through nodemailer's RFC 5322 address parser (pure JS, no Node APIs), never through a hand scan for `<...>`.

import addressparser from 'nodemailer/lib/addressparser';

/** A bare addr-spec with nothing around it: the common case, read without the parser. */
const BARE = /^[^\s<>"(),;:\\[\]@]+@[^\s<>"(),;:\\[\]@]+$/;

/**
 * The addr-specs of an RFC 5322 address-list header value (From, Sender, To, Cc), canonical (lower case), groups
 * flattened (RFC 5322 §3.4: a group's members are its mailboxes; an empty group has none). Display names and comments
 * are dropped, whatever they contain. Entries without an `@` are not addresses and are left out.
 */
export function parseAddressList(value: string | null | undefined): string[] {
  if (!value) return [];
  const v = value.trim();
  if (BARE.test(v)) return [v.toLowerCase()];
  // The same To/Cc/From lines come back in message after message: the parse is remembered, keyed by the text.
  const known = v.length <= LIST_KEY_MAX ? parsedLists.get(v) : undefined;
  if (known) return [...known];
  let parsed: { address: string }[];
  try {
    parsed = addressparser(v, { flatten: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const a of parsed) {
    const addr = canonical(a.address);
    if (addr) out.push(addr);
  }
  if (v.length <= LIST_KEY_MAX) {
    if (parsedLists.size >= LIST_CACHE_MAX) parsedLists.delete(parsedLists.keys().next().value as string);
    parsedLists.set(v, out);
  }
  return [...out];
}

/** Bounds of the address-list memory: entries, and header length (a 100 kB To: line is parsed, not remembered). */
const LIST_CACHE_MAX = 512;
const LIST_KEY_MAX = 2048;
const parsedLists = new Map<string, readonly string[]>();

/** One addr-spec, lower-cased; '' when it is not one (no '@', or whitespace/brackets left in it). */
function canonical(addr: string | null | undefined): string {
  const a = (addr ?? '').trim().replace(/^mailto:/i, '').toLowerCase();
  return BARE.test(a) ? a : '';
}

/**
 * 'MAILTO:Bob@Example.com' → 'bob@example.com'. A value in display-name form (`"Bob" <bob@x>`, which some producers
 * write into CAL-ADDRESS values) is parsed as an RFC 5322 mailbox and only its addr-spec kept. Anything that is not
 * exactly one mailbox (a non-mailto URI, several addresses) is returned lower-cased as it is, so it never equals a
 * real address.
 */
export function normalizeAddress(value: string | null | undefined): string {
  if (!value) return '';
  // Validation and decisions compare the same few addresses many times per message: remembered by text (bounded).
  const known = normalized.get(value);
  if (known !== undefined) return known;
  const out = normalizeUncached(value);
  if (value.length <= NORMALIZED_KEY_MAX) {
    if (normalized.size >= NORMALIZED_MAX) normalized.clear();
    normalized.set(value, out);
  }
  return out;
}

const NORMALIZED_MAX = 2048;
const NORMALIZED_KEY_MAX = 512;
const normalized = new Map<string, string>();

function normalizeUncached(value: string): string {
  let v = value.trim();
  if (/^mailto:/i.test(v)) {
    v = v.slice(7);
    // RFC 6068 §2: a mailto URI may percent-encode its addr-spec; an hfields part (?...) is not the address.
    const q = v.indexOf('?');
    if (q >= 0) v = v.slice(0, q);
    if (v.includes('%')) {
      try {
        v = decodeURIComponent(v);
      } catch {
        /* not valid percent-encoding: compare the text as it is */
      }
    }
    v = v.trim();
  }
  if (BARE.test(v)) return v.toLowerCase();
  if (/[<>"(,]/.test(v)) {
    const list = parseAddressList(v);
    if (list.length === 1) return list[0]!;
  }
  return v.toLowerCase();
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
