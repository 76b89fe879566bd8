// Builds the self-contained browser bundle: src/index.ts with everything it imports (tfjs-core,
// its gradients, the cpu, wasm and webgpu backends, zod) in one ES module, plus the wasm backend's
// binaries beside it. Used by `npm run build` (into dist/) and by the Chromium test (into a
// temporary folder, so the test never depends on a stale dist/).
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { copyFileSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const configsDir = join(packageDir, '../../configs');
const require = createRequire(join(packageDir, 'package.json'));

/** The wasm backend's binaries; tfjs picks one at run time (SIMD, threads) and fetches it. */
export const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

export const BUNDLE_NAME = 'hamux.browser.js';

const nodeOnly = new RegExp(`^(node:.*|${builtinModules.map((m) => m.replace(/[/]/g, '\\/')).join('|')})(\\/.*)?$`);

/**
 * Node's own modules have no place in a page. Third-party packages (tfjs, seedrandom) guard their
 * Node imports and map them to nothing in their `browser` fields, which esbuild honours (and an
 * unmapped one fails the build anyway). hamux-ts's own sources may load one only dynamically,
 * behind a check that they run under Node (the fast kernels' native addon and worker threads do):
 * in the bundle such an import becomes a module that throws if it is ever loaded, which that check
 * never lets happen. A static import would break the page: an error naming the importer.
 */
const refuseNodeModules = {
  name: 'refuse-node-modules',
  setup(b) {
    b.onResolve({ filter: nodeOnly }, (args) => {
      if (/[/\\]node_modules[/\\]/.test(args.importer)) return undefined;
      if (args.kind === 'dynamic-import') return { path: args.path, namespace: 'node-only' };
      return { errors: [{ text: `'${args.path}' is a Node-only module, imported by ${args.importer}: it cannot run in a browser` }] };
    });
    b.onLoad({ filter: /.*/, namespace: 'node-only' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is a Node module: it cannot load in a browser`)});`,
      loader: 'js',
    }));
  },
};

/**
 * The repository's TypeScript settings, whose `paths` send @hamux-ts/* to their sources (one copy
 * of tfjs-core in the bundle, and no need for their dist/ to exist), except @hamux-ts/backends:
 * it has a Node and a browser build, so it is resolved through its package.json `exports`, where
 * `platform: 'browser'` picks the `browser` condition and the repository's own `@hamux-ts/source`
 * condition that build's sources. (The paths, for the type checker, name its Node build.)
 */
function bundleTsconfig() {
  const { compilerOptions } = JSON.parse(readFileSync(join(configsDir, 'tsconfig.base.json'), 'utf8'));
  const paths = Object.entries(compilerOptions.paths)
    .filter(([name]) => name !== '@hamux-ts/backends')
    .map(([name, targets]) => [name, targets.map((t) => resolve(configsDir, t))]);
  return { compilerOptions: { ...compilerOptions, paths: Object.fromEntries(paths) } };
}

/**
 * Bundles src/index.ts for browsers into `outdir`/hamux.browser.js and copies the wasm binaries
 * there. Returns the bundle's path and size, and every input file (for the test's checks).
 */
export async function bundleBrowser({ outdir, minify = true } = {}) {
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, BUNDLE_NAME);
  const result = await build({
    entryPoints: [join(packageDir, 'src/index.ts')],
    tsconfigRaw: bundleTsconfig(),
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    mainFields: ['browser', 'module', 'main'],
    conditions: ['@hamux-ts/source'],
    minify,
    // tfjs names kernels and serialisable classes by string, but keep class names for readable errors.
    keepNames: true,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
    plugins: [refuseNodeModules],
  });
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  for (const name of WASM_BINARIES) copyFileSync(join(wasmDir, 'dist', name), join(outdir, name));
  return { outfile, bytes: statSync(outfile).size, inputs: Object.keys(result.metafile.inputs) };
}
