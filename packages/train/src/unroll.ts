import { HamuxError, HamuxErrors, tf, tidy, type GradMethod, type HAM, type Params, type States, type Tensor } from '@hamux-ts/core';
import type { Clamp } from '@hamux-ts/dynamics';
import { disposeMasks, freeMasks, type FreeMask } from '@hamux-ts/dynamics';

/** Options of `unroll`: the number of steps, the step size, clamps and evaluation settings. */
export interface UnrollOptions<L extends string> {
  /** Number of Euler steps T (an integer ≥ 0). */
  readonly steps: number;
  /** Step size: layer i moves by `(dt/τ_i) · (−∂E/∂x̂_i)` per step. Default 0.1. */
  readonly dt?: number;
  /** Layers held whole (`true`) or entries held where a mask is nonzero (`[...shape]` or `[B, ...shape]`). */
  readonly clamp?: { readonly [K in L]?: Clamp };
  /** Include the neuron energies (HAMUX, default true) or not (the Energy Transformer's update). */
  readonly neuronEnergy?: boolean;
  /** How `∂E/∂x̂` is computed (`'auto'`: closed forms where known; `'autodiff'`). Both are differentiable. */
  readonly method?: GradMethod;
  /**
   * Parameters to descend with (default: the graph's own). Pass the tensors you differentiate with
   * respect to (tf.Variables, or the arguments of a `tf.grads` function) so the tape sees them.
   */
  readonly params?: Params;
  /** Also return the energy of every sample before each step and after the last (`[T + 1, B]`). */
  readonly energies?: boolean;
}

/** What `unroll` returns: the final states and activations, differentiable with respect to the parameters. */
export interface UnrollResult<L extends string> {
  /** `x(T)`, one tensor per layer (new tensors, the caller's to dispose). */
  readonly states: States<L>;
  /** `E(x(t))` for t = 0…T, `[T + 1, B]`, when asked for. */
  readonly energies?: Tensor;
}

/** Checks the scalar options of `unroll`, naming each bad one. */
export function checkUnrollOptions(o: { steps?: unknown; dt?: unknown; neuronEnergy?: unknown; method?: unknown }, path = 'options'): HamuxError[] {
  const errors: HamuxError[] = [];
  if (!(typeof o.steps === 'number' && Number.isInteger(o.steps) && o.steps >= 0)) {
    errors.push(new HamuxError(`${path}.steps`, `expected an integer >= 0, got ${String(o.steps)}`, 'invalid_argument'));
  }
  if (o.dt !== undefined && !(typeof o.dt === 'number' && Number.isFinite(o.dt) && o.dt > 0)) {
    errors.push(new HamuxError(`${path}.dt`, `expected a positive number, got ${String(o.dt)}`, 'invalid_argument'));
  }
  if (o.neuronEnergy !== undefined && typeof o.neuronEnergy !== 'boolean') {
    errors.push(new HamuxError(`${path}.neuronEnergy`, `expected a boolean, got ${String(o.neuronEnergy)}`, 'invalid_argument'));
  }
  if (o.method !== undefined && o.method !== 'auto' && o.method !== 'autodiff') {
    errors.push(new HamuxError(`${path}.method`, `expected 'auto' or 'autodiff', got ${String(o.method)}`, 'invalid_argument'));
  }
  return errors;
}

/**
 * Runs T fixed Euler steps of the dynamics as plain, differentiable tensor operations:
 *
 * `x_i ← x_i − (dt/τ_i) · m_i ⊙ ∂E/∂x̂_i`, with `m_i` = 1 where layer i is free, 0 where clamped,
 *
 * so a loss on the final states can be backpropagated through the whole descent to the parameters
 * (gradients of gradients, math.md §6). Unlike `descend`, nothing is read back to the host, no step
 * is rejected, and no convergence is tested: the number of steps is part of the model.
 *
 * ```ts
 * const { value, grads } = tf.variableGrads(() => {
 *   const { states } = unroll(ham, init, { steps: 10, dt: 0.2, clamp: { pixels: true }, params });
 *   return crossEntropyOf(ham.activations(states, { params }).labels, y);
 * }, variables);
 * ```
 * Shapes: every state `[B, ...shape]`. `init` is not consumed.
 */
export function unroll<L extends string, S extends string>(
  ham: HAM<L, S>,
  init: States<L>,
  options: UnrollOptions<L>,
): UnrollResult<L> {
  if (typeof options !== 'object' || options === null) throw new HamuxError('options', 'expected an object with at least `steps`', 'invalid_argument');
  const errors = checkUnrollOptions(options);
  if (errors.length > 0) throw new HamuxErrors(errors);
  const batch = ham.checkStates(init, 'initial states');
  const freedom = freeMasks(ham, options.clamp, batch);
  try {
    return runUnrolled(ham, init, freedom, options);
  } finally {
    disposeMasks(freedom);
  }
}

function runUnrolled<L extends string, S extends string>(
  ham: HAM<L, S>,
  init: States<L>,
  freedom: ReadonlyMap<L, FreeMask>,
  options: UnrollOptions<L>,
): UnrollResult<L> {
  const names = ham.layerNames;
  const dt = options.dt ?? 0.1;
  const evalOptions = {
    ...(options.params ? { params: options.params } : {}),
    ...(options.method ? { method: options.method } : {}),
    neuronEnergy: options.neuronEnergy ?? true,
  };
  const energies: Tensor[] = [];
  let x: States<L> = init;
  /** Frees the current states, except the caller's and those carried into `keep`. */
  const disposeCurrent = (keep?: States<L>) => {
    for (const n of names) if (x[n] !== init[n] && x[n] !== keep?.[n]) x[n].dispose();
  };
  try {
    // Each step in its own tidy keeps memory flat when no gradient is taken; under a gradient tape
    // the backward pass needs only the tensors the tape saved (kept copies), so this is safe there too.
    for (let t = 0; t < options.steps; t++) {
      const previous = x;
      const next = tidy(() => {
        const { energy, dEdxhat } = ham.energyAndDEdxhat(previous, evalOptions);
        if (options.energies) energies.push(tf.keep(energy));
        return Object.fromEntries(names.map((n) => {
          const free = freedom.get(n);
          if (free === 'clamped') return [n, previous[n]];
          const signal = free === undefined ? dEdxhat[n] : tf.mul(free, dEdxhat[n]);
          return [n, tf.sub(previous[n], tf.mul(dt / ham.layers[n].tau, signal))];
        })) as States<L>;
      });
      disposeCurrent(next);
      x = next;
    }
    if (options.energies) energies.push(ham.energy(x, evalOptions));
  } catch (e) {
    disposeCurrent();
    tf.dispose(energies);
    throw e;
  }
  // Layers that never moved still hold the caller's tensors: hand back copies.
  const states = Object.fromEntries(names.map((n) => [n, x[n] === init[n] ? tf.clone(init[n]) : x[n]])) as States<L>;
  if (!options.energies) return { states };
  const stacked = tf.stack(energies);
  tf.dispose(energies);
  return { states, energies: stacked };
}
