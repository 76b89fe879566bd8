// Learning at the fixed point (math.md §6): the loss is taken where the dynamics come to rest, x*,
// and its gradient comes either from two nudged equilibria (equilibrium propagation) or from the
// implicit function theorem at x* (an adjoint linear solve). Neither keeps a tape of the descent:
// memory does not grow with the number of relaxation steps.
import { HamuxError, tf, type HAM, type Params, type States, type Tensor } from '@hamux-ts/core';
import { DivergenceError, descendSync, disposeMasks, freeMasks, type DescendResult, type Runtime } from '@hamux-ts/dynamics';
import type { Batch, Prepared } from './batch.js';
import { perSampleLossOf, type Loss } from './losses.js';

/** How a `Trainer` learns at the fixed point (its `fixedPoint` option). */
export interface FixedPointOptions {
  /**
   * `'equilibrium'`: equilibrium propagation with the symmetric ±β estimator (Scellier & Bengio
   * 2017; Laborieux et al. 2021), first derivatives of the energy only. `'implicit'`: implicit
   * differentiation at the fixed point (recurrent backpropagation), an adjoint linear solve.
   */
  readonly method: 'equilibrium' | 'implicit';
  /** Equilibrium propagation's nudge strength β (default 0.05): the bias of the estimate is O(β²). */
  readonly beta?: number;
  /** Euler step of the relaxations (default: the trainer's `dt`, else 0.1); fixed-step descent. */
  readonly dt?: number;
  /** A relaxation has converged when every `|∂E/∂x̂|` is below this (default 1e-5). */
  readonly tolerance?: number;
  /** The most steps a relaxation may take (default 5000); samples not converged by then are counted in `trainer.path`. */
  readonly maxSteps?: number;
  /** Implicit: the adjoint solver, `'bicgstab'` (default) or `'fixedPoint'` (Richardson iteration, λ ← b − (Aᵀ − I)λ). */
  readonly solver?: 'bicgstab' | 'fixedPoint';
  /** Implicit: stop when each sample's adjoint residual is below this times its right-hand side (default 1e-5). */
  readonly solverTolerance?: number;
  /** Implicit: the most solver iterations (default 200). */
  readonly maxIterations?: number;
}

/** What the fixed-point gradient needs of the trainer. */
export interface FixedPointContext<L extends string, S extends string> {
  readonly ham: HAM<L, S>;
  readonly loss: Loss<L>;
  readonly params: Params;
  readonly variables: readonly tf.Variable[];
  readonly neuronEnergy: boolean;
  readonly method: 'auto' | 'autodiff' | undefined;
  readonly runtime: Runtime | undefined;
  /** The trainer's Euler step, the relaxations' default. */
  readonly dt: number | undefined;
}

/** The settings with defaults filled in, checked. */
export type FixedPointSettings = Required<Omit<FixedPointOptions, 'dt'>> & { readonly dt: number | undefined };

/** Checks a `fixedPoint` option and fills its defaults; every mistake is reported at its path. */
export function fixedPointSettings(o: FixedPointOptions, path = 'options.fixedPoint'): FixedPointSettings {
  if (typeof o !== 'object' || o === null) throw new HamuxError(path, `expected { method: 'equilibrium' | 'implicit', … }, got ${String(o)}`, 'invalid_argument');
  if (o.method !== 'equilibrium' && o.method !== 'implicit') throw new HamuxError(`${path}.method`, `expected 'equilibrium' or 'implicit', got ${JSON.stringify(o.method)}`, 'invalid_argument');
  const positive = (key: keyof FixedPointOptions, v: unknown, fallback: number, integer = false): number => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
      throw new HamuxError(`${path}.${key}`, `expected a positive ${integer ? 'integer' : 'number'}, got ${String(v)}`, 'invalid_argument');
    }
    return v;
  };
  const solver = o.solver ?? 'bicgstab';
  if (solver !== 'bicgstab' && solver !== 'fixedPoint') throw new HamuxError(`${path}.solver`, `expected 'bicgstab' or 'fixedPoint', got ${JSON.stringify(solver)}`, 'invalid_argument');
  return {
    method: o.method,
    beta: positive('beta', o.beta, 0.05),
    dt: o.dt === undefined ? undefined : positive('dt', o.dt, 0.1),
    tolerance: positive('tolerance', o.tolerance, 1e-5),
    maxSteps: positive('maxSteps', o.maxSteps, 5000, true),
    solver,
    solverTolerance: positive('solverTolerance', o.solverTolerance, 1e-5),
    maxIterations: positive('maxIterations', o.maxIterations, 200, true),
  };
}

