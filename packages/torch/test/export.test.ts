// hamux export torch, checked against PyTorch itself: for graphs that together use every built-in
// Lagrangian and hypersynapse, the exported module's energy, energy tree, activations and update
// signals equal hamux-ts's on the same states, its fixed-step descent equals descendSync's step for
// step, and one SGD step through an unrolled descent in PyTorch gives weights that hamux-ts loads
// back (loadParams) with the same energies. The worst relative difference of each kind of output
// is printed at the end.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFromConfig, createRegistry, decodeSafetensors, encodeSafetensors, loadParams, type DecodedTensor, type SafeTensor } from '@hamux-ts/config';
import { HamuxErrors, defineHypersynapse, defineLagrangian, lagrangians, tf, type HAM, type Tensor } from '@hamux-ts/core';
import { descendSync } from '@hamux-ts/dynamics';
import { mulberry32, relErrPerEntry, thrownBy } from '@hamux-ts/test-support';
import { exportTorch, lagrangianForms, synapseForms } from '../src/index.js';
import { graphCases, type DescendCase, type GraphCase } from './export-graphs.js';
import { requireTorch, runPython } from './export-python.js';

const driver = join(import.meta.dirname, 'export-driver.py');
/** Float32 agreement: every entry within this of the reference, relative to 1 + |reference|. */
const TOLERANCE = 2e-5;

type Kind = 'energy' | 'energy tree' | 'activations' | 'update signals' | 'descend states' | 'round-trip energies';
const worst = new Map<Kind, { diff: number; where: string }>();

/** Compares and records the worst relative difference of each kind of output. */
function agree(kind: Kind, where: string, torchValues: ArrayLike<number>, hamuxValues: ArrayLike<number>): void {
  const diff = relErrPerEntry(torchValues, hamuxValues);
  const seen = worst.get(kind);
  if (!seen || !(diff <= seen.diff)) worst.set(kind, { diff, where });
  expect(diff, `${kind}: ${where}`).toBeLessThan(TOLERANCE);
}

const values = (t: Tensor) => t.dataSync() as Float32Array;
const safe = (t: Tensor): SafeTensor => ({ dtype: 'F32', shape: [...t.shape], data: Float32Array.from(values(t)) });

let tmp: string;
beforeAll(() => {
  requireTorch(); // fails, saying to install python3-torch, when there is none
  tmp = mkdtempSync(join(tmpdir(), 'hamux-torch-export-'));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  if (worst.size > 0) {
    const lines = [...worst].map(([kind, { diff, where }]) => `  ${kind.padEnd(20)} ${diff.toExponential(2)}  (${where})`);
    process.stdout.write(`\nhamux export torch: worst relative difference |torch − hamux-ts| / (1 + |hamux-ts|), per output kind\n${lines.join('\n')}\n`);
  }
});

describe('the graphs under test', () => {
  it('use every built-in Lagrangian and hypersynapse', () => {
    const used = { lagrangians: new Set<string>(), synapses: new Set<string>() };
    for (const g of graphCases) {
      const ham = buildFromConfig(g.config);
      for (const n of ham.layerNames) used.lagrangians.add(ham.layers[n]!.lagrangian.builtin!.kind);
      for (const s of ham.synapseNames) used.synapses.add(ham.synapses[s]!.synapse.builtin!.kind);
      ham.dispose();
    }
    expect([...used.lagrangians].sort()).toEqual(Object.keys(lagrangianForms).sort());
    expect([...used.synapses].sort()).toEqual(Object.keys(synapseForms).sort());
  });
});

/** A 0/1 mask of one layer, the same for every sample, about half held. */
function maskOf(shape: readonly number[], seed: number): Tensor {
  const r = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, (_, i) => (i === 0 || r() < 0.5 ? 1 : 0)), [...shape]);
}

/** What PyTorch computed for one graph, and the inputs it was given. */
interface Run {
  readonly ham: HAM<string, string>;
  readonly states: Record<string, Tensor>;
  readonly masks: Record<string, Tensor>;
  readonly out: Record<string, DecodedTensor>;
  readonly summary: { loss: number; grads: Record<string, number | null>; finite: boolean };
  readonly trained: Uint8Array;
  readonly weights: Uint8Array;
}

