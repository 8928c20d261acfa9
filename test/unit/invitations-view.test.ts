// The invitation view's thread list: each stored thread entry becomes a ThreadMessageView, and an entry the sync
// marked deleted (the mail was expunged on the server) carries that instant; the others carry null.
import { describe, expect, it } from 'vitest';
import { detailView } from '../../electron/services/invitations-view';
import type { ThreadEntry } from '../../electron/store/calendar-store';
import { readCalendarText } from '../../shared/itip/message';
import { processRead } from '../../shared/itip/process';
import { makeIcs } from '../servers/seed';

const ALICE = 'alice@example.test';
const BOB = 'bob@example.test';
const NOW = '2030-01-01T09:00:00.000Z';

describe('invitations-view thread messages', () => {
  it('maps the deleted date of a thread entry, null when the mail is still on the server', () => {
    const uid = 'view-deleted@example.test';
    const ics = makeIcs({ method: 'REQUEST', uid, organizer: ALICE, attendees: [BOB], summary: 'Deleted mail', start: new Date('2030-01-02T10:00:00Z') });
    const read = readCalendarText(ics);
    const decision = processRead(read.itip, read.problems, undefined, { me: [BOB], policy: 'always', knownContacts: [], now: NOW });
    expect(decision.action).toBe('created');
    const base = { method: 'REQUEST', from: ALICE, subject: 'Invitation', date: NOW, action: 'created', reason: 'new invitation' };
    const thread: ThreadEntry[] = [
      { key: 'acct/INBOX/1/7', ...base, deleted: '2030-01-01T10:00:00.000Z' },
      { key: 'acct/INBOX/1/8', ...base, action: 'duplicate' },
    ];
    const d = detailView(decision.next!, thread, [decision.next!], { me: [BOB], now: NOW, accountFor: () => null });
    expect(d.thread.map((t) => [t.key, t.deleted])).toEqual([
      ['acct/INBOX/1/7', '2030-01-01T10:00:00.000Z'],
      ['acct/INBOX/1/8', null],
    ]);
    expect(d.thread[0]).toMatchObject({ method: 'REQUEST', from: ALICE, subject: 'Invitation', action: 'created', reason: 'new invitation' });
  });
});
