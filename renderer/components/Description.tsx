// Descriptions are shown as plain text (React escapes them: markup is displayed, never interpreted). Some clients
// put HTML in DESCRIPTION; for those the user may switch to a formatted view, which goes through DOMPurify with
// every remote resource removed (the CSP's img-src blocks them as well): no scripts, no handlers, no remote images.
import DOMPurify from 'dompurify';
import { useMemo, useState } from 'react';

const LOOKS_HTML = /<\/?(p|br|div|span|a|b|i|u|strong|em|ul|ol|li|table|tr|td|h[1-6]|img|font)\b[^>]*>/i;

let hooked = false;
export function purify(html: string): string {
  if (!hooked) {
    hooked = true;
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      const el = node as Element;
      if (el.tagName === 'IMG') {
        const src = el.getAttribute('src') ?? '';
        if (!src.startsWith('data:')) {
          el.removeAttribute('src');
          el.removeAttribute('srcset');
          el.setAttribute('alt', `[remote image blocked${el.getAttribute('alt') ? `: ${el.getAttribute('alt')}` : ''}]`);
        }
      }
      if (el.tagName === 'A') {
        el.setAttribute('target', '_blank');
        el.setAttribute('rel', 'noopener noreferrer');
      }
    });
  }
  return DOMPurify.sanitize(html, {
    FORBID_TAGS: ['style', 'form', 'input', 'button', 'iframe', 'object', 'embed', 'link', 'meta', 'svg', 'math'],
    FORBID_ATTR: ['style', 'srcset', 'background', 'poster'],
    ALLOW_DATA_ATTR: false,
  });
}

export function Description({ text }: { text: string | null }) {
  const [formatted, setFormatted] = useState(false);
  const isHtml = useMemo(() => !!text && LOOKS_HTML.test(text), [text]);
  const clean = useMemo(() => (formatted && text ? purify(text) : ''), [formatted, text]);
  if (!text) return <p className="muted">No description.</p>;
  return (
    <div className="description">
      {formatted ? (
        <div className="desc-html" data-testid="description" dangerouslySetInnerHTML={{ __html: clean }} />
      ) : (
        <p className="desc-text" data-testid="description">
          {text}
        </p>
      )}
      {isHtml && (
        <button type="button" className="link" onClick={() => setFormatted((f) => !f)}>
          {formatted ? 'Show as plain text' : 'Show formatting (remote images stay blocked)'}
        </button>
      )}
    </div>
  );
}
