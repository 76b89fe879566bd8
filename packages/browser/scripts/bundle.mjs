// Builds the self-contained browser bundle: src/index.ts with everything it imports (tfjs-core,
// its gradients, the cpu, wasm and webgpu backends, zod) in one ES module, plus the wasm backend's
// binaries beside it. Used by `npm run build` (into dist/) and by the Chromium test (into a
// temporary folder, so the test never depends on a stale dist/).
import { build } from 'esbuild';
import { builtinModules } from 'node:module';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(join(packageDir, 'package.json'));

/** The wasm backend's binaries; tfjs picks one at run time (SIMD, threads) and fetches it. */
export const WASM_BINARIES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];

export const BUNDLE_NAME = 'hamux.browser.js';

const nodeOnly = new RegExp(`^(node:.*|${builtinModules.map((m) => m.replace(/[/]/g, '\\/')).join('|')})(\\/.*)?$`);

/**
 * Third-party packages (tfjs, seedrandom) guard their Node imports and map them to nothing in their
 * `browser` fields, which esbuild honours (and an unmapped one fails the build anyway). A Node
 * module imported by hamux-ts's own sources would break the page: an error naming the importer.
 */
const refuseNodeModules = {
  name: 'refuse-node-modules',
  setup(b) {
    b.onResolve({ filter: nodeOnly }, (args) =>
      /[/\\]node_modules[/\\]/.test(args.importer)
        ? undefined
        : { errors: [{ text: `'${args.path}' is a Node-only module, imported by ${args.importer}: it cannot run in a browser` }] },
    );
  },
};

/**
 * Bundles src/index.ts for browsers into `outdir`/hamux.browser.js and copies the wasm binaries
 * there. Returns the bundle's path and size, and every input file (for the test's checks).
 */
export async function bundleBrowser({ outdir, minify = true } = {}) {
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, BUNDLE_NAME);
  const result = await build({
    entryPoints: [join(packageDir, 'src/index.ts')],
    // Its `paths` send @hamux-ts/* to their sources: one copy of tfjs-core in the bundle (the built
    // packages each inline tfjs's gradient modules), and no need for their dist/ to exist.
    tsconfig: join(packageDir, 'tsconfig.json'),
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    mainFields: ['browser', 'module', 'main'],
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
