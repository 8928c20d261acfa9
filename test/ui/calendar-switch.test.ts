// Switching weeks draws from memory (issue 9 §4): once a week is shown, the calendar asks the core for the week after
// it while idle, so "next week" shows that week's events without a request sent after the click; and the week is
// drawn right (the series' next occurrence, in its column and at its hour).
import { describe, expect, it } from 'vitest';
import { carolRequest } from './invites';
import { day, shot, useShellPage } from './shell';

const WAIT = { timeout: 20_000, interval: 50 };
const SUMMARY = 'Weekly switch check';

/** Today at noon UTC, weekly: one occurrence in this week and one in the next, whatever today is. */
function ics(): string {
  return carolRequest({ uid: 'switch-1@example.test', summary: SUMMARY, start: `${day(0).replace(/-/g, '')}T120000Z`, extra: ['RRULE:FREQ=WEEKLY;COUNT=6'] });
}

const ui = useShellPage('calendar-switch', 'UTC', async (page) => {
  await page.getByRole('button', { name: 'Use Convene offline' }).click();
});

describe('calendar: switching weeks', () => {
  it('shows the next week from what was fetched ahead, with no request after the click', async () => {
    const page = ui.page;
    await page.getByLabel('Open an invitation file').setInputFiles({ name: 'switch.ics', mimeType: 'text/calendar', buffer: Buffer.from(ics()) });
    await expect.poll(() => page.getByTestId('detail-summary').textContent(), WAIT).toBe(SUMMARY);

    // Every agenda request the page sends from here on, with when it was sent (a fresh socket: reload the page).
    const sent: { at: number; from: string }[] = [];
    page.on('websocket', (ws) =>
      ws.on('framesent', (f) => {
        const text = typeof f.payload === 'string' ? f.payload : f.payload.toString('utf8');
        const m = JSON.parse(text) as { method?: string; arg?: { from?: string } };
        if (m.method === 'listAgenda' && m.arg?.from) sent.push({ at: Date.now(), from: m.arg.from });
      }),
    );
    await page.reload();
    // The sidebar's Calendar button, which waits until the reloaded app is ready (Alt+2 pressed before that is
    // ignored, as it is while the first-run screen shows: the test failed under load that way).
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: /^Calendar/ }).click();
    await expect.poll(() => page.locator('.day-col .ev', { hasText: SUMMARY }).count(), WAIT).toBe(1);
    const head = await page.locator('.cal-head .muted').textContent();
    // The following week (Monday to Monday, asked a day wider on each side) is asked for once this one is drawn.
    const today = new Date(`${day(0)}T00:00:00Z`);
    const nextMonday = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - ((today.getUTCDay() + 6) % 7) + 7);
    const nextFrom = `${new Date(nextMonday - 86_400_000).toISOString().slice(0, 10)}T00:00:00Z`;
    await expect.poll(() => sent.filter((s) => s.from === nextFrom).length, WAIT).toBe(1);

    // The page never shows the new week's dates over an empty week: a week in hand is drawn with its dates, at once.
    await page.evaluate((old) => {
      const w = window as unknown as { emptyNewWeek: number };
      w.emptyNewWeek = 0;
      new MutationObserver(() => {
        const now = document.querySelector('.cal-head .muted')?.textContent;
        if (now !== old && document.querySelectorAll('.day-col .ev').length === 0) w.emptyNewWeek++;
      }).observe(document.querySelector('.calendar')!, { childList: true, subtree: true, characterData: true });
    }, head);
    const clickedAt = Date.now();
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => page.locator('.cal-head .muted').textContent(), WAIT).not.toBe(head);
    await expect.poll(() => page.locator('.day-col .ev', { hasText: SUMMARY }).count(), WAIT).toBe(1);
    // The shown week's range was requested before the click, and not again after it.
    const forShown = sent.filter((s) => s.from === nextFrom);
    expect(forShown.length, JSON.stringify(sent)).toBe(1);
    expect(forShown[0]!.at).toBeLessThan(clickedAt);
    expect(await page.evaluate(() => (window as unknown as { emptyNewWeek: number }).emptyNewWeek)).toBe(0);
    // Drawn right: the occurrence a week after today's, at noon (UTC page), in its weekday's column.
    const ev = page.locator('.day-col .ev', { hasText: SUMMARY });
    expect(await ev.getAttribute('aria-label')).toContain('12:00');
    const column = await ev.evaluate((el) => Array.from(el.closest('.week-row')!.querySelectorAll('.day-col')).indexOf(el.closest('.day-col')!));
    expect(column).toBe((new Date(`${day(7)}T00:00:00Z`).getUTCDay() + 6) % 7);
    await shot(page, 'calendar-week-next');
  });
});
