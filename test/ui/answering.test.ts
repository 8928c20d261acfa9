// Answering invitations as two people would (issue 11 §1–§4, §6–§8, §10), in the browser shell against this run's
// real Dovecot and SMTP: alice (organizer, New York) and bob (attendee, Berlin), each with their own shell, data
// directory and browser context. A held invitation has the answer bar and answering applies it; bob declines one
// occurrence with a comment and alice's board shows it (and his week keeps it, marked declined); view state does
// not leak from one invitation to the next; alice moves the meeting and bob sees what changed; alice cancels one
// occurrence with a reason; bob proposes a free slot; and an invitation from a stranger, ignored, leaves nothing.
// Screenshots: test-artifacts/ui/ (and docs/screenshots/ with CONVENE_UPDATE_SCREENSHOTS=1).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailServers, type MailServers, type TestUser } from '../servers/mail-servers';
import { day, ensureBuilt, fillAccountForm, launchChromium, shot, startShell, stopAll, tempDataDir, wallToDate, watchPage, type Shell } from './shell';

const WAIT = { timeout: 60_000, interval: 200 };
const WEEKLY = 'Team weekly';
const OTHER = 'Budget review';
const NY = 'America/New_York';
const BERLIN = 'Europe/Berlin';

let servers: MailServers;
let browser: Browser;
const shells: Shell[] = [];
const contexts: BrowserContext[] = [];
const problems: string[][] = [];
let alice: { user: TestUser; page: Page };
let bob: { user: TestUser; page: Page };


/** A day as the screen names it (en-US: 'Tue, Dec 15'). */
function dayName(d: Date, tz: string): string {
  return new Intl.DateTimeFormat('en-US', { weekday: 'short', month: 'short', day: 'numeric', timeZone: tz }).format(d);
}

const norm = (s: string | null) => (s ?? '').replace(/\s/g, ' ');

async function openPerson(name: string, tz: string): Promise<Page> {
  const shell = await startShell(tempDataDir(`answer-${name}`));
  shells.push(shell);
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: tz, locale: 'en-US' });
  contexts.push(ctx);
  const page = await ctx.newPage();
  problems.push(watchPage(page, name));
  await page.goto(shell.url);
  return page;
}

async function addAccount(page: Page, user: TestUser, displayName: string): Promise<void> {
  await expect.poll(() => page.getByRole('heading', { name: 'Welcome to Convene' }).count(), WAIT).toBe(1);
  await fillAccountForm(page, servers, user, displayName);
  await page.getByRole('button', { name: 'Save account' }).click();
  await expect.poll(() => page.getByRole('heading', { name: 'Invitations' }).count(), WAIT).toBe(1);
  await expect.poll(() => page.getByTestId('connection-state').textContent(), WAIT).toContain('Online');
}

function nav(page: Page, name: string) {
  // The Invitations entry carries the pending count in its name ('Invitations 1 waiting for your answer').
  return page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: new RegExp(`^${name}(\\s|$)`) }).click();
}

const item = (page: Page, summary: string) => page.locator('.inv-item', { hasText: summary });

async function open(page: Page, summary: string): Promise<void> {
  await nav(page, 'Invitations');
  await expect.poll(() => item(page, summary).count(), WAIT).toBe(1);
  await item(page, summary).click();
  await expect.poll(() => page.getByTestId('detail-summary').textContent(), WAIT).toBe(summary);
}

const row = (page: Page, email: string) => page.getByTestId('attendees').locator(`tr[data-email="${email}"]`);
const bar = (page: Page) => page.getByTestId('answer-bar');

async function newMeeting(page: Page, m: { summary: string; start: string; end: string; location: string; description: string; weekly?: number; attendee: string }): Promise<void> {
  await nav(page, 'New meeting');
  await page.getByLabel('Title').fill(m.summary);
  await page.getByLabel('Start', { exact: true }).fill(m.start);
  await page.getByLabel('End', { exact: true }).fill(m.end);
  await page.getByLabel('Location').fill(m.location);
  await page.getByLabel('Description').fill(m.description);
  if (m.weekly) {
    await page.getByLabel('Repeats').selectOption('WEEKLY');
    await page.getByRole('radio', { name: /Ends after/ }).check();
    await page.getByRole('spinbutton', { name: 'Number of times' }).fill(String(m.weekly));
  }
  await page.getByLabel('Add attendee (e-mail)').fill(m.attendee);
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByRole('button', { name: 'Save and send invitations' }).click();
  await expect.poll(() => page.getByTestId('detail-summary').textContent(), WAIT).toBe(m.summary);
}

