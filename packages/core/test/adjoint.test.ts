import { describe, expect, it } from 'vitest';
import {
  compileLeanUnroll, hostLagrangian, hostSynapse, hypergraph, lagrangians as L, learnable, synapses as Y, tf,
  type HAM, type Hypersynapse, type Lagrangian, type LeanUnroll, type ParamGrads, type Params, type Tensor,
} from '../src/index.js';
import { jsGemm, nativeGemm, rowRoutines, wasmGemm, type Gemm } from '@hamux-ts/kernels';
import { uniformValues } from '@hamux-ts/test-support';

/**
 * The adjoint host forms (host/unroll.ts and each built-in's file) against tfjs autodiff: every
 * Lagrangian's Hessian-vector product and parameter VJP through its activation, every synapse's
 * Hessian-vector product and parameter VJP by double backprop through `HAM.dEdxhat`, and T steps
 * of `LeanUnroll` against autodiff through the same steps on tensors.
 */

/** `max |a − b| / max |b|`, after checking that the reference is not (nearly) zero. */
function scaledErr(a: ArrayLike<number>, b: ArrayLike<number>, what: string): number {
  expect(a.length, what).toBe(b.length);
  let worst = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  expect(scale, `${what}: the reference is zero, the comparison would prove nothing`).toBeGreaterThan(1e-4);
  return worst / scale;
}

const TOL = 2e-5;

/** Every matrix product the adjoints may run on (the addon only where it was built). */
const gemms: Array<[string, () => Promise<Gemm | string>]> = [['js', async () => jsGemm], ['wasm', wasmGemm], ['native', nativeGemm]];
const values = (t: Tensor) => Float32Array.from(t.dataSync());
const sized = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

const lagrangianCases: Array<[string, Lagrangian, number[]]> = [
  ['identity', L.identity(), [6]],
  ['relu', L.relu(), [7]],
  ['repu n = 3', L.repu({ n: 3 }), [7]],
  ['repu n = 2.5', L.repu({ n: 2.5 }), [5]],
  ['exp, learnable β', L.exp({ beta: learnable(0.7) }), [5]],
  ['rexp, learnable β', L.rexp({ beta: learnable(1.3) }), [6]],
  ['tanh, learnable β', L.tanh({ beta: learnable(1.7) }), [6]],
  ['sigmoid, learnable β', L.sigmoid({ beta: learnable(0.6) }), [6]],
  ['softmax, learnable β, rows', L.softmax({ beta: learnable(1.5) }), [3, 5]],
  ['softmax, one row', L.softmax({ beta: 2 }), [10]],
  ['ghostmax', L.ghostmax(), [2, 4]],
  ['layernorm, learnable γ and δ', L.layernorm({ gamma: learnable(1.2), delta: learnable([0.1, -0.2, 0.3, 0, 0.5, -0.1]) }), [3, 6]],
  ['spherical, learnable γ and δ', L.spherical({ gamma: learnable(0.8), delta: learnable([0.2, 0.1, -0.3, 0.4, 0]) }), [2, 5]],
];

describe('Lagrangian adjoints: ∇²L(x)·w and (∂x̂/∂θ)ᵀw against autodiff of the activation', () => {
  it.each(lagrangianCases)('%s', (_name, lagrangian, shape) => {
    const B = 3;
    const ham = hypergraph().layer('a', { shape, lagrangian }).synapse('s', Y.bias(), ['a']).build({ seed: 2 });
    const host = hostLagrangian(lagrangian.builtin!, shape);
    if (typeof host === 'string') throw new Error(host);
    const adj = host.adjoint!;
    const n = sized(shape);
    const x = uniformValues(B * n, 3, 2), w = uniformValues(B * n, 4, 1.5);
    const xt = tf.tensor(x, [B, ...shape]), wt = tf.tensor(w, [B, ...shape]);
    const params = ham.params.layers.a ?? {};
    const p = Object.fromEntries(Object.entries(params).map(([k, t]) => [k, values(t)]));
    const xhat = new Float32Array(B * n);
    host.run(x, xhat, new Float64Array(B), B, n, p, rowRoutines(jsGemm));
    const act = (xx: Tensor, ps: Record<string, Tensor>) => ham.layers.a.activation(xx, ps);
    // ∇²L(x) w = J_act(x)ᵀ w
    const ref = tf.grad((xx: Tensor) => tf.sum(tf.mul(act(xx, params), wt)))(xt);
    const got = new Float32Array(B * n);
    adj.hvp(x, xhat, w, got, B, n, p);
    expect(scaledErr(got, ref.dataSync(), 'hvp')).toBeLessThan(TOL);
    // parameters: each learnable one the adjoint lists
    const learnableNames = Object.entries(ham.paramSpecs.layers.a ?? {}).filter(([, s]) => (s as { learnable: boolean }).learnable).map(([k]) => k);
    for (const name of learnableNames) {
      expect(adj.params, `the adjoint differentiates ${name}`).toContain(name);
      const refP = tf.grad((theta: Tensor) => tf.sum(tf.mul(act(xt, { ...params, [name]: theta }), wt)))(params[name]!);
      const d: Record<string, Float32Array> = { [name]: new Float32Array(refP.size) };
      adj.paramVjp!(x, xhat, w, B, n, p, d as ParamGrads);
      expect(scaledErr(d[name]!, refP.dataSync(), `∂/∂${name}`)).toBeLessThan(TOL);
      refP.dispose();
    }
    tf.dispose([xt, wt, ref]);
    ham.dispose();
  });
});

