// Reading invitations (issue 11 §11–§17): a Google-made HTML invitation shown formatted with its Join button and
// its own mail; the invitation list by keyboard (one tab stop, arrows, Enter opens and focuses the answer area);
// the pending count in the sidebar and the title; statuses in the week and the agenda; the meeting editor's weekday
// rule in words; the page saying at once when the core goes away. The browser shell alone (offline: no servers).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOCAL_IDENTITY } from '../../shared/api';
import { carolRequest } from './invites';
import { shot, startShell, useShellPage } from './shell';

const WAIT = { timeout: 20_000, interval: 100 };
const CORPUS = process.env.CONVENE_CORPUS ?? join(__dirname, '../../../shared/corpus');
const GOOGLE = join(CORPUS, 'eml/google-request-meet-01.eml');
const HAVE_GOOGLE = existsSync(GOOGLE);
if (!HAVE_GOOGLE) console.warn(`corpus not found at ${CORPUS}: the Google invitation case is skipped (set CONVENE_CORPUS)`);

/** This week's Monday (UTC date) and a UTC stamp on day `d` (0 = Monday) at `h`:00 Berlin winter time (UTC+1). */
function weekDay(d: number, h: number): string {
  const now = new Date();
  const dow = (now.getUTCDay() + 6) % 7;
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - dow + d, h - 1));
  return day.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function invite(uid: string, summary: string, start: string, extra: string[] = []): string {
  return carolRequest({ uid, summary, start, carol: 'Carol Danvers', extra });
}

const ui = useShellPage('reading', 'Europe/Berlin', async (page) => {
  await page.getByRole('button', { name: 'Use Convene offline' }).click();
  await page.getByRole('heading', { name: 'Invitations' }).waitFor({ timeout: 20_000 });
});

async function open(name: string, text: string): Promise<void> {
  await ui.page.getByLabel('Open an invitation file').setInputFiles({ name, mimeType: name.endsWith('.eml') ? 'message/rfc822' : 'text/calendar', buffer: Buffer.from(text) });
}