beforeAll(async () => {
  ensureBuilt();
  servers = await startMailServers();
  browser = await launchChromium();
  const a = await servers.addUser('alice');
  const b = await servers.addUser('bob');
  alice = { user: a, page: await openPerson('alice', NY) };
  bob = { user: b, page: await openPerson('bob', BERLIN) };
});

afterAll(() => stopAll(contexts, browser, shells, servers));

describe('answering invitations, between two browser shells', () => {
  const first = `${day(3)}T10:00`;
  // The series' occurrences (weekly from `first`, New York wall time; no DST change within four weeks of December).
  const occ = (i: number) => wallToDate(`${day(3 + 7 * i)}T10:00`, NY);

  it('sets up both accounts; alice invites bob to a weekly meeting and to a single one', async () => {
    await addAccount(alice.page, alice.user, 'Alice Organizer');
    await addAccount(bob.page, bob.user, 'Bob Attendee');
    await newMeeting(alice.page, { summary: WEEKLY, start: first, end: `${day(3)}T11:00`, location: 'Room 4.01', description: '<p>Status <b>round</b></p>', weekly: 4, attendee: bob.user.email });
    await newMeeting(alice.page, { summary: OTHER, start: `${day(5)}T09:00`, end: `${day(5)}T10:00`, location: 'Room 1', description: 'Line one\nLine two', attendee: bob.user.email });
  });

  it('a held invitation shows the answer bar; answering applies it and says where the answer is (§4, §5)', async () => {
    const b = bob.page;
    await open(b, WEEKLY);
    // Bob's policy ('known') held it: he never mailed with alice. The answers are there all the same.
    expect(await item(b, WEEKLY).textContent()).toContain('Needs decision');
    await expect.poll(() => bar(b).count(), WAIT).toBe(1);
    expect(await b.getByTestId('answer-state').textContent()).toMatch(/^You have not answered/);
    expect(await b.getByRole('checkbox', { name: 'Do not send a response' }).isChecked()).toBe(false);
    await b.getByLabel('Comment (optional)').fill('Glad to join');
    await bar(b).getByRole('button', { name: 'Accept', exact: true }).click();
    await expect.poll(() => b.getByTestId('answer-state').textContent(), WAIT).toBe(`You accepted on ${dayName(new Date(), BERLIN)} — you wrote ‘Glad to join’`);
    await expect.poll(() => item(b, WEEKLY).textContent(), WAIT).toContain('Accepted');
    // Focus stays on the bar, and the bar follows the answer out of the outbox.
    expect(await b.evaluate(() => document.activeElement?.closest('[data-testid="answer-bar"]') !== null)).toBe(true);
    await expect.poll(() => b.getByTestId('answer-delivery').textContent(), WAIT).toBe('Accepted: your answer was sent to Alice Organizer.');
    expect(await b.locator('li.pending').count()).toBe(0);
    // The thread tells it as people would (§9).
    expect(await b.locator('.thread-line').allTextContents()).toEqual(['You replied Accepted', 'Alice Organizer invited you']);
    await shot(b, 'answer-bar', { docs: true });

    await open(alice.page, WEEKLY);
    await expect.poll(() => row(alice.page, bob.user.email).textContent(), WAIT).toContain('Accepted');
  });

  it("bob declines one occurrence with a comment: alice's board shows it, bob's calendar keeps it marked (§2, §7)", async () => {
    const b = bob.page;
    await b.getByLabel('Answer for').selectOption({ index: 2 });
    await b.getByLabel('Comment (optional)').fill('Dentist that day');
    await bar(b).getByRole('button', { name: 'Decline', exact: true }).click();
    const declined = `You declined ${dayName(occ(1), BERLIN)}: ‘Dentist that day’`;
    await expect.poll(() => b.getByTestId('my-occurrence-answers').textContent(), WAIT).toBe(declined);
    // The series answer stands.
    expect(await b.getByTestId('my-partstat').textContent()).toBe('Accepted');

    const a = alice.page;
    const bobRow = row(a, bob.user.email);
    await expect.poll(() => bobRow.getByTestId('exceptions').count(), WAIT).toBe(1);
    expect(await bobRow.getByTestId('exceptions').textContent()).toBe(`declined ${dayName(occ(1), NY)}: ‘Dentist that day’`);
    expect(await bobRow.textContent()).toContain('Accepted');
    await shot(a, 'board-occurrence-exception', { docs: true });

    // Alice's own calendar says it in words on that occurrence, and only there (§2): her agenda row and the week
    // event's label name who declined.
    await nav(a, 'Calendar');
    await a.getByRole('button', { name: 'Agenda', exact: true }).click();
    const said = a.getByTestId('agenda').getByTestId('agenda-responses');
    await expect.poll(() => said.count(), WAIT).toBe(1);
    expect(await said.textContent()).toBe(`\u2068${bob.user.email}\u2069 declined`);
    expect(await a.getByTestId('agenda').locator('.agenda-item', { hasText: WEEKLY }).count()).toBeGreaterThanOrEqual(2);
    await shot(a, 'agenda-organizer-declined');
    // The week that holds that occurrence (day(10)): its event's label says it too, not only its colour.
    await a.getByRole('button', { name: 'Week', exact: true }).click();
    const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(new Date().toLocaleDateString('en-US', { weekday: 'short', timeZone: NY }));
    for (let i = 0; i < Math.floor((weekday + 10) / 7); i++) await a.getByRole('button', { name: 'Next' }).click();
    const labelled = a.getByTestId('week').locator('.ev', { hasText: WEEKLY });
    await expect.poll(() => labelled.count(), WAIT).toBe(1);
    expect(await labelled.getAttribute('aria-label')).toContain(`\u2068${bob.user.email}\u2069 declined`);
    expect(await labelled.locator('.ev-tag').textContent()).toBe('1 declined');
    await shot(a, 'week-organizer-declined');

    // Bob's agenda keeps the declined occurrence, marked (the others are not).
    await nav(b, 'Calendar');
    await b.getByRole('button', { name: 'Agenda', exact: true }).click();
    const rows = b.getByTestId('agenda').locator('.agenda-item', { hasText: WEEKLY });
    await expect.poll(() => rows.count(), WAIT).toBeGreaterThanOrEqual(2);
    expect(await b.getByTestId('agenda').locator('.agenda-item[data-declined="true"]', { hasText: WEEKLY }).count()).toBe(1);
    expect(await b.getByTestId('agenda').locator('.agenda-item[data-declined="true"]').textContent()).toMatch(/declined/i);
    await shot(b, 'agenda-declined');
  });

  it('view state belongs to one invitation: the formatting toggle and the comment do not carry over (§3)', async () => {
    const b = bob.page;
    await open(b, OTHER);
    const fresh = await b.getByTestId('description').evaluate((el) => el.tagName);
    expect(await b.getByTestId('description').textContent()).toContain('Line one\nLine two');
    await open(b, WEEKLY);
    const toggle = b.locator('.description button');
    expect(await toggle.count()).toBe(1);
    const before = await b.getByTestId('description').evaluate((el) => el.tagName);
    await toggle.click();
    await expect.poll(() => b.getByTestId('description').evaluate((el) => el.tagName), WAIT).not.toBe(before);
    await b.getByLabel('Comment (optional)').fill('draft for the weekly');
    await item(b, OTHER).click();
    await expect.poll(() => b.getByTestId('detail-summary').textContent(), WAIT).toBe(OTHER);
    expect(await b.getByTestId('description').evaluate((el) => el.tagName)).toBe(fresh);
    expect(await b.getByTestId('description').textContent()).toContain('Line one\nLine two');
    expect(await b.getByLabel('Comment (optional)').inputValue()).toBe('');
  });

  it('alice moves the meeting and changes the room: bob sees the old and the new side by side (§6, §9)', async () => {
    const a = alice.page;
    await open(a, WEEKLY);
    await a.getByRole('button', { name: 'Edit meeting' }).click();
    await expect.poll(() => a.getByLabel('Title').inputValue(), WAIT).toBe(WEEKLY);
    await a.getByLabel('Start', { exact: true }).fill(`${day(3)}T12:00`);
    await a.getByLabel('Location').fill('Room 5.02');
    await a.getByRole('button', { name: 'Save and send update' }).click();
    await expect.poll(() => a.getByTestId('detail-summary').textContent(), WAIT).toBe(WEEKLY);

    const b = bob.page;
    await expect.poll(() => item(b, WEEKLY).textContent(), WAIT).toContain('Updated');
    await open(b, WEEKLY);
    await expect.poll(() => b.getByTestId('changes').count(), WAIT).toBe(1);
    expect(await b.getByTestId('answer-state').textContent()).toBe('Updated: the time and the place changed — answer again');
    const changes = b.getByTestId('changes');
    const timeIn = (d: Date) => new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', timeZone: BERLIN }).format(d).replace(/\s/g, ' ');
    expect(norm(await changes.locator('tr[data-field="time"] td.before').textContent())).toContain(timeIn(occ(0)));
    expect(norm(await changes.locator('tr[data-field="time"] td.after').textContent())).toContain(timeIn(wallToDate(`${day(3)}T12:00`, NY)));
    expect(await changes.locator('tr[data-field="location"] td.before').textContent()).toBe('Room 4.01');
    expect(await changes.locator('tr[data-field="location"] td.after').textContent()).toBe('Room 5.02');
    // The thread tells it as people: the move with its new time, and nothing of mine reads as rejected.
    const lines = await b.locator('.thread-line').allTextContents();
    expect(lines.some((l) => norm(l).startsWith('Alice Organizer moved it to ') && norm(l).includes(timeIn(wallToDate(`${day(3)}T12:00`, NY))))).toBe(true);
    expect(lines.join('\n')).not.toMatch(/reject/i);
    await shot(b, 'what-changed', { docs: true });
    await bar(b).getByRole('button', { name: 'Accept', exact: true }).click();
    await expect.poll(() => b.getByTestId('answer-state').textContent(), WAIT).toMatch(/^You accepted on /);
    await b.getByTestId('thread').scrollIntoViewIfNeeded();
    await shot(b, 'thread-human');
  });

  it('alice cancels one occurrence with a reason: bob sees who cancelled which day and why (§8)', async () => {
    const a = alice.page;
    await a.getByLabel('What to cancel').selectOption({ index: 3 });
    await a.getByLabel('Message with the cancellation').fill('Christmas break');
    await a.getByRole('button', { name: 'Cancel meeting' }).click(); // the confirm dialog is accepted
    const when = (tz: string) => dayName(wallToDate(`${day(3 + 14)}T12:00`, NY), tz);
    await expect.poll(() => a.getByTestId('cancelled-occurrences').textContent(), WAIT).toBe(`Alice Organizer cancelled ${when(NY)}: ‘Christmas break’`);

    const b = bob.page;
    await expect.poll(() => b.getByTestId('cancelled-occurrences').count(), WAIT).toBe(1);
    expect(await b.getByTestId('cancelled-occurrences').textContent()).toBe(`Alice Organizer cancelled ${when(BERLIN)}: ‘Christmas break’`);
    // The rest of the series is still answerable.
    expect(await bar(b).count()).toBe(1);
    await shot(b, 'cancelled-occurrence');
  });

  it('bob proposes a free slot from his own calendar; his view shows the proposal waiting (§10)', async () => {
    const b = bob.page;
    await bar(b).getByRole('button', { name: 'Propose new time' }).click();
    const slots = b.getByRole('group', { name: 'Free in your calendar' });
    await expect.poll(() => slots.getByRole('button').count(), WAIT).toBeGreaterThan(0);
    await shot(b, 'propose-free-slots');
    await slots.getByRole('button').first().click();
    const start = await b.getByLabel(/Proposed start/).inputValue();
    expect(start).not.toBe('');
    await b.getByLabel('Message to the organizer').fill('Would this suit you?');
    await b.getByRole('button', { name: 'Send proposal' }).click();
    await expect.poll(() => b.getByTestId('proposal-state').textContent(), WAIT).toMatch(/^You proposed .+ — waiting for Alice Organizer's answer\.$/);
    const counter = alice.page.locator('li.pending[data-kind="counter"]');
    await expect.poll(() => counter.count(), WAIT).toBe(1);
    expect(await counter.textContent()).toContain('Would this suit you?');
  });

  it('"Do not send a response" changes only bob\'s calendar: nothing goes to the outbox (§5)', async () => {
    const b = bob.page;
    // The outbox table fills after it appears: wait for its rows, never read a half-drawn table.
    const rows = () => b.getByTestId('outbox').locator('tr[data-state]').count();
    const outboxRows = async () => {
      await nav(b, 'Status & outbox');
      await expect.poll(() => b.getByTestId('outbox').count(), WAIT).toBe(1);
      await expect.poll(rows, WAIT).toBeGreaterThan(0);
      return rows();
    };
    const before = await outboxRows();
    await open(b, WEEKLY);
    await b.getByRole('checkbox', { name: 'Do not send a response' }).check();
    await b.getByLabel('Answer for').selectOption({ index: 1 });
    await bar(b).getByRole('button', { name: 'Tentative', exact: true }).click();
    await expect.poll(() => b.getByTestId('answer-delivery').textContent(), WAIT).toBe('Tentative: saved in your calendar; no response was sent.');
    await expect.poll(() => b.getByTestId('my-occurrence-answers').textContent(), WAIT).toContain('You tentatively accepted ');
    await outboxRows();
    // Nothing was added: the count settles where it was (a queued response would make it before + 1 for good).
    await expect.poll(rows, WAIT).toBe(before);
    expect(await rows()).toBe(before);
  });

  it('an ignored invitation from a stranger is gone, also after a reload (§1)', async () => {
    const carol = 'carol@stranger.test';
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Stranger//EN',
      'METHOD:REQUEST',
      'BEGIN:VEVENT',
      'UID:stranger-1@stranger.test',
      'SEQUENCE:0',
      `DTSTAMP:${new Date().toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`,
      `DTSTART:${day(6).replace(/-/g, '')}T150000Z`,
      `DTEND:${day(6).replace(/-/g, '')}T160000Z`,
      "SUMMARY:Carol's garden party",
      `ORGANIZER;CN=Carol:mailto:${carol}`,
      `ATTENDEE;CN=Carol;PARTSTAT=ACCEPTED:mailto:${carol}`,
      `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${bob.user.email}`,
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const raw = [
      `From: Carol <${carol}>`,
      `To: ${bob.user.email}`,
      "Subject: Invitation: Carol's garden party",
      `Date: ${new Date().toUTCString()}`,
      'Message-ID: <stranger-1@stranger.test>',
      'MIME-Version: 1.0',
      'Content-Type: text/calendar; method=REQUEST; charset=UTF-8',
      '',
      ics,
    ].join('\r\n');
    await servers.deliver(raw, [bob.user.email], carol);

    const b = bob.page;
    const party = "Carol's garden party";
    await open(b, party);
    expect(await item(b, party).textContent()).toContain('Needs decision');
    await b.locator('li.pending[data-kind="new-invitation"]').getByRole('button', { name: 'Ignore' }).click();
    await expect.poll(() => item(b, party).count(), WAIT).toBe(0);
    expect(await b.locator('.inv-item', { hasText: '(no title)' }).count()).toBe(0);
    await b.reload();
    await expect.poll(() => b.getByRole('heading', { name: 'Invitations' }).count(), WAIT).toBe(1);
    await expect.poll(() => item(b, WEEKLY).count(), WAIT).toBe(1);
    expect(await item(b, party).count()).toBe(0);
    expect(await b.locator('.inv-item', { hasText: '(no title)' }).count()).toBe(0);

    expect(problems.flat()).toEqual([]);
  });
});
