/** What `importTorch` refuses, and how it says so: each problem at its mapping path or state-dict key. */
import { thrownBy } from '@hamux-ts/test-support';
import { describe, expect, it } from 'vitest';
import { HamuxErrors } from '@hamux-ts/core';
import { importTorch, type StateDict } from '@hamux-ts/torch';

const tensor = (shape: number[], fill = (i: number) => Math.sin(i + 1)) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => fill(i)) });

/** A dense memory as hamux-torch's plain HAM saves it: the synapse under both of its names. */
const dict = (extra: Record<string, ReturnType<typeof tensor>> = {}): StateDict => ({ 'hypersynapses.W.W': tensor([4, 3]), 'synapses.W.W': tensor([4, 3]), ...extra });
const mapping = (patch: Record<string, unknown> = {}) => ({
  neurons: { v: { lagrangian: 'lagr_sigmoid', shape: [4], beta: 1.5 }, h: { lagrangian: 'lagr_softmax', shape: [3] } },
  hypersynapses: { W: { kind: 'dense' } },
  connections: [[['v', 'h'], 'W']],
  ...patch,
});

/** The messages of the HamuxErrors that `f` throws, one `path: detail` line each. */
const problems = (f: () => unknown): string[] => thrownBy(f, HamuxErrors).errors.map((x) => x.message);

