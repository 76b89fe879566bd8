// Energy Transformer inpainting on MNIST: digits cut into 4×4 patches, half of each digit's patches
// hidden, and the hidden ones reconstructed by energy descent: the visible patches are clamped,
// the hidden patches and the tokens relax. The Energy Transformer is trained by backpropagating the
// error on the hidden patches through T unrolled descent steps (or, with `--fixed-point`, at the
// fixed point the descent comes to rest at), then scored on held-out digits after T steps and at
// convergence, next to trivial fills (the mean training digit, the mean patch, blank).
// Run: npm run start -w @hamux-ts/example-et-inpainting [-- --full] [-- --backend wasm]
//      [-- --fixed-point implicit|equilibrium] [-- --init DIR] [-- --epochs N]: `--init out` fine-tunes
//      the model a previous run saved there (e.g. the unrolled one, at the fixed point); [-- --standard]:
//      MNIST's standard split.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveKey } from '@hamux-ts/core';
import { balancedSubset, pick, unpatchify, writeImageGrid } from '@hamux-ts/data';
import { linePlot } from '@hamux-ts/plot';
import { progressBar } from '@hamux-ts/train';
import { loadModel, saveModel } from '../../shared/model.js';
import { digitsLabel, mnistDigits } from '../../shared/digits.js';
import { exampleOptions, startBackend } from '../../shared/options.js';
import {
  HIDDEN_FRACTION, IMAGE, fillHidden, geometry, hiddenMse, hiddenPatches, inpaint, meanImage, meanPatch, toPatches, trainInpainter,
  type Sizes,
} from './inpainting.js';

const options = exampleOptions(new URL('..', import.meta.url), { learns: ['--fixed-point', '--epochs', '--standard', '--init'] });
const runtime = await startBackend(options.backend);
const full = options.full;
const sizes: Sizes = {
  patch: 4,
  dim: full ? 64 : 32,
  heads: full ? 4 : 2,
  headDim: 16,
  memories: full ? 128 : 64,
  steps: 6,
  dt: 0.5,
  epochs: options.epochs ?? (full ? 10 : 6),
  batchSize: 16,
  learningRate: 3e-3,
  seed: 1,
  ...(options.fixedPoint ? { fixedPoint: options.fixedPoint } : {}),
};
const perClass = { train: 690, test: full ? 150 : 50 }; // the smallest classes have 690 training and 172 held-out digits
const { n, p } = geometry(sizes.patch);
const { train: trainPool, test: testPool } = mnistDigits(options.standard);
const trainSet = balancedSubset(trainPool, perClass.train, 1);
const testSet = balancedSubset(testPool, perClass.test, 2); // grouped by class
const train = toPatches(trainSet.images, sizes.patch);
const test = toPatches(testSet.images, sizes.patch);
console.log(
  `${digitsLabel(options.standard)}: train ${trainSet.count} digits, test ${testSet.count}; ${n} patches of ${p} pixels, ${Math.round(HIDDEN_FRACTION * n)} hidden per digit; ` +
    `D ${sizes.dim}, ${sizes.heads} heads × ${sizes.headDim}, ${sizes.memories} memories; T ${sizes.steps} steps of dt ${sizes.dt}; ` +
    `${sizes.epochs} epochs, batch ${sizes.batchSize}, Adam ${sizes.learningRate}; ` +
    (sizes.fixedPoint ? `trained at the fixed point (${sizes.fixedPoint})` : `trained through ${sizes.steps} unrolled steps`) +
    (options.init ? `, starting from the model in ${options.init}` : ''),
);

// Train (the per-epoch validation loss is on 200 held-out digits with masks drawn per epoch).
const spread = Int32Array.from({ length: 200 }, (_, i) => Math.floor((i * testSet.count) / 200));
const held = toPatches(pick(testSet, spread).images, sizes.patch);
const started = performance.now();
const { trainer, reports, numParams } = await trainInpainter(train, held, sizes, runtime, progressBar(process.stderr),
  options.init ? (preset) => loadModel(options.init!, preset) : undefined);
const trainSeconds = (performance.now() - started) / 1000;
console.log(`trained ${numParams} parameters: ${trainer.step} Adam steps in ${trainSeconds.toFixed(0)} s ` +
  `(${((sizes.epochs * trainSet.count) / trainSeconds).toFixed(0)} digits/s); validation MSE by epoch: ` +
  reports.map((r) => r.validation!.loss.toFixed(4)).join(', '));

