/**
 * `hamux bench --compare A.json B.json`: what differs between two runs (machine, backend,
 * versions, seed, size) and, for every variant in both, the ratio B / A of each measured number.
 */
import { table } from '../table.js';
import { environmentLine } from './environment.js';
import type { BenchReport, VariantResult } from './result.js';

export interface Ratio {
  readonly variant: string;
  /** B / A of: wall time (median), ms per step, steps per sample (median), FLOPs per step, peak tensor memory, parameters. */
  readonly wallMs: number;
  readonly msPerStep: number;
  readonly steps: number;
  readonly flopsPerStep: number;
  readonly peakBytes: number;
  readonly params: number;
  /** B / A of the task's quality: the geometric mean of the error ratios (completion), capacity K (capacity), samples converged (relaxation). */
  readonly quality: number;
  readonly qualityMeaning: string;
}

export interface Comparison {
  /** Settings that differ between the runs: `backend: cpu → wasm`. */
  readonly differences: readonly string[];
  readonly ratios: readonly Ratio[];
  /** Variants in only one of the runs. */
  readonly onlyA: readonly string[];
  readonly onlyB: readonly string[];
}

const geometricMean = (xs: readonly number[]) => (xs.length === 0 ? Number.NaN : Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length));

function quality(a: VariantResult, b: VariantResult): { value: number; meaning: string } {
  const qa = a.quality, qb = b.quality;
  if (qa.kind === 'completion' && qb.kind === 'completion') {
    const ratios = qa.points.flatMap((p, i) => {
      const q = qb.points[i];
      return q && JSON.stringify(q.corruption) === JSON.stringify(p.corruption) && p.error > 0 ? [q.error / p.error] : [];
    });
    return { value: geometricMean(ratios), meaning: 'error (geometric mean over corruption levels; < 1: B restores better)' };
  }
  if (qa.kind === 'capacity' && qb.kind === 'capacity') return { value: qb.capacity.k / qa.capacity.k, meaning: 'capacity K (> 1: B stores more)' };
  return { value: (b.relaxation.converged / b.relaxation.batch) / (a.relaxation.converged / a.relaxation.batch), meaning: 'samples converged (> 1: B converges more)' };
}

export function compareReports(a: BenchReport, b: BenchReport): Comparison {
  const differences: string[] = [];
  const diff = (what: string, x: unknown, y: unknown) => {
    if (JSON.stringify(x) !== JSON.stringify(y)) differences.push(`${what}: ${String(x)} → ${String(y)}`);
  };
  diff('suite', a.suite.name, b.suite.name);
  diff('size', a.size, b.size);
  diff('seed', a.seed, b.seed);
  diff('backend', a.environment.backend.name, b.environment.backend.name);
  diff('matrix products', a.environment.backend.kernels?.gemm, b.environment.backend.kernels?.gemm);
  diff('machine', `${a.environment.machine.cpu}, ${a.environment.machine.cores} cores`, `${b.environment.machine.cpu}, ${b.environment.machine.cores} cores`);
  diff('node', a.environment.node, b.environment.node);
  diff('tfjs', a.environment.tfjs, b.environment.tfjs);
  diff('hamux', a.environment.hamux, b.environment.hamux);
  diff('commit', a.environment.commit, b.environment.commit);
  diff('protocol', JSON.stringify(a.protocol.protocol), JSON.stringify(b.protocol.protocol));
  diff('task', JSON.stringify(a.protocol.task), JSON.stringify(b.protocol.task));
  const byName = new Map(b.variants.map((v) => [v.name, v]));
  const ratios: Ratio[] = [];
  for (const va of a.variants) {
    const vb = byName.get(va.name);
    if (!vb) continue;
    const q = quality(va, vb);
    ratios.push({
      variant: va.name,
      wallMs: vb.relaxation.wallMs.median / va.relaxation.wallMs.median,
      msPerStep: vb.relaxation.msPerStep / va.relaxation.msPerStep,
      steps: vb.relaxation.stepsPerSample.median / va.relaxation.stepsPerSample.median,
      flopsPerStep: vb.work.perStep / va.work.perStep,
      peakBytes: vb.work.peakBytes / va.work.peakBytes,
      params: vb.params / va.params,
      quality: q.value,
      qualityMeaning: q.meaning,
    });
  }
  const inA = new Set(a.variants.map((v) => v.name));
  // Failed variants are in neither table of ratios: they show as only in the run where they ran.
  return {
    differences,
    ratios,
    onlyA: a.variants.filter((v) => !byName.has(v.name)).map((v) => v.name),
    onlyB: b.variants.filter((v) => !inA.has(v.name)).map((v) => v.name),
  };
}

const x = (r: number) => (Number.isFinite(r) ? `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}×` : '–');

/** The comparison as text: both runs, what differs, and one line of ratios per variant. */
export function comparisonText(a: BenchReport, b: BenchReport, fileA: string, fileB: string): string {
  const c = compareReports(a, b);
  const lines = [
    `A: ${fileA}: ${a.suite.name} (${a.size}), ${a.date.slice(0, 10)}, load ${a.environment.loadAverage[0]}; ${environmentLine(a.environment)}`,
    `B: ${fileB}: ${b.suite.name} (${b.size}), ${b.date.slice(0, 10)}, load ${b.environment.loadAverage[0]}; ${environmentLine(b.environment)}`,
    c.differences.length > 0 ? `Differences: ${c.differences.join('; ')}` : 'Same suite, size, seed, machine, backend and versions.',
    '',
    'Ratios B / A (< 1: B is smaller, e.g. faster):',
    table(
      ['variant', 'wall time', 'ms/step', 'steps', 'FLOPs/step', 'peak memory', 'parameters', 'quality'],
      c.ratios.map((r) => [r.variant, x(r.wallMs), x(r.msPerStep), x(r.steps), x(r.flopsPerStep), x(r.peakBytes), x(r.params), x(r.quality)]),
    ),
  ];
  const meaning = [...new Set(c.ratios.map((r) => r.qualityMeaning))];
  if (meaning.length > 0) lines.push(`quality: ${meaning.join('; ')}`);
  if (c.onlyA.length > 0) lines.push(`only in A: ${c.onlyA.join(', ')}`);
  if (c.onlyB.length > 0) lines.push(`only in B: ${c.onlyB.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
