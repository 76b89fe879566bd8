// One energy-descent step (and one training step) in hamux-ts against the same computation in numpy
// on the same inputs, side by side. Run: npm run bench:step -w @hamux-ts/benchmarks [-- --runs=20]
//
// Cases (the issue's): (a) modern Hopfield memory, batch 64, 784 features, 1000 memories;
// (b) dense HAM 784 → 512 → 256, batch 64; (c) Energy Transformer block, batch 8, 64 tokens of 128,
// 4 heads of 32, 256 memories; (d) a tiny graph, two layers of 16, batch 1; (e) a training step of
// (a): 8 Euler steps forward and the gradient of ½‖x₈ − target‖² with respect to ξ.
//
// hamux-ts paths, each with the OpenBLAS addon ("native") and without it (WebAssembly SIMD):
// - lean: @hamux-ts/kernels' fused step on host arrays (compileLeanStep), and for (e) its
//   training step (leanTrainStep: forward and hand-derived backward, tested against autodiff);
// - tfjs: HAM.energyAndDEdxhat and tf.grads on the tfjs wasm backend, with the matrix products
//   replaced by ours (enableFastKernels), i.e. the general path user components take.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hypergraph, lagrangians as L, synapses as Y, tf, type HAM, type Tensor } from '@hamux-ts/core';
import { useBackend } from '@hamux-ts/backends';
// The same module instance as @hamux-ts/backends' (its dist): a second copy from the sources would
// keep its own kernel registrations, and "stock" rows would still run on ours.
import { compileLeanStep, disableFastKernels, enableFastKernels, leanTrainStep, type LeanStep } from '@hamux-ts/kernels';
import { machineLine, median } from '../machine.js';

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const runs = Number(arg('runs', '20'));
const rounds = Number(arg('rounds', '3'));
const python = arg('python', '/usr/bin/python3');
const modes = arg('modes', 'native,wasm').split(',') as Array<'native' | 'wasm'>;

tf.env().set('PROD', true);
await useBackend('wasm');

// ---------------------------------------------------------------- the graphs and their inputs
type AnyHam = HAM<string, string>;
interface Case {
  id: 'a' | 'b' | 'c' | 'd' | 'e';
  title: string;
  /** Matrix-product FLOPs of one step (2MNK each): what GFLOP/s is computed from. */
  flop: number;
  ham: AnyHam;
  batch: number;
  dt: number;
  neuronEnergy: boolean;
}

const beta = 0.05;
const hopfield = () =>
  hypergraph()
    .layer('v', { shape: [784], lagrangian: L.identity() })
    .synapse('mem', Y.modernHopfield({ memories: 1000, beta }), ['v'])
    .build({ seed: 1 }) as AnyHam;
const cases: Case[] = [
  { id: 'a', title: '(a) modern Hopfield 64×784, 1000 memories', flop: 2 * 2 * 64 * 784 * 1000, ham: hopfield(), batch: 64, dt: 0.1, neuronEnergy: true },
  {
    id: 'b', title: '(b) dense HAM 784→512→256, batch 64', flop: 2 * 2 * 64 * 784 * 512 + 2 * 2 * 64 * 512 * 256,
    ham: hypergraph()
      .layer('v', { shape: [784], lagrangian: L.identity() })
      .layer('h1', { shape: [512], lagrangian: L.relu() })
      .layer('h2', { shape: [256], lagrangian: L.softmax() })
      .synapse('W1', Y.dense(), ['v', 'h1'])
      .synapse('W2', Y.dense(), ['h1', 'h2'])
      .build({ seed: 2 }) as AnyHam,
    batch: 64, dt: 0.1, neuronEnergy: true,
  },
  {
    id: 'c', title: '(c) Energy Transformer 8×64×128, 4 heads, 256 memories',
    flop: 2 * (2 * 512 * 128 * 128) + 2 * 8 * 4 * 64 * 64 * 32 + 2 * (2 * 8 * 4 * 64 * 64 * 32) + 2 * (2 * 512 * 128 * 128) + 2 * (2 * 512 * 256 * 128),
    ham: hypergraph()
      .layer('t', { shape: [64, 128], lagrangian: L.layernorm() })
      .synapse('att', Y.energyAttention({ heads: 4, headDim: 32 }), ['t'])
      .synapse('mem', Y.reluSquaredMemory({ memories: 256, perToken: true }), ['t'])
      .build({ seed: 3 }) as AnyHam,
    batch: 8, dt: 0.1, neuronEnergy: false,
  },
  {
    id: 'd', title: '(d) tiny: two layers of 16, batch 1', flop: 2 * 2 * 16 * 16,
    ham: hypergraph()
      .layer('v', { shape: [16], lagrangian: L.identity() })
      .layer('h', { shape: [16], lagrangian: L.softmax() })
      .synapse('W', Y.dense(), ['v', 'h'])
      .build({ seed: 4 }) as AnyHam,
    batch: 1, dt: 0.1, neuronEnergy: true,
  },
];
const trainSteps = 8;
const trainFlop = trainSteps * 6 * 2 * 64 * 784 * 1000; // 2 products forward, 4 backward, per step
const trainHam = hopfield();

