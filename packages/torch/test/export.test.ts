// hamux export torch, checked against PyTorch itself: for graphs that together use every built-in
// Lagrangian and hypersynapse, the exported module's energy, energy tree, activations and update
// signals equal hamux-ts's on the same states, its fixed-step descent equals descendSync's step for
// step, and one SGD step through an unrolled descent in PyTorch gives weights that hamux-ts loads
// back (loadParams) with the same energies. The worst relative difference of each kind of output
// is printed at the end.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildFromConfig, createRegistry, decodeSafetensors, descendOptionsFromConfig, encodeSafetensors, loadParams, loadStates, saveStates, type DecodedTensor, type SafeTensor,
} from '@hamux-ts/config';
import { HamuxErrors, defineHypersynapse, defineLagrangian, lagrangians, tf, type HAM, type Tensor } from '@hamux-ts/core';
import { descendSync } from '@hamux-ts/dynamics';
import { mulberry32, relErrPerEntry, thrownBy } from '@hamux-ts/test-support';
import { exportTorch, exportTorchHam, lagrangianForms, synapseForms } from '../src/index.js';
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
  const random = ham.randomStates(g.batch, 11) as Record<string, Tensor>;
  const states = Object.fromEntries(ham.layerNames.map((n) => {
    const v = Float32Array.from(values(random[n]!));
    g.edit?.(n, v);
    return [n, tf.tensor(v, random[n]!.shape)];
  }));
  tf.dispose(Object.values(random));
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

// Every shipped config: the module's energy, and its descent with the defaults it carries (the config's
// scheduler dt, neuronEnergy and multirate and its clamped layers), against hamux-ts's in fixed mode.
const EVERY_CONFIG = `
import importlib.util, sys, torch
for folder in sys.argv[1:]:
    spec = importlib.util.spec_from_file_location("model", folder + "/model.py")
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    m = mod.load()
    xs = mod.load_safetensors(folder + "/states.safetensors")
    with torch.no_grad():
        out = {"energy": m.energy(xs)}
        out.update({"descend." + n: x for n, x in m.descend(xs, 3).items()})
    mod.save_safetensors(folder + "/out.safetensors", out)
`;

describe('every config in configs/models', () => {
  const modelsDir = join(import.meta.dirname, '../../../configs/models');
  const models = readdirSync(modelsDir).filter((f) => f.endsWith('.json')).sort();

  it('exports, and the module gives hamux-ts\'s energy and its default descent', () => {
    const dirs = models.map((m) => {
      const dir = join(tmp, `model-${m.replace(/\.json$/, '')}`);
      mkdirSync(dir);
      const config: unknown = JSON.parse(readFileSync(join(modelsDir, m), 'utf8'));
      const { files } = exportTorch(config);
      writeFileSync(join(dir, 'model.py'), files['model.py']);
      writeFileSync(join(dir, 'weights.safetensors'), files['weights.safetensors']);
      const ham = buildFromConfig(config);
      const states = ham.randomStates(2, 21, 0.5);
      writeFileSync(join(dir, 'states.safetensors'), saveStates(states));
      tf.dispose(Object.values(states));
      ham.dispose();
      return dir;
    });
    runPython(['-c', EVERY_CONFIG, ...dirs], tmp, 300_000);
    models.forEach((m, i) => {
      const config: unknown = JSON.parse(readFileSync(join(modelsDir, m), 'utf8'));
      const ham = buildFromConfig(config);
      const states = loadStates(readFileSync(join(dirs[i]!, 'states.safetensors')), ham);
      const out = decodeSafetensors(readFileSync(join(dirs[i]!, 'out.safetensors'))).tensors;
      try {
        agree('energy', m, out['energy']!.data, values(ham.energy(states)));
        const steps = 3;
        const result = descendSync(ham, states, {
          ...descendOptionsFromConfig(config), mode: 'fixed', maxSteps: steps, checkEvery: steps, riseTolerance: 1e9, tolerance: { grad: 0, energy: 0, state: 0 },
        });
        expect(result.steps).toBe(steps);
        for (const n of ham.layerNames) agree('descend states', `${m} after ${steps} steps, ${n}`, out[`descend.${n}`]!.data, values(result.states[n]!));
        tf.dispose(Object.values(result.states));
      } finally {
        tf.dispose(Object.values(states));
        ham.dispose();
      }
    });
  }, 300_000);
});

