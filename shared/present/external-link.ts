// Links handed to the system (the OS mail client, the browser) from content the app did not write (descriptions,
// invitations). Pure: used by the renderer's sanitizer (so the browser shell gets clean hrefs) and by Electron main's
// external-link handler (defence in depth).
//
// mailto: (RFC 6068) may carry header fields. Some mail clients honour non-standard ones such as `attach=`,
// `attachment=` or `file=` and attach a local file to the draft: a hostile invitation could exfiltrate a file the
// moment the user sends. Only `subject` and `body` are kept (what a "write to the organizer" link needs); `cc`, `bcc`
// and `to` are dropped too, since they add recipients the user does not see in the link text.

const KEPT_MAILTO_FIELDS = new Set(['subject', 'body']);

/** The mailto URI with only its addresses, subject and body; null when it is not a mailto URI that parses. */
export function safeMailto(url: string): string | null {
  const m = /^mailto:([^?#]*)(?:\?([^#]*))?/i.exec(url.trim());
  if (!m) return null;
  const to = m[1] ?? '';
  const kept: string[] = [];
  for (const pair of (m[2] ?? '').split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    let name: string;
    try {
      name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq)).trim().toLowerCase();
    } catch {
      continue;
    }
    if (KEPT_MAILTO_FIELDS.has(name)) kept.push(pair);
  }
  return `mailto:${to}${kept.length ? `?${kept.join('&')}` : ''}`;
}

/** A link the app may open outside itself: http(s) as is, mailto cleaned; null for anything else. */
export function safeExternalUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol === 'http:' || u.protocol === 'https:') return u.href;
  if (u.protocol === 'mailto:') return safeMailto(url);
  return null;
}
