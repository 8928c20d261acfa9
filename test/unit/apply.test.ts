// The one apply path (shared/itip/apply.ts): the rules as data, then the callers that used to differ (a file the
// app opens and `convene process`) checked against a real CalendarStore on a temp dir.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processOne } from '../../cli/commands/process';
import { createCore } from '../../electron/core';
import { CalendarStore } from '../../electron/store/calendar-store';
import { planApply, type AppliedMessage } from '../../shared/itip/apply';
import type { Decision, StoredEvent } from '../../shared/itip/types';
import { buildMail, makeIcs } from '../servers/seed';

const AT = '2026-03-01T10:00:00Z';
const next = { uid: 'u1', role: 'attendee', master: null, overrides: [], vtimezones: [], replies: [], pending: [], cancelled: false, myAddress: 'me@example.test', updatedAt: AT } as StoredEvent;

const mail = (over: Partial<AppliedMessage> = {}): AppliedMessage => ({
  key: 'acct/INBOX/7/42',
  source: 'mailbox',
  method: 'REQUEST',
  from: 'org@example.test',
  subject: 'Plan',
  date: '2026-03-01T09:00:00Z',
  messageId: '<m1@example.test>',
  position: { account: 'acct', mailbox: 'INBOX', imapUid: 42 },
  ...over,
});

describe('planApply: the rules as data', () => {
  it('a decision with a next state: put, processed record (with the mail position), thread entry, in that order', () => {
    const d: Decision = { action: 'created', uid: 'u1', reason: 'new invitation', next };
    expect(planApply({ decision: d, messages: [mail()], at: AT })).toEqual([
      { type: 'put', event: next },
      { type: 'processed', key: 'acct/INBOX/7/42', record: { action: 'created', uid: 'u1', reason: 'new invitation', at: AT, account: 'acct', mailbox: 'INBOX', imapUid: 42, messageId: '<m1@example.test>' } },
      { type: 'thread', uid: 'u1', entry: { key: 'acct/INBOX/7/42', method: 'REQUEST', from: 'org@example.test', subject: 'Plan', date: '2026-03-01T09:00:00Z', action: 'created', reason: 'new invitation' } },
    ]);
  });

  it('a mail that changed nothing is still recorded (the sync must not fetch it again); without a UID, no thread entry', () => {
    const d: Decision = { action: 'not-imip', uid: null, reason: 'an ordinary mail' };
    const changes = planApply({ decision: d, messages: [mail({ method: null })], at: AT });
    expect(changes.map((c) => c.type)).toEqual(['processed']);
  });

  it('a file that changed nothing (rejected, not iMIP) leaves no trace', () => {
    for (const action of ['rejected', 'not-imip'] as const) {
      const d: Decision = { action, uid: 'u1', reason: 'bad' };
      expect(planApply({ decision: d, messages: [mail({ source: 'file', key: 'sha256:ab' })], at: AT })).toEqual([]);
    }
  });

  it('a message already recorded keeps its first outcome when decided again as a duplicate', () => {
    const record = { action: 'needs-decision', uid: 'u1', reason: 'held: unknown sender', at: '2026-02-01T00:00:00Z' };
    const d: Decision = { action: 'duplicate', uid: 'u1', reason: 'already held' };
    expect(planApply({ decision: d, messages: [mail({ source: 'file', key: 'sha256:ab', record })], at: AT })).toEqual([]);
  });

  it('held mails admitted by the user: one put, each record made final keeping its fields, each thread entry updated', () => {
    const record = { action: 'needs-decision', uid: 'u1', reason: 'held', at: '2026-02-01T00:00:00Z', account: 'acct', mailbox: 'INBOX', imapUid: 42, messageId: '<m1@example.test>' };
    const entry = { key: 'acct/INBOX/7/42', method: 'REQUEST', from: 'org@example.test', subject: 'Plan', date: null, action: 'needs-decision', reason: 'held' };
    const held = mail({ position: undefined, messageId: undefined, record, entry, date: null });
    const d: Decision = { action: 'created', uid: 'u1', reason: 'added', next };
    const changes = planApply({ decision: d, messages: [held], at: AT });
    expect(changes).toEqual([
      { type: 'put', event: next },
      { type: 'processed', key: 'acct/INBOX/7/42', record: { ...record, action: 'created', reason: 'added', at: AT } },
      { type: 'thread', uid: 'u1', entry: { ...entry, action: 'created', reason: 'added' } },
    ]);
  });
});

