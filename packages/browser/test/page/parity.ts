// The Chromium test's page script (bundled by the test with `@hamux-ts/browser` left as an import
// of the browser bundle under test). It builds two small graphs on a backend, takes E and ∂E/∂x̂
// (closed forms and autodiff) at seeded states, runs a fixed-step descent, and hands back plain
// numbers; the test compares backends in Node. Every result is also printed on the page.
import {
  adapterName,
  descend,
  hypergraph,
  lagrangians as L,
  normal,
  synapses as Y,
  tf,
  useBackend,
  type BackendReport,
  type DescendOptions,
  type Runtime,
  type HAM,
  type Tensor,
} from '@hamux-ts/browser';

export type Backend = 'cpu' | 'wasm' | 'webgpu';

export interface GraphRun {
  readonly graph: string;
  /** Energy per sample at the initial states. */
  readonly energy0: number[];
  /** ∂E/∂x̂ per layer at the initial states, by the closed forms and by autodiff (tf.grad). */
  readonly dEdxhat0: Record<string, number[]>;
  readonly dEdxhat0Autodiff: Record<string, number[]>;
  /** Energy trace of each sample, from the initial state to the last step. */
  readonly energies: number[][];
  readonly final: Record<string, number[]>;
  readonly steps: number;
  /** What stepped the descent (on webgpu, the fused WGSL step where every component has a WGSL form). */
  readonly evaluator: string;
  readonly ms: number;
  /** Tensors left over once the graph, its states and its results are disposed. */
  readonly leaked: number;
}

export interface BackendRun {
  readonly backend: Backend;
  readonly report: BackendReport;
  readonly tfBackend: string;
  readonly graphs: GraphRun[];
}

/** One line of the comparison the test draws, printed on the page for the screenshot. */
export interface ComparisonRow {
  readonly backend: string;
  readonly graph: string;
  readonly energy: number;
  readonly dEdxhat: number;
  readonly final: number;
  readonly ok: boolean;
}

/** One energy tree of many terms, read back: tfjs 4.22's webgpu AddN dropped work past 7 inputs. */
export interface TreeRun {
  readonly backend: string;
  /** Every term of the tree (each layer's and each synapse's energy), per sample. */
  readonly terms: Record<string, number[]>;
  /** The tree's total, and the energy and ∂E/∂x̂ of `energyAndDEdxhat` (sums of the same terms). */
  readonly total: number[];
  readonly energy: number[];
  readonly dEdxhat: Record<string, number[]>;
}

export interface ParityApi {
  run(backend: Backend): Promise<BackendRun>;
  energyTree(backend: Backend): Promise<TreeRun>;
  auto(): Promise<BackendReport>;
  showComparison(rows: ComparisonRow[], verdict: string): void;
}

declare global {
  interface Window {
    hamuxParity?: ParityApi;
  }
}

const BATCH = 2;
const STEPS = 40;

/** A fixed-step descent of exactly STEPS steps: the same arithmetic on every backend, no step control. */
const fixed = { mode: 'fixed', maxSteps: STEPS, checkEvery: 10, tolerance: { grad: 0, energy: 0, state: 0 } } as const;

interface GraphCase {
  readonly make: () => HAM<string, string>;
  readonly options: DescendOptions<string>;
}

