// Learning at the fixed point, pinned numerically on small graphs (float32, well conditioned):
// implicit differentiation equals finite differences of the loss at the converged state and
// backpropagation through a long unroll that has converged; equilibrium propagation tends to it as
// β → 0 (its bias is O(β²)); the two adjoint solvers agree; user-defined parts train in both modes;
// and nothing leaks over many steps.
import { describe, expect, it } from 'vitest';
import {
  HamuxError, defineHypersynapse, defineLagrangian, hypergraph, lagrangians as L, learnable, normal, sumPerSample, synapses as Y, tf,
  type HAM, type Tensor,
} from '@hamux-ts/core';
import { Trainer, clampedInput, crossEntropy, maskedInput, mse, type FixedPointOptions, type Loss, type TrainerOptions } from '@hamux-ts/train';
import { relErr, thrownBy } from '@hamux-ts/test-support';
import { blobs, flatParams } from './support.js';

type Graph = HAM<'input' | 'hidden' | 'label', 'encode' | 'classify'>;

const classifier = (): Graph =>
  hypergraph()
    .layer('input', { shape: [4], lagrangian: L.identity() })
    .layer('hidden', { shape: [6], lagrangian: L.tanh(), tau: 0.5 })
    .layer('label', { shape: [3], lagrangian: L.softmax({ beta: learnable(1.5) }), tau: 0.2 })
    .synapse('encode', Y.denseBias(), ['input', 'hidden'])
    .synapse('classify', Y.dense(), ['hidden', 'label'])
    .build({ seed: 3 });

const batch = () => ({
  x: tf.tensor2d([[1, -0.5, 0.3, 0.8], [-0.7, 0.2, 0.9, -0.1], [0.4, 0.6, -0.8, 0.5]]),
  y: tf.tensor1d([0, 2, 1], 'int32'),
  t: tf.tensor2d([[1, 0, 0], [0, 0, 1], [0, 1, 0]]),
});

// Equilibrium propagation's usual loss: with cross-entropy on a softmax layer, the −β phase has no
// equilibrium for a sample the layer is confidently wrong about (the nudge −β log p is unbounded).
const onehot = mse({ layer: 'label', field: 't' }) as Loss<string>;

const base = {
  seed: 0,
  prepare: clampedInput({ layer: 'input', field: 'x' }),
  loss: crossEntropy({ layer: 'label', field: 'y' }),
  optimizer: { name: 'sgd', learningRate: 0.1 },
} as const;

/** Every trainable parameter's gradient, flattened in `trainable` order, and the loss. */
function gradientsOf(ham: Graph, options: Partial<TrainerOptions<string, string>>) {
  const trainer = new Trainer(ham as HAM<string, string>, { ...base, ...options } as TrainerOptions<string, string>);
  const data = batch();
  const { loss, grads } = trainer.gradients(data);
  const flat = Float32Array.from(trainer.trainable.flatMap((p) => Array.from(grads[p]!.dataSync())));
  const out = { loss: loss.dataSync()[0]!, flat, path: trainer.path!, trainable: trainer.trainable };
  tf.dispose([loss, ...Object.values(grads), ...Object.values(data)]);
  trainer.dispose();
  return out;
}

const tight: FixedPointOptions = { method: 'implicit', tolerance: 1e-6, dt: 0.1, maxSteps: 20000, solverTolerance: 1e-6 };

