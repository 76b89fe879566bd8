// One classifier training step (784–256–10, 8 unrolled steps, cross-entropy, Adam, batch 64) on a
// backend, through the public API: median ms of `Trainer.trainBatch`, and which path computed the
// gradient (`trainer.path`). Not a test: a quick timing (benchmarks/ holds the one against PyTorch).
// Usage (after `npm run build`): node packages/train/bench/train-step.mjs [wasm|cpu] [reps=30] [auto|autodiff]
import { useBackend } from '@hamux-ts/backends';
import { buildFromConfig, presets } from '@hamux-ts/config';
import { deriveKey, tf, uniformValues } from '@hamux-ts/core';
import { Trainer, clampedInput, crossEntropy } from '@hamux-ts/train';
import { execSync } from 'node:child_process';

const [backend = 'wasm', repsArg = '30', method = 'auto'] = process.argv.slice(2);
const runtime = await useBackend(backend); // passed to the Trainer: host gradients, the fast path
const ham = buildFromConfig(presets.classifier({ input: 784, hidden: 256, labels: 10, seed: 5 }));
const B = 64;
const x = tf.tensor2d(uniformValues(deriveKey(105, 'x'), [B, 784]), [B, 784]);
const y = tf.tensor1d(Int32Array.from({ length: B }, (_, i) => (i * 7) % 10), 'int32');
const trainer = new Trainer(ham, {
  seed: 0, steps: 8, dt: 0.1, batchSize: B, method,
  prepare: clampedInput({ layer: 'input', field: 'x' }),
  loss: crossEntropy({ layer: 'label', field: 'y' }),
  optimizer: { name: 'adam', learningRate: 2e-3 },
  runtime,
});
const batch = { x, y };
for (let i = 0; i < 5; i++) await trainer.trainBatch(batch);
const ms = [];
const reps = Number(repsArg);
const before = tf.memory().numTensors;
for (let i = 0; i < reps; i++) {
  const t0 = performance.now();
  await trainer.trainBatch(batch);
  ms.push(performance.now() - t0);
}
ms.sort((a, b) => a - b);
const med = ms[Math.floor(ms.length / 2)];
console.log(JSON.stringify({
  backend: tf.getBackend(), gemm: runtime.report.kernels?.gemm ?? null, method,
  path: trainer.path ?? '(no path field)',
  medianMs: +med.toFixed(2), minMs: +ms[0].toFixed(2), maxMs: +ms[ms.length - 1].toFixed(2), reps,
  tensorsLeaked: tf.memory().numTensors - before,
  uptime: execSync('uptime').toString().trim(),
}));
trainer.dispose();