interface SynapseCase {
  name: string;
  synapse: Hypersynapse;
  shapes: number[][];
  /** Connect the first layer to itself. */
  self?: boolean;
}

const synapseCases: SynapseCase[] = [
  { name: 'dense', synapse: Y.dense(), shapes: [[5], [4]] },
  { name: 'dense, self-connection', synapse: Y.dense(), shapes: [[5]], self: true },
  { name: 'dense per token', synapse: Y.dense({ perToken: true }), shapes: [[3, 4], [3, 5]] },
  { name: 'denseBias', synapse: Y.denseBias({ init: { b: { type: 'normal', std: 0.5 } } }), shapes: [[6], [2, 3]] },
  { name: 'denseBias per token', synapse: Y.denseBias({ perToken: true, init: { b: { type: 'normal', std: 0.5 } } }), shapes: [[3, 4], [3, 2]] },
  { name: 'bias', synapse: Y.bias({ init: { b: { type: 'normal', std: 0.5 } } }), shapes: [[2, 3]] },
  { name: 'tie, learnable γ', synapse: Y.tie({ gamma: learnable(1.3) }), shapes: [[2, 3], [2, 3]] },
  { name: 'modernHopfield, learnable β', synapse: Y.modernHopfield({ memories: 7, beta: learnable(1.7), init: { xi: { type: 'normal', std: 0.6 } } }), shapes: [[8]] },
  { name: 'modernHopfield per token', synapse: Y.modernHopfield({ memories: 5, perToken: true, beta: 2 }), shapes: [[3, 4]] },
  { name: 'reluSquaredMemory', synapse: Y.reluSquaredMemory({ memories: 6 }), shapes: [[8]] },
  { name: 'reluSquaredMemory per token', synapse: Y.reluSquaredMemory({ memories: 6, perToken: true }), shapes: [[3, 4]] },
  { name: 'exponentialMemory, learnable β', synapse: Y.exponentialMemory({ memories: 5, beta: learnable(0.5) }), shapes: [[6]] },
  { name: 'polynomialMemory degree 3', synapse: Y.polynomialMemory({ memories: 5, degree: 3 }), shapes: [[6]] },
  { name: 'polynomialMemory degree 2.5, rectified', synapse: Y.polynomialMemory({ memories: 5, degree: 2.5, rectified: true }), shapes: [[6]] },
  { name: 'polynomialMemory degree 2', synapse: Y.polynomialMemory({ memories: 4, degree: 2 }), shapes: [[6]] },
  { name: 'energyAttention, learnable β', synapse: Y.energyAttention({ heads: 2, headDim: 3, beta: learnable(0.8), init: { Wk: { type: 'normal', std: 0.5 }, Wq: { type: 'normal', std: 0.5 } } }), shapes: [[4, 5]] },
  { name: 'energyAttention, self masked', synapse: Y.energyAttention({ heads: 3, headDim: 2, maskSelf: true, init: { Wk: { type: 'normal', std: 0.5 }, Wq: { type: 'normal', std: 0.5 } } }), shapes: [[4, 3]] },
];