const GRAPHS: Record<string, GraphCase> = {
  /** Three layers (pixels ↔ features ↔ memories) with dense synapses, and a Hopfield memory on the pixels. */
  ham3: {
    make: () =>
      hypergraph()
        .layer('pixels', { shape: [8], lagrangian: L.identity() })
        .layer('features', { shape: [6], lagrangian: L.tanh({ beta: 1 }), tau: 0.5 })
        .layer('memories', { shape: [4], lagrangian: L.softmax({ beta: 2 }), tau: 0.25 })
        .synapse('encode', Y.dense(), ['pixels', 'features'])
        .synapse('recall', Y.dense(), ['features', 'memories'])
        .synapse('store', Y.modernHopfield({ memories: 5, beta: 2 }), ['pixels'])
        .build({ seed: 1 }) as unknown as HAM<string, string>,
    options: { ...fixed, dt: 0.1 },
  },
  /** An Energy Transformer block: layer-normed tokens, energy attention and a per-token Hopfield memory. */
  energyTransformer: {
    make: () =>
      hypergraph()
        .layer('tokens', { shape: [5, 8], lagrangian: L.layernorm() })
        .synapse('attention', Y.energyAttention({ heads: 2, headDim: 4, init: { Wk: normal(0.3), Wq: normal(0.3) } }), ['tokens'])
        .synapse('hopfield', Y.reluSquaredMemory({ memories: 6, perToken: true }), ['tokens'])
        .build({ seed: 2 }) as unknown as HAM<string, string>,
    options: { ...fixed, dt: 0.05 },
  },
  /** The other built-ins, for the fused step's WGSL forms: conv and pooling, the remaining Lagrangians and synapses. */
  otherKinds: {
    make: () =>
      hypergraph()
        .layer('image', { shape: [4, 4, 2], lagrangian: L.identity() })
        .layer('features', { shape: [4, 4, 3], lagrangian: L.relu() })
        .layer('pooled', { shape: [2, 2, 3], lagrangian: L.sigmoid({ beta: 1.5 }) })
        .layer('code', { shape: [6], lagrangian: L.ghostmax() })
        .layer('tokens', { shape: [3, 4], lagrangian: L.spherical() })
        .layer('power', { shape: [5], lagrangian: L.repu({ n: 3 }) })
        .layer('spring', { shape: [5], lagrangian: L.rexp({ beta: 0.8 }) })
        .synapse('conv', Y.conv2d({ kernel: 3, padding: 'same' }), ['image', 'features'])
        .synapse('pool', Y.avgPool({ size: 2 }), ['features', 'pooled'])
        .synapse('encode', Y.denseBias({ init: { b: normal(0.3) } }), ['pooled', 'code'])
        .synapse('words', Y.modernHopfield({ memories: 3, perToken: true }), ['tokens'])
        .synapse('link', Y.dense(), ['tokens', 'code'])
        .synapse('poly', Y.polynomialMemory({ memories: 4, degree: 3 }), ['power'])
        .synapse('exp', Y.exponentialMemory({ memories: 3 }), ['pooled'])
        .synapse('bias', Y.bias({ init: { b: normal(0.3) } }), ['power'])
        .synapse('tie', Y.tie({ gamma: 0.5 }), ['power', 'spring'])
        .build({ seed: 3 }) as unknown as HAM<string, string>,
    options: { ...fixed, dt: 0.05 },
  },
};

async function values(states: Readonly<Record<string, Tensor>>): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(states)) out[name] = Array.from(await t.data());
  return out;
}

const disposeAll = (states: Readonly<Record<string, Tensor>>) => Object.values(states).forEach((t) => t.dispose());

/** One graph's run on `runtime` (`useBackend`'s, passed to the descent as users pass it). */
async function runGraph(name: string, { make, options }: GraphCase, runtime: Runtime): Promise<GraphRun> {
  const before = tf.memory().numTensors;
  const ham = make();
  const init = ham.randomStates(BATCH, 11);
  const closed = ham.energyAndDEdxhat(init);
  const autodiff = ham.dEdxhat(init, { method: 'autodiff' });
  const energy0 = Array.from(await closed.energy.data());
  const dEdxhat0 = await values(closed.dEdxhat);
  const dEdxhat0Autodiff = await values(autodiff);
  closed.energy.dispose();
  disposeAll(closed.dEdxhat);
  disposeAll(autodiff);

  const t0 = performance.now();
  const result = await descend(ham, init, { ...options, runtime });
  const ms = performance.now() - t0;
  const final = await values(result.states);
  disposeAll(result.states);
  disposeAll(init);
  ham.dispose();
  return {
    graph: name,
    energy0,
    dEdxhat0,
    dEdxhat0Autodiff,
    energies: result.energies.map((e) => Array.from(e)),
    final,
    steps: result.steps,
    evaluator: result.evaluator,
    ms,
    leaked: tf.memory().numTensors - before,
  };
}

const log = document.querySelector<HTMLElement>('#log')!;
const fmt = (x: number) => (Math.abs(x) < 1e-3 && x !== 0 ? x.toExponential(1) : x.toFixed(5));

function print(html: string): void {
  log.insertAdjacentHTML('beforeend', html);
}

