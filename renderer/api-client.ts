// The one place the renderer learns how to reach the core. In Electron the preload has put the API on
// window.convene; in a browser the page was served at http://127.0.0.1:PORT/TOKEN/ and the same interface is
// mapped onto the WebSocket at /TOKEN/ws. The rest of the UI only sees ConveneApi and does not know the shell.
import { API_METHODS, type ApiMethod, type AppEvent, type ConveneApi } from '../shared/api';
import type { Result } from '../shared/errors';

declare global {
  interface Window {
    convene?: ConveneApi;
  }
}

type Pending = { resolve: (r: Result<unknown>) => void };

/**
 * The link to the core as the page sees it (issue 11 §17): 'connected'; 'lost' the moment the WebSocket closes
 * (the core stopped or restarted; the page reconnects by itself); 'stale' when the server answers but refuses this
 * page's token (a tab left from an earlier start). Electron's IPC is always 'connected'.
 */
export type LinkState = 'connected' | 'lost' | 'stale';
const linkListeners = new Set<(s: LinkState) => void>();
let linkState: LinkState = 'connected';
function setLink(s: LinkState): void {
  if (s === linkState) return;
  linkState = s;
  for (const l of linkListeners) l(s);
}
export function onLinkState(cb: (s: LinkState) => void): () => void {
  linkListeners.add(cb);
  cb(linkState);
  return () => linkListeners.delete(cb);
}

/** After a failed reconnect: is the server there and refusing the token (stale tab) or gone (stopped)? */
async function probeToken(token: string): Promise<void> {
  try {
    const r = await fetch(`/${token}/`, { method: 'HEAD', cache: 'no-store' });
    if (r.status === 403) setLink('stale');
  } catch {
    // Not reachable: the core is not running (yet); keep 'lost' and keep trying.
  }
}

function socketApi(): ConveneApi {
  const token = location.pathname.split('/')[1] ?? '';
  const wsUrl = `ws://${location.host}/${token}/ws`;
  const listeners = new Set<(e: AppEvent) => void>();
  const pending = new Map<number, Pending>();
  const queue: string[] = [];
  let nextId = 1;
  let ws: WebSocket | null = null;
  let retryMs = 250;

  const failAll = (message: string) => {
    for (const [id, p] of pending) {
      p.resolve({ ok: false, error: { code: 'INTERNAL', message, retryable: true } });
      pending.delete(id);
    }
  };

  const connect = () => {
    const sock = new WebSocket(wsUrl);
    ws = sock;
    sock.onopen = () => {
      retryMs = 250;
      setLink('connected');
      for (const m of queue.splice(0)) sock.send(m);
      for (const l of listeners) l({ type: 'invitations-changed' });
    };
    sock.onmessage = (ev: MessageEvent) => {
      const msg = JSON.parse(String(ev.data)) as { id?: number; result?: Result<unknown>; event?: AppEvent };
      if (msg.event) {
        for (const l of listeners) l(msg.event);
        return;
      }
      if (typeof msg.id === 'number' && msg.result) {
        pending.get(msg.id)?.resolve(msg.result);
        pending.delete(msg.id);
      }
    };
    sock.onclose = () => {
      ws = null;
      if (linkState === 'connected') setLink('lost');
      void probeToken(token);
      failAll('the connection to Convene was lost; reconnecting');
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  };
  connect();

  const call = (method: ApiMethod, arg: unknown): Promise<Result<unknown>> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, { resolve });
      const text = JSON.stringify({ id, method, arg });
      if (ws && ws.readyState === WebSocket.OPEN) ws.send(text);
      else queue.push(text);
    });

  const api: Record<string, unknown> = {};
  for (const m of API_METHODS) api[m] = (arg?: unknown) => call(m, arg);
  api.onEvent = (cb: (e: AppEvent) => void) => {
    listeners.add(cb);
    return () => listeners.delete(cb);
  };
  return api as unknown as ConveneApi;
}

export const api: ConveneApi = window.convene ?? socketApi();
