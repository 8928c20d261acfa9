// Issue 11 §10: after proposing a new time my view says the proposal waits for the organizer. Only a message the
// organizer wrote after the proposal answers it; one written before (still on its way when I proposed) does not.
import { describe, expect, it } from 'vitest';
import { proposalWaiting, type ThreadEntryLike } from '../../electron/services/invitations-view';

const entry = (method: string, date: string): ThreadEntryLike => ({ key: `${method}-${date}`, method, from: 'alice@example.test', subject: 'x', date, action: 'updated', reason: '' }) as ThreadEntryLike;
const SENT = '2026-12-01T10:00:00.800Z';

describe('proposalWaiting', () => {
  it('a CANCEL written in the same second before the proposal is no answer (it was on its way)', () => {
    expect(proposalWaiting(SENT, [entry('CANCEL', '2026-12-01T10:00:00Z')])).toBe(true);
    expect(proposalWaiting(SENT, [entry('REQUEST', '2026-12-01T09:59:59Z')])).toBe(true);
  });
  it('a DECLINECOUNTER or REQUEST written after it answers it', () => {
    expect(proposalWaiting(SENT, [entry('DECLINECOUNTER', '2026-12-01T10:00:05Z')])).toBe(false);
    expect(proposalWaiting(SENT, [entry('REQUEST', '2026-12-01T10:01:00Z')])).toBe(false);
  });
  it('other messages never answer it', () => {
    expect(proposalWaiting(SENT, [entry('REPLY', '2026-12-01T10:05:00Z'), entry('COUNTER', '2026-12-01T10:05:00Z')])).toBe(true);
  });
});
