import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  HamuxError,
  HamuxErrors,
  defineHypersynapse,
  defineLagrangian,
  deriveKey,
  hypergraph,
  lagrangians as L,
  learnable,
  normalValues,
  ones,
  sumPerSample,
  synapses as Y,
  tf,
  type HAM,
  type Hypersynapse,
  type ParamSpecs,
  type Tensor,
  type TensorMap,
} from '@hamux-ts/core';
import { descendSync } from '@hamux-ts/dynamics';
import {
  buildFromConfig,
  builtinLagrangianKinds,
  builtinSynapseKinds,
  configFromHam,
  configJsonSchema,
  configJsonSchemaText,
  createRegistry,
  defineConfig,
  descendOptionsFromConfig,
  parseConfig,
} from '../src/schema.js';

const configsDir = new URL('../../../configs/', import.meta.url);
const modelsDir = new URL('models/', configsDir);

/** The messages of the `HamuxErrors` a config is rejected with (fails if it is accepted). */
function problems(config: unknown, options?: Parameters<typeof buildFromConfig>[1]): string[] {
  try {
    buildFromConfig(config, options).dispose();
  } catch (e) {
    if (e instanceof HamuxErrors) return e.errors.map((x) => x.message);
    throw e;
  }
  throw new Error('expected the config to be rejected');
}

/** Energies of a fixed batch of random states, as plain numbers. */
function energies(ham: HAM<string, string>): number[] {
  const states = ham.randomStates(3, 7);
  const e = ham.energy(states);
  const values = Array.from(e.dataSync());
  e.dispose();
  Object.values(states).forEach((t) => t.dispose());
  return values;
}

function paramValues(ham: HAM<string, string>): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const group of ['layers', 'synapses'] as const) {
    for (const [owner, params] of Object.entries(ham.params[group])) {
      for (const [p, t] of Object.entries(params)) out[`${group}.${owner}.${p}`] = Array.from(t.dataSync());
    }
  }
  return out;
}

const small = {
  layers: {
    pixels: { shape: [4], lagrangian: { kind: 'identity' } },
    hidden: { shape: [3], lagrangian: { kind: 'softmax', beta: 2 }, tau: 0.1 },
  },
  synapses: { enc: { kind: 'dense', connects: ['pixels', 'hidden'] } },
  seed: 0,
};

/** One layer of every built-in Lagrangian and one synapse of every built-in kind. */
const everything = {
  layers: {
    id: { shape: [4], lagrangian: { kind: 'identity' } },
    re: { shape: [4], lagrangian: { kind: 'relu' } },
    rp: { shape: [4], lagrangian: { kind: 'repu', n: 3 } },
    ex: { shape: [4], lagrangian: { kind: 'exp', beta: 0.5 } },
    rx: { shape: [4], lagrangian: { kind: 'rexp', beta: 2 } },
    th: { shape: [4], lagrangian: { kind: 'tanh', beta: { value: 2, learnable: true } } },
    sg: { shape: [4], lagrangian: { kind: 'sigmoid' } },
    sm: { shape: [4], lagrangian: { kind: 'softmax', beta: 3 }, tau: 0.2 },
    gm: { shape: [2, 4], lagrangian: { kind: 'ghostmax' } },
    ln: { shape: [3, 4], lagrangian: { kind: 'layernorm', gamma: 2, delta: [0.1, 0.2, 0.3, 0.4] } },
    sp: { shape: [4], lagrangian: { kind: 'spherical', eps: 0.01 } },
    img: { shape: [6, 6, 2], lagrangian: { kind: 'identity' } },
    fmap: { shape: [4, 4, 3], lagrangian: { kind: 'tanh' } },
    pool: { shape: [2, 2, 3], lagrangian: { kind: 'sigmoid' } },
  },
  synapses: {
    d: { kind: 'dense', connects: ['id', 're'], init: { W: { type: 'uniform', low: -0.1, high: 0.1 } } },
    db: { kind: 'denseBias', connects: ['re', 'rp'] },
    b: { kind: 'bias', connects: ['ex'], init: { b: { type: 'values', values: [1, 2, 3, 4] } } },
    c: { kind: 'conv2d', connects: ['img', 'fmap'], kernel: 3 },
    p: { kind: 'avgPool', connects: ['fmap', 'pool'], size: 2 },
    pm: { kind: 'polynomialMemory', connects: ['rx'], memories: 3, degree: 3 },
    em: { kind: 'exponentialMemory', connects: ['th'], memories: 3, beta: 0.5 },
    mh: { kind: 'modernHopfield', connects: ['sm'], memories: 5, beta: 2 },
    rs: { kind: 'reluSquaredMemory', connects: ['gm'], memories: 3, perToken: true },
    at: { kind: 'energyAttention', connects: ['ln'], heads: 2, headDim: 3, maskSelf: true },
    sps: { kind: 'dense', connects: ['sp', 'sg'] },
    ti: { kind: 'tie', connects: ['id', 're'], gamma: 0.6 },
  },
  seed: 3,
};