function runCase(g: GraphCase, dir: string): Run {
  const ham = buildFromConfig(g.config);
  const exported = exportTorch(g.config);
  writeFileSync(join(dir, 'model.py'), exported.files['model.py']);
  writeFileSync(join(dir, 'weights.safetensors'), exported.files['weights.safetensors']);
  const states = ham.randomStates(g.batch, 11) as Record<string, Tensor>;
  const targets = ham.randomStates(g.batch, 12, 0.5) as Record<string, Tensor>;
  const maskLayers = new Set([...g.descents.flatMap((d) => d.clampMasks)]);
  const masks = Object.fromEntries([...maskLayers].map((n, i) => [n, maskOf(ham.layers[n]!.shape, 100 + i)]));
  const inputs: Record<string, SafeTensor> = {};
  for (const n of ham.layerNames) {
    inputs[`state.${n}`] = safe(states[n]!);
    inputs[`target.${n}`] = safe(targets[n]!);
  }
  for (const [n, m] of Object.entries(masks)) inputs[`mask.${n}`] = safe(m);
  tf.dispose(Object.values(targets));
  writeFileSync(join(dir, 'states.safetensors'), encodeSafetensors(inputs));
  // no layer held whole, so that every parameter reaches the loss through the moving states
  const train = { ...g.train, clampWhole: [], clampMasks: g.descents[0]!.clampMasks };
  const job = {
    model: join(dir, 'model.py'), weights: join(dir, 'weights.safetensors'), states: join(dir, 'states.safetensors'),
    out: join(dir, 'out.safetensors'), trained: join(dir, 'trained.safetensors'), descents: g.descents, train,
  };
  writeFileSync(join(dir, 'job.json'), JSON.stringify(job));
  const printed = runPython([driver, join(dir, 'job.json')], dir);
  return {
    ham, states, masks,
    out: decodeSafetensors(readFileSync(job.out)).tensors,
    summary: JSON.parse(printed.trim().split('\n').pop()!),
    trained: readFileSync(job.trained),
    weights: exported.files['weights.safetensors'],
  };
}

for (const g of graphCases) {
  describe(`${g.name}: the exported module against hamux-ts`, () => {
    let run: Run;
    beforeAll(() => {
      run = runCase(g, mkdtempSync(join(tmp, `${g.name}-`)));
    }, 180_000);
    afterAll(() => {
      if (!run) return;
      tf.dispose([...Object.values(run.states), ...Object.values(run.masks)]);
      run.ham.dispose();
    });
    const torchOut = (name: string) => {
      const t = run.out[name];
      if (!t) throw new Error(`PyTorch wrote no "${name}"`);
      return t.data;
    };

    it('energy, energy tree and activations', () => {
      const { ham, states } = run;
      tf.tidy(() => {
        agree('energy', `${g.name} total`, torchOut('energy'), values(ham.energy(states)));
        agree('energy', `${g.name} synapses only`, torchOut('energy.synapses'), values(ham.energy(states, { neuronEnergy: false })));
        const tree = ham.energyTree(states);
        agree('energy tree', `${g.name} total`, torchOut('tree.total'), values(tree.total));
        for (const n of ham.layerNames) agree('energy tree', `${g.name} layers.${n}`, torchOut(`tree.layers.${n}`), values(tree.layers[n]!));
        for (const s of ham.synapseNames) agree('energy tree', `${g.name} synapses.${s}`, torchOut(`tree.synapses.${s}`), values(tree.synapses[s]!));
        const act = ham.activations(states);
        for (const n of ham.layerNames) agree('activations', `${g.name} ${n}`, torchOut(`activation.${n}`), values(act[n]!));
      });
    });

    it('update signals −∂E/∂x̂, with and without the neuron energies', () => {
      const { ham, states } = run;
      tf.tidy(() => {
        for (const neuronEnergy of [true, false]) {
          const g1 = ham.dEdxhat(states, { neuronEnergy });
          for (const n of ham.layerNames) {
            const name = neuronEnergy ? `signal.${n}` : `signal.synapses.${n}`;
            agree('update signals', `${g.name} ${n}${neuronEnergy ? '' : ' (synapses only)'}`, torchOut(name), values(tf.neg(g1[n]!)));
          }
        }
      });
    });

    it('descend: the fixed steps, one by one, with clamps, τ and multirate', () => {
      const { ham, states, masks } = run;
      g.descents.forEach((d: DescendCase, c) => {
        const clamp = { ...Object.fromEntries(d.clampWhole.map((n) => [n, true as const])), ...Object.fromEntries(d.clampMasks.map((n) => [n, masks[n]!])) };
        const result = descendSync(ham, states, {
          mode: 'fixed', dt: d.dt, maxSteps: d.steps, checkEvery: 1, recordStatesEvery: 1, riseTolerance: 1e9,
          tolerance: { grad: 0, energy: 0, state: 0 }, clamp, neuronEnergy: d.neuronEnergy, multirate: d.multirate, ...(d.tau ? { tau: d.tau } : {}),
        });
        tf.dispose(Object.values(result.states));
        expect(result.recorded.map((r) => r.step)).toEqual(Array.from({ length: d.steps + 1 }, (_, k) => k));
        let moved = 0;
        for (const { step, states: at } of result.recorded) {
          for (const n of ham.layerNames) {
            agree('descend states', `${g.name} descent ${c}, step ${step}, ${n}`, torchOut(`descend.${c}.${step}.${n}`), at[n]!);
            if (step === d.steps) moved = Math.max(moved, relErrPerEntry(at[n]!, values(states[n]!)));
          }
        }
        expect(moved, 'the descent moved the states').toBeGreaterThan(1e-3);
        // held neurons stayed where they were
        const last = result.recorded[result.recorded.length - 1]!.states;
        for (const n of d.clampWhole) expect(last[n]).toEqual(values(states[n]!));
      });
    });

    it('one SGD step in PyTorch through an unrolled descent: hamux-ts loads the weights and gets its energies', () => {
      const { ham, states, summary, trained, weights } = run;
      expect(summary.finite, JSON.stringify(summary)).toBe(true);
      const loaded = loadParams(ham, trained);
      const before = loadParams(ham, weights);
      const trainedHam = ham.withParams(loaded);
      try {
        // every learnable parameter got a finite gradient, and the step changed the weights
        const learnable = Object.entries(summary.grads);
        expect(learnable.length).toBeGreaterThan(0);
        for (const [path, g] of learnable) expect(g, `the gradient of ${path}`).toBeGreaterThan(0);
        let changed = 0;
        for (const group of ['layers', 'synapses'] as const) {
          for (const [owner, ps] of Object.entries(loaded[group])) {
            for (const [p, t] of Object.entries(ps)) {
              const spec = ham.paramSpecs[group][owner]![p]!;
              const d = relErrPerEntry(values(t), values(before[group][owner]![p]!));
              if (!spec.learnable) expect(d, `${group}.${owner}.${p} is fixed`).toBe(0);
              changed = Math.max(changed, d);
            }
          }
        }
        expect(changed, 'the SGD step changed the weights').toBeGreaterThan(1e-4);
        tf.tidy(() => {
          const tree = trainedHam.energyTree(states);
          agree('round-trip energies', `${g.name} total`, torchOut('trained.total'), values(tree.total));
          for (const n of ham.layerNames) agree('round-trip energies', `${g.name} layers.${n}`, torchOut(`trained.layers.${n}`), values(tree.layers[n]!));
          for (const s of ham.synapseNames) agree('round-trip energies', `${g.name} synapses.${s}`, torchOut(`trained.synapses.${s}`), values(tree.synapses[s]!));
        });
      } finally {
        trainedHam.dispose();
        for (const tree of [loaded, before]) for (const group of [tree.layers, tree.synapses]) for (const m of Object.values(group)) tf.dispose(Object.values(m));
      }
    });
  });
}

