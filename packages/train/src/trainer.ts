import {
  HamuxError,
  HamuxErrors,
  deriveKey,
  permutation,
  splitParamPath,
  tf,
  type GradMethod,
  type HAM,
  type ParamPath,
  type Params,
  type States,
  type Tensor,
  type TensorMap,
} from '@hamux-ts/core';
import type { Batch, Prepared } from './batch.js';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointInfo } from './checkpoint.js';
import { checkData, disposeBatch, gatherBatch, sliceBatch } from './data.js';
import { correctCount, type AccuracyOptions, type Loss } from './losses.js';
import { applyGradientsOnHost, clipGradients, makeOptimizer, optimizerState, restoreOptimizer, setLearningRate, type OptimizerSpec } from './optimizer.js';
import type { Prepare } from './prepare.js';
import { checkUnrollOptions, unroll } from './unroll.js';
import { HostPath, type GradientPath } from './host-path.js';
import { equilibriumGradients, fixedPointSettings, implicitGradients, relaxToFixedPoint, type FixedPointContext, type FixedPointOptions, type FixedPointSettings } from './fixed-point.js';
import type { Runtime } from '@hamux-ts/dynamics';

/**
 * What a `Trainer` of a graph with layers `L` and synapses `S` is told. Every name in it is checked
 * against the graph's: a loss, initial-state builder, accuracy layer or trainable path that names a
 * layer or synapse the graph lacks is a compile error (and, with names from data, a run-time error).
 */
export interface TrainerOptions<L extends string, S extends string> {
  /** Seed of the shuffles and of every batch's randomness (required: runs repeat exactly). */
  readonly seed: number;
  /** Unrolled Euler steps T per example (required, except with `fixedPoint`, which relaxes to convergence instead). */
  readonly steps?: number;
  /** Step size of the unrolled descent, `x_i ← x_i − (dt/τ_i) ∂E/∂x̂_i`. Default 0.1. */
  readonly dt?: number;
  /** Include the neuron energies (default true) or not (Energy Transformer). */
  readonly neuronEnergy?: boolean;
  /** How `∂E/∂x̂` is computed in the descent. Default `'auto'`. */
  readonly method?: GradMethod;
  /**
   * Learn at the fixed point instead of through T unrolled steps: the loss is taken where the
   * dynamics come to rest, and its gradient comes from equilibrium propagation or implicit
   * differentiation (`fixed-point.ts`). Memory does not grow with the relaxation's length.
   */
  readonly fixedPoint?: FixedPointOptions;
  /**
   * What to run on: `useBackend`'s result. With a runtime that has fast kernels (cpu and wasm under
   * Node), graphs of built-in parts get their gradients on host arrays; without one, by tfjs autodiff.
   */
  readonly runtime?: Runtime;
  /** Builds each batch's initial states and clamps: `clampedInput`, `corruptedInput`, `maskedInput`, or yours. */
  readonly prepare: Prepare<L, S>;
  /** Used instead of `prepare` on held-out data (default: `prepare`, told `training: false`). */
  readonly evalPrepare?: Prepare<L, S>;
  /** The training loss on the final activations: `crossEntropy`, `mse`, `sumOf`, or yours. */
  readonly loss: Loss<L>;
  /** A tfjs optimizer (`tf.train.adam(1e-3)`, yours to dispose) or a spec (`{ name: 'adam', learningRate: 1e-3 }`). */
  readonly optimizer: OptimizerSpec | tf.Optimizer;
  /** Examples per mini-batch. Default 32. */
  readonly batchSize?: number;
  /** Reshuffle the training set every epoch (default true). */
  readonly shuffle?: boolean;
  /** Skip the last, smaller batch of an epoch (default false). */
  readonly dropLast?: boolean;
  /** Rescale the gradients so that their global L2 norm is at most this. */
  readonly clipNorm?: number;
  /** Clip every gradient entry to `[−clipValue, clipValue]`. */
  readonly clipValue?: number;
  /** Also report accuracy of a label layer on held-out data. */
  readonly accuracy?: AccuracyOptions<L>;
  /**
   * Paths of the parameters to train (`'synapses.enc.W'`, `'layers.h.beta'`). Default: every
   * learnable parameter (synapse weights, and Lagrangian parameters declared with `learnable()`).
   */
  readonly trainable?: readonly ParamPath<L, S>[];
}

