// Pattern completion on MNIST: store digits in a modern Hopfield memory, corrupt them (flipped
// pixels, a random half hidden, the bottom half hidden), and recall them by energy descent.
// Run: npm run start -w @hamux-ts/example-mnist-completion [-- --full] [-- --backend wasm]
import { join } from 'node:path';
import { balancedSubset, binaryToBipolar, blockMask, flip, invertMask, loadMnist, writeImageGrid, type Corrupted } from '@hamux-ts/data';
import { saveModel } from '../../shared/model.js';
import { exampleOptions, startBackend } from '../../shared/options.js';
import { imageMemory, recall, score } from './completion.js';

const options = exampleOptions(new URL('..', import.meta.url));
await startBackend(options.backend);

const perClass = options.full ? 100 : 20; // stored digits per class
const beta = 0.1;
const stored = balancedSubset(loadMnist(), perClass, 7);
const size = stored.size;
const patterns = binaryToBipolar(Float32Array.from(stored.images, (v) => (v > 0.5 ? 1 : 0)));
const memory = imageMemory(patterns, size, beta);
const sources = Int32Array.from({ length: stored.count }, (_, i) => i);
console.log(`stored ${stored.count} digits (${perClass} per class) as ±1 patterns in a modern Hopfield memory, β = ${beta}`);

const corruptions: { name: string; corrupted: Corrupted; clampKnown: boolean }[] = [
  { name: '25% of pixels flipped', corrupted: flip(patterns, size, { fraction: 0.25, seed: 1 }), clampKnown: false },
  { name: 'random half hidden', corrupted: randomHalf(), clampKnown: true },
  { name: 'bottom half hidden', corrupted: blockMask(patterns, [28, 28, 1], { top: 14, left: 0, height: 14, width: 28 }), clampKnown: true },
];
function randomHalf(): Corrupted {
  // Hidden pixels read 0: neither ink (+1) nor paper (−1).
  const mask = flip(patterns, size, { fraction: 0.5, seed: 2 }).mask;
  return { data: Float32Array.from(patterns, (v, i) => (mask[i] ? 0 : v)), mask };
}

const shown = Array.from({ length: 10 }, (_, digit) => digit * perClass); // the first stored digit of each class
const pick = (data: Float32Array) => shown.map((i) => data.subarray(i * size, (i + 1) * size));
const rows: Float32Array[][] = [];
for (const { name, corrupted, clampKnown } of corruptions) {
  const started = performance.now();
  const { recalled, steps, converged } = await recall(memory, corrupted.data, size, clampKnown ? invertMask(corrupted.mask) : undefined);
  const s = score(recalled, patterns, sources, size);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${name.padEnd(22)} exact recall ${(100 * s.exact).toFixed(1)}%, nearest memory correct ${(100 * s.nearest).toFixed(1)}%, ` +
      `pixel error ${(100 * s.pixelError).toFixed(2)}%  (${steps} steps, ${converged}/${stored.count} converged, ${seconds.toFixed(1)} s)`,
  );
  rows.push(pick(patterns), pick(corrupted.data), pick(recalled));
}
// The memory for other programs (the playground): its parameters are the stored digits.
saveModel(options.outDir, memory, { scheduler: { maxSteps: 400 }, metadata: { example: 'mnist-completion', perClass: String(perClass) } });
memory.dispose();
const png = join(options.outDir, 'completion.png');
writeImageGrid(png, rows.map((r) => concat(r)), { shape: [28, 28], range: [-1, 1], scale: 2, columns: 10 });
console.log(`wrote ${png} (for each corruption: original / corrupted / recalled)`);

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