describe('the mapping', () => {
  it('is accepted as written: a shape may be one number, a relu layer needs no constants, dim is axis, τ passes through', () => {
    const { config } = importTorch(dict(), mapping({ neurons: { v: { lagrangian: 'lagr_relu', shape: 4 }, h: { lagrangian: 'lagr_softmax', shape: [3], dim: -1, tau: 0.1 } } }));
    expect(config).toEqual({
      layers: { v: { shape: [4], lagrangian: { kind: 'relu' } }, h: { shape: [3], lagrangian: { kind: 'softmax', axis: -1 }, tau: 0.1 } },
      synapses: { W: { kind: 'dense', connects: ['v', 'h'] } },
      seed: 0,
    });
  });

  it('names an unknown Lagrangian, an unknown keyword and an unknown synapse kind at their JSON paths', () => {
    expect(problems(() => importTorch(dict(), mapping({
      neurons: { v: { lagrangian: 'lagr_sigmod', shape: [4] }, h: { lagrangian: 'lagr_relu', shape: [3], beta: 2 } },
      hypersynapses: { W: { kind: 'dens' } },
    })))).toEqual([
      'mapping.neurons.v.lagrangian: unknown hamux-torch Lagrangian "lagr_sigmod" (did you mean "lagr_sigmoid"?) (expected one of: IdentityLagrangian, lagr_identity, lagr_repu, lagr_relu, lagr_exp, lagr_rexp, lagr_tanh, lagr_sigmoid, lagr_softmax, lagr_layernorm, lagr_spherical_norm)',
      'mapping.neurons.h: unknown key "beta" (expected: lagrangian, shape, tau, clamp)',
      'mapping.hypersynapses.W.kind: unknown hamux-ts synapse kind "dens" (did you mean "dense"?) (expected one of: dense, denseBias, bias, tie, conv2d, avgPool, polynomialMemory, exponentialMemory, modernHopfield, reluSquaredMemory, energyAttention)',
    ]);
  });

  it('names a missing shape, a connection to an unknown neuron or synapse, and options the importer writes itself', () => {
    expect(problems(() => importTorch(dict(), mapping({ neurons: { v: { lagrangian: 'lagr_sigmoid' }, h: { lagrangian: 'lagr_softmax', shape: [3] } } })))).toEqual([
      'mapping.neurons.v.shape: missing: expected a shape, such as [784] or 784',
    ]);
    expect(problems(() => importTorch(dict(), mapping({ connections: [[['v', 'hid'], 'W'], { neurons: ['v'], synapse: 'X' }] })))).toEqual([
      'mapping.connections[0][0][1]: unknown neuron "hid" (neurons are "v", "h")',
      'mapping.connections[1].synapse: unknown hypersynapse "X" (hypersynapses are "W")',
    ]);
    expect(problems(() => importTorch(dict(), mapping({ hypersynapses: { W: { kind: 'dense', options: { connects: ['h', 'v'] } } } })))).toEqual([
      'mapping.hypersynapses.W.options.connects: "connects" is written by the importer (from the connections and the state dict), not given as an option',
    ]);
  });

  it("reports the config's range checks at the mapping's keyword: β, and dim for hamux-ts's axis", () => {
    expect(problems(() => importTorch(dict(), mapping({ neurons: { v: { lagrangian: 'lagr_sigmoid', shape: [4], beta: -1 }, h: { lagrangian: 'lagr_softmax', shape: [3], dim: 3 } } })))).toEqual([
      'mapping.neurons.v.beta: expected a positive number, got -1',
      "mapping.neurons.h: softmax: dim (hamux-ts's axis) 3 is out of range for a layer of shape [3]",
    ]);
  });

  it('says what a mapping must be, and places a synapse option the config refuses at the mapping\'s options', () => {
    expect(problems(() => importTorch(dict(), []))).toEqual(['mapping: expected a mapping { "neurons", "hypersynapses", "connections" }, got []']);
    const memory = { neurons: { v: { lagrangian: 'lagr_spherical_norm', shape: [4] } }, hypersynapses: { s1: { kind: 'modernHopfield', options: { beta: 0 }, tensors: { xi: { key: 'W', layout: ['normalizeColumns', 'transpose'] } } } }, connections: [[['v'], 's1']] };
    expect(problems(() => importTorch(dict(), memory))).toEqual([
      'mapping.hypersynapses.s1.options.memories: missing: expected a positive integer',
      'mapping.hypersynapses.s1.options.beta: expected a positive number, got 0',
    ]);
  });

  it("refuses δ on a layer norm of several rows, where hamux-torch's energy counts it once per row", () => {
    expect(problems(() => importTorch({ 'hypersynapses.W.W': tensor([4, 3]) }, mapping({ neurons: { v: { lagrangian: 'lagr_layernorm', shape: [2, 2], delta: 0.5 }, h: { lagrangian: 'lagr_softmax', shape: [3] } } })))).toEqual([
      "mapping.neurons.v.delta: hamux-torch's lagr_layernorm adds Σ δ⊙x once per row of a layer of several rows (shape [2, 2]), hamux-ts once in all: the energies would differ unless δ is 0",
    ]);
  });

  it('allows δ on a layer norm of one row, and reports a tied synapse\'s bad option once', () => {
    const oneRow = { neurons: { v: { lagrangian: 'lagr_layernorm', shape: [1, 4], delta: 0.5 }, h: { lagrangian: 'lagr_softmax', shape: [3] } } };
    expect(importTorch({ 'hypersynapses.W.W': tensor([4, 3]) }, mapping(oneRow)).config.layers['v']!.lagrangian).toEqual({ kind: 'layernorm', delta: 0.5 });
    const tied = { hypersynapses: { W: { kind: 'dense', options: { perToken: 'yes' } } }, connections: [[['v', 'h'], 'W'], [['v', 'h'], 'W']] };
    expect(problems(() => importTorch(dict(), mapping(tied)))).toEqual(['mapping.hypersynapses.W.options.perToken: expected true or false, got "yes"']);
  });

  it('leaves out, with a note, a synapse that is in no connection, and two tied copies must not share a name', () => {
    const { config, notes } = importTorch(dict({ 'hypersynapses.U.W': tensor([3, 3]) }), mapping({ hypersynapses: { W: { kind: 'dense' }, U: { kind: 'dense' } } }));
    expect(Object.keys(config.synapses)).toEqual(['W']);
    expect(notes).toContain('hypersynapse "U" is in no connection, so it adds no energy: left out, and its tensors with it');
    const twice = { neurons: ['v', 'h'], synapse: 'W', name: 'same' };
    expect(problems(() => importTorch(dict(), mapping({ connections: [twice, twice] })))).toEqual([
      'mapping.connections[1]: makes a hamux-ts synapse "same", as connection 0 does: give one of them a "name"',
    ]);
  });
});

