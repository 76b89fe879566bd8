import { describe, expect, it } from 'vitest';
import { thrownBy } from '@hamux-ts/test-support';
import {
  tf,
  hypergraph,
  lagrangians as L,
  synapses as Y,
  HamuxErrors,
  learnable,
  type HAM,
  type Params,
  type ParamTree,
  type Tensor,
} from '@hamux-ts/core';

/** Three layers with learnable and fixed Lagrangian parameters and several synapse kinds. */
function graph(seed: number) {
  return hypergraph()
    .layer('v', { shape: [6], lagrangian: L.tanh({ beta: learnable(1.5) }) })
    .layer('h', { shape: [4], lagrangian: L.softmax({ beta: 2 }) })
    .layer('tok', { shape: [3, 4], lagrangian: L.layernorm() })
    .synapse('vh', Y.denseBias(), ['v', 'h'])
    .synapse('mem', Y.modernHopfield({ memories: 5, perToken: true }), ['tok'])
    .synapse('embed', Y.dense({ perToken: true }), ['tok', 'tok'])
    .synapse('cross', Y.dense(), ['tok', 'h'])
    .build({ seed });
}

/** Every tensor of a parameter tree mapped through `f`, as a complete `Params`. */
function mapParams(p: Params, f: (t: Tensor, path: string) => Tensor): Params {
  const group = (g: Params['layers'], name: string) =>
    Object.fromEntries(Object.entries(g).map(([o, m]) => [o, Object.fromEntries(Object.entries(m).map(([k, t]) => [k, f(t, `${name}.${o}.${k}`)]))]));
  return { layers: group(p.layers, 'layers'), synapses: group(p.synapses, 'synapses') };
}

function disposeTree(p: Params): void {
  for (const g of [p.layers, p.synapses]) for (const m of Object.values(g)) tf.dispose(Object.values(m));
}

const values = (t: Tensor) => Array.from(t.dataSync());

const errorsOf = (f: () => unknown): HamuxErrors => thrownBy(f, HamuxErrors);

