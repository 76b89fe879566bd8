import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import {
  HAM,
  HamuxError,
  HamuxErrors,
  hypergraph,
  lagrangians as L,
  synapses as Y,
  tf,
  type GraphBuilder,
  type Tensor,
} from '@hamux-ts/core';

/** Runs `f`, expects it to throw a HamuxErrors, and returns it. */
function catchErrors(f: () => unknown): HamuxErrors {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(HamuxErrors);
  return caught as HamuxErrors;
}

const paths = (e: HamuxErrors): string[] => e.errors.map((x) => x.where).sort();

/** The one sub-error at `path` (fails if there is none or several). */
function at(e: HamuxErrors, path: string): HamuxError {
  const found = e.errors.filter((x) => x.where === path);
  expect(found.map((x) => x.where), `errors: ${e.message}`).toEqual([path]);
  return found[0]!;
}

const twoLayers = () =>
  hypergraph()
    .layer('pixels', { shape: [4], lagrangian: L.identity() })
    .layer('hidden', { shape: [3], lagrangian: L.softmax() });

describe('typing of names', () => {
  it('knows the declared layer and synapse names', () => {
    const ham = twoLayers().synapse('enc', Y.dense(), ['pixels', 'hidden']).build({ seed: 0 });
    expectTypeOf(ham).toEqualTypeOf<HAM<'pixels' | 'hidden', 'enc'>>();
    expectTypeOf(ham.layerNames).toEqualTypeOf<readonly ('pixels' | 'hidden')[]>();
    expect(ham.layerNames).toEqual(['pixels', 'hidden']);
    expect(ham.synapseNames).toEqual(['enc']);
    ham.dispose();
  });

  it('makes a misspelt layer in connects a compile error (and a build error)', () => {
    const b = twoLayers();
    // @ts-expect-error 'hiden' is not a declared layer
    const bad = b.synapse('enc', Y.dense(), ['pixels', 'hiden']);
    const e = catchErrors(() => bad.build({ seed: 0 }));
    expect(at(e, 'synapses.enc.connects').message).toContain('"hiden"');
  });

  it('makes a layer used before it is declared a compile error', () => {
    const b = hypergraph().layer('pixels', { shape: [4], lagrangian: L.identity() });
    // @ts-expect-error 'hidden' is declared only after the synapse
    const bad = b.synapse('enc', Y.dense(), ['pixels', 'hidden']);
    // At run time the order of declarations does not matter: the names are resolved at build.
    const ham = bad.layer('hidden', { shape: [3], lagrangian: L.identity() }).build({ seed: 0 });
    expect(ham.synapses.enc.connects).toEqual(['pixels', 'hidden']);
    ham.dispose();
  });

  it('makes misspelt layers and synapses of a built graph compile errors', () => {
    const ham = twoLayers().synapse('enc', Y.dense(), ['pixels', 'hidden']).build({ seed: 0 });
    const states = ham.zeros(1);
    const tree = ham.energyTree(states);
    // @ts-expect-error no layer 'hiden'
    const misspeltLayer: Tensor | undefined = tree.layers.hiden;
    // @ts-expect-error no synapse 'enx'
    const misspeltSynapse: Tensor | undefined = tree.synapses.enx;
    expect(misspeltLayer).toBeUndefined();
    expect(misspeltSynapse).toBeUndefined();
    expect(tree.layers.hidden.shape).toEqual([1]);
    // @ts-expect-error no layer 'hiden'
    expect(ham.layers.hiden).toBeUndefined();
    // @ts-expect-error no synapse 'enx'
    expect(ham.synapses.enx).toBeUndefined();
    tf.dispose([tree.total, ...Object.values(tree.layers), ...Object.values(tree.synapses), states.pixels, states.hidden]);
    ham.dispose();
  });

  it('makes states that miss a layer or add an unknown one compile errors', () => {
    const ham = twoLayers().synapse('enc', Y.dense(), ['pixels', 'hidden']).build({ seed: 0 });
    const pixels = tf.zeros([2, 4]);
    const hidden = tf.zeros([2, 3]);
    // @ts-expect-error 'hidden' is missing
    const e1 = catchErrors(() => ham.energy({ pixels }));
    expect(at(e1, 'states.hidden').message).toContain('missing');
    // @ts-expect-error 'hiden' is not a layer
    const e2 = catchErrors(() => ham.energyTree({ pixels, hiden: hidden }));
    expect(paths(e2)).toEqual(['states.hidden', 'states.hiden']);
    // @ts-expect-error 'extra' is not a layer
    const e3 = catchErrors(() => ham.dEdxhat({ pixels, hidden, extra: hidden }));
    expect(paths(e3)).toEqual(['states.extra']);
    tf.dispose([pixels, hidden]);
    ham.dispose();
  });

  it('reports an unknown layer from runtime (non-literal) names clearly', () => {
    const names: string[] = JSON.parse('["pixels", "hidden", "hiden"]');
    const [pixels, hidden, typo] = names as [string, string, string];
    let b: GraphBuilder<string, string> = hypergraph();
    b = b.layer(pixels, { shape: [4], lagrangian: L.identity() });
    b = b.layer(hidden, { shape: [3], lagrangian: L.identity() });
    b = b.synapse('enc', Y.dense(), [pixels, typo]);
    const e = catchErrors(() => b.build({ seed: 0 }));
    expect(e.errors).toHaveLength(1);
    const sub = at(e, 'synapses.enc.connects');
    expect(sub).toBeInstanceOf(HamuxError);
    expect(sub.message).toMatch(/^synapses\.enc\.connects: /);
    expect(sub.message).toContain('unknown layer "hiden"');
    expect(sub.message).toContain('"pixels"');
    expect(sub.message).toContain('"hidden"');
    expect(e.message).toContain('synapses.enc.connects');
  });
});

