// `npm run build`: the usual package build (dist/index.js for bundler users, with its .d.ts), then
// the self-contained browser bundle dist/hamux.browser.js and the wasm binaries both of them load.
import { execFileSync } from 'node:child_process';
import { bundleBrowser } from './bundle.mjs';

execFileSync(process.execPath, ['../../scripts/build-package.mjs'], { stdio: 'inherit' });
await bundleBrowser({ outdir: 'dist' });