/** A batch's loss at the fixed point and the gradient of every variable, with what it took. */
export interface FixedPointGradients {
  readonly value: Tensor;
  readonly grads: Tensor[];
  /** For `trainer.path`: relaxation steps, samples not converged, and the adjoint solve. */
  readonly detail: string;
}

/**
 * Relaxes `start` to the fixed point of `E` (plus a nudge), in fixed steps until every sample's
 * `|∂E/∂x̂|` is below the tolerance: the energy tolerance is off, since float32 stops the energy
 * changing before the gradient is small.
 */
export function relaxToFixedPoint<L extends string, S extends string>(
  c: FixedPointContext<L, S>, s: FixedPointSettings, start: States<L>, prepared: Prepared<L>, nudge?: (activations: States<L>) => Tensor,
): DescendResult<L> {
  return descendSync(c.ham, start, {
    mode: 'fixed',
    dt: s.dt ?? c.dt ?? 0.1,
    maxSteps: s.maxSteps,
    tolerance: { grad: s.tolerance, energy: 0, state: 0 },
    // A fixed step across a kink (relu) can raise the energy by a hair without diverging; a real
    // divergence grows past this at once, or ends unconverged at maxSteps (counted in trainer.path).
    riseTolerance: 1e-3,
    params: c.params,
    neuronEnergy: c.neuronEnergy,
    ...(c.method ? { method: c.method } : {}),
    ...(c.runtime ? { runtime: c.runtime } : {}),
    ...(prepared.clamp ? { clamp: prepared.clamp } : {}),
    ...(nudge ? { nudge } : {}),
  });
}

const lossAt = <L extends string, S extends string>(c: FixedPointContext<L, S>, states: States<L>, batch: Batch, prepared: Prepared<L>): Tensor =>
  scalar(c.loss(c.ham.activations(states, { params: c.params }), batch, { states, prepared }));

function scalar(t: unknown): Tensor {
  if (!(t instanceof tf.Tensor) || t.size !== 1) throw new HamuxError('options.loss', 'must return a scalar tensor (the batch mean)', 'invalid_argument');
  return t.rank === 0 ? t : tf.reshape(t, []);
}

const steps = (r: DescendResult<string>) => Math.max(...r.report.map((x) => x.steps));
const unconverged = (r: DescendResult<string>) => r.report.filter((x) => !x.converged).length;

/**
 * Equilibrium propagation, symmetric: with `Φ±` the sum over the batch of `E + (±β) ℓ_b` at the
 * equilibrium of that energy (started from the free one), `∂ℓ/∂θ ≈ (∂Φ₊/∂θ − ∂Φ₋/∂θ) / (2βB)`,
 * exact to O(β²) (the loss's own dependence on θ included). The loss reported is the free one's.
 */
