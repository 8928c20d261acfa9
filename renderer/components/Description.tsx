// Descriptions are shown as plain text (React escapes them: markup is displayed, never interpreted). Some clients
// put HTML in DESCRIPTION; for those the user may switch to a formatted view, which goes through DOMPurify with
// the one sanitizer (renderer/sanitize.ts): an allow-list of tags, no class/style, no remote media, safe links.
import { useMemo, useState } from 'react';
import { sanitizeDescription } from '../sanitize';

const LOOKS_HTML = /<\/?(p|br|div|span|a|b|i|u|strong|em|ul|ol|li|table|tr|td|h[1-6]|img|font)\b[^>]*>/i;

export function Description({ text }: { text: string | null }) {
  const [formatted, setFormatted] = useState(false);
  const isHtml = useMemo(() => !!text && LOOKS_HTML.test(text), [text]);
  const clean = useMemo(() => (formatted && text ? sanitizeDescription(text) : ''), [formatted, text]);
  if (!text) return <p className="muted">No description.</p>;
  return (
    <div className="description">
      {formatted ? (
        <div className="desc-html" dir="auto" data-testid="description" dangerouslySetInnerHTML={{ __html: clean }} />
      ) : (
        <p className="desc-text" dir="auto" data-testid="description">
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
