/** The Markdown report: where and how it was measured, one table of every variant, the quality tables, the plots. */
import { environmentLine } from './environment.js';
import type { Plot } from './plots.js';
import type { BenchReport, VariantResult } from './result.js';
import { inShard } from './shard.js';
import { layerSizes } from './variant.js';

/** `| a | b |` rows under a header; `align` per column (`r` right-aligns). */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], align = ''): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  const rule = `|${header.map((_, i) => (align[i] === 'r' ? '---:' : '---')).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** 1234567 → `1.23 M`; 0.00123 → `1.23e-3`. */
export function si(x: number, unit = ''): string {
  if (!Number.isFinite(x)) return '–';
  const abs = Math.abs(x);
  for (const [p, s] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) if (abs >= p) return `${(x / p).toPrecision(3)} ${s}${unit}`;
  return `${Number.isInteger(x) ? x : x.toPrecision(3)}${unit ? ` ${unit}` : ''}`;
}

export function bytes(b: number): string {
  if (b >= 2 ** 20) return `${(b / 2 ** 20).toFixed(1)} MiB`;
  if (b >= 2 ** 10) return `${(b / 2 ** 10).toFixed(0)} KiB`;
  return `${b} B`;
}

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const err = (x: number) => x.toFixed(4);

function mainTable(report: BenchReport): string {
  const task = report.protocol.task.kind;
  const extra = task === 'completion' ? ['training (s)', 'training loss first → last'] : task === 'capacity' ? ['capacity K'] : ['final energy (median)'];
  const rows = report.variants.map((v) => {
    const r = v.relaxation;
    const cells = [
      v.name,
      layerSizes(v.layers),
      String(v.params),
      si(v.work.perStep),
      bytes(v.work.peakBytes),
      `${r.stepsPerSample.median} (${r.stepsPerSample.min}–${r.stepsPerSample.max})`,
      `${ms(r.wallMs.median)} (${ms(r.wallMs.min)}–${ms(r.wallMs.max)})`,
      ms(r.msPerStep),
      `${r.converged}/${r.batch}`,
    ];
    const q = v.quality;
    if (q.kind === 'completion' && v.preparation.kind === 'trained') {
      cells.push(`${v.preparation.seconds.toFixed(1)}${v.preparation.backend !== report.environment.backend.name ? ` (on ${v.preparation.backend})` : ''}`, `${err(v.preparation.lossFirst)} → ${err(v.preparation.lossLast)}`);
    } else if (q.kind === 'capacity') cells.push(`${q.capacity.capped ? '> ' : ''}${q.capacity.k}`);
    else if (q.kind === 'relaxation') cells.push(q.finalEnergy.toPrecision(6));
    else cells.push(...extra.map(() => '–'));
    return cells;
  });
  return markdownTable(
    ['variant', 'layers', 'parameters', 'FLOPs / step', 'peak tensor memory', 'steps per sample: median (range)', 'wall time, ms: median (range over runs)', 'ms / step', 'converged', ...extra],
    rows,
    'llrrrrrrr' + 'r'.repeat(extra.length),
  );
}

function qualitySection(report: BenchReport): string {
  const vs = report.variants;
  const first = vs[0];
  if (!first) return '';
  const q0 = first.quality;
  if (q0.kind === 'completion') {
    const label = (c: (typeof q0.points)[number]['corruption']) => (c.kind === 'noise' ? `noise σ ${c.std}` : `${pct(c.fraction)} hidden`);
    const header = ['variant', ...q0.points.map((p) => label(p.corruption))];
    const align = 'l' + 'r'.repeat(header.length - 1);
    const input = ['*corrupted input*', ...q0.points.map((p) => `*${err(p.inputError)}*`)];
    const converged = vs.map((v) => [v.name, ...(v.quality.kind === 'completion' ? v.quality.points.map((p) => `${err(p.error)}${p.converged < p.samples ? ` (${p.converged}/${p.samples} conv.)` : ''}`) : [])]);
    const stepped = vs.map((v) => [v.name, ...(v.quality.kind === 'completion' ? v.quality.points.map((p) => err(p.trainedStepsError)) : [])]);
    const train = report.protocol.task.kind === 'completion' ? report.protocol.task.train : undefined;
    const steps = train?.steps ?? 0;
    const readout = train?.fixedPoint
      ? `After ${steps} unrolled Euler steps (the variants were trained at the fixed point, so this is a short descent, not what they learnt):`
      : `After the ${steps} unrolled Euler steps every variant was trained through (the training readout):`;
    return [
      'Reconstruction error: mean squared error per pixel against the clean digit (every pixel for noise, the hidden pixels for masks). Lower is better; the best of each column is in bold.',
      `At convergence (the scheduler, until the tolerance or the step budget; "conv." counts the samples that converged):\n\n${markdownTable(header, bold([...converged, input], 'min', 1), align)}`,
      `${readout}\n\n${markdownTable(header, bold([...stepped, input], 'min', 1), align)}`,
    ].join('\n\n');
  }
  if (q0.kind === 'capacity') {
    const load = report.protocol.task.kind === 'capacity' ? report.protocol.task.load : 0;
    const header = ['variant', 'capacity K', ...q0.recall.map((p) => `recalled, ${pct(p.flip)} flipped`)];
    const rows = vs.map((v) => (v.quality.kind === 'capacity' ? [v.name, `${v.quality.capacity.capped ? '> ' : ''}${v.quality.capacity.k}`, ...v.quality.recall.map((p) => pct(p.accuracy))] : [v.name]));
    return `Capacity (the largest K at which the patterns are stored, see the protocol) and the fraction of probes recalled exactly at K = ${load}.\n\n${markdownTable(header, rows, 'l' + 'r'.repeat(header.length - 1))}`;
  }
  return '';
}

/** Marks the best value of each numeric column (from `fromColumn`) in bold. */
function bold(rows: string[][], best: 'min' | 'max', fromColumn: number): string[][] {
  const body = rows.filter((r) => !r[0]!.startsWith('*'));
  const out = rows.map((r) => [...r]);
  const columns = Math.max(...rows.map((r) => r.length));
  for (let c = fromColumn; c < columns; c++) {
    const values = body.map((r) => Number.parseFloat(r[c] ?? ''));
    const target = best === 'min' ? Math.min(...values.filter(Number.isFinite)) : Math.max(...values.filter(Number.isFinite));
    out.forEach((r, i) => {
      if (!rows[i]![0]!.startsWith('*') && Number.parseFloat(r[c] ?? '') === target) r[c] = `**${r[c]}**`;
    });
  }
  return out;
}

/** Which evaluators the timed runs used, and for which variants. */
function evaluators(report: BenchReport): string {
  const by = new Map<string, string[]>();
  for (const v of report.variants) by.set(v.relaxation.evaluator, [...(by.get(v.relaxation.evaluator) ?? []), v.name]);
  if (by.size === 1) return `here: ${[...by.keys()][0]} for every variant`;
  return `here: ${[...by].map(([e, vs]) => `${e} for ${vs.join(', ')}`).join('; ')}`;
}

function notes(report: BenchReport): string[] {
  const lines: string[] = (report.failed ?? []).map((f) => `**${f.name}** (${f.config}) failed after ${f.seconds.toFixed(0)} s and is not in the tables: ${f.error}`);
  for (const v of report.variants) {
    if (v.preparation.kind === 'trained' && v.preparation.note) lines.push(`${v.name}: ${v.preparation.note}.`);
    if (v.preparation.kind === 'trained' && v.preparation.frozen) lines.push(`${v.name}: not trained (held at their seeded initial values): ${v.preparation.frozen.join(', ')}.`);
    const bad = Object.entries(v.relaxation.reasons).filter(([r]) => r !== 'gradient' && r !== 'energy');
    if (bad.length > 0) lines.push(`${v.name}: in the timed relaxation ${bad.map(([r, n]) => `${n} sample${n === 1 ? '' : 's'} stopped by ${r}`).join(', ')}.`);
  }
  return lines;
}

function variantList(vs: readonly VariantResult[]): string {
  return vs
    .map((v) => {
      const layers = v.layers.map((l) => `${l.name} [${l.shape.join(', ')}] ${l.lagrangian} τ ${l.tau}`).join('; ');
      const synapses = v.synapses.map((s) => `${s.name} ${s.kind}(${s.connects.join(', ')})`).join('; ');
      return `- **${v.name}** (${v.config})${v.description ? `: ${v.description}` : ''}. Layers: ${layers}. Synapses: ${synapses}. Scheduler: \`${JSON.stringify(v.scheduler)}\`.`;
    })
    .join('\n');
}

