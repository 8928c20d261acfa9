// The reading side's view data (issue 11 §11 §13 §15 §17, issue 9 §4): event extras from the component text, the
// occurrence marks, the paged list, display names and human errors.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OccurrenceView } from '../../shared/api';
import type { StoredEvent } from '../../shared/itip/types';
import { humanError } from '../../shared/present/error-text';
import { readCalendarText, readInput } from '../../shared/itip/message';
import { processRead } from '../../shared/itip/process';
import { personWithAddress, usefulName } from '../../shared/present/names';
import { eventExtras, invitationPage, markOccurrences, organizerName } from '../../electron/services/reading-view';
import { CalendarStore } from '../../electron/store/calendar-store';
import { agendaView } from '../../electron/services/invitations-view';
import { makeIcs } from '../servers/seed';
import { makeEvent } from './store-fixtures';

const ALICE = 'alice@example.test';
const BOB = 'bob@example.test';
const NOW = '2030-01-01T09:00:00.000Z';
const CORPUS = process.env.CONVENE_CORPUS ?? join(__dirname, '../../../shared/corpus');
const GOOGLE_EML = join(CORPUS, 'eml/google-request-meet-01.eml');
const GOOGLE_PRESENT = existsSync(GOOGLE_EML);
if (!GOOGLE_PRESENT) console.warn(`corpus not found at ${CORPUS}: the Google invitation case is skipped (set CONVENE_CORPUS)`);

function stored(ics: string, me = BOB) {
  const read = readCalendarText(ics);
  const d = processRead(read.itip, read.problems, undefined, { me: [me], policy: 'always', knownContacts: [], now: NOW });
  expect(d.next, d.reason).toBeTruthy();
  return d.next!;
}

function withLines(ics: string, lines: string[]): string {
  return ics.replace('END:VEVENT', `${lines.join('\r\n')}\r\nEND:VEVENT`);
}

describe('eventExtras', () => {
  it('reads X-ALT-DESC (text/html) and RFC 7986 CONFERENCE from the stored component', () => {
    const ics = withLines(makeIcs({ method: 'REQUEST', uid: 'x1@t', organizer: ALICE, attendees: [BOB], summary: 'Planning', start: new Date('2030-01-02T10:00:00Z') }), [
      'X-ALT-DESC;FMTTYPE=text/html:<html><body><p><b>Agenda</b></p></body></html>',
      'CONFERENCE;VALUE=URI;FEATURE=VIDEO;LABEL=Zoom:https://acme.zoom.us/j/123',
    ]);
    const ev = stored(ics);
    const x = eventExtras(ev.master);
    expect(x.descriptionHtml).toContain('<b>Agenda</b>');
    expect(x.conference).toMatchObject({ url: 'https://acme.zoom.us/j/123', service: 'zoom', source: 'conference' });
  });

  it.skipIf(!GOOGLE_PRESENT)('finds the Meet link of a real Google invitation (corpus) in its HTML DESCRIPTION', async () => {
    const raw = readFileSync(GOOGLE_EML);
    const read = await readInput(new Uint8Array(raw), 'google.eml');
    const d = processRead(read.itip, read.problems, undefined, { me: ['homer@example.com'], policy: 'always', knownContacts: [], now: NOW });
    const x = eventExtras(d.next!.master);
    expect(x.conference).toMatchObject({ url: 'https://meet.google.com/pyb-ndcu-hhc', service: 'meet' });
    // Google names the organizer by address in CN: no display name.
    expect(organizerName(d.next!)).toBeNull();
  });

  it('gives nothing for a missing or unreadable component, without throwing', () => {
    expect(eventExtras(null)).toEqual({ descriptionHtml: null, conference: null });
    const ev = stored(makeIcs({ method: 'REQUEST', uid: 'x2@t', organizer: ALICE, attendees: [BOB], summary: 'Plain', start: new Date('2030-01-02T10:00:00Z') }));
    expect(eventExtras({ ...ev.master!, ics: 'BEGIN:VEVENT\r\nbroken' })).toEqual({ descriptionHtml: null, conference: null });
  });
});

describe('markOccurrences', () => {
  it('marks needs-answer, accepted, tentative and cancelled, and carries the location', () => {
    const base = { method: 'REQUEST' as const, organizer: ALICE, attendees: [BOB], start: new Date('2030-01-02T10:00:00Z') };
    const open = stored(withLines(makeIcs({ ...base, uid: 'm1@t', summary: 'Open' }), ['LOCATION:Room 7']));
    const acc = stored(makeIcs({ ...base, uid: 'm2@t', summary: 'Yes' }));
    acc.master!.attendees = acc.master!.attendees.map((a) => (a.email === BOB ? { ...a, partstat: 'ACCEPTED' } : a));
    const tent = stored(makeIcs({ ...base, uid: 'm3@t', summary: 'Maybe' }));
    tent.master!.attendees = tent.master!.attendees.map((a) => (a.email === BOB ? { ...a, partstat: 'TENTATIVE' } : a));
    const all = [open, acc, tent];
    const list = agendaView(all, '2030-01-01T00:00:00Z', '2030-01-05T00:00:00Z', [BOB]);
    const marked = markOccurrences(list, (uid) => all.find((e) => e.uid === uid), [BOB]);
    const by = Object.fromEntries(marked.map((o) => [o.uid, o]));
    expect(by['m1@t']).toMatchObject({ mark: 'needs-answer', location: 'Room 7' });
    expect(by['m2@t']!.mark).toBe('accepted');
    expect(by['m3@t']!.mark).toBe('tentative');
    const cancelled: OccurrenceView = { ...by['m1@t']!, status: 'CANCELLED' };
    expect(markOccurrences([cancelled], () => open, [BOB])[0]!.mark).toBe('cancelled');
  });
});

