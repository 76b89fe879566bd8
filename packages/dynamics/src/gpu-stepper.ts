import { HamuxError, entryProgram, gpuLagrangian, gpuSynapse, MAX_WORKGROUPS, operandInputs, operandRead, reduceSumCode, runProduct, spread, tf, WORKGROUP_INDEX, type GpuDeferredSignal, type GpuProjection, type GpuSum, type GpuLagrangian, type GpuOperand, type GpuProgram, type GpuRun, type GpuSynapse, type GpuUniform, type HAM, type Params, type Tensor } from '@hamux-ts/core';
import type { FreeMask, StepPlan } from './stepper.js';
import type { StepRule, TensorEvaluate } from './tensor-stepper.js';

/**
 * What runs WGSL programs on the webgpu backend: `useBackend('webgpu')`'s runtime carries one
 * (@hamux-ts/backends), and a descent on that runtime steps built-in graphs with fused programs.
 */
export interface GpuRunner {
  /** Shown in reports as the evaluator, e.g. `"fused WGSL step (webgpu)"`. */
  readonly name: string;
  /** Runs one program on the current webgpu backend. */
  readonly run: GpuRun;
}

/** Invocations per workgroup of the update and energy programs. */
const GROUP = 64;

/**
 * `result = x − (dt_b · active_b / τ) · m ⊙ g` for one layer (`[B, n]`): the explicit Euler step of
 * the samples still moving, clamped entries (m = 0) held. `mask`: none, one per sample, or shared.
 */
function updateProgram(B: number, n: number, mask: 'none' | 'perSample' | 'shared'): GpuProgram {
  const m = mask === 'none' ? '' : mask === 'perSample' ? ' * mask[index]' : ` * mask[index % ${n}]`;
  return entryProgram({
    shaderKey: `hamuxEulerUpdate_${n}_${mask}`,
    rows: B,
    n,
    variableNames: mask === 'none' ? ['xs', 'gs', 'dts', 'act'] : ['xs', 'gs', 'dts', 'act', 'mask'],
    uniforms: 'invTau : f32,',
    body: `
          let b = index / ${n};
          result[index] = xs[index] - dts[b] * act[b] * uniforms.invTau${m} * gs[index];`,
  });
}

/** The tensors a term of the energy reads. */
const termInputs = (t: GpuSum): Tensor[] => [...t.operands.flatMap(operandInputs), ...(t.params ?? []), ...(t.shared ?? [])];

/** Inputs one program binds: the device's 8 storage buffers (WebGPU's default limit) less its output. */
const INPUTS = 7;

/**
 * `items` in consecutive groups that each bind at most `first` distinct tensors (the first group)
 * or `later` (the others, which also bind the last group's result).
 */
function chunkByInputs<T>(items: readonly T[], inputsOf: (t: T) => readonly Tensor[], first: number, later: number): T[][] {
  const groups: T[][] = [];
  let group: T[] = [], seen = new Set<Tensor>();
  for (const t of items) {
    const fresh = new Set(inputsOf(t).filter((x) => !seen.has(x)));
    if (group.length > 0 && seen.size + fresh.size > (groups.length === 0 ? first : later)) {
      groups.push(group);
      group = [];
      seen = new Set();
    }
    group.push(t);
    for (const x of inputsOf(t)) seen.add(x);
  }
  groups.push(group);
  return groups;
}

/**
 * The energy per sample (`[B]`): the sum of the terms (the neuron energies, the synapses'), in one
 * program with one workgroup per sample that binds each input once however many terms read it;
 * where the terms read more than INPUTS tensors, in a chain of programs, each taking the last
 * one's result as a term.
 */
function energyOf(run: GpuRun, B: number, terms: readonly GpuSum[]): Tensor {
  const groups = chunkByInputs(terms, termInputs, INPUTS, INPUTS - 1);
  let E: Tensor | undefined;
  for (const g of groups) {
    const before = E;
    const last: GpuSum[] = before ? [{ operands: [{ tensor: before }], count: 1, stride: 1, summand: ([e]) => e! }] : [];
    try {
      E = energyGroup(run, B, [...g, ...last]);
    } finally {
      before?.dispose();
    }
  }
  return E!;
}

