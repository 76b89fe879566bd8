import { hypergraph, lagrangians as L, synapses as Y, tf } from '@hamux-ts/core';

// Three layers: pixels ↔ features ↔ memories, each with its own Lagrangian and time constant.
const ham = hypergraph()
  .layer('pixels', { shape: [784], lagrangian: L.identity() })
  .layer('features', { shape: [256], lagrangian: L.tanh({ beta: 1 }), tau: 0.5 })
  .layer('memories', { shape: [64], lagrangian: L.softmax({ beta: 4 }), tau: 0.1 })
  .synapse('encode', Y.dense(), ['pixels', 'features'])
  .synapse('recall', Y.dense(), ['features', 'memories'])
  .build({ seed: 0 });

const states = ham.randomStates(2, 42); // a batch of two samples
const tree = ham.energyTree(states);
const show = (t: tf.Tensor) => [...t.dataSync()].map((e) => e.toFixed(4)).join('  ');
for (const [name, e] of [...Object.entries(tree.layers), ...Object.entries(tree.synapses)]) {
  console.log(`${name.padEnd(10)} ${show(e)}`);
}
console.log(`${'total'.padEnd(10)} ${show(tree.total)}`);
