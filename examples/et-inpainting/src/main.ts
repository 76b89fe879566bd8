// Energy Transformer inpainting on MNIST: digits cut into 4×4 patches, half of each digit's patches
// hidden, and the hidden ones reconstructed by energy descent: the visible patches are clamped,
// the hidden patches and the tokens relax. The Energy Transformer is trained by backpropagating the
// error on the hidden patches through T unrolled descent steps, then scored on held-out digits
// next to trivial fills (the mean training digit, the mean patch, blank).
// Run: npm run start -w @hamux-ts/example-et-inpainting [-- --full] [-- --backend wasm]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveKey } from '@hamux-ts/core';
import { balancedSubset, loadMnist, pick, split, unpatchify, writeImageGrid } from '@hamux-ts/data';
import { linePlot } from '@hamux-ts/plot';
import { progressBar } from '@hamux-ts/train';
import { saveModel } from '../../shared/model.js';
import { exampleOptions, startBackend } from '../../shared/options.js';
import {
  HIDDEN_FRACTION, IMAGE, fillHidden, geometry, hiddenMse, hiddenPatches, inpaint, meanImage, meanPatch, toPatches, trainInpainter,
  type Sizes,
} from './inpainting.js';

const options = exampleOptions(new URL('..', import.meta.url));
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
  epochs: full ? 10 : 6,
  batchSize: 16,
  learningRate: 3e-3,
  seed: 1,
};
const perClass = { train: 690, test: full ? 150 : 50 }; // the smallest classes have 690 training and 172 held-out digits
const { n, p } = geometry(sizes.patch);
const { train: trainPool, test: testPool } = split(loadMnist(), { test: 2000, seed: 0 });
const trainSet = balancedSubset(trainPool, perClass.train, 1);
const testSet = balancedSubset(testPool, perClass.test, 2); // grouped by class
const train = toPatches(trainSet.images, sizes.patch);
const test = toPatches(testSet.images, sizes.patch);
console.log(
  `train ${trainSet.count} digits, test ${testSet.count}; ${n} patches of ${p} pixels, ${Math.round(HIDDEN_FRACTION * n)} hidden per digit; ` +
    `D ${sizes.dim}, ${sizes.heads} heads × ${sizes.headDim}, ${sizes.memories} memories; T ${sizes.steps} steps of dt ${sizes.dt}; ` +
    `${sizes.epochs} epochs, batch ${sizes.batchSize}, Adam ${sizes.learningRate}`,
);

// Train (the per-epoch validation loss is on 200 held-out digits with masks drawn per epoch).
const spread = Int32Array.from({ length: 200 }, (_, i) => Math.floor((i * testSet.count) / 200));
const held = toPatches(pick(testSet, spread).images, sizes.patch);
const started = performance.now();
const { trainer, reports, numParams } = await trainInpainter(train, held, sizes, runtime, progressBar(process.stderr));
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

// Run on to a minimum of the energy, on 10 digits per class.
const some = Int32Array.from({ length: 100 }, (_, i) => Math.floor(i / 10) * perClass.test + (i % 10));
const somePatches = toPatches(pick(testSet, some).images, sizes.patch);
const someHidden = Uint8Array.from({ length: some.length * n }, (_, i) => hidden[some[Math.floor(i / n)]! * n + (i % n)]!);
const toMinimum = await inpaint(ham, somePatches, someHidden, { params: trainer.params, dt: sizes.dt, maxSteps: 300, runtime });

const fills = { meanDigit: meanImage(train, n * p), meanPatch: meanPatch(train, p), blank: new Float32Array(p) };
const score = (patches: Float32Array) => hiddenMse(patches, test, hidden, p);
const onSome = (patches: Float32Array) => hiddenMse(patches, somePatches, someHidden, p);
const sameSome = Float32Array.from({ length: somePatches.length }, (_, i) => asTrained.patches[some[Math.floor(i / (n * p))]! * n * p + (i % (n * p))]!);
const row = (name: string, mse: number, note = '') => console.log(`  ${name.padEnd(66)} ${mse.toFixed(4)}${note}`);
console.log(`MSE on the hidden patches of ${testSet.count} held-out digits (pixels in [0, 1]):`);
row(`Energy Transformer (energy descent, ${sizes.steps} steps of dt ${sizes.dt}, as trained)`, score(asTrained.patches),
  `  (${asTrained.rejected} steps halved, ${inpaintSeconds.toFixed(1)} s)`);
row('baseline: each hidden patch from the mean training digit', score(fillHidden(test, hidden, fills.meanDigit, p)));
row('baseline: the mean patch everywhere', score(fillHidden(test, hidden, fills.meanPatch, p)));
row('baseline: blank (0)', score(fillHidden(test, hidden, fills.blank, p)));
console.log(`on 100 of them (10 per class), descent run on to a minimum (${toMinimum.steps} steps, ${toMinimum.converged}/100 converged): ` +
  `MSE ${onSome(toMinimum.patches).toFixed(4)} vs ${onSome(sameSome).toFixed(4)} after the ${sizes.steps} trained steps ` +
  `(the model is trained as a ${sizes.steps}-step descent, as in the Energy Transformer paper)`);

// Pictures: the first held-out digit of each class, masked / reconstructed / original.
const shown = Array.from({ length: 10 }, (_, c) => c * perClass.test);
const images = (patches: Float32Array) => unpatchify(concat(shown.map((i) => patches.subarray(i * n * p, (i + 1) * n * p))), IMAGE, sizes.patch);
const greyHidden = fillHidden(test, hidden, new Float32Array(p).fill(0.5), p);
const png = join(options.outDir, 'inpainting.png');
writeImageGrid(png, [images(greyHidden), images(asTrained.patches), images(test)], { shape: [28, 28], scale: 3, columns: 10, rowLabels: ['hidden', 'reconstructed', 'original'] });
console.log(`wrote ${png} (rows: hidden patches in grey / reconstructed / original)`);

// The energy along the run to a minimum, for the first digit of each class.
const curves = Array.from({ length: 10 }, (_, c) => toMinimum.energies[c * 10]!);
const low = Math.min(...curves.map((e) => e.at(-1)!)), high = Math.max(...curves.map((e) => e[0]!));
const svg = linePlot(
  [
    ...curves.map((e, c) => ({ name: `digit ${testSet.labels[shown[c]!]}`, x: Array.from(e, (_, t) => t), y: e })),
    { name: `step ${sizes.steps}: end of the trained descent`, x: [sizes.steps, sizes.steps], y: [low, high], dashed: true, colour: '#777777' },
  ],
  { title: `Energy during inpainting (adaptive descent; trained for the first ${sizes.steps} steps)`, xLabel: 'step', yLabel: 'energy' },
);
const svgPath = join(options.outDir, 'energy.svg');
writeFileSync(svgPath, svg);
console.log(`wrote ${svgPath}`);
// The trained model for other programs (the playground): config + parameters.
saveModel(options.outDir, ham, {
  params: trainer.params,
  scheduler: { mode: 'fixed', dt: sizes.dt, maxSteps: sizes.steps, neuronEnergy: true },
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
