// The invitation's own mail (issue 11 §12): the body the organizer wrote around the calendar part (sanitized, remote
// images not loaded) and its attachments (name, size; saved through the API), so nothing written is hidden.
import { useEffect, useState } from 'react';
import type { MailView, ThreadMessageView } from '../../shared/api';
import { api } from '../api-client';
import { useApp } from '../context';
import { errText, fmtDateTime } from '../format';
import { readableHtml } from '../html-view';
import { LinkedText } from './DescriptionView';
import { Bdi } from './Person';

export function fmtSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The newest invitation-like message of the thread (the one the organizer wrote), else the newest one. */
function mailOf(thread: ThreadMessageView[]): ThreadMessageView | null {
  // An opened .ics has no mail around it (its thread entry is "file NAME", without an envelope).
  const live = thread.filter((t) => !t.deleted && !(/^(sha256|file):/.test(t.key) && (t.from ?? '').startsWith('file ')));
  return [...live].reverse().find((t) => ['REQUEST', 'ADD', 'PUBLISH', 'CANCEL'].includes((t.method ?? '').toUpperCase()) || t.method === null) ?? live[live.length - 1] ?? null;
}

function MailBody({ mail }: { mail: MailView }) {
  const [plain, setPlain] = useState(!mail.html);
  const formatted = mail.html ? readableHtml(mail.html) : null;
  return (
    <div className="mail-body">
      {formatted && !plain ? (
        <div className="desc-html" data-testid="mail-html" dangerouslySetInnerHTML={{ __html: formatted.html }} />
      ) : (
        <p className="desc-text" data-testid="mail-text">
          <LinkedText text={mail.text ?? '(no text)'} />
        </p>
      )}
      <div className="row small">
        {formatted && formatted.blockedImages > 0 && !plain && <span className="muted">{formatted.blockedImages} remote image(s) not loaded (privacy).</span>}
        {formatted && mail.text && (
          <button type="button" className="link" onClick={() => setPlain((p) => !p)}>
            {plain ? 'Show formatted' : 'Show as plain text'}
          </button>
        )}
      </div>
    </div>
  );
}

function download(name: string, contentType: string, base64: string): void {
  const bin = atob(base64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const url = URL.createObjectURL(new Blob([bytes], { type: contentType || 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function OriginalMailButton({ uid, thread }: { uid: string; thread: ThreadMessageView[] }) {
  const { tz, toast } = useApp();
  const entry = mailOf(thread);
  const [open, setOpen] = useState(false);
  const [mail, setMail] = useState<MailView | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    setOpen(false);
    setMail(null);
    setError('');
  }, [uid, entry?.key]);

  useEffect(() => {
    if (!open || !entry || mail) return;
    let live = true;
    void api.getMessage({ uid, key: entry.key }).then((r) => {
      if (!live) return;
      if (r.ok) setMail(r.value);
      else setError(errText(r));
    });
    return () => {
      live = false;
    };
  }, [open, uid, entry, mail]);

  if (!entry) return null;
  const save = async (path: string) => {
    const r = await api.getMessagePart({ uid, key: entry.key, path });
    if (!r.ok) return toast(errText(r), 'error');
    download(r.value.name, r.value.contentType, r.value.contentBase64);
  };

  return (
    <section className="original-mail" aria-label="The invitation's mail">
      <button type="button" aria-expanded={open} onClick={() => setOpen((o) => !o)} data-testid="original-mail-toggle">
        {open ? 'Hide the invitation mail' : 'Show the invitation mail'}
      </button>
      {open && (
        <div className="mail" data-testid="original-mail">
          {error && <p className="error">{error}</p>}
          {!mail && !error && <p className="muted">Loading the mail…</p>}
          {mail && (
            <>
              <dl className="facts mail-head">
                <dt>From</dt>
                <dd>
                  <Bdi text={mail.from ?? ''} />
                </dd>
                {mail.to && (
                  <>
                    <dt>To</dt>
                    <dd>
                      <Bdi text={mail.to} />
                    </dd>
                  </>
                )}
                <dt>Subject</dt>
                <dd>
                  <Bdi text={mail.subject ?? ''} />
                </dd>
                {mail.date && (
                  <>
                    <dt>Date</dt>
                    <dd>{fmtDateTime(mail.date, tz)}</dd>
                  </>
                )}
              </dl>
              <MailBody mail={mail} />
              {mail.attachments.length > 0 && (
                <>
                  <h4>Attachments</h4>
                  <ul className="attachments" data-testid="attachments">
                    {mail.attachments.map((a) => (
                      <li key={a.path}>
                        <button type="button" className="link" onClick={() => void save(a.path)} aria-label={`Save ${a.name}`}>
                          {a.name}
                        </button>{' '}
                        <span className="muted small">
                          {fmtSize(a.size)} · {a.contentType}
                        </span>
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </>
          )}
        </div>
      )}
    </section>
  );
}
