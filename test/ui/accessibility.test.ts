// Accessibility of the main screens, in the browser shell alone (offline: no mail servers needed): every control has
// an accessible name, the main actions work with the keyboard only (Tab / Shift+Tab / Enter / Space) with a visible
// focus ring, and nothing overflows horizontally at 1280×800.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { LOCAL_IDENTITY } from '../../shared/api';
import { shot, useShellPage } from './shell';

const WAIT = { timeout: 20_000, interval: 100 };
const SUMMARY = 'Accessibility review';

/** A weekly invitation from an organizer in New York (the viewer is in Berlin: both times show). */
const ICS = [
  'BEGIN:VCALENDAR',
  'VERSION:2.0',
  'PRODID:-//Test//EN',
  'METHOD:REQUEST',
  'BEGIN:VEVENT',
  'UID:a11y-1@example.test',
  'SEQUENCE:0',
  'DTSTAMP:20260302T100000Z',
  'DTSTART;TZID=America/New_York:20300304T100000',
  'DTEND;TZID=America/New_York:20300304T110000',
  'RRULE:FREQ=WEEKLY;COUNT=3',
  `SUMMARY:${SUMMARY}`,
  'LOCATION:Room 2',
  'DESCRIPTION:Walk through the screens with a keyboard.',
  'ORGANIZER;CN=Carol:mailto:carol@example.test',
  'ATTENDEE;CN=Carol;PARTSTAT=ACCEPTED:mailto:carol@example.test',
  'ATTENDEE;CN=Dan;PARTSTAT=TENTATIVE:mailto:dan@example.test',
  `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${LOCAL_IDENTITY}`,
  'END:VEVENT',
  'END:VCALENDAR',
  '',
].join('\r\n');

const ui = useShellPage('a11y', 'Europe/Berlin');

/** Form controls and buttons without an accessible name (label[for], a wrapping label, aria-label(ledby), title, text). */
function unnamed(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const text = (el: Element | null) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('input, select, textarea, button'))) {
      if (el instanceof HTMLInputElement && el.type === 'hidden') continue;
      const byLabelledby = (el.getAttribute('aria-labelledby') ?? '')
        .split(/\s+/)
        .filter(Boolean)
        .map((id) => text(document.getElementById(id)))
        .join(' ');
      const labels = 'labels' in el ? Array.from((el as HTMLInputElement).labels ?? []).map((l) => text(l)).join(' ') : '';
      const own = el instanceof HTMLButtonElement ? text(el) : el instanceof HTMLInputElement && ['submit', 'button', 'reset'].includes(el.type) ? el.value : '';
      const name = [el.getAttribute('aria-label') ?? '', byLabelledby, labels, own, el.getAttribute('title') ?? ''].join(' ').trim();
      if (!name) out.push(el.outerHTML.slice(0, 160));
    }
    return out;
  });
}

/** Horizontal overflow of the document and of every scrolling region (the app scrolls inside <main> and panes). */
function overflow(p: Page): Promise<string[]> {
  return p.evaluate(() => {
    const out: string[] = [];
    const doc = document.scrollingElement!;
    if (doc.scrollWidth > 1280) out.push(`document: ${doc.scrollWidth}px`);
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('main, main *'))) {
      const ox = getComputedStyle(el).overflowX;
      if ((ox === 'auto' || ox === 'scroll') && el.scrollWidth > el.clientWidth + 1)
        out.push(`${el.tagName.toLowerCase()}.${el.className}: ${el.scrollWidth}px in ${el.clientWidth}px`);
    }
    return out;
  });
}

interface Focused {
  tag: string;
  text: string;
  label: string;
  outline: string;
}

function focused(p: Page): Promise<Focused> {
  return p.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    const cs = el ? getComputedStyle(el) : null;
    return {
      tag: el?.tagName.toLowerCase() ?? '',
      text: (el?.textContent ?? '').replace(/\s+/g, ' ').trim(),
      label: el?.getAttribute('aria-label') ?? ((el as HTMLInputElement | null)?.labels?.[0]?.textContent ?? '').trim(),
      outline: cs && cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0 ? `${cs.outlineStyle} ${cs.outlineWidth}` : '',
    };
  });
}

