// The organizer's party-crasher flow in the browser shell, against the real Dovecot + SMTP of this run: alice
// invites bob; carol and dave (not invited: a forwarded invitation, say) answer ACCEPTED with REPLYs built by the
// engine (shared/itip/build buildReply) and delivered into alice's INBOX over LMTP. Alice's UI lists each one as
// "answered but is not on the guest list" with Add / Ignore. Ignore drops dave's item and sends nothing; Add puts
// carol on the guest list: carol gets the invitation, bob an updated REQUEST that lists her (read from their
// mailboxes over IMAP).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReply } from '../../electron/mail/smtp/mime';
import { readMessage } from '../../shared/itip/message';
import { itipIn, mailbox } from '../integration/meeting-party';
import { startMailServers, type MailServers, type TestUser } from '../servers/mail-servers';
import { ensureBuilt, fillAccountForm, launchChromium, shot, startShell, tempDataDir, watchPage, type Shell } from './shell';

const WAIT = { timeout: 60_000, interval: 200 };
const SUMMARY = 'Launch retro';

let servers: MailServers;
let browser: Browser;
let context: BrowserContext;
let shell: Shell;
let page: Page;
let problems: string[];
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let dave: TestUser;

function day(n: number): string {
  return new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
}

const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name, exact: true }).click();
const crasher = (email: string) => page.locator('li.pending[data-kind="party-crasher"]', { hasText: email });
const row = (email: string) => page.getByTestId('attendees').locator(`tr[data-email="${email}"]`);

async function addAccount(user: TestUser, displayName: string): Promise<void> {
  await expect.poll(() => page.getByRole('heading', { name: 'Welcome to Convene' }).count(), WAIT).toBe(1);
  await fillAccountForm(page, servers, user, displayName);
  await page.getByRole('button', { name: 'Save account' }).click();
  await expect.poll(() => page.getByRole('heading', { name: 'Invitations' }).count(), WAIT).toBe(1);
  await expect.poll(() => page.getByTestId('connection-state').textContent(), WAIT).toContain('Online');
}

/** The REQUESTs for the meeting in a user's INBOX, oldest first. */
async function requestsFor(user: TestUser) {
  return (await itipIn(servers, user)).filter((m) => m.method === 'REQUEST' && m.components[0]?.summary === SUMMARY);
}

/** A crasher's answer: built by the engine from the invitation bob received, delivered into alice's INBOX. */
async function crash(user: TestUser, comment: string): Promise<void> {
  const inBob = (await mailbox(servers, bob)).map((m) => m.raw);
  let invitation = null;
  for (const raw of inBob) {
    const read = await readMessage(raw);
    if (read.itip?.method === 'REQUEST' && read.itip.calendar.components[0]?.summary === SUMMARY) invitation = read.itip.calendar.components[0]!;
  }
  expect(invitation, "the invitation in bob's INBOX").not.toBeNull();
  const reply = await buildReply({
    event: invitation!,
    me: user.email,
    cn: user.name[0]!.toUpperCase() + user.name.slice(1),
    partstat: 'ACCEPTED',
    comment,
    now: new Date().toISOString(),
  });
  await servers.deliver(Buffer.from(reply.raw), [alice.email], user.email);
}

beforeAll(async () => {
  ensureBuilt();
  servers = await startMailServers();
  alice = await servers.addUser('alice');
  bob = await servers.addUser('bob');
  carol = await servers.addUser('carol');
  dave = await servers.addUser('dave');
  browser = await launchChromium();
  shell = await startShell(tempDataDir('crasher'));
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: 'UTC', locale: 'en-US' });
  page = await context.newPage();
  problems = watchPage(page, 'alice');
  await page.goto(shell.url);
});

afterAll(async () => {
  await context?.close().catch(() => {});
  await browser?.close().catch(() => {});
  await shell?.stop();
  await servers?.stop();
});

describe('party crashers: the organizer adds or ignores people who answered uninvited', () => {
  it('alice organizes with bob; uninvited carol and dave answer; alice sees both with Add / Ignore', async () => {
    await addAccount(alice, 'Alice Organizer');
    await nav('New meeting');
    await page.getByLabel('Title').fill(SUMMARY);
    await page.getByLabel('Start', { exact: true }).fill(`${day(5)}T14:00`);
    await page.getByLabel('End', { exact: true }).fill(`${day(5)}T15:00`);
    await page.getByLabel('Add attendee (e-mail)').fill(bob.email);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('button', { name: 'Save and send invitations' }).click();
    await expect.poll(() => page.getByTestId('detail-summary').textContent(), WAIT).toBe(SUMMARY);
    await expect.poll(async () => (await requestsFor(bob)).length, WAIT).toBe(1);

    await crash(carol, 'Mind if I join?');
    await crash(dave, 'Count me in');
    await expect.poll(() => crasher(carol.email).count(), WAIT).toBe(1);
    await expect.poll(() => crasher(dave.email).count(), WAIT).toBe(1);
    const item = crasher(carol.email);
    expect(await item.textContent()).toContain('answered but is not on the guest list');
    expect(await item.textContent()).toContain('Mind if I join?');
    expect(await item.getByRole('button', { name: 'Add to meeting' }).count()).toBe(1);
    expect(await item.getByRole('button', { name: 'Ignore' }).count()).toBe(1);
    // Not on the guest list yet.
    expect(await row(carol.email).count()).toBe(0);
    expect(await page.locator('.inv-item', { hasText: SUMMARY }).textContent()).toContain('Needs decision');
    await shot(page, 'party-crasher');
  });

  it('Ignore removes the pending item and sends nothing', async () => {
    await crasher(dave.email).getByRole('button', { name: 'Ignore' }).click();
    await expect.poll(() => crasher(dave.email).count(), WAIT).toBe(0);
    expect(await crasher(carol.email).count()).toBe(1);
    expect(await row(dave.email).count()).toBe(0);
  });

  it('Add puts carol on the guest list: carol gets the invitation, bob the update listing her', async () => {
    await crasher(carol.email).getByRole('button', { name: 'Add to meeting' }).click();
    await expect.poll(() => crasher(carol.email).count(), WAIT).toBe(0);
    // Her answer stands: she is listed as accepted.
    await expect.poll(async () => (await row(carol.email).count()) && row(carol.email).textContent(), WAIT).toContain('Accepted');

    await expect.poll(async () => (await requestsFor(carol)).length, WAIT).toBe(1);
    const toCarol = (await requestsFor(carol))[0]!;
    expect(toCarol.organizer).toBe(alice.email);
    expect(toCarol.attendees).toEqual(expect.arrayContaining([bob.email, carol.email]));

    await expect.poll(async () => (await requestsFor(bob)).length, WAIT).toBe(2);
    const update = (await requestsFor(bob))[1]!;
    expect(update.subject).toMatch(/^Updated invitation/);
    expect(update.attendees).toEqual(expect.arrayContaining([bob.email, carol.email]));
    expect(update.attendees).not.toContain(dave.email);
    // Ignored dave got nothing; the outbox shows both messages sent.
    expect(await requestsFor(dave)).toEqual([]);
    await nav('Status & outbox');
    await expect.poll(() => page.getByTestId('outbox').locator('tr[data-state="sent"]').count(), WAIT).toBe(3);
    expect(problems).toEqual([]);
  });
});