function synapseGraph(c: SynapseCase) {
  const names = c.shapes.map((_, i) => `l${i}`);
  let g = hypergraph() as ReturnType<typeof hypergraph>;
  c.shapes.forEach((shape, i) => { g = g.layer(names[i]!, { shape, lagrangian: L.identity() }) as typeof g; });
  return g.synapse('s', c.synapse, (c.self ? [names[0], names[0]] : names) as never).build({ seed: 7 }) as unknown as HAM<string, string>;
}

describe.each(gemms)('synapse adjoints on %s products: ∇²E·v and ∂(∇E·v)/∂θ against double backprop through HAM.dEdxhat', (gname, load) => {
  it.each(synapseCases)('$name', async (c) => {
    const gemm = await load();
    if (typeof gemm === 'string') return expect(gname).toBe('native');
    const B = 3;
    const ham = synapseGraph(c);
    const node = ham.synapses['s']!;
    const host = hostSynapse(node.synapse.builtin!, node.shapes);
    if (typeof host === 'string') throw new Error(host);
    const adj = host.adjoint!;
    const layers = ham.layerNames;
    const sizes = layers.map((n) => sized(ham.layers[n]!.shape));
    const xs = layers.map((_, i) => uniformValues(B * sizes[i]!, 10 + i, 1.5));
    const vs = layers.map((_, i) => uniformValues(B * sizes[i]!, 20 + i, 1));
    const xt = Object.fromEntries(layers.map((n, i) => [n, tf.tensor(xs[i]!, [B, ...ham.layers[n]!.shape])]));
    const vt = layers.map((n, i) => tf.tensor(vs[i]!, [B, ...ham.layers[n]!.shape]));
    const own = ham.params.synapses['s']!;
    const learnableNames = Object.entries(ham.paramSpecs.synapses['s'] ?? {}).filter(([, s]) => (s as { learnable: boolean }).learnable).map(([k]) => k);
    // f(x̂, θ) = Σ_layers ⟨∂E/∂x̂, v⟩ (the graph's layers are identities, so x̂ = x)
    const f = (states: Record<string, Tensor>, theta: Record<string, Tensor>) => {
      const params: Params = { layers: ham.params.layers, synapses: { s: { ...own, ...theta } } };
      const g = ham.dEdxhat(states as never, { params, neuronEnergy: false, method: 'autodiff' }) as Record<string, Tensor>;
      return tf.addN(layers.map((n, i) => tf.sum(tf.mul(g[n]!, vt[i]!))));
    };
    const refHv = tf.grads((...s: Tensor[]) => f(Object.fromEntries(layers.map((n, i) => [n, s[i]!])), {}))(layers.map((n) => xt[n]!));
    const refP = learnableNames.length === 0
      ? []
      : tf.grads((...t: Tensor[]) => f(xt, Object.fromEntries(learnableNames.map((n, i) => [n, t[i]!]))))(learnableNames.map((n) => own[n]!));
    // the host adjoint, after its forward pass (which keeps what it needs)
    const p = Object.fromEntries(Object.entries(own).map(([k, t]) => [k, values(t)]));
    const idx = c.self ? [0, 0] : layers.map((_, i) => i);
    const work = new Float32Array(Math.max(host.scratch(B), adj.scratch(B)));
    const lse = new Float64Array(host.lseRows?.(B) ?? 0);
    const save = new Float32Array(adj.saved(B));
    const grads = layers.map((_, i) => new Float32Array(B * sizes[i]!));
    host.run({ gemm, k: rowRoutines(gemm), B, xhat: idx.map((i) => xs[i]!), grad: idx.map((i) => grads[i]!), E: new Float64Array(B), p, work, lse, save });
    const hv = layers.map((_, i) => new Float32Array(B * sizes[i]!));
    const d: Record<string, Float32Array> = Object.fromEntries(learnableNames.map((n) => [n, new Float32Array(own[n]!.size)]));
    expect(learnableNames.every((n) => adj.params.includes(n))).toBe(true);
    adj.run({ gemm, k: rowRoutines(gemm), B, xhat: idx.map((i) => xs[i]!), v: idx.map((i) => vs[i]!), hv: idx.map((i) => hv[i]!), p, d, saved: save, work, lse });
    adj.flush?.(); // what it deferred (dense: Σ x̂₁ᵀv₂ over steps as one product)
    layers.forEach((n, i) => {
      // bias: the signal is constant, its Hessian zero
      if (c.name === 'bias') expect(Math.max(...hv[i]!.map(Math.abs))).toBe(0);
      else expect(scaledErr(hv[i]!, refHv[i]!.dataSync(), `∇²E·v on ${n}`)).toBeLessThan(TOL);
    });
    learnableNames.forEach((n, i) => expect(scaledErr(d[n]!, refP[i]!.dataSync(), `∂/∂${n}`)).toBeLessThan(TOL));
    // a clamped layer's zero direction and unread Hessian are skipped, with the same parameter gradient
    if (layers.length === 2) {
      const hv2 = new Float32Array(B * sizes[1]!);
      const d2: Record<string, Float32Array> = Object.fromEntries(learnableNames.map((n) => [n, new Float32Array(own[n]!.size)]));
      adj.run({ gemm, k: rowRoutines(gemm), B, xhat: xs, v: [undefined, vs[1]!], hv: [undefined, hv2], p, d: d2, saved: save, work, lse });
      adj.flush?.();
      const dOnly1 = Object.fromEntries(learnableNames.map((n) => [n, new Float32Array(own[n]!.size)]));
      const hv1 = new Float32Array(B * sizes[1]!);
      adj.run({ gemm, k: rowRoutines(gemm), B, xhat: xs, v: [vs[0]!, undefined], hv: [undefined, hv1], p, d: dOnly1, saved: save, work, lse });
      adj.flush?.();
      learnableNames.forEach((n) => {
        const sum = d2[n]!.map((e, j) => e + dOnly1[n]![j]!);
        expect(scaledErr(sum, d[n]!, `∂/∂${n} split by layer`)).toBeLessThan(1e-6);
      });
      expect(scaledErr(hv2.map((e, j) => e + hv1[j]!), hv[1]!, 'hv split by layer')).toBeLessThan(1e-6);
    }
    tf.dispose([...Object.values(xt), ...vt, ...refHv, ...refP]);
    ham.dispose();
  });
});

