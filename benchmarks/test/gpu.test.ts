// The GPU benchmark end to end at its small size (`gpu/gpu.ts --small`): on a machine without a GPU,
// hamux-ts runs on Dawn over Mesa's llvmpipe and PyTorch on the CPU (Debian's python3-torch, which
// `npm test` installs; JAX where installed). It runs the built packages (turbo builds them first).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('..', import.meta.url));
const tsx = join(here, '../node_modules/.bin/tsx');
const out = mkdtempSync(join(tmpdir(), 'hamux-gpu-test-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const MODELS = ['(a)', '(b)', '(c)', '(et)'];
/** A timed cell: a positive number as the script formats it, or the script's own 'not resolved' label. */
const TIMED = /^(\d+(\.\d+)?(e[-+]\d+)?|(-?[\d.e+-]+|-?Infinity|NaN) \(not resolved: raise --steps\))$/;

describe('benchmarks/gpu --small', () => {
  it('gives every model on every implementation: measured wall times, counted FLOPs, the energies PyTorch gives', { timeout: 180_000 }, () => {
    const json = join(out, 'gpu.json');
    const r = spawnSync(tsx, ['gpu/gpu.ts', '--small', `--json=${json}`], { cwd: here, encoding: 'utf8', timeout: 170_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);

    const jaxSkipped = /^- JAX: skipped, /m.test(r.stdout);
    const implementations = [/^PyTorch (CUDA|CPU) eager$/, /^hamux-ts fused \(WGSL step\)$/, /^hamux-ts generic \(tfjs ops\)$/, ...(jaxSkipped ? [] : [/^JAX jit$/])];
    // | model | implementation | ms / step | × PyTorch | GEMM GFLOP / step | GEMM TFLOP/s | % of GEMM peak | energies vs PyTorch | note |
    const rows = r.stdout.split('\n').filter((l) => l.startsWith('| (')).map((l) => l.slice(2, -2).split(' | '));
    expect(rows).toHaveLength(MODELS.length * implementations.length);
    for (const model of MODELS) {
      for (const impl of implementations) {
        const found = rows.filter((c) => c[0]!.startsWith(model) && impl.test(c[1]!));
        expect(found, `${model} ${impl}`).toHaveLength(1);
        const cells = found[0]!;
        // GEMM GFLOP / step is counted, not timed: always a positive number
        expect(Number(cells[4]), `${model} ${impl}: ${cells.join(' | ')}`).toBeGreaterThan(0);
        // the timed figures are positive numbers, or say they are not resolved: at smoke-test sizes a
        // loaded machine can make the long run no slower than the short one, and the script says so
        for (const i of [2, 3, 5, 6]) expect(cells[i], `${model} ${impl}: ${cells.join(' | ')}`).toMatch(TIMED);
        if (!impl.test('PyTorch CPU eager') && !impl.test('PyTorch CUDA eager')) expect(Number(found[0]![7])).toBeLessThan(1e-4); // same energies as PyTorch
        // every model's step has WGSL forms: the fused path must not fall back to tfjs ops
        if (impl.test('hamux-ts fused (WGSL step)')) expect(found[0]![8]).toContain('fused WGSL step');
      }
    }

    type Times = { short: number[]; long: number[] };
    const report = JSON.parse(readFileSync(json, 'utf8')) as {
      rows: { gemmFlops: number }[];
      failures: string[];
      raw: { torch: Record<string, Times>; hamux: Record<string, Record<string, Times>> };
    };
    expect(report.failures).toEqual([]);
    expect(report.rows).toHaveLength(rows.length);
    for (const row of report.rows) {
      expect(row.gemmFlops).toBeGreaterThan(0);
    }
    // every wall time behind those figures was measured: finite, positive, one per rep
    const raw = [...Object.values(report.raw.torch), ...Object.values(report.raw.hamux).flatMap((m) => Object.values(m))];
    expect(raw).toHaveLength(MODELS.length * (1 + Object.keys(report.raw.hamux).length));
    for (const t of raw) {
      for (const ms of [...t.short, ...t.long]) expect(Number.isFinite(ms) && ms > 0).toBe(true);
      expect(t.short.length).toBeGreaterThan(0);
      expect(t.long).toHaveLength(t.short.length);
    }
  });
});