/** The same graph as `everything`, built by hand with core: the independent reference. */
function everythingByHand(seed: number) {
  return hypergraph()
    .layer('id', { shape: [4], lagrangian: L.identity() })
    .layer('re', { shape: [4], lagrangian: L.relu() })
    .layer('rp', { shape: [4], lagrangian: L.repu({ n: 3 }) })
    .layer('ex', { shape: [4], lagrangian: L.exp({ beta: 0.5 }) })
    .layer('rx', { shape: [4], lagrangian: L.rexp({ beta: 2 }) })
    .layer('th', { shape: [4], lagrangian: L.tanh({ beta: learnable(2) }) })
    .layer('sg', { shape: [4], lagrangian: L.sigmoid() })
    .layer('sm', { shape: [4], lagrangian: L.softmax({ beta: 3 }), tau: 0.2 })
    .layer('gm', { shape: [2, 4], lagrangian: L.ghostmax() })
    .layer('ln', { shape: [3, 4], lagrangian: L.layernorm({ gamma: 2, delta: [0.1, 0.2, 0.3, 0.4] }) })
    .layer('sp', { shape: [4], lagrangian: L.spherical({ eps: 0.01 }) })
    .layer('img', { shape: [6, 6, 2], lagrangian: L.identity() })
    .layer('fmap', { shape: [4, 4, 3], lagrangian: L.tanh() })
    .layer('pool', { shape: [2, 2, 3], lagrangian: L.sigmoid() })
    .synapse('d', Y.dense({ init: { W: { type: 'uniform', low: -0.1, high: 0.1 } } }), ['id', 're'])
    .synapse('db', Y.denseBias(), ['re', 'rp'])
    .synapse('b', Y.bias({ init: { b: { type: 'values', values: [1, 2, 3, 4] } } }), ['ex'])
    .synapse('c', Y.conv2d({ kernel: 3 }), ['img', 'fmap'])
    .synapse('p', Y.avgPool({ size: 2 }), ['fmap', 'pool'])
    .synapse('pm', Y.polynomialMemory({ memories: 3, degree: 3 }), ['rx'])
    .synapse('em', Y.exponentialMemory({ memories: 3, beta: 0.5 }), ['th'])
    .synapse('mh', Y.modernHopfield({ memories: 5, beta: 2 }), ['sm'])
    .synapse('rs', Y.reluSquaredMemory({ memories: 3, perToken: true }), ['gm'])
    .synapse('at', Y.energyAttention({ heads: 2, headDim: 3, maskSelf: true }), ['ln'])
    .synapse('sps', Y.dense(), ['sp', 'sg'])
    .synapse('ti', Y.tie({ gamma: 0.6 }), ['id', 're'])
    .build({ seed });
}

