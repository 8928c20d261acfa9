// The browser shell: the same main-process core, served to a browser over loopback.
//
//   node dist/web/server.mjs [--port N] [--data-dir DIR] [--renderer-dir DIR] [file.ics|file.eml ...]
//
// Security model: the server binds 127.0.0.1 only, and every request must carry a random per-launch token
// (crypto.randomBytes, 32 bytes) as the first path segment: the page is at http://127.0.0.1:PORT/TOKEN/ and the API
// WebSocket at ws://127.0.0.1:PORT/TOKEN/ws. Another local user or a web page in the user's browser cannot guess
// it, so cannot drive the core. The token sits in the path rather than the query so the page's relative asset URLs
// (vite base './') carry it too and nothing at all is served without it. In addition the Host header must name the
// loopback address (DNS rebinding) and a WebSocket's Origin must be this server's own origin.
//
// Protocol: the client sends {id, method, arg}; the server answers {id, result} where result is the same Result
// envelope the IPC handlers return; core events are pushed as {event}.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { homedir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AppEvent, ConveneApi } from '../../shared/api';
import { dispatch } from '../dispatch';
import { cspHeader } from '../window-options';

export const LOOPBACK = '127.0.0.1';

/** The largest WebSocket message accepted; a larger one closes that socket (1009, RFC 6455 §7.4.1). */
export const MAX_FRAME_BYTES = 40 * 1024 * 1024;

export interface WebServerOptions {
  core: ConveneApi;
  rendererDir: string;
  /** 0 (default): any free port. */
  port?: number;
  /** For tests only; normally random. */
  token?: string;
  log?: (line: string) => void;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  server: Server;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

function tokenMatches(candidate: string | undefined, token: string): boolean {
  if (!candidate) return false;
  const a = Buffer.from(candidate);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Splits '/TOKEN/rest' into [TOKEN, 'rest']. */
function splitPath(url: string | undefined): [string | undefined, string] {
  const path = (url ?? '/').split('?')[0] ?? '/';
  const m = /^\/([^/]+)(\/.*)?$/.exec(path);
  if (!m) return [undefined, ''];
  return [m[1], (m[2] ?? '').replace(/^\//, '')];
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const rendererDir = resolve(opts.rendererDir);
  const log = opts.log ?? (() => {});
  let port = 0;

  const hostAllowed = (host: string | undefined) => host === `${LOOPBACK}:${port}` || host === `localhost:${port}`;
  const originAllowed = (origin: string | undefined) =>
    origin === `http://${LOOPBACK}:${port}` || origin === `http://localhost:${port}`;

  // A tab left from an earlier start (or a mistyped address) lands here: say how to reach the running app.
  const STALE_TAB_TEXT =
    'Forbidden: this address is not the one Convene is running at (it may be from an earlier start).\n' +
    'Open the address Convene printed when it started: "Convene is running in your browser at http://127.0.0.1:…/…/".\n' +
    'If Convene is not running, start it with npm start (or npm run serve) and open the address it prints.\n';
  const deny = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(text);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // Issue 10 §4: every socket and request path has an error handler; a broken client closes its own connection.
    req.on('error', () => req.destroy());
    res.on('error', () => res.destroy());
    guarded('request', async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'method not allowed');
      if (!hostAllowed(req.headers.host)) return deny(res, 403, 'forbidden: wrong host');
      const [tok, rest] = splitPath(req.url);
      if (!tokenMatches(tok, token)) return deny(res, 403, STALE_TAB_TEXT);
      let rel: string;
      try {
        rel = decodeURIComponent(rest) || 'index.html';
      } catch {
        return deny(res, 400, 'bad path');
      }
      const file = normalize(join(rendererDir, rel));
      if (file !== rendererDir && !file.startsWith(rendererDir + sep)) return deny(res, 403, 'forbidden');
      try {
        const st = await stat(file);
        if (!st.isFile()) return deny(res, 404, 'not found');
        const body = await readFile(file);
        res.writeHead(200, {
          'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
          'content-security-policy': cspHeader(`ws://${LOOPBACK}:${port} ws://localhost:${port}`),
          'x-content-type-options': 'nosniff',
          'referrer-policy': 'no-referrer',
          'cross-origin-opener-policy': 'same-origin',
          'cross-origin-resource-policy': 'same-origin',
          'x-frame-options': 'DENY',
          'cache-control': 'no-store',
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      } catch {
        deny(res, 404, existsSync(rendererDir) ? 'not found' : 'the renderer is not built: run node scripts/build.mjs');
      }
    }, () => {
      if (!res.headersSent) deny(res, 500, 'internal error');
      else res.destroy();
    });
  });
  // A malformed request line or header (or a reset) ends that connection only (Node's default would too, but an
  // explicit handler keeps it from ever becoming an 'error' event on the server).
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    socket.destroy();
  });

