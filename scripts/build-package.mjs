// Builds one workspace package: an ESM bundle of src/index.ts (dependencies stay external) plus
// type declarations from tsc. Run from the package's folder.
//
// Why a bundle: tfjs-core's Node entry does not register gradients, and the module that does
// (`@tensorflow/tfjs-core/dist/register_all_gradients`) is ESM with extensionless imports that plain
// Node cannot load. Bundling that one import (and only it) into our output makes the built package
// work from plain `node`; the gradient registry lives on the global object, so it is shared with
// the tfjs-core that users import.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, existsSync, renameSync } from 'node:fs';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const entries = Object.values(pkg.hamuxEntries ?? { index: 'src/index.ts' });

const bundleOnly = /^@tensorflow\/tfjs-core\/dist\//;

// Built beside `dist` and swapped in at the end, so a process that imports the package while it is
// being rebuilt (a test in another workspace) never finds `dist` missing or half-written.
const staging = `.dist-build-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
await build({
  entryPoints: entries,
  outdir: staging,
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  mainFields: ['module', 'main'],
  sourcemap: true,
  logLevel: 'warning',
  plugins: [
    {
      name: 'externalise-dependencies',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          bundleOnly.test(args.path) ? undefined : { path: args.path, external: true },
        );
      },
    },
  ],
});
if (existsSync('tsconfig.build.json')) {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', staging], { stdio: 'inherit' });
}
const retired = `.dist-old-${process.pid}`;
if (existsSync('dist')) renameSync('dist', retired);
renameSync(staging, 'dist');
rmSync(retired, { recursive: true, force: true });
