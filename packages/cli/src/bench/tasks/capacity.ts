/**
 * Random-pattern capacity: K random ±1 patterns of N entries are written into each variant (its
 * `store` parameter, no training), and a pattern counts as recalled when energy descent from a
 * probe (the pattern with a fraction of its entries flipped, every other layer at 0) ends with
 * `sign(x̂)` of the input layer equal to the pattern in every entry. Capacity is the largest K at
 * which at least `threshold` of the tested patterns are recalled (K doubles until recall fails,
 * then bisection), and the recall curve is the fraction recalled against the flipped fraction at
 * one load K, the same for every variant.
 */
import { buildFromConfig } from '@hamux-ts/config';
import { HamuxError, deriveKey, tf, type HAM, type Params, type States, type Tensor } from '@hamux-ts/core';
import { descend, type DescendOptions } from '@hamux-ts/dynamics';
import { flip, randomBipolar } from '@hamux-ts/data';
import { countWork, disposeStates, timeRelaxation } from '../measure.js';
import type { Preparation, RecallPoint } from '../result.js';
import type { CapacityTask, Suite, Variant } from '../suite-schema.js';
import { inputLayer, withClamp, withoutClamp } from '../variant.js';
import type { TaskOutput, TaskRunner, VariantInput } from './task.js';

/** The graph's parameters with the K stored vectors in place, and how to free them. */
interface Stored {
  readonly params: Params;
  readonly dispose: () => void;
}

function replaced(params: Params, synapse: string, param: string, value: Tensor): Params {
  return { layers: params.layers, synapses: { ...params.synapses, [synapse]: { ...params.synapses[synapse], [param]: value } } };
}

/** Rows `[k, n]` of host values as states of `layer` (`[k, ...shape]`), every other layer at 0. */
function statesAt(ham: HAM<string, string>, layer: string, rows: Float32Array, k: number): States<string> {
  return Object.fromEntries(ham.layerNames.map((n) => [n, n === layer ? tf.tensor(rows, [k, ...ham.layers[n]!.shape]) : tf.zeros([k, ...ham.layers[n]!.shape])])) as States<string>;
}

/**
 * Writes `patterns` (`[k, N]`) into the store parameter: the patterns themselves, or (with `from`)
 * what layer `from` shows when the input is clamped at each pattern and the rest relaxes with the
 * store parameter at 0. The parameter must be `[k, n]` (one row per pattern) or `[n, k]` (columns).
 */
export async function storePatterns(
  ham: HAM<string, string>, input: string, store: NonNullable<Variant['store']>, patterns: Float32Array, k: number,
  options: DescendOptions<string>, path: string,
): Promise<Stored> {
  const [, synapse, param] = store.param.split('.') as [string, string, string];
  const owner = Object.hasOwn(ham.params.synapses, synapse) ? ham.params.synapses[synapse]! : undefined;
  if (!owner) throw new HamuxError(`${path}.param`, `unknown synapse "${synapse}" (synapses are ${ham.synapseNames.map((n) => `"${n}"`).join(', ')})`, 'unknown_name');
  const target = Object.hasOwn(owner, param) ? owner[param]! : undefined;
  if (!target) throw new HamuxError(`${path}.param`, `synapse "${synapse}" has no parameter "${param}" (it has ${Object.keys(owner).map((n) => `"${n}"`).join(', ') || 'none'})`, 'unknown_name');
  let vectors = patterns;
  if (store.from !== undefined) {
    const from = inputLayer(ham, store.from, `${path}.from`);
    const zero = tf.zerosLike(target);
    const zeroed = replaced(ham.params, synapse, param, zero);
    const init = statesAt(ham, input, patterns, k);
    try {
      const r = await descend(ham, init, { ...withClamp(options, { [input]: true }), params: zeroed });
      const shown = tf.tidy(() => tf.reshape(ham.activations(r.states, { params: zeroed })[from]!, [k, -1]));
      vectors = (await shown.data()) as Float32Array;
      shown.dispose();
      disposeStates(r.states);
    } finally {
      zero.dispose();
      disposeStates(init);
    }
  }
  const n = vectors.length / k;
  const scaled = store.scale === 1 ? vectors : Float32Array.from(vectors, (v) => v * store.scale);
  const [a, b] = target.shape;
  const fitsRows = target.rank === 2 && a === k && b === n;
  const fitsColumns = target.rank === 2 && a === n && b === k;
  if (!fitsRows && !fitsColumns) {
    throw new HamuxError(`${path}.param`, `"${store.param}" has shape [${target.shape.join(', ')}]: expected [${k}, ${n}] or [${n}, ${k}] to hold ${k} stored vectors of ${n} entries`, 'shape_mismatch');
  }
  if (fitsRows && fitsColumns && store.layout === undefined) {
    throw new HamuxError(`${path}.layout`, `missing: "${store.param}" is square at K = ${k} ([${k}, ${n}]): say whether the vectors are its "rows" or its "columns"`, 'invalid_config');
  }
  if (store.layout !== undefined && !(store.layout === 'rows' ? fitsRows : fitsColumns)) {
    throw new HamuxError(`${path}.layout`, `"${store.param}" has shape [${target.shape.join(', ')}]: ${k} vectors of ${n} entries cannot be its ${store.layout}`, 'shape_mismatch');
  }
  const asRows = store.layout ? store.layout === 'rows' : fitsRows;
  const value = asRows ? tf.tensor2d(scaled, [k, n]) : tf.tidy(() => tf.transpose(tf.tensor2d(scaled, [k, n])));
  return { params: replaced(ham.params, synapse, param, value), dispose: () => value.dispose() };
}