/** Reported after every mini-batch. */
export interface TrainProgress {
  /** 1-based epoch being trained, out of `epochs`. */
  readonly epoch: number;
  /** Epochs the run trains to. */
  readonly epochs: number;
  /** 1-based batch within the epoch, out of `batches`. */
  readonly batch: number;
  /** Mini-batches in an epoch. */
  readonly batches: number;
  /** Optimizer steps taken since training began (restored runs included). */
  readonly step: number;
  /** This batch's loss. */
  readonly loss: number;
  /** Mean loss of the epoch so far. */
  readonly meanLoss: number;
  /** Training examples per second in this epoch so far. */
  readonly examplesPerSecond: number;
}

/** The result of evaluating on held-out data. */
export interface EvalReport {
  /** Mean loss per example. */
  readonly loss: number;
  /** Fraction classified right, when `accuracy` is set. */
  readonly accuracy?: number;
  /** Examples evaluated. */
  readonly examples: number;
}

/** What one training epoch did: its loss, time, learning rate and validation. */
export interface EpochReport {
  /** 1-based number of the epoch. */
  readonly epoch: number;
  /** Mean training loss over the epoch's batches (weighted by batch size). */
  readonly loss: number;
  /** Wall time of the epoch, in seconds. */
  readonly seconds: number;
  /** Training examples per second over the epoch. */
  readonly examplesPerSecond: number;
  /** The learning rate of the epoch, when the optimizer spec has a `schedule`. */
  readonly learningRate?: number;
  /** The held-out score after the epoch, when `validation` data was given. */
  readonly validation?: EvalReport;
}

/** Options of `Trainer.fit`: epochs, validation data, checkpoints and progress. */
export interface FitOptions {
  /** Train until this many epochs are complete (counting epochs restored from a checkpoint). */
  readonly epochs: number;
  /** Held-out data evaluated after every epoch. */
  readonly validation?: Batch;
  /** Called after every mini-batch with the epoch's progress. */
  readonly onProgress?: (progress: TrainProgress) => void;
  /** Called after every epoch with its report; `fit` waits for a returned promise. */
  readonly onEpochEnd?: (report: EpochReport) => void | Promise<void>;
  /** Write a checkpoint every `every` epochs (and after the last): `save` receives the safetensors bytes. */
  readonly checkpoint?: {
    /** Epochs between checkpoints. */
    readonly every: number;
    /** Stores one checkpoint (its safetensors bytes); `fit` waits for a returned promise. */
    readonly save: (bytes: Uint8Array, info: CheckpointInfo) => void | Promise<void>;
  };
}

let trainers = 0;

/**
 * Backends where the optimizer's update runs as one host loop: cpu, whose tfjs ops loop in JS and
 * allocate a tensor each (an Adam step of the 200k-parameter classifier: 52 ms in tfjs, 12 on the
 * host). On wasm tfjs's own kernels are as fast (4.2 ms against 5.5).
 */
const HOST_OPTIMIZER_BACKENDS: ReadonlySet<string> = new Set(['cpu']);

/** A parameter's path: `synapses.enc.W`. */
const pathOf = (group: 'layers' | 'synapses', owner: string, name: string) => `${group}.${owner}.${name}`;

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/**
 * Trains a HAM's parameters by backpropagating a loss through T unrolled steps of its energy
 * descent (math.md §6): for every mini-batch, `prepare` builds the initial states, `unroll` runs
 * `x ← x − (dt/τ) ∂E/∂x̂` T times, `loss` scores the final activations, and the optimizer follows
 * the gradient of that loss with respect to every trainable parameter, through the whole descent.
 *
 * With `fixedPoint`, it learns where the dynamics come to rest instead (`fixed-point.ts`): the loss
 * at the converged state, its gradient by implicit differentiation or equilibrium propagation.
 *
 * The trained parameters are `tf.Variable`s initialised from (and independent of) `ham.params`;
 * `trainer.params` is the graph's full parameter set with them in place, for `ham.activations(…,
 * { params })`, `descend(…, { params })` or `saveParams({ params })`.
 *
 * ```ts
 * const trainer = new Trainer(ham, {
 *   seed: 0, steps: 10, dt: 0.2, batchSize: 64,
 *   prepare: clampedInput({ layer: 'pixels', field: 'x' }),
 *   loss: crossEntropy({ layer: 'labels', field: 'y' }),
 *   accuracy: { layer: 'labels', field: 'y' },
 *   optimizer: { name: 'adam', learningRate: 1e-3 },
 * });
 * await trainer.fit({ x, y }, { epochs: 5, validation: { x: xTest, y: yTest }, ...progressBar(process.stderr) });
 * trainer.dispose();
 * ```
 */
