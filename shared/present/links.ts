// Links in what organizers write: plain URLs in a description become links, and the meeting's conference link (the
// "Join" button) is found the way calendar clients find it. Pure functions, no DOM: the renderer applies them to
// sanitized text nodes; tests drive them directly.

export interface TextSegment {
  text: string;
  /** Set when this segment is a link; the URL to open (http(s) or mailto only). */
  href?: string;
}

// A URL in running text: http(s)://, or www. without a scheme. Stops at whitespace and at characters that never end
// a URL in prose; trailing punctuation is trimmed afterwards (see trimUrl).
const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"'`{}|\\^\u00a0\u2028\u2029]+/gi;
const MAX_SCAN = 200_000;

/** Drops punctuation that ends a sentence rather than the URL ('see https://x.test/a.' → 'https://x.test/a'). */
function trimUrl(url: string): string {
  let u = url;
  for (;;) {
    const last = u[u.length - 1];
    if (!last) return u;
    if ('.,;:!?*'.includes(last)) u = u.slice(0, -1);
    else if (last === ')' && (u.match(/\(/g)?.length ?? 0) < (u.match(/\)/g)?.length ?? 0)) u = u.slice(0, -1);
    else if (last === ']' && !u.includes('[')) u = u.slice(0, -1);
    else return u;
  }
}

/** A URL fit to open in the system browser: http(s) only, parseable, with a host. */
export function safeHref(raw: string): string | null {
  const withScheme = /^www\./i.test(raw) ? `https://${raw}` : raw;
  try {
    const u = new URL(withScheme);
    if ((u.protocol !== 'https:' && u.protocol !== 'http:') || !u.hostname) return null;
    return u.href;
  } catch {
    return null;
  }
}

/** Splits plain text into text and link segments (RFC 3986 URLs with http/https, and www. hosts). */
export function splitLinks(text: string): TextSegment[] {
  const s = text.length > MAX_SCAN ? text.slice(0, MAX_SCAN) : text;
  const out: TextSegment[] = [];
  let last = 0;
  URL_RE.lastIndex = 0;
  for (let m = URL_RE.exec(s); m; m = URL_RE.exec(s)) {
    const url = trimUrl(m[0]);
    const href = safeHref(url);
    if (!href) continue;
    if (m.index > last) out.push({ text: s.slice(last, m.index) });
    out.push({ text: url, href });
    last = m.index + url.length;
    URL_RE.lastIndex = last;
  }
  if (last < s.length) out.push({ text: s.slice(last) });
  if (s.length < text.length) out.push({ text: text.slice(MAX_SCAN) });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The conference link

export type ConferenceService = 'teams' | 'zoom' | 'meet' | 'webex' | 'other';

export interface ConferenceLink {
  url: string;
  service: ConferenceService;
  /** What the button says: 'Join Microsoft Teams meeting', 'Join Zoom meeting', ... */
  label: string;
  /** Where it was found. */
  source: 'conference' | 'x-google-conference' | 'location' | 'description';
}

export interface ConferenceInput {
  /** RFC 7986 §5.11 CONFERENCE values (URIs), in order. */
  conference?: readonly string[];
  /** Google's X-GOOGLE-CONFERENCE value. */
  googleConference?: string | null;
  /** Microsoft's X-MICROSOFT-SKYPETEAMSMEETINGURL / X-MICROSOFT-ONLINEMEETINGCONFLINK when present. */
  microsoftMeetingUrl?: string | null;
  location?: string | null;
  /** Plain text, or HTML (hrefs are read from it too). */
  description?: string | null;
  descriptionHtml?: string | null;
}

const SERVICES: { service: ConferenceService; name: string; host: RegExp; path?: RegExp }[] = [
  { service: 'teams', name: 'Microsoft Teams', host: /(^|\.)teams\.(microsoft|live)\.com$/i, path: /^\/(l\/meetup-join|meet|v2)/i },
  { service: 'zoom', name: 'Zoom', host: /(^|\.)zoom(gov)?\.us$/i, path: /^\/(j|w|my|s)\//i },
  { service: 'meet', name: 'Google Meet', host: /^meet\.google\.com$/i, path: /^\/[a-z]{3}-[a-z]{4}-[a-z]{3}/i },
  { service: 'webex', name: 'Webex', host: /(^|\.)webex\.com$/i, path: /^\/(meet|join|[^/]+\/j\.php|wbxmjs|[^/]+\/meet)/i },
];

/** Which service a URL belongs to, or null when it is not a meeting link of a known service. */
export function conferenceService(href: string): { service: ConferenceService; name: string } | null {
  let u: URL;
  try {
    u = new URL(href);
  } catch {
    return null;
  }
  for (const s of SERVICES) {
    if (s.host.test(u.hostname) && (!s.path || s.path.test(u.pathname))) return { service: s.service, name: s.name };
  }
  return null;
}

function hrefsInHtml(html: string): string[] {
  const out: string[] = [];
  const re = /href\s*=\s*("([^"]*)"|'([^']*)')/gi;
  let n = 0;
  for (let m = re.exec(html); m && n < 1000; m = re.exec(html), n++) out.push((m[2] ?? m[3] ?? '').replace(/&amp;/g, '&'));
  return out;
}

function urlsIn(text: string | null | undefined): string[] {
  if (!text) return [];
  return splitLinks(text)
    .filter((s) => s.href)
    .map((s) => s.href!);
}

function labelFor(name: string | null): string {
  return name ? `Join ${name} meeting` : 'Join online meeting';
}

/**
 * The meeting's conference link, in the order calendar clients trust them: RFC 7986 CONFERENCE (an explicit
 * property), Google's X-GOOGLE-CONFERENCE, Microsoft's meeting URL properties, then a link of a known service
 * (Teams, Zoom, Meet, Webex) in LOCATION, then in the description. A CONFERENCE that is not http(s) (tel:, sip:) is
 * skipped: the button opens a browser. Null when there is none.
 */
export function findConferenceLink(input: ConferenceInput): ConferenceLink | null {
  const explicit: [string | null | undefined, ConferenceLink['source']][] = [
    ...(input.conference ?? []).map((c) => [c, 'conference'] as [string, ConferenceLink['source']]),
    [input.googleConference, 'x-google-conference'],
    [input.microsoftMeetingUrl, 'conference'],
  ];
  for (const [raw, source] of explicit) {
    const href = raw ? safeHref(raw.trim()) : null;
    if (!href) continue;
    const svc = conferenceService(href);
    return { url: href, service: svc?.service ?? 'other', label: labelFor(svc?.name ?? null), source };
  }
  const found: [string[], ConferenceLink['source']][] = [
    [urlsIn(input.location), 'location'],
    [[...(input.descriptionHtml ? hrefsInHtml(input.descriptionHtml) : []), ...urlsIn(input.description), ...urlsIn(input.descriptionHtml ?? null)], 'description'],
  ];
  for (const [urls, source] of found) {
    for (const raw of urls) {
      const href = safeHref(raw);
      const svc = href ? conferenceService(href) : null;
      if (href && svc) return { url: href, service: svc.service, label: labelFor(svc.name), source };
    }
  }
  return null;
}
