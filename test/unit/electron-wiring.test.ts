// The Electron wiring, checked without the Electron binary: the window's security options, the CSP (in the
// options module, in the built index.html and in the web shell's header), the IPC sender check, and the bundled
// preload's surface, evaluated with fake contextBridge/ipcRenderer objects.
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_METHODS, CHANNELS, EVENT_CHANNEL } from '../../shared/api';
import { registerIpc, senderAllowed } from '../../electron/ipc';
import { parseArg } from '../../shared/api-schemas';
import { waitFor } from '../servers/wait';
import { CSP, CSP_DIRECTIVES, CSP_META, isAppUrl, isExternalAllowed, windowOptions } from '../../electron/window-options';

const root = join(__dirname, '..', '..');

describe('BrowserWindow options', () => {
  const o = windowOptions({ preloadPath: '/app/dist/electron/preload.cjs' });
  it('isolates and sandboxes the page', () => {
    expect(o.webPreferences?.contextIsolation).toBe(true);
    expect(o.webPreferences?.sandbox).toBe(true);
    expect(o.webPreferences?.nodeIntegration).toBe(false);
    expect(o.webPreferences?.nodeIntegrationInWorker).toBe(false);
    expect(o.webPreferences?.nodeIntegrationInSubFrames).toBe(false);
    expect(o.webPreferences?.webSecurity).toBe(true);
    expect(o.webPreferences?.webviewTag).toBe(false);
    expect(o.webPreferences?.allowRunningInsecureContent).toBe(false);
    expect(o.webPreferences?.preload).toBe('/app/dist/electron/preload.cjs');
  });
  it('opens readable at 1280×800', () => {
    expect([o.width, o.height]).toEqual([1280, 800]);
  });
});

describe('Content-Security-Policy', () => {
  it('allows no inline script, no eval, no remote origin', () => {
    expect(CSP_DIRECTIVES['default-src']).toBe("'none'");
    expect(CSP_DIRECTIVES['script-src']).toBe("'self'");
    expect(CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*\.|data:.*script/);
    expect(CSP).toContain("frame-ancestors 'none'");
    expect(CSP).toContain("object-src 'none'");
    // Remote images in descriptions are blocked by the policy itself.
    expect(CSP_DIRECTIVES['img-src']).toBe("'self' data:");
    // The only connection: the loopback WebSocket of the browser shell.
    expect(CSP_DIRECTIVES['connect-src']).toBe("'self' ws://127.0.0.1:*");
  });
  it('is in the built index.html as a <meta>', () => {
    const built = join(root, 'dist/renderer/index.html');
    expect(existsSync(built), `${built} is missing: build first (npm test builds before testing; npm run build)`).toBe(true);
    const html = readFileSync(built, 'utf8');
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${CSP_META}"`);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline scripts
  });
});

describe('links and navigation', () => {
  it('hands only http(s) and mailto to the system', () => {
    expect(isExternalAllowed('https://example.com/x')).toBe(true);
    expect(isExternalAllowed('http://example.com')).toBe(true);
    expect(isExternalAllowed('mailto:bob@example.com')).toBe(true);
    for (const bad of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'ms-msdt:/id', 'vbscript:x', 'not a url']) {
      expect(isExternalAllowed(bad)).toBe(false);
    }
  });
  it('recognises the app page only', () => {
    const app = 'file:///opt/Convene/resources/app.asar/dist/renderer/index.html';
    expect(isAppUrl(app, app)).toBe(true);
    expect(isAppUrl(`${app}#x`, app)).toBe(true);
    expect(isAppUrl('file:///tmp/evil.html', app)).toBe(false);
    expect(isAppUrl('https://evil.example/', app)).toBe(false);
    expect(isAppUrl('http://localhost:5173/', app, 'http://localhost:5173')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', app, 'http://localhost:5173')).toBe(false);
  });
});

