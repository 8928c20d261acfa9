// The full meeting life, driven through the browser shell as two people would: alice (organizer, New York) and bob
// (attendee, Berlin), each with their own shell process, data directory and browser context, against the real
// Dovecot and SMTP servers of this run. Invite → accept with a comment → reschedule → re-answer → counter-proposal
// accepted → re-answer → cancel → remove. Each step asserts what each person sees; screenshots of the main screens
// go to test-artifacts/ui/ (and, with CONVENE_UPDATE_SCREENSHOTS=1, docs/screenshots/ for the README).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { scenarioSteps } from '../servers/steps';
import { startMailServers, type MailServers, type TestUser } from '../servers/mail-servers';
import { day, ensureBuilt, fillAccountForm, launchChromium, shot, startShell, stopAll, tempDataDir, wallToDate, watchPage, type Shell } from './shell';

const WAIT = { timeout: 60_000, interval: 200 };
const SUMMARY = 'Quarterly planning';

let servers: MailServers;
let browser: Browser;
const shells: Shell[] = [];
const contexts: BrowserContext[] = [];
const problems: string[] = [];
let alice: { user: TestUser; page: Page };
let bob: { user: TestUser; page: Page };

/** How the UI formats a time (en-US, the locale's hour), whitespace normalised (ICU uses U+202F before AM/PM). */
function timeIn(instant: Date, tz: string): string {
  return new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', timeZone: tz }).format(instant).replace(/\s/g, ' ');
}

const norm = (s: string | null) => (s ?? '').replace(/\s/g, ' ');

async function openPerson(name: string, tz: string, dataDir: string): Promise<Page> {
  const shell = await startShell(dataDir);
  shells.push(shell);
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: tz, locale: 'en-US' });
  contexts.push(ctx);
  const page = await ctx.newPage();
  problems.push(...[]);
  const p = watchPage(page, name);
  // Shared list, read at the end.
  page.on('close', () => problems.push(...p));
  (page as unknown as { __problems: string[] }).__problems = p;
  await page.goto(shell.url);
  return page;
}

/** 'Test connection' with one thing wrong at a time: each failure gets its own clear sentence. */
async function checkFailures(page: Page, user: TestUser): Promise<void> {
  const check = page.getByTestId('connection-check');
  const test = async (expected: RegExp) => {
    await page.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(async () => (await check.count()) && check.locator('li').first().textContent(), WAIT).toMatch(expected);
  };
  await page.getByLabel('Password').fill('wrong-password');
  await test(/^IMAP: the user name or password was refused/);
  expect(await check.locator('li').nth(1).textContent()).toMatch(/^SMTP: the user name or password was refused/);
  await page.getByLabel('Password').fill(user.password);
  await page.getByLabel('IMAP security').selectOption('tls');
  await test(/^IMAP: the secure \(TLS\) connection failed/);
  await page.getByLabel('IMAP security').selectOption('none');
  await page.getByLabel('IMAP port').fill('1');
  await test(/^IMAP: no answer on that port/);
  await shot(page, 'account-test-failure');
  await page.getByLabel('IMAP port').fill(String(servers.imap.port));
}

async function addAccount(page: Page, user: TestUser, displayName: string, screenshot?: string): Promise<void> {
  await expect.poll(() => page.getByRole('heading', { name: 'Welcome to Convene' }).count(), WAIT).toBe(1);
  await fillAccountForm(page, servers, user, displayName);
  if (screenshot) await checkFailures(page, user);
  await page.getByRole('button', { name: 'Test connection' }).click();
  const check = page.getByTestId('connection-check');
  await expect.poll(() => check.textContent(), WAIT).toContain('IMAP: connected and logged in.');
  expect(await check.textContent()).toContain('SMTP: connected and logged in.');
  if (screenshot) await shot(page, screenshot, { docs: true });
  await page.getByRole('button', { name: 'Save account' }).click();
  await expect.poll(() => page.getByRole('heading', { name: 'Invitations' }).count(), WAIT).toBe(1);
  await expect.poll(() => page.getByTestId('connection-state').textContent(), WAIT).toContain('Online');
}

