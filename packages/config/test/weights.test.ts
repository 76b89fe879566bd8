// Weights files against configs (issue 15, item 5): the same ranges as the config, fixed parameters
// that must agree unless overridden, and fixed parameters that may be left out.
import { describe, expect, it } from 'vitest';
import { HamuxError, HamuxErrors, tf, type Tensor } from '@hamux-ts/core';
import { buildFromConfig, decodeSafetensors, encodeSafetensors, loadParams, saveParams, type LoadedParams, type SafeTensor } from '@hamux-ts/config';

const config = (hidden: Record<string, unknown> = { kind: 'softmax', beta: 1 }, memoryBeta: unknown = 1.5) => ({
  layers: {
    pixels: { shape: [4], lagrangian: { kind: 'identity' } },
    hidden: { shape: [3], lagrangian: hidden },
    norm: { shape: [3], lagrangian: { kind: 'layernorm', delta: [0, 0.5, 0] } },
  },
  synapses: {
    enc: { kind: 'dense', connects: ['pixels', 'hidden'] },
    mix: { kind: 'dense', connects: ['hidden', 'norm'] },
    mem: { kind: 'modernHopfield', memories: 5, beta: memoryBeta, connects: ['pixels'] },
  },
  seed: 0,
});

/** The file `saveParams` writes for the config, with some tensors replaced (a number, an array) or removed (`null`). */
function weightsOf(c: unknown, changes: Record<string, number | number[] | null> = {}): Uint8Array {
  const ham = buildFromConfig(c);
  const bytes = saveParams(ham);
  ham.dispose();
  const { tensors } = decodeAll(bytes);
  for (const [name, v] of Object.entries(changes)) {
    if (v === null) delete tensors[name];
    else tensors[name] = { dtype: 'F32', shape: Array.isArray(v) ? [v.length] : [], data: Float32Array.from(Array.isArray(v) ? v : [v]) };
  }
  return encodeSafetensors(tensors);
}

function decodeAll(bytes: Uint8Array): { tensors: Record<string, SafeTensor> } {
  const { tensors } = decodeSafetensors(bytes);
  return { tensors: Object.fromEntries(Object.entries(tensors).map(([n, t]) => [n, { dtype: 'F32' as const, shape: t.shape, data: t.data }])) };
}

const dispose = (p: LoadedParams) => { for (const g of [p.layers, p.synapses]) for (const m of Object.values(g)) for (const t of Object.values(m)) t.dispose(); };

function problems(f: () => unknown): [string, string][] {
  const before = tf.memory().numTensors;
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(HamuxError);
    expect(tf.memory().numTensors).toBe(before); // nothing leaks on failure
    return (e instanceof HamuxErrors ? e.errors : [e as HamuxError]).map((x) => [x.code, x.message]);
  }
  throw new Error('expected a throw');
}

const ADVICE = "(to use the weights' value, allow overriding fixed parameters (overrideFixed: true; hamux --override-fixed))";

