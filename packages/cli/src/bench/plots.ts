/** The SVG plots of a report: the task's quality curves, and the suite's plots of a metric against a tag. */
import { COLOURS, linePlot, type Series } from '@hamux-ts/plot';
import type { BenchReport, VariantResult } from './result.js';
import type { MetricName } from './suite-schema.js';

export interface Plot {
  /** File name stem: the report's files are `<suite>-<backend>-<name>.svg`. */
  readonly name: string;
  readonly title: string;
  readonly svg: string;
}

/** A measured number of a variant by metric name (`NaN` where the task does not measure it). */
export function metric(v: VariantResult, name: MetricName): number {
  switch (name) {
    case 'steps': return v.relaxation.stepsPerSample.median;
    case 'batchSteps': return v.relaxation.batchSteps;
    case 'wallMs': return v.relaxation.wallMs.median;
    case 'msPerStep': return v.relaxation.msPerStep;
    case 'flopsPerStep': return v.work.perStep;
    case 'params': return v.params;
    case 'peakBytes': return v.work.peakBytes;
    case 'converged': return v.relaxation.converged / v.relaxation.batch;
    case 'capacity': return v.quality.kind === 'capacity' ? v.quality.capacity.k : Number.NaN;
    case 'finalEnergy': return v.quality.kind === 'relaxation' ? v.quality.finalEnergy : Number.NaN;
  }
}

export const metricLabels: Record<MetricName, string> = {
  steps: 'steps to converge (median over samples)',
  batchSteps: 'steps of the batch (slowest sample)',
  wallMs: 'wall time of the batch (ms, median)',
  msPerStep: 'ms per step',
  flopsPerStep: 'FLOPs per scheduler step',
  params: 'parameters',
  peakBytes: 'peak tensor memory (bytes)',
  converged: 'fraction of samples converged',
  capacity: 'capacity K',
  finalEnergy: 'final energy (median)',
};

const colour = (i: number) => COLOURS[i % COLOURS.length]!;

function completionPlots(report: BenchReport): Plot[] {
  const plots: Plot[] = [];
  const vs = report.variants.filter((v) => v.quality.kind === 'completion');
  if (vs.length === 0) return plots;
  for (const kind of ['noise', 'mask'] as const) {
    const level = (c: { kind: string; std?: number; fraction?: number }) => (c.kind === 'noise' ? c.std! : c.fraction!);
    const pointsOf = (v: VariantResult) => (v.quality.kind === 'completion' ? v.quality.points.filter((p) => p.corruption.kind === kind) : []);
    const first = pointsOf(vs[0]!);
    if (first.length === 0) continue;
    const series: Series[] = vs.map((v, i) => ({ name: v.name, x: pointsOf(v).map((p) => level(p.corruption)), y: pointsOf(v).map((p) => p.error), colour: colour(i), markers: true }));
    series.push({ name: kind === 'noise' ? 'noisy input' : 'mean image (the starting point)', x: first.map((p) => level(p.corruption)), y: first.map((p) => p.inputError), dashed: true, colour: '#7f7f7f', markers: false });
    const title = kind === 'noise' ? 'Restoring noisy digits' : 'Completing masked digits';
    plots.push({
      name: kind === 'noise' ? 'error-vs-noise' : 'error-vs-mask',
      title,
      svg: linePlot(series, {
        title,
        xLabel: kind === 'noise' ? 'noise σ' : 'fraction of pixels hidden',
        yLabel: kind === 'noise' ? 'error (MSE per pixel)' : 'error on hidden pixels (MSE per pixel)',
        logY: true,
      }),
    });
  }
  return plots;
}

function capacityPlots(report: BenchReport): Plot[] {
  const vs = report.variants.filter((v) => v.quality.kind === 'capacity');
  if (vs.length === 0) return [];
  const q = (v: VariantResult) => (v.quality.kind === 'capacity' ? v.quality : undefined)!;
  const load = report.protocol.task.kind === 'capacity' ? report.protocol.task.load : 0;
  return [
    {
      name: 'recall-vs-flips',
      title: `Recall at K = ${load}`,
      svg: linePlot(vs.map((v, i) => ({ name: v.name, x: q(v).recall.map((p) => p.flip), y: q(v).recall.map((p) => p.accuracy), colour: colour(i), markers: true })), {
        title: `Patterns recalled exactly at K = ${load}`, xLabel: 'fraction of entries flipped in the probe', yLabel: 'fraction recalled',
      }),
    },
    {
      name: 'stored-vs-k',
      title: 'Fraction stored against K',
      svg: linePlot(vs.map((v, i) => ({ name: v.name, x: q(v).capacity.tried.map((t) => t.k), y: q(v).capacity.tried.map((t) => t.stored), colour: colour(i), markers: true })), {
        title: 'Patterns stored (every single flip raises the energy) against K', xLabel: 'patterns written K', yLabel: 'fraction stored', logX: true,
      }),
    },
  ];
}

/** The suite's own plots: a metric against a numeric tag, one line per value of another tag. */
function taggedPlots(report: BenchReport): Plot[] {
  return report.plots.map((p) => {
    const withX = report.variants.filter((v) => typeof v.tags?.[p.x] === 'number');
    const groups = new Map<string, VariantResult[]>();
    for (const v of withX) {
      const key = p.series ? String(v.tags?.[p.series] ?? '') : p.y;
      groups.set(key, [...(groups.get(key) ?? []), v]);
    }
    const series: Series[] = [...groups].map(([name, vs], i) => {
      const sorted = [...vs].sort((a, b) => (a.tags![p.x] as number) - (b.tags![p.x] as number));
      return { name, x: sorted.map((v) => v.tags![p.x] as number), y: sorted.map((v) => metric(v, p.y)), colour: colour(i), markers: true };
    });
    const title = p.title ?? `${metricLabels[p.y]} against ${p.x}`;
    return { name: p.name, title, svg: linePlot(series, { title, xLabel: p.x, yLabel: metricLabels[p.y], logX: p.logX, logY: p.logY }) };
  });
}

/** Every plot of a report. */
export function reportPlots(report: BenchReport): Plot[] {
  return [...completionPlots(report), ...capacityPlots(report), ...taggedPlots(report)];
}