describe('IPC handlers', () => {
  const app = 'file:///app/dist/renderer/index.html';
  function fakeIpcMain() {
    const handlers = new Map<string, (event: unknown, arg: unknown) => Promise<unknown>>();
    return {
      handlers,
      handle: (ch: string, fn: (event: unknown, arg: unknown) => Promise<unknown>) => void handlers.set(ch, fn),
      removeHandler: (ch: string) => void handlers.delete(ch),
    };
  }
  const calls: unknown[] = [];
  const core = Object.fromEntries(API_METHODS.map((m) => [m, async (a: unknown) => (calls.push([m, a]), { ok: true, value: m })]));

  it('registers exactly one handler per API method', () => {
    const ipc = fakeIpcMain();
    registerIpc(ipc as never, core as never, { appUrl: app });
    expect([...ipc.handlers.keys()].sort()).toEqual(Object.values(CHANNELS).sort());
  });

  it('checks the sender frame and validates arguments; errors come back as Results', async () => {
    const ipc = fakeIpcMain();
    registerIpc(ipc as never, core as never, { appUrl: app });
    const get = ipc.handlers.get(CHANNELS.getInvitation)!;
    const good = { senderFrame: { url: app, parent: null } };
    expect(await get(good, { uid: 'u1' })).toEqual({ ok: true, value: 'getInvitation' });
    const forbidden = (await get({ senderFrame: { url: 'https://evil.example/', parent: null } }, { uid: 'u1' })) as { ok: boolean; error: { code: string } };
    expect(forbidden.ok).toBe(false);
    expect(forbidden.error.code).toBe('FORBIDDEN');
    const sub = (await get({ senderFrame: { url: app, parent: {} } }, { uid: 'u1' })) as { ok: boolean };
    expect(sub.ok).toBe(false);
    for (const bad of [undefined, 'u1', { uid: 5 }, { uid: 'u', extra: 1 }, { uid: '' }]) {
      const r = (await get(good, bad)) as { ok: boolean; error: { code: string } };
      expect(r.ok).toBe(false);
      expect(r.error.code).toBe('BAD_REQUEST');
    }
    expect(senderAllowed({ senderFrame: null } as never, { appUrl: app })).toBe(false);
  });

  it('validates every method argument shape', () => {
    expect(() => parseArg('respond', { uid: 'x', partstat: 'MAYBE' })).toThrow(/partstat/);
    expect(parseArg('respond', { uid: 'x', partstat: 'ACCEPTED', comment: 'ok' })).toEqual({ uid: 'x', partstat: 'ACCEPTED', comment: 'ok' });
    expect(() => parseArg('saveSettings', { policy: 'always', timeFrameDays: -1, processedFolder: null, timezone: null })).toThrow();
    expect(() => parseArg('listInvitations', { any: 1 })).toThrow();
    expect(() => parseArg('openFile', { name: 'a.ics', contentBase64: 7 })).toThrow();
  });
});

