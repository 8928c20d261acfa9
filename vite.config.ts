// The renderer build: root renderer/, output dist/renderer/, relative asset URLs (base './') so the same files load
// from file:// in Electron and from the browser shell's token-prefixed path. The CSP <meta> is injected here from
// electron/window-options.ts, so one constant defines the policy for both shells.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { CSP_META } from './electron/window-options.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * scripts/build.mjs calls vite's build({root: <repo>, configFile}) and an inline root wins over the config file's;
 * a plugin's config hook is merged last, so this pins the renderer root whoever calls the build.
 */
function rendererRoot(): Plugin {
  return {
    name: 'convene-renderer-root',
    config() {
      return { root: `${root}renderer` };
    },
  };
}

function cspMeta(): Plugin {
  return {
    name: 'convene-csp',
    transformIndexHtml(html) {
      return html.replace('<!--CSP-->', `<meta http-equiv="Content-Security-Policy" content="${CSP_META}" />`);
    },
  };
}

export default defineConfig({
  root: `${root}renderer`,
  base: './',
  plugins: [rendererRoot(), react(), cspMeta()],
  // Always React's production build: a build started from a test run inherits NODE_ENV=test otherwise.
  define: { 'process.env.NODE_ENV': JSON.stringify('production') },
  build: {
    outDir: `${root}dist/renderer`,
    emptyOutDir: true,
    // No inline module-preload polyfill script: the CSP forbids inline scripts.
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
  },
});