export function equilibriumGradients<L extends string, S extends string>(
  c: FixedPointContext<L, S>, s: FixedPointSettings, batch: Batch, prepared: Prepared<L>,
): FixedPointGradients {
  const perSample = perSampleLossOf(c.loss as Loss<string>);
  if (!perSample) {
    throw new HamuxError('options.loss', 'equilibrium propagation nudges each sample by its own loss of the activations: use crossEntropy, mse (of activations) or sumOf of them, or fixedPoint.method \'implicit\'', 'unsupported');
  }
  const B = c.ham.checkStates(prepared.states, 'initial states');
  const terms = (acts: States<L>) => perSample(acts as States<string>, batch, { prepared: prepared as Prepared<string> });
  const free = relaxToFixedPoint(c, s, prepared.states, prepared);
  const phases: DescendResult<L>[] = [];
  let value: Tensor | undefined;
  try {
    // The free equilibrium's loss first: the loss's own checks of the batch run before its per-sample form nudges.
    value = tf.tidy(() => lossAt(c, free.states, batch, prepared));
    for (const sign of [1, -1]) {
      try {
        phases.push(relaxToFixedPoint(c, s, free.states, prepared, (acts) => tf.mul(sign * s.beta, terms(acts))));
      } catch (e) {
        if (!(e instanceof DivergenceError)) throw e;
        const why = sign > 0
          ? 'a nudge whose gradient is large (cross-entropy on a softmax layer pulls with β/p where p is small) needs a smaller dt'
          : 'with cross-entropy on a softmax layer the −β nudge is unbounded for a sample the layer is confidently wrong about';
        throw new HamuxError('options.fixedPoint.beta', `equilibrium propagation: the ${sign > 0 ? '+' : '−'}β phase (β ${s.beta}) found no equilibrium: ${e.message}. ` +
          `${why}: use a smaller beta or dt, an mse loss on one-hot targets, or fixedPoint.method 'implicit'`, 'diverged');
      }
    }
    const [plus, minus] = phases as [DescendResult<L>, DescendResult<L>];
    const phi = (states: States<L>, b: number) =>
      tf.add(tf.sum(c.ham.energy(states, { params: c.params, neuronEnergy: c.neuronEnergy })), tf.mul(b, tf.sum(terms(c.ham.activations(states, { params: c.params })))));
    const { value: difference, grads } = tf.variableGrads(() => tf.div(tf.sub(phi(plus.states, s.beta), phi(minus.states, -s.beta)), 2 * s.beta * B) as tf.Scalar, [...c.variables]);
    difference.dispose();
    const detail = `equilibrium propagation (β ${s.beta}): ${steps(free)} + ${steps(plus)} + ${steps(minus)} relaxation steps` +
      (unconverged(free) + unconverged(plus) + unconverged(minus) > 0 ? `, ${unconverged(free)}/${unconverged(plus)}/${unconverged(minus)} samples not converged` : '');
    const out = { value, grads: c.variables.map((v) => grads[v.name] ?? tf.zerosLike(v)), detail };
    value = undefined; // the caller's now
    return out;
  } finally {
    tf.dispose([...(value ? [value] : []), ...Object.values<Tensor>(free.states), ...phases.flatMap((p) => Object.values<Tensor>(p.states))]);
  }
}

/**
 * Implicit differentiation at the fixed point x*, where `g(x, θ) = ∂E/∂x̂ = 0` on the free entries:
 * solve `Aᵀλ = ∂ℓ/∂x` with `A = ∂g/∂x` (Hessian-vector products by autodiff), then
 * `dℓ/dθ = ∂ℓ/∂θ − λᵀ ∂g/∂θ`.
 */
