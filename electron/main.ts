// The Electron shell: one window, locked down (window-options.ts), a single instance, the core behind IPC.
//
// - contextIsolation, sandbox, no Node in the page; the preload exposes exactly shared/api.ts on window.convene.
// - The CSP is sent as a header for every response and is also in index.html's <meta> (file:// has no headers).
// - Navigation away from the app and new windows are denied; http(s) and mailto links open in the system browser.
// - Permissions (camera, notifications from the page, geolocation...) are denied: the page needs none.
// - A second launch hands its file arguments to the first instance and quits.
// - Opening an .ics/.eml (argument, file association, macOS open-file) shows it in the app with the same actions.
import { app, BrowserWindow, ipcMain, Notification, safeStorage, session, shell } from 'electron';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EVENT_CHANNEL } from '../shared/api';
import { createCore, type Core } from './core';
import { registerIpc } from './ipc';
import { safeStorageSecretBox } from './store/credentials';
import { electronStoreBackend } from './store/electron-settings';
import { CSP, isAppUrl, isExternalAllowed, windowOptions } from './window-options';

const OPENABLE = /\.(ics|ical|ifb|eml)$/i;
const devUrl = process.env.CONVENE_DEV_URL || null;
const rendererIndex = join(__dirname, '..', 'renderer', 'index.html');
const appUrl = pathToFileURL(rendererIndex).href;

let win: BrowserWindow | null = null;
let core: Core | null = null;
const pendingFiles: string[] = [];

function filesFrom(argv: string[], cwd = process.cwd()): string[] {
  return argv.filter((a) => !a.startsWith('-') && OPENABLE.test(a)).map((a) => resolve(cwd, a));
}

async function openFiles(paths: string[]): Promise<void> {
  if (!core) {
    pendingFiles.push(...paths);
    return;
  }
  for (const p of paths) {
    if (!existsSync(p)) continue;
    const r = await core.openPath(p);
    if (!r.ok) console.error(`[main] could not open ${p}: ${r.error.message}`);
  }
  win?.show();
  win?.focus();
}

function createWindow(): BrowserWindow {
  const icon = join(__dirname, '..', '..', 'assets', 'icon.png');
  const w = new BrowserWindow(windowOptions({ preloadPath: join(__dirname, 'preload.cjs'), ...(existsSync(icon) ? { iconPath: icon } : {}) }));
  w.once('ready-to-show', () => w.show());
  if (devUrl) void w.loadURL(devUrl);
  else void w.loadFile(rendererIndex);
  w.on('closed', () => {
    if (win === w) win = null;
  });
  return w;
}

function lockDown(): void {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);

  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url, appUrl, devUrl)) {
        event.preventDefault();
        if (isExternalAllowed(url)) void shell.openExternal(url);
      }
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url, appUrl, devUrl)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isExternalAllowed(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
}

async function start(): Promise<void> {
  lockDown();
  core = await createCore({
    dataDir: app.getPath('userData'),
    shell: 'electron',
    secrets: safeStorageSecretBox(safeStorage),
    settingsBackend: electronStoreBackend({ cwd: app.getPath('userData') }),
    // OAuth2 sign-in opens the provider's page in the system browser (RFC 8252 §6: never an embedded web view).
    openExternal: (url) => {
      if (isExternalAllowed(url)) void shell.openExternal(url);
    },
    notify: ({ title, body, uid }) => {
      if (!Notification.isSupported()) return;
      const n = new Notification({ title, body, silent: false });
      n.on('click', () => {
        win?.show();
        win?.focus();
        win?.webContents.send(EVENT_CHANNEL, { type: 'open-invitation', uid });
      });
      n.show();
    },
  });
  registerIpc(ipcMain, core, { appUrl, devUrl });
  core.onEvent((e) => {
    if (win && !win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, e);
  });
  win = createWindow();
  const initial = [...pendingFiles.splice(0), ...filesFrom(process.argv.slice(app.isPackaged ? 1 : 2))];
  if (initial.length) win.webContents.once('did-finish-load', () => void openFiles(initial));
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_event, argv, cwd) => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.show();
      win.focus();
    }
    void openFiles(filesFrom(argv.slice(1), cwd));
  });
  // macOS: file association and drag onto the Dock icon.
  app.on('open-file', (event, path) => {
    event.preventDefault();
    void openFiles([path]);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (!win && core) win = createWindow();
  });
  app.on('will-quit', () => {
    void core?.close();
  });
  app
    .whenReady()
    .then(start)
    .catch((err: unknown) => {
      console.error('[main] failed to start:', err);
      app.exit(1);
    });
}