/** Loop iterations one invocation of the energy program runs at most (more chunks per sample past it). */
const ENERGY_ITERATIONS = 4096;

/**
 * One program of `energyOf`, or two where its loops would run more than ENERGY_ITERATIONS a thread
 * (a sample with millions of entries): then C workgroups per sample each sum a C-th of every term
 * (`[B, C]` partial sums, all workgroups busy on a GPU, and loops short: Mesa's llvmpipe cuts a
 * loop past 65,535 iterations), and a second program adds each sample's C partial sums.
 */
function energyGroup(run: GpuRun, B: number, terms: readonly GpuSum[]): Tensor {
  const iterations = terms.reduce((n, t) => n + Math.ceil(t.count / GROUP), 0);
  const C = Math.max(1, Math.ceil(iterations / ENERGY_ITERATIONS));
  const partial = energyProgramRun(run, B, terms, C);
  if (C === 1) return partial;
  try {
    return energyProgramRun(run, B, [{ operands: [{ tensor: partial }], count: C, stride: C, summand: ([e]) => e! }], 1);
  } finally {
    partial.dispose();
  }
}

/**
 * Runs one energy program: workgroup w sums, for sample `w / C`, the `w % C`-th of C equal slices
 * of every term's entries (C = 1: all of them), reduced over the workgroup; output `[B·C]`.
 */
function energyProgramRun(run: GpuRun, B: number, terms: readonly GpuSum[], C: number): Tensor {
  const inputs: Tensor[] = [];
  const names = new Map<Tensor, string>();
  const bind = (t: Tensor) => {
    if (!names.has(t)) {
      names.set(t, `e${inputs.length}`);
      inputs.push(t);
    }
    return names.get(t)!;
  };
  let loops = '';
  for (const t of terms) {
    // each input bound once, however many operands read it
    const read = t.operands.map((op) => operandRead(bind(op.tensor), op.inline?.form, (op.inline?.params ?? []).map(bind)).at);
    const params = (t.params ?? []).map((q) => `${bind(q)}[0]`);
    const shared = (t.shared ?? []).map((q) => `${bind(q)}[j]`);
    const summand = t.summand(read.map((r) => r('at')), params, shared);
    const slice = Math.ceil(t.count / C); // this chunk's entries: [c·slice, min((c + 1)·slice, count))
    const [from, to] = C === 1 ? ['0', `${t.count}`] : [`c * ${slice}`, `min((c + 1) * ${slice}, ${t.count})`];
    loops += `
        for (var j = ${from} + tid; j < ${to}; j = j + ${GROUP}) { let at = ${t.offset ?? 0} + b * ${t.stride} + j * ${t.step ?? 1}; acc = acc + ${summand}; }`;
  }
  const code = `
      var<workgroup> red : array<f32, ${GROUP}>;
      fn main(index : i32) {
        let w = ${WORKGROUP_INDEX};
        let b = w / ${C};
        let c = w % ${C};
        let tid = i32(localId.x);
        var acc = 0.0;${loops}
        red[tid] = acc;${reduceSumCode(GROUP)}
        // (reads a uniform: tfjs binds the uniforms, and a layout made from the code must have them)
        if (tid == 0 && w < uniforms.outShape) { result[w] = red[0]; }
      }`;
  const program: GpuProgram = {
    variableNames: inputs.map((_, i) => `e${i}`),
    outputShape: [B * C],
    shaderKey: `hamuxEnergy${code}`, // the code names every term, size, chunk and binding
    dispatchLayout: { x: [0] },
    dispatch: spread(B * C),
    workgroupSize: [GROUP, 1, 1],
    getUserCode: () => code,
  };
  return run(program, inputs);
}

/** WGSL of adaptive step control's decision for sample `b`: its step is accepted if it was active and its energy did not rise (as evaluatedStep). */
const ACCEPTED = (b: string) => `(act[${b}] != 0.0 && en[${b}] <= eo[${b}])`;

/**
 * Adaptive step control, per entry of one layer (`[B, n]`): `result = ok_b ? nw : old`, where
 * `ok_b` (ACCEPTED) compares the new energy `en` with the old `eo` of sample b.
 */
