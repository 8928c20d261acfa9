// Showing what organizers wrote, formatted, and safe: the one way the renderer turns description or mail HTML into
// markup. Sanitizing is the sanitizer module's job (sanitizeHtml below is the single call into it, so a hardened
// sanitizer drops in here); this module adds what readers expect on top: plain URLs become links, every link opens
// in the system browser (target=_blank: Electron's window-open handler hands it to shell.openExternal; the browser
// shell opens a new tab with rel=noopener noreferrer), and remote images are counted so the reader knows they were
// blocked.
import { safeHref, splitLinks } from '../shared/present/links';
import { purify } from './components/Description';

/** The single call into the sanitizer (scripts, handlers, forms, frames, styles and remote images removed). */
export function sanitizeHtml(html: string): string {
  return purify(html);
}

const LOOKS_HTML = /<\/?(p|br|div|span|a|b|i|u|strong|em|ul|ol|li|table|tr|td|h[1-6]|img|font|html|body)\b[^>]*>/i;

/** Whether a DESCRIPTION value is HTML (Google Calendar writes HTML into DESCRIPTION). */
export function looksHtml(text: string | null | undefined): boolean {
  return !!text && LOOKS_HTML.test(text);
}

/** Plain-text line breaks inside an HTML description (Google mixes both) become <br>; HTML documents are left. */
export function htmlWithBreaks(text: string): string {
  // Google frames its own block (Meet link, "view your event") with lines of -::~:~::~…::-: a rule reads better.
  const framed = text.replace(/-::~[:~]{10,}::-/g, '<hr>');
  if (/<(p|div|table|br)\b/i.test(framed) && !/\n/.test(framed)) return framed;
  return framed.replace(/\r\n|\r|\n/g, '<br>').replace(/(<br>)*<hr>(<br>)*/g, '<hr>');
}

function linkAttrs(a: HTMLAnchorElement): void {
  a.setAttribute('target', '_blank');
  a.setAttribute('rel', 'noopener noreferrer');
}

/**
 * Sanitized HTML with links made safe and plain URLs linked. Links keep http(s) and mailto targets only (anything
 * else loses its href and reads as text). Returns the markup and how many remote images were blocked.
 */
export function readableHtml(html: string): { html: string; blockedImages: number } {
  const clean = sanitizeHtml(html);
  const tpl = document.createElement('template');
  tpl.innerHTML = clean;
  const root = tpl.content;
  for (const a of Array.from(root.querySelectorAll('a'))) {
    const href = a.getAttribute('href') ?? '';
    if (/^mailto:/i.test(href)) linkAttrs(a);
    else {
      const ok = safeHref(href);
      if (ok) {
        a.setAttribute('href', ok);
        linkAttrs(a);
      } else a.removeAttribute('href');
    }
  }
  // Plain URLs in text (outside links) become links; bounded by the sanitized text's size.
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  for (let n = walker.nextNode(); n && texts.length < 20_000; n = walker.nextNode()) {
    if (!(n.parentElement && n.parentElement.closest('a')) && /https?:\/\/|www\./i.test(n.nodeValue ?? '')) texts.push(n as Text);
  }
  for (const t of texts) {
    const segs = splitLinks(t.nodeValue ?? '');
    if (!segs.some((s) => s.href)) continue;
    const frag = document.createDocumentFragment();
    for (const s of segs) {
      if (s.href) {
        const a = document.createElement('a');
        a.href = s.href;
        a.textContent = s.text;
        linkAttrs(a);
        frag.appendChild(a);
      } else frag.appendChild(document.createTextNode(s.text));
    }
    t.replaceWith(frag);
  }
  const blockedImages = Array.from(root.querySelectorAll('img')).filter((i) => !i.getAttribute('src')).length;
  const div = document.createElement('div');
  div.appendChild(root.cloneNode(true));
  return { html: div.innerHTML, blockedImages };
}