/** `probes` probes (probe i from pattern i mod k, a fraction `f` of its entries flipped), each the caller's pattern index. */
function probesOf(patterns: Float32Array, k: number, n: number, probes: number, f: number, seed: number): { clean: Float32Array; probe: Float32Array } {
  const clean = new Float32Array(probes * n);
  for (let i = 0; i < probes; i++) clean.set(patterns.subarray((i % k) * n, (i % k + 1) * n), i * n);
  return { clean, probe: flip(clean, n, { fraction: f, seed }).data };
}

/** Descends from the probes; counts those whose sign pattern is restored exactly, and the mean overlap. */
async function recall(
  ham: HAM<string, string>, input: string, params: Params, options: DescendOptions<string>, clean: Float32Array, probe: Float32Array, n: number,
): Promise<{ recalled: number; overlap: number; probes: number }> {
  const probes = clean.length / n;
  const init = statesAt(ham, input, probe, probes);
  try {
    const r = await descend(ham, init, { ...options, params });
    const out = tf.tidy(() => tf.reshape(ham.activations(r.states, { params })[input]!, [-1]));
    const values = await out.data();
    out.dispose();
    disposeStates(r.states);
    let recalled = 0;
    let overlap = 0;
    for (let p = 0; p < probes; p++) {
      let same = 0;
      for (let i = p * n; i < (p + 1) * n; i++) if ((values[i]! > 0 ? 1 : -1) === clean[i]) same++;
      if (same === n) recalled++;
      overlap += (2 * same - n) / n;
    }
    return { recalled, overlap: overlap / probes, probes };
  } finally {
    disposeStates(init);
  }
}

/**
 * How many of the first `tested` patterns are stored: flipping any one of their N entries raises
 * the energy (Krotov & Hopfield 2016), with every layer but the input relaxed (input clamped) when
 * the graph has more than one layer. Energies are compared, not the end of a descent, so the
 * answer does not depend on the scheduler resolving tiny steps of a large energy in float32.
 */
export async function stableCount(
  ham: HAM<string, string>, input: string, params: Params, options: DescendOptions<string>, patterns: Float32Array, n: number, tested: number,
): Promise<number> {
  const rows = tested * (n + 1);
  const probe = new Float32Array(rows * n);
  for (let p = 0; p < tested; p++) {
    for (let f = 0; f <= n; f++) {
      const row = probe.subarray((p * (n + 1) + f) * n, (p * (n + 1) + f + 1) * n);
      row.set(patterns.subarray(p * n, (p + 1) * n));
      if (f > 0) row[f - 1] = -row[f - 1]!;
    }
  }
  const init = statesAt(ham, input, probe, rows);
  let energies: Float32Array;
  try {
    if (ham.layerNames.length === 1) {
      const e = ham.energy(init, { params });
      energies = (await e.data()) as Float32Array;
      e.dispose();
    } else {
      const r = await descend(ham, init, { ...withClamp(options, { [input]: true }), params });
      energies = Float32Array.from(r.report.map((x) => x.energy));
      disposeStates(r.states);
    }
  } finally {
    disposeStates(init);
  }
  let stored = 0;
  for (let p = 0; p < tested; p++) {
    const e0 = energies[p * (n + 1)]!;
    let stable = true;
    for (let f = 1; f <= n && stable; f++) stable = energies[p * (n + 1) + f]! > e0;
    if (stable) stored++;
  }
  return stored;
}

