// UI test helpers: the browser shell as a real process (dist/web/server.mjs, exactly what `npm run serve` runs),
// Debian's Chromium through playwright-core, and screenshots into test-artifacts/ui/.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { MailServers, TestUser } from '../servers/mail-servers';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(ROOT, 'test-artifacts', 'ui');
export const DOCS_SHOTS = join(ROOT, 'docs', 'screenshots');

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds when the built shell is missing or older than its sources (npm test has built already: then a no-op). */
export function ensureBuilt(): void {
  const outs = [join(ROOT, 'dist/web/server.mjs'), join(ROOT, 'dist/renderer/index.html')];
  const built = outs.every((o) => existsSync(o)) ? Math.min(...outs.map((o) => statSync(o).mtimeMs)) : 0;
  const src = Math.max(newest(join(ROOT, 'renderer')), newest(join(ROOT, 'electron')), newest(join(ROOT, 'shared')));
  if (built > src) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  if (r.status !== 0) throw new Error('build failed');
}

export interface Shell {
  url: string;
  proc: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

export async function startShell(dataDir: string, extra: string[] = []): Promise<Shell> {
  const proc = spawn(process.execPath, [join(ROOT, 'dist/web/server.mjs'), '--port', '0', '--data-dir', dataDir, ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TZ: 'UTC' },
  });
  let out = '';
  proc.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the web shell printed no URL:\n${out}`)), 30_000);
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /running in your browser at (http:\/\/127\.0\.0\.1:\d+\/\S+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.on('exit', (code) => reject(new Error(`the web shell exited with ${code}:\n${out}`)));
  });
  return {
    url,
    proc,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
        setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/** A fresh, empty data directory for one shell: <tmp>/convene-<name>-XXXXXX. */
export function tempDataDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `convene-${name}-`));
}

/** Stops what a test file started (either may not have started): the browser, then the shell. */
export async function stopBrowserAndShell(browser: Browser | undefined, shell: Shell | undefined): Promise<void> {
  await browser?.close();
  await shell?.stop();
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/**
 * Fills the account form (first run or Settings) for `user` on this run's servers: plain IMAP and SMTP (the test
 * servers offer no TLS), IMAP logging in by user name, SMTP by address. Saving or testing is the caller's step.
 */
export async function fillAccountForm(page: Page, servers: MailServers, user: TestUser, displayName: string): Promise<void> {
  await page.getByLabel('E-mail address').fill(user.email);
  await page.getByLabel('Your name').fill(displayName);
  // First run asks for the address first (issue 12); the test servers are entered by hand.
  const manual = page.getByRole('button', { name: 'Set up manually' });
  if (await manual.count()) await manual.click();
  await page.getByLabel('Password').fill(user.password);
  await page.getByLabel('IMAP host').fill(servers.imap.host);
  await page.getByLabel('IMAP port').fill(String(servers.imap.port));
  await page.getByLabel('IMAP security').selectOption('none');
  await page.getByLabel('IMAP user').fill(user.name);
  await page.getByLabel('SMTP host').fill(servers.smtp.host);
  await page.getByLabel('SMTP port').fill(String(servers.smtp.port));
  await page.getByLabel('SMTP security').selectOption('none');
  await page.getByLabel('SMTP user').fill(user.email);
}

/** Page errors and CSP violations fail the test: collect them. */
export function watchPage(page: Page, name: string, cspBlocked: string[] = []): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`${name}: page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    // Chromium reports an inline handler it refused under the CSP even while parsing inert markup (DOMPurify's
    // DOMParser document): that is the policy working, recorded separately.
    if (/violates the following Content Security Policy/.test(m.text())) cspBlocked.push(m.text());
    else if (!/WebSocket|ERR_CONNECTION_REFUSED/.test(m.text())) problems.push(`${name}: console error: ${m.text()}`);
  });
  page.on('dialog', (d) => void d.accept());
  return problems;
}

/** A 1280×800 en-US page in `timezoneId`, watched as `name` (see watchPage), opened on the shell. */
export async function openShellPage(browser: Browser, shell: Shell, name: string, timezoneId: string): Promise<{ page: Page; problems: string[] }> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId, locale: 'en-US' })).newPage();
  const problems = watchPage(page, name);
  await page.goto(shell.url);
  return { page, problems };
}

/** What useShellPage gives a test file: filled in by its beforeAll (the shell may be replaced by a test restarting it). */
export interface ShellPage {
  shell: Shell;
  browser: Browser;
  page: Page;
  problems: string[];
}

/**
 * The set-up of a test file that drives one page of its own shell (no mail servers): before all, a fresh shell on an
 * empty data directory, Chromium, and a page in `timezoneId` watched as `name` (see openShellPage), then `ready`
 * (e.g. choosing "Use Convene offline"); after all, the browser and the shell stopped.
 */
export function useShellPage(name: string, timezoneId: string, ready?: (page: Page) => Promise<void>): ShellPage {
  const ui = {} as ShellPage;
  beforeAll(async () => {
    ensureBuilt();
    ui.shell = await startShell(tempDataDir(name));
    ui.browser = await launchChromium();
    Object.assign(ui, await openShellPage(ui.browser, ui.shell, name, timezoneId));
    await ready?.(ui.page);
  });
  afterAll(() => stopBrowserAndShell(ui.browser, ui.shell));
  return ui;
}

/** 'YYYY-MM-DD' n days from today (UTC). */
export function day(n: number): string {
  return new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
}

/** The instant of a wall time 'YYYY-MM-DDTHH:mm' in a zone (for the assertions only). */
export function wallToDate(wall: string, tz: string): Date {
  const guess = new Date(`${wall}:00Z`);
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(guess);
  const g = (t: string) => parts.find((p) => p.type === t)!.value;
  const asUtc = Date.parse(`${g('year')}-${g('month')}-${g('day')}T${g('hour')}:${g('minute')}:00Z`);
  return new Date(guess.getTime() - (asUtc - guess.getTime()));
}

/** Closes what a two-person test started: the contexts, the browser, the shells, then the mail servers. */
export async function stopAll(contexts: BrowserContext[], browser: Browser | undefined, shells: Shell[], servers: { stop(): Promise<void> } | undefined): Promise<void> {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close().catch(() => {});
  for (const s of shells) await s.stop();
  await servers?.stop();
}

export async function shot(page: Page, name: string, opts: { docs?: boolean } = {}): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Toasts come and go with timing; keep them out of the pictures.
  // (Set through the CSSOM: the page's CSP rightly refuses an injected <style> element.)
  await page.evaluate(() => document.querySelector<HTMLElement>('.toasts')?.style.setProperty('display', 'none')).catch(() => {});
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
  // The README's pictures change only on purpose (CONVENE_UPDATE_SCREENSHOTS=1 npm test), so a test run leaves the
  // work tree clean.
  if (opts.docs && process.env.CONVENE_UPDATE_SCREENSHOTS === '1') {
    mkdirSync(DOCS_SHOTS, { recursive: true });
    await page.screenshot({ path: join(DOCS_SHOTS, `${name}.png`) });
  }
  await page.evaluate(() => document.querySelector<HTMLElement>('.toasts')?.style.removeProperty('display')).catch(() => {});
}