describe('what cannot be exported', () => {
  it('a user-defined Lagrangian: an error naming the layer and its kind', () => {
    const registry = createRegistry().lagrangian('cubic', () => defineLagrangian({ kind: 'cubic', lagrangian: (x) => tf.sum(tf.pow(x, 4), -1) }));
    const config = {
      layers: { a: { shape: [3], lagrangian: { kind: 'cubic' } }, b: { shape: [2], lagrangian: { kind: 'identity' } } },
      synapses: { s: { kind: 'dense', connects: ['a', 'b'] } },
      seed: 0,
    };
    const e = thrownBy(() => exportTorch(config, undefined, { registry }), HamuxErrors);
    expect(e.errors.map((x) => [x.where, x.code])).toEqual([['layers.a.lagrangian', 'unsupported']]);
    expect(e.message).toContain('"cubic" is a user-defined Lagrangian');
  });

  it('a user-defined hypersynapse too, every problem at once', () => {
    const registry = createRegistry()
      .lagrangian('cubic', () => defineLagrangian({ kind: 'cubic', lagrangian: (x) => tf.sum(tf.pow(x, 4), -1) }))
      .synapse('pairwise', () => defineHypersynapse({ kind: 'pairwise', arity: 2, energy: ([a, b]) => tf.neg(tf.sum(tf.mul(a!, b!), -1)) }));
    const config = {
      layers: { a: { shape: [3], lagrangian: { kind: 'cubic' } }, b: { shape: [3], lagrangian: { kind: 'identity' } } },
      synapses: { s: { kind: 'pairwise', connects: ['a', 'b'] }, t: { kind: 'dense', connects: ['a', 'b'] } },
      seed: 0,
    };
    const e = thrownBy(() => exportTorch(config, undefined, { registry }), HamuxErrors);
    expect(e.errors.map((x) => [x.where, x.code])).toEqual([['layers.a.lagrangian', 'unsupported'], ['synapses.s', 'unsupported']]);
    expect(e.message).toContain('"pairwise" is a user-defined hypersynapse');
  });

  it('a Lagrangian that dropped its built-in spec is user-defined too', () => {
    // a registered kind whose factory reuses a built-in's energy without promising it is that built-in
    const registry = createRegistry().lagrangian('myTanh', () => ({ ...lagrangians.tanh(), kind: 'myTanh', builtin: undefined }) as never);
    const config = { layers: { a: { shape: [3], lagrangian: { kind: 'myTanh' } } }, synapses: { b: { kind: 'bias', connects: ['a'] } }, seed: 0 };
    const e = thrownBy(() => exportTorch(config, undefined, { registry }), HamuxErrors);
    expect(e.errors.map((x) => x.where)).toEqual(['layers.a.lagrangian']);
  });
});
