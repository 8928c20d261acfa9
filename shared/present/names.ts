// People as people: a display name where one is known, the address otherwise, never "x@y <x@y>". Google writes
// CN=the address itself (ORGANIZER;CN=bob@example.com:mailto:bob@example.com); such a CN names nobody.

/** The CN when it is a name; null when it is empty or just the address again (case-insensitive, mailto: ignored). */
export function usefulName(cn: string | null | undefined, email: string | null | undefined): string | null {
  const name = (cn ?? '').trim().replace(/^"(.*)"$/, '$1').trim();
  if (!name) return null;
  const bare = (s: string) => s.replace(/^mailto:/i, '').replace(/^<|>$/g, '').trim().toLowerCase();
  if (email && bare(name) === bare(email)) return null;
  return name;
}

/** 'Alice Example' when a name is known, else the address. */
export function personLabel(cn: string | null | undefined, email: string): string {
  return usefulName(cn, email) ?? email;
}

/** 'Alice Example <alice@example.com>' when a name is known, else the bare address. */
export function personWithAddress(cn: string | null | undefined, email: string): string {
  const n = usefulName(cn, email);
  return n ? `${n} <${email}>` : email;
}