function chooseProgram(B: number, n: number): GpuProgram {
  return entryProgram({
    shaderKey: `hamuxAdaptiveChoose_${n}`,
    rows: B,
    n,
    variableNames: ['nw', 'old', 'en', 'eo', 'act'],
    body: `
          let b = index / ${n};
          result[index] = select(old[index], nw[index], ${ACCEPTED('b')});`,
  });
}

/** What `controlProgram` computes per sample. */
type Control = 'energy' | 'dt' | 'accepted' | 'rejected';

/**
 * Adaptive step control per sample (`[B]`), as evaluatedStep: the kept energy (`ok ? en : eo`),
 * the next step (`ok ? min(dt·grow, cap) : active ? dt·shrink : dt`), or the accepted or rejected
 * count (`+ ok`, `+ active − ok`), from `v` (the old dt or count; unused for the energy).
 */
function controlProgram(B: number, what: Control): GpuProgram {
  const body: Record<Control, string> = {
    energy: 'select(eo[b], en[b], ok)',
    dt: 'select(select(v[b], v[b] * uniforms.shrink, act[b] != 0.0), min(v[b] * uniforms.grow, uniforms.cap), ok)',
    accepted: 'v[b] + select(0.0, 1.0, ok)',
    rejected: 'v[b] + (act[b] - select(0.0, 1.0, ok))',
  };
  return {
    variableNames: what === 'energy' ? ['en', 'eo', 'act'] : ['en', 'eo', 'act', 'v'],
    outputShape: [B],
    shaderKey: `hamuxAdaptiveControl_${what}`,
    dispatchLayout: { x: [0] },
    dispatch: [Math.ceil(B / GROUP), 1, 1],
    workgroupSize: [GROUP, 1, 1],
    ...(what === 'dt' ? { uniforms: 'grow : f32, shrink : f32, cap : f32,' } : {}),
    getUserCode: () => `
      fn main(index : i32) {
        let b = index;
        // (reads a uniform: tfjs binds the uniforms, and a layout made from the code must have them)
        if (b < uniforms.outShape) {
          let ok = ${ACCEPTED('b')};
          result[b] = ${body[what]};
        }
      }`,
  };
}

const missing = (layer: string, param: string): never => {
  throw new HamuxError(['params', 'layers', layer, param], 'missing: the fused step binds it', 'invalid_argument');
};

/** A graph in WGSL forms: its layers and synapses in the graph's order. */
interface GpuPlan<L extends string> {
  readonly layers: readonly { readonly name: L; readonly size: number; readonly lag: GpuLagrangian }[];
  readonly synapses: readonly { readonly name: string; readonly connects: readonly L[]; readonly syn: GpuSynapse }[];
}

/** The WGSL forms of a graph made only of built-ins that have one, or why not. */
function gpuPlan<L extends string, S extends string>(ham: HAM<L, S>): GpuPlan<L> | string {
  const layers: { name: L; size: number; lag: GpuLagrangian }[] = [];
  for (const name of ham.layerNames) {
    const layer = ham.layers[name];
    const spec = layer.lagrangian.builtin;
    if (spec?.kind !== layer.lagrangian.kind) return `layer "${name}": the Lagrangian "${layer.lagrangian.kind}" is not a built-in`;
    const lag = gpuLagrangian(spec, layer.shape);
    if (typeof lag === 'string') return `layer "${name}": ${lag}`;
    layers.push({ name, size: layer.shape.reduce((a, b) => a * b, 1), lag });
  }
  const synapses: { name: string; connects: readonly L[]; syn: GpuSynapse }[] = [];
  for (const name of ham.synapseNames) {
    const node = ham.synapses[name];
    const spec = node.synapse.builtin;
    if (spec?.kind !== node.synapse.kind) return `synapse "${name}": "${node.synapse.kind}" is not a built-in`;
    if (new Set(node.connects).size !== node.connects.length) return `synapse "${name}": connects a layer twice (its signals would not add up in the fused step)`;
    const syn = gpuSynapse(spec, node.shapes);
    if (typeof syn === 'string') return `synapse "${name}": ${syn}`;
    synapses.push({ name, connects: node.connects, syn });
  }
  return { layers, synapses };
}

