// A separate sending process for the crash tests (offline.test.ts bundles this with esbuild and runs it with node):
// opens the Outbox on the given directory with real SMTP / IMAP dependencies, sends everything it can and exits.
// It reports on stdout, one JSON object per line: {"event":"sending",...} before each SMTP transaction,
// {"event":"accepted",...} after the server's 250, and {"event":"done","items":[...]} at the end.
//
// Config: the CONVENE_OUTBOX_CHILD environment variable (JSON, see ChildConfig). With `crashAfterAccept` set to a
// Message-ID the process SIGKILLs itself right after the server accepted that message and before it is marked sent:
// the window OUTBOX.md describes.
import { Outbox } from '../../electron/mail/smtp/outbox';
import { sentFolderDeps } from '../../electron/mail/smtp/sent-folder';
import { smtpSender } from '../../electron/mail/smtp/transport';

export interface ChildConfig {
  dir: string;
  smtp: { host: string; port: number; user: string; password: string };
  imap: { host: string; port: number; user: string; password: string };
  crashAfterAccept?: string;
}

function say(obj: unknown): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.CONVENE_OUTBOX_CHILD ?? '{}') as ChildConfig;
  const sender = smtpSender(async () => ({
    smtp: { host: cfg.smtp.host, port: cfg.smtp.port, security: 'none', user: cfg.smtp.user },
    password: cfg.smtp.password,
  }));
  const sent = sentFolderDeps(async () => ({
    imap: { host: cfg.imap.host, port: cfg.imap.port, security: 'none', user: cfg.imap.user },
    password: cfg.imap.password,
  }));
  const outbox = await Outbox.open(cfg.dir, {
    sendRaw: (item) => sender.sendRaw(item),
    appendSent: sent.appendSent,
    findSent: sent.findSent,
    backoff: { baseMs: 100, maxMs: 1000 },
    hooks: {
      beforeSend: (v) => say({ event: 'sending', id: v.id, attempts: v.attempts, pid: process.pid }),
      afterAccepted: (v) => {
        say({ event: 'accepted', id: v.id });
        const d = outbox.details().find((x) => x.id === v.id);
        if (cfg.crashAfterAccept && d?.messageId === cfg.crashAfterAccept) process.kill(process.pid, 'SIGKILL');
      },
    },
  });
  say({ event: 'opened', items: outbox.details() });
  outbox.start();
  await outbox.drain();
  await outbox.stop();
  sender.close();
  say({ event: 'done', items: outbox.details() });
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