function describeReport(r: BackendReport): string {
  const tried = r.tried.map((t) => `${t.name}: ${t.ok ? 'ok' : `failed (${t.reason ?? '?'})`}`).join('; ');
  return `chose <b>${r.chosen}</b>${r.adapter ? ` on ${adapterName(r.adapter)}` : ''} — tried ${tried}`;
}

async function run(backend: Backend): Promise<BackendRun> {
  const runtime = await useBackend(backend);
  const { report } = runtime;
  const graphs: GraphRun[] = [];
  for (const [name, c] of Object.entries(GRAPHS)) graphs.push(await runGraph(name, c, runtime));
  const rows = graphs
    .map((g) => {
      const e0 = g.energy0.map(fmt).join(', ');
      const e1 = g.energies.map((e) => fmt(e[e.length - 1]!)).join(', ');
      return `<tr><td>${g.graph}</td><td>${e0}</td><td>${e1}</td><td>${g.steps}</td><td>${g.ms.toFixed(0)} ms</td><td>${g.leaked}</td></tr>`;
    })
    .join('');
  print(
    `<h2>${backend}</h2><p>${describeReport(report)}</p><table><tr><th>graph</th><th>E at start (per sample)</th>` +
      `<th>E after descent</th><th>steps</th><th>descent time</th><th>leaked tensors</th></tr>${rows}</table>`,
  );
  return { backend, report, tfBackend: tf.getBackend(), graphs };
}

/** Four layers and five synapses: nine terms in one sum, more than a webgpu shader may bind at once. */
const manyTerms = () =>
  hypergraph()
    .layer('a', { shape: [6], lagrangian: L.identity() })
    .layer('b', { shape: [5], lagrangian: L.tanh() })
    .layer('c', { shape: [4], lagrangian: L.softmax() })
    .layer('d', { shape: [3], lagrangian: L.sigmoid() })
    .synapse('ab', Y.dense(), ['a', 'b'])
    .synapse('bc', Y.dense(), ['b', 'c'])
    .synapse('cd', Y.dense(), ['c', 'd'])
    .synapse('ad', Y.dense(), ['a', 'd'])
    .synapse('memory', Y.modernHopfield({ memories: 3 }), ['a'])
    .build({ seed: 7 }) as unknown as HAM<string, string>;

async function energyTree(backend: Backend): Promise<TreeRun> {
  await useBackend(backend);
  const ham = manyTerms();
  const states = ham.randomStates(BATCH, 3);
  const tree = ham.energyTree(states);
  const terms = await values({ ...tree.layers, ...tree.synapses });
  const total = Array.from(await tree.total.data());
  const both = ham.energyAndDEdxhat(states);
  const energy = Array.from(await both.energy.data());
  const dEdxhat = await values(both.dEdxhat);
  tf.dispose([...Object.values(tree.layers), ...Object.values(tree.synapses), tree.total, both.energy, ...Object.values(both.dEdxhat)]);
  disposeAll(states);
  ham.dispose();
  print(`<h2>energy tree on ${backend}</h2><p>${Object.keys(terms).length} terms, total ${total.map(fmt).join(', ')}</p>`);
  return { backend: tf.getBackend(), terms, total, energy, dEdxhat };
}

async function auto(): Promise<BackendReport> {
  const { report } = await useBackend('auto');
  print(`<h2>auto</h2><p>${describeReport(report)}</p>`);
  return report;
}

function showComparison(rows: ComparisonRow[], verdict: string): void {
  const body = rows
    .map(
      (r) =>
        `<tr class="${r.ok ? 'ok' : 'bad'}"><td>${r.backend} vs cpu</td><td>${r.graph}</td><td>${r.energy.toExponential(1)}</td>` +
        `<td>${r.dEdxhat.toExponential(1)}</td><td>${r.final.toExponential(1)}</td></tr>`,
    )
    .join('');
  print(
    `<h2>largest differences</h2><table><tr><th></th><th>graph</th><th>E (all steps)</th><th>∂E/∂x̂</th>` +
      `<th>final states</th></tr>${body}</table><p id="verdict">${verdict}</p>`,
  );
}

window.hamuxParity = { run, energyTree, auto, showComparison };