function nav(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true }).click();
}

function item(page: Page) {
  return page.locator('.inv-item', { hasText: SUMMARY });
}

async function openItem(page: Page): Promise<void> {
  await nav(page, 'Invitations');
  await expect.poll(() => item(page).count(), WAIT).toBe(1);
  await item(page).click();
  await expect.poll(() => page.getByTestId('detail-summary').textContent(), WAIT).toBe(SUMMARY);
}

function row(page: Page, email: string) {
  return page.getByTestId('attendees').locator(`tr[data-email="${email}"]`);
}

beforeAll(async () => {
  ensureBuilt();
  servers = await startMailServers();
  browser = await launchChromium();
  const a = await servers.addUser('alice');
  const b = await servers.addUser('bob');
  alice = { user: a, page: await openPerson('alice', 'America/New_York', tempDataDir('alice')) };
  bob = { user: b, page: await openPerson('bob', 'Europe/Berlin', tempDataDir('bob')) };
});

afterAll(() => stopAll(contexts, browser, shells, servers));

describe('a meeting, from invitation to cancellation, between two browser shells', () => {
  // Named steps of one scenario: each reports on its own; a failure skips the steps after it (they build on it).
  const step = scenarioSteps();
  step('sets up both accounts from the first-run screen', async () => {
    await shot(alice.page, 'first-run', { docs: true });
    await addAccount(alice.page, alice.user, 'Alice Organizer', 'account-setup');
    await addAccount(bob.page, bob.user, 'Bob Attendee');
  });

  const d1 = day(3);
  const startWall = `${d1}T10:00`;
  const rescheduledWall = `${d1}T12:00`;
  const proposedDay = day(4);

  step('alice invites bob; bob sees the invitation in his time zone and accepts with a comment', async () => {
    const { page } = alice;
    await nav(page, 'New meeting');
    await page.getByLabel('Title').fill(SUMMARY);
    await page.getByLabel('Start', { exact: true }).fill(startWall);
    await page.getByLabel('End', { exact: true }).fill(`${d1}T11:00`);
    await page.getByLabel('Location').fill('Room 4.01');
    await page.getByLabel('Description').fill('Budget review and roadmap.\nPlease bring your numbers.');
    await page.getByLabel('Add attendee (e-mail)').fill(bob.user.email);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    expect(await page.getByRole('list', { name: 'Attendees' }).textContent()).toContain(bob.user.email);
    await shot(page, 'meeting-editor', { docs: true });
    await page.getByRole('button', { name: 'Save and send invitations' }).click();
    await expect.poll(() => page.getByTestId('detail-summary').textContent(), WAIT).toBe(SUMMARY);
    expect(await item(page).textContent()).toContain('Organizer');

    // Bob
    const b = bob.page;
    await expect.poll(() => item(b).count(), WAIT).toBe(1);
    // Bob's policy is the default 'known': a first invitation from someone he never mailed with is held for him.
    expect(await item(b).textContent()).toContain('Needs decision');
    await item(b).click();
    await expect.poll(() => b.getByTestId('detail-summary').textContent(), WAIT).toBe(SUMMARY);
    // The answers are there all the same (issue 11 §4: the policy decides only what is applied automatically).
    expect(await b.getByTestId('answer-bar').getByRole('button', { name: 'Accept', exact: true }).count()).toBe(1);
    await shot(b, 'held-invitation');
    await b.locator('li.pending[data-kind="new-invitation"]').getByRole('button', { name: 'Add to calendar' }).click();
    await expect.poll(() => item(b).textContent(), WAIT).toContain('Needs response');
    const start = wallToDate(startWall, 'America/New_York');
    expect(norm(await b.getByTestId('detail-when').textContent())).toContain(timeIn(start, 'Europe/Berlin'));
    // The organizer's zone differs from bob's: both are shown.
    expect(norm(await b.getByTestId('organizer-time').textContent())).toContain(timeIn(start, 'America/New_York'));
    expect(await b.getByTestId('description').textContent()).toContain('Please bring your numbers.');
    expect(await b.getByTestId('invitation-detail').textContent()).toContain('Room 4.01');
    expect(await b.getByTestId('invitation-detail').textContent()).toContain(alice.user.email);
    await shot(b, 'invitation', { docs: true });
    await b.getByLabel('Comment (optional)').fill('Looking forward to it');
    await b.getByRole('button', { name: 'Accept', exact: true }).click();
    await expect.poll(() => b.getByTestId('my-partstat').textContent(), WAIT).toBe('Accepted');
    await expect.poll(() => item(b).textContent(), WAIT).toContain('Accepted');

    // Alice sees the answer and the comment on the response board.
    await expect.poll(() => row(page, bob.user.email).textContent(), WAIT).toContain('Accepted');
    expect(await row(page, bob.user.email).textContent()).toContain('Looking forward to it');
    await shot(page, 'response-board', { docs: true });
  });

  step('alice reschedules; bob sees the update and answers again', async () => {
    const { page } = alice;
    await page.getByRole('button', { name: 'Edit meeting' }).click();
    await expect.poll(() => page.getByLabel('Title').inputValue(), WAIT).toBe(SUMMARY);
    await page.getByLabel('Start', { exact: true }).fill(rescheduledWall);
    expect(await page.getByLabel('End', { exact: true }).inputValue()).toBe(`${d1}T13:00`);
    await page.getByRole('button', { name: 'Save and send update' }).click();
    await expect.poll(() => page.getByTestId('detail-summary').textContent(), WAIT).toBe(SUMMARY);
    // A significant change resets the answers (RFC 5546 §2.1.4).
    await expect.poll(() => row(page, bob.user.email).textContent(), WAIT).toContain('No answer yet');

    const b = bob.page;
    await expect.poll(() => item(b).textContent(), WAIT).toContain('Updated');
    await item(b).click();
    const moved = wallToDate(rescheduledWall, 'America/New_York');
    await expect.poll(async () => norm(await b.getByTestId('detail-when').textContent()), WAIT).toContain(timeIn(moved, 'Europe/Berlin'));
    await b.getByLabel('Comment (optional)').fill('Might be a few minutes late');
    await b.getByRole('button', { name: 'Tentative', exact: true }).click();
    await expect.poll(() => b.getByTestId('my-partstat').textContent(), WAIT).toBe('Tentative');

    await expect.poll(() => row(page, bob.user.email).textContent(), WAIT).toContain('Tentative');
    expect(await row(page, bob.user.email).textContent()).toContain('Might be a few minutes late');
  });

  step('bob proposes a new time; alice accepts the counter-proposal; bob re-answers', async () => {
    const b = bob.page;
    await b.getByRole('button', { name: 'Propose new time' }).click();
    await b.getByLabel(/Proposed start/).fill(`${proposedDay}T15:00`);
    await b.getByLabel(/Proposed end/).fill(`${proposedDay}T16:00`);
    await b.getByLabel('Message to the organizer').fill('Could we do the next day?');
    await b.getByRole('button', { name: 'Send proposal' }).click();

    const page = alice.page;
    const counter = page.locator('li.pending[data-kind="counter"]');
    await expect.poll(() => counter.count(), WAIT).toBe(1);
    const proposed = wallToDate(`${proposedDay}T15:00`, 'Europe/Berlin');
    expect(norm(await counter.textContent())).toContain(timeIn(proposed, 'America/New_York'));
    expect(await counter.textContent()).toContain('Could we do the next day?');
    expect(await item(page).textContent()).toContain('Needs decision');
    await shot(page, 'counter-proposal', { docs: true });
    await counter.getByRole('button', { name: 'Accept proposal' }).click();
    await expect.poll(() => counter.count(), WAIT).toBe(0);
    await expect.poll(async () => norm(await page.getByTestId('detail-when').textContent()), WAIT).toContain(timeIn(proposed, 'America/New_York'));

    await expect.poll(async () => norm(await b.getByTestId('detail-when').textContent()), WAIT).toContain(timeIn(proposed, 'Europe/Berlin'));
    await expect.poll(() => b.getByTestId('my-partstat').textContent(), WAIT).not.toBe('Tentative');
    await b.getByLabel('Comment (optional)').fill('');
    await b.getByRole('button', { name: 'Accept', exact: true }).click();
    await expect.poll(() => b.getByTestId('my-partstat').textContent(), WAIT).toBe('Accepted');
    await expect.poll(() => row(page, bob.user.email).textContent(), WAIT).toContain('Accepted');
  });

  step('shows the calendar (week, agenda), the status with the outbox, and the settings', async () => {
    const b = bob.page;
    await nav(b, 'Calendar');
    // Week of the meeting: go forward until it is in view (at most two weeks ahead).
    for (let i = 0; i < 3 && (await b.locator('.week .ev', { hasText: SUMMARY }).count()) === 0; i++) {
      const shown = await b.getByTestId('week').textContent();
      await b.getByRole('button', { name: 'Next' }).click();
      await expect.poll(() => b.getByTestId('week').textContent(), WAIT).not.toBe(shown);
    }
    expect(await b.locator('.week .ev', { hasText: SUMMARY }).count()).toBe(1);
    await shot(b, 'calendar-week', { docs: true });
    await b.getByRole('button', { name: 'Today' }).click();
    await b.getByRole('button', { name: 'Agenda', exact: true }).click();
    await expect.poll(() => b.getByTestId('agenda').textContent(), WAIT).toContain(SUMMARY);
    await shot(b, 'calendar-agenda', { docs: true });

    const page = alice.page;
    await nav(page, 'Status & outbox');
    await expect.poll(() => page.getByTestId('outbox').locator('tr[data-state="sent"]').count(), WAIT).toBeGreaterThanOrEqual(3);
    expect(await page.getByTestId('account-status').textContent()).toContain(alice.user.email);
    await shot(page, 'status-outbox', { docs: true });
    await nav(page, 'Settings');
    await expect.poll(() => page.getByRole('heading', { name: 'Settings' }).count(), WAIT).toBe(1);
    await shot(page, 'settings', { docs: true });
  });

  step('alice cancels; bob sees the cancellation, no answer buttons, and removes it', async () => {
    const page = alice.page;
    await openItem(page);
    await page.getByLabel('Message with the cancellation').fill('Postponed to next quarter');
    await page.getByRole('button', { name: 'Cancel meeting' }).click(); // the confirm dialog is accepted
    await expect.poll(() => page.getByTestId('cancelled-banner').count(), WAIT).toBe(1);

    const b = bob.page;
    await openItem(b);
    await expect.poll(() => b.getByTestId('cancelled-banner').count(), WAIT).toBe(1);
    expect(await item(b).textContent()).toContain('Cancelled');
    expect(await b.getByRole('button', { name: 'Accept', exact: true }).count()).toBe(0);
    expect(await b.getByRole('button', { name: 'Propose new time' }).count()).toBe(0);
    await shot(b, 'cancelled', { docs: true });
    await b.getByRole('button', { name: 'Remove from calendar' }).click();
    await expect.poll(() => item(b).count(), WAIT).toBe(0);

    const all = [...(alice.page as unknown as { __problems: string[] }).__problems, ...(bob.page as unknown as { __problems: string[] }).__problems];
    expect(all).toEqual([]);
  });
});