export function implicitGradients<L extends string, S extends string>(
  c: FixedPointContext<L, S>, s: FixedPointSettings, batch: Batch, prepared: Prepared<L>,
): FixedPointGradients {
  const { ham } = c;
  const names = ham.layerNames;
  const B = ham.checkStates(prepared.states, 'initial states');
  const free = relaxToFixedPoint(c, s, prepared.states, prepared);
  const masks = freeMasks(ham, prepared.clamp, B);
  const held: Tensor[] = [];
  try {
    const x = free.states;
    const xs = names.map((n) => x[n]);
    const asStates = (ts: readonly Tensor[]) => Object.fromEntries(names.map((n, i) => [n, ts[i]!])) as unknown as States<L>;
    // Free entries as 0/1 tensors per layer (clamped: none).
    const freeOf = names.map((n) => {
      const m = masks.get(n);
      const t = m === undefined ? tf.onesLike(x[n]) : m === 'clamped' ? tf.zerosLike(x[n]) : tf.tidy(() => tf.mul(tf.onesLike(x[n]), m));
      held.push(t);
      return t;
    });
    const g = (ts: readonly Tensor[]) => {
      const d = ham.dEdxhat(asStates(ts), { params: c.params, neuronEnergy: c.neuronEnergy, ...(c.method ? { method: c.method } : {}) });
      return names.map((n) => d[n]);
    };
    // ℓ at x* and b = ∂ℓ/∂x there, on the free entries.
    const [value, ...rhs] = tf.tidy(() => {
      const { value: loss, grads } = tf.engine().gradients(() => lossAt(c, asStates(xs), batch, prepared), xs, undefined, true);
      return [loss, ...names.map((n, i) => tf.mul(grads[i] ?? tf.zerosLike(x[n]), freeOf[i]!))];
    }) as [Tensor, ...Tensor[]];
    held.push(value, ...rhs); // value leaves `held` when it is returned
    // v ↦ Aᵀv on the free entries: the gradient of Σ v·g(x) with respect to x.
    const apply = (v: readonly Tensor[]) => tf.tidy(() => {
      const { grads } = tf.engine().gradients(() => tf.addN(g(xs).map((gi, i) => tf.sum(tf.mul(gi, v[i]!)))) as tf.Scalar, xs, undefined, true);
      return names.map((n, i) => tf.mul(grads[i] ?? tf.zerosLike(x[n]), freeOf[i]!));
    });
    const solved = s.solver === 'bicgstab' ? bicgstab(apply, rhs, B, s) : richardson(apply, rhs, B, s);
    held.push(...solved.x);
    const { value: lagrangian, grads } = tf.variableGrads(() => tf.sub(lossAt(c, x, batch, prepared), tf.addN(g(xs).map((gi, i) => tf.sum(tf.mul(gi, solved.x[i]!))))) as tf.Scalar, [...c.variables]);
    lagrangian.dispose();
    const detail = `implicit differentiation: ${steps(free)} relaxation steps` + (unconverged(free) > 0 ? ` (${unconverged(free)} samples not converged)` : '') +
      `, adjoint by ${s.solver} in ${solved.iterations} iterations to relative residual ${solved.residual.toExponential(1)}`;
    held.splice(held.indexOf(value), 1);
    return { value, grads: c.variables.map((v) => grads[v.name] ?? tf.zerosLike(v)), detail };
  } finally {
    disposeMasks(masks);
    tf.dispose([...held, ...Object.values<Tensor>(free.states)]);
  }
}

// ---- Adjoint solvers: per-sample iterations on lists of [B, ...] tensors (the system is block-diagonal by sample) ----

type Vec = readonly Tensor[];
interface Solved {
  readonly x: Tensor[];
  readonly iterations: number;
  /** The worst sample's `‖b − Aᵀx‖ / ‖b‖`. */
  readonly residual: number;
}

/** Per-sample inner products `Σ u ⊙ v`, `[B]`. */
const dot = (u: Vec, v: Vec, B: number): Tensor => tf.addN(u.map((ui, i) => tf.sum(tf.reshape(tf.mul(ui, v[i]!), [B, -1]), 1)));
/** `[B]` scalars against a `[B, ...]` tensor. */
const col = (a: Tensor, t: Tensor): Tensor => tf.reshape(a, [-1, ...Array(t.rank - 1).fill(1)]);
const axpy = (a: Tensor, x: Vec, y: Vec): Tensor[] => y.map((yi, i) => tf.add(yi, tf.mul(col(a, yi), x[i]!)));

/** The worst relative residual of the samples whose right-hand side is not zero. */
function worst(r: Vec, bNorm: Float32Array, B: number): number {
  const n = tf.tidy(() => tf.sqrt(dot(r, r, B)).dataSync() as Float32Array);
  let w = 0;
  for (let i = 0; i < B; i++) if (bNorm[i]! > 0) w = Math.max(w, n[i]! / bNorm[i]!);
  return w;
}

/** Richardson iteration `x ← x + (b − Aᵀx)`: converges when Aᵀ's eigenvalues lie in (0, 2). */
function richardson(apply: (v: Vec) => Tensor[], b: Vec, B: number, s: FixedPointSettings): Solved {
  const bNorm = tf.tidy(() => tf.sqrt(dot(b, b, B)).dataSync() as Float32Array);
  let x: Tensor[] = b.map((t) => tf.zerosLike(t));
  let residual = 1;
  let k = 0;
  for (; k < s.maxIterations; k++) {
    const Ax = apply(x);
    const r = b.map((bi, i) => tf.sub(bi, Ax[i]!));
    tf.dispose(Ax);
    residual = worst(r, bNorm, B);
    if (!Number.isFinite(residual)) throw new HamuxError('options.fixedPoint.solver', 'the fixed-point iteration of the adjoint diverged (its operator has eigenvalues outside (0, 2)): use solver \'bicgstab\'', 'diverged');
    if (residual <= s.solverTolerance) { tf.dispose(r); break; }
    const next = x.map((xi, i) => tf.add(xi, r[i]!));
    tf.dispose([...x, ...r]);
    x = next;
  }
  return { x, iterations: k, residual };
}

