// The meeting's Join button (issue 11 §11): the conference link the core found (RFC 7986 CONFERENCE,
// X-GOOGLE-CONFERENCE, or a Teams/Zoom/Meet/Webex link in LOCATION or the description). A link styled as a button:
// it opens in the system browser (target=_blank; Electron's window-open handler calls shell.openExternal).
import type { ConferenceLink } from '../../shared/present/links';

export function JoinButton({ link }: { link: ConferenceLink | null | undefined }) {
  if (!link) return null;
  let host = '';
  try {
    host = new URL(link.url).hostname;
  } catch {
    return null;
  }
  return (
    <div className="join" data-testid="join">
      <a className="button primary join-button" href={link.url} target="_blank" rel="noopener noreferrer" data-service={link.service} title={link.url}>
        {link.label}
      </a>
      <span className="muted small">{host}</span>
    </div>
  );
}
