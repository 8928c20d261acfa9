// Issue 10 §7: names, addresses, SUMMARY and LOCATION from mail are bidi-isolated (<bdi>), so a U+202E
// (RIGHT-TO-LEFT OVERRIDE) in an organizer's CN, address or a SUMMARY cannot reverse the app's words around it.
// The hostile invitation arrives through an opened .ics file, the same path as mail, without mail servers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ensureBuilt, launchChromium, shot, startShell, stopBrowserAndShell, tempDataDir, watchPage, type Shell } from './shell';

const RLO = '\u202E';
const CN = `Mallory ${RLO}fdp.exe`;
const EMAIL = `mallory${RLO}moc.knab@evil.test`;
const SUMMARY = `Budget ${RLO}review`;
const LOCATION = `Room ${RLO}42`;
/** What the app shows: the same text without the override (inside its own isolate). */
const shown = (s: string) => s.replaceAll(RLO, '');

const ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Evil//EN',
  'METHOD:REQUEST',
  'BEGIN:VEVENT',
  'UID:bidi-1@evil.test',
  'DTSTAMP:20260101T000000Z',
  'DTSTART:20300110T100000Z',
  'DTEND:20300110T110000Z',
  `SUMMARY:${SUMMARY}`,
  `LOCATION:${LOCATION}`,
  `ORGANIZER;CN="${CN}":mailto:${EMAIL}`,
  `ATTENDEE;CN="Bob ${RLO}gnp.jpg";PARTSTAT=NEEDS-ACTION:mailto:bob@example.test`,
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

let shell: Shell;
let browser: Browser;

beforeAll(async () => {
  ensureBuilt();
  shell = await startShell(tempDataDir('bidi'));
  browser = await launchChromium();
});
afterAll(() => stopBrowserAndShell(browser, shell));

/** The innermost element holding `text` as one text node: is it, or is it inside, a <bdi> (or dir=auto)? */
async function isolated(page: import('playwright-core').Page, scope: string, text: string): Promise<boolean[]> {
  return page.evaluate(
    ({ scope, text }) => {
      const out: boolean[] = [];
      for (const root of document.querySelectorAll(scope)) {
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          if (!(n.textContent ?? '').includes(text)) continue;
          const el = n.parentElement!;
          out.push(!!el.closest('bdi, [dir="auto"]') && el.closest('bdi, [dir="auto"]') !== root.closest('[dir="auto"]:not(bdi)'));
        }
      }
      return out;
    },
    { scope, text },
  );
}

describe('bidi isolation of mail text', () => {
  it('shows a U+202E name, address, title and place each in its own isolate', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const problems = watchPage(page, 'bidi');
    await page.goto(shell.url);
    await page.getByRole('button', { name: 'use Convene offline' }).click();
    await page.getByLabel('Open an invitation file').setInputFiles({ name: 'bidi.ics', mimeType: 'text/calendar', buffer: Buffer.from(ICS) });

    const detail = page.getByTestId('invitation-detail');
    await expect.poll(() => detail.getByTestId('detail-summary').textContent(), { timeout: 15_000 }).toBe(shown(SUMMARY));

    // The list row: the title is a <bdi>; 'From <name>' keeps the app's word first and the name isolated.
    const row = page.locator('.inv-item').first();
    expect(await row.locator('bdi.inv-summary').textContent()).toBe(shown(SUMMARY));
    const who = row.locator('.inv-who');
    // (the list names the organizer by CN where it has one, else by address: either is mail text)
    const listed = (await who.locator('bdi').first().textContent()) ?? '';
    expect([shown(CN), shown(EMAIL)]).toContain(listed);
    expect(await who.evaluate((el) => el.firstChild?.textContent)).toBe('From ');
    expect(await isolated(page, '.inv-item .inv-who', listed)).toEqual([true]);

    // The detail: the heading, the place, the organizer's name and address are each their own <bdi>.
    expect(await isolated(page, '[data-testid="detail-summary"]', shown(SUMMARY))).toEqual([true]);
    expect(await isolated(page, '[data-testid="invitation-detail"] dl', shown(LOCATION))).toEqual([true]);
    expect(await isolated(page, '[data-testid="invitation-detail"] dl', shown(CN))).toEqual([true]);
    expect(await isolated(page, '[data-testid="invitation-detail"] dl', shown(EMAIL))).toEqual([true]);
    // The name, then the app's '<', the address and '>' in the order the app wrote them, not reversed by the RLO.
    const organizer = detail.locator('dl .person').first();
    expect(await organizer.locator('bdi').allTextContents()).toEqual([shown(CN), shown(EMAIL)]);
    expect(await organizer.textContent()).toBe(`${shown(CN)} <${shown(EMAIL)}>`);
    // The attendee row of the board/list too.
    expect(await isolated(page, '[data-testid="attendees"]', 'Bob gnp.jpg')).toEqual([true]);

    // What is painted: the app's label 'From ' is still left of the isolated name in the list row (an RLO without
    // isolation would carry the text after it, and the row's own words, into a right-to-left run).
    const boxes = await who.evaluate((el) => {
      const range = document.createRange();
      range.setStart(el.firstChild!, 0);
      range.setEnd(el.firstChild!, 4);
      const from = range.getBoundingClientRect();
      const name = el.querySelector('bdi')!.getBoundingClientRect();
      return { fromRight: from.right, nameLeft: name.left };
    });
    expect(boxes.fromRight).toBeLessThanOrEqual(boxes.nameLeft + 0.5);

    // The forwarded-invitation notice names the sender inside the app's sentence: isolated too.
    expect(await isolated(page, '[data-testid="invitation-detail"]', `${shown(EMAIL)} forwarded`)).toEqual([]);
    // No override survives anywhere on the screen: shown inside an isolate, without its controls.
    expect(await page.locator('body').textContent()).not.toContain(RLO);

    expect(problems).toEqual([]);
    await shot(page, 'bidi-isolated');
    await ctx.close();
  });
});
