// The playground: a static page (relative base, so it runs from any folder of any file server).
// @hamux-ts/* resolve to their sources, as in the tests, so the page holds one copy of tfjs-core
// (each package's dist inlines tfjs's gradient modules) and needs no prior build of the packages.
import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';
import { hamuxAssets } from './build/assets.js';

const source = (pkg: string) => fileURLToPath(new URL(`../${pkg}/src/index.ts`, import.meta.url));

export default defineConfig(({ command }) => ({
  base: './',
  // True in `vite build` output (whatever NODE_ENV says): the page then registers its service worker.
  define: { __PLAYGROUND_BUILD__: JSON.stringify(command === 'build') },
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    alias: Object.fromEntries(['core', 'dynamics', 'config', 'browser', 'plot', 'train'].map((p) => [`@hamux-ts/${p}`, source(p)])),
    // @hamux-ts/backends has a Node and a browser build: its package.json `exports` picks, by the
    // `browser` condition, and by the repository's own `@hamux-ts/source`, that build's sources.
    conditions: ['@hamux-ts/source', ...defaultClientConditions],
  },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    // tfjs with three backends is large by design; it is loaded once and cached by the service worker.
    chunkSizeWarningLimit: 3000,
    assetsInlineLimit: 0,
  },
  plugins: [hamuxAssets()],
}));