export function capacityRunner(suite: Suite, task: CapacityTask): TaskRunner {
  const p = suite.protocol;
  const N = task.features;
  const text =
    `Random ±1 patterns of N = ${N} entries (seeded; the same patterns for every variant) are written into each variant's store parameter, without training. ` +
    `A probe is a stored pattern with a fraction of its entries flipped; every other layer starts at 0; the scheduler relaxes it (the variant's settings, at most ${p.maxSteps} steps${p.tolerance ? `, tolerance ${JSON.stringify(p.tolerance)}` : ''}), ` +
    `and the pattern is recalled when sign(x̂) of the input layer equals it in every entry. Capacity: the largest K at which at least ${Math.round(task.threshold * 100)}% of tested patterns ` +
    `(at least ${task.samples} per K, over fresh pattern sets when K < ${task.tested}) are stored, a pattern being stored when flipping any one of its entries raises the energy ` +
    `(the other layers relaxed with the input clamped, for graphs of several layers); K doubles from 2, then bisection, up to ${task.maxK}. ` +
    `Recall curve: ${task.samples} probes at K = ${task.load} for each flipped fraction. Timed: ${p.runs} relaxations (after ${p.warmup} warm-up) of ${p.batch} probes at K = ${task.load}, ${Math.round(task.timedFlip * 100)}% flipped; parameters, FLOPs and memory are those at K = ${task.load}.`;
  return {
    text,
    async run({ ham, configAt, options, variant, index, log, load }: VariantInput): Promise<TaskOutput> {
      const path = `variants[${index}]`;
      if (!variant.store) throw new HamuxError(`${path}.store`, 'missing: a capacity variant says which parameter receives the patterns ({ "param": "synapses.<synapse>.<param>" })', 'invalid_config');
      const store = variant.store;
      const input = inputLayer(ham, variant.input ?? task.input, variant.input ? `${path}.input` : 'task.input', N);
      const free = withoutClamp(options, input);
      /** Builds the variant at K, stores `patterns`, runs `f`, frees everything. */
      const at = async <T>(k: number, patterns: Float32Array, f: (h: HAM<string, string>, params: Params) => Promise<T>): Promise<T> => {
        const h = k === task.load ? ham : buildFromConfig(configAt(k));
        try {
          const stored = await storePatterns(h, input, store, patterns, k, free, `${path}.store`);
          try {
            return await f(h, stored.params);
          } finally {
            stored.dispose();
          }
        } finally {
          if (h !== ham) h.dispose();
        }
      };

      const tried: { k: number; stored: number }[] = [];
      const passes = async (k: number): Promise<boolean> => {
        const per = Math.min(k, task.tested);
        const trials = Math.ceil(task.samples / per);
        let stored = 0;
        for (let t = 0; t < trials; t++) {
          const patterns = randomBipolar(k, N, deriveKey(suite.seed, `capacity.${k}.${t}`));
          stored += await at(k, patterns, (h, params) => stableCount(h, input, params, free, patterns, N, per));
        }
        tried.push({ k, stored: stored / (trials * per) });
        return stored / (trials * per) >= task.threshold;
      };
      let good = 1;
      let bad = 0;
      for (let k = 2; k <= task.maxK; k *= 2) {
        if (await passes(k)) good = k;
        else { bad = k; break; }
      }
      if (bad > 0) {
        while (bad - good > Math.max(1, Math.floor(good / 50))) {
          const mid = Math.floor((good + bad) / 2);
          if (await passes(mid)) good = mid; else bad = mid;
        }
      }
      const capacity = { k: good, capped: bad === 0, tried: tried.sort((a, b) => a.k - b.k) };
      log(`capacity ${capacity.capped ? '> ' : ''}${capacity.k} (${tried.length} values of K tried)`);

      const K = task.load;
      const patterns = randomBipolar(K, N, deriveKey(suite.seed, 'load'));
      return at(K, patterns, async (h, params) => {
        const { probe } = probesOf(patterns, K, N, p.batch, task.timedFlip, deriveKey(suite.seed, 'timed'));
        const init = statesAt(h, input, probe, p.batch);
        let work, relaxation;
        try {
          const opts = { ...free, params };
          work = await countWork(h, init, opts, params);
          const timed = await timeRelaxation(h, init, opts, p, load);
          disposeStates(timed.last.states);
          relaxation = timed.timing;
        } finally {
          disposeStates(init);
        }
        log(`relaxed ${p.batch} probes at K = ${K} in ${relaxation.wallMs.median.toFixed(0)} ms (${relaxation.batchSteps} steps, ${relaxation.converged}/${p.batch} converged)`);
        const points: RecallPoint[] = [];
        for (const [i, f] of task.flips.entries()) {
          const { clean, probe: pr } = probesOf(patterns, K, N, task.samples, f, deriveKey(suite.seed, `recall.${i}`));
          const r = await recall(h, input, params, free, clean, pr, N);
          points.push({ flip: f, accuracy: r.recalled / r.probes, overlap: r.overlap, probes: r.probes });
        }
        log(`recall at K = ${K}: ${points.map((q) => `${Math.round(q.flip * 100)}% flipped → ${(q.accuracy * 100).toFixed(0)}%`).join(', ')}`);
        const preparation: Preparation = { kind: 'stored', patterns: K, param: store.param, ...(store.from ? { from: store.from } : {}) };
        return { preparation, work, relaxation, quality: { kind: 'capacity', capacity, recall: points } };
      });
    },
    dispose: () => undefined,
  };
}
