// MNIST recall, the main example (`npm run example`): store digits in a modern Hopfield memory,
// corrupt them (flipped pixels, a random half hidden, the bottom half hidden), and recall them by
// energy descent. Prints what happened in five lines and writes a labelled picture.
// Run: npm run example [-- --full] [-- --backend wasm] [-- --out DIR]
//  or, with the packages built: npm run start -w @hamux-ts/example-mnist-completion
import { join, relative } from 'node:path';
import { useBackend } from '@hamux-ts/backends';
import { balancedSubset, binaryToBipolar, blockMask, flip, invertMask, loadMnist, writeImageGrid, type Corrupted } from '@hamux-ts/data';
import { saveModel } from '../../shared/model.js';
import { exampleOptions } from '../../shared/options.js';
import { imageMemory, recall, recallLine, score } from './completion.js';

const options = exampleOptions(new URL('..', import.meta.url));
const runtime = await useBackend(options.backend); // passed to every descent: the fast path

const perClass = options.full ? 100 : 20; // stored digits per class
const beta = 0.1;
const stored = balancedSubset(loadMnist(), perClass, 7);
const size = stored.size;
const patterns = binaryToBipolar(Float32Array.from(stored.images, (v) => (v > 0.5 ? 1 : 0)));
const memory = imageMemory(patterns, size, beta);
const sources = Int32Array.from({ length: stored.count }, (_, i) => i);
console.log(
  `MNIST recall: ${stored.count} digits (${perClass} per class) stored as ±1 patterns in a modern Hopfield memory ` +
    `(β = ${beta}, ${runtime.backend} backend), corrupted three ways, recalled by energy descent:`,
);

const corruptions: { name: string; label: string; corrupted: Corrupted; clampKnown: boolean }[] = [
  { name: '25% of pixels flipped', label: '25% flipped', corrupted: flip(patterns, size, { fraction: 0.25, seed: 1 }), clampKnown: false },
  { name: 'random half hidden', label: 'half hidden', corrupted: randomHalf(), clampKnown: true },
  { name: 'bottom half hidden', label: 'bottom hidden', corrupted: blockMask(patterns, [28, 28, 1], { top: 14, left: 0, height: 14, width: 28 }), clampKnown: true },
];
function randomHalf(): Corrupted {
  // Hidden pixels read 0: neither ink (+1) nor paper (−1).
  const mask = flip(patterns, size, { fraction: 0.5, seed: 2 }).mask;
  return { data: Float32Array.from(patterns, (v, i) => (mask[i] ? 0 : v)), mask };
}

const shown = Array.from({ length: 10 }, (_, digit) => digit * perClass); // the first stored digit of each class
const pick = (data: Float32Array) => concat(shown.map((i) => data.subarray(i * size, (i + 1) * size)));
const rows: Float32Array[] = [];
const rowLabels: string[] = [];
for (const { name, label, corrupted, clampKnown } of corruptions) {
  const started = performance.now();
  const result = await recall(memory, corrupted.data, size, { runtime, ...(clampKnown ? { known: invertMask(corrupted.mask) } : {}) });
  const seconds = (performance.now() - started) / 1000;
  const before = score(corrupted.data, patterns, sources, size);
  const after = score(result.recalled, patterns, sources, size);
  console.log(`  ${recallLine(name, before, after, result, stored.count, seconds)}`);
  rows.push(pick(patterns), pick(corrupted.data), pick(result.recalled));
  rowLabels.push('original', label, 'recalled');
}
// The memory for other programs (the playground): its parameters are the stored digits.
saveModel(options.outDir, memory, { scheduler: { maxSteps: 400 }, metadata: { example: 'mnist-completion', perClass: String(perClass) } });
memory.dispose();
const png = join(options.outDir, 'completion.png');
writeImageGrid(png, rows, { shape: [28, 28], range: [-1, 1], scale: 2, columns: 10, rowLabels });
const where = relative(process.cwd(), png);
console.log(`picture: ${where.startsWith('..') ? png : where} (one digit per class; rows labelled original / corrupted / recalled)`);

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
