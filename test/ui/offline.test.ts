// Without any account the app still works: opened .ics/.eml files show with the same actions, answers and
// meetings wait in the outbox, personal events are never sent, and a stale (older) message says so and offers no
// buttons. Runs the browser shell alone (no mail servers needed).
import { describe, expect, it } from 'vitest';
import { LOCAL_IDENTITY } from '../../shared/api';
import { carolRequest } from './invites';
import { shot, useShellPage } from './shell';

const WAIT = { timeout: 20_000, interval: 100 };
const UID = 'offline-1@example.test';

function request(sequence: number, start: string, stamp: string): string {
  return carolRequest({ uid: UID, summary: 'Design review', start, sequence, stamp, extra: ['LOCATION:Online'] });
}

function eml(ics: string): string {
  return [
    'From: Carol <carol@example.test>',
    `To: ${LOCAL_IDENTITY}`,
    'Subject: Invitation: Design review',
    'Date: Mon, 02 Mar 2026 09:00:00 +0000',
    'Message-ID: <old-1@example.test>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Design review',
    '--b1',
    'Content-Type: text/calendar; charset=utf-8; method=REQUEST',
    '',
    ics,
    '--b1--',
    '',
  ].join('\r\n');
}

const ui = useShellPage('offline', 'UTC', async (page) => {
  await page.getByRole('button', { name: 'use Convene offline' }).click();
});

const open = (name: string, body: string) => ui.page.getByLabel('Open an invitation file').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(body) });
const item = (text: string) => ui.page.locator('.inv-item', { hasText: text });

describe('offline use', () => {
  it('opens an .ics invitation and answers it into the outbox', async () => {
    await open('invite.ics', request(1, '20300301T100000Z', '20260302T100000Z'));
    await expect.poll(() => ui.page.getByTestId('detail-summary').textContent(), WAIT).toBe('Design review');
    expect(await item('Design review').textContent()).toContain('Needs response');
    await ui.page.getByLabel('Comment (optional)').fill('See you there');
    await ui.page.getByRole('button', { name: 'Accept', exact: true }).click();
    await expect.poll(() => ui.page.getByTestId('my-partstat').textContent(), WAIT).toBe('Accepted');
    await ui.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Status & outbox' }).click();
    const outbox = ui.page.getByTestId('outbox');
    await expect.poll(() => outbox.locator('tr[data-state]').count(), WAIT).toBe(1);
    expect(await outbox.textContent()).toContain('REPLY');
    expect(await outbox.textContent()).toContain('carol@example.test');
    expect(await outbox.locator('tr[data-state="sent"]').count()).toBe(0);
  });

  it('shows an older copy of the invitation (.eml) as outdated, without buttons', async () => {
    await open('old.eml', eml(request(0, '20300301T090000Z', '20260301T100000Z')));
    await expect.poll(() => ui.page.getByTestId('stale-banner').count(), WAIT).toBe(1);
    expect(await item('Design review').textContent()).toContain('Outdated');
    expect(await ui.page.getByRole('button', { name: 'Accept', exact: true }).count()).toBe(0);
    expect(await ui.page.getByRole('button', { name: 'Propose new time' }).count()).toBe(0);
    await shot(ui.page, 'stale-message');
  });

  it('answers one occurrence of a recurring invitation', async () => {
    const ics = request(0, '20300401T100000Z', '20260302T100000Z')
      .replaceAll(UID, 'weekly-1@example.test')
      .replace('SUMMARY:Design review', 'SUMMARY:Weekly sync')
      .replace('LOCATION:Online', 'LOCATION:Online\r\nRRULE:FREQ=WEEKLY;COUNT=4');
    await open('weekly.ics', ics);
    await expect.poll(() => ui.page.getByTestId('detail-summary').textContent(), WAIT).toBe('Weekly sync');
    expect(await ui.page.getByTestId('detail-when').textContent()).toContain('Every Monday, 4 times');
    const select = ui.page.getByLabel('Answer for');
    expect(await select.locator('option').count()).toBe(5); // the series + 4 occurrences
    await select.selectOption({ index: 2 });
    await ui.page.getByRole('button', { name: 'Decline', exact: true }).click();
    await ui.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Status & outbox' }).click();
    await expect.poll(() => ui.page.getByTestId('outbox').locator('tr[data-state]', { hasText: 'Weekly sync' }).count(), WAIT).toBe(1);
  });

  it('saves a meeting without attendees as a personal event that is never sent', async () => {
    await ui.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'New meeting' }).click();
    await ui.page.getByLabel('Title').fill('Dentist');
    await ui.page.getByLabel('Start', { exact: true }).fill('2030-03-04T08:00');
    await ui.page.getByLabel('End', { exact: true }).fill('2030-03-04T09:00');
    await ui.page.getByRole('button', { name: 'Save event' }).click();
    await expect.poll(() => ui.page.getByTestId('detail-summary').textContent(), WAIT).toBe('Dentist');
    await ui.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Status & outbox' }).click();
    await expect.poll(() => ui.page.getByTestId('outbox').locator('tr[data-state]').count(), WAIT).toBe(2);
    expect(await ui.page.getByTestId('outbox').textContent()).not.toContain('Dentist');
    expect(ui.problems).toEqual([]);
  });
});