describe('validation at build time', () => {
  it('reports every structural problem at once', () => {
    const b = hypergraph()
      .layer('zero', { shape: [0], lagrangian: L.identity() })
      .layer('negative', { shape: [-1], lagrangian: L.identity() })
      .layer('fraction', { shape: [2.5], lagrangian: L.identity() })
      .layer('tauZero', { shape: [2], lagrangian: L.identity(), tau: 0 })
      .layer('tauNegative', { shape: [2], lagrangian: L.identity(), tau: -1 })
      .layer('tauNaN', { shape: [2], lagrangian: L.identity(), tau: NaN })
      .layer('v', { shape: [4], lagrangian: L.identity() })
      .layer('v', { shape: [5], lagrangian: L.identity() })
      .layer('img', { shape: [6, 6, 1], lagrangian: L.identity() })
      .layer('fm', { shape: [3, 3, 2], lagrangian: L.identity() })
      .layer('lonely', { shape: [3], lagrangian: L.identity() })
      .layer('badAxis', { shape: [3], lagrangian: L.softmax({ axis: 1 }) });
    const names: string[] = ['v', 'nope'];
    const g = (b as GraphBuilder<string, string>)
      .synapse('unknown', Y.dense(), names)
      .synapse('arity', Y.dense(), ['v'])
      .synapse('conv', Y.conv2d({ kernel: 3 }), ['img', 'fm'])
      .synapse('ok', Y.dense(), ['v', 'img'])
      .synapse('ok', Y.dense(), ['v', 'fm']);
    const e = catchErrors(() => g.build({ seed: 1.5, isolatedLayers: 'error' }));
    expect(paths(e)).toEqual(
      [
        'seed',
        'layers.zero.shape',
        'layers.negative.shape',
        'layers.fraction.shape',
        'layers.tauZero.tau',
        'layers.tauNegative.tau',
        'layers.tauNaN.tau',
        'layers.v',
        'layers.lonely',
        'layers.badAxis.lagrangian',
        'synapses.unknown.connects',
        'synapses.arity.connects',
        'synapses.conv',
        'synapses.ok',
      ].sort(),
    );
    expect(at(e, 'seed').message).toContain('1.5');
    expect(at(e, 'layers.zero.shape').message).toContain('[0]');
    expect(at(e, 'layers.negative.shape').message).toContain('[-1]');
    expect(at(e, 'layers.fraction.shape').message).toContain('[2.5]');
    expect(at(e, 'layers.tauZero.tau').message).toContain('got 0');
    expect(at(e, 'layers.tauNegative.tau').message).toContain('got -1');
    expect(at(e, 'layers.tauNaN.tau').message).toContain('got NaN');
    expect(at(e, 'layers.v').message).toContain('duplicate layer name "v"');
    expect(at(e, 'layers.lonely').message).toContain('not connected');
    expect(at(e, 'layers.badAxis.lagrangian').message).toContain('axis 1');
    expect(at(e, 'synapses.unknown.connects').message).toContain('unknown layer "nope"');
    expect(at(e, 'synapses.arity.connects').message).toMatch(/dense connects 2 layer\(s\), got 1/);
    const conv = at(e, 'synapses.conv').message;
    expect(conv).toContain('"img" [6, 6, 1]');
    expect(conv).toContain('"fm" [3, 3, 2]');
    expect(conv).toContain('[4, 4, 2]');
    expect(at(e, 'synapses.ok').message).toContain('duplicate synapse name "ok"');
    // The summary lists every problem.
    expect(e.message).toMatch(/^14 problems:/);
    for (const sub of e.errors) expect(e.message).toContain(sub.message);
  });

  it('reports a single problem with its own message', () => {
    const e = catchErrors(() =>
      hypergraph().layer('v', { shape: [0], lagrangian: L.identity() }).build({ seed: 0, isolatedLayers: 'allow' }),
    );
    expect(e.errors).toHaveLength(1);
    expect(e.message).toBe(e.errors[0]!.message);
    expect(e.message).toMatch(/^layers\.v\.shape: /);
  });

  it.each([0, -1, NaN, Infinity])('rejects tau = %s', (tau) => {
    const e = catchErrors(() =>
      hypergraph().layer('v', { shape: [2], lagrangian: L.identity(), tau }).build({ seed: 0, isolatedLayers: 'allow' }),
    );
    expect(paths(e)).toEqual(['layers.v.tau']);
  });

  it.each([1.5, NaN, Infinity])('rejects seed = %s', (seed) => {
    const e = catchErrors(() => twoLayers().synapse('enc', Y.dense(), ['pixels', 'hidden']).build({ seed }));
    expect(paths(e)).toEqual(['seed']);
  });

  it('accepts a valid tau and a negative integer seed', () => {
    const ham = hypergraph()
      .layer('v', { shape: [2], lagrangian: L.identity(), tau: 0.25 })
      .synapse('b', Y.bias(), ['v'])
      .build({ seed: -3 });
    expect(ham.layers.v.tau).toBe(0.25);
    ham.dispose();
  });

  it('reports a duplicate layer even when the first declaration is itself invalid', () => {
    const e = catchErrors(() =>
      hypergraph()
        .layer('v', { shape: [0], lagrangian: L.identity() })
        .layer('v', { shape: [3], lagrangian: L.identity() })
        .synapse('b', Y.bias(), ['v'])
        .build({ seed: 0 }),
    );
    expect(paths(e)).toEqual(['layers.v', 'layers.v.shape']);
  });

  it('reports a duplicate synapse even when the first declaration is itself invalid', () => {
    const e = catchErrors(() =>
      hypergraph()
        .layer('v', { shape: [3], lagrangian: L.identity() })
        .synapse('s', Y.dense(), ['v'])
        .synapse('s', Y.bias(), ['v'])
        .build({ seed: 0 }),
    );
    expect(paths(e)).toEqual(['synapses.s', 'synapses.s.connects']);
  });

  it('accepts a conv2d whose layer shapes match', () => {
    const ham = hypergraph()
      .layer('img', { shape: [6, 6, 1], lagrangian: L.identity() })
      .layer('fm', { shape: [4, 4, 2], lagrangian: L.identity() })
      .synapse('conv', Y.conv2d({ kernel: 3 }), ['img', 'fm'])
      .build({ seed: 0 });
    expect(ham.params.synapses['conv']!['W']!.shape).toEqual([3, 3, 1, 2]);
    ham.dispose();
  });
});

