// Helpers the packages' tests share. Importing this module changes nothing: every helper is a
// function, and Chromium (playwright-core) is loaded only when one is launched.
export { relErr, relErrPerEntry, thrownBy } from './errors.js';
export { mulberry32, uniformValues } from './random.js';
export { centralDiff, centralDifferences } from './finite-differences.js';
export { CHROMIUM_ARGS, chromiumPath, launchChromium } from './chromium.js';
export { serveFolder, serveStatic, type StaticServer } from './serve.js';
export { closeAll } from './close.js';
export { buildIfStale, builtEntries } from './build.js';