describe('loadParams against a graph', () => {
  it('refuses a fixed parameter that differs from the graph, naming both values', () => {
    const ham = buildFromConfig(config());
    const bytes = weightsOf(config(), { 'layers.hidden.beta': 2, 'layers.norm.delta': [0, 0.5, 0.25], 'synapses.mem.beta': 1.5 });
    expect(problems(() => loadParams(ham, bytes))).toEqual([
      ['invalid_config', `layers.hidden.beta: the weights give 2, but the graph fixes it at 1 ${ADVICE}`],
      ['invalid_config', `layers.norm.delta: the weights give entry 2 0.25, but the graph fixes it at 0 ${ADVICE}`],
    ]);
    ham.dispose();
  });

  it('with overrideFixed, takes the weights\' value, and the energies follow it', () => {
    const ham = buildFromConfig(config());
    const params = loadParams(ham, weightsOf(config(), { 'layers.hidden.beta': 2 }), { overrideFixed: true });
    expect(params.layers['hidden']!['beta']!.dataSync()[0]).toBe(2);
    const overridden = buildFromConfig(config(), { params, overrideFixed: true });
    const same = buildFromConfig(config({ kind: 'softmax', beta: 2 }));
    const states = ham.randomStates(2, 3);
    const [a, b] = [overridden.energy(states), same.energy(states)];
    expect([...a.dataSync()]).toEqual([...b.dataSync()]);
    [a, b, ...Object.values<Tensor>(states)].forEach((t) => t.dispose());
    dispose(params);
    [ham, overridden, same].forEach((h) => h.dispose());
  });

  it('checks option parameters against the range a config allows, override or not', () => {
    const ham = buildFromConfig(config());
    const learnable = buildFromConfig(config({ kind: 'softmax', beta: { value: 1, learnable: true } }));
    const minus = weightsOf(config(), { 'layers.hidden.beta': -3 });
    expect(problems(() => loadParams(learnable, minus))).toEqual([['invalid_config', 'layers.hidden.beta: expected a positive number, got -3']]);
    expect(problems(() => loadParams(ham, minus, { overrideFixed: true }))).toEqual([['invalid_config', 'layers.hidden.beta: expected a positive number, got -3']]);
    // A factory's own check (layer norm's γ ≥ 0) counts too; so does a synapse's option (the memory's β).
    const bad = weightsOf(config(), { 'layers.norm.gamma': -1, 'synapses.mem.beta': 0 });
    expect(problems(() => loadParams(ham, bad, { overrideFixed: true }))).toEqual([
      ['invalid_config', expect.stringMatching(/^layers\.norm\.gamma: .*-1/)],
      ['invalid_config', 'synapses.mem.beta: expected a positive number, got 0'],
    ]);
    [ham, learnable].forEach((h) => h.dispose());
  });

  it('lets the file leave out fixed parameters, which then come from the graph', () => {
    const ham = buildFromConfig(config({ kind: 'softmax', beta: 3 }));
    const bytes = weightsOf(config({ kind: 'softmax', beta: 3 }), { 'layers.hidden.beta': null, 'layers.norm.delta': null, 'layers.norm.gamma': null, 'synapses.mem.beta': null });
    const params = loadParams(ham, bytes);
    expect(params.layers['hidden']!['beta']!.dataSync()[0]).toBe(3);
    expect([...params.layers['norm']!['delta']!.dataSync()]).toEqual([0, 0.5, 0]);
    const again = ham.withParams(params); // complete: withParams takes it
    const states = ham.randomStates(2, 1);
    const [a, b] = [ham.energy(states), again.energy(states)];
    expect([...a.dataSync()]).toEqual([...b.dataSync()]);
    [a, b, ...Object.values<Tensor>(states)].forEach((t) => t.dispose());
    dispose(params);
    [ham, again].forEach((h) => h.dispose());
  });

  it('against bare specs, a left-out fixed parameter comes from its spec; a learnable one is still required', () => {
    const ham = buildFromConfig(config());
    const params = loadParams(ham.paramSpecs, weightsOf(config(), { 'synapses.mem.beta': null }));
    expect(params.synapses['mem']!['beta']!.dataSync()[0]).toBe(1.5);
    dispose(params);
    expect(problems(() => loadParams(ham, weightsOf(config(), { 'synapses.enc.W': null })))).toEqual([
      ['invalid_config', 'synapses.enc.W: missing: expected a tensor of shape [4, 3]'],
    ]);
    ham.dispose();
  });

  it('an unexpected tensor gets a "did you mean"', () => {
    const ham = buildFromConfig(config());
    const bytes = encodeSafetensors({ 'layers.hiden.beta': { dtype: 'F32', shape: [], data: new Float32Array([1]) } });
    const found = problems(() => loadParams(ham, bytes));
    expect(found).toContainEqual(['unknown_name', 'layers.hiden.beta: unexpected tensor of shape []: the graph has no such parameter (did you mean "layers.hidden.beta"?)']);
    ham.dispose();
  });
});

describe('buildFromConfig with params', () => {
  const given = (beta: number, delta?: number[]) => ({
    layers: { hidden: { beta: tf.scalar(beta) }, ...(delta ? { norm: { delta: tf.tensor1d(delta) } } : {}) },
  });
  const free = (p: ReturnType<typeof given>) => Object.values(p.layers).forEach((m) => Object.values(m).forEach((t) => t.dispose()));

  it('refuses fixed parameters that differ from the config, at params.…, unless overrideFixed', () => {
    const p = given(2, [0, 0.5, 1]);
    expect(problems(() => buildFromConfig(config(), { params: p }))).toEqual([
      ['invalid_config', `params.layers.hidden.beta: the weights give 2, but the config fixes it at 1 ${ADVICE}`],
      ['invalid_config', `params.layers.norm.delta: the weights give entry 2 1, but the config fixes it at 0 ${ADVICE}`],
    ]);
    const ham = buildFromConfig(config(), { params: p, overrideFixed: true });
    expect(ham.params.layers['hidden']!['beta']!.dataSync()[0]).toBe(2);
    ham.dispose();
    free(p);
  });

  it('equal values, or values the config marks learnable, pass; out-of-range ones do not', () => {
    const same = given(1);
    buildFromConfig(config(), { params: same }).dispose();
    free(same);
    const learnable = config({ kind: 'softmax', beta: { value: 1, learnable: true } });
    const trained = given(4);
    const ham = buildFromConfig(learnable, { params: trained });
    expect(ham.params.layers['hidden']!['beta']!.dataSync()[0]).toBe(4);
    ham.dispose();
    free(trained);
    const minus = given(-3);
    expect(problems(() => buildFromConfig(learnable, { params: minus }))).toEqual([['invalid_config', 'params.layers.hidden.beta: expected a positive number, got -3']]);
    expect(problems(() => buildFromConfig(config(), { params: minus, overrideFixed: true }))).toEqual([['invalid_config', 'params.layers.hidden.beta: expected a positive number, got -3']]);
    free(minus);
  });
});