// Inpaint every held-out digit with the trained dynamics: T steps of dt, energy never rising.
const hidden = hiddenPatches(testSet.count, n, HIDDEN_FRACTION, deriveKey(sizes.seed, 'test mask'));
const ham = trainer.ham;
const t0 = performance.now();
const asTrained = await inpaint(ham, test, hidden, { params: trainer.params, dt: sizes.dt, grow: 1, maxSteps: sizes.steps, runtime });
const inpaintSeconds = (performance.now() - t0) / 1000;

// Run on to a minimum of the energy: the scheduler's adaptive steps until every digit converges.
const t1 = performance.now();
const toMinimum = await inpaint(ham, test, hidden, { params: trainer.params, dt: sizes.dt, maxSteps: 1000, runtime });
const minimumSeconds = (performance.now() - t1) / 1000;

const fills = { meanDigit: meanImage(train, n * p), meanPatch: meanPatch(train, p), blank: new Float32Array(p) };
const score = (patches: Float32Array) => hiddenMse(patches, test, hidden, p);
const row = (name: string, mse: number, note = '') => console.log(`  ${name.padEnd(66)} ${mse.toFixed(4)}${note}`);
console.log(`MSE on the hidden patches of ${testSet.count} held-out digits (pixels in [0, 1]):`);
row(`Energy Transformer, after ${sizes.steps} descent steps of dt ${sizes.dt}`, score(asTrained.patches),
  `  (${asTrained.rejected} steps halved, ${inpaintSeconds.toFixed(1)} s)`);
row('Energy Transformer, at convergence (adaptive descent to a minimum)', score(toMinimum.patches),
  `  (${toMinimum.steps} steps, ${toMinimum.converged}/${testSet.count} converged, ${minimumSeconds.toFixed(1)} s)`);
row('baseline: each hidden patch from the mean training digit', score(fillHidden(test, hidden, fills.meanDigit, p)));
row('baseline: the mean patch everywhere', score(fillHidden(test, hidden, fills.meanPatch, p)));
row('baseline: blank (0)', score(fillHidden(test, hidden, fills.blank, p)));

// Pictures: the first held-out digit of each class, masked / reconstructed / original.
const shown = Array.from({ length: 10 }, (_, c) => c * perClass.test);
const images = (patches: Float32Array) => unpatchify(concat(shown.map((i) => patches.subarray(i * n * p, (i + 1) * n * p))), IMAGE, sizes.patch);
const greyHidden = fillHidden(test, hidden, new Float32Array(p).fill(0.5), p);
const png = join(options.outDir, 'inpainting.png');
writeImageGrid(png, [images(greyHidden), images(asTrained.patches), images(toMinimum.patches), images(test)], {
  shape: [28, 28], scale: 3, columns: 10, rowLabels: ['hidden', `after ${sizes.steps} steps`, 'at convergence', 'original'],
});
console.log(`wrote ${png} (rows: hidden patches in grey / after ${sizes.steps} steps / at convergence / original)`);

// The energy along the run to a minimum, for the first digit of each class.
const curves = shown.map((i) => toMinimum.energies[i]!);
const low = Math.min(...curves.map((e) => e.at(-1)!)), high = Math.max(...curves.map((e) => e[0]!));
const svg = linePlot(
  [
    ...curves.map((e, c) => ({ name: `digit ${testSet.labels[shown[c]!]}`, x: Array.from(e, (_, t) => t), y: e })),
    { name: `step ${sizes.steps}: end of the trained descent`, x: [sizes.steps, sizes.steps], y: [low, high], dashed: true, colour: '#777777' },
  ],
  { title: `Energy during inpainting (adaptive descent; ${sizes.fixedPoint ? 'trained at the fixed point' : `trained for the first ${sizes.steps} steps`})`, xLabel: 'step', yLabel: 'energy' },
);
const svgPath = join(options.outDir, 'energy.svg');
writeFileSync(svgPath, svg);
console.log(`wrote ${svgPath}`);
// The trained model for other programs (the playground): config + parameters.
saveModel(options.outDir, ham, {
  params: trainer.params,
  // trained at the fixed point: descend to a minimum; else the T trained steps
  scheduler: sizes.fixedPoint ? { mode: 'adaptive', dt: sizes.dt, maxSteps: 1000, neuronEnergy: true } : { mode: 'fixed', dt: sizes.dt, maxSteps: sizes.steps, neuronEnergy: true },
  metadata: { example: 'et-inpainting', patch: String(sizes.patch), hiddenFraction: String(HIDDEN_FRACTION) },
});
trainer.dispose();
ham.dispose();

function concat(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((k, part) => k + part.length, 0));
  let o = 0;
  for (const part of parts) { out.set(part, o); o += part.length; }
  return out;
}