/** ℓ = Σ ⟨w, x̂_T⟩ + Σ ⟨s, x_T⟩ after T steps on tensors, with the same masks: the reference. */
function byAutodiff(ham: HAM<string, string>, x0: Record<string, Tensor>, masks: Record<string, Tensor | 'clamped' | undefined>, steps: number, dt: number, neuronEnergy: boolean, seedW: Record<string, Tensor>, seedS: Record<string, Tensor>, paths: string[]) {
  const leaves = paths.map((p) => {
    const [group, owner, name] = p.split('.') as ['layers' | 'synapses', string, string];
    return ham.params[group][owner]![name]!;
  });
  const f = (...theta: Tensor[]) => {
    const params: Params = {
      layers: Object.fromEntries(Object.entries(ham.params.layers).map(([o, m]) => [o, { ...m }])),
      synapses: Object.fromEntries(Object.entries(ham.params.synapses).map(([o, m]) => [o, { ...m }])),
    } as Params;
    paths.forEach((p, i) => {
      const [group, owner, name] = p.split('.') as ['layers' | 'synapses', string, string];
      (params[group][owner] as Record<string, Tensor>)[name] = theta[i]!;
    });
    let x = x0;
    for (let t = 0; t < steps; t++) {
      const g = ham.dEdxhat(x as never, { params, neuronEnergy }) as Record<string, Tensor>;
      x = Object.fromEntries(ham.layerNames.map((n) => {
        const m = masks[n];
        if (m === 'clamped') return [n, x[n]!];
        const step = tf.mul(dt / ham.layers[n]!.tau, m ? tf.mul(m, g[n]!) : g[n]!);
        return [n, tf.sub(x[n]!, step)];
      }));
    }
    const acts = ham.activations(x as never, { params }) as Record<string, Tensor>;
    const terms = [
      ...Object.entries(seedW).map(([n, w]) => tf.sum(tf.mul(acts[n]!, w))),
      ...Object.entries(seedS).map(([n, s]) => tf.sum(tf.mul(x[n]!, s))),
    ];
    return tf.addN(terms) as tf.Scalar;
  };
  // a parameter with no path to ℓ gets no gradient (zeros)
  const { value, grads } = tf.engine().gradients(() => f(...leaves), leaves, undefined, true);
  const out = grads.map((g, i) => (g ? values(g) : new Float32Array(leaves[i]!.size)));
  tf.dispose([value, ...grads.filter((g): g is Tensor => g !== undefined)]);
  return out;
}

