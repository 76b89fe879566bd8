// Builds the optional OpenBLAS addon (native/blas.c → native/build/hamux_blas.node) with the system
// C compiler. Run at install time; it never fails the install: without a compiler, Node's headers
// or OpenBLAS it says why and exits 0, and @hamux-ts/kernels falls back to WebAssembly.
// `--strict` makes a failure exit 1 (CI uses it to be sure the native path is exercised).
//
// A direct compiler call rather than node-gyp: one C file, no configure step, and no download of
// Node's headers (they are looked up where Node and npm keep them).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const strict = process.argv.includes('--strict');
const out = join(root, 'native', 'build', 'hamux_blas.node');

function give(reason) {
  console.log(`@hamux-ts/kernels: native BLAS addon not built (${reason}); WebAssembly will be used.`);
  process.exit(strict ? 1 : 0);
}

if (process.env.HAMUX_KERNELS_SKIP_NATIVE === '1') give('HAMUX_KERNELS_SKIP_NATIVE=1');

const headerDirs = [
  process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
  join(dirname(process.execPath), '..', 'include', 'node'),
  '/usr/include/node',
  '/usr/local/include/node',
].filter(Boolean);
const headers = headerDirs.find((d) => existsSync(join(d, 'node_api.h')));
if (!headers) give(`node_api.h not found in ${headerDirs.join(', ')}`);

function which(cmd) {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const cc = [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean).find(which);
if (!cc) give('no C compiler (cc, gcc or clang)');

const extraInclude = ['/usr/include/openblas', '/opt/homebrew/opt/openblas/include', '/usr/local/opt/openblas/include']
  .filter((d) => existsSync(d))
  .map((d) => `-I${d}`);
const extraLib = ['/opt/homebrew/opt/openblas/lib', '/usr/local/opt/openblas/lib'].filter((d) => existsSync(d)).map((d) => `-L${d}`);
const args = [
  // -ffast-math lets gcc call glibc's vectorised expf in the softmax loop; no input there is inf or NaN
  // (rows are shifted by their max, and the masked entry is skipped rather than set to −∞).
  '-O3', '-ffast-math', '-shared', '-fPIC', '-std=c11',
  '-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=hamux_blas',
  `-I${headers}`, ...extraInclude,
  join(root, 'native', 'blas.c'),
  '-o', `${out}.tmp`,
  ...extraLib, '-lopenblas', '-lm',
  ...(process.platform === 'darwin' ? ['-undefined', 'dynamic_lookup'] : []),
];
mkdirSync(dirname(out), { recursive: true });
try {
  execFileSync(cc, args, { stdio: ['ignore', 'pipe', 'pipe'] });
} catch (e) {
  const err = String(e.stderr ?? e.message).split('\n').filter(Boolean).slice(0, 3).join(' | ');
  give(`${cc} failed: ${err || 'unknown error'} (is OpenBLAS installed? Debian: libopenblas-dev)`);
}
renameSync(`${out}.tmp`, out);
// Load it once here so that a broken build is caught at install time, not at first use.
try {
  const { createRequire } = await import('node:module');
  const addon = createRequire(import.meta.url)(out);
  if (typeof addon.sgemm !== 'function') throw new Error('no sgemm export');
} catch (e) {
  give(`the built addon does not load: ${e instanceof Error ? e.message : String(e)}`);
}
console.log(`@hamux-ts/kernels: built ${out} (OpenBLAS, ${cc}).`);
