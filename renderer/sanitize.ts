// The one sanitizer for HTML that came in mail (invitation descriptions). Issue 10 §7: what is shown cannot
// impersonate the app, reach the network, or hand the system a dangerous link.
//   - An allow-list of the tags a description needs; everything else is dropped (its text kept).
//   - No class, style, id or name: content cannot borrow the app's own look (a fake "Accept" bar, a fake banner).
//   - No remote media: video, audio, source, track, picture, area/map, object... are not on the list; an img is kept
//     only with a data: URI, otherwise it becomes its alt text.
//   - Links: http(s) and mailto only, mailto stripped to subject/body (shared/external-link.ts); they open outside.
//   - Bidi: every element gets dir="auto" and the bidi override controls (U+202A–U+202E, U+2066–U+2069) are removed,
//     so a U+202E in a description cannot reverse what follows it.
import DOMPurify from 'dompurify';
import { BIDI_CONTROLS, isolateText } from '../shared/present/bidi';
import { safeExternalUrl } from '../shared/present/external-link';

const ALLOWED_TAGS = ['a', 'b', 'blockquote', 'br', 'code', 'div', 'em', 'hr', 'i', 'img', 'li', 'ol', 'p', 'pre', 's', 'span', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'u', 'ul'];
const ALLOWED_ATTR = ['href', 'title', 'alt', 'src', 'colspan', 'rowspan', 'dir'];

let hooked = false;

function installHooks(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    const el = node as Element;
    if (!el.tagName) return;
    el.setAttribute('dir', 'auto');
    if (el.tagName === 'IMG') {
      const src = el.getAttribute('src') ?? '';
      if (!/^data:image\/(png|gif|jpeg|webp);/i.test(src)) {
        const alt = el.getAttribute('alt');
        el.replaceWith(el.ownerDocument.createTextNode(`[image blocked${alt ? `: ${alt}` : ''}]`));
        return;
      }
    }
    if (el.tagName === 'A') {
      const safe = safeExternalUrl(el.getAttribute('href') ?? '');
      if (safe) el.setAttribute('href', safe);
      else el.removeAttribute('href');
      el.setAttribute('target', '_blank');
      el.setAttribute('rel', 'noopener noreferrer');
    }
  });
  DOMPurify.addHook('uponSanitizeElement', (node) => {
    if (node.nodeType === 3 && node.textContent) node.textContent = node.textContent.replace(BIDI_CONTROLS, '');
  });
}

/** Mail HTML → HTML safe to insert with innerHTML inside the app's description box. */
export function sanitizeDescription(html: string): string {
  installHooks();
  return DOMPurify.sanitize(html.replace(BIDI_CONTROLS, ''), {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|data:image\/(?:png|gif|jpeg|webp);)/i,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    KEEP_CONTENT: true,
    FORBID_CONTENTS: ['script', 'style', 'template', 'noscript', 'title', 'textarea', 'select', 'option', 'video', 'audio', 'object'],
  });
}

/** Re-exported: the one bidi-isolation rule lives in shared/present/bidi.ts (the main process uses it too). */
export { isolateText };