/** Every learnable parameter path of a graph. */
function learnablePaths(ham: HAM<string, string>): string[] {
  const out: string[] = [];
  for (const group of ['layers', 'synapses'] as const) {
    for (const [owner, specs] of Object.entries(ham.paramSpecs[group])) {
      for (const [name, spec] of Object.entries(specs as Record<string, { learnable: boolean }>)) if (spec.learnable) out.push(`${group}.${owner}.${name}`);
    }
  }
  return out;
}

function checkUnroll(ham: HAM<string, string>, opts: { B: number; steps: number; dt: number; neuronEnergy: boolean; clamp?: Record<string, 'clamped' | 'mask'>; seedOn: string[]; stateSeedOn?: string[] }, gemm: Gemm) {
  const { B, steps, dt, neuronEnergy } = opts;
  const lean = compileLeanUnroll(ham, { gemm, neuronEnergy });
  if (typeof lean === 'string') throw new Error(lean);
  const names = ham.layerNames;
  const sizes = Object.fromEntries(names.map((n) => [n, sized(ham.layers[n]!.shape)]));
  const x0 = Object.fromEntries(names.map((n, i) => [n, uniformValues(B * sizes[n]!, 30 + i, 1.2)]));
  const x0t = Object.fromEntries(names.map((n) => [n, tf.tensor(x0[n]!, [B, ...ham.layers[n]!.shape])]));
  const masks: Record<string, Float32Array | 'clamped'> = {};
  const maskT: Record<string, Tensor | 'clamped' | undefined> = {};
  for (const [n, how] of Object.entries(opts.clamp ?? {})) {
    if (how === 'clamped') masks[n] = maskT[n] = 'clamped';
    else {
      const m = Float32Array.from({ length: B * sizes[n]! }, (_, j) => ((j * 7) % 3 === 0 ? 0 : 1));
      masks[n] = m;
      maskT[n] = tf.tensor(m, [B, ...ham.layers[n]!.shape]);
    }
  }
  const w = Object.fromEntries(opts.seedOn.map((n, i) => [n, uniformValues(B * sizes[n]!, 50 + i, 1)]));
  const s = Object.fromEntries((opts.stateSeedOn ?? []).map((n, i) => [n, uniformValues(B * sizes[n]!, 60 + i, 1)]));
  const toT = (m: Record<string, Float32Array>) => Object.fromEntries(Object.entries(m).map(([n, a]) => [n, tf.tensor(a, [B, ...ham.layers[n]!.shape])]));
  const wt = toT(w), st = toT(s);
  const paths = learnablePaths(ham);
  expect((lean as LeanUnroll<string>).unsupported(paths)).toBeUndefined();
  const ref = byAutodiff(ham, x0t, maskT, steps, dt, neuronEnergy, wt, st, paths);
  lean.forward(x0, B, { steps, dt, freedom: masks });
  const got = lean.backward({ activation: w, state: s }, paths);
  paths.forEach((p, i) => {
    if (ref[i]!.every((e) => e === 0)) expect(got.get(p)!.every((e) => e === 0), `${p}: no path to the loss`).toBe(true);
    else expect(scaledErr(got.get(p)!, ref[i]!, p)).toBeLessThan(1e-4);
  });
  tf.dispose([...Object.values(x0t), ...Object.values(wt), ...Object.values(st), ...Object.values(maskT).filter((m): m is Tensor => m instanceof tf.Tensor)]);
}

