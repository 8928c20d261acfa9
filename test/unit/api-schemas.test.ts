// The argument schemas at the edge (shared/api-schemas.ts): every API method accepts a well-formed argument and
// rejects malformed ones with BAD_REQUEST, through both shells' real dispatchers: the Electron IPC handlers
// (registerIpc with a recording ipcMain) and the browser shell's WebSocket (startWebServer on loopback). The core is
// a recording fake: what matters here is what reaches it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { registerIpc } from '../../electron/ipc';
import { startWebServer, type WebServer } from '../../electron/web/server';
import { API_METHODS, CHANNELS, type ApiArg, type ApiMethod, type ConveneApi } from '../../shared/api';
import { parseArg } from '../../shared/api-schemas';

const server = { host: 'imap.example.test', port: 993, security: 'tls' as const, user: 'me' };
const account = { name: 'Me', email: 'me@example.test', aliases: [], imap: server, smtp: { ...server, port: 465 }, password: 'pw' };
const draft = {
  summary: 'Plan',
  start: '2026-03-02T10:00',
  end: '2026-03-02T11:00',
  timezone: 'Europe/Berlin',
  allDay: false,
  attendees: [{ email: 'bob@example.test' }],
  organizer: { email: 'me@example.test' },
};

/** A well-formed argument per method (typed: a method added to the API needs one here). */
const VALID: { [M in ApiMethod]: ApiArg<M> } = {
  getStatus: undefined,
  listAccounts: undefined,
  saveAccount: account,
  removeAccount: { id: 'a1' },
  testConnection: account,
  syncNow: undefined,
  getSettings: undefined,
  saveSettings: { policy: 'known', timeFrameDays: 30, processedFolder: null, timezone: null },
  listInvitations: undefined,
  getInvitation: { uid: 'u1' },
  respond: { uid: 'u1', partstat: 'ACCEPTED', comment: 'ok', recurrenceId: null },
  proposeNewTime: { uid: 'u1', start: '2026-03-02T10:00', end: '2026-03-02T11:00', timezone: 'UTC' },
  requestUpdate: { uid: 'u1', recurrenceId: null, comment: 'my copy is damaged' },
  removeFromCalendar: { uid: 'u1' },
  listAgenda: { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' },
  saveMeeting: draft,
  getMeetingDraft: { uid: 'u1' },
  cancelMeeting: { uid: 'u1', recurrenceId: '20260302T100000Z' },
  resolvePending: { uid: 'u1', pendingId: 'p1', action: 'accept' },
  suggestAddresses: { prefix: 'bo' },
  listOutbox: undefined,
  retryOutbox: { id: 'o1' },
  openFile: { name: 'a.ics', contentBase64: 'QkVHSU4=' },
  discoverAccount: { email: 'me@example.test' },
  beginSignIn: { email: 'me@example.test', oauth: { issuer: 'https://id.example.test', scope: 'mail' } },
  finishSignIn: { flowId: 'f1', account },
  listInvitationPage: { offset: 0, limit: 100, filter: 'pending' },
  getMessage: { uid: 'u1', key: 'acct/INBOX/1/7' },
  getMessagePart: { uid: 'u1', key: 'acct/INBOX/1/7', path: '2' },
};

/** Malformed arguments for one method: the wrong kind, an unknown key, each required field missing or of the wrong type. */
function malformed(m: ApiMethod): unknown[] {
  const v = VALID[m] as unknown;
  if (v === undefined) return [{}, { any: 1 }, 'x', 0, []];
  const o = v as Record<string, unknown>;
  const out: unknown[] = ['x', 7, [], null, { ...o, notAllowed: 1 }];
  for (const k of Object.keys(o)) {
    const { [k]: _drop, ...without } = o;
    const required = parseOk(m, without) === false;
    if (required) out.push(without);
    out.push({ ...o, [k]: typeof o[k] === 'number' ? 'not a number' : 12345 });
  }
  return out;
}

function parseOk(m: ApiMethod, arg: unknown): boolean {
  try {
    parseArg(m, arg);
    return true;
  } catch {
    return false;
  }
}

const reached: { method: string; arg: unknown }[] = [];
const core = Object.fromEntries(
  API_METHODS.map((m) => [
    m,
    async (arg: unknown) => {
      reached.push({ method: m, arg });
      return { ok: true, value: m };
    },
  ]),
) as unknown as ConveneApi;
core.onEvent = () => () => {};

type Reply = { ok: boolean; error?: { code: string; message: string } };

describe('argument schemas', () => {
  it('accept every method’s well-formed argument, unchanged', () => {
    for (const m of API_METHODS) expect(parseArg(m, VALID[m]), m).toEqual(VALID[m]);
  });

  it('refuse class instances and too-long strings', () => {
    expect(() => parseArg('getInvitation', { uid: 'x'.repeat(1001) })).toThrow(/arg\.uid is longer than 1000/);
    expect(() => parseArg('listAgenda', { from: new Date() as unknown as string, to: 'x' })).toThrow(/arg\.from must be a plain object/);
    expect(() => parseArg('respond', { uid: 'x', partstat: 'MAYBE' })).toThrow(/arg\.partstat/);
  });
});

describe('both shells reject every method’s malformed argument with BAD_REQUEST and never call the core', () => {
  let web: WebServer;
  let ws: WebSocket;
  const replies = new Map<number, Reply>();
  const waiters = new Map<number, (r: Reply) => void>();
  let nextId = 1;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convene-schemas-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Convene</title>');
    web = await startWebServer({ core, rendererDir: dir });
    ws = new WebSocket(`ws://127.0.0.1:${web.port}/${web.token}/ws`, { origin: `http://127.0.0.1:${web.port}` });
    ws.on('message', (d) => {
      const msg = JSON.parse(d.toString()) as { id?: number; result?: Reply };
      if (typeof msg.id !== 'number' || !msg.result) return;
      replies.set(msg.id, msg.result);
      waiters.get(msg.id)?.(msg.result);
    });
    await new Promise((r) => ws.on('open', r));
  });
  afterAll(async () => {
    ws?.close();
    await web?.close();
  });
  const overWs = (method: string, arg: unknown) =>
    new Promise<Reply>((resolve) => {
      const id = nextId++;
      waiters.set(id, resolve);
      ws.send(JSON.stringify({ id, method, arg }));
    });

  const handlers = new Map<string, (e: unknown, a: unknown) => Promise<Reply>>();
  registerIpc({ handle: (ch: string, fn: never) => void handlers.set(ch, fn), removeHandler: () => {} } as never, core, { appUrl: 'file:///app/index.html' });
  const overIpc = (method: ApiMethod, arg: unknown) => handlers.get(CHANNELS[method])!({ senderFrame: { url: 'file:///app/index.html', parent: null } }, arg);

  for (const m of API_METHODS) {
    it(m, async () => {
      for (const bad of malformed(m)) {
        for (const [shell, call] of [['ipc', overIpc], ['ws', overWs]] as const) {
          // JSON has no undefined: over the WebSocket an absent argument is null, which no-argument methods accept.
          if (shell === 'ws' && bad === null && VALID[m] === undefined) continue;
          reached.length = 0;
          const r = await call(m, bad);
          expect(r.ok, `${shell} ${m}(${JSON.stringify(bad)})`).toBe(false);
          expect(r.error?.code, `${shell} ${m}(${JSON.stringify(bad)})`).toBe('BAD_REQUEST');
          expect(r.error?.message).toMatch(/^invalid argument: arg/);
          expect(reached).toEqual([]);
        }
      }
      for (const call of [overIpc, overWs]) {
        reached.length = 0;
        expect(await call(m, VALID[m] ?? null)).toEqual({ ok: true, value: m });
        expect(reached.map((x) => x.method)).toEqual([m]);
      }
    });
  }
});