describe('reading invitations', () => {
  it.skipIf(!HAVE_GOOGLE)('a Google HTML invitation is shown formatted, with its Join button and its own mail', async () => {
    // The corpus message, addressed to this offline user instead of homer@example.com.
    const raw = readFileSync(GOOGLE, 'latin1').replaceAll('homer@example.com', LOCAL_IDENTITY);
    await open('google.eml', raw);
    await expect.poll(() => ui.page.getByTestId('detail-summary').textContent(), WAIT).toBe('Meeeeet me HTML');
    const desc = ui.page.getByTestId('description');
    expect(await desc.getAttribute('data-format')).toBe('html');
    // Google's <b> and <i> are rendered, not shown as markup; its plain URL became a link to the browser.
    expect(await desc.locator('b').textContent()).toBe('Bold');
    expect(await desc.textContent()).not.toContain('<b>');
    const link = desc.locator('a[href^="http://example.com"]');
    expect(await link.getAttribute('target')).toBe('_blank');
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    const join = ui.page.getByTestId('join').getByRole('link');
    expect(await join.textContent()).toBe('Join Google Meet meeting');
    expect(await join.getAttribute('href')).toBe('https://meet.google.com/pyb-ndcu-hhc');
    expect(await join.getAttribute('target')).toBe('_blank');
    // Google names the organizer by address in CN: shown once, never "x@y <x@y>".
    expect(await ui.page.getByTestId('invitation-detail').textContent()).not.toContain('example@gmail.com <example@gmail.com>');
    await shot(ui.page, 'invitation-google-html', { docs: true });

    await ui.page.getByTestId('original-mail-toggle').click();
    await expect.poll(() => ui.page.getByTestId('original-mail').textContent(), WAIT).toContain('Attachments');
    const mail = ui.page.getByTestId('original-mail');
    expect(await mail.getByTestId('attachments').textContent()).toContain('invite.ics');
    // The HTML body: sanitized (no scripts, no remote images), formatted.
    expect(await mail.getByTestId('mail-html').count()).toBe(1);
    expect(await mail.locator('script, img[src^="http"]').count()).toBe(0);
    await mail.scrollIntoViewIfNeeded();
    await shot(ui.page, 'invitation-original-mail');
  });

  it('the list works with the keyboard: one tab stop, arrows, Enter opens and moves focus to the answer area', async () => {
    await open('a.ics', invite('kb-a@example.test', 'Alpha planning', weekDay(1, 10), ['LOCATION:Room Alpha']));
    await expect.poll(() => ui.page.getByTestId('detail-summary').textContent(), WAIT).toBe('Alpha planning');
    await open('b.ics', invite('kb-b@example.test', 'Beta review', weekDay(2, 14), ['LOCATION:https://acme.zoom.us/j/5551234']));
    await expect.poll(() => ui.page.getByTestId('detail-summary').textContent(), WAIT).toBe('Beta review');
    await open('c.ics', invite('kb-c@example.test', 'Gamma sync', weekDay(3, 9)));
    await expect.poll(() => ui.page.getByTestId('detail-summary').textContent(), WAIT).toBe('Gamma sync');
    // Zoom in LOCATION gives a Join button.
    await ui.page.locator('.inv-item', { hasText: 'Beta review' }).click();
    await expect.poll(() => ui.page.getByTestId('join').textContent(), WAIT).toContain('Join Zoom meeting');

    // The pending count: sidebar and window title.
    const pending = Number(await ui.page.getByTestId('pending-count').textContent());
    expect(pending).toBeGreaterThanOrEqual(3);
    await expect.poll(() => ui.page.title(), WAIT).toBe(`(${pending}) Convene`);

    const list = ui.page.getByRole('listbox', { name: 'Invitation threads' });
    await list.focus();
    // Exactly one tab stop: Tab from the list leaves it (no per-row tab stops).
    expect(await ui.page.locator('[data-testid="invitation-list"] [tabindex="0"], [data-testid="invitation-list"] button').count()).toBe(0);
    await ui.page.keyboard.press('Home');
    const firstText = await ui.page.locator('#inv-opt-0').textContent();
    expect(await list.getAttribute('aria-activedescendant')).toBe('inv-opt-0');
    await ui.page.keyboard.press('ArrowDown');
    expect(await list.getAttribute('aria-activedescendant')).toBe('inv-opt-1');
    const secondTitle = (await ui.page.locator('#inv-opt-1 .inv-summary').textContent())!;
    expect(secondTitle).not.toBe(firstText);
    await ui.page.keyboard.press('Enter');
    await expect.poll(() => ui.page.getByTestId('detail-summary').textContent(), WAIT).toBe(secondTitle);
    // Focus moved into the opened invitation, onto its answer bar (issue 11 §16).
    await expect
      .poll(() => ui.page.evaluate(() => !!document.activeElement?.closest('[data-testid="invitation-detail"] [data-focus-target="answer-bar"]')), WAIT)
      .toBe(true);
    // The next Tab reaches the first answer button.
    await ui.page.keyboard.press('Tab');
    expect(await ui.page.evaluate(() => document.activeElement?.textContent)).toBe('Accept');
    expect(await ui.page.locator('#inv-opt-1').getAttribute('aria-selected')).toBe('true');
    await shot(ui.page, 'invitation-list-keyboard');

    // The filter: meetings I organize apart from invitations I received.
    await ui.page.getByRole('button', { name: /^I organize/ }).click();
    await expect.poll(() => ui.page.getByText('You organize no meetings yet.').count(), WAIT).toBe(1);
    await ui.page.getByRole('button', { name: /^To answer/ }).click();
    await expect.poll(() => ui.page.locator('.inv-item', { hasText: 'Alpha planning' }).count(), WAIT).toBe(1);
    await ui.page.getByRole('button', { name: /^All/ }).click();
  });

  it('the week and the agenda show each status differently, with the location', async () => {
    // Answer one tentatively (offline: it waits in the outbox).
    await ui.page.locator('.inv-item', { hasText: 'Gamma sync' }).click();
    await expect.poll(() => ui.page.getByTestId('detail-summary').textContent(), WAIT).toBe('Gamma sync');
    await ui.page.getByRole('button', { name: 'Tentative', exact: true }).click();
    await expect.poll(() => ui.page.locator('.inv-item', { hasText: 'Gamma sync' }).textContent(), WAIT).toContain('Tentative');

    await ui.page.keyboard.press('Alt+2');
    await expect.poll(() => ui.page.locator('.ev[data-mark="tentative"]', { hasText: 'Gamma sync' }).count(), WAIT).toBe(1);
    const alpha = ui.page.locator('.ev', { hasText: 'Alpha planning' });
    expect(await alpha.getAttribute('data-mark')).toBe('needs-answer');
    // Not by colour alone: the status is in the text (the tag) and in the accessible name.
    expect(await alpha.textContent()).toContain('?');
    expect(await alpha.getAttribute('aria-label')).toContain('Needs answer');
    expect(await ui.page.locator('.ev', { hasText: 'Gamma sync' }).textContent()).toContain('Maybe');
    expect(await alpha.getAttribute('aria-label')).toContain('Room Alpha');
    // The week opened at its first event: it is in view without scrolling.
    const box = await ui.page.locator('.ev', { hasText: 'Gamma sync' }).boundingBox();
    const grid = await ui.page.locator('.week-grid').boundingBox();
    expect(box!.y).toBeGreaterThanOrEqual(grid!.y);
    expect(box!.y).toBeLessThan(grid!.y + grid!.height);
    await shot(ui.page, 'calendar-week-statuses', { docs: true });

    await ui.page.getByRole('button', { name: 'Agenda' }).click();
    await expect.poll(() => ui.page.getByTestId('agenda').textContent(), WAIT).toContain('Room Alpha');
    expect(await ui.page.locator('.agenda-item[data-mark="tentative"]').count()).toBeGreaterThanOrEqual(1);
    expect(await ui.page.locator('.agenda-item[data-mark="needs-answer"]').first().textContent()).toContain('Needs answer');
    await shot(ui.page, 'calendar-agenda-statuses');

    // The chosen week is kept when coming back.
    await ui.page.getByRole('button', { name: 'Week' }).click();
    await ui.page.getByRole('button', { name: 'Next' }).click();
    const shown = await ui.page.locator('.cal-head .muted').first().textContent();
    await ui.page.keyboard.press('Alt+1');
    await ui.page.keyboard.press('Alt+2');
    await expect.poll(() => ui.page.locator('.cal-head .muted').first().textContent(), WAIT).toBe(shown);
  });

  it('the meeting editor: weekly on chosen weekdays until a date, described in words; optional attendees', async () => {
    await ui.page.keyboard.press('Alt+3');
    await ui.page.getByLabel('Title').fill('Team standup');
    await ui.page.getByLabel('Start', { exact: true }).fill('2026-12-01T09:30');
    await ui.page.getByLabel('End', { exact: true }).fill('2026-12-01T09:45');
    await ui.page.getByLabel('Repeats').selectOption('WEEKLY');
    await ui.page.getByLabel('Thursday').check();
    await ui.page.getByRole('radio', { name: /Ends on/ }).check();
    await ui.page.getByLabel('Last day').fill('2027-03-01');
    await expect.poll(() => ui.page.getByTestId('rule-words').textContent(), WAIT).toBe('Every Tuesday and Thursday until 1 Mar 2027');
    expect(await ui.page.locator('form.editor').textContent()).not.toContain('FREQ=');
    await ui.page.getByLabel('Add attendee (e-mail)').fill('erin@example.test, frank@example.test');
    await ui.page.getByRole('button', { name: 'Add', exact: true }).click();
    await ui.page.getByLabel('Role of frank@example.test').selectOption('OPT-PARTICIPANT');
    // The zone field finds zones by any part of their name.
    await ui.page.getByLabel('Time zone').fill('new york');
    await expect.poll(() => ui.page.locator('datalist option[value="America/New_York"]').count(), WAIT).toBe(1);
    await ui.page.getByLabel('Time zone').fill('Europe/Berlin');
    await ui.page.evaluate(() => document.querySelector('main')?.scrollTo(0, 0));
    await ui.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await shot(ui.page, 'meeting-editor-weekday-rule', { docs: true });
    await ui.page.getByRole('button', { name: 'Save and send invitations' }).click();
    await expect.poll(() => ui.page.getByTestId('detail-summary').textContent(), WAIT).toBe('Team standup');
    expect(await ui.page.getByTestId('detail-rule').textContent()).toBe('Every Tuesday and Thursday until 1 Mar 2027');
    // Edited again: the form shows the rule as it was made.
    await ui.page.getByRole('button', { name: 'Edit meeting' }).click();
    await expect.poll(() => ui.page.getByTestId('rule-words').textContent(), WAIT).toBe('Every Tuesday and Thursday until 1 Mar 2027');
    expect(await ui.page.getByLabel('Role of frank@example.test').inputValue()).toBe('OPT-PARTICIPANT');
    await ui.page.getByRole('button', { name: 'Discard' }).click();
    expect(ui.problems).toEqual([]);
  });

  it('when the core goes away the page says so at once; a restarted core with a new token makes it a stale tab', async () => {
    await ui.page.keyboard.press('Alt+1');
    const dataDir = /--data-dir (\S+)/.exec(ui.shell.proc.spawnargs.join(' '))![1]!;
    const port = new URL(ui.shell.url).port;
    await ui.shell.stop();
    await expect.poll(() => ui.page.getByTestId('link-lost').getAttribute('data-state'), WAIT).toBe('lost');
    expect(await ui.page.getByTestId('link-lost').textContent()).toContain('Convene is not answering');
    await shot(ui.page, 'link-lost');
    // The app starts again on the same port: a new start has a new token, so this tab cannot reach it and says how.
    ui.shell = await startShell(dataDir, ['--port', port]);
    await expect.poll(() => ui.page.getByTestId('link-lost').getAttribute('data-state'), WAIT).toBe('stale');
    expect(await ui.page.getByTestId('link-lost').textContent()).toContain('Open the address Convene printed');
    await shot(ui.page, 'link-stale');
  });
});