/** Presses Tab (or Shift+Tab) until the focused element matches; fails after `max` presses. The ring must show. */
async function tabTo(p: Page, match: (f: Focused) => boolean, opts: { back?: boolean; max?: number } = {}): Promise<Focused> {
  for (let i = 0; i < (opts.max ?? 80); i++) {
    await p.keyboard.press(opts.back ? 'Shift+Tab' : 'Tab');
    const f = await focused(p);
    if (match(f)) {
      expect(f.outline, `focus ring on ${f.tag} "${f.text || f.label}"`).not.toBe('');
      return f;
    }
  }
  throw new Error(`no focusable element matched after ${opts.max ?? 80} presses of ${opts.back ? 'Shift+Tab' : 'Tab'}`);
}

const button = (name: string) => (f: Focused) => f.tag === 'button' && (f.text === name || f.label === name);

async function checkScreen(name: string): Promise<void> {
  expect(await unnamed(ui.page), `${name}: controls without a name`).toEqual([]);
  expect(await overflow(ui.page), `${name}: horizontal overflow at 1280×800`).toEqual([]);
  await shot(ui.page, `a11y-${name}`);
}

/** Back to the top of the page, as after a fresh load: focus on <body>. */
async function resetFocus(): Promise<void> {
  await ui.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
}