describe('isolated layers', () => {
  const graph = () =>
    twoLayers()
      .layer('lonely', { shape: [2], lagrangian: L.identity() })
      .synapse('enc', Y.dense(), ['pixels', 'hidden']);

  it("warns by default, in ham.warnings and not on the console", () => {
    const ham = graph().build({ seed: 0 });
    expect(ham.warnings).toHaveLength(1);
    expect(ham.warnings[0]).toContain('"lonely"');
    expect(ham.warnings[0]).toContain('not connected');
    ham.dispose();
  });

  it("throws with 'error'", () => {
    const e = catchErrors(() => graph().build({ seed: 0, isolatedLayers: 'error' }));
    expect(paths(e)).toEqual(['layers.lonely']);
  });

  it("is silent with 'allow'", () => {
    const ham = graph().build({ seed: 0, isolatedLayers: 'allow' });
    expect(ham.warnings).toEqual([]);
    ham.dispose();
  });

  it('does not warn about connected layers', () => {
    const ham = twoLayers().synapse('enc', Y.dense(), ['pixels', 'hidden']).build({ seed: 0 });
    expect(ham.warnings).toEqual([]);
    ham.dispose();
  });
});

describe('parameter overrides', () => {
  const graph = () => twoLayers().synapse('enc', Y.dense(), ['pixels', 'hidden']);

  it('uses the given parameters', () => {
    const W = tf.tensor2d(Array.from({ length: 12 }, (_, i) => i / 10), [4, 3]);
    const beta = tf.scalar(3);
    const ham = graph().build({ seed: 0, params: { synapses: { enc: { W } }, layers: { hidden: { beta } } } });
    expect(Array.from(ham.params.synapses['enc']!['W']!.dataSync())).toEqual(Array.from(W.dataSync()));
    expect(ham.params.layers['hidden']!['beta']!.dataSync()[0]).toBe(3);
    // The graph owns copies: the caller may dispose its tensors, and ham.dispose() leaves them alone.
    const other = tf.tensor2d(Array.from({ length: 12 }, (_, i) => -i), [4, 3]);
    const ham2 = graph().build({ seed: 0, params: { synapses: { enc: { W: other } } } });
    W.dispose();
    expect(ham.params.synapses['enc']!['W']!.isDisposed).toBe(false);
    ham2.dispose();
    expect(other.isDisposed).toBe(false);
    ham.dispose();
    tf.dispose([beta, other]);
  });

  it('reports a wrong shape with the expected and actual shapes', () => {
    const W = tf.zeros([3, 4]);
    const beta = tf.zeros([2]);
    const before = tf.memory().numTensors;
    const e = catchErrors(() =>
      graph().build({ seed: 0, params: { synapses: { enc: { W } }, layers: { hidden: { beta } } } }),
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(paths(e)).toEqual(['layers.hidden.beta', 'synapses.enc.W']);
    const m = at(e, 'synapses.enc.W').message;
    expect(m).toContain('expected shape [4, 3]');
    expect(m).toContain('got [3, 4]');
    expect(at(e, 'layers.hidden.beta').message).toContain('expected shape [], got [2]');
    tf.dispose([W, beta]);
  });

  it('reports an unknown parameter name', () => {
    const V = tf.zeros([4, 3]);
    const e = catchErrors(() => graph().build({ seed: 0, params: { synapses: { enc: { V } } } }));
    const m = at(e, 'synapses.enc.V').message;
    expect(m).toContain('unknown parameter');
    expect(m).toContain('W');
    V.dispose();
  });

  it('reports parameters given for a synapse or layer that does not exist', () => {
    const W = tf.zeros([4, 3]);
    const beta = tf.scalar(1);
    const before = tf.memory().numTensors;
    const e = catchErrors(() =>
      graph().build({ seed: 0, params: { synapses: { enx: { W } }, layers: { hiden: { beta } } } }),
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(paths(e).map((p) => p.split('.').slice(0, 2).join('.'))).toEqual(['layers.hiden', 'synapses.enx']);
    tf.dispose([W, beta]);
  });

  it('reports a disposed override as a HamuxErrors and leaks nothing', () => {
    const W = tf.zeros([4, 3]);
    W.dispose();
    const before = tf.memory().numTensors;
    const e = catchErrors(() => graph().build({ seed: 0, params: { synapses: { enc: { W } } } }));
    expect(at(e, 'synapses.enc.W').message).toContain('disposed');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports override problems together with structural problems', () => {
    const W = tf.zeros([3, 4]);
    const e = catchErrors(() =>
      graph()
        .layer('lonely', { shape: [2], lagrangian: L.identity() })
        .build({ seed: 0, isolatedLayers: 'error', params: { synapses: { enc: { W } } } }),
    );
    expect(paths(e)).toEqual(['layers.lonely', 'synapses.enc.W']);
    W.dispose();
  });
});

describe('states validation', () => {
  const build = () =>
    hypergraph()
      .layer('v', { shape: [5], lagrangian: L.identity() })
      .layer('h', { shape: [2, 3], lagrangian: L.softmax() })
      .synapse('enc', Y.dense(), ['v', 'h'])
      .build({ seed: 0 });

  /** Expects `f` to throw a HamuxErrors before any tfjs kernel runs or any tensor is allocated. */
  function rejectsEarly(f: () => unknown): HamuxErrors {
    const before = tf.memory().numTensors;
    const spy = vi.spyOn(tf.engine(), 'runKernel');
    try {
      const e = catchErrors(f);
      expect(spy).not.toHaveBeenCalled();
      expect(tf.memory().numTensors).toBe(before);
      return e;
    } finally {
      spy.mockRestore();
    }
  }

  type Eval = (s: Record<string, Tensor>) => unknown;
  const methods = (ham: ReturnType<typeof build>): [string, Eval][] => {
    const cast = (f: (s: never) => unknown): Eval => f as Eval;
    return [
      ['energy', cast((s) => ham.energy(s))],
      ['energyTree', cast((s) => ham.energyTree(s))],
      ['dEdxhat', cast((s) => ham.dEdxhat(s))],
      ['energyAndDEdxhat auto', cast((s) => ham.energyAndDEdxhat(s))],
      ['energyAndDEdxhat autodiff', cast((s) => ham.energyAndDEdxhat(s, { method: 'autodiff' }))],
      ['activations', cast((s) => ham.activations(s))],
    ];
  };

  it('the spy sees kernels when states are valid (so "not called" means something)', () => {
    const ham = build();
    const s = ham.zeros(2);
    const spy = vi.spyOn(tf.engine(), 'runKernel');
    const e = ham.energy(s);
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
    tf.dispose([e, s.v, s.h]);
    ham.dispose();
  });

  it('rejects a missing layer', () => {
    const ham = build();
    const v = tf.zeros([2, 5]);
    for (const [what, f] of methods(ham)) {
      const e = rejectsEarly(() => f({ v }));
      expect(paths(e), what).toEqual(['states.h']);
      expect(e.message).toContain('[batch, 2, 3]');
    }
    v.dispose();
    ham.dispose();
  });

  it('rejects an extra unknown layer, listing the known ones', () => {
    const ham = build();
    const s = ham.zeros(2);
    for (const [what, f] of methods(ham)) {
      const e = rejectsEarly(() => f({ ...s, w: s.v }));
      expect(paths(e), what).toEqual(['states.w']);
      expect(e.message).toContain('unknown layer');
      expect(e.message).toContain('"v", "h"');
    }
    tf.dispose([s.v, s.h]);
    ham.dispose();
  });

  it('rejects an extra key named like an Object.prototype member', () => {
    const ham = build();
    const s = ham.zeros(2);
    const e = rejectsEarly(() => ham.energy({ ...s, constructor: s.v } as never));
    expect(paths(e)).toEqual(['states.constructor']);
    tf.dispose([s.v, s.h]);
    ham.dispose();
  });

  it('rejects a wrong shape with the expected and actual shapes', () => {
    const ham = build();
    const v = tf.zeros([2, 5]);
    const cases: [Tensor, string][] = [
      [tf.zeros([2, 3, 2]), 'got [2, 3, 2]'],
      [tf.zeros([2, 6]), 'got [2, 6]'],
      [tf.zeros([2, 2, 3, 1]), 'got [2, 2, 3, 1]'],
      [tf.zeros([6]), 'got [6]'],
    ];
    for (const [h, got] of cases) {
      for (const [what, f] of methods(ham)) {
        const e = rejectsEarly(() => f({ v, h }));
        expect(paths(e), what).toEqual(['states.h']);
        expect(e.message).toContain('expected shape [batch, 2, 3]');
        expect(e.message).toContain(got);
      }
    }
    tf.dispose([v, ...cases.map(([t]) => t)]);
    ham.dispose();
  });

  it('rejects mismatched batch sizes', () => {
    const ham = build();
    const v = tf.zeros([2, 5]);
    const h = tf.zeros([3, 2, 3]);
    for (const [what, f] of methods(ham)) {
      const e = rejectsEarly(() => f({ v, h }));
      expect(paths(e), what).toEqual(['states.h']);
      expect(e.message).toContain('batch size 3');
      expect(e.message).toContain('2');
      expect(e.message).toContain('"v"');
    }
    tf.dispose([v, h]);
    ham.dispose();
  });

  it('rejects a disposed tensor', () => {
    const ham = build();
    const s = ham.zeros(2);
    s.v.dispose();
    for (const [what, f] of methods(ham)) {
      const e = rejectsEarly(() => f(s));
      expect(paths(e), what).toEqual(['states.v']);
      expect(e.message).toContain('disposed');
    }
    s.h.dispose();
    ham.dispose();
  });

  it('rejects a non-float32 tensor and a non-tensor', () => {
    const ham = build();
    const v = tf.zeros([2, 5], 'int32');
    const h = [[1, 2, 3], [4, 5, 6]];
    const e = rejectsEarly(() => ham.energy({ v, h } as never));
    expect(paths(e)).toEqual(['states.h', 'states.v']);
    expect(at(e, 'states.v').message).toContain('float32');
    expect(at(e, 'states.h').message).toContain('expected a tensor');
    v.dispose();
    ham.dispose();
  });

  it('reports every bad layer at once', () => {
    const ham = hypergraph()
      .layer('a', { shape: [2], lagrangian: L.identity() })
      .layer('b', { shape: [2], lagrangian: L.identity() })
      .layer('c', { shape: [2], lagrangian: L.identity() })
      .synapse('s', Y.dense(), ['a', 'b'])
      .synapse('t', Y.dense(), ['b', 'c'])
      .build({ seed: 0 });
    const a = tf.zeros([1, 3]);
    const e = rejectsEarly(() => ham.energy({ a, zz: a } as never));
    expect(paths(e)).toEqual(['states.a', 'states.b', 'states.c', 'states.zz']);
    expect(e.message).toMatch(/^4 problems:/);
    a.dispose();
    ham.dispose();
  });
});
