// Moving the keyboard to the invitation that was just opened (issue 11 §16): Enter in the list opens the thread and
// puts focus on its answer bar. The detail loads asynchronously, so this waits for it to appear (a DOM observer,
// bounded in time), then focuses the agreed target: the element marked data-focus-target="answer-bar" (the answer
// bar), else the detail's heading.

/** The selector the answer bar carries; the detail's owner keeps it stable. */
export const ANSWER_BAR_SELECTOR = '[data-focus-target="answer-bar"]';

function target(uid: string): HTMLElement | null {
  const detail = Array.from(document.querySelectorAll<HTMLElement>('[data-testid="invitation-detail"]')).find((d) => d.dataset.uid === uid);
  if (!detail) return null;
  return detail.querySelector<HTMLElement>(ANSWER_BAR_SELECTOR) ?? detail.querySelector<HTMLElement>('h2, h1');
}

function focusEl(el: HTMLElement): void {
  if (el.tabIndex < 0 && !el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
  el.focus();
}

export function focusDetailWhenShown(uid: string, timeoutMs = 8000): void {
  // After the navigation's own focus move (App.go focuses <main> on the next tick).
  setTimeout(() => focusWhenShown(uid, timeoutMs), 0);
}

function focusWhenShown(uid: string, timeoutMs: number): void {
  const now = target(uid);
  if (now) return focusEl(now);
  const obs = new MutationObserver(() => {
    const el = target(uid);
    if (!el) return;
    obs.disconnect();
    clearTimeout(timer);
    focusEl(el);
  });
  obs.observe(document.body, { childList: true, subtree: true });
  const timer = setTimeout(() => obs.disconnect(), timeoutMs);
}