describe.each(gemms)('LeanUnroll on %s products: the gradient through T steps against autodiff', (gname, load) => {
  it('the classifier: identity input clamped, relu hidden, softmax labels with learnable β, two denseBias', async () => {
    const gemm = await load();
    if (typeof gemm === 'string') return expect(gname).toBe('native');
    const ham = hypergraph()
      .layer('input', { shape: [9], lagrangian: L.identity() })
      .layer('hidden', { shape: [7], lagrangian: L.relu(), tau: 0.5 })
      .layer('label', { shape: [4], lagrangian: L.softmax({ beta: learnable(1.3) }), tau: 0.2 })
      .synapse('encode', Y.denseBias({ init: { W: { type: 'normal', std: 0.5 }, b: { type: 'normal', std: 0.3 } } }), ['input', 'hidden'])
      .synapse('classify', Y.denseBias({ init: { W: { type: 'normal', std: 0.5 }, b: { type: 'normal', std: 0.3 } } }), ['hidden', 'label'])
      .build({ seed: 3 }) as unknown as HAM<string, string>;
    checkUnroll(ham, { B: 4, steps: 5, dt: 0.1, neuronEnergy: true, clamp: { input: 'clamped' }, seedOn: ['label'] }, gemm);
    checkUnroll(ham, { B: 2, steps: 3, dt: 0.2, neuronEnergy: false, clamp: { input: 'mask' }, seedOn: ['label', 'hidden'], stateSeedOn: ['label', 'input'] }, gemm);
    ham.dispose();
  });

  it('every elementwise and collective Lagrangian, learnable parameters, dense and bias synapses, masks', async () => {
    const gemm = await load();
    if (typeof gemm === 'string') return expect(gname).toBe('native');
    const ham = hypergraph()
      .layer('id', { shape: [5], lagrangian: L.identity() })
      .layer('repu', { shape: [4], lagrangian: L.repu({ n: 3 }), tau: 0.7 })
      .layer('exp', { shape: [3], lagrangian: L.exp({ beta: learnable(0.7) }) })
      .layer('rexp', { shape: [3], lagrangian: L.rexp({ beta: learnable(1.1) }) })
      .layer('tanh', { shape: [4], lagrangian: L.tanh({ beta: learnable(1.5) }), tau: 0.5 })
      .layer('sig', { shape: [4], lagrangian: L.sigmoid({ beta: learnable(0.8) }) })
      .layer('soft', { shape: [2, 3], lagrangian: L.softmax({ beta: learnable(1.2) }) })
      .layer('ghost', { shape: [2, 3], lagrangian: L.ghostmax() })
      .layer('ln', { shape: [2, 4], lagrangian: L.layernorm({ gamma: learnable(1.1), delta: learnable([0.1, -0.2, 0.3, 0]) }) })
      .layer('sph', { shape: [3], lagrangian: L.spherical({ gamma: learnable(0.9), delta: learnable([0.1, 0, -0.1]) }) })
      .synapse('a', Y.dense({ init: { W: { type: 'normal', std: 0.4 } } }), ['id', 'repu'])
      .synapse('b', Y.denseBias({ init: { W: { type: 'normal', std: 0.4 }, b: { type: 'normal', std: 0.3 } } }), ['repu', 'exp'])
      .synapse('c', Y.dense({ init: { W: { type: 'normal', std: 0.4 } } }), ['rexp', 'tanh'])
      .synapse('d', Y.dense({ init: { W: { type: 'normal', std: 0.4 } } }), ['sig', 'soft'])
      .synapse('e', Y.dense({ init: { W: { type: 'normal', std: 0.4 } } }), ['ghost', 'ln'])
      .synapse('f', Y.dense({ init: { W: { type: 'normal', std: 0.4 } } }), ['sph', 'id'])
      .synapse('g', Y.bias({ init: { b: { type: 'normal', std: 0.5 } } }), ['tanh'])
      .synapse('self', Y.dense({ init: { W: { type: 'normal', std: 0.2 } } }), ['id', 'id'])
      .build({ seed: 4 }) as unknown as HAM<string, string>;
    const all = ham.layerNames.filter((n) => n !== 'id');
    checkUnroll(ham, { B: 3, steps: 3, dt: 0.1, neuronEnergy: true, clamp: { id: 'mask', sph: 'clamped' }, seedOn: all, stateSeedOn: ['tanh'] }, gemm);
    checkUnroll(ham, { B: 2, steps: 2, dt: 0.05, neuronEnergy: false, seedOn: ['soft', 'ln', 'id'] }, gemm);
    ham.dispose();
  });

  it('every memory, flat and per token, learnable β, with and without neuron energies', async () => {
    const gemm = await load();
    if (typeof gemm === 'string') return expect(gname).toBe('native');
    const ham = hypergraph()
      .layer('v', { shape: [6], lagrangian: L.tanh() })
      .layer('t', { shape: [3, 4], lagrangian: L.layernorm() })
      .layer('w', { shape: [5], lagrangian: L.identity() })
      .synapse('mh', Y.modernHopfield({ memories: 5, beta: learnable(2), init: { xi: { type: 'normal', std: 0.6 } } }), ['v'])
      .synapse('r2', Y.reluSquaredMemory({ memories: 4 }), ['v'])
      .synapse('ex', Y.exponentialMemory({ memories: 4, beta: learnable(0.5) }), ['w'])
      .synapse('p3', Y.polynomialMemory({ memories: 3, degree: 3 }), ['w'])
      .synapse('p2r', Y.polynomialMemory({ memories: 3, degree: 2.5, rectified: true }), ['v'])
      .synapse('tok', Y.reluSquaredMemory({ memories: 5, perToken: true }), ['t'])
      .synapse('tmh', Y.modernHopfield({ memories: 4, perToken: true }), ['t'])
      .synapse('vw', Y.dense({ init: { W: { type: 'normal', std: 0.3 } } }), ['v', 'w'])
      .build({ seed: 5 }) as unknown as HAM<string, string>;
    checkUnroll(ham, { B: 3, steps: 4, dt: 0.1, neuronEnergy: true, seedOn: ['v', 't', 'w'] }, gemm);
    checkUnroll(ham, { B: 2, steps: 3, dt: 0.1, neuronEnergy: false, clamp: { w: 'mask' }, seedOn: ['t', 'w'], stateSeedOn: ['v'] }, gemm);
    ham.dispose();
  });
});

