/**
 * Shared helpers of the scheduler tests: small conversions between tensors and host arrays, and
 * disposal of state records. Not a test file itself.
 */
import { tf, type HAM, type States, type Tensor } from '@hamux-ts/core';
import type { FastEvaluatorProvider, Runtime } from '@hamux-ts/dynamics';

export function disposeStates(...records: (Readonly<Record<string, Tensor>> | undefined)[]): void {
  for (const r of records) if (r) for (const t of Object.values(r)) if (!t.isDisposed) t.dispose();
}

/** Host copies of every layer's state. */
export function hostStates<L extends string>(states: States<L>): Record<L, Float32Array> {
  return Object.fromEntries(Object.entries<Tensor>(states).map(([n, t]) => [n, Float32Array.from(t.dataSync())])) as Record<L, Float32Array>;
}

/** Rebuilds `[B, ...shape]` tensors from host copies (as the scheduler records them). */
export function statesFrom<L extends string, S extends string>(
  ham: HAM<L, S>,
  values: Readonly<Record<L, Float32Array>>,
  batch: number,
): States<L> {
  return Object.fromEntries(ham.layerNames.map((n) => [n, tf.tensor(values[n], [batch, ...ham.layers[n].shape])])) as States<L>;
}

/** Per-sample energies `[B]` on the host (the tensor is disposed). */
export function energyOf<L extends string, S extends string>(
  ham: HAM<L, S>,
  states: States<L>,
  options: Parameters<HAM<L, S>['energyAndDEdxhat']>[1] = {},
): Float32Array {
  // Not `ham.energy`: it leaks its ∂E/∂x̂ tensors (a core bug, reported); this is the same evaluation.
  const { energy, dEdxhat } = ham.energyAndDEdxhat(states, options);
  const out = Float32Array.from(energy.dataSync());
  energy.dispose();
  disposeStates(dEdxhat);
  return out;
}

/** The entries of sample `b` of a `[B, ...]` host array. */
export function sampleOf(values: Float32Array, batch: number, b: number): Float32Array {
  const n = values.length / batch;
  return values.subarray(b * n, (b + 1) * n);
}

/** Bitwise equality of two float arrays (NaN payloads and ±0 distinguished). */
export function bitwiseEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

/** Largest `|a − b|`. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Catches what `f` throws (or fails if it throws nothing). */
export function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an exception, none was thrown');
}

export async function rejected(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection, the promise resolved');
}

/**
 * A fast-evaluator provider whose host evaluation is the HAM's own, on tensors made from the host
 * arrays and read straight back: with it the scheduler runs its host-array loop on exactly the
 * values the tensor loop sees, so the two must agree to the bit. Counts its calls in `calls`.
 */
export function hamProvider(
  name: string,
  options: { refuse?: string; backend?: string } = {},
  calls = { compile: 0, evaluate: 0 },
): FastEvaluatorProvider {
  return {
    name,
    supports: (b) => b === (options.backend ?? tf.getBackend()),
    compile(h, { neuronEnergy }) {
      calls.compile++;
      if (options.refuse) return options.refuse;
      return (x, batch, params) => {
        calls.evaluate++;
        const [energy, ...signals] = tf.tidy(() => {
          const r = h.energyAndDEdxhat(statesFrom(h, x, batch), { neuronEnergy, ...(params ? { params } : {}) });
          return [r.energy, ...h.layerNames.map((n) => r.dEdxhat[n])];
        });
        const out = {
          energy: Float64Array.from(energy!.dataSync()),
          dEdxhat: Object.fromEntries(h.layerNames.map((n, i) => [n, signals[i]!.dataSync() as Float32Array])) as typeof x,
        };
        tf.dispose([energy!, ...signals]);
        return out;
      };
    },
  };
}

/** A runtime on the current backend whose host-array evaluator is `evaluator`. */
export function runtimeWith(evaluator: FastEvaluatorProvider): Runtime {
  return { backend: tf.getBackend(), evaluator };
}