describe('implicit differentiation at the fixed point', () => {
  it('equals central finite differences of the loss at the converged state', () => {
    const ham = classifier();
    const implicit = gradientsOf(ham, { fixedPoint: tight });
    expect(implicit.path.kind).toBe('implicit');
    expect(implicit.path.detail).toMatch(/adjoint by bicgstab in \d+ iterations/);
    // loss(θ ± h e_k) at the fixed point, for a spread of entries of every parameter
    const trainer = new Trainer(ham as HAM<string, string>, { ...base, fixedPoint: tight } as TrainerOptions<string, string>);
    const data = batch();
    const h = 1e-2;
    let offset = 0;
    const fd: number[] = [], ad: number[] = [];
    for (const path of trainer.trainable) {
      const [group, owner, name] = path.split('.') as ['layers' | 'synapses', string, string];
      const v = (trainer.params[group] as Record<string, Record<string, Tensor>>)[owner]![name] as tf.Variable;
      const original = Float32Array.from(v.dataSync());
      for (const k of [0, Math.floor(original.length / 2), original.length - 1]) {
        const at = (delta: number) => {
          const moved = Float32Array.from(original);
          moved[k] = original[k]! + delta;
          v.assign(tf.tensor(moved, v.shape));
          const l = trainer.lossOf(data);
          const value = l.dataSync()[0]!;
          l.dispose();
          return value;
        };
        fd.push((at(h) - at(-h)) / (2 * h));
        ad.push(implicit.flat[offset + k]!);
        v.assign(tf.tensor(original, v.shape));
      }
      offset += original.length;
    }
    expect(relErr(ad, fd)).toBeLessThan(1e-2);
    expect(Math.max(...fd.map(Math.abs))).toBeGreaterThan(1e-2); // the check has something to compare
    tf.dispose(Object.values(data));
    trainer.dispose();
    ham.dispose();
  });

  it('equals backpropagation through a long unroll that has converged, with either solver', () => {
    const ham = classifier();
    const implicit = gradientsOf(ham, { fixedPoint: tight });
    const richardson = gradientsOf(ham, { fixedPoint: { ...tight, solver: 'fixedPoint' } });
    const unrolled = gradientsOf(ham, { steps: 400, dt: 0.1, method: 'autodiff' });
    expect(unrolled.path.kind).toBe('autodiff');
    expect(Math.abs(implicit.loss - unrolled.loss)).toBeLessThan(1e-5);
    expect(relErr(implicit.flat, unrolled.flat)).toBeLessThan(1e-3);
    expect(richardson.path.detail).toMatch(/adjoint by fixedPoint/);
    expect(relErr(richardson.flat, implicit.flat)).toBeLessThan(1e-4);
    // a short unroll has not converged: its gradient is another one (so the comparison above can fail)
    const short = gradientsOf(ham, { steps: 5, dt: 0.1, method: 'autodiff' });
    expect(relErr(short.flat, implicit.flat)).toBeGreaterThan(1e-2);
    ham.dispose();
  });
});

describe('equilibrium propagation', () => {
  it('tends to the implicit gradient as β → 0, with an O(β²) bias', () => {
    const ham = classifier();
    const implicit = gradientsOf(ham, { fixedPoint: tight, loss: onehot });
    const errors = [0.4, 0.1, 0.025].map((beta) => {
      const ep = gradientsOf(ham, { fixedPoint: { ...tight, method: 'equilibrium', beta }, loss: onehot });
      expect(ep.path.kind).toBe('equilibrium');
      expect(ep.loss).toBeCloseTo(implicit.loss, 5); // both report the free equilibrium's loss
      return relErr(ep.flat, implicit.flat);
    });
    // measured: 1.1e-3, 6.4e-5, 8.5e-6 (the last near float32's floor)
    expect(errors[1]!).toBeLessThan(errors[0]! / 8); // 16× in exact arithmetic
    expect(errors[2]!).toBeLessThan(1e-4);
    expect(errors[0]!).toBeGreaterThan(3e-4); // β = 0.4 is visibly biased: the test can fail
    ham.dispose();
  });

  it('refuses a loss with no per-sample form of the activations, and says what to use', () => {
    const ham = classifier();
    const own: Loss<'label'> = (acts) => tf.mean(tf.square(acts.label));
    const e = thrownBy(() => gradientsOf(ham, { fixedPoint: { method: 'equilibrium' }, loss: own as Loss<string> }), HamuxError);
    expect(e).toMatchObject({ code: 'unsupported', path: ['options', 'loss'] });
    expect(e.message).toMatch(/crossEntropy, mse .* or fixedPoint.method 'implicit'/);
    // the implicit mode takes any differentiable loss
    expect(gradientsOf(ham, { fixedPoint: tight, loss: own as Loss<string> }).path.kind).toBe('implicit');
    ham.dispose();
  });

  it('checks its options', () => {
    const ham = classifier();
    const e = thrownBy(() => gradientsOf(ham, { fixedPoint: { method: 'equilibrium', beta: -1 } }), HamuxError);
    expect(e.message).toBe('options.fixedPoint.beta: expected a positive number, got -1');
    const m = thrownBy(() => gradientsOf(ham, { fixedPoint: { method: 'nudged' as 'implicit' } }), HamuxError);
    expect(m.message).toBe('options.fixedPoint.method: expected \'equilibrium\' or \'implicit\', got "nudged"');
    expect(() => gradientsOf(ham, {})).toThrow(/options\.steps: expected an integer >= 0, got undefined/);
    ham.dispose();
  });
});