describe.each(gemms)('LeanUnroll on %s products: an Energy Transformer block', (gname, load) => {
  it('per-token patch embedding, layer-norm tokens, energy attention (learnable β, self masked or not), a per-token ReLU² memory, no neuron energies', async () => {
    const gemm = await load();
    if (typeof gemm === 'string') return expect(gname).toBe('native');
    const W = { type: 'normal', std: 0.4 } as const;
    const ham = hypergraph()
      .layer('patches', { shape: [5, 3], lagrangian: L.identity() })
      .layer('tokens', { shape: [5, 4], lagrangian: L.layernorm({ gamma: learnable(1), delta: learnable(0) }) })
      .synapse('embed', Y.dense({ perToken: true, init: { W } }), ['patches', 'tokens'])
      .synapse('att', Y.energyAttention({ heads: 2, headDim: 3, beta: learnable(0.7), init: { Wk: W, Wq: W } }), ['tokens'])
      .synapse('attm', Y.energyAttention({ heads: 1, headDim: 2, maskSelf: true, init: { Wk: W, Wq: W } }), ['tokens'])
      .synapse('mem', Y.reluSquaredMemory({ memories: 6, perToken: true, init: { xi: W } }), ['tokens'])
      .build({ seed: 8 }) as unknown as HAM<string, string>;
    checkUnroll(ham, { B: 2, steps: 4, dt: 0.1, neuronEnergy: false, clamp: { patches: 'mask' }, seedOn: ['patches', 'tokens'] }, gemm);
    checkUnroll(ham, { B: 3, steps: 2, dt: 0.1, neuronEnergy: true, seedOn: ['tokens'], stateSeedOn: ['patches'] }, gemm);
    ham.dispose();
  });
});

describe('compileLeanUnroll', () => {
  it('refuses a graph with a synapse that has no host form (conv2d), and says why', () => {
    const conv = hypergraph()
      .layer('img', { shape: [4, 4, 1], lagrangian: L.identity() })
      .layer('f', { shape: [3, 3, 2], lagrangian: L.relu() })
      .synapse('c', Y.conv2d({ kernel: 2 }), ['img', 'f'])
      .build({ seed: 1 });
    expect(compileLeanUnroll(conv)).toMatch(/synapse "c": no host form for the synapse "conv2d"/);
    conv.dispose();
  });

  it('says which parameters it cannot differentiate, and needs a forward pass before a backward one', () => {
    const ham = hypergraph().layer('v', { shape: [3], lagrangian: L.tanh() }).synapse('b', Y.bias(), ['v']).build({ seed: 1 });
    const lean = compileLeanUnroll(ham) as LeanUnroll<'v'>;
    expect(lean.unsupported(['synapses.b.b'])).toBeUndefined();
    expect(lean.unsupported(['layers.v.gamma'])).toMatch(/no adjoint for the parameter "layers.v.gamma"/);
    expect(() => lean.backward({}, ['synapses.b.b'])).toThrow(expect.objectContaining({ name: 'HamuxError', path: ['lean unroll'], message: 'lean unroll: backward needs a forward pass first' }));
    ham.dispose();
  });
});
