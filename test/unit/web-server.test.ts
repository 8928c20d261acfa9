// The browser shell's guard: loopback only, the per-launch token required for the page, its assets and the
// WebSocket; the Host and Origin checks; the JSON protocol over the real core interface (a fake core here).
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { API_METHODS, type AppEvent, type ConveneApi } from '../../shared/api';
import { startWebServer, type WebServer } from '../../electron/web/server';
import { waitFor } from '../servers/wait';

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, unknown>, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function wsOutcome(url: string, origin: string | undefined): Promise<'open' | 'refused'> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('error', () => resolve('refused'));
    ws.on('unexpected-response', () => resolve('refused'));
  });
}

describe('web shell server', () => {
  let web: WebServer;
  let emit: (e: AppEvent) => void = () => {};
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convene-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Convene</title><p>héllo</p>');
    writeFileSync(join(dir, 'assets', 'a.js'), 'console.log(1)');
    const core = Object.fromEntries(API_METHODS.map((m) => [m, async (arg: unknown) => ({ ok: true, value: { method: m, arg } })])) as unknown as ConveneApi;
    core.onEvent = (cb) => {
      emit = cb;
      return () => {};
    };
    web = await startWebServer({ core, rendererDir: dir });
  });
  afterAll(async () => {
    await web?.close();
  });

  it('binds 127.0.0.1 only and prints a token URL', () => {
    const addr = web.server.address();
    expect(typeof addr === 'object' && addr?.address).toBe('127.0.0.1');
    expect(web.url).toBe(`http://127.0.0.1:${web.port}/${web.token}/`);
    expect(web.token.length).toBeGreaterThanOrEqual(40);
  });

  it('serves the page with the token, utf-8 and the CSP', async () => {
    const r = await get(web.port, `/${web.token}/`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(String(r.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(String(r.headers['content-security-policy'])).toContain(`ws://127.0.0.1:${web.port}`);
    expect(r.body).toContain('héllo');
    expect((await get(web.port, `/${web.token}/assets/a.js`)).status).toBe(200);
  });

  it('answers 403 without the token, with a wrong one, or for another Host', async () => {
    expect((await get(web.port, '/')).status).toBe(403);
    expect((await get(web.port, '/index.html')).status).toBe(403);
    expect((await get(web.port, '/assets/a.js')).status).toBe(403);
    expect((await get(web.port, `/${'x'.repeat(web.token.length)}/`)).status).toBe(403);
    expect((await get(web.port, `/?token=${web.token}`)).status).toBe(403);
    expect((await get(web.port, `/${web.token}/`, { host: `evil.example:${web.port}` })).status).toBe(403);
    expect((await get(web.port, `/${web.token}/..%2f..%2fetc%2fpasswd`)).status).toBe(403);
  });

  it('closes WebSockets without the token or from another origin', async () => {
    const origin = `http://127.0.0.1:${web.port}`;
    expect(await wsOutcome(`ws://127.0.0.1:${web.port}/ws`, origin)).toBe('refused');
    expect(await wsOutcome(`ws://127.0.0.1:${web.port}/wrong/ws`, origin)).toBe('refused');
    expect(await wsOutcome(`ws://127.0.0.1:${web.port}/${web.token}/ws`, 'https://evil.example')).toBe('refused');
    expect(await wsOutcome(`ws://127.0.0.1:${web.port}/${web.token}/ws`, undefined)).toBe('refused');
    expect(await wsOutcome(`ws://127.0.0.1:${web.port}/${web.token}/ws`, origin)).toBe('open');
  });

  it('carries {id, method, arg} → {id, result}, validates, and pushes events', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${web.port}/${web.token}/ws`, { origin: `http://127.0.0.1:${web.port}` });
    const messages: unknown[] = [];
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())));
    await new Promise((r) => ws.on('open', r));
    ws.send(JSON.stringify({ id: 1, method: 'getInvitation', arg: { uid: 'u1' } }));
    ws.send(JSON.stringify({ id: 2, method: 'getInvitation', arg: { uid: 7 } }));
    ws.send(JSON.stringify({ id: 3, method: 'constructor', arg: null }));
    await waitFor(() => messages.length >= 3, { timeoutMs: 5000, what: 'three answers' });
    emit({ type: 'invitations-changed' });
    await waitFor(() => messages.length >= 4, { timeoutMs: 5000, what: 'the pushed event' });
    ws.close();
    expect(messages).toContainEqual({ id: 1, result: { ok: true, value: { method: 'getInvitation', arg: { uid: 'u1' } } } });
    expect(messages).toContainEqual(expect.objectContaining({ id: 2, result: expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'BAD_REQUEST' }) }) }));
    expect(messages).toContainEqual(expect.objectContaining({ id: 3, result: expect.objectContaining({ ok: false }) }));
    expect(messages).toContainEqual({ event: { type: 'invitations-changed' } });
  });
});