describe('the callers apply alike', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'convene-apply-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const invite = (uid: string, me = 'me@example.test') => new TextEncoder().encode(makeIcs({ method: 'REQUEST', uid, organizer: 'stranger@example.test', attendees: [me], dtstamp: new Date('2026-02-01T00:00:00Z') }));

  // Bug: `convene process` re-decided a held message, the decider answered "duplicate" (the item is held already)
  // and that answer overwrote the record, so a later run with the 'always' policy printed "already processed" and
  // never applied it.
  it('convene process: a held message decided again while still held can still be admitted by a later run', async () => {
    const store = await CalendarStore.open(join(dir, 'cal'));
    try {
      const bytes = invite('held-1@example.test');
      const ctx = { me: ['me@example.test'], policy: 'known' as const, known: new Set<string>(), now: AT };
      expect((await processOne(store, 'a.ics', bytes, ctx)).action).toBe('needs-decision');
      expect((await processOne(store, 'a.ics', bytes, ctx)).action).toBe('duplicate');
      const admitted = await processOne(store, 'a.ics', bytes, { ...ctx, policy: 'always' });
      expect(admitted.action).toBe('created');
      expect(store.get('held-1@example.test')?.master).toBeTruthy();
      expect(store.thread('held-1@example.test').map((t) => t.action)).toEqual(['created']);
    } finally {
      await store.close();
    }
  });

  // Bug: the app keyed opened files `file:<sha256>` and the command line `sha256:<sha256>`, so the same file
  // processed by `convene process --store` and then opened in the app (one store) was two thread entries.
  it('the same file through `convene process` and then opened in the app is one message in the thread', async () => {
    const uid = 'both-1@example.test';
    const bytes = invite(uid, 'me@convene.invalid');
    const store = await CalendarStore.open(join(dir, 'calendar'));
    try {
      expect((await processOne(store, 'a.ics', bytes, { me: ['me@convene.invalid'], policy: 'always', known: new Set(), now: AT })).action).toBe('created');
    } finally {
      await store.close();
    }
    const core = await createCore({ dataDir: dir, shell: 'browser' });
    try {
      const r = await core.openFile({ name: 'a.ics', contentBase64: Buffer.from(bytes).toString('base64') });
      expect(r.ok && r.value.uid).toBe(uid);
      const detail = await core.getInvitation({ uid });
      expect(detail.ok && detail.value.thread).toHaveLength(1);
    } finally {
      await core.close();
    }
  });

  // The app used to add a rejected file to the thread of the event it named; `convene process` (documented: a
  // rejected message changes nothing) did not. One rule now: a file that changed nothing leaves no trace.
  it('opening a forged cancellation changes nothing, as `convene process` does with it', async () => {
    const uid = 'forged-1@example.test';
    const core = await createCore({ dataDir: dir, shell: 'browser' });
    try {
      const invite = await buildMail({ from: 'org@example.test', to: ['me@convene.invalid'], subject: 'Plan', ics: { method: 'REQUEST', content: makeIcs({ method: 'REQUEST', uid, organizer: 'org@example.test', attendees: ['me@convene.invalid'] }) } });
      expect((await core.openFile({ name: 'invite.eml', contentBase64: invite.toString('base64') })).ok).toBe(true);
      const forged = await buildMail({ from: 'mallory@evil.example', to: ['me@convene.invalid'], subject: 'Cancelled', ics: { method: 'CANCEL', content: makeIcs({ method: 'CANCEL', uid, organizer: 'mallory@evil.example', attendees: ['me@convene.invalid'], sequence: 5 }) } });
      const r = await core.openFile({ name: 'forged.eml', contentBase64: forged.toString('base64') });
      expect(r.ok && r.value.action).toBe('rejected');
      const detail = await core.getInvitation({ uid });
      expect(detail.ok && detail.value.cancelled).toBe(false);
      expect(detail.ok && detail.value.thread.map((t) => t.action)).toEqual(['created']);
    } finally {
      await core.close();
    }
  });
});