describe('the module\'s safetensors reader and writer (standard library and torch)', () => {
  /** A file with a tensor of each readable dtype, written by hand: F32, F64, F16 (1.5, −2, 2⁻¹⁴) and BF16 (1.5, −3). */
  function mixedFile(): Uint8Array {
    const f64 = new Float64Array([0.1, -2.5e10]);
    const f16 = new Uint16Array([0x3e00, 0xc000, 0x0400]);
    const bf16 = new Uint16Array([0x3fc0, 0xc040]);
    const f32 = new Float32Array([1, 2, 3, 4]);
    const parts: [string, string, number[], Uint8Array][] = [
      ['half', 'F16', [3], new Uint8Array(f16.buffer)],
      ['double', 'F64', [2], new Uint8Array(f64.buffer)],
      ['brain', 'BF16', [1, 2], new Uint8Array(bf16.buffer)],
      ['single', 'F32', [2, 2], new Uint8Array(f32.buffer)],
      ['empty', 'F32', [0, 3], new Uint8Array(0)],
    ];
    let offset = 0;
    const header: Record<string, unknown> = { __metadata__: { note: 'by hand' } };
    for (const [name, dtype, shape, bytes] of parts) {
      header[name] = { dtype, shape, data_offsets: [offset, offset + bytes.length] };
      offset += bytes.length;
    }
    const json = new TextEncoder().encode(JSON.stringify(header)); // not padded: the reader must not need it
    const out = new Uint8Array(8 + json.length + offset);
    new DataView(out.buffer).setUint32(0, json.length, true);
    out.set(json, 8);
    let at = 8 + json.length;
    for (const [, , , bytes] of parts) { out.set(bytes, at); at += bytes.length; }
    return out;
  }

  const ROUND_TRIP = `
import importlib.util, sys
spec = importlib.util.spec_from_file_location("model", sys.argv[1])
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
tensors = mod.load_safetensors(sys.argv[2])
assert all(str(t.dtype) == "torch.float32" for t in tensors.values())
mod.save_safetensors(sys.argv[3], tensors, metadata={"written": "by torch"})
`;

  it('reads F32, F64, F16 and BF16 as float32 and writes float32 that hamux-ts decodes', () => {
    const dir = mkdtempSync(join(tmp, 'safetensors-'));
    writeFileSync(join(dir, 'model.py'), exportTorch(graphCases[0]!.config).files['model.py']);
    writeFileSync(join(dir, 'mixed.safetensors'), mixedFile());
    runPython(['-c', ROUND_TRIP, join(dir, 'model.py'), join(dir, 'mixed.safetensors'), join(dir, 'out.safetensors')], dir);
    const bytes = readFileSync(join(dir, 'out.safetensors'));
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true) % 8).toBe(0); // data 8-byte aligned
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({ written: 'by torch' });
    expect(Object.fromEntries(Object.entries(tensors).map(([n, t]) => [n, [t.dtype, t.shape, Array.from(t.data)]]))).toEqual({
      half: ['F32', [3], [1.5, -2, 2 ** -14]],
      double: ['F32', [2], [Math.fround(0.1), Math.fround(-2.5e10)]],
      brain: ['F32', [1, 2], [1.5, -3]],
      single: ['F32', [2, 2], [1, 2, 3, 4]],
      empty: ['F32', [0, 3], []],
    });
  });

  it('refuses a dtype it cannot read, naming the tensor', () => {
    const dir = mkdtempSync(join(tmp, 'safetensors-'));
    writeFileSync(join(dir, 'model.py'), exportTorch(graphCases[0]!.config).files['model.py']);
    const json = new TextEncoder().encode(JSON.stringify({ counts: { dtype: 'I32', shape: [1], data_offsets: [0, 4] } }));
    const file = new Uint8Array(8 + json.length + 4);
    new DataView(file.buffer).setUint32(0, json.length, true);
    file.set(json, 8);
    writeFileSync(join(dir, 'ints.safetensors'), file);
    const read = `
import importlib.util, sys
spec = importlib.util.spec_from_file_location("model", sys.argv[1])
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
mod.load_safetensors(sys.argv[2])
`;
    expect(() => runPython(['-c', read, join(dir, 'model.py'), join(dir, 'ints.safetensors')], dir)).toThrow(/tensor 'counts' has dtype 'I32'; expected one of F32, F64, F16, BF16/);
  });
});