/** For a shard: which one, and what it ran; for a merged report: each shard as it ran. */
function shardLines(report: BenchReport): string[] {
  const s = report.shard;
  if (s) {
    const all = report.suite.variants ?? [];
    const mine = all.filter((_, i) => inShard(i, s));
    return [`- Shard ${s.index} of ${s.count} (numbered from 0): variant${mine.length === 1 ? '' : 's'} ${mine.join(', ')} of the suite's ${all.length}. Join the shards into one report with \`hamux bench --merge\`.`];
  }
  if (!report.shards) return [];
  const here = environmentLine(report.environment);
  return [
    `- Merged from ${report.shards.length} shards; above, the date, machine and load are shard 0's and the time is the sum of the shards':`,
    ...report.shards.map((r) => {
      const machine = environmentLine(r.environment);
      return `  - shard ${r.index}: \`${r.command}\`, ${r.date.slice(0, 19).replace('T', ' ')} UTC, ${r.seconds.toFixed(0)} s, load ${r.environment.loadAverage[0]} → ${r.loadAverageEnd}${machine !== here ? `; ${machine}` : ''}.`;
    }),
  ];
}

/** The whole Markdown report; `plotFile` names each plot's file relative to the report. */
export function markdownReport(report: BenchReport, plots: readonly Plot[], plotFile: (p: Plot) => string, command: string): string {
  const e = report.environment;
  const parts = [
    `# ${report.suite.title}`,
    ...(report.suite.description ? [report.suite.description] : []),
    [
      `- Command: \`${command}\` (${report.size} size), seed ${report.seed}, ${report.date.slice(0, 19).replace('T', ' ')} UTC, ${report.seconds.toFixed(0)} s in all.`,
      `- Machine: ${environmentLine(e)}.`,
      `- Load average (1 min): ${e.loadAverage[0]} at the start, ${report.loadAverageEnd} at the end. The machine may be shared with other jobs: timings can vary by ±25% or more between runs; FLOPs, steps and quality do not.`,
      ...shardLines(report),
    ].join('\n'),
    `## Protocol\n\n${report.protocol.text}\n\nFLOPs are counted from the tfjs kernels one scheduler step dispatches on the timed batch (matrix products 2·M·N·K, one per entry of elementwise ops; the step's check and step-control work included), on the general tfjs path; peak tensor memory is the most tensor bytes held during such a relaxation of the timed batch, above what was held before it. The timed runs use the fastest evaluator the backend offers for the graph (${evaluators(report)}).`,
    `## Results\n\n${mainTable(report)}`,
    qualitySection(report),
    ...plots.map((p) => `![${p.title}](${plotFile(p)})`),
    `## Variants\n\n${variantList(report.variants)}`,
  ];
  const n = notes(report);
  if (n.length > 0) parts.push(`## Notes\n\n${n.map((l) => `- ${l}`).join('\n')}`);
  return `${parts.filter((p) => p !== '').join('\n\n')}\n`;
}