describe('the paged invitation list (from the store rows)', () => {
  const at = (i: number) => `2026-01-0${i}T10:00:00.000Z`;
  const ev = (i: number, role: StoredEvent['role'], partstat: string, extra: Partial<StoredEvent> = {}): StoredEvent => {
    const e = makeEvent(`u${i}`, i);
    e.master!.attendees[0]!.partstat = partstat;
    return { ...e, role, updatedAt: at(i), ...extra };
  };
  const ctx = { me: ['me@example.com'], accountFor: () => 'acct-1' };

  it('filters received / organized / pending, counts them all, newest first, and pages past the end are empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convene-pages-'));
    const s = await CalendarStore.open(dir);
    try {
      await s.commit([
        ev(1, 'attendee', 'NEEDS-ACTION'),
        ev(2, 'organizer', 'ACCEPTED'),
        ev(3, 'attendee', 'ACCEPTED', { pending: [{ id: 'p', kind: 'counter', from: 'x@example.com', recurrenceId: null, ics: '', receivedAt: at(3), summary: 'p' }] }),
        ev(4, 'personal', 'ACCEPTED'),
        ev(5, 'attendee', 'DECLINED'),
      ].map((event) => ({ type: 'put' as const, event })));
      const p = invitationPage(s, { offset: 0, limit: 10, filter: 'organized' }, ctx);
      expect(p.items.map((x) => x.uid)).toEqual(['u4', 'u2']);
      expect(p.counts).toEqual({ all: 5, received: 3, organized: 2, pending: 2 });
      expect(p.pending).toBe(2);
      expect(invitationPage(s, { offset: 0, limit: 10, filter: 'pending' }, ctx).items.map((x) => [x.uid, x.badge])).toEqual([['u3', 'needs-decision'], ['u1', 'needs-response']]);
      expect(invitationPage(s, { offset: 1, limit: 2 }, ctx).items.map((x) => x.uid)).toEqual(['u4', 'u3']);
      expect(invitationPage(s, { offset: 99, limit: 10 }, ctx)).toMatchObject({ items: [], offset: 5, total: 5 });
      // A commit is in the next page at once: u1 answered becomes newest and leaves the pending filter.
      await s.put(ev(1, 'attendee', 'ACCEPTED', { updatedAt: at(9) }));
      expect(invitationPage(s, { offset: 0, limit: 1 }, ctx).items).toMatchObject([{ uid: 'u1', badge: 'accepted', accountId: 'acct-1', organizerName: 'Org' }]);
      expect(invitationPage(s, { offset: 0, limit: 0, filter: 'pending' }, ctx).total).toBe(1);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('names and errors', () => {
  it('never shows "x@y <x@y>"', () => {
    expect(usefulName('bob@example.com', 'bob@example.com')).toBeNull();
    expect(usefulName('"BOB@Example.com"', 'mailto:bob@example.com')).toBeNull();
    expect(personWithAddress('bob@example.com', 'bob@example.com')).toBe('bob@example.com');
    expect(personWithAddress('Bob Builder', 'bob@example.com')).toBe('Bob Builder <bob@example.com>');
    expect(personWithAddress('  ', 'bob@example.com')).toBe('bob@example.com');
  });

  it('says TLS failures in one short sentence, the OpenSSL text only as detail', () => {
    const raw = 'A secure (TLS) connection to imap.example.com:993 failed: 80B8C1F7:error:0A00010B:SSL routines:ssl3_get_record:wrong version number. Check the port and the security setting (TLS, STARTTLS or none)';
    const h = humanError({ code: 'IMAP_TLS', message: raw });
    expect(h.text).toBe('No secure connection to the mail server imap.example.com:993. Check the port and the security setting (TLS or STARTTLS).');
    expect(h.text).not.toMatch(/SSL routines|0A00010B/);
    expect((h.text.match(/Check/g) ?? []).length).toBe(1);
    expect(h.detail).toBe(raw);
    // An outbox's last error is a bare string: the code is read from it.
    expect(humanError('TLS failed: error:0A00010B:SSL routines::wrong version number').text).toMatch(/^No secure connection/);
  });
});
