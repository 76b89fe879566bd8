import { describe, expect, it } from 'vitest';
import {
  defineHypersynapse,
  deriveKey,
  hypergraph,
  lagrangians as L,
  learnable,
  normal,
  normalValues,
  sumPerSample,
  synapses as Y,
  tf,
  type Params,
  type Tensor,
} from '@hamux-ts/core';
import { Trainer, crossEntropy, mse, sumOf, unroll, type Prepare } from '@hamux-ts/train';
import { referenceGradients, referenceLoss, type RefParams, type RefProblem } from './reference.js';
import { mismatch } from './support.js';

type Lv = 'v' | 'h' | 'y';

/** Initial states and clamps straight from the batch, so the reference can start from the same numbers. */
const fromFields: Prepare<Lv> = (batch) => ({
  states: { v: tf.clone(batch['v0']!), h: tf.clone(batch['h0']!), y: tf.zerosLike(batch['target']!) },
  clamp: { v: tf.clone(batch['held']!) },
});

const B = 4;
const STEPS = 4;
const DT = 0.3;
const LAMBDA = 0.5;

function problem() {
  const v0 = normalValues(deriveKey(7, 'v0'), [B, 3]);
  const h0 = normalValues(deriveKey(7, 'h0'), [B, 4], 0, 0.7);
  const target = normalValues(deriveKey(7, 'target'), [B, 3]);
  const held = Float32Array.from({ length: B * 3 }, (_, i) => (i % 3 === 0 || i === 4 ? 1 : 0));
  const labels = Int32Array.from({ length: B }, (_, i) => (2 * i + 1) % 3);
  const batch = {
    v0: tf.tensor2d(v0, [B, 3]),
    h0: tf.tensor2d(h0, [B, 4]),
    target: tf.tensor2d(target, [B, 3]),
    held: tf.tensor2d(held, [B, 3]),
    labels: tf.tensor1d(labels, 'int32'),
  };
  const ref: RefProblem = {
    batch: B, steps: STEPS, dt: DT, tau: { v: 1, h: 0.5, y: 1 }, eps: 1e-5, lambda: LAMBDA,
    v0: Float64Array.from(v0), h0: Float64Array.from(h0), y0: new Float64Array(B * 3),
    clampV: Float64Array.from(held), target: Float64Array.from(target), labels,
  };
  return { batch, ref };
}

function smallGraph() {
  return hypergraph()
    .layer('v', { shape: [3], lagrangian: L.identity() })
    .layer('h', { shape: [4], lagrangian: L.layernorm({ gamma: learnable(1.2), delta: learnable([0.1, -0.2, 0.05, 0.3]) }), tau: 0.5 })
    .layer('y', { shape: [3], lagrangian: L.softmax({ beta: learnable(1.5) }) })
    .synapse('vh', Y.dense({ init: { W: normal(0.8) } }), ['v', 'h'])
    .synapse('hy', Y.denseBias({ init: { W: normal(0.8), b: normal(0.5) } }), ['h', 'y'])
    .build({ seed: 5 });
}

const PATHS: Record<keyof RefParams, string> = {
  W1: 'synapses.vh.W', W2: 'synapses.hy.W', b: 'synapses.hy.b',
  gamma: 'layers.h.gamma', delta: 'layers.h.delta', beta: 'layers.y.beta',
};

const loss = sumOf([crossEntropy({ layer: 'y', field: 'labels' }), 1], [mse({ layer: 'v', field: 'target', on: 'free' }), LAMBDA]);

function refParamsOf(params: Params): RefParams {
  const get = (path: string) => {
    const [group, owner, p] = path.split('.') as ['layers' | 'synapses', string, string];
    return Float64Array.from(params[group][owner]![p]!.dataSync());
  };
  return Object.fromEntries(Object.entries(PATHS).map(([k, path]) => [k, get(path)])) as unknown as RefParams;
}

// float32 autodiff against float64 central differences of an independent implementation: the
// differences are exact to ~1e-9, so what is left is float32 rounding (measured ≤ 2e-7 of each
// gradient's largest entry). The tolerance is 1e-5 of that scale: 50 times the measured error.
const RTOL = 1e-5;
const ATOL = 1e-7;