describe('accessibility of the main screens', () => {
  it('first run: named controls, no overflow, "Use Convene offline" by keyboard', async () => {
    await expect.poll(() => ui.page.getByRole('heading', { name: 'Welcome to Convene' }).count(), WAIT).toBe(1);
    await checkScreen('first-run');
    // The skip link comes first and is visible when focused.
    await resetFocus();
    const first = await tabTo(ui.page, () => true, { max: 1 });
    expect(first.text).toBe('Skip to content');
    await tabTo(ui.page, button('Continue')); // first run asks for the address first (issue 12)
    await tabTo(ui.page, (f) => f.label.startsWith('E-mail address'), { back: true });
    await tabTo(ui.page, button('Use Convene offline'), { back: true });
    await ui.page.keyboard.press('Enter');
    await expect.poll(() => ui.page.getByRole('heading', { name: 'Invitations' }).count(), WAIT).toBe(1);
  });

  it('invitations: open one from the list and accept it with the keyboard only', async () => {
    await ui.page.getByLabel('Open an invitation file').setInputFiles({ name: 'a11y.ics', mimeType: 'text/calendar', buffer: Buffer.from(ICS) });
    await expect.poll(() => ui.page.getByTestId('detail-summary').textContent(), WAIT).toBe(SUMMARY);
    // Start again from the list, with nothing selected.
    await ui.page.keyboard.press('Alt+2');
    await ui.page.keyboard.press('Alt+1');
    await expect.poll(() => ui.page.getByText('Select an invitation.').count(), WAIT).toBe(1);
    await resetFocus();
    // The list is one tab stop (a listbox); entering it puts the cursor on the first thread, Enter opens it.
    await tabTo(ui.page, (f) => f.label === 'Invitation threads');
    await ui.page.keyboard.press('Enter');
    await expect.poll(() => ui.page.getByTestId('detail-summary').textContent(), WAIT).toBe(SUMMARY);
    // The organizer's own zone is shown next to the viewer's, both labelled.
    await expect.poll(() => ui.page.getByTestId('organizer-time').textContent(), WAIT).toContain('America/New_York');
    await checkScreen('invitation');
    await tabTo(ui.page, (f) => f.tag === 'textarea' && f.label.startsWith('Comment'));
    await ui.page.keyboard.type('Works for me');
    await tabTo(ui.page, button('Accept'));
    await ui.page.keyboard.press('Space');
    await expect.poll(() => ui.page.getByTestId('my-partstat').textContent(), WAIT).toBe('Accepted');
    await expect.poll(() => ui.page.locator('.inv-item', { hasText: SUMMARY }).textContent(), WAIT).toContain('Accepted');
    await checkScreen('invitation-accepted');
    // Propose a new time for one occurrence, by keyboard.
    await tabTo(ui.page, (f) => f.tag === 'select' && f.label.startsWith('Answer for'), { back: true });
    await ui.page.keyboard.press('ArrowDown');
    await tabTo(ui.page, button('Propose new time'));
    await ui.page.keyboard.press('Enter');
    await expect.poll(() => ui.page.getByTestId('proposal-for').textContent(), WAIT).toContain('the occurrence of');
    await checkScreen('propose');
    await tabTo(ui.page, button('Cancel'));
    await ui.page.keyboard.press('Enter');
    await expect.poll(() => ui.page.getByTestId('proposal-for').count(), WAIT).toBe(0);
  });

  it('meeting editor: named controls; a meeting made and sent with the keyboard only', async () => {
    await ui.page.keyboard.press('Alt+3');
    await expect.poll(() => ui.page.getByRole('heading', { name: 'New meeting' }).count(), WAIT).toBe(1);
    await checkScreen('editor');
    await resetFocus();
    await tabTo(ui.page, (f) => f.label === 'Title');
    await ui.page.keyboard.type('Keyboard meeting');
    await tabTo(ui.page, (f) => f.label.startsWith('Add attendee'));
    await ui.page.keyboard.type('erin@example.test');
    await ui.page.keyboard.press('Enter');
    await expect.poll(() => ui.page.getByRole('list', { name: 'Attendees' }).textContent(), WAIT).toContain('erin@example.test');
    await tabTo(ui.page, button('Save and send invitations'));
    await ui.page.keyboard.press('Enter');
    await expect.poll(() => ui.page.getByTestId('detail-summary').textContent(), WAIT).toBe('Keyboard meeting');
    await checkScreen('organizer-view');
  });

  it('calendar: week and agenda by keyboard; an agenda entry opens its invitation', async () => {
    await ui.page.keyboard.press('Alt+2');
    await expect.poll(() => ui.page.getByTestId('week').count(), WAIT).toBe(1);
    await checkScreen('calendar-week');
    await resetFocus();
    await tabTo(ui.page, button('Agenda'));
    await ui.page.keyboard.press('Space');
    await expect.poll(() => ui.page.getByTestId('agenda').textContent(), WAIT).toContain('Keyboard meeting');
    await checkScreen('calendar-agenda');
    await tabTo(ui.page, (f) => f.tag === 'button' && f.text.includes('Keyboard meeting'));
    await ui.page.keyboard.press('Enter');
    await expect.poll(() => ui.page.getByTestId('detail-summary').textContent(), WAIT).toBe('Keyboard meeting');
  });

  it('status and outbox: named controls; Retry reachable by keyboard', async () => {
    await ui.page.keyboard.press('Alt+4');
    await expect.poll(() => ui.page.getByTestId('outbox').locator('tr[data-state]').count(), WAIT).toBeGreaterThanOrEqual(2);
    await checkScreen('status');
    await resetFocus();
    await tabTo(ui.page, (f) => f.tag === 'button' && (f.text === 'Retry' || f.label.startsWith('Retry')));
  });

  it('settings: policy chosen and saved with the keyboard only', async () => {
    await ui.page.keyboard.press('Alt+5');
    await expect.poll(() => ui.page.getByRole('heading', { name: 'Settings' }).count(), WAIT).toBe(1);
    await checkScreen('settings');
    await resetFocus();
    await tabTo(ui.page, (f) => f.tag === 'input' && f.label.startsWith('Only from people I know'));
    await ui.page.keyboard.press('ArrowDown');
    expect(await ui.page.getByLabel(/Never automatically/).isChecked()).toBe(true);
    await tabTo(ui.page, button('Save settings'));
    await ui.page.keyboard.press('Enter');
    await expect.poll(() => ui.page.locator('.toast', { hasText: 'Settings saved.' }).count(), WAIT).toBe(1);
    await ui.page.keyboard.press('Alt+5');
    expect(await ui.page.getByLabel(/Never automatically/).isChecked()).toBe(true);
    expect(ui.problems).toEqual([]);
  });
});
