// REFRESH offered (RFC 5546 §3.2.6): an attendee whose copy may be out of date asks the organizer for the latest
// version from the invitation's detail. Offline (no account), so the request waits in the outbox: the test reads it
// there, addressed to the organizer only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { LOCAL_IDENTITY } from '../../shared/api';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, launchChromium, openShellPage, ROOT, shot, startShell, stopBrowserAndShell, tempDataDir, type Shell } from './shell';

// An invitation to the local identity (offline use), from an organizer with a display name.
const ICS = readFileSync(join(ROOT, 'test/fixtures/ui/ask-for-update.ics'), 'utf8').replaceAll('LOCAL_IDENTITY', LOCAL_IDENTITY);

let env: { shell: Shell; browser: Browser } | undefined;

beforeAll(async () => {
  ensureBuilt();
  const shell = await startShell(tempDataDir('refresh'));
  env = { shell, browser: await launchChromium() };
});
afterAll(() => stopBrowserAndShell(env?.browser, env?.shell));

describe('ask the organizer for the latest version', () => {
  it('queues a REFRESH to the organizer from the invitation detail', async () => {
    const { page, problems } = await openShellPage(env!.browser, env!.shell, 'refresh', 'UTC');
    await page.getByRole('button', { name: 'use Convene offline' }).click();
    await page.getByLabel('Open an invitation file').setInputFiles({ name: 'invite.ics', mimeType: 'text/calendar', buffer: Buffer.from(ICS) });
    const detail = page.getByTestId('invitation-detail');
    await expect.poll(() => detail.getByTestId('detail-summary').textContent(), { timeout: 15_000 }).toBe('Quarterly planning');

    const ask = detail.getByTestId('ask-for-update');
    expect(await ask.textContent()).toBe('Ask the organizer for the latest version');
    await shot(page, 'ask-for-update');
    await ask.click();
    await expect.poll(() => page.locator('.toasts').textContent(), { timeout: 15_000 }).toContain('Asked the organizer for the latest version');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Status & outbox', exact: true }).click();
    const row = page.getByTestId('outbox').locator('tr', { hasText: 'REFRESH' });
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    expect(await row.locator('td').nth(1).textContent()).toBe('olivia@example.test');
    expect(await row.textContent()).toContain('Request for update: Quarterly planning');
    await shot(page, 'ask-for-update-outbox');
    expect(problems).toEqual([]);
  });
});