describe('built-in kinds', () => {
  it('covers every Lagrangian and hypersynapse that core exports', () => {
    const helpers = ['logCosh', 'softplus', 'outputLength'];
    const exported = (ns: object) => Object.keys(ns).filter((k) => !helpers.includes(k)).sort();
    expect([...builtinLagrangianKinds].sort()).toEqual(exported(L));
    expect([...builtinSynapseKinds].sort()).toEqual(exported(Y));
  });

  it('builds every kind into the same graph as core by hand: same kinds, parameters and energies', () => {
    const ham = buildFromConfig(everything);
    const reference = everythingByHand(3);
    for (const n of ham.layerNames) expect(ham.layers[n].lagrangian.kind).toBe(everything.layers[n].lagrangian.kind);
    for (const s of ham.synapseNames) expect(ham.synapses[s].synapse.kind).toBe(everything.synapses[s].kind);
    expect(paramValues(ham)).toEqual(paramValues(reference));
    expect(energies(ham)).toEqual(energies(reference));
    expect(ham.paramSpecs.layers.th['beta']!.learnable).toBe(true);
    ham.dispose();
    reference.dispose();
  });

  it('gives the closed-form energy of a small graph, with its initialisers applied', () => {
    // x = [3, 4] on an identity layer: ½|x|² = 12.5; bias b = [1, 2]: −b·x = −11; total 1.5.
    const ham = buildFromConfig({
      layers: { x: { shape: [2], lagrangian: { kind: 'identity' } } },
      synapses: { b: { kind: 'bias', connects: ['x'], init: { b: { type: 'values', values: [1, 2] } } } },
      seed: 0,
    });
    const x = tf.tensor2d([[3, 4]]);
    const e = ham.energy({ x });
    expect(e.dataSync()[0]).toBeCloseTo(1.5, 5);
    tf.dispose([x, e]);
    ham.dispose();
  });

  it('round-trips config → graph → config to the parsed config, every default filled in', () => {
    const ham = buildFromConfig(everything);
    const back = configFromHam(ham, { seed: everything.seed });
    expect(back).toEqual(parseConfig(everything));
    expect(back.layers.sm.lagrangian).toEqual({ kind: 'softmax', beta: 3, axis: -1 });
    expect(back.synapses.p).toMatchObject({ size: [2, 2], stride: [2, 2], padding: 'valid' });
    expect(back.synapses.at).toMatchObject({ beta: 1 / Math.sqrt(3) });
    expect(back.synapses.d).toMatchObject({ init: { W: { type: 'uniform', low: -0.1, high: 0.1 } } });
    expect(back.synapses.db).not.toHaveProperty('init');
    ham.dispose();
  });

  it('round-trips graph → config → graph: same parameters and energies with the same seed', () => {
    const ham = everythingByHand(5);
    const config = configFromHam(ham, { seed: 5 });
    const again = buildFromConfig(config);
    expect(again.layerNames).toEqual(ham.layerNames);
    expect(paramValues(again)).toEqual(paramValues(ham));
    expect(energies(again)).toEqual(energies(ham));
    // The config survives JSON.
    const viaJson = buildFromConfig(JSON.parse(JSON.stringify(config)));
    expect(energies(viaJson)).toEqual(energies(ham));
    [ham, again, viaJson].forEach((h) => h.dispose());
  });

  it('keeps a non-default initialiser given to core', () => {
    const ham = hypergraph()
      .layer('a', { shape: [3], lagrangian: L.identity() })
      .synapse('m', Y.modernHopfield({ memories: 2, init: { xi: { type: 'normal', std: 0.3 } } }), ['a'])
      .build({ seed: 1 });
    const config = configFromHam(ham, { seed: 1 });
    expect(config.synapses.m).toMatchObject({ init: { xi: { type: 'normal', std: 0.3 } } });
    const again = buildFromConfig(config);
    expect(paramValues(again)).toEqual(paramValues(ham));
    ham.dispose();
    again.dispose();
  });

  it('frees every tensor it allocates, on success and on failure', () => {
    const before = tf.memory().numTensors;
    buildFromConfig(everything).dispose();
    problems({ ...everything, synapses: { ...everything.synapses, c: { kind: 'conv2d', connects: ['img', 'fmap'], kernel: 2 } } });
    problems({ ...everything, synapses: { ...everything.synapses, mh: { ...everything.synapses.mh, seed: 4, memories: 0 } } });
    const seeded = { ...everything, synapses: { ...everything.synapses, mh: { ...everything.synapses.mh, seed: 4 } } };
    buildFromConfig(seeded).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('seeds and weights', () => {
  it('draws the same parameters from the same seed, and others from another', () => {
    const [a, b, c] = [0, 0, 1].map((seed) => buildFromConfig({ ...small, seed }));
    expect(paramValues(a!)).toEqual(paramValues(b!));
    expect(paramValues(a!)['synapses.enc.W']).not.toEqual(paramValues(c!)['synapses.enc.W']);
    [a, b, c].forEach((h) => h!.dispose());
  });

  it("draws a synapse with its own seed as the graph would with that seed, whatever the config's seed", () => {
    const withSeed = (seed: number) => ({ ...small, seed, synapses: { enc: { ...small.synapses.enc, seed: 11 } } });
    const [a, b, reference] = [buildFromConfig(withSeed(0)), buildFromConfig(withSeed(1)), buildFromConfig({ ...small, seed: 11 })];
    const w = (h: HAM<string, string>) => paramValues(h)['synapses.enc.W'];
    expect(w(a)).toEqual(w(reference));
    expect(w(b)).toEqual(w(reference));
    expect(w(a)).toEqual(Array.from(normalValues(deriveKey(11, 'synapses.enc.W'), [4, 3], 0, Math.sqrt(2 / 7))));
    [a, b, reference].forEach((h) => h.dispose());
  });

  it('uses loaded weights, and reports wrong ones under params.', () => {
    const W = tf.tensor2d([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]]);
    const ham = buildFromConfig(small, { params: { synapses: { enc: { W } } } });
    expect(Array.from(ham.params.synapses['enc']!['W']!.dataSync())).toEqual(Array.from(W.dataSync()));
    ham.dispose();
    const wrong = tf.zeros([3, 4]);
    expect(problems(small, { params: { synapses: { enc: { W: wrong }, dec: { W } } } })).toEqual([
      'params.synapses.dec: no such synapse (synapses are "enc")',
      'params.synapses.enc.W: expected shape [4, 3], got [3, 4]',
    ]);
    tf.dispose([W, wrong]);
  });
});

describe('ready configs (configs/models)', () => {
  const files = readdirSync(modelsDir).filter((f) => f.endsWith('.json'));

  it('has a dense and a hierarchical variant of the same task', () => {
    expect(files).toEqual(expect.arrayContaining(['hopfield-dense.json', 'ham-hierarchical.json']));
    const read = (f: string) => JSON.parse(readFileSync(new URL(f, modelsDir), 'utf8'));
    expect(read('hopfield-dense.json').layers.pixels).toEqual(read('ham-hierarchical.json').layers.pixels);
  });

  for (const file of files) {
    it(`${file} validates, builds, round-trips and names the schema`, () => {
      const json: unknown = JSON.parse(readFileSync(new URL(file, modelsDir), 'utf8'));
      expect(json).toHaveProperty('$schema', '../hamux.schema.json');
      const parsed = parseConfig(json);
      const ham = buildFromConfig(json);
      expect(ham.warnings).toEqual([]);
      expect(energies(ham).every(Number.isFinite)).toBe(true);
      const back = configFromHam(ham, {
        seed: parsed.seed,
        clamp: Object.fromEntries(Object.entries(parsed.layers).map(([n, l]) => [n, l.clamp])),
        ...(parsed.scheduler ? { scheduler: parsed.scheduler } : {}),
      });
      expect(back).toEqual(parsed);
      descendOptionsFromConfig(json);
      ham.dispose();
    });
  }

  it('runs the classifier through the scheduler with its settings and clamp', () => {
    const json: unknown = JSON.parse(readFileSync(new URL('classifier.json', modelsDir), 'utf8'));
    const ham = buildFromConfig(json);
    const options = descendOptionsFromConfig(json);
    expect(options).toEqual({ mode: 'fixed', dt: 0.05, maxSteps: 200, checkEvery: 20, clamp: { pixels: true } });
    const states = ham.randomStates(2, 1, 0.1);
    const result = descendSync(ham, states, options);
    expect(Array.from(result.states['pixels']!.dataSync())).toEqual(Array.from(states['pixels']!.dataSync()));
    tf.dispose([...Object.values(states), ...Object.values(result.states)]);
    ham.dispose();
  });
});

describe('JSON Schema', () => {
  it('is committed up to date in configs/hamux.schema.json (regenerate: npx tsx scripts/write-schema.ts)', () => {
    expect(readFileSync(new URL('hamux.schema.json', configsDir), 'utf8')).toBe(configJsonSchemaText());
  });

  it('lists every built-in kind and the keys of a config', () => {
    // The full form, or a preset form (whose options are checked by presets.test.ts).
    const [schema] = (configJsonSchema() as { anyOf: { properties: Record<string, unknown>; required: string[] }[] }).anyOf;
    expect(Object.keys(schema!.properties)).toEqual(['$schema', 'layers', 'synapses', 'seed', 'scheduler']);
    expect(schema!.required).toEqual(['layers', 'synapses', 'seed']);
    const text = configJsonSchemaText();
    for (const kind of [...builtinLagrangianKinds, ...builtinSynapseKinds]) expect(text).toContain(`"const": "${kind}"`);
  });

  it("includes a registry's kinds when given one", () => {
    const registry = createRegistry().lagrangian('cubic', () => L.identity(), z.strictObject({ scale: z.number() }));
    const text = JSON.stringify(configJsonSchema(registry));
    expect(text).toContain('"const":"cubic"');
    expect(configJsonSchemaText()).not.toContain('cubic');
  });
});

describe('bad configs', () => {
  it('names an unknown kind and the known ones', () => {
    const [lagrangian] = problems({ ...small, layers: { ...small.layers, hidden: { shape: [3], lagrangian: { kind: 'softmx' } } } });
    expect(lagrangian).toBe(`layers.hidden.lagrangian.kind: unknown Lagrangian kind "softmx" (did you mean "softmax"?) (expected one of: ${builtinLagrangianKinds.join(', ')})`);
    const [synapse] = problems({ ...small, synapses: { enc: { kind: 'dens', connects: ['pixels', 'hidden'] } } });
    expect(synapse).toMatch(/^synapses\.enc\.kind: unknown hypersynapse kind "dens" \(did you mean "dense"\?\) \(expected one of: dense, denseBias, /);
    expect(problems({ ...small, synapses: { enc: { connects: ['pixels', 'hidden'] } } })[0]).toMatch(
      /^synapses\.enc\.kind: missing: expected a hypersynapse kind, one of: dense, /,
    );
  });

  it('says what each option expects and what it got', () => {
    const layer = (lagrangian: object) => ({ ...small, layers: { ...small.layers, hidden: { shape: [3], lagrangian } } });
    expect(problems(layer({ kind: 'softmax', beta: -1 }))).toEqual([
      'layers.hidden.lagrangian.beta: expected a positive number, got -1',
    ]);
    expect(problems(layer({ kind: 'softmax', beta: 'two', axis: 1.5, beat: 3 }))).toEqual([
      'layers.hidden.lagrangian.beta: expected a positive number, or { "value": a positive number, "learnable": true }, got "two"',
      'layers.hidden.lagrangian.axis: expected an integer, got 1.5',
      'layers.hidden.lagrangian: unknown key "beat" (did you mean "beta"?) (expected: kind, beta, axis)',
    ]);
    expect(problems({ ...small, layers: { pixels: 3, hidden: { shape: [3], lagrangian: 'softmax' } } })).toEqual([
      'layers.pixels: expected a layer { "shape", "lagrangian" }, got 3',
      'layers.hidden.lagrangian: expected an object with a "kind", got "softmax"',
    ]);
    expect(problems(layer({ kind: 'repu' }))).toEqual(['layers.hidden.lagrangian.n: missing: expected a number > 1']);
    expect(problems(layer({ kind: 'layernorm', gamma: [1, 2] }))[0]).toMatch(/^layers\.hidden\.lagrangian\.gamma: expected a number, .*got \[1,2\]$/);
    expect(problems({ ...small, layers: { ...small.layers, pixels: { shape: [4, 0], lagrangian: { kind: 'identity' }, tau: 0 } } })).toEqual([
      'layers.pixels.shape[1]: expected a positive integer, got 0',
      'layers.pixels.tau: expected a positive number, got 0',
    ]);
    const synapse = (entry: object) => ({ ...small, synapses: { enc: { connects: ['pixels', 'hidden'], ...entry } } });
    expect(problems(synapse({ kind: 'conv2d', kernel: [3, 0], padding: 'full' }))).toEqual([
      'synapses.enc.kernel[1]: expected a positive integer, got 0',
      'synapses.enc.padding: expected "valid", "same" or an integer >= 0, got "full"',
    ]);
    expect(problems(synapse({ kind: 'avgPool', size: '2x2' }))).toEqual([
      'synapses.enc.size: expected a positive integer or a pair [height, width] of them, got "2x2"',
    ]);
    expect(problems(synapse({ kind: 'dense', connects: ['pixels', 'hidden', 'pixels'] }))).toEqual([
      'synapses.enc.connects: expected 2 layer names, got ["pixels","hidden","pixels"]',
    ]);
    expect(problems(synapse({ kind: 'polynomialMemory', connects: ['hidden'], memories: 2, degree: 2.5 }))).toEqual([
      'synapses.enc.degree: expected an integer (or "rectified": true), got 2.5',
    ]);
    expect(problems(synapse({ kind: 'dense', init: { V: { type: 'normal', std: 1 }, W: { type: 'gaussian' } } }))).toEqual([
      'synapses.enc.init.W.type: unknown initialiser type "gaussian" (expected one of: constant, normal, uniform, values)',
      'synapses.enc.init: unknown key "V" (expected: W)',
    ]);
    expect(problems({ ...small, seed: 0.5, scheduler: { mode: 'fast', dt: -1, multirate: { ratio: 1 } } })).toEqual([
      'seed: expected an integer, got 0.5',
      'scheduler.mode: expected "adaptive" or "fixed", got "fast"',
      'scheduler.dt: expected a positive number, got -1',
      'scheduler.multirate.ratio: expected a number > 1, got 1',
    ]);
  });

  it('points at an unknown layer in connects and lists the layers', () => {
    expect(problems({ ...small, synapses: { enc: { kind: 'dense', connects: ['pixels', 'hiden'] } } })).toEqual([
      'synapses.enc.connects[1]: unknown layer "hiden" (did you mean "hidden"?) (layers are "pixels", "hidden")',
    ]);
  });

  it('reports a shape mismatch with the synapse, the layers and their shapes', () => {
    const config = {
      layers: {
        image: { shape: [28, 28, 1], lagrangian: { kind: 'identity' } },
        features: { shape: [24, 24, 8], lagrangian: { kind: 'relu' } },
        tokens: { shape: [16], lagrangian: { kind: 'layernorm' } },
      },
      synapses: {
        conv: { kind: 'conv2d', connects: ['image', 'features'], kernel: 3 },
        attention: { kind: 'energyAttention', connects: ['tokens'], heads: 2, headDim: 4 },
      },
      seed: 0,
    };
    expect(problems(config)).toEqual([
      'synapses.conv: conv2d between "image" [28, 28, 1] and "features" [24, 24, 8]: a 3×3 convolution with stride [1, 1] and padding valid of [28, 28, 1] gives [26, 26, 8], but the second layer is [24, 24, 8]',
      'synapses.attention: energyAttention between "tokens" [16]: needs a layer of tokens [N, D], got [16]',
    ]);
  });

  it("reports core's parameter problems at the config's path", () => {
    const config = {
      layers: {
        tokens: { shape: [2, 3], lagrangian: { kind: 'layernorm', delta: [1, 2] } },
        x: { shape: [2], lagrangian: { kind: 'identity' } },
      },
      synapses: {
        b: { kind: 'bias', connects: ['x'], init: { b: { type: 'values', values: [1, 2, 3] } } },
        m: { kind: 'modernHopfield', connects: ['tokens'], memories: 2 },
      },
      seed: 0,
    };
    expect(problems(config)).toEqual([
      'layers.tokens.lagrangian: layernorm: delta has 2 values but axis -1 of [2, 3] has 3',
      'synapses.b.init.b: expected 2 values for shape [2], got 3',
    ]);
  });

  it('lists every problem at once, from validation and from the graph', () => {
    const config = {
      layers: {
        image: { shape: [8, 8, 1], lagrangian: { kind: 'identity' } },
        features: { shape: [5, 5, 2], lagrangian: { kind: 'tanh', beta: 0 } },
        pooled: { shape: [3, 3, 2], lagrangian: { kind: 'sigmoid' } },
        out: { shape: [4], lagrangian: { kind: 'softmax' } },
      },
      synapses: {
        conv: { kind: 'conv2d', connects: ['image', 'features'], kernel: 4 },
        pool: { kind: 'avgPool', connects: ['image', 'pooled'], size: 2 },
        read: { kind: 'dense', connects: ['pooled', 'ot'] },
      },
      seed: 0,
      sedd: 1,
    };
    expect(problems(config)).toEqual([
      'unknown key "sedd" (did you mean "seed"?) (expected: $schema, layers, synapses, seed, scheduler)',
      'layers.features.lagrangian.beta: expected a positive number, got 0',
      'synapses.read.connects[1]: unknown layer "ot" (did you mean "out"?) (layers are "image", "features", "pooled", "out")',
      'synapses.pool: avgPool between "image" [8, 8, 1] and "pooled" [3, 3, 2]: 2×2 average pooling with stride [2, 2] and padding valid of [8, 8, 1] gives [4, 4, 1], but the second layer is [3, 3, 2]',
    ]);
    const error = (() => {
      try {
        buildFromConfig(config);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(HamuxErrors);
    expect((error as Error).message).toMatch(/^4 problems:\n {2}- unknown key "sedd"/);
  });

  it('rejects a config that is not an object', () => {
    for (const [input, got] of [[null, 'null'], [[small], 'an array of 1 items'], ['{}', '"{}"'], [42, '42'], [undefined, 'nothing']] as const) {
      expect(problems(input)).toEqual([`expected a config object { "layers", "synapses", "seed" } or { "preset", "options" }, got ${got}`]);
    }
    expect(problems({ layers: [], synapses: 'none', seed: 0 })).toEqual([
      'layers: expected an object of named layers',
      'synapses: expected an object of named hypersynapses',
    ]);
  });

  it('is not fooled by __proto__ or constructor keys, and pollutes nothing', () => {
    const json = `{
      "layers": {
        "__proto__": { "shape": [2], "lagrangian": { "kind": "identity" } },
        "constructor": { "shape": [2], "lagrangian": { "kind": "identity" } },
        "x": { "shape": [2], "lagrangian": { "kind": "identity", "__proto__": { "polluted": true } } }
      },
      "synapses": { "s": { "kind": "bias", "connects": ["__proto__"], "__proto__": { "polluted": true } } },
      "seed": 0,
      "__proto__": { "polluted": true }
    }`;
    const config: unknown = JSON.parse(json);
    expect(problems(config)).toEqual([
      'unknown key "__proto__" (expected: $schema, layers, synapses, seed, scheduler)',
      'layers.__proto__: "__proto__" cannot be a layer name (reserved: __proto__, constructor, prototype)',
      'layers.constructor: "constructor" cannot be a layer name (reserved: __proto__, constructor, prototype)',
      'layers.x.lagrangian: unknown key "__proto__" (expected: kind)',
      'synapses.s: unknown key "__proto__" (expected: kind, connects, init, seed)',
      'synapses.s.connects[0]: unknown layer "__proto__" (layers are "x")',
    ]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('shape');
    // An object literal's __proto__ is its prototype, not a key: inherited layers are never read.
    const inherited = { ...small, layers: Object.create({ ghost: { shape: [1], lagrangian: { kind: 'identity' } } }) };
    expect(problems(inherited)).toEqual(['synapses.enc.connects[0]: unknown layer "pixels" (layers are none)', 'synapses.enc.connects[1]: unknown layer "hidden" (layers are none)']);
  });

  it('never lets a tfjs error through: the message is a HamuxError, with no stack inside tfjs', () => {
    const error = (() => {
      try {
        buildFromConfig({ ...small, synapses: { enc: { kind: 'avgPool', connects: ['pixels', 'hidden'], size: 2 } } });
      } catch (e) {
        return e;
      }
    })() as HamuxErrors;
    expect(error).toBeInstanceOf(HamuxErrors);
    expect(error.errors.every((e) => e instanceof HamuxError)).toBe(true);
    expect(error.message).toMatch(/^synapses\.enc: avgPool between "pixels" \[4\] and "hidden" \[3\]: the first layer must be \[height, width, channels\]/);
  });
});

describe('user-defined kinds', () => {
  /** `L = (a/3) Σ |x|³`, activation `a |x| x`. */
  const cubic = ({ scale }: { scale: number }) =>
    defineLagrangian({ kind: 'cubic', options: { scale }, lagrangian: (x) => tf.mul(scale / 3, sumPerSample(tf.pow(tf.abs(x), 3))) });
  /** `E = −w Σ x̂₁ ⊙ x̂₂` between layers of one shape. */
  const pairwise = (options: Record<string, unknown>) => {
    const w = typeof options['weight'] === 'number' ? options['weight'] : 1;
    return defineHypersynapse({
      kind: 'pairwise',
      arity: 2,
      options: { weight: w },
      check: ([a, b]) => (a!.join() === b!.join() ? undefined : 'needs two layers of one shape'),
      params: () => ({ g: { shape: [], init: { type: 'constant', value: 1 }, learnable: true } }),
      energy: ([a, b], p) => tf.mul(-w, tf.mul(p['g']!, sumPerSample(tf.mul(a!, b!)))),
    });
  };
  const registry = createRegistry()
    .lagrangian('cubic', cubic, z.strictObject({ scale: z.number().positive() }))
    .synapse('pairwise', pairwise);
  const config = {
    layers: {
      a: { shape: [3], lagrangian: { kind: 'cubic', scale: 2 } },
      b: { shape: [3], lagrangian: { kind: 'tanh' } },
    },
    synapses: { link: { kind: 'pairwise', connects: ['a', 'b'], weight: 0.5, init: { g: { type: 'constant', value: 2 } } } },
    seed: 0,
  };

  it('builds them from the registry, as first-class as built-ins', () => {
    const ham = buildFromConfig(config, { registry });
    const reference = hypergraph()
      .layer('a', { shape: [3], lagrangian: cubic({ scale: 2 }) })
      .layer('b', { shape: [3], lagrangian: L.tanh() })
      .synapse('link', pairwise({ weight: 0.5 }), ['a', 'b'])
      .build({ seed: 0, params: { synapses: { link: { g: tf.scalar(2) } } } });
    expect(energies(ham)).toEqual(energies(reference));
    expect(configFromHam(ham, { seed: 0, registry })).toEqual(parseConfig(config, { registry }));
    ham.dispose();
    reference.dispose();
    expect(createRegistry().lagrangians.size).toBe(0); // registering returned new registries
  });

  it('needs the registry to know them, and validates their options', () => {
    expect(problems(config)[0]).toBe(
      `layers.a.lagrangian.kind: unknown Lagrangian kind "cubic" (expected one of: ${builtinLagrangianKinds.join(', ')})`,
    );
    const bad = {
      ...config,
      layers: { ...config.layers, a: { shape: [3], lagrangian: { kind: 'cubic', scale: -1 } } },
      synapses: { link: { ...config.synapses.link, weight: () => 1, init: { h: { type: 'constant', value: 0 } } } },
    };
    expect(problems(bad, { registry })).toEqual([
      'layers.a.lagrangian.scale: expected a number > 0, got -1',
      'synapses.link.weight: expected JSON data (a config never carries code), got a function',
    ]);
    const unknownParam = { ...config, synapses: { link: { ...config.synapses.link, init: { h: { type: 'constant', value: 0 } } } } };
    expect(problems(unknownParam, { registry })).toEqual(['synapses.link.init.h: pairwise has no parameter "h" (its parameters: g)']);
    const mismatch = { ...config, layers: { ...config.layers, b: { shape: [4], lagrangian: { kind: 'tanh' } } } };
    expect(problems(mismatch, { registry })).toEqual(['synapses.link: pairwise between "a" [3] and "b" [4]: needs two layers of one shape']);
  });

  it("reports a factory's failure at its path, and a factory that makes another kind", () => {
    const failing = createRegistry()
      .lagrangian('cubic', () => { throw new RangeError('cubic: scale is too large'); })
      .synapse('pairwise', () => Y.dense());
    expect(problems(config, { registry: failing })).toEqual([
      'layers.a.lagrangian: cubic: scale is too large',
    ]);
    const config2 = { ...config, layers: { ...config.layers, a: { shape: [3], lagrangian: { kind: 'tanh' } } } };
    expect(problems(config2, { registry: failing })).toEqual([
      'synapses.link: the factory registered for "pairwise" made a hypersynapse of kind "dense"',
    ]);
  });

  it('applies init to a registered synapse through its own methods, and to a built-in keeping its spec', () => {
    /** `E = −s g Σ x̂₁ ⊙ x̂₂`, a class whose methods read `this`. */
    class Scaled implements Hypersynapse {
      readonly kind = 'scaled';
      readonly arity = 2;
      readonly options = {};
      constructor(private readonly s: number) {}
      check(): undefined {
        return undefined;
      }
      params(): ParamSpecs {
        return { g: { shape: [], init: ones, learnable: true } };
      }
      energy([a, b]: readonly Tensor[], p: TensorMap): Tensor {
        return tf.mul(-this.s, tf.mul(p['g']!, sumPerSample(tf.mul(a!, b!))));
      }
      dEdxhat([a, b]: readonly Tensor[], p: TensorMap): Tensor[] {
        return [tf.mul(-this.s, tf.mul(p['g']!, b!)), tf.mul(-this.s, tf.mul(p['g']!, a!))];
      }
    }
    const scaled = createRegistry().synapse('scaled', () => new Scaled(3));
    const ham = buildFromConfig({
      layers: { a: { shape: [3], lagrangian: { kind: 'identity' } }, b: { shape: [3], lagrangian: { kind: 'tanh' } } },
      synapses: {
        s: { kind: 'scaled', connects: ['a', 'b'], init: { g: { type: 'constant', value: 2 } } },
        d: { kind: 'dense', connects: ['a', 'b'], init: { W: { type: 'normal', std: 0.3 } } },
      },
      seed: 0,
    }, { registry: scaled });
    expect(ham.synapses.s!.synapse).not.toHaveProperty('builtin');
    expect(ham.synapses.d!.synapse.builtin).toEqual({ kind: 'dense', perToken: false });
    expect(ham.paramSpecs.synapses.d!['W']!.init).toEqual({ type: 'normal', std: 0.3 });
    const reference = hypergraph()
      .layer('a', { shape: [3], lagrangian: L.identity() })
      .layer('b', { shape: [3], lagrangian: L.tanh() })
      .synapse('s', new Scaled(3), ['a', 'b'])
      .synapse('d', Y.dense({ init: { W: { type: 'normal', std: 0.3 } } }), ['a', 'b'])
      .build({ seed: 0, params: { synapses: { s: { g: tf.scalar(2) } } } });
    const states = ham.randomStates(2, 5);
    const [got, want] = [ham, reference].map((h) => h.energyAndDEdxhat(states));
    expect(got!.energy.arraySync()).toEqual(want!.energy.arraySync());
    for (const n of ['a', 'b'] as const) expect(got!.dEdxhat[n].arraySync()).toEqual(want!.dEdxhat[n].arraySync());
    tf.dispose([...Object.values(states), got!.energy, want!.energy, ...Object.values(got!.dEdxhat), ...Object.values(want!.dEdxhat)]);
    ham.dispose();
    reference.dispose();
  });

  it('refuses to register a built-in, reserved or repeated kind', () => {
    expect(() => createRegistry().lagrangian('softmax', cubic as never)).toThrow('registry.kind: "softmax" is a built-in Lagrangian kind');
    expect(() => createRegistry().synapse('__proto__', pairwise)).toThrow('is not a valid hypersynapse kind');
    expect(() => registry.synapse('pairwise', pairwise)).toThrow('hypersynapse kind "pairwise" is already registered');
  });
});

describe('defineConfig', () => {
  it('types layer names: a misspelt name in connects, an unknown kind or option does not compile', () => {
    const config = defineConfig({
      layers: {
        pixels: { shape: [4], lagrangian: { kind: 'identity' }, clamp: true },
        hidden: { shape: [3], lagrangian: { kind: 'softmax', beta: { value: 2, learnable: true } }, tau: 0.1 },
      },
      synapses: {
        enc: { kind: 'dense', connects: ['pixels', 'hidden'] },
        mem: { kind: 'modernHopfield', connects: ['hidden'], memories: 4 },
      },
      seed: 0,
    });
    const ham = buildFromConfig(config);
    expectTypeOf(ham.layerNames).toEqualTypeOf<readonly ('pixels' | 'hidden')[]>();
    expectTypeOf(ham.synapseNames).toEqualTypeOf<readonly ('enc' | 'mem')[]>();
    expect(ham.layers.hidden.tau).toBe(0.1);
    // @ts-expect-error: no layer "pxels"
    expect(ham.layers.pxels).toBeUndefined();
    expectTypeOf(descendOptionsFromConfig(config).clamp).toEqualTypeOf<{ readonly pixels?: true | tf.Tensor; readonly hidden?: true | tf.Tensor } | undefined>();
    ham.dispose();

    defineConfig({
      layers: { pixels: { shape: [4], lagrangian: { kind: 'identity' } }, hidden: { shape: [3], lagrangian: { kind: 'identity' } } },
      synapses: {
        // @ts-expect-error: "hiden" is not a layer
        enc: { kind: 'dense', connects: ['pixels', 'hiden'] },
      },
      seed: 0,
    });
    defineConfig({
      layers: {
        // @ts-expect-error: no Lagrangian kind "softmx"
        hidden: { shape: [3], lagrangian: { kind: 'softmx' } },
      },
      synapses: {},
      seed: 0,
    });
    defineConfig({
      // @ts-expect-error: softmax has no option "beat"
      layers: { hidden: { shape: [3], lagrangian: { kind: 'softmax', beat: 2 } } },
      synapses: {},
      seed: 0,
    });
  });

  it("takes a registry's kinds with their options' types", () => {
    const registry = createRegistry().lagrangian('cubic', () => L.identity(), z.strictObject({ scale: z.number() }));
    const config = defineConfig(
      {
        layers: { a: { shape: [2], lagrangian: { kind: 'cubic', scale: 2 } } },
        synapses: { b: { kind: 'bias', connects: ['a'] } },
        seed: 0,
      },
      registry,
    );
    expect(config.layers.a.lagrangian).toEqual({ kind: 'cubic', scale: 2 });
    defineConfig(
      {
        // @ts-expect-error: scale is a number
        layers: { a: { shape: [2], lagrangian: { kind: 'cubic', scale: 'big' } } },
        synapses: {},
        seed: 0,
      },
      registry,
    );
  });
});

describe('configFromHam without an explicit seed', () => {
  it('records the seed the HAM was built with', async () => {
    const { hypergraph, lagrangians: L, synapses: Y } = await import('@hamux-ts/core');
    const { configFromHam, buildFromConfig } = await import('@hamux-ts/config');
    const ham = hypergraph()
      .layer('v', { shape: [4], lagrangian: L.identity() })
      .layer('h', { shape: [3], lagrangian: L.softmax() })
      .synapse('s', Y.dense(), ['v', 'h'])
      .build({ seed: 123 });
    expect(ham.seed).toBe(123);
    const config = configFromHam(ham);
    expect(config.seed).toBe(123);
    const again = buildFromConfig(config);
    expect(again.params.synapses['s']!['W']!.arraySync()).toEqual(ham.params.synapses['s']!['W']!.arraySync());
    ham.dispose();
    again.dispose();
  });
});
