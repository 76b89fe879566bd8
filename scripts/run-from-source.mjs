// Runs a TypeScript program of this repository (an example, say) straight from the sources, with no
// build: `node scripts/run-from-source.mjs examples/mnist-completion/src/main.ts [args…]`.
//
// esbuild bundles the program with the workspace packages it imports, each resolved to the entry
// its build starts from (`hamuxEntries.node`, else `src/index.ts`), in well under a second; a full
// build also writes type declarations, which takes tsc about a minute on two cores. As in the
// packages' own build (build-package.mjs), the other dependencies stay external except
// tfjs-core's gradient registrations, which plain Node cannot load. `import.meta.url` keeps the
// value it has in each source file, so files found beside the sources (the OpenBLAS addon, the
// example's out/ folder) are found as when the packages run built.
import { build } from 'esbuild';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: node scripts/run-from-source.mjs FILE.ts [args…]\n');
  process.exit(2);
}

/** `@hamux-ts/<name>` → its source entry under packages/<name>/, or undefined for another package. */
function sourceEntry(specifier) {
  const m = /^@hamux-ts\/([a-z0-9-]+)$/.exec(specifier);
  if (!m) return undefined;
  const dir = join(root, 'packages', m[1]);
  if (!existsSync(join(dir, 'package.json'))) return undefined;
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return join(dir, pkg.hamuxEntries?.node ?? 'src/index.ts');
}

// Inside node_modules/ of the repository, so that the external dependencies resolve from there; one
// file per process, so that two runs at once do not overwrite each other's.
const outfile = join(root, 'node_modules', '.cache', 'hamux-run-from-source', `main-${process.pid}.mjs`);
await build({
  entryPoints: [resolve(entry)],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'error',
  plugins: [
    {
      name: 'workspace-sources',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (a) => {
          const source = sourceEntry(a.path);
          if (source) return { path: source };
          return /^@tensorflow\/tfjs-core\/dist\//.test(a.path) ? undefined : { path: a.path, external: true };
        });
        b.onLoad({ filter: /\.ts$/ }, (a) => ({
          contents: readFileSync(a.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(a.path).href)),
          loader: 'ts',
        }));
      },
    },
  ],
});
process.argv = [process.argv[0], resolve(entry), ...args];
try {
  await import(pathToFileURL(outfile).href);
} finally {
  rmSync(outfile, { force: true });
}