/** A graph's fused step: the step rule, and the same evaluation alone (`TensorStepper` takes both). */
export interface FusedStep<L extends string> {
  /** One step: the update, the evaluation, the step control. */
  readonly rule: StepRule<L>;
  /** E and ∂E/∂x̂ at given states (signals of layers held whole are not computed: zeros). */
  readonly evaluate: TensorEvaluate<L>;
}

/**
 * The fused step of a graph on the webgpu backend, or why there is none: per moving layer one
 * Euler update program; per layer with a row statistic (softmax) one activation pass, while
 * elementwise activations (identity, tanh) are computed wherever x̂ is read; each synapse's WGSL
 * form (a modern Hopfield memory: overlaps, row softmax with its energy, signal; dense: one
 * product per signal), skipping the signals of layers held whole (never read); and one energy
 * program (a chain of them past ENERGY_INPUTS inputs). Fixed steps accept every active sample (the
 * stepper counts them at checks). Adaptive steps decide on the device, as evaluatedStep: one
 * program per layer chooses each sample's new or old state (moving layers) and signal (layers
 * not held whole), and four one-value-per-sample programs the kept energy, the next dt and the
 * accepted and rejected counts. The state, its energy and signals stay on the device; TensorStepper
 * reads them at checks as on the generic path. The step's plan (mode, τ, step control) is the one
 * TensorStepper passes to each step, so a replan takes effect.
 */
