// The connection state the sidebar and Status show (issue 11 §17): never "Online" while sending fails.
import { describe, expect, it } from 'vitest';
import type { AccountStatus, AppStatus, OutboxItemView } from '../../shared/api';
import { OUTBOX_WAITING_FOR_ACCOUNT } from '../../shared/api';
import { connectionSummary, receiveState, sendState } from '../../renderer/connection-state';

const acct = (over: Partial<AccountStatus> = {}): AccountStatus => ({ accountId: 'a1', email: 'a@example.test', online: true, state: 'idle', progress: null, lastSync: null, lastError: null, ...over });
const status = (accounts: AccountStatus[], queued = 0, failed = 0): AppStatus => ({ accounts, outbox: { queued, failed }, shell: 'browser' });
const item = (over: Partial<OutboxItemView>): OutboxItemView => ({
  id: 'o1', accountId: 'a1', method: 'REPLY', uid: 'u', subject: 's', to: ['x@example.test'], state: 'sent', attempts: 1, lastError: null, nextAttemptAt: null, createdAt: '2026-01-01T00:00:00Z', sentAt: '2026-01-01T00:00:01Z', ...over,
});

describe('connection state', () => {
  it('says Online only when receiving works and nothing fails to send', () => {
    expect(connectionSummary(status([acct()]), [item({})], 1)).toMatchObject({ tone: 'ok', label: 'Online', lines: [] });
  });

  it('is not "Online" while the outbox retries after SMTP errors', () => {
    const failing = item({ state: 'queued', attempts: 3, lastError: 'SMTP_TLS: TLS failed: error:0A00010B:SSL routines::wrong version number', sentAt: null });
    const s = connectionSummary(status([acct()], 1), [failing], 1);
    expect(s.tone).toBe('bad');
    expect(s.label).not.toBe('Online');
    expect(s.lines).toContain('Sending fails (1 in the outbox)');
    const tx = sendState('a1', [failing], true);
    expect(tx.tone).toBe('bad');
    expect(tx.text).not.toMatch(/SSL routines/);
  });

  it('waiting for an account is a state, not a failure; IMAP errors show as receiving failures', () => {
    const waiting = item({ state: 'queued', attempts: 1, lastError: OUTBOX_WAITING_FOR_ACCOUNT, accountId: null, sentAt: null });
    expect(sendState('a1', [waiting], true).tone).toBe('warn');
    const rx = receiveState(acct({ online: false, state: 'error', lastError: { code: 'IMAP_AUTH', message: 'The IMAP server x:993 rejected the login for a: check the user name and password' } }));
    expect(rx.tone).toBe('bad');
    expect(rx.text).toBe('failing: The mail server x:993 refused the user name or password. Check them in the account settings.');
    expect(connectionSummary(status([], 2), [], 0)).toMatchObject({ label: 'Offline (no account)' });
  });
});