describe('the state dict', () => {
  it('refuses aliases of one tensor that differ, naming both keys and where', () => {
    expect(problems(() => importTorch({ 'hypersynapses.W.W': tensor([4, 3]), '_ham.synapses.W.W': tensor([4, 3], (i) => (i === 5 ? 9 : Math.sin(i + 1))) }, mapping()))).toEqual([
      `stateDict._ham.synapses.W.W: conflicts with "hypersynapses.W.W", another name of hypersynapses.W.W: they differ (entry 5: 9 against ${Math.fround(Math.sin(6))}), so which one the model uses is unclear`,
    ]);
  });

  it('names unknown keys, a missing key and a wrong shape, with the shape expected', () => {
    expect(problems(() => importTorch({ 'hypersynapses.W.W': tensor([3, 4]), 'hypersynapses.W.bias': tensor([3]), 'hypersynapses.V.W': tensor([2]), 'optimizer.step': tensor([1]), 'neurons.v.lagrangian.beta': tensor([]) }, mapping()))).toEqual([
      "stateDict.optimizer.step: unexpected tensor of shape [1]: hamux-torch's keys are hypersynapses.<synapse>.<tensor> (or its aliases synapses.…, _ham.…) and neurons.<neuron>.<tensor>",
    ]);
    expect(problems(() => importTorch({ 'hypersynapses.W.W': tensor([3, 4]), 'hypersynapses.W.bias': tensor([3]), 'hypersynapses.V.W': tensor([2]), 'neurons.v.lagrangian.beta': tensor([]) }, mapping()))).toEqual([
      'stateDict.hypersynapses.W.W: shape [3, 4]: expected [4, 3], the W [4, 3] of hamux-ts dense "W"',
      'stateDict.hypersynapses.W.bias: unexpected tensor of shape [3]: the mapping\'s dense "W" takes its parameters under their own names',
      'stateDict.hypersynapses.V.W: unexpected tensor of shape [2]: the mapping has no hypersynapse "V" (it has "W")',
      "stateDict.neurons.v.lagrangian.beta: unexpected tensor of shape []: hamux-ts takes a Lagrangian's constants from the mapping's neurons.v, not from the state dict",
    ]);
    expect(problems(() => importTorch({ 'synapses.W.weight': tensor([4, 3]) }, mapping()))).toEqual([
      'stateDict.hypersynapses.W.W: missing: expected the W [4, 3] of hamux-ts dense "W" here (under hypersynapses.W the state dict has weight [4, 3])',
      'stateDict.synapses.W.weight: unexpected tensor of shape [4, 3]: the mapping\'s dense "W" takes its parameters under their own names',
    ]);
  });

  it('takes a tensor from another key with a layout, and says when the layout does not fit', () => {
    const renamed = mapping({ hypersynapses: { W: { kind: 'dense', tensors: { W: { key: 'weight', layout: ['transpose'] } } } } });
    const { params } = importTorch({ 'hypersynapses.W.weight': tensor([3, 4]) }, renamed);
    expect(params['synapses.W.W']!.shape).toEqual([4, 3]);
    expect(params['synapses.W.W']!.data[1]).toBe(Math.fround(Math.sin(5))); // W[0, 1] = weight[1, 0]
    expect(problems(() => importTorch({ 'hypersynapses.W.weight': tensor([12]) }, renamed))).toEqual([
      'stateDict.hypersynapses.W.weight: transpose needs a matrix (rank 2), got shape [12] (layout of the W [4, 3] of hamux-ts dense "W")',
    ]);
    expect(problems(() => importTorch(dict(), mapping({ hypersynapses: { W: { kind: 'dense', tensors: { xi: {} } } } })))).toEqual([
      'mapping.hypersynapses.W.tensors.xi: dense has no parameter "xi" to take from the state dict (its parameters: "W")',
    ]);
  });

  it('reads a safetensors file, and names what is wrong with one', () => {
    expect(problems(() => importTorch(new Uint8Array([1, 2, 3]), mapping()))).toEqual(['stateDict: file is 3 bytes long; expected at least 8 (the header length)']);
  });

  it('strips a declared prefix, and refuses keys without it', () => {
    const prefixed = { 'model.hypersynapses.W.W': tensor([4, 3]), 'model._ham.synapses.W.W': tensor([4, 3]) };
    expect(importTorch(prefixed, mapping({ prefix: 'model.' })).params['synapses.W.W']!.shape).toEqual([4, 3]);
    expect(problems(() => importTorch({ ...prefixed, 'hypersynapses.W.W': tensor([4, 3]) }, mapping({ prefix: 'model.' })))).toEqual([
      'stateDict.hypersynapses.W.W: does not start with the mapping\'s prefix "model."',
    ]);
  });
});
