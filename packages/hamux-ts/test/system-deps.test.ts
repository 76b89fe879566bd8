// scripts/ensure-system-deps.mjs (the root `pretest`): which Debian packages it finds missing, read
// from a fake system root, and what it decides to do about them. It never installs anything here:
// the fake roots have no apt-get.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script of the repository, without declarations
import { REQUIREMENTS, decide, missingRequirements } from '../../../scripts/ensure-system-deps.mjs';

interface Requirement {
  readonly pkg: string;
  readonly files: readonly string[];
  readonly tests: boolean;
}
const script = fileURLToPath(new URL('../../../scripts/ensure-system-deps.mjs', import.meta.url));
const requirements = REQUIREMENTS as readonly Requirement[];
const missing = missingRequirements as (root: string) => Requirement[];
const choose = decide as (o: { missing: readonly Requirement[]; apt: boolean; root: boolean; sudo: boolean; check?: boolean }) => string;

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

/** A fake system root holding the files of `present` (multiarch folder `triplet`). */
function fakeRoot(present: readonly string[], triplet = 'aarch64-linux-gnu'): string {
  const root = mkdtempSync(join(tmpdir(), 'hamux-sysroot-'));
  roots.push(root);
  mkdirSync(join(root, 'usr/lib', triplet), { recursive: true });
  for (const r of requirements.filter((q) => present.includes(q.pkg)))
    for (const f of r.files) {
      const path = join(root, f.replace('{lib}', `usr/lib/${triplet}`));
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, '');
    }
  return root;
}
const names = (rs: readonly Requirement[]) => rs.map((r) => r.pkg);
const all = requirements.map((r) => r.pkg);
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'HAMUX_SKIP_SYSTEM_DEPS'));
const runScript = (root: string, ...args: string[]) =>
  spawnSync(process.execPath, [script, ...args], { env: { ...env, HAMUX_SYSTEM_ROOT: root }, encoding: 'utf8' });

describe('ensure-system-deps', () => {
  it('lists the packages of .ci/run', () => {
    expect([...all].sort()).toEqual(['chromium', 'libegl-dev', 'libegl-mesa0', 'libegl1', 'libgl1-mesa-dri', 'libgles2', 'libopenblas-dev', 'python3-torch']);
    expect(names(requirements.filter((r) => !r.tests)).sort()).toEqual(['libopenblas-dev']);
  });

  it('finds what is missing under a system root, in any multiarch folder', () => {
    expect(names(missing(fakeRoot(all)))).toEqual([]);
    expect(names(missing(fakeRoot(all, 'x86_64-linux-gnu')))).toEqual([]);
    expect(names(missing(fakeRoot([])))).toEqual(all);
    expect(names(missing(fakeRoot(all.filter((p) => p !== 'chromium' && p !== 'libgl1-mesa-dri'))))).toEqual(['chromium', 'libgl1-mesa-dri']);
  });

  it('installs when it can, fails only for what the tests need', () => {
    const chromium = requirements.filter((r) => r.pkg === 'chromium');
    const torch = requirements.filter((r) => r.pkg === 'python3-torch');
    const openblas = requirements.filter((r) => r.pkg === 'libopenblas-dev');
    expect(choose({ missing: [], apt: true, root: true, sudo: false })).toBe('ok');
    expect(choose({ missing: chromium, apt: true, root: true, sudo: false })).toBe('install');
    expect(choose({ missing: chromium, apt: true, root: false, sudo: true })).toBe('install');
    expect(choose({ missing: chromium, apt: true, root: true, sudo: false, check: true })).toBe('fail');
    expect(choose({ missing: chromium, apt: true, root: false, sudo: false })).toBe('fail');
    expect(choose({ missing: chromium, apt: false, root: true, sudo: false })).toBe('fail');
    expect(choose({ missing: torch, apt: false, root: true, sudo: false })).toBe('fail');
    expect(choose({ missing: openblas, apt: false, root: true, sudo: false })).toBe('warn');
  });

  it('as a command: quiet when all is there, says what to run when it cannot install', () => {
    const ok = runScript(fakeRoot(all));
    expect([ok.status, ok.stdout, ok.stderr]).toEqual([0, '', '']);

    const bare = runScript(fakeRoot(['libopenblas-dev']));
    expect(bare.status).toBe(1);
    expect(bare.stderr).toContain('missing system packages');
    for (const p of ['chromium', 'libegl1', 'libegl-dev', 'libgles2', 'libegl-mesa0', 'libgl1-mesa-dri', 'python3-torch']) expect(bare.stderr).toContain(p);
    expect(bare.stderr).not.toContain('libopenblas-dev');

    const torch = runScript(fakeRoot(all.filter((p) => p !== 'python3-torch')));
    expect(torch.status).toBe(1);
    expect(torch.stderr).toMatch(/python3-torch .*PyTorch/);
    expect(torch.stderr).not.toContain('the tests run without it');

    const optional = runScript(fakeRoot(all.filter((p) => p !== 'libopenblas-dev')));
    expect(optional.status).toBe(0);
    expect(optional.stderr).toMatch(/libopenblas-dev .*\(the tests run without it\)/);

    const skipped = spawnSync(process.execPath, [script], { env: { ...env, HAMUX_SYSTEM_ROOT: fakeRoot([]), HAMUX_SKIP_SYSTEM_DEPS: '1' }, encoding: 'utf8' });
    expect([skipped.status, skipped.stderr]).toEqual([0, '']);
  });
});
