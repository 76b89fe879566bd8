// Makes sure the Debian packages the test suite needs are installed, and installs the missing ones
// with apt-get when it can (as root, or through passwordless sudo). Run before `npm test` (its
// `pretest`) and by .ci/run, so that `npm ci && npm test` passes on a bare Debian 12 + Node 20.
//
// A package counts as present when the files the tests use exist (so a Chromium or Mesa installed
// another way counts too). Nothing is ever removed. Exit 0 when everything needed is there (or was
// installed); exit 1, saying what to run, when a package the tests need is missing and cannot be
// installed from here.
//
//   node scripts/ensure-system-deps.mjs [--check]     (--check: report only, install nothing)
//
// Environment: HAMUX_SKIP_SYSTEM_DEPS=1 skips the check; HAMUX_SYSTEM_ROOT=DIR looks for the files
// under DIR instead of / (for testing this script).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * What the tests (and CI) need from Debian. `files` are relative to the system root; `{lib}` stands
 * for every multiarch folder (usr/lib/x86_64-linux-gnu, usr/lib/aarch64-linux-gnu …); the package
 * is present when every file exists. `tests: false` marks what the tests do without (CI installs it
 * anyway, and so does this script when it can).
 */
export const REQUIREMENTS = [
  { pkg: 'chromium', files: ['usr/bin/chromium'], tests: true, why: 'headless browser for the browser-build and playground tests' },
  { pkg: 'libegl1', files: ['{lib}/libEGL.so.1'], tests: true, why: 'EGL, for WebGPU through Dawn in Node' },
  // Dawn opens EGL by its unversioned name, which only the -dev package links (found by removing it).
  { pkg: 'libegl-dev', files: ['{lib}/libEGL.so'], tests: true, why: 'libEGL.so, the name Dawn loads EGL by' },
  { pkg: 'libgles2', files: ['{lib}/libGLESv2.so.2'], tests: true, why: 'OpenGL ES, for WebGPU through Dawn in Node' },
  { pkg: 'libegl-mesa0', files: ['{lib}/libEGL_mesa.so.0'], tests: true, why: "Mesa's EGL driver (software adapter without a GPU)" },
  { pkg: 'libgl1-mesa-dri', files: ['{lib}/dri/swrast_dri.so'], tests: true, why: "Mesa's llvmpipe rasteriser" },
  { pkg: 'libopenblas-dev', files: ['{lib}/libopenblas.so'], tests: false, why: 'the optional native matrix product of @hamux-ts/kernels' },
  { pkg: 'python3-torch', files: ['usr/lib/python3/dist-packages/torch/__init__.py'], tests: true, why: 'PyTorch 1.13, for the torch export tests and benchmarks/public' },
];

/** The multiarch library folders under `root` (usr/lib/<cpu>-linux-gnu…), relative to it. */
function libDirs(root) {
  const lib = join(root, 'usr', 'lib');
  if (!existsSync(lib)) return [];
  return readdirSync(lib)
    .filter((d) => /-linux-gnu/.test(d))
    .map((d) => join('usr', 'lib', d));
}

/** The requirements whose files are not all found under `root`. */
export function missingRequirements(root = '/', requirements = REQUIREMENTS) {
  const libs = libDirs(root);
  const found = (file) =>
    file.includes('{lib}') ? libs.some((l) => existsSync(join(root, file.replace('{lib}', l)))) : existsSync(join(root, file));
  return requirements.filter((r) => !r.files.every(found));
}

/**
 * What to do about `missing`: `'ok'` (nothing missing), `'install'` (apt-get, directly as root or
 * through sudo), `'fail'` (a package the tests need is missing and cannot be installed here) or
 * `'warn'` (only packages the tests do without are missing and cannot be installed).
 */
export function decide({ missing, apt, root, sudo, check = false }) {
  if (missing.length === 0) return 'ok';
  if (!check && apt && (root || sudo)) return 'install';
  return missing.some((r) => r.tests) ? 'fail' : 'warn';
}

function canSudo() {
  return spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
}

function main() {
  if (process.env.HAMUX_SKIP_SYSTEM_DEPS === '1') return 0;
  if (process.platform !== 'linux') {
    console.error('ensure-system-deps: not Linux; the browser and WebGPU tests expect Chromium at /usr/bin/chromium and Mesa, the torch export tests python3 with PyTorch (see .ci/run).');
    return 0;
  }
  const check = process.argv.includes('--check');
  const sysroot = process.env.HAMUX_SYSTEM_ROOT ?? '/';
  const missing = missingRequirements(sysroot);
  const isRoot = process.getuid?.() === 0;
  const apt = existsSync(join(sysroot, 'usr/bin/apt-get'));
  const action = decide({ missing, apt, root: isRoot, sudo: !isRoot && apt && !check && missing.length > 0 && canSudo(), check });
  const names = missing.map((r) => r.pkg);
  const list = missing.map((r) => `  ${r.pkg.padEnd(16)} ${r.why}${r.tests ? '' : ' (the tests run without it)'}`).join('\n');
  const command = `${isRoot ? '' : 'sudo '}apt-get install -y --no-install-recommends ${names.join(' ')}`;
  if (action === 'ok') return 0;
  if (action === 'fail' || action === 'warn') {
    const how = apt ? `Install them with:\n  ${command}` : 'Install their equivalents with your package manager.';
    console.error(`ensure-system-deps: missing system packages:\n${list}\n${how}`);
    return action === 'fail' ? 1 : 0;
  }
  console.error(`ensure-system-deps: installing missing Debian packages with apt-get:\n${list}`);
  const sudo = isRoot ? [] : ['sudo', '-n'];
  const run = (args) => {
    const [cmd, ...rest] = [...sudo, ...args];
    const r = spawnSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error(`${[cmd, ...rest].join(' ')} exited with ${r.status ?? r.signal}`);
  };
  try {
    run(['apt-get', 'update', '-qq']);
    run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...names]);
  } catch (e) {
    console.error(`ensure-system-deps: ${e.message}. Install them yourself with:\n  ${command}`);
    return 1;
  }
  const still = missingRequirements(sysroot).filter((r) => r.tests);
  if (still.length > 0) {
    console.error(`ensure-system-deps: still missing after apt-get: ${still.map((r) => r.pkg).join(', ')}`);
    return 1;
  }
  // OpenBLAS arrived after `npm ci` ran the kernels' install step: build the native addon now.
  const kernels = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'kernels', 'scripts', 'build-native.mjs');
  if (names.includes('libopenblas-dev') && existsSync(kernels)) execFileSync(process.execPath, [kernels], { stdio: 'inherit' });
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main();