export class Trainer<L extends string, S extends string> {
  /** The graph being trained. */
  readonly ham: HAM<L, S>;
  /** Paths of the trained parameters, in the order the optimizer sees them. */
  readonly trainable: readonly string[];
  /** The options it was made with. */
  readonly options: TrainerOptions<L, S>;
  readonly #variables: readonly tf.Variable[];
  readonly #params: Params<L, S>;
  readonly #optimizer: tf.Optimizer;
  readonly #ownsOptimizer: boolean;
  readonly #rate: ((epoch: number, epochs: number) => number) | undefined;
  readonly #batchSize: number;
  #epoch = 0;
  #step = 0;
  /** Training-set size recorded in a restored checkpoint, checked by the next `fit`. */
  #restoredExamples: number | undefined;
  #disposed = false;
  readonly #host: HostPath<L>;
  readonly #fixedPoint: FixedPointSettings | undefined;
  #path: GradientPath | undefined;

  /** `options` is checked against `ham`'s names (`L` and `S` are the graph's, never the options'). */
  constructor(ham: HAM<L, S>, options: TrainerOptions<NoInfer<L>, NoInfer<S>>) {
    const trainable = checkTrainerOptions(ham, options);
    this.#fixedPoint = options.fixedPoint === undefined ? undefined : fixedPointSettings(options.fixedPoint);
    this.ham = ham;
    this.options = options;
    this.#batchSize = options.batchSize ?? 32;
    this.trainable = Object.freeze(trainable);
    // First the optimizer (its options may still be wrong), then the variables: a throw leaks nothing.
    const { optimizer, owned, rate } = makeOptimizer(options.optimizer, 'options.optimizer');
    this.#optimizer = optimizer;
    this.#ownsOptimizer = owned;
    this.#rate = rate;
    const id = trainers++;
    const chosen = new Set(trainable);
    const variables: tf.Variable[] = [];
    const wrap = (group: 'layers' | 'synapses') =>
      Object.freeze(Object.fromEntries(Object.entries<TensorMap>(ham.params[group]).map(([owner, map]) => [
        owner,
        Object.freeze(Object.fromEntries(Object.entries(map).map(([p, t]) => {
          const path = pathOf(group, owner, p);
          if (!chosen.has(path)) return [p, t];
          const v = tf.variable(t, true, `hamux.train.${id}/${path}`);
          variables.push(v);
          return [p, v];
        }))),
      ])));
    // The same owners as `ham.params`: those of `L` and `S`.
    this.#params = Object.freeze({ layers: wrap('layers'), synapses: wrap('synapses') }) as Params<L, S>;
    // The optimizer's slots are matched to variables by position: keep the order of `trainable`.
    const byName = new Map(variables.map((v) => [v.name, v]));
    this.#variables = trainable.map((p) => byName.get(`hamux.train.${id}/${p}`)!);
    this.#host = new HostPath({
      ham: ham as HAM<L, string>,
      steps: options.steps ?? 0,
      dt: options.dt ?? 0.1,
      neuronEnergy: options.neuronEnergy ?? true,
      method: options.method,
      runtime: options.runtime,
      loss: options.loss,
      trainable,
    });
  }

  /**
   * How the last gradient (`trainBatch`, `gradients`, `fit`) was computed: `'host'`, the adjoint of
   * the unrolled lean step on host arrays (cpu and wasm with the fast kernels, a graph of built-in
   * parts, a built-in loss, `method` not `'autodiff'`), or `'autodiff'` through tfjs, with why not
   * the host path. Undefined before the first gradient.
   */
  get path(): GradientPath | undefined {
    return this.#path;
  }

  /** The graph's parameters with the trained ones as `tf.Variable`s (owned by the trainer). */
  get params(): Params<L, S> {
    return this.#params;
  }

  /** Epochs completed. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Optimizer steps taken. */
  get step(): number {
    return this.#step;
  }

  /** The tfjs optimizer that updates the parameters. */
  get optimizer(): tf.Optimizer {
    return this.#optimizer;
  }

  /**
   * The training loss of one batch (a scalar tensor, the caller's): `prepare`, `unroll`, then `loss`
   * on the final activations, differentiable with respect to `params` through the unroll. With
   * `fixedPoint`, the loss at the state the dynamics come to rest in (reached by `descendSync`, so
   * differentiable only through the activations and the loss, not through the relaxation).
   */
  lossOf(batch: Batch, key = 0, training = true): Tensor {
    this.#alive();
    const prepared = this.#prepare(batch, key, training);
    try {
      return this.#lossFrom(batch, prepared);
    } finally {
      disposePrepared(prepared);
    }
  }

  /** The loss of one batch and its gradient for every trainable parameter, by path (all the caller's). */
  gradients(batch: Batch, key = 0): {
    /** The batch's training loss, a scalar tensor (as `lossOf`). */
    loss: Tensor;
    /** `∂loss/∂θ` of every trainable parameter θ, by path (`synapses.enc.W`), shaped like θ. */
    grads: Record<string, Tensor>;
  } {
    this.#alive();
    const prepared = this.#prepare(batch, key, true);
    try {
      const { value, grads } = this.#gradients(batch, prepared);
      return { loss: value, grads: Object.fromEntries(this.trainable.map((p, i) => [p, grads[i]!])) };
    } finally {
      disposePrepared(prepared);
    }
  }

  /** One optimizer step on one batch; returns its loss. Throws a `HamuxError` if the loss is not finite. */
  async trainBatch(batch: Batch, key = deriveKey(this.options.seed, `batch.${this.#epoch + 1}.extra.${this.#step}`)): Promise<number> {
    this.#alive();
    const prepared = this.#prepare(batch, key, true);
    let value: Tensor | undefined;
    let grads: Tensor[] = [];
    try {
      ({ value, grads } = this.#gradients(batch, prepared));
      const loss = (await value.data())[0]!;
      if (!Number.isFinite(loss)) {
        throw new HamuxError('loss', `the training loss is ${loss} at step ${this.#step + 1}: the parameters were not updated (try a smaller learning rate, dt, or clipNorm)`, 'diverged');
      }
      const { clipNorm, clipValue } = this.options;
      const applied = clipNorm === undefined && clipValue === undefined
        ? grads
        : clipGradients(grads, { ...(clipNorm === undefined ? {} : { clipNorm }), ...(clipValue === undefined ? {} : { clipValue }) });
      try {
        const onHost = HOST_OPTIMIZER_BACKENDS.has(tf.getBackend()) && applyGradientsOnHost(this.#optimizer, this.#variables, applied);
        if (!onHost) this.#optimizer.applyGradients(Object.fromEntries(this.#variables.map((v, i) => [v.name, applied[i]!])));
      } finally {
        if (applied !== grads) tf.dispose(applied);
      }
      this.#step++;
      return loss;
    } finally {
      value?.dispose();
      tf.dispose(grads);
      disposePrepared(prepared);
    }
  }

  /** Mean loss (and accuracy, when configured) on a data set, without training; batches of `batchSize`. */
  async evaluate(data: Batch, options: { readonly batchSize?: number } = {}): Promise<EvalReport> {
    this.#alive();
    const n = checkData(data, 'data');
    const size = options.batchSize ?? this.#batchSize;
    if (!(Number.isInteger(size) && size > 0)) throw new HamuxError('options.batchSize', `expected a positive integer, got ${size}`, 'invalid_argument');
    const prepare = this.options.evalPrepare ?? this.options.prepare;
    let lossSum = 0;
    let correct = 0;
    for (let start = 0, i = 0; start < n; start += size, i++) {
      const batch = sliceBatch(data, start, Math.min(size, n - start));
      try {
        const prepared = this.#prepare(batch, deriveKey(this.options.seed, `eval.${i}`), false, prepare);
        try {
          const [l, c] = tf.tidy(() => {
            const states = this.#finalStates(prepared);
            const acts = this.ham.activations(states, { params: this.#params });
            const loss = scalarLoss(this.options.loss(acts, batch, { states, prepared }));
            const b = batch[Object.keys(batch)[0]!]!.shape[0]!;
            return [tf.mul(loss, b), this.options.accuracy ? correctCount(acts, batch, this.options.accuracy) : tf.scalar(0)];
          });
          const [lv, cv] = await Promise.all([l.data(), c.data()]);
          tf.dispose([l, c]);
          lossSum += lv[0]!;
          correct += cv[0]!;
        } finally {
          disposePrepared(prepared);
        }
      } finally {
        disposeBatch(batch);
      }
    }
    return { loss: lossSum / n, ...(this.options.accuracy ? { accuracy: correct / n } : {}), examples: n };
  }

  /**
   * Trains until `epochs` epochs are complete. Each epoch shuffles the data with core's
   * `permutation(n, deriveKey(seed, 'shuffle.<epoch>'))`, takes one optimizer step per mini-batch (batch randomness
   * from `deriveKey(seed, 'batch.<epoch>.<index>')`), then evaluates `validation` and writes a
   * checkpoint when due. Returns one report per epoch trained by this call.
   */
  async fit(data: Batch, options: FitOptions): Promise<EpochReport[]> {
    this.#alive();
    const n = checkData(data, 'data');
    if (options.validation !== undefined) checkData(options.validation, 'options.validation');
    checkFitOptions(options);
    if (this.#restoredExamples !== undefined && this.#restoredExamples !== n) {
      throw new HamuxError('data', `the checkpoint was taken training on ${this.#restoredExamples} examples, but this data set has ${n}: the resumed run would not repeat the original`, 'invalid_argument');
    }
    this.#restoredExamples = n;
    const size = this.#batchSize;
    const batches = this.options.dropLast ? Math.floor(n / size) : Math.ceil(n / size);
    if (batches === 0) throw new HamuxError('options.batchSize', `${size} is larger than the ${n} training examples and dropLast is set: no batch to train on`, 'invalid_argument');
    const reports: EpochReport[] = [];
    while (this.#epoch < options.epochs) {
      const epoch = this.#epoch + 1;
      const learningRate = this.#rate?.(epoch, options.epochs);
      if (learningRate !== undefined) setLearningRate(this.#optimizer, learningRate);
      const order = this.options.shuffle === false
        ? Int32Array.from({ length: n }, (_, i) => i)
        : permutation(n, deriveKey(this.options.seed, `shuffle.${epoch}`));
      const started = now();
      let lossSum = 0;
      let seen = 0;
      for (let b = 0; b < batches; b++) {
        const indices = order.subarray(b * size, Math.min(n, (b + 1) * size));
        const batch = gatherBatch(data, indices);
        let loss: number;
        try {
          loss = await this.trainBatch(batch, deriveKey(this.options.seed, `batch.${epoch}.${b}`));
        } finally {
          disposeBatch(batch);
        }
        lossSum += loss * indices.length;
        seen += indices.length;
        options.onProgress?.({
          epoch,
          epochs: options.epochs,
          batch: b + 1,
          batches,
          step: this.#step,
          loss,
          meanLoss: lossSum / seen,
          examplesPerSecond: seen / Math.max((now() - started) / 1000, 1e-9),
        });
      }
      const seconds = (now() - started) / 1000;
      this.#epoch = epoch;
      const validation = options.validation ? await this.evaluate(options.validation) : undefined;
      const report: EpochReport = {
        epoch,
        loss: lossSum / seen,
        seconds,
        examplesPerSecond: seen / Math.max(seconds, 1e-9),
        ...(learningRate !== undefined ? { learningRate } : {}),
        ...(validation ? { validation } : {}),
      };
      reports.push(report);
      await options.onEpochEnd?.(report);
      const cp = options.checkpoint;
      if (cp && (epoch % cp.every === 0 || epoch === options.epochs)) {
        await cp.save(await this.checkpoint(), this.#info(n));
      }
    }
    return reports;
  }

  /** The whole training state as a safetensors file (parameters, optimizer state, counters, seed). */
  async checkpoint(): Promise<Uint8Array> {
    this.#alive();
    const state = await optimizerState(this.#optimizer);
    return encodeCheckpoint(this.#params, state, this.#info(this.#restoredExamples ?? 0));
  }

  /**
   * Restores a checkpoint written by `checkpoint()` (or `fit`): parameters, optimizer state, epoch
   * and step. A following `fit` continues with the next epoch and, on the cpu backend, reproduces the
   * uninterrupted run bit for bit. The seed, batch size and trainable parameters must match.
   */
  async restore(bytes: Uint8Array): Promise<void> {
    this.#alive();
    const decoded = decodeCheckpoint(this.ham.paramSpecs, bytes);
    try {
      const { info } = decoded;
      const errors: HamuxError[] = [];
      if (info.seed !== this.options.seed) errors.push(new HamuxError('checkpoint.metadata.seed', `the checkpoint was trained with seed ${info.seed}, this trainer has ${this.options.seed}`, 'invalid_config'));
      if (info.batchSize !== this.#batchSize) errors.push(new HamuxError('checkpoint.metadata.batchSize', `the checkpoint was trained with batches of ${info.batchSize}, this trainer uses ${this.#batchSize}`, 'invalid_config'));
      if (info.trainable.join('\n') !== this.trainable.join('\n')) {
        errors.push(new HamuxError('checkpoint.metadata.trainable', `the checkpoint trained ${info.trainable.join(', ') || 'nothing'}; this trainer trains ${this.trainable.join(', ')}`, 'invalid_config'));
      }
      if (errors.length > 0) throw new HamuxErrors(errors);
      await restoreOptimizer(this.#optimizer, decoded.optimizer);
      for (const [i, path] of this.trainable.entries()) {
        const [group, owner, p] = splitParamPath(path);
        this.#variables[i]!.assign(decoded.params[group][owner]![p]!);
      }
      // Fixed parameters are not trained: the checkpoint must agree with the graph's own.
      this.#epoch = info.epoch;
      this.#step = info.step;
      this.#restoredExamples = info.examples > 0 ? info.examples : undefined;
    } finally {
      for (const g of [decoded.params.layers, decoded.params.synapses]) for (const m of Object.values(g)) tf.dispose(Object.values(m));
    }
  }

  /** Frees the trained variables and the optimizer (if the trainer created it). `ham` is untouched. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    tf.dispose([...this.#variables]);
    if (this.#ownsOptimizer) this.#optimizer.dispose();
  }

  #alive(): void {
    if (this.#disposed) throw new HamuxError('trainer', 'the trainer has been disposed', 'disposed');
  }

  #info(examples: number): CheckpointInfo {
    return { epoch: this.#epoch, step: this.#step, seed: this.options.seed, batchSize: this.#batchSize, examples, trainable: this.trainable };
  }

  #unrollOptions(prepared: Prepared<L>) {
    const o = this.options;
    return {
      steps: o.steps ?? 0,
      params: this.#params,
      ...(o.dt === undefined ? {} : { dt: o.dt }),
      ...(o.method === undefined ? {} : { method: o.method }),
      ...(o.neuronEnergy === undefined ? {} : { neuronEnergy: o.neuronEnergy }),
      ...(prepared.clamp === undefined ? {} : { clamp: prepared.clamp }),
    };
  }

  #prepare(batch: Batch, key: number, training: boolean, prepare = this.options.prepare): Prepared<L> {
    const prepared = prepare(batch, { ham: this.ham, key, training });
    if (typeof prepared !== 'object' || prepared === null || typeof prepared.states !== 'object' || prepared.states === null) {
      throw new HamuxError('options.prepare', 'must return { states, clamp? }', 'invalid_argument');
    }
    return prepared;
  }

  #lossFrom(batch: Batch, prepared: Prepared<L>): Tensor {
    return tf.tidy(() => {
      const states = this.#finalStates(prepared);
      const acts = this.ham.activations(states, { params: this.#params });
      return scalarLoss(this.options.loss(acts, batch, { states, prepared }));
    });
  }

  /** Where a batch's descent ends: after T unrolled steps, or at the fixed point (then not differentiable). */
  #finalStates(prepared: Prepared<L>): States<L> {
    if (!this.#fixedPoint) return unroll(this.ham, prepared.states, this.#unrollOptions(prepared)).states;
    return relaxToFixedPoint(this.#fixedPointContext(), this.#fixedPoint, prepared.states, prepared).states;
  }

  #fixedPointContext(): FixedPointContext<L, S> {
    const o = this.options;
    return {
      ham: this.ham, loss: o.loss, params: this.#params, variables: this.#variables,
      neuronEnergy: o.neuronEnergy ?? true, method: o.method, runtime: o.runtime, dt: o.dt,
    };
  }

  /**
   * Loss and the gradient of every trainable variable, in `trainable` order (zeros where none reaches
   * it): on host arrays when the host path applies, else by tfjs autodiff through `unroll`.
   */
  #gradients(batch: Batch, prepared: Prepared<L>): { value: Tensor; grads: Tensor[] } {
    if (this.#fixedPoint) {
      const fp = this.#fixedPoint;
      const out = (fp.method === 'equilibrium' ? equilibriumGradients : implicitGradients)(this.#fixedPointContext(), fp, batch, prepared);
      this.#path = { kind: fp.method, detail: out.detail };
      return out;
    }
    const host = this.#host.gradients(batch, prepared, this.#params);
    if (!('kind' in host)) {
      this.#path = host.path;
      return host;
    }
    this.#path = host;
    const { value, grads } = tf.variableGrads(() => this.#lossFrom(batch, prepared) as tf.Scalar, [...this.#variables]);
    return { value, grads: this.#variables.map((v) => grads[v.name] ?? tf.zerosLike(v)) };
  }
}

/** The loss must be a finite-shaped scalar; anything else is the user's loss function's mistake. */
function scalarLoss(t: unknown): Tensor {
  if (!(t instanceof tf.Tensor)) throw new HamuxError('options.loss', 'must return a scalar tensor', 'invalid_argument');
  if (t.rank !== 0) {
    if (t.size === 1) return tf.reshape(t, []);
    throw new HamuxError('options.loss', `must return a scalar (the batch mean), got shape [${t.shape.join(', ')}]`, 'invalid_argument');
  }
  return t;
}

function disposePrepared<L extends string>(prepared: Prepared<L>): void {
  tf.dispose(Object.values<Tensor>(prepared.states));
  for (const c of Object.values(prepared.clamp ?? {})) if (c instanceof tf.Tensor) c.dispose();
}

/** Every parameter path of the graph with its spec's `learnable` flag. */
function parameterPaths<L extends string, S extends string>(ham: HAM<L, S>): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const group of ['layers', 'synapses'] as const) {
    for (const [owner, specs] of Object.entries(ham.paramSpecs[group])) {
      for (const [p, spec] of Object.entries(specs as Record<string, { learnable: boolean }>)) out.set(pathOf(group, owner, p), spec.learnable);
    }
  }
  return out;
}

/** Checks every trainer option (all problems at once) and returns the trainable paths. */
function checkTrainerOptions<L extends string, S extends string>(ham: HAM<L, S>, o: TrainerOptions<L, S>): string[] {
  if (typeof o !== 'object' || o === null) throw new HamuxError('options', 'expected an object', 'invalid_argument');
  const errors: HamuxError[] = [...checkUnrollOptions(o.fixedPoint === undefined ? o : { ...o, steps: o.steps ?? 0 })];
  if (!Number.isInteger(o.seed)) errors.push(new HamuxError('options.seed', `expected an integer, got ${String(o.seed)}`, 'invalid_argument'));
  if (typeof o.prepare !== 'function') errors.push(new HamuxError('options.prepare', 'expected a function (batch, context) => { states, clamp? }, e.g. clampedInput({ layer, field })', 'invalid_argument'));
  if (o.evalPrepare !== undefined && typeof o.evalPrepare !== 'function') errors.push(new HamuxError('options.evalPrepare', 'expected a function', 'invalid_argument'));
  if (typeof o.loss !== 'function') errors.push(new HamuxError('options.loss', 'expected a function (activations, batch) => scalar, e.g. crossEntropy({ layer, field })', 'invalid_argument'));
  if (o.batchSize !== undefined && !(Number.isInteger(o.batchSize) && o.batchSize > 0)) {
    errors.push(new HamuxError('options.batchSize', `expected a positive integer, got ${String(o.batchSize)}`, 'invalid_argument'));
  }
  for (const key of ['clipNorm', 'clipValue'] as const) {
    const v = o[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0)) errors.push(new HamuxError(`options.${key}`, `expected a positive number, got ${String(v)}`, 'invalid_argument'));
  }
  if (o.accuracy !== undefined) {
    const a = o.accuracy;
    if (typeof a !== 'object' || a === null || typeof a.field !== 'string') errors.push(new HamuxError('options.accuracy', 'expected { layer, field }', 'invalid_argument'));
    else if (!Object.hasOwn(ham.layers, a.layer)) errors.push(new HamuxError('options.accuracy.layer', `unknown layer "${String(a.layer)}" (layers are ${ham.layerNames.map((n) => `"${n}"`).join(', ')})`, 'unknown_name'));
    else if (ham.layers[a.layer as L].shape.length !== 1) errors.push(new HamuxError('options.accuracy.layer', `layer "${a.layer}" must have shape [C] to be read as class scores`, 'shape_mismatch'));
  }
  const paths = parameterPaths(ham);
  let trainable: string[];
  if (o.trainable === undefined) trainable = [...paths].filter(([, learnable]) => learnable).map(([p]) => p);
  else if (!Array.isArray(o.trainable)) { errors.push(new HamuxError('options.trainable', 'expected a list of parameter paths', 'invalid_argument')); trainable = []; }
  else {
    trainable = [];
    o.trainable.forEach((p: unknown, i) => {
      const where = `options.trainable[${i}]`;
      if (typeof p !== 'string' || !paths.has(p)) {
        errors.push(new HamuxError(where, `unknown parameter ${JSON.stringify(p)} (parameters are ${[...paths.keys()].join(', ') || 'none'})`, 'unknown_name'));
      } else if (!paths.get(p)) errors.push(new HamuxError(where, `"${p}" is a fixed parameter; declare it with learnable(…) to train it`, 'invalid_argument'));
      else if (trainable.includes(p)) errors.push(new HamuxError(where, `"${p}" is listed twice`, 'invalid_argument'));
      else trainable.push(p);
    });
  }
  if (errors.length === 0 && trainable.length === 0) errors.push(new HamuxError('options.trainable', 'no parameter to train (the graph has no learnable parameters)', 'invalid_argument'));
  if (errors.length > 0) throw new HamuxErrors(errors);
  return trainable;
}

function checkFitOptions(o: FitOptions): void {
  if (typeof o !== 'object' || o === null) throw new HamuxError('options', 'expected { epochs, … }', 'invalid_argument');
  const errors: HamuxError[] = [];
  if (!(Number.isInteger(o.epochs) && o.epochs >= 0)) errors.push(new HamuxError('options.epochs', `expected an integer >= 0, got ${String(o.epochs)}`, 'invalid_argument'));
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') errors.push(new HamuxError('options.onProgress', 'expected a function', 'invalid_argument'));
  if (o.onEpochEnd !== undefined && typeof o.onEpochEnd !== 'function') errors.push(new HamuxError('options.onEpochEnd', 'expected a function', 'invalid_argument'));
  if (o.checkpoint !== undefined) {
    const c = o.checkpoint;
    if (typeof c !== 'object' || c === null) errors.push(new HamuxError('options.checkpoint', 'expected { every, save }', 'invalid_argument'));
    else {
      if (!(Number.isInteger(c.every) && c.every > 0)) errors.push(new HamuxError('options.checkpoint.every', `expected a positive integer, got ${String(c.every)}`, 'invalid_argument'));
      if (typeof c.save !== 'function') errors.push(new HamuxError('options.checkpoint.save', 'expected a function (bytes, info) => void', 'invalid_argument'));
    }
  }
  if (errors.length > 0) throw new HamuxErrors(errors);
}

/** What `train` returns. */
export interface TrainResult<L extends string = string, S extends string = string> {
  /** The trained parameters (every parameter of the graph, as new tensors: the caller's to dispose). */
  readonly params: Params<L, S>;
  /** The report of every epoch, in order. */
  readonly history: readonly EpochReport[];
}

/**
 * Trains a copy of `ham`'s parameters in one call: a `Trainer`, `fit`, and the trained parameters
 * handed back as plain tensors (for `build({ seed, params })`, `saveParams({ params })`, or any
 * `{ params }` option). `ham` is not modified.
 */
export async function train<L extends string, S extends string>(
  ham: HAM<L, S>,
  data: Batch,
  options: TrainerOptions<NoInfer<L>, NoInfer<S>> & FitOptions,
): Promise<TrainResult<L, S>> {
  const trainer = new Trainer(ham, options);
  try {
    const history = await trainer.fit(data, options);
    const copy = (m: Params['layers']) =>
      Object.fromEntries(Object.entries(m).map(([o, ps]) => [o, Object.fromEntries(Object.entries(ps).map(([p, t]) => [p, tf.clone(t)]))]));
    // The same owners as the trainer's parameters: those of `L` and `S`.
    const params = { layers: copy(trainer.params.layers), synapses: copy(trainer.params.synapses) } as Params<L, S>;
    return { params, history };
  } finally {
    trainer.dispose();
  }
}
