// Packs every publishable package of the workspace (those not marked private) with `npm pack`, into
// one folder (default ./packs), and prints the command that installs them into another project.
// Until the packages are on a registry this is how to use them elsewhere: install all the tarballs
// together, so that each sibling dependency (@hamux-ts/core 0.1.0 …) is met by its tarball.
//
//   node scripts/pack-all.mjs [--out DIR] [--json]
//
// The packages must be built (`npm run build`; `npm run pack:all` builds first). With --json the only
// output is a JSON array of the tarballs' absolute paths.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { out: { type: 'string', default: 'packs' }, json: { type: 'boolean', default: false } } });
const out = resolve(values.out);

/** The publishable packages under packages/: folder and manifest, in name order. */
export function publishable() {
  return readdirSync(join(root, 'packages'))
    .map((dir) => ({ dir: join(root, 'packages', dir), file: join(root, 'packages', dir, 'package.json') }))
    .filter(({ file }) => existsSync(file))
    .map(({ dir, file }) => ({ dir, manifest: JSON.parse(readFileSync(file, 'utf8')) }))
    .filter(({ manifest }) => manifest.private !== true)
    .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

const packages = publishable();
const unbuilt = packages.filter(({ dir }) => !existsSync(join(dir, 'dist')));
if (unbuilt.length > 0) {
  console.error(`pack-all: not built: ${unbuilt.map((p) => p.manifest.name).join(', ')}; run \`npm run build\` first.`);
  process.exit(1);
}
mkdirSync(out, { recursive: true });
const report = JSON.parse(
  execFileSync('npm', ['pack', '--json', '--pack-destination', out, ...packages.flatMap(({ dir }) => ['-w', dir])], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }),
);
const tarballs = report.map((r) => join(out, r.filename));
if (values.json) {
  console.log(JSON.stringify(tarballs));
} else {
  for (const r of report) console.log(`${r.name.padEnd(20)} ${r.filename} (${(r.size / 1024).toFixed(0)} kB, ${r.entryCount} files)`);
  console.log(`\n${tarballs.length} tarballs in ${out}. Install them together into your project:\n  npm install ${join(out, '*.tgz')}`);
}
