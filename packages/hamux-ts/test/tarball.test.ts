// Installs hamux-ts as a user would before it is on a registry: every publishable package packed
// with `npm pack` (scripts/pack-all.mjs, as `npm run pack:all` does), only those tarballs installed
// into a new project outside the repository (no workspace links; third-party dependencies from
// npm's cache, else the registry), then, from that project:
//   - a first program (test/fixtures/first-program.ts: a three-layer memory relaxed, a tiny
//     classifier trained, its parameters saved and reloaded) type-checked by `tsc --strict` and
//     run as plain JavaScript by `node`;
//   - `npx hamux --help`, `hamux validate` and `hamux run` on the config that program wrote.
// It needs every package built (turbo runs it after all builds: hamux-ts depends on every part,
// and on @hamux-ts/browser as a devDependency so that its bundle exists to be packed too).
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/first-program.ts', import.meta.url));
const minutes = 60_000;

// The child processes get the environment without what npm sets for the repository's own scripts
// (npm_config_local_prefix would point `npm install` back at the repository), keeping how to
// reach the registry and where the cache is.
const keep = /^npm_config_(cache|cafile|registry|userconfig|globalconfig|strict_ssl|https?_proxy|proxy|noproxy)$/i;
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) || keep.test(k)));

function run(cmd: string, args: readonly string[], cwd: string, timeout = 4 * minutes): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout, maxBuffer: 64 << 20 });
}
/** Runs a command that must succeed; on failure the error carries its output. */
function ok(cmd: string, args: readonly string[], cwd: string, timeout?: number): string {
  const r = run(cmd, args, cwd, timeout);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}\n${r.error ?? ''}`);
  return r.stdout;
}
const versionOf = (pkg: string): string => JSON.parse(readFileSync(join(repo, 'node_modules', pkg, 'package.json'), 'utf8')).version;

const publishable = readdirSync(join(repo, 'packages'))
  .filter((d) => existsSync(join(repo, 'packages', d, 'package.json')))
  .map((d) => JSON.parse(readFileSync(join(repo, 'packages', d, 'package.json'), 'utf8')) as { name: string; version: string; private?: boolean })
  .filter((m) => m.private !== true);

let tmp = '';
let project = '';
let tarballs: string[] = [];
let installLog = '';

beforeAll(() => {
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'hamux-tarballs-')));
  const packs = join(tmp, 'packs');
  tarballs = JSON.parse(ok(process.execPath, [join(repo, 'scripts/pack-all.mjs'), '--out', packs, '--json'], repo)) as string[];
  project = join(tmp, 'project');
  mkdirSync(join(project, 'src'), { recursive: true });
  const root = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  // Every tarball, so that each sibling dependency (@hamux-ts/core 0.1.0 …) is met by its own.
  const dependencies = Object.fromEntries(
    tarballs.map((t) => [JSON.parse(ok('tar', ['-xOzf', t, 'package/package.json'], tmp)).name as string, `file:${t}`]),
  );
  const manifest = {
    name: 'first-hamux-project',
    private: true,
    type: 'module',
    dependencies,
    // The versions the repository has installed, so that npm's cache has them.
    devDependencies: { typescript: versionOf('typescript'), '@types/node': versionOf('@types/node') },
    // As `npm install-scripts approve @hamux-ts/kernels` writes it (the README's advice): the kernels
    // build their optional OpenBLAS addon at install; a tarball's entry is its file: spec.
    allowScripts: { ...root.allowScripts, [dependencies['@hamux-ts/kernels']!]: true },
  };
  writeFileSync(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, rootDir: 'src', outDir: 'build' },
      include: ['src'],
    }),
  );
  copyFileSync(fixture, join(project, 'src', 'main.ts'));
  const install = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=warn'], project, 6 * minutes);
  installLog = `${install.stdout}\n${install.stderr}`;
  if (install.status !== 0) throw new Error(`npm install failed (${install.status ?? install.signal}):\n${installLog}`);
}, 8 * minutes);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('hamux-ts installed from packed tarballs', () => {
  it('packs every publishable package, with its licence, and installs them without warnings', () => {
    expect(publishable.length).toBeGreaterThanOrEqual(11);
    const names = tarballs.map((t) => JSON.parse(ok('tar', ['-xOzf', t, 'package/package.json'], tmp)).name as string).sort();
    expect(names).toEqual(publishable.map((m) => m.name).sort());
    for (const t of tarballs) expect(ok('tar', ['-tzf', t], tmp).split('\n'), t).toContain('package/LICENSE');
    // Every sibling came from its tarball: nothing nested, nothing linked back into the repository.
    for (const m of publishable) {
      const installed = join(project, 'node_modules', m.name);
      expect(realpathSync(installed).startsWith(project), m.name).toBe(true);
      expect(JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).version).toBe(m.version);
    }
    expect(installLog).not.toMatch(/install-scripts|ERR!/i);
    expect(readdirSync(repo).filter((f) => f.endsWith('.tgz'))).toEqual([]);
  }, minutes);

  it('type-checks the first program with tsc --strict, declarations included', () => {
    const tsc = run(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '--strict', '-p', 'tsconfig.json'], project);
    expect(`${tsc.stdout}${tsc.stderr}`).toBe('');
    expect(tsc.status).toBe(0);
    expect(existsSync(join(project, 'build', 'main.js'))).toBe(true);
  }, 4 * minutes);

  it('runs it with plain node: relaxes, trains, saves and reloads', () => {
    const out = ok(process.execPath, ['build/main.js'], project);
    const lines = out.trim().split('\n');
    expect(lines).toHaveLength(1); // no tfjs advice, no chatter: the program's own line only
    const r = JSON.parse(lines[0]!) as {
      backend: string;
      layers: string[];
      energyBefore: number[];
      energyAfter: number[];
      steps: number;
      loss: [number, number];
      accuracy: number | null;
      trainedEnergy: number[];
      reloadedEnergy: number[];
    };
    expect(r.backend).toBe('wasm');
    expect(r.layers).toEqual(['pixels', 'features', 'memories']);
    r.energyAfter.forEach((e, i) => expect(e).toBeLessThan(r.energyBefore[i]!));
    expect(r.steps).toBeGreaterThan(0);
    expect(r.loss[1]).toBeLessThan(r.loss[0] / 2);
    expect(r.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(r.reloadedEnergy).toEqual(r.trainedEnergy);
  }, 4 * minutes);

  it('runs npx hamux --help, validate and run from the project', () => {
    const npx = (...args: string[]) => run('npx', ['--no', '--', 'hamux', ...args], project);
    const help = npx('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: hamux <command>/);
    for (const command of ['validate', 'inspect', 'eval', 'run', 'schema']) expect(help.stdout).toContain(`  ${command}`);

    const validate = npx('validate', 'model.json');
    expect(validate.stderr).toBe('');
    expect(validate.stdout).toMatch(/^ok: 3 layers, 2 synapses, 59 parameters/);
    expect(validate.status).toBe(0);

    const relax = npx('run', 'model.json', '--weights', 'model.safetensors', '--batch', '2', '--out', 'run-out', '--backend', 'wasm');
    expect(relax.status, relax.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(project, 'run-out', 'report.json'), 'utf8')) as { samples: unknown[] };
    expect(report.samples).toHaveLength(2);
    for (const f of ['states.safetensors', 'energy.svg']) expect(existsSync(join(project, 'run-out', f)), f).toBe(true);
  }, 4 * minutes);
});