  /** Runs a handler; whatever it throws or rejects is logged and answered by `onFail`, never left unhandled. */
  function guarded(what: string, fn: () => Promise<void>, onFail: () => void): void {
    fn().catch((err: unknown) => {
      log(`${what} failed: ${err instanceof Error ? err.message : String(err)}`);
      try {
        onFail();
      } catch {
        /* the connection is gone already */
      }
    });
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const clients = new Set<WebSocket>();
  wss.on('error', (err) => log(`websocket server: ${err.message}`));

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const [tok, rest] = splitPath(req.url);
    if (!hostAllowed(req.headers.host) || !originAllowed(req.headers.origin) || !tokenMatches(tok, token) || rest !== 'ws') {
      log(`refused a WebSocket from origin ${req.headers.origin ?? '(none)'}`);
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  /** Sends on an open socket; a send that fails (the peer went away) closes that socket, nothing else. */
  const send = (ws: WebSocket, value: unknown): void => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(JSON.stringify(value), (err) => {
      if (err) ws.terminate();
    });
  };
  const badRequest = (message: string) => ({ id: null, result: { ok: false, error: { code: 'BAD_REQUEST', message, retryable: false } } });

  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    // Invalid UTF-8, a reserved opcode, an oversized or unmasked frame: ws reports them here and closes the socket
    // with the matching close code (RFC 6455 §7.4.1). Without a listener the 'error' event would kill the process.
    ws.on('error', (err) => {
      log(`websocket closed on a bad frame: ${err.message}`);
      clients.delete(ws);
      ws.terminate();
    });
    ws.on('message', (data, isBinary) => {
      guarded('websocket message', async () => {
        if (isBinary) return send(ws, badRequest('binary frames are not part of the protocol'));
        let msg: unknown;
        try {
          msg = JSON.parse(data.toString());
        } catch {
          return send(ws, badRequest('not JSON'));
        }
        // `null`, numbers, strings and arrays are JSON too, but not a request.
        if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return send(ws, badRequest('a request is a JSON object {id, method, arg}'));
        const req = msg as { id?: unknown; method?: unknown; arg?: unknown };
        const id = typeof req.id === 'number' || typeof req.id === 'string' ? req.id : null;
        const result = await dispatch(opts.core, req.method, req.arg);
        send(ws, { id, result });
      }, () => ws.terminate());
    });
  });

  const unsubscribe = opts.core.onEvent((event: AppEvent) => {
    for (const ws of clients) send(ws, { event });
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, LOOPBACK, () => {
      server.off('error', fail);
      ok();
    });
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  const url = `http://${LOOPBACK}:${port}/${token}/`;

  return {
    url,
    port,
    token,
    server,
    async close() {
      unsubscribe();
      for (const ws of clients) ws.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Command line (npm run serve; npm start's fallback)

export function defaultDataDir(): string {
  const home = homedir();
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'Convene');
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Convene');
  return join(process.env.XDG_CONFIG_HOME ?? join(home, '.config'), 'Convene');
}

interface Cli {
  port: number;
  dataDir: string;
  rendererDir: string;
  files: string[];
}

function parseArgs(argv: string[]): Cli {
  const here = dirname(fileURLToPath(import.meta.url));
  const cli: Cli = { port: 0, dataDir: defaultDataDir(), rendererDir: join(here, '..', 'renderer'), files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--port') cli.port = Number(next());
    else if (a === '--data-dir') cli.dataDir = resolve(next());
    else if (a === '--renderer-dir') cli.rendererDir = resolve(next());
    else if (a === '--help' || a === '-h') {
      console.log('usage: node dist/web/server.mjs [--port N] [--data-dir DIR] [--renderer-dir DIR] [file.ics|file.eml ...]');
      process.exit(0);
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else cli.files.push(resolve(a));
  }
  if (!Number.isInteger(cli.port) || cli.port < 0 || cli.port > 65535) throw new Error('--port must be 0..65535');
  return cli;
}

async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  const { createCore } = await import('../core');
  const core = await createCore({ dataDir: cli.dataDir, shell: 'browser' });
  const web = await startWebServer({ core, rendererDir: cli.rendererDir, port: cli.port, log: (l) => console.error(`[web] ${l}`) });
  for (const f of cli.files) {
    const r = await core.openFile({ name: f, contentBase64: readFileSync(f).toString('base64') });
    console.log(r.ok ? `opened ${f}: ${r.value.action} (${r.value.reason})` : `could not open ${f}: ${r.error.message}`);
  }
  // The one line scripts and tests look for; the URL carries the per-launch token.
  console.log(`Convene is running in your browser at ${web.url}`);
  console.log(`(data: ${cli.dataDir}; listening on ${LOOPBACK} only; press Ctrl+C to stop)`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await web.close().catch(() => {});
    await core.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

const isMain = (() => {
  try {
    return process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
  } catch {
    return false;
  }
})();
if (isMain) {
  main().catch((err: unknown) => {
    console.error(`convene serve: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    process.exit(1);
  });
}
