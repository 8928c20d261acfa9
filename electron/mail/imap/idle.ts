// Waiting for new mail: IDLE (RFC 2177) when the server has it, polling otherwise.
//
// With IDLE the selected mailbox (INBOX) reports EXISTS as soon as mail lands (Dovecot: about 0.5 s); the caller's
// next command breaks the IDLE (imapflow sends DONE before any command). Without IDLE we wake every `pollMs` and
// the sync's cheap plan (STATUS: UIDNEXT / HIGHESTMODSEQ unchanged → nothing) does the polling.
import type { ImapFlow } from 'imapflow';

/** A promise that can be resolved from outside, reset after each use: "something happened, go look". */
export class Wake {
  private resolveFn: ((reason: string) => void) | null = null;
  private pending: string | null = null;

  /** Resolves with the first reason given after (or before, if still unconsumed) the call. */
  wait(timeoutMs?: number): Promise<string> {
    if (this.pending !== null) {
      const r = this.pending;
      this.pending = null;
      return Promise.resolve(r);
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      this.resolveFn = (reason) => {
        if (timer) clearTimeout(timer);
        this.resolveFn = null;
        resolve(reason);
      };
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) timer = setTimeout(() => this.resolveFn?.('timer'), timeoutMs);
    });
  }

  fire(reason: string): void {
    if (this.resolveFn) this.resolveFn(reason);
    else if (this.pending === null) this.pending = reason;
  }
}

export function supportsIdle(client: ImapFlow): boolean {
  return client.capabilities.has('IDLE');
}

/**
 * Waits until `wake` fires (new mail, a sync request, the poll timer, a closed connection). With IDLE the client
 * idles meanwhile; the next command the caller issues ends the IDLE.
 */
export async function waitForActivity(client: ImapFlow, wake: Wake, opts: { useIdle: boolean; pollMs: number }): Promise<string> {
  if (opts.useIdle && client.usable) {
    client.idle().catch(() => wake.fire('idle-failed'));
  }
  return wake.wait(opts.pollMs);
}
