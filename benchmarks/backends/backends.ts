// One scheduler step, timed through the scheduler's own `Relaxation` (what `descend` runs: the
// Euler update and the evaluation, read back every `checkEvery` steps) on the cpu, wasm and webgpu
// backends, for three models. Run (after building core, dynamics and backends):
//   npm run bench:backends -w @hamux-ts/benchmarks -- [--runs=5] [--check-every=10] [--backends=cpu,wasm,webgpu] [--models=small,mnist,et]
import { hypergraph, lagrangians as L, synapses as Y, tf, type HAM, type Tensor } from '@hamux-ts/core';
import { useBackend, takeWebgpuErrors } from '@hamux-ts/backends';
import { Relaxation, type Runtime } from '@hamux-ts/dynamics';
import { machineLine, median } from '../machine.js';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const runs = Number(arg('runs', '5'));
const checkEvery = Number(arg('check-every', '10'));
const backends = arg('backends', 'cpu,wasm,webgpu').split(',') as ('cpu' | 'wasm' | 'webgpu')[];
const only = arg('models', 'small,mnist,et').split(',');

type AnyHam = HAM<string, string>;
interface Model {
  key: string;
  name: string;
  batch: number;
  /** Include the neuron energies (HAMUX) or not (the Energy Transformer). */
  neuronEnergy: boolean;
  build: () => AnyHam;
}

/** A dense associative memory: a layer-normed feature layer and K memories (modern Hopfield, β = 4). */
const dam = (d: number, k: number) => () =>
  hypergraph()
    .layer('v', { shape: [d], lagrangian: L.layernorm() })
    .synapse('mem', Y.modernHopfield({ memories: k, beta: 4 }), ['v'])
    .build({ seed: 1 }) as unknown as AnyHam;

const MODELS: Model[] = [
  { key: 'small', name: 'small DAM (D 64, K 128, batch 16)', batch: 16, neuronEnergy: true, build: dam(64, 128) },
  { key: 'mnist', name: 'MNIST DAM (D 784, K 1000, batch 64)', batch: 64, neuronEnergy: true, build: dam(784, 1000) },
  {
    key: 'et',
    name: 'ET block (64 tokens × 128, 4 heads × 32, 256 memories, batch 8)',
    batch: 8,
    neuronEnergy: false,
    build: () =>
      hypergraph()
        .layer('tok', { shape: [64, 128], lagrangian: L.layernorm() })
        .synapse('att', Y.energyAttention({ heads: 4, headDim: 32 }), ['tok'])
        .synapse('hop', Y.reluSquaredMemory({ memories: 256, perToken: true }), ['tok'])
        .build({ seed: 1 }) as unknown as AnyHam,
  },
];

/**
 * A fixed-step relaxation of the model from seeded random states: the scheduler's own loop
 * (`Relaxation`, what `descend` runs), on `runtime` (`useBackend`'s: the path users run), or in
 * tfjs ops without one.
 */
function relaxation(model: Model, ham: AnyHam, runtime?: Runtime): Relaxation<string> {
  const init = ham.randomStates(model.batch, 2);
  try {
    return new Relaxation(ham, init, { mode: 'fixed', dt: 0.01, neuronEnergy: model.neuronEnergy, tolerance: { grad: 0, energy: 0, state: 0 }, ...(runtime ? { runtime } : {}) });
  } finally {
    tf.dispose(Object.values<Tensor>(init));
  }
}

/**
 * FLOPs of the matrix products one step executes (forward and backward, as the kernels run them:
 * 2·M·N·K each), from the shapes tfjs's profiler records. The inner size K is the size of the
 * first operand over M, whichever way it is transposed.
 */
async function matmulFlops(model: Model): Promise<number> {
  await useBackend('cpu');
  const ham = model.build();
  const s = relaxation(model, ham); // no runtime: the tfjs path, whose kernels the profiler sees
  const info = await tf.profile(() => { s.advance(); });
  s.dispose();
  ham.dispose();
  let flops = 0;
  for (const k of info.kernels) {
    if (!/MatMul/.test(k.name)) continue;
    const out = k.outputShapes[0] as number[];
    const a = k.inputShapes[0] as number[];
    const m = out[out.length - 2]!;
    const inner = (a[a.length - 1]! * a[a.length - 2]!) / m;
    flops += 2 * out.reduce((p, d) => p * d, 1) * inner;
  }
  return flops;
}

interface Row { model: string; backend: string; ms: number; min: number; max: number; gflops: number; note: string }

async function bench(model: Model, backend: (typeof backends)[number], flops: number): Promise<Row> {
  const runtime = await useBackend(backend);
  const ham = model.build();
  const s = relaxation(model, ham, runtime);
  // One window of `checkEvery` steps and its reading, as descend runs them.
  const window = async () => {
    const t0 = performance.now();
    s.advance(checkEvery);
    await s.read();
    return (performance.now() - t0) / checkEvery;
  };
  await window(); // warm-up: shader compilation, XNNPACK packing, allocation
  const perStep: number[] = [];
  for (let r = 0; r < runs; r++) perStep.push(await window());
  s.dispose();
  ham.dispose();
  const errors = takeWebgpuErrors();
  if (errors.length > 0) throw new Error(`WebGPU reported errors on ${model.name}: ${errors[0]}`);
  const ms = median(perStep);
  const a = runtime.report.adapter;
  const note = [a ? `${a.device || a.description}${a.software ? ' (software)' : ''}` : '', s.evaluator].filter((x) => x).join('; ');
  return { model: model.name, backend, ms, min: Math.min(...perStep), max: Math.max(...perStep), gflops: flops / (ms * 1e6), note };
}

const rows: Row[] = [];
const flopsOf = new Map<string, number>();
for (const model of MODELS.filter((m) => only.includes(m.key))) {
  flopsOf.set(model.key, await matmulFlops(model));
  for (const backend of backends) {
    try {
      rows.push(await bench(model, backend, flopsOf.get(model.key)!));
    } catch (e) {
      rows.push({ model: model.name, backend, ms: NaN, min: NaN, max: NaN, gflops: NaN, note: `did not run: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
}
await useBackend('cpu');

console.log(`# One scheduler step per backend: median of ${runs} windows of ${checkEvery} steps (one readback each), after one warm-up window`);
console.log(`# ${machineLine().replace(/ backend \S+$/, '')}`);
console.log('| model | matmul MFLOP / step | backend | ms / step (median) | min–max | steps / s | GFLOP/s | adapter |');
console.log('|---|---:|---|---:|---:|---:|---:|---|');
for (const r of rows) {
  const key = MODELS.find((m) => m.name === r.model)!.key;
  const f = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : '—');
  console.log(`| ${r.model} | ${(flopsOf.get(key)! / 1e6).toFixed(1)} | ${r.backend} | ${f(r.ms, r.ms < 10 ? 2 : 1)} | ${f(r.min, 1)}–${f(r.max, 1)} | ${f(1000 / r.ms, 1)} | ${f(r.gflops, 2)} | ${r.note} |`);
}
