// The description as its sender meant it (issue 11 §11): Outlook's X-ALT-DESC HTML or Google's HTML DESCRIPTION
// shown formatted by default (sanitized: html-view.ts), plain text with its line breaks and with URLs as links,
// every link opening in the system browser, long content wrapping. The "plain text" toggle is per invitation: the
// detail mounts this keyed by UID, so nothing carries over to the next one.
import { useMemo, useState } from 'react';
import { splitLinks } from '../../shared/present/links';
import { htmlWithBreaks, looksHtml, readableHtml } from '../html-view';

/** Plain text with URLs as links (React escapes the text; only the href is ours, and splitLinks keeps http(s)). */
export function LinkedText({ text }: { text: string }) {
  const segs = useMemo(() => splitLinks(text), [text]);
  return (
    <>
      {segs.map((s, i) =>
        s.href ? (
          <a key={i} href={s.href} target="_blank" rel="noopener noreferrer">
            {s.text}
          </a>
        ) : (
          <span key={i}>{s.text}</span>
        ),
      )}
    </>
  );
}

/** Text without markup, for the plain view of an HTML description. */
function htmlToText(html: string): string {
  const tpl = document.createElement('template');
  tpl.innerHTML = readableHtml(html).html.replace(/<br\s*\/?>/gi, '\n').replace(/<\/(p|div|li|tr|h\d)>/gi, '$&\n');
  return (tpl.content.textContent ?? '').replace(/\n{3,}/g, '\n\n').trim();
}

export function DescriptionView({ text, html }: { text: string | null; html?: string | null }) {
  const source = html?.trim() ? html : looksHtml(text) ? htmlWithBreaks(text!) : null;
  const [plain, setPlain] = useState(false);
  const formatted = useMemo(() => (source ? readableHtml(source) : null), [source]);
  const plainText = useMemo(() => (plain && source ? (text && !looksHtml(text) ? text : htmlToText(source)) : null), [plain, source, text]);
  if (!text && !source) return <p className="muted">No description.</p>;
  return (
    <div className="description" data-testid="description-view">
      {formatted && !plain ? (
        <div className="desc-html" data-testid="description" data-format="html" dangerouslySetInnerHTML={{ __html: formatted.html }} />
      ) : (
        <p className="desc-text" data-testid="description" data-format="text">
          <LinkedText text={plainText ?? text ?? ''} />
        </p>
      )}
      <div className="row small">
        {formatted && formatted.blockedImages > 0 && !plain && <span className="muted">{formatted.blockedImages === 1 ? 'One remote image is' : `${formatted.blockedImages} remote images are`} not loaded (privacy).</span>}
        {source && (
          <button type="button" className="link" onClick={() => setPlain((p) => !p)}>
            {plain ? 'Show formatted' : 'Show as plain text'}
          </button>
        )}
      </div>
    </div>
  );
}
