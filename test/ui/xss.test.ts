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
  it('renders markup as text and never runs it', async () => {
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
    await expect.poll(() => detail.getByTestId('description').textContent()).toContain('<script>window.__xss=2</script>');
    expect(await page.locator('.inv-summary').first().textContent()).toContain('<img src=x');
    expect(await detail.locator('img, script, svg').count()).toBe(0);
    await shot(page, 'xss-as-text');
    // As text, nothing even reaches the parser: no CSP report at all.
    expect(problems).toEqual([]);
    expect(cspBlocked).toEqual([]);

    // The formatted view: sanitized, remote image removed, no handlers, no javascript: link.
    await detail.getByRole('button', { name: /Show formatting/ }).click();
    const html = detail.locator('.desc-html');
    await expect.poll(() => html.locator('b').count()).toBe(1);
    expect(await html.locator('script').count()).toBe(0);
    expect(await html.locator('img[src]').count()).toBe(0);
    expect(await html.locator('[onerror], [onload]').count()).toBe(0);
    expect(await html.locator('a[href^="javascript:"]').count()).toBe(0);
    // Two painted frames after the formatted view rendered: anything it could run would have run by now.
    await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(remote).toEqual([]);
    expect(problems).toEqual([]);
    await shot(page, 'xss-formatted');
    await ctx.close();
  });
});