/** Host copies of a case's initial states. */
function hostStates(c: Case): Record<string, Float32Array> {
  const s = c.ham.randomStates(c.batch, 100 + c.id.charCodeAt(0), c.id === 'c' ? 1 : 0.5);
  const out = Object.fromEntries(c.ham.layerNames.map((n) => [n, Float32Array.from(s[n]!.dataSync())]));
  tf.dispose(Object.values<Tensor>(s));
  return out;
}
const init = Object.fromEntries(cases.map((c) => [c.id, hostStates(c)])) as Record<string, Record<string, Float32Array>>;
const trainX0 = Float32Array.from(tf.tidy(() => tf.randomNormal([64, 784], 0, 0.5, 'float32', 7)).dataSync());
const trainTarget = Float32Array.from(tf.tidy(() => tf.randomNormal([64, 784], 0, 0.5, 'float32', 8)).dataSync());
const param = (h: AnyHam, s: string, p: string) => Float32Array.from(h.params.synapses[s]![p]!.dataSync());

// ---------------------------------------------------------------- numpy, on the same inputs
const dir = mkdtempSync(join(tmpdir(), 'hamux-bench-step-'));
const manifest: { cases: string[]; arrays: Record<string, number[]>; [k: string]: unknown } = { cases: ['a', 'b', 'c', 'd', 'e'], arrays: {} };
const put = (name: string, values: Float32Array, shape: number[]) => {
  writeFileSync(join(dir, `${name}.bin`), values);
  manifest.arrays[name] = shape;
};
{
  const [a, b, c, d] = cases as [Case, Case, Case, Case];
  put('a.v', init.a!.v!, [64, 784]);
  put('a.xi', param(a.ham, 'mem', 'xi'), [1000, 784]);
  manifest['a'] = { beta, dt: a.dt };
  put('b.v', init.b!.v!, [64, 784]);
  put('b.h1', init.b!.h1!, [64, 512]);
  put('b.h2', init.b!.h2!, [64, 256]);
  put('b.W1', param(b.ham, 'W1', 'W'), [784, 512]);
  put('b.W2', param(b.ham, 'W2', 'W'), [512, 256]);
  manifest['b'] = { dt: b.dt };
  put('c.t', init.c!.t!, [8, 64, 128]);
  put('c.Wk', param(c.ham, 'att', 'Wk'), [4, 32, 128]);
  put('c.Wq', param(c.ham, 'att', 'Wq'), [4, 32, 128]);
  put('c.xi', param(c.ham, 'mem', 'xi'), [256, 128]);
  put('c.delta', Float32Array.from(c.ham.params.layers['t']!['delta']!.dataSync()), [128]);
  manifest['c'] = {
    beta: c.ham.params.synapses['att']!['beta']!.dataSync()[0], gamma: c.ham.params.layers['t']!['gamma']!.dataSync()[0],
    eps: (c.ham.layers['t']!.lagrangian.options as { eps: number }).eps, dt: c.dt,
  };
  put('d.v', init.d!.v!, [1, 16]);
  put('d.h', init.d!.h!, [1, 16]);
  put('d.W', param(d.ham, 'W', 'W'), [16, 16]);
  manifest['d'] = { dt: d.dt };
  put('e.x0', trainX0, [64, 784]);
  put('e.target', trainTarget, [64, 784]);
  put('e.xi', param(trainHam, 'mem', 'xi'), [1000, 784]);
  manifest['e'] = { beta, dt: 0.1, steps: trainSteps };
}
writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
const here = fileURLToPath(new URL('.', import.meta.url));
const loads = [loadavg()[0]!];
const machine = machineLine();
interface NumpyCase { median_ms: number; min_ms: number; max_ms: number; runs: number; energy: number[]; grads: Record<string, number[]> }
interface NumpyRun { numpy: string; python: string; blas: unknown; cases: Record<string, NumpyCase> }
function runNumpy(): NumpyRun {
  const py = spawnSync(python, [join(here, 'numpy_step.py'), dir, String(runs)], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (py.status !== 0) throw new Error(`${python} numpy_step.py failed: ${py.stderr || py.error?.message}`);
  return JSON.parse(py.stdout) as NumpyRun;
}

// ---------------------------------------------------------------- hamux-ts
/** max |a − b| / (1 + max |b|) over numpy's sample (every k-th entry). */
function agreement(ours: ArrayLike<number>, theirs: number[]): number {
  const step = Math.max(1, Math.floor(ours.length / 4096));
  let worst = 0, scale = 0;
  for (let i = 0, j = 0; j < theirs.length && i < ours.length; i += step, j++) {
    worst = Math.max(worst, Math.abs(ours[i]! - theirs[j]!));
    scale = Math.max(scale, Math.abs(theirs[j]!));
  }
  return worst / (1 + scale);
}

function timeIt(f: () => void, n: number, warmup = Math.max(3, Math.floor(n / 5))) {
  for (let i = 0; i < warmup; i++) f();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  return { median: median(ms), min: Math.min(...ms), max: Math.max(...ms) };
}

interface Row { caseId: string; path: string; median: number; min: number; max: number; agree: number; ops?: number }
const reports: string[] = [];
const numpyRounds: NumpyRun[] = [];
const roundRows: Row[][] = [];
// Rounds of numpy then hamux-ts, so that both sides see the same spells of load from other work.
for (let round = 0; round < rounds; round++) {
const numpy = runNumpy();
numpyRounds.push(numpy);
const rows: Row[] = [];
roundRows.push(rows);
for (const mode of modes) {
  const report = await enableFastKernels({ native: mode === 'native' });
  if (mode === 'native' && !report.native) {
    if (round === 0) reports.push(`native: not available (${report.reasons.native})`);
    continue;
  }
  if (round === 0) reports.push(`${mode}: gemm ${report.gemm}${report.blas ? ` (${report.blas.config.trim()}, ${report.blas.threads} threads)` : ''}${report.wasmThreads && report.gemm === 'wasm' ? ` on ${report.wasmThreads} threads` : ''}`);
  for (const c of cases) {
    const n = c.id === 'd' ? runs * 50 : runs;
    const np = numpy.cases[c.id]!;
    // lean step on host arrays
    const lean = compileLeanStep(c.ham, { neuronEnergy: c.neuronEnergy }) as LeanStep<string>;
    const x = Object.fromEntries(Object.entries(init[c.id]!).map(([k, v]) => [k, Float32Array.from(v)]));
    const first = lean.energyAndDEdxhat(x, c.batch);
    const agree = Math.max(agreement(first.energy, np.energy), ...Object.keys(np.grads).map((k) => agreement(first.dEdxhat[k]!, np.grads[k]!)));
    const t = timeIt(() => lean.step(x, c.batch, c.dt), n);
    rows.push({ caseId: c.id, path: `lean, ${mode}`, ...t, agree });
    // the general tfjs path: HAM.energyAndDEdxhat + an Euler update, tfjs wasm backend, our matmul
    let s = Object.fromEntries(Object.entries(init[c.id]!).map(([k, v]) => [k, tf.tensor(v, [c.batch, ...c.ham.layers[k]!.shape])]));
    const firstT = c.ham.energyAndDEdxhat(s, { neuronEnergy: c.neuronEnergy });
    const agreeT = Math.max(agreement(firstT.energy.dataSync(), np.energy),
      ...Object.keys(np.grads).map((k) => agreement(firstT.dEdxhat[k]!.dataSync(), np.grads[k]!)));
    tf.dispose([firstT.energy, ...Object.values<Tensor>(firstT.dEdxhat)]);
    const tfjsStep = () => {
      const { energy, dEdxhat } = c.ham.energyAndDEdxhat(s, { neuronEnergy: c.neuronEnergy });
      const next = tf.tidy(() => Object.fromEntries(Object.keys(s).map((k) => [k, tf.sub(s[k]!, tf.mul(c.dt, dEdxhat[k]!))])));
      energy.dataSync();
      tf.dispose([energy, ...Object.values<Tensor>(dEdxhat), ...Object.values<Tensor>(s)]);
      s = next;
    };
    const tt = timeIt(tfjsStep, c.id === 'd' ? runs * 5 : runs);
    // How many tfjs kernels one step dispatches (each costs 12–30 µs before any arithmetic).
    const ops = (await tf.profile(() => { tfjsStep(); return []; })).kernels.length;
    tf.dispose(Object.values<Tensor>(s));
    rows.push({ caseId: c.id, path: `tfjs wasm backend, ${mode} matmul`, ...tt, agree: agreeT, ops });
  }
  // (e) training step
  {
    const np = numpy.cases['e']!;
    const xi = param(trainHam, 'mem', 'xi');
    const train = leanTrainStep(trainHam, { layer: 'v', synapse: 'mem', steps: trainSteps, dt: 0.1 });
    if (typeof train === 'string') throw new Error(train);
    const r = train.lossAndGrad(trainX0, trainTarget, 64, xi);
    const agree = Math.max(agreement([r.loss], np.energy), agreement(r.dxi, np.grads['dxi']!));
    const t = timeIt(() => train.lossAndGrad(trainX0, trainTarget, 64, xi), Math.max(3, runs >> 2), 1);
    rows.push({ caseId: 'e', path: `lean, ${mode}`, ...t, agree });
    // tfjs: unrolled HAM.dEdxhat under tf.valueAndGrad
    const x0 = tf.tensor2d(trainX0, [64, 784]), target = tf.tensor2d(trainTarget, [64, 784]);
    const xiT = tf.tensor2d(xi, [1000, 784]);
    const lossOf = (w: Tensor) => {
      const params = { layers: trainHam.params.layers, synapses: { mem: { ...trainHam.params.synapses['mem']!, xi: w } } };
      let xs = x0;
      for (let k = 0; k < trainSteps; k++) xs = tf.sub(xs, tf.mul(0.1, trainHam.dEdxhat({ v: xs }, { params })['v']!));
      return tf.mul(0.5, tf.sum(tf.square(tf.sub(xs, target))));
    };
    const run = () => {
      const { value, grad } = tf.tidy(() => tf.valueAndGrad(lossOf)(xiT));
      const out = { loss: value.dataSync()[0]!, dxi: grad.dataSync() };
      tf.dispose([value, grad]);
      return out;
    };
    const firstT = run();
    const agreeT = Math.max(agreement([firstT.loss], np.energy), agreement(firstT.dxi, np.grads['dxi']!));
    const tt = timeIt(run, Math.max(3, runs >> 2), 1);
    const ops = (await tf.profile(() => { run(); return []; })).kernels.length;
    tf.dispose([x0, target, xiT]);
    rows.push({ caseId: 'e', path: `tfjs wasm backend, ${mode} matmul`, ...tt, agree: agreeT, ops });
  }
}

loads.push(loadavg()[0]!);
}
rmSync(dir, { recursive: true, force: true });

// Where hamux-ts started: the tfjs cpu backend with its own kernels (a few runs: it is slow).
const stockRows: Row[] = [];
if (arg('stock', '1') !== '0') {
  await useBackend('cpu', { fastKernels: false }); // useBackend turns our kernels on by default
  disableFastKernels();
  for (const c of cases) {
    let s = Object.fromEntries(Object.entries(init[c.id]!).map(([k, v]) => [k, tf.tensor(v, [c.batch, ...c.ham.layers[k]!.shape])]));
    const t = timeIt(() => {
      const { energy, dEdxhat } = c.ham.energyAndDEdxhat(s, { neuronEnergy: c.neuronEnergy });
      const next = tf.tidy(() => Object.fromEntries(Object.keys(s).map((k) => [k, tf.sub(s[k]!, tf.mul(c.dt, dEdxhat[k]!))])));
      energy.dataSync();
      tf.dispose([energy, ...Object.values<Tensor>(dEdxhat), ...Object.values<Tensor>(s)]);
      s = next;
    }, c.id === 'd' ? 50 : 5, 2);
    tf.dispose(Object.values<Tensor>(s));
    stockRows.push({ caseId: c.id, path: 'tfjs cpu backend, stock kernels', ...t, agree: Number.NaN });
  }
}

// ---------------------------------------------------------------- the table
// Per case and path, the round whose median was lowest (least disturbed), for numpy and hamux-ts alike.
const numpy = numpyRounds[0]!;
const bestNumpy = (id: string) => numpyRounds.map((r) => r.cases[id]!).reduce((a, b) => (b.median_ms < a.median_ms ? b : a));
const bestRows = roundRows[0]!.map((r0) =>
  roundRows.map((rs) => rs.find((r) => r.caseId === r0.caseId && r.path === r0.path)!).reduce((a, b) => (b.median < a.median ? b : a)));
const titles: Record<string, readonly [string, number]> = Object.fromEntries([
  ...cases.map((c) => [c.id, [c.title, c.flop]] as const),
  ['e', [`(e) training step of (a): ${trainSteps} steps + backward`, trainFlop]],
]);
const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`);
const gflops = (flop: number, ms: number) => (flop / ms / 1e6).toFixed(flop < 1e5 ? 3 : 1);
console.log(`# Step benchmark: median of ${runs} runs ((d): ${runs * 50}), best of ${rounds} rounds, hamux-ts against numpy on the same inputs`);
console.log(`# ${machine}; stock rows on tfjs's cpu backend`);
console.log(`# numpy ${numpy.numpy} (python ${numpy.python}, BLAS ${JSON.stringify(numpy.blas)}); ${reports.join('; ')}`);
console.log(`# 1-minute load average at the start and after each round: ${loads.map((l) => l.toFixed(2)).join(', ')} (2 cores)`);
console.log('| case | path | median | min–max | GFLOP/s | × numpy | agrees with numpy (max rel. err.) | tfjs kernels per step |');
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
for (const id of ['a', 'b', 'c', 'd', 'e']) {
  const [title, flop] = titles[id]!;
  const np = bestNumpy(id);
  console.log(`| ${title} | numpy | ${fmt(np.median_ms)} | ${fmt(np.min_ms)}–${fmt(np.max_ms)} | ${gflops(flop, np.median_ms)} | 1 | | |`);
  for (const r of [...bestRows, ...stockRows].filter((x) => x.caseId === id)) {
    console.log(`| | ${r.path} | ${fmt(r.median)} | ${fmt(r.min)}–${fmt(r.max)} | ${gflops(flop, r.median)} | ${(r.median / np.median_ms).toFixed(2)} | ${Number.isNaN(r.agree) ? '' : r.agree.toExponential(1)} | ${r.ops ?? ''} |`);
  }
}