// DistributedDataParallel (gloo, one process on the CPU) wraps the module as it is: its forward is
// descend, and the gradients through the unrolled steps are those without it.
const DDP = `
import importlib.util, sys, torch, torch.distributed as dist
folder = sys.argv[1]
spec = importlib.util.spec_from_file_location("model", folder + "/model.py")
mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
torch.manual_seed(0)
plain, wrapped = mod.load(), mod.load()
xs = {k: torch.randn_like(v) for k, v in plain.zeros(2).items()}
dist.init_process_group("gloo", init_method="file://" + folder + "/rendezvous", rank=0, world_size=1)
ddp = torch.nn.parallel.DistributedDataParallel(wrapped)
for m in (plain, ddp):
    loss = sum((v ** 2).mean() for v in m(xs, 3).values())
    loss.backward()
dist.destroy_process_group()
worst = 0.0
for (k, p), q in zip(plain.hamux_parameters().items(), wrapped.hamux_parameters().values()):
    if p.requires_grad:
        assert p.grad is not None and q.grad is not None, k
        worst = max(worst, float((p.grad - q.grad).abs().max()) / (1 + float(p.grad.abs().max())))
print(worst)
`;

describe('DistributedDataParallel', () => {
  it('wraps the module (forward is descend) and gives the gradients of the plain module', () => {
    const dir = mkdtempSync(join(tmp, 'ddp-'));
    const { files } = exportTorch(graphCases[1]!.config);
    writeFileSync(join(dir, 'model.py'), files['model.py']);
    writeFileSync(join(dir, 'weights.safetensors'), files['weights.safetensors']);
    const worstGradient = Number(runPython(['-c', DDP, dir], dir).trim());
    expect(worstGradient).toBeLessThan(1e-6);
  });
});

describe('exportTorch and exportTorchHam', () => {
  it('write the parameters given, list every parameter, and bake in the config\'s descent defaults', () => {
    const g = graphCases[0]!;
    const other = buildFromConfig({ ...g.config, seed: 99 });
    const { files, params, layers, synapses } = exportTorch(g.config, other.params);
    const written = decodeSafetensors(files['weights.safetensors']).tensors;
    for (const group of ['layers', 'synapses'] as const) {
      for (const [owner, ps] of Object.entries(other.params[group])) {
        for (const [p, t] of Object.entries(ps)) expect(written[`${group}.${owner}.${p}`]!.data, `${group}.${owner}.${p}`).toEqual(values(t));
      }
    }
    expect(params.map((p) => p.path).sort()).toEqual(Object.keys(written).sort());
    expect(params.find((p) => p.path === 'layers.r.beta')).toEqual({ path: 'layers.r.beta', shape: [], learnable: true });
    expect(params.find((p) => p.path === 'layers.e.beta')).toEqual({ path: 'layers.e.beta', shape: [], learnable: false });
    expect(layers).toEqual(other.layerNames);
    expect(synapses).toEqual(other.synapseNames);
    expect(files['model.py']).toContain('DESCEND_DEFAULTS = {"dt": 0.05, "clamp": {}, "neuron_energy": True, "multirate": False}');
    other.dispose();
  });

  it('refuse a mask as a default clamp, and a clamp of no layer', () => {
    const ham = buildFromConfig(graphCases[0]!.config);
    const mask = tf.ones([5]);
    try {
      const e = thrownBy(() => exportTorchHam(ham, { clamp: { training: mask, nowhere: true, 'x.in': true } }), HamuxErrors);
      expect(e.errors.map((x) => [x.where, x.code])).toEqual([['descend.clamp.training', 'unsupported'], ['descend.clamp.nowhere', 'unknown_name']]);
      expect(exportTorchHam(ham, { clamp: { 'x.in': true }, dt: 0.2, multirate: { innerSteps: 2 } }).files['model.py'])
        .toContain('DESCEND_DEFAULTS = {"dt": 0.2, "clamp": {"x.in": True}, "neuron_energy": True, "multirate": {"innerSteps": 2}}');
    } finally {
      mask.dispose();
      ham.dispose();
    }
  });
});

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
