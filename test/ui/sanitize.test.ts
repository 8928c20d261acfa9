// Issue 10 §7: the description sanitizer (renderer/sanitize.ts) in a real browser DOM (Debian's Chromium; jsdom is
// not installed). The module is bundled as it ships and run on hostile descriptions.
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './shell';

let browser: Browser;
let page: Page;

beforeAll(async () => {
  const out = buildSync({ entryPoints: [join(__dirname, '../../renderer/sanitize.ts')], bundle: true, format: 'iife', globalName: 'S', write: false, platform: 'browser', logLevel: 'error' });
  browser = await launchChromium();
  page = await browser.newPage();
  await page.setContent('<!doctype html><body></body>');
  await page.addScriptTag({ content: out.outputFiles[0]!.text });
});
afterAll(async () => {
  await browser?.close();
});

const clean = (html: string): Promise<string> => page.evaluate((h) => (globalThis as unknown as { S: { sanitizeDescription(x: string): string } }).S.sanitizeDescription(h), html);

describe('the description sanitizer', () => {
  it('drops class, style and id, so content cannot look like the app', async () => {
    const out = await clean('<div class="answer-bar primary" style="position:fixed;top:0" id="accept"><button class="btn">Accept</button><p style="color:red">hi</p></div>');
    expect(out).not.toMatch(/class=|style=|id=|<button/);
    expect(out).toContain('Accept');
    expect(out).toContain('<p dir="auto">hi</p>');
  });

  it('drops remote media and keeps only data: images', async () => {
    const out = await clean(
      '<video src="https://t.example/v.mp4" poster="https://t.example/p.png"></video><audio src="https://t.example/a.mp3"><source src="https://t.example/s.ogg"></audio>' +
        '<map name="m"><area href="https://t.example/x" shape="rect"></map><picture><source srcset="https://t.example/i.png"></picture>' +
        '<img src="https://t.example/pixel.gif" alt="logo"><img src="data:image/png;base64,iVBORw0KGgo=" alt="inline"><object data="https://t.example/o"></object><link rel="stylesheet" href="https://t.example/c.css">',
    );
    expect(out).not.toMatch(/t\.example/);
    expect(out).not.toMatch(/<(video|audio|source|area|map|picture|object|link)\b/);
    expect(out).toContain('[image blocked: logo]');
    expect(out).toContain('src="data:image/png;base64,iVBORw0KGgo="');
  });

  it('keeps the tags a description needs, and only those', async () => {
    const out = await clean('<h1>Title</h1><p>Agenda:</p><ul><li><b>one</b></li><li><a href="https://meet.example/j/1">Join</a></li></ul><form action="https://x"><input name="pw"></form><table><tr><td>x</td></tr></table><marquee>m</marquee>');
    expect(out).toMatch(/<ul dir="auto"><li dir="auto"><b dir="auto">one<\/b><\/li>/);
    expect(out).toContain('href="https://meet.example/j/1"');
    expect(out).toContain('target="_blank"');
    expect(out).not.toMatch(/<(h1|form|input|marquee)\b/);
    expect(out).toContain('Title');
    expect(out).toContain('<td dir="auto">x</td>');
  });

  it('mailto links lose attach=-style fields; javascript: links lose their href', async () => {
    const out = await clean('<a href="mailto:org@example.com?subject=Hi&attach=/etc/passwd&cc=spy@evil">mail</a><a href="javascript:alert(1)">x</a><a href="file:///etc/passwd">f</a>');
    expect(out).toContain('href="mailto:org@example.com?subject=Hi"');
    expect(out).not.toMatch(/javascript:|file:|attach|spy@evil/);
  });

  it('removes bidi overrides, written raw or as entities, and isolates every element', async () => {
    const out = await clean('<p>From: <span>\u202Emoc.live@evil\u202C</span> and &#x202E;gnp.exe</p>');
    expect(out).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    expect(out).toContain('<span dir="auto">');
    const iso = await page.evaluate(() => (globalThis as unknown as { S: { isolateText(x: string): string } }).S.isolateText('a\u202Eb'));
    expect(iso).toBe('\u2068ab\u2069');
  });
});
