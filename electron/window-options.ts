// The window's security settings as pure data, so unit tests check them without the Electron binary.
import type { BrowserWindowConstructorOptions } from 'electron';

/**
 * The Content-Security-Policy of the renderer, in both shells. No inline scripts, no eval, no remote anything:
 * scripts, styles, fonts and images come from the app itself (images also as data: URLs for the icon); the only
 * connection allowed is the browser shell's WebSocket on the loopback address. Remote images in descriptions are
 * therefore blocked by the browser itself, whatever the sanitizer lets through.
 */
export const CSP_DIRECTIVES: Readonly<Record<string, string>> = Object.freeze({
  'default-src': "'none'",
  'script-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self' data:",
  'font-src': "'self'",
  'connect-src': "'self' ws://127.0.0.1:*",
  'object-src': "'none'",
  'base-uri': "'none'",
  'form-action': "'none'",
  'frame-src': "'none'",
  'worker-src': "'none'",
  'manifest-src': "'self'",
});

/** Directives valid only in an HTTP header (a <meta> CSP ignores frame-ancestors). */
const HEADER_ONLY: Readonly<Record<string, string>> = Object.freeze({ 'frame-ancestors': "'none'" });

function join(d: Record<string, string>): string {
  return Object.entries(d)
    .map(([k, v]) => `${k} ${v}`)
    .join('; ');
}

/** For the <meta http-equiv="Content-Security-Policy"> in index.html (injected at build time by vite.config.ts). */
export const CSP_META = join(CSP_DIRECTIVES);

/** For the Content-Security-Policy response header. `wsOrigin` narrows connect-src to one port when known. */
export function cspHeader(wsOrigin?: string): string {
  const d: Record<string, string> = { ...CSP_DIRECTIVES, ...HEADER_ONLY };
  if (wsOrigin) d['connect-src'] = `'self' ${wsOrigin}`;
  return join(d);
}

export const CSP = cspHeader();

export interface WindowOptionsInput {
  preloadPath: string;
  iconPath?: string;
}

export function windowOptions(input: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 800,
    minWidth: 960,
    minHeight: 600,
    title: 'Convene',
    show: false,
    backgroundColor: '#f6f7f9',
    ...(input.iconPath ? { icon: input.iconPath } : {}),
    webPreferences: {
      preload: input.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: true,
    },
  };
}

/** Links the app may hand to the system: web pages and mail addresses only (never file:, javascript:, custom schemes). */
export function isExternalAllowed(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'mailto:';
  } catch {
    return false;
  }
}

/** True when `url` is the app's own page: the built index.html (file://) or the dev server's origin. */
export function isAppUrl(url: string | undefined | null, appUrl: string, devUrl?: string | null): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    if (devUrl) {
      const d = new URL(devUrl);
      if (u.origin === d.origin) return true;
    }
    const a = new URL(appUrl);
    return u.protocol === 'file:' && a.protocol === 'file:' && u.pathname === a.pathname;
  } catch {
    return false;
  }
}