/**
 * BiCGSTAB (van der Vorst 1992) on `Aᵀλ = b`, one independent solve per sample run side by side:
 * every scalar of the method is a `[B]` vector, and a sample that has converged stops moving.
 */
function bicgstab(apply: (v: Vec) => Tensor[], b: Vec, B: number, s: FixedPointSettings): Solved {
  const keep: Tensor[] = [];
  const bNorm = tf.tidy(() => tf.sqrt(dot(b, b, B)).dataSync() as Float32Array);
  let x: Tensor[] = b.map((t) => tf.zerosLike(t));
  let r: Tensor[] = b.map((t) => tf.clone(t));
  const r0: Tensor[] = b.map((t) => tf.clone(t));
  let p: Tensor[] = b.map((t) => tf.zerosLike(t));
  let v: Tensor[] = b.map((t) => tf.zerosLike(t));
  let rho = tf.ones([B]), alpha = tf.ones([B]), omega = tf.ones([B]);
  // Samples still iterating: 1, else 0 (their updates are multiplied by it).
  let active = tf.tensor1d(Array.from(bNorm, (n) => (n > 0 ? 1 : 0)));
  keep.push(...r0);
  // A denominator of a finished sample (or an exact zero) is replaced by 1: its step is masked anyway.
  const safe = (d: Tensor) => tf.where(tf.greater(tf.abs(d), 0), d, tf.onesLike(d));
  let residual = worst(r, bNorm, B);
  let k = 0;
  try {
    while (residual > s.solverTolerance && k < s.maxIterations) {
      k++;
      const rhoNew = tf.tidy(() => dot(r0, r, B));
      const beta = tf.tidy(() => tf.mul(tf.div(rhoNew, safe(rho)), tf.div(alpha, safe(omega))));
      const pNew = tf.tidy(() => r.map((ri, i) => tf.add(ri, tf.mul(col(beta, ri), tf.sub(p[i]!, tf.mul(col(omega, ri), v[i]!))))));
      tf.dispose([...p, ...v, beta, rho]);
      p = pNew;
      rho = rhoNew;
      v = apply(p);
      const alphaNew = tf.tidy(() => tf.mul(active, tf.div(rho, safe(dot(r0, v, B)))));
      tf.dispose(alpha);
      alpha = alphaNew;
      const sv = tf.tidy(() => axpy(tf.neg(alpha), v, r));
      const t = apply(sv);
      const omegaNew = tf.tidy(() => tf.mul(active, tf.div(dot(t, sv, B), safe(dot(t, t, B)))));
      tf.dispose(omega);
      omega = omegaNew;
      const xNew = tf.tidy(() => axpy(omega, sv, axpy(alpha, p, x)));
      const rNew = tf.tidy(() => axpy(tf.neg(omega), t, sv));
      tf.dispose([...x, ...r, ...sv, ...t]);
      x = xNew;
      r = rNew;
      residual = worst(r, bNorm, B);
      if (!Number.isFinite(residual)) throw new HamuxError('options.fixedPoint.solver', 'the adjoint solve broke down (a non-finite residual): the fixed point may not be stable', 'diverged');
      // Samples that have converged stop; a breakdown (omega = 0) would stop them too.
      const norms = tf.tidy(() => tf.sqrt(dot(r, r, B)).dataSync() as Float32Array);
      const still = tf.tensor1d(Array.from(norms, (n, i) => (bNorm[i]! > 0 && n > s.solverTolerance * bNorm[i]! ? 1 : 0)));
      tf.dispose(active);
      active = still;
    }
    return { x, iterations: k, residual };
  } catch (e) {
    tf.dispose(x);
    throw e;
  } finally {
    tf.dispose([...keep, ...r, ...p, ...v, rho, alpha, omega, active]);
  }
}