export function fusedGpuStep<L extends string, S extends string>(
  ham: HAM<L, S>,
  plan: StepPlan<L>,
  masks: ReadonlyMap<L, FreeMask<Tensor>>,
  neuronEnergy: boolean,
  runner: GpuRunner,
): FusedStep<L> | string {
  const graph = gpuPlan(ham);
  if (typeof graph === 'string') return graph;
  // (programs with a workgroup per sample: the energy, the activation passes)
  if (plan.batch > MAX_WORKGROUPS) return `a batch of ${plan.batch} samples (at most ${MAX_WORKGROUPS} in one dispatch)`;
  const { run } = runner;
  const B = plan.batch;
  // Layers held whole never read their signals: the programs only they need are skipped.
  const wanted = new Set<L>(plan.moving);
  // Synapses' projections grouped by the layer and width they read.
  const projections: { layer: L; width: number; size: number; members: { name: string; weights: GpuProjection['weights'] }[] }[] = [];
  for (const { name, connects, syn } of graph.synapses) {
    if (!syn.projection) continue;
    const layer = connects[syn.projection.layer]!, { width } = syn.projection;
    const size = graph.layers.find((l) => l.name === layer)!.size;
    let group = projections.find((g) => g.layer === layer && g.width === width);
    if (!group) projections.push((group = { layer, width, size, members: [] }));
    group.members.push({ name, weights: syn.projection.weights });
  }
  /**
   * E and ∂E/∂x̂ at the states `x` (the flat states, the signals on the layers not held whole, the
   * energy): every tensor it makes goes to `made`, for the caller to free once it has what it keeps.
   */
  const evaluateAt = (x: Readonly<Record<L, Tensor>>, p: Params, made: Tensor[]) => {
    const flat = Object.fromEntries(graph.layers.map(({ name, size }) => [name, tf.reshape(x[name], [B, size])])) as Record<L, Tensor>;
    made.push(...Object.values<Tensor>(flat));
    // x̂ as the programs read it: x with its activation computed on read (inline), or an activation pass's output.
    const xhat = {} as Record<L, GpuOperand>;
    const terms: GpuSum[] = [];
    const layerParams = (name: L, keys: readonly string[]) => {
      // bound flat: a scalar (β, γ) as [1]
      const ts = keys.map((k) => {
        const t = p.layers[name]?.[k] ?? missing(name, k);
        return tf.reshape(t, [t.size]);
      });
      made.push(...ts);
      return ts;
    };
    for (const { name, size, lag } of graph.layers) {
      if (lag.inline) {
        const params = layerParams(name, lag.inline.params);
        xhat[name] = { tensor: flat[name], inline: { form: lag.inline, params } };
        // Σ x̂ x − L at x
        if (neuronEnergy) terms.push({ operands: [{ tensor: flat[name] }], params, count: size, stride: size, summand: ([v], q) => lag.inline.energy(v!, q) });
      } else {
        const out = run(lag.pass.program(B, size), [flat[name], ...layerParams(name, lag.pass.params)]);
        made.push(out);
        xhat[name] = { tensor: out };
        const r = lag.pass.energies(size);
        if (neuronEnergy) terms.push({ operands: [{ tensor: out }], count: r, stride: r, offset: B * size, summand: ([e]) => e! });
      }
    }
    // The products of x̂ that synapses begin with, per layer and width in one program (blocked per synapse).
    const projected = new Map<string, { tensor: Tensor; offset: number }>();
    for (const group of projections) {
      const weights = group.members.map((m) => m.weights(p.synapses[m.name] ?? {}));
      for (const part of chunkByInputs(group.members.map((m, i) => ({ m, w: weights[i]! })), ({ w }) => w, INPUTS - operandInputs(xhat[group.layer]).length, INPUTS - operandInputs(xhat[group.layer]).length)) {
        const blocks = part.map(({ w }) => w.reduce((n, t) => n + t.size, 0) / group.width);
        const rows = (B * group.size) / group.width;
        const out = runProduct(run, rows, blocks.reduce((a, b) => a + b, 0), [{ lhs: xhat[group.layer], K: group.width, layout: 'nk', weights: part.flatMap(({ w }) => w) }], { sign: 'plus' }, blocks);
        made.push(out);
        let offset = 0;
        part.forEach(({ m }, i) => {
          projected.set(m.name, { tensor: out, offset });
          offset += rows * blocks[i]!;
        });
      }
    }
    // ∂E/∂x̂ accumulated synapse by synapse onto the neuron term (∂E_layer/∂x̂ = x), then each
    // layer's deferred terms (signals left to the step) in one product per width.
    const signal = {} as Record<L, Tensor | undefined>;
    if (neuronEnergy) for (const { name } of graph.layers) signal[name] = flat[name];
    const deferred = new Map<L, GpuDeferredSignal[]>();
    for (const { name, connects, syn } of graph.synapses) {
      const r = syn.run({
        run, batch: B, xhat: connects.map((c) => xhat[c]), base: connects.map((c) => signal[c]), wanted: connects.map((c) => wanted.has(c)), p: p.synapses[name] ?? {},
        ...(projected.has(name) ? { projected: projected.get(name)! } : {}),
      });
      made.push(...r.keep, ...r.grad.filter((t): t is Tensor => t !== undefined));
      connects.forEach((c, i) => {
        if (r.grad[i]) signal[c] = r.grad[i];
        const d = r.deferred?.[i];
        if (d) deferred.set(c, [...(deferred.get(c) ?? []), d]);
      });
      terms.push(r.energy);
    }
    for (const { name, size } of graph.layers) {
      for (const width of new Set((deferred.get(name) ?? []).map((d) => d.width))) {
        const same = (deferred.get(name) ?? []).filter((d) => d.width === width);
        const all = [...same.flatMap((d) => d.terms.map((term) => ({ term }))), ...same.flatMap((d) => (d.biases ?? []).map((bias) => ({ bias })))];
        const rows = (B * size) / width;
        for (const part of chunkByInputs(all, (t) => ('term' in t ? [...operandInputs(t.term.lhs), ...t.term.weights] : [t.bias]), INPUTS - 1, INPUTS - 1)) {
          const before = signal[name];
          const base = before ? tf.reshape(before, [rows, width]) : undefined;
          if (base) made.push(base);
          const products = part.flatMap((t) => ('term' in t ? [t.term] : [])), biases = part.flatMap((t) => ('bias' in t ? [t.bias] : []));
          const g = runProduct(run, rows, width, products, { sign: 'minus', base, biases });
          const shaped = tf.reshape(g, [B, size]);
          g.dispose();
          made.push(shaped);
          signal[name] = shaped;
        }
      }
    }
    const E = energyOf(run, B, terms);
    return { flat, signal, E };
  };
  /** The evaluation alone (the stepper's first, and after new parameters): signals of layers held whole are not computed (zeros). */
  const evaluate: TensorEvaluate<L> = (states, params) => {
    const made: Tensor[] = [];
    try {
      const { signal, E } = evaluateAt(states, params ?? ham.params, made);
      const dEdxhat = Object.fromEntries(graph.layers.map(({ name }) => {
        const t = wanted.has(name) ? signal[name] : undefined;
        return [name, t ? tf.reshape(t, states[name].shape) : tf.zerosLike(states[name])];
      })) as Record<L, Tensor>;
      return { energy: E, dEdxhat };
    } finally {
      tf.dispose(made);
    }
  };
  const rule: StepRule<L> = (s, level, movers, stepPlan, params) => {
    const p: Params = params ?? ham.params;
    const made: Tensor[] = [];
    try {
      const x = { ...s.x } as Record<L, Tensor>;
      for (const { name, size } of graph.layers) {
        if (!movers.has(name)) continue;
        const m = masks.get(name);
        const mask = m instanceof tf.Tensor ? (m.rank === s.x[name].rank ? 'perSample' : 'shared') : 'none';
        const ins = [tf.reshape(s.x[name], [B, size]), tf.reshape(s.g[name], [B, size]), s.dts[level]!, s.active, ...(m instanceof tf.Tensor ? [m] : [])];
        const out = run(updateProgram(B, size, mask), ins, [{ type: 'float32', data: [1 / stepPlan.tau[name]] }]);
        tf.dispose(ins.slice(0, 2));
        x[name] = tf.reshape(out, s.x[name].shape);
        out.dispose();
        made.push(x[name]);
      }
      const { flat, signal, E } = evaluateAt(x, p, made);
      if (stepPlan.mode === 'fixed') {
        const g = Object.fromEntries(graph.layers.map(({ name }) => {
          if (!wanted.has(name)) return [name, s.g[name]];
          const t = signal[name];
          return [name, t ? tf.reshape(t, s.x[name].shape) : tf.zerosLike(s.x[name])];
        })) as Record<L, Tensor>;
        const xOut = Object.fromEntries(graph.layers.map(({ name }) => [name, movers.has(name) ? tf.clone(x[name]) : s.x[name]])) as Record<L, Tensor>;
        return { x: xOut, g, E, dts: s.dts, accepted: undefined, rejected: s.rejected };
      }
      // Adaptive: each sample keeps its step only if its energy did not rise (evaluatedStep's rule), on the device.
      made.push(E);
      const decided = [E, s.E, s.active];
      const fresh: Tensor[] = []; // the step's outputs made so far (freed if a later program fails)
      const choose = (name: L, size: number, nw: Tensor, old: Tensor) => {
        const flatOld = tf.reshape(old, [B, size]);
        made.push(flatOld);
        const out = run(chooseProgram(B, size), [nw, flatOld, ...decided]);
        const shaped = tf.reshape(out, s.x[name].shape);
        out.dispose();
        fresh.push(shaped);
        return shaped;
      };
      const result: { x: Record<L, Tensor>; g: Record<L, Tensor> } = { x: { ...s.x }, g: { ...s.g } };
      try {
        for (const { name, size } of graph.layers) {
          if (movers.has(name)) result.x[name] = choose(name, size, flat[name], s.x[name]);
          if (!wanted.has(name)) continue;
          const t = signal[name] ?? tf.zeros([B, size]);
          if (signal[name] === undefined) made.push(t);
          result.g[name] = choose(name, size, t, s.g[name]);
        }
        const control = (what: Control, v?: Tensor, uniforms?: GpuUniform[]) => {
          const t = run(controlProgram(B, what), v ? [...decided, v] : decided, uniforms);
          fresh.push(t);
          return t;
        };
        const step = [stepPlan.grow, stepPlan.shrink, stepPlan.levelCap[level]!].map((value): GpuUniform => ({ type: 'float32', data: [value] }));
        const dts = s.dts.map((d, k) => (k === level ? control('dt', d, step) : d));
        return { ...result, E: control('energy'), dts, accepted: control('accepted', s.accepted), rejected: control('rejected', s.rejected) };
      } catch (e) {
        tf.dispose(fresh);
        throw e;
      }
    } finally {
      tf.dispose(made);
    }
  };
  return { rule, evaluate };
}