describe('gradient of the training loss through the unrolled descent', () => {
  for (const method of ['auto', 'autodiff'] as const) {
    it(`matches float64 finite differences of an independent implementation (${method})`, () => {
      const ham = smallGraph();
      const { batch, ref } = problem();
      const trainer = new Trainer(ham, { seed: 0, steps: STEPS, dt: DT, method, prepare: fromFields, loss, optimizer: { name: 'sgd', learningRate: 0.1 } });
      expect([...trainer.trainable].sort()).toEqual(Object.values(PATHS).sort());
      const p64 = refParamsOf(trainer.params);
      const { loss: value, grads } = trainer.gradients(batch);
      // The reference computes the same loss (so its derivatives are the ones we want).
      const l64 = referenceLoss(p64, ref);
      expect(Math.abs(value.dataSync()[0]! - l64)).toBeLessThan(1e-5 * Math.abs(l64));
      const fd = referenceGradients(p64, ref);
      for (const [k, path] of Object.entries(PATHS) as [keyof RefParams, string][]) {
        const got = grads[path]!.dataSync();
        expect(Math.max(...Array.from(fd[k], Math.abs)), `${path} has a gradient worth checking`).toBeGreaterThan(1e-3);
        expect(mismatch(got, fd[k], RTOL, ATOL), `${path}: autodiff ${Array.from(got)} vs differences ${Array.from(fd[k])}`).toBeLessThanOrEqual(1);
      }
      tf.dispose([value, ...Object.values(grads), ...Object.values(batch)]);
      trainer.dispose();
      ham.dispose();
    });
  }

  it('the check catches planted mistakes: one perturbed entry, and the truncated (last-step-only) gradient', () => {
    const ham = smallGraph();
    const { batch, ref } = problem();
    const trainer = new Trainer(ham, { seed: 0, steps: STEPS, dt: DT, prepare: fromFields, loss, optimizer: { name: 'sgd', learningRate: 0.1 } });
    const p64 = refParamsOf(trainer.params);
    const fd = referenceGradients(p64, ref);
    const { loss: value, grads } = trainer.gradients(batch);

    // 1. One entry of one gradient off by 0.01% of that gradient's scale.
    const W2 = Float64Array.from(grads['synapses.hy.W']!.dataSync());
    const scale = Math.max(...Array.from(fd.W2, Math.abs));
    W2[5] = W2[5]! + 1e-4 * scale;
    expect(mismatch(W2, fd.W2, RTOL, ATOL)).toBeGreaterThan(1);

    // 2. Backprop through the last step only (the states before it treated as constants): a
    //    plausible bug that gives gradients of the right sign and size.
    const vars = trainer.trainable.map((path) => {
      const [group, owner, p] = path.split('.') as ['layers' | 'synapses', string, string];
      return (trainer.params as Params)[group][owner]![p]! as tf.Variable;
    });
    const start = fromFields(batch, { ham, key: 0, training: true });
    const frozen = unroll(ham, start.states, { steps: STEPS - 1, dt: DT, clamp: start.clamp!, params: trainer.params });
    const truncated = tf.variableGrads(() => tf.tidy(() => {
      const { states } = unroll(ham, frozen.states, { steps: 1, dt: DT, clamp: start.clamp!, params: trainer.params });
      const acts = ham.activations(states, { params: trainer.params });
      return loss(acts, batch, { states, prepared: start }) as tf.Scalar;
    }), vars);
    const caught = (Object.entries(PATHS) as [keyof RefParams, string][]).filter(([k, path]) =>
      mismatch(truncated.grads[vars.find((v) => v.name.endsWith(`/${path}`))!.name]!.dataSync(), fd[k], RTOL, ATOL) > 1);
    // The β of the label layer and the hy weights see the whole descent too: every parameter is caught.
    expect(caught.map(([, p]) => p).sort()).toEqual(Object.values(PATHS).sort());

    tf.dispose([value, ...Object.values(grads), truncated.value, ...Object.values(truncated.grads)]);
    tf.dispose([...Object.values(start.states), ...Object.values(frozen.states), start.clamp!.v as Tensor, ...Object.values(batch)]);
    trainer.dispose();
    ham.dispose();
  });
});

/** `E = −(Σ a⊙s)² · Σ tanh(b)`: a user-defined synapse with no closed form (autodiff in both methods). */
const coupling = defineHypersynapse({
  kind: 'coupling',
  arity: 2,
  params: ([a]) => ({ s: { shape: a!, init: normal(0.5), learnable: true } }),
  energy: ([a, b], p) => tf.neg(tf.mul(tf.square(sumPerSample(tf.mul(a!, p['s']!))), sumPerSample(tf.tanh(b!)))),
});

