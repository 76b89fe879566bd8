// The fixed point against the trained T steps, digit by digit, for the models `npm start` saved
// (out/dense, out/hierarchical): at one noise level σ, each model's 15-step readout and its fixed
// point with the fidelity weight γ·(σ_train/σ)² scaled by several factors s. For each it prints
// the mean error, the paired difference (fixed point − 15 steps, mean ± standard error over the
// held-out digits) and on how many digits the fixed point is the better one. It answers whether a
// gap between the two readouts is the learnt γ (another scale would close it) or the estimator.
// Run: npm run fidelity-sweep -w @hamux-ts/example-hierarchical-vs-dense [-- --sigma 0.3] [-- --models DIR]
//      [-- --standard]: the digits of a run with --standard.
import { join } from 'node:path';
import { loadModel } from '../../shared/model.js';
import { digitsLabel, mnistDigits } from '../../shared/digits.js';
import { startBackend } from '../../shared/options.js';
import {
  NOISE_LEVELS, afterTrainedSteps, atNoiseLevel, denoise, denseHam, exampleDigits, exampleSizes, hierarchicalHam, markdownTable,
  noisyCopy, perDigitErrors, type Denoiser,
} from './denoise.js';

const argv = process.argv.slice(2);
const value = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
const sigma = Number(value('--sigma') ?? '0.3');
const level = NOISE_LEVELS.indexOf(sigma as (typeof NOISE_LEVELS)[number]);
if (level < 0) throw new Error(`--sigma: expected one of the example's noise levels ${NOISE_LEVELS.join(', ')}, got ${value('--sigma')}`);
const modelsDir = value('--models') ?? new URL('../out/', import.meta.url).pathname;
const SCALES = [0.5, 0.7, 0.85, 1, 1.2, 1.5, 2];

const runtime = await startBackend('wasm');
const sizes = exampleSizes(false); // the architecture; --full differs only in its training budget
const standard = argv.includes('--standard');
const { test, clean } = exampleDigits(false, mnistDigits(standard));
const noisy = noisyCopy(clean, level);
const models: { name: string; build: () => Denoiser }[] = [
  { name: 'dense', build: () => denseHam(sizes) },
  { name: 'hierarchical', build: () => hierarchicalHam(sizes) },
];
const mean = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0) / xs.length;

console.log(`${digitsLabel(standard)}: ${test.count} held-out digits, noise σ ${sigma}; models from ${modelsDir}\n`);
const rows: string[][] = [];
for (const m of models) {
  const preset = m.build();
  const ham = loadModel(join(modelsDir, m.name), preset);
  preset.dispose();
  const stepped = perDigitErrors(afterTrainedSteps(ham, ham.params, noisy, clean, sizes).images, clean);
  rows.push([m.name, `${sizes.steps} steps`, mean(stepped).toFixed(5), '', '', '']);
  for (const scale of SCALES) {
    // γ·(σ_train/σ)²·s: atNoiseLevel's scaling at the noise level σ/√s
    const { params, release } = atNoiseLevel(ham.params, sizes.trainStd, sigma / Math.sqrt(scale));
    const converged = await denoise(ham, params, noisy, clean, runtime, 500);
    release();
    const diff = perDigitErrors(converged.images, clean).map((e, i) => e - stepped[i]!);
    const d = mean(diff);
    const se = Math.sqrt(diff.reduce((a, x) => a + (x - d) ** 2, 0) / (diff.length - 1) / diff.length);
    rows.push([
      m.name, `fixed point, γ × ${scale}`, converged.mse.toFixed(5), `${d >= 0 ? '+' : ''}${d.toExponential(2)} ± ${se.toExponential(1)}`,
      `${diff.filter((x) => x < 0).length} / ${diff.length}`, `${converged.converged} / ${test.count}`,
    ]);
  }
  ham.dispose();
}
console.log(markdownTable(['model', 'readout', 'MSE per pixel', `fixed point − ${sizes.steps} steps (± SE)`, 'digits where the fixed point is better', 'converged'], rows));