describe('preload', () => {
  it('exposes exactly the API methods and onEvent on window.convene, nothing else', async () => {
    const out = await build({
      entryPoints: [join(root, 'electron/preload.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      write: false,
      external: ['electron'],
      logLevel: 'silent',
    });
    const code = out.outputFiles[0]!.text;
    const exposed: Record<string, unknown> = {};
    const invoked: [string, unknown][] = [];
    const listeners = new Map<string, (e: unknown, p: unknown) => void>();
    const fakeElectron = {
      contextBridge: { exposeInMainWorld: (k: string, v: unknown) => (exposed[k] = v) },
      ipcRenderer: {
        invoke: async (ch: string, arg: unknown) => (invoked.push([ch, arg]), { ok: true, value: ch }),
        on: (ch: string, l: (e: unknown, p: unknown) => void) => listeners.set(ch, l),
        removeListener: (ch: string) => listeners.delete(ch),
        send: () => {
          throw new Error('the preload must not use send');
        },
      },
    };
    const fakeRequire = (id: string) => {
      if (id === 'electron') return fakeElectron;
      throw new Error(`the sandboxed preload may not require ${id}`);
    };
    const mod = { exports: {} };
    new Function('require', 'module', 'exports', code)(fakeRequire, mod, mod.exports);

    expect(Object.keys(exposed)).toEqual(['convene']);
    const api = exposed.convene as Record<string, (...a: unknown[]) => unknown>;
    expect(Object.keys(api).sort()).toEqual([...API_METHODS, 'onEvent'].sort());
    for (const k of Object.keys(api)) expect(typeof api[k]).toBe('function');

    for (const m of API_METHODS) {
      await expect(api[m]!({ probe: m })).resolves.toEqual({ ok: true, value: CHANNELS[m] });
    }
    expect(invoked.map(([ch]) => ch)).toEqual(API_METHODS.map((m) => CHANNELS[m]));

    // Events: the listener gets the payload only, never the IPC event object.
    const got: unknown[] = [];
    const off = api.onEvent!((e: unknown) => got.push(e)) as () => void;
    listeners.get(EVENT_CHANNEL)!({ sender: 'secret ipc event' }, { type: 'invitations-changed' });
    expect(got).toEqual([{ type: 'invitations-changed' }]);
    off();
    expect(listeners.has(EVENT_CHANNEL)).toBe(false);
  });
});

describe('main process (bundled main.ts with a fake electron module)', () => {
  type Listener = (...a: unknown[]) => unknown;
  async function runMain(opts: { lock: boolean }) {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const userData = mkdtempSync(join(tmpdir(), 'convene-main-'));
    const out = await build({
      entryPoints: [join(root, 'electron/main.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      write: false,
      external: ['electron', 'electron-store', 'better-sqlite3'], // as scripts/build.mjs: native, stays in node_modules
      logLevel: 'silent',
    });
    const rec = {
      userData,
      appOn: new Map<string, Listener>(),
      quit: 0,
      windows: [] as { opts: unknown; loaded: string[] }[],
      handles: [] as string[],
      headers: null as null | Listener,
      permission: null as null | Listener,
      opened: [] as string[],
    };
    class FakeWindow {
      loaded: string[] = [];
      webContents = { once: () => {}, send: () => {} };
      constructor(o: unknown) {
        rec.windows.push({ opts: o, loaded: this.loaded });
      }
      once() {}
      on() {}
      show() {}
      focus() {}
      isDestroyed() {
        return false;
      }
      isMinimized() {
        return false;
      }
      async loadFile(p: string) {
        this.loaded.push(p);
      }
      async loadURL(u: string) {
        this.loaded.push(u);
      }
    }
    const electron = {
      app: {
        requestSingleInstanceLock: () => opts.lock,
        on: (e: string, fn: Listener) => rec.appOn.set(e, fn),
        whenReady: () => Promise.resolve(),
        getPath: () => userData,
        isPackaged: false,
        quit: () => void rec.quit++,
        exit: () => void rec.quit++,
      },
      BrowserWindow: FakeWindow,
      ipcMain: { handle: (ch: string) => rec.handles.push(ch), removeHandler: () => {} },
      Notification: Object.assign(class {}, { isSupported: () => false }),
      safeStorage: { isEncryptionAvailable: () => true, encryptString: (s: string) => Buffer.from(s), decryptString: (b: Buffer) => b.toString() },
      session: {
        defaultSession: {
          webRequest: { onHeadersReceived: (fn: Listener) => (rec.headers = fn) },
          setPermissionRequestHandler: (fn: Listener) => (rec.permission = fn),
          setPermissionCheckHandler: () => {},
        },
      },
      shell: { openExternal: async (u: string) => void rec.opened.push(u) },
    };
    class FakeStore {
      m = new Map<string, unknown>();
      get(k: string) {
        return this.m.get(k);
      }
      set(k: string, v: unknown) {
        this.m.set(k, v);
      }
      delete(k: string) {
        this.m.delete(k);
      }
    }
    const { createRequire } = await import('node:module');
    const realRequire = createRequire(join(root, 'dist/electron/main.cjs'));
    const fakeRequire = (id: string) => (id === 'electron' ? electron : id === 'electron-store' ? FakeStore : realRequire(id));
    const mod = { exports: {} };
    new Function('require', 'module', 'exports', '__dirname', '__filename', out.outputFiles[0]!.text)(fakeRequire, mod, mod.exports, join(root, 'dist/electron'), join(root, 'dist/electron/main.cjs'));
    return rec;
  }

  it('quits at once when another instance holds the lock', async () => {
    const rec = await runMain({ lock: false });
    expect(rec.quit).toBe(1);
    expect(rec.windows).toHaveLength(0);
  });

  it('opens one locked-down window, registers the IPC handlers and the CSP, denies navigation and permissions', async () => {
    const rec = await runMain({ lock: true });
    await waitFor(() => rec.windows.length > 0, { timeoutMs: 20_000, what: 'the main window' });
    try {
      expect(rec.windows).toHaveLength(1);
      const o = rec.windows[0]!.opts as ReturnType<typeof windowOptions>;
      expect(o.webPreferences).toEqual(windowOptions({ preloadPath: join(root, 'dist/electron/preload.cjs') }).webPreferences);
      expect(rec.windows[0]!.loaded).toEqual([join(root, 'dist/renderer/index.html')]);
      expect(rec.handles.sort()).toEqual(Object.values(CHANNELS).sort());
      for (const e of ['second-instance', 'open-file', 'web-contents-created', 'window-all-closed', 'will-quit']) expect(rec.appOn.has(e)).toBe(true);

      let headers: unknown;
      rec.headers!({ responseHeaders: { a: ['b'] } }, (r: unknown) => (headers = r));
      expect(headers).toEqual({ responseHeaders: { a: ['b'], 'Content-Security-Policy': [CSP] } });
      let granted: unknown;
      rec.permission!({}, 'media', (g: boolean) => (granted = g));
      expect(granted).toBe(false);

      const handlers = new Map<string, Listener>();
      let openHandler: Listener = () => undefined;
      rec.appOn.get('web-contents-created')!({}, { on: (e: string, fn: Listener) => handlers.set(e, fn), setWindowOpenHandler: (fn: Listener) => (openHandler = fn) });
      const nav = (url: string) => {
        let prevented = false;
        handlers.get('will-navigate')!({ preventDefault: () => (prevented = true) }, url);
        return prevented;
      };
      expect(nav('https://example.com/')).toBe(true);
      expect(nav('file:///etc/passwd')).toBe(true);
      expect(nav(`file://${join(root, 'dist/renderer/index.html')}`)).toBe(false);
      expect(openHandler({ url: 'https://example.com/a' })).toEqual({ action: 'deny' });
      expect(openHandler({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
      expect(openHandler({ url: 'mailto:bob@example.test' })).toEqual({ action: 'deny' });
      expect(rec.opened).toEqual(['https://example.com/', 'https://example.com/a', 'mailto:bob@example.test']);
    } finally {
      rec.appOn.get('will-quit')?.();
      // The core closes (and releases the calendar store's lock) before the next test starts another main.
      await waitFor(() => !existsSync(join(rec.userData, 'calendar', 'lock')), { timeoutMs: 10_000, what: 'the core closed' });
    }
  });
});