describe('gradient with respect to every parameter kind (float32 central differences)', () => {
  const build = () =>
    hypergraph()
      .layer('v', { shape: [4], lagrangian: L.tanh({ beta: learnable(1.2) }) })
      .layer('h', { shape: [3], lagrangian: L.softmax({ beta: learnable(0.8) }), tau: 0.5 })
      .layer('t', { shape: [2, 3], lagrangian: L.spherical({ gamma: learnable(1.1), delta: learnable(0.1) }) })
      .layer('y', { shape: [2], lagrangian: L.sigmoid() })
      .synapse('vh', Y.modernHopfield({ memories: 3, beta: 1.5, init: { xi: normal(0.8) } }), ['h'])
      .synapse('enc', Y.denseBias({ init: { W: normal(0.7), b: normal(0.3) } }), ['v', 'h'])
      .synapse('mix', coupling, ['h', 't'])
      .synapse('out', Y.dense({ init: { W: normal(0.7) } }), ['t', 'y'])
      .build({ seed: 11 });
  type Lw = 'v' | 'h' | 't' | 'y';
  const prepare: Prepare<Lw> = (batch, { ham, key }) => ({
    states: {
      v: tf.clone(batch['x']!),
      h: tf.tensor(normalValues(deriveKey(key, 'h'), [3, 3], 0, 0.5), [3, 3]),
      t: tf.tensor(normalValues(deriveKey(key, 't'), [3, 2, 3], 0, 0.5), [3, 2, 3]),
      y: ham.zeros(3).y,
    },
  });
  const lossW = sumOf([mse({ layer: 'y', field: 'target' }), 1], [mse({ layer: 'v', field: 'x', of: 'state' }), 0.3]);

  for (const method of ['auto', 'autodiff'] as const) {
    it(`${method}: every learnable parameter (synapse weights, tanh β, softmax β, spherical γ and δ)`, () => {
      const ham = build();
      const batch = {
        x: tf.tensor(normalValues(deriveKey(3, 'x'), [3, 4]), [3, 4]),
        target: tf.tensor([[0.9, 0.1], [0.2, 0.7], [0.5, 0.5]]),
      };
      const trainer = new Trainer(ham, { seed: 0, steps: 3, dt: 0.25, method, prepare, loss: lossW, optimizer: { name: 'sgd', learningRate: 0.1 } });
      expect([...trainer.trainable].sort()).toEqual([
        'layers.h.beta', 'layers.t.delta', 'layers.t.gamma', 'layers.v.beta',
        'synapses.enc.W', 'synapses.enc.b', 'synapses.mix.s', 'synapses.out.W', 'synapses.vh.xi',
      ]);
      const { loss: value, grads } = trainer.gradients(batch, 42);
      const eps = 1e-2;
      for (const path of trainer.trainable) {
        const [group, owner, p] = path.split('.') as ['layers' | 'synapses', string, string];
        const v = (trainer.params as Params)[group][owner]![p]! as tf.Variable;
        const base = Float32Array.from(v.dataSync());
        const fd = Array.from(base, (_, j) => {
          const at = (delta: number) => {
            const moved = base.slice();
            moved[j] = moved[j]! + delta;
            tf.tidy(() => v.assign(tf.tensor(moved, v.shape)));
            const l = trainer.lossOf(batch, 42);
            const out = l.dataSync()[0]!;
            l.dispose();
            return out;
          };
          return (at(eps) - at(-eps)) / (2 * eps);
        });
        tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
        const got = grads[path]!.dataSync();
        expect(Math.max(...fd.map(Math.abs)), `${path} has a gradient worth checking`).toBeGreaterThan(1e-3);
        // Central differences in float32 with ε = 1e-2: measured errors ≤ 4e-4 of the scale.
        expect(mismatch(got, fd, 1e-2, 1e-5), `${method} ${path}: autodiff ${Array.from(got)} vs differences ${fd}`).toBeLessThanOrEqual(1);
      }
      tf.dispose([value, ...Object.values(grads), ...Object.values(batch)]);
      trainer.dispose();
      ham.dispose();
    });
  }
});