describe('HAM.withParams', () => {
  it("gives the energies and signals of the original graph evaluated with options.params", () => {
    const ham = graph(1);
    // Other weights: those of a graph built from another seed, plus a changed Lagrangian β.
    const other = graph(2);
    const given = mapParams(other.params, (t, path) => (path === 'layers.v.beta' ? tf.scalar(0.7) : t.clone()));
    const swapped = ham.withParams(given);
    const states = ham.randomStates(2, 5);

    const want = ham.energyTree(states, { params: given });
    const got = swapped.energyTree(states);
    for (const group of ['layers', 'synapses'] as const) {
      for (const [n, t] of Object.entries<Tensor>(want[group])) expect(values((got[group] as Record<string, Tensor>)[n]!), n).toEqual(values(t));
    }
    expect(values(got.total)).toEqual(values(want.total));
    // And they really differ from the graph's own energies, so the test could fail.
    const own = ham.energy(states);
    expect(Math.abs(values(own)[0]! - values(got.total)[0]!)).toBeGreaterThan(1e-3);

    for (const method of ['auto', 'autodiff'] as const) {
      const a = swapped.dEdxhat(states, { method });
      const b = ham.dEdxhat(states, { method, params: given });
      for (const l of ham.layerNames) expect(values(a[l]), `${method} ${l}`).toEqual(values(b[l]));
      tf.dispose([...Object.values(a), ...Object.values(b)]);
    }

    // Same structure, seed and specs; the original's parameters are untouched.
    expect(swapped.layerNames).toEqual(ham.layerNames);
    expect(swapped.synapseNames).toEqual(ham.synapseNames);
    expect(swapped.seed).toBe(ham.seed);
    expect(swapped.paramSpecs).toEqual(ham.paramSpecs);
    expect(swapped.layers.v).toBe(ham.layers.v);
    expect(values(ham.params.layers['v']!['beta']!)).toEqual([1.5]);

    tf.dispose([own, want.total, got.total, ...Object.values(want.layers), ...Object.values(want.synapses), ...Object.values(got.layers), ...Object.values(got.synapses)]);
    tf.dispose(Object.values(states));
    disposeTree(given);
    [ham, other, swapped].forEach((g) => g.dispose());
  });

  it('copies the given tensors: the caller keeps and may dispose them, and the new graph frees only its own', () => {
    const ham = graph(3);
    const given = mapParams(ham.params, (t) => tf.mul(t, 2));
    const before = tf.memory().numTensors;
    const swapped = ham.withParams(given);
    const created = tf.memory().numTensors - before;
    const count = Object.values(swapped.params.layers).concat(Object.values(swapped.params.synapses)).reduce((n, m) => n + Object.keys(m).length, 0);
    expect(created).toBe(count);
    // Not the same tensor objects.
    expect(swapped.params.synapses['vh']!['W']).not.toBe(given.synapses['vh']!['W']);
    const W = values(given.synapses['vh']!['W']!);
    disposeTree(given);
    expect(values(swapped.params.synapses['vh']!['W']!)).toEqual(W);
    swapped.dispose();
    expect(tf.memory().numTensors).toBe(before - count);
    // The original graph still works after both were disposed.
    const states = ham.randomStates(1, 0);
    expect(values(ham.energy(states)).every(Number.isFinite)).toBe(true);
    tf.dispose(Object.values(states));
    ham.dispose();
  });

  it('accepts the graph’s own Params and other dtypes (cast to float32)', () => {
    const ham = graph(4);
    const same = ham.withParams(ham.params);
    const states = ham.randomStates(2, 1);
    expect(values(same.energy(states))).toEqual(values(ham.energy(states)));
    const asInts = mapParams(ham.params, (t) => tf.cast(tf.round(tf.mul(t, 10)), 'int32'));
    const ints = ham.withParams(asInts);
    expect(ints.params.synapses['mem']!['xi']!.dtype).toBe('float32');
    expect(values(ints.params.synapses['mem']!['xi']!)).toEqual(values(asInts.synapses['mem']!['xi']!));
    tf.dispose(Object.values(states));
    disposeTree(asInts);
    [ham, same, ints].forEach((g) => g.dispose());
  });

  it('rejects incomplete, misshapen, unknown and disposed parameters, every problem at once with its path', () => {
    const ham = graph(5);
    const before = tf.memory().numTensors;
    const dead = tf.zeros([4]);
    dead.dispose();
    const bad: ParamTree = {
      layers: {
        v: { beta: tf.scalar(1) },
        // h's beta is missing; tok is missing entirely.
        ghost: { beta: tf.scalar(1) },
      },
      synapses: {
        vh: { W: tf.zeros([4, 6]), b: dead, extra: tf.zeros([1]) },
        mem: { xi: tf.zeros([5, 4]), beta: tf.scalar(1) },
        embed: { W: tf.zeros([4, 4]) },
        cross: { W: [[1]] as unknown as Tensor },
      },
    };
    const e = errorsOf(() => ham.withParams(bad));
    expect(e.errors.map((x) => x.message)).toEqual([
      'layers.ghost: no such layer (layers are "v", "h", "tok")',
      'layers.h.beta: missing: expected a tensor of shape []',
      'layers.tok.gamma: missing: expected a tensor of shape []',
      'layers.tok.delta: missing: expected a tensor of shape [4]',
      'synapses.vh.extra: unknown parameter (expected one of: W, b)',
      'synapses.vh.W: expected shape [6, 4], got [4, 6]',
      'synapses.vh.b: the tensor has been disposed',
      'synapses.cross.W: expected a tensor',
    ]);
    expect(e.errors.map((x) => x.where)).toContain('synapses.vh.W');
    // Nothing was allocated by the failed call.
    expect(tf.memory().numTensors).toBe(before + 7);
    for (const g of [bad.layers!, bad.synapses!]) {
      for (const m of Object.values(g)) for (const t of Object.values(m)) if (t instanceof tf.Tensor && !t.isDisposed) t.dispose();
    }
    const empty = errorsOf(() => ham.withParams({}));
    expect(empty.errors.length).toBe(Object.values(ham.paramSpecs.layers).concat(Object.values(ham.paramSpecs.synapses)).reduce((n, m) => n + Object.keys(m).length, 0));
    expect(() => ham.withParams(null as unknown as ParamTree)).toThrow(/^params: expected \{ layers, synapses \}/);
    ham.dispose();
  });

  it('leaks no tensors over repeated swaps', () => {
    const ham: HAM<string, string> = graph(6) as unknown as HAM<string, string>;
    const states = ham.randomStates(2, 0);
    const run = () => {
      const given = mapParams(ham.params, (t) => tf.add(t, 0.01));
      const swapped = ham.withParams(given);
      disposeTree(given);
      swapped.energy(states).dispose();
      swapped.dispose();
    };
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(states));
    ham.dispose();
  });
});