describe('user-defined parts at the fixed point', () => {
  const softplus = defineLagrangian({ kind: 'softplus', lagrangian: (x) => sumPerSample(tf.softplus(x)) });
  const bilinear = defineHypersynapse({
    kind: 'bilinear',
    arity: 2,
    params: (shapes) => ({ W: { shape: [shapes[0]![0]!, shapes[1]![0]!], init: normal(0.3), learnable: true } }),
    energy: ([a, b], p) => tf.neg(tf.sum(tf.mul(tf.matMul(a!, p['W']!), b!), 1)),
  });
  const graph = () =>
    hypergraph()
      .layer('input', { shape: [4], lagrangian: L.identity() })
      .layer('hidden', { shape: [5], lagrangian: softplus, tau: 0.5 })
      .layer('label', { shape: [3], lagrangian: L.softmax(), tau: 0.2 })
      .synapse('encode', bilinear, ['input', 'hidden'])
      .synapse('classify', Y.dense(), ['hidden', 'label'])
      .build({ seed: 5 }) as unknown as Graph;

  it('get the same gradient in both modes (through autodiff), and train: the loss falls in both', async () => {
    const ham = graph();
    const implicit = gradientsOf(ham, { fixedPoint: tight, loss: onehot });
    const ep = gradientsOf(ham, { fixedPoint: { ...tight, method: 'equilibrium', beta: 0.02 }, loss: onehot });
    expect(relErr(ep.flat, implicit.flat)).toBeLessThan(5e-3);
    for (const fixedPoint of [{ method: 'implicit' }, { method: 'equilibrium', beta: 0.05 }] as const) {
      const trainer = new Trainer(ham as HAM<string, string>, { ...base, fixedPoint, loss: onehot, optimizer: { name: 'adam', learningRate: 0.05 } } as TrainerOptions<string, string>);
      const data = batch();
      const losses: number[] = [];
      await trainer.trainBatch(data, 0); // the optimizer makes its slots
      const n0 = tf.memory().numTensors;
      for (let i = 1; i <= 15; i++) losses.push(await trainer.trainBatch(data, i));
      expect(tf.memory().numTensors).toBe(n0); // nothing leaks, step after step
      expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.7);
      tf.dispose(Object.values(data));
      trainer.dispose();
    }
    ham.dispose();
  });
});

describe('masked clamps at the fixed point', () => {
  it('train with part of a layer clamped (inpainting), in both modes, and hold no tensor more step after step', async () => {
    const ham = classifier();
    for (const fixedPoint of [{ method: 'implicit' }, { method: 'equilibrium', beta: 0.05 }] as const) {
      const trainer = new Trainer(ham as HAM<string, string>, {
        ...base, fixedPoint, loss: mse({ layer: 'input', field: 'x', on: 'free' }),
        prepare: maskedInput({ layer: 'input', field: 'x', fraction: 0.5 }),
      } as TrainerOptions<string, string>);
      const data = batch();
      await trainer.trainBatch(data, 0);
      const n0 = tf.memory().numTensors;
      for (let i = 1; i <= 5; i++) expect(Number.isFinite(await trainer.trainBatch(data, i))).toBe(true);
      expect(tf.memory().numTensors, fixedPoint.method).toBe(n0);
      tf.dispose(Object.values(data));
      trainer.dispose();
    }
    ham.dispose();
  });
});

describe('equilibrium propagation with cross-entropy on a softmax layer', () => {
  it('says why when a nudged phase finds no equilibrium', () => {
    const ham = classifier();
    const e = thrownBy(() => gradientsOf(ham, { fixedPoint: { method: 'equilibrium', beta: 0.5 } }), HamuxError);
    expect(e).toMatchObject({ code: 'diverged', path: ['options', 'fixedPoint', 'beta'] });
    expect(e.message).toMatch(/the [+−]β phase \(β 0\.5\) found no equilibrium: .*use a smaller beta or dt, an mse loss on one-hot targets/);
    ham.dispose();
  });
});

describe('checkpoints of fixed-point training', () => {
  it.each(['implicit', 'equilibrium'] as const)('%s: resuming from epoch 1 reproduces the uninterrupted run bit for bit', async (method) => {
    const data = blobs(12, 4, { dim: 4 });
    const withTargets = { ...data, t: tf.cast(tf.oneHot(data.y, 3), 'float32') };
    const make = () => {
      const ham = classifier();
      return new Trainer(ham as HAM<string, string>, {
        ...base, batchSize: 4, loss: onehot, fixedPoint: { method, beta: 0.05, tolerance: 1e-5 },
        optimizer: { name: 'adam', learningRate: 0.02 },
      } as TrainerOptions<string, string>);
    };
    const saved = new Map<number, Uint8Array>();
    const a = make();
    const historyA = await a.fit(withTargets, { epochs: 3, checkpoint: { every: 1, save: (bytes, info) => { saved.set(info.epoch, bytes); } } });
    const b = make();
    await b.restore(saved.get(1)!);
    const historyB = await b.fit(withTargets, { epochs: 3 });
    expect(historyB.map((h) => h.loss)).toEqual(historyA.slice(1).map((h) => h.loss));
    expect(flatParams(b.params)).toEqual(flatParams(a.params));
    expect(b.path?.kind).toBe(method);
    for (const t of [a, b]) { t.ham.dispose(); t.dispose(); }
    tf.dispose(Object.values(withTargets));
  });
});
