import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend, type BackendRuntime } from '@hamux-ts/backends';
import { balancedSubset, binaryToBipolar, blockMask, flip, invertMask, loadMnist } from '@hamux-ts/data';
import { imageMemory, recall, recallLine, score } from '../src/completion.js';

const root = resolve(import.meta.dirname, '../../..');

describe('MNIST pattern completion (small)', () => {
  const stored = balancedSubset(loadMnist(), 3, 11);
  const size = stored.size;
  const patterns = binaryToBipolar(Float32Array.from(stored.images, (v) => (v > 0.5 ? 1 : 0)));
  const sources = Int32Array.from({ length: stored.count }, (_, i) => i);
  let runtime: BackendRuntime;
  beforeAll(async () => { runtime = await useBackend('cpu'); }); // the path users run: descents on the fast kernels

  it('recalls noisy and half-hidden digits', async () => {
    const memory = imageMemory(patterns, size, 0.1);
    const noisy = flip(patterns, size, { fraction: 0.2, seed: 5 });
    const fromNoise = score((await recall(memory, noisy.data, size, { runtime })).recalled, patterns, sources, size);
    expect(fromNoise.exact).toBeGreaterThanOrEqual(0.9);
    const half = blockMask(patterns, [28, 28, 1], { top: 14, left: 0, height: 14, width: 28 });
    const fromHalf = score((await recall(memory, half.data, size, { known: invertMask(half.mask), runtime })).recalled, patterns, sources, size);
    expect(fromHalf.nearest).toBeGreaterThanOrEqual(0.9);
    memory.dispose();
  });

  it('scores a wrong recall as wrong', () => {
    const swapped = new Float32Array(patterns.length);
    swapped.set(patterns.subarray(size), 0);
    swapped.set(patterns.subarray(0, size), patterns.length - size);
    const s = score(swapped, patterns, sources, size);
    expect(s.exact).toBe(0);
    expect(s.nearest).toBe(0);
    expect(s.pixelError).toBeGreaterThan(0.05);
  });
});

describe('the report', () => {
  it('says pixel error and exact recall before → after, steps and convergence, in one line', () => {
    const before = { exact: 0, nearest: 0.9, pixelError: 0.25 };
    const after = { exact: 0.995, nearest: 0.995, pixelError: 0.0001 };
    expect(recallLine('25% of pixels flipped', before, after, { steps: 50, converged: 200 }, 200, 0.71))
      .toBe('25% of pixels flipped  pixel error 25.0% → 0.01%, recalled exactly 0.0% → 99.5%  (50 steps, 200/200 converged, 0.7 s)');
  });
});

describe('npm run example', () => {
  it('stores, corrupts and recalls digits from a bare checkout, says so in five lines, and draws labelled rows', () => {
    const out = mkdtempSync(join(tmpdir(), 'hamux-example-'));
    try {
      // No build: the example runs from the sources; and no PROD flag, so any tfjs-node advice would show.
      const r = spawnSync('npm', ['run', '--silent', 'example', '--', '--out', out], { cwd: root, encoding: 'utf8', timeout: 110_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(`${r.stdout}${r.stderr}`).not.toMatch(/tfjs-node|looks like you are running/i);
      expect(r.stderr).toBe('');
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(5);
      expect(lines[0]).toMatch(/^MNIST recall: 200 digits \(20 per class\) stored .* recalled by energy descent:$/);
      expect(lines.slice(1, 4).map((l) => l.trim().split(/ {2,}/)[0])).toEqual(['25% of pixels flipped', 'random half hidden', 'bottom half hidden']);
      for (const line of lines.slice(1, 4)) {
        const m = /pixel error ([\d.]+)% → ([\d.]+)%, recalled exactly ([\d.]+)% → ([\d.]+)%/.exec(line);
        expect(m, line).not.toBeNull();
        const [errBefore, errAfter, exactBefore, exactAfter] = m!.slice(1).map(Number) as [number, number, number, number];
        expect(errAfter).toBeLessThan(errBefore / 100);
        expect(exactBefore).toBe(0);
        expect(exactAfter).toBeGreaterThanOrEqual(95);
      }
      expect(lines[4]).toBe(`picture: ${join(out, 'completion.png')} (one digit per class; rows labelled original / corrupted / recalled)`);
      // Nine rows of ten 56-pixel digits, and a label column left of them (unlabelled: 2 + 10 · 58 wide).
      // The size from the PNG header (IHDR: width, height as big-endian uint32 at bytes 16 and 20).
      const png = readFileSync(join(out, 'completion.png'));
      expect(png.readUInt32BE(20)).toBe(2 + 9 * 58);
      expect(png.readUInt32BE(16)).toBeGreaterThan(2 + 10 * 58 + 100);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
