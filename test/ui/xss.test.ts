// Hostile SUMMARY and DESCRIPTION text (an <img onerror> and a <script>) arrive through an opened .ics file, the
// same path as an invitation: they must show as text (or be stripped in the formatted view), never execute, and
// remote images must not load.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ensureBuilt, launchChromium, shot, startShell, stopBrowserAndShell, tempDataDir, watchPage, type Shell } from './shell';

const ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Evil//EN',
  'METHOD:PUBLISH',
  'BEGIN:VEVENT',
  'UID:xss-1@evil.test',
  'DTSTAMP:20260101T000000Z',
  'DTSTART:20300110T100000Z',
  'DTEND:20300110T110000Z',
  'SUMMARY:<img src=x onerror="window.__xss=1">Party',
  'DESCRIPTION:<script>window.__xss=2</script><img src="http://127.0.0.1:9/remote.png" onerror="window.__xss=3">Agenda <b>bold</b> <a href="javascript:window.__xss=4">link</a>',
  'LOCATION:<svg onload="window.__xss=5">',
  'ORGANIZER;CN=Mallory:mailto:mallory@evil.test',
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

let shell: Shell;
let browser: Browser;

beforeAll(async () => {
  ensureBuilt();
  shell = await startShell(tempDataDir('xss'));
  browser = await launchChromium();
});
afterAll(() => stopBrowserAndShell(browser, shell));

describe('hostile invitation text', () => {
  it('renders HTML descriptions sanitized, other markup as text, and never runs it', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const cspBlocked: string[] = [];
    const problems = watchPage(page, 'xss', cspBlocked);
    const remote: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(shell.url) && !r.url().startsWith('ws:')) remote.push(r.url());
    });
    await page.goto(shell.url);
    await page.getByRole('button', { name: 'use Convene offline' }).click();
    await page.getByLabel('Open an invitation file').setInputFiles({ name: 'evil.ics', mimeType: 'text/calendar', buffer: Buffer.from(ICS) });

    const detail = page.getByTestId('invitation-detail');
    await expect.poll(() => detail.getByTestId('detail-summary').textContent(), { timeout: 15_000 }).toBe('<img src=x onerror="window.__xss=1">Party');
    expect(await page.locator('.inv-summary').first().textContent()).toContain('<img src=x');
    // The description is HTML: shown formatted by default (issue 11 §11), sanitized: the remote image removed, no
    // handlers, no javascript: link, no script.
    const html = detail.locator('.desc-html');
    await expect.poll(() => html.locator('b').count()).toBe(1);
    expect(await html.locator('script').count()).toBe(0);
    expect(await html.locator('img[src]').count()).toBe(0);
    expect(await html.locator('[onerror], [onload]').count()).toBe(0);
    expect(await html.locator('a[href^="javascript:"]').count()).toBe(0);
    // Summary and location stay text: their markup is shown, never parsed.
    expect(await detail.locator('dl img, dl svg, h2 img').count()).toBe(0);
    // Two painted frames after the formatted view rendered: anything it could run would have run by now.
    await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(remote).toEqual([]);
    expect(problems).toEqual([]);
    await shot(page, 'xss-formatted');
    // The plain view: the text without markup, nothing run.
    await detail.getByRole('button', { name: 'Show as plain text' }).click();
    await expect.poll(() => detail.getByTestId('description').getAttribute('data-format')).toBe('text');
    expect(await detail.getByTestId('description').textContent()).toContain('Agenda bold link');
    expect(await detail.locator('.description img, .description script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await shot(page, 'xss-as-text');
    await ctx.close();
  });
});
