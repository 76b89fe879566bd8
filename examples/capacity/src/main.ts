// Storage capacity: the classical Hopfield energy against dense associative memories.
// Run: npm run start -w @hamux-ts/example-capacity [-- --full]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exampleOptions, startBackend } from '../../shared/options.js';
import { COLOURS, linePlot, type Series } from '@hamux-ts/plot';
import { capacity, MODELS, powerLawExponent, theoryCapacity, type Model } from './capacity.js';

const { full, backend, outDir } = exampleOptions(new URL('..', import.meta.url));
await startBackend(backend);

const features: Record<Model, number[]> = {
  classical: full ? [16, 24, 32, 48, 64, 96, 128, 192, 256] : [16, 24, 32, 48, 64, 96, 128],
  'degree 3': full ? [16, 24, 32, 48, 64, 96, 128] : [16, 24, 32, 48, 64],
  'degree 4': full ? [12, 16, 24, 32, 48, 64] : [12, 16, 24, 32, 48],
  exponential: full ? [10, 12, 14, 16, 18, 20, 22] : [10, 12, 14, 16, 18],
};
const degree: Partial<Record<Model, number>> = { classical: 2, 'degree 3': 3, 'degree 4': 4 };

console.log(`A pattern is stored when flipping any one bit raises the energy; capacity = largest K with ≥ 90% stored`);
const series: Series[] = [];
for (const [i, model] of MODELS.entries()) {
  const ns = features[model];
  const ks: number[] = [];
  for (const n of ns) {
    const started = performance.now();
    const { k, capped } = capacity(model, n, { seed: 2026, maxK: full ? 1 << 16 : 1 << 13 });
    ks.push(capped ? Number.NaN : k);
    const d = degree[model];
    const theory = d === undefined ? '' : `  theory ${theoryCapacity(d, n).toFixed(1)}` + (d === 2 ? ` (0.14 N = ${(0.14 * n).toFixed(1)})` : '');
    console.log(`${model.padEnd(12)} N = ${String(n).padStart(3)}  K_max = ${capped ? `> ${k}` : String(k).padStart(5)}${theory}  (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  const good = ns.map((n, j) => [n, ks[j]!] as const).filter(([, k]) => Number.isFinite(k));
  if (degree[model] !== undefined && good.length >= 2) {
    const slope = powerLawExponent(good.map(([n]) => n), good.map(([, k]) => k));
    const d = degree[model]!;
    const theorySlope = powerLawExponent(good.map(([n]) => n), good.map(([n]) => theoryCapacity(d, n)));
    console.log(`${model.padEnd(12)} K_max ∝ N^${slope.toFixed(2)}; theory N^${d - 1}/ln N, which over these N fits N^${theorySlope.toFixed(2)}`);
  } else if (good.length >= 2) {
    const [[n0, k0], [n1, k1]] = [good[0]!, good[good.length - 1]!];
    console.log(`${model.padEnd(12)} K_max grows by ×${Math.exp((Math.log(k1) - Math.log(k0)) / (n1 - n0)).toFixed(2)} per added feature (exponential in N)`);
  }
  const colour = COLOURS[i]!;
  series.push({ name: model, x: ns, y: ks, colour, markers: true });
  const d = degree[model];
  if (d !== undefined) series.push({ name: `${model}, theory`, x: ns, y: ns.map((n) => theoryCapacity(d, n)), colour, dashed: true, markers: false });
}
const svg = linePlot(series, {
  title: 'Patterns stored without error against features N',
  xLabel: 'features N',
  yLabel: 'capacity K_max',
  logX: true,
  logY: true,
});
writeFileSync(join(outDir, 'capacity.svg'), svg);
console.log(`wrote ${join(outDir, 'capacity.svg')}`);
