// Steps and wall time to converge for a three-layer hierarchy as the ratio of the largest to the
// smallest time constant grows, single-rate against multi-rate. Run: npm run bench:stiffness -w @hamux-ts/benchmarks
import { hypergraph, lagrangians as L, synapses as Y, tf, type Tensor } from '@hamux-ts/core';
import { descendSync } from '@hamux-ts/dynamics';
import { machineLine, time } from '../machine.js';

tf.env().set('PROD', true);
const backend = process.argv.find((a) => a.startsWith('--backend='))?.slice(10) ?? 'cpu';
await tf.setBackend(backend);
await tf.ready();

const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 5);
const ratios = [1, 10, 100, 1000];
const maxSteps = 20_000;
// Only the gradient criterion counts here (energy/state criteria off), so both integrators are held
// to the same end point: |∂E/∂x̂| ≤ 1e-2 on every free neuron.
const tolerance = { grad: 1e-2, energy: 0, state: 0 };

function hierarchy(ratio: number) {
  // τ_v = ratio ≫ τ_h = sqrt(ratio) ≫ τ_m = 1: a slow feature layer, a hidden layer, fast memories.
  return hypergraph()
    .layer('v', { shape: [64], lagrangian: L.identity(), tau: ratio })
    .layer('h', { shape: [32], lagrangian: L.tanh(), tau: Math.sqrt(ratio) })
    .layer('m', { shape: [16], lagrangian: L.softmax({ beta: 2 }), tau: 1 })
    .synapse('vh', Y.dense(), ['v', 'h'])
    .synapse('hm', Y.dense(), ['h', 'm'])
    .build({ seed: 7 });
}

console.log(`# Stiffness: three-layer hierarchy, batch 8, tolerance |∂E/∂x̂| ≤ 1e-2, at most ${maxSteps} steps, median of ${runs} runs`);
console.log(`# ${machineLine()}`);
console.log('| τ ratio | integrator | steps (median over samples) | converged | wall time for the batch (ms, median) | min–max (ms) |');
console.log('|---:|---|---:|---:|---:|---:|');
for (const ratio of ratios) {
  const ham = hierarchy(ratio);
  const init = ham.randomStates(8, 1);
  for (const multirate of [false, true]) {
    const t = time(() => {
      const r = descendSync(ham, init, { multirate, maxSteps, tolerance, checkEvery: 20 });
      Object.values<Tensor>(r.states).forEach((s) => s.dispose());
      return r;
    }, runs);
    const steps = t.last.report.map((r) => r.steps).sort((a, b) => a - b);
    const med = steps[steps.length >> 1];
    const conv = t.last.report.filter((r) => r.converged).length;
    console.log(`| ${ratio} | ${multirate ? 'multi-rate' : 'single-rate'} | ${med} | ${conv}/8 | ${t.median.toFixed(0)} | ${t.min.toFixed(0)}–${t.max.toFixed(0)} |`);
  }
  Object.values<Tensor>(init).forEach((s) => s.dispose());
  ham.dispose();
}
