import { tf, type Tensor } from '../tf.js';
import type { Hypersynapse } from '../hypersynapse.js';
import { checkPositiveOption, paramFromOption, type ParamOption } from '../params.js';
import { sumPerSample } from '../ops.js';
import { formatShape, sameShape, sizeOf } from '../shape.js';
import { scalarOf, type HostSynapse } from '../host/types.js';
import type { GpuMap, GpuProgram, GpuSum, GpuSynapse } from '../gpu/types.js';
import { entryProgram, operandInputs, operandRead } from '../gpu/products.js';

/** Options of `tie`. */
export interface TieOptions {
  /** The strength γ > 0 (default 1); `learnable(γ)` trains it with the synapses. */
  gamma?: ParamOption;
}

/**
 * `E = (γ/2) ‖x̂₁ − x̂₂‖²` between two layers of the same shape: a spring that pulls their
 * activations together. With the second layer clamped to an observation y it is the data-fidelity
 * term of MAP denoising, `E_memory(x̂) + (γ/2)‖x̂ − y‖²`, where γ plays the part of 1/σ² of the noise.
 */
export function tie(options: TieOptions = {}): Hypersynapse {
  checkPositiveOption('tie', 'gamma', options.gamma);
  return {
    kind: 'tie',
    arity: 2,
    options: { gamma: options.gamma ?? 1 },
    builtin: { kind: 'tie' },
    check: ([a, b]) => (sameShape(a!, b!) ? undefined : `tie needs two layers of one shape, got ${formatShape(a!)} and ${formatShape(b!)}`),
    params: () => ({ gamma: paramFromOption(options.gamma, 1, []) }),
    energy: ([a, b], p) => tf.mul(tf.mul(0.5, p['gamma']!), sumPerSample(tf.square(tf.sub(a!, b!)))),
    dEdxhat: ([a, b], p) => {
      const pull = tf.mul(p['gamma']!, tf.sub(a!, b!)); // γ(x̂₁ − x̂₂)
      return [pull, tf.neg(pull)];
    },
  };
}

// ---- Host form: the same energy and signals on host arrays (the lean step on cpu and wasm) ----

/**
 * `E = (γ/2) Σ (x̂₁ − x̂₂)²` over n neurons per sample. Its Hessian is `γ [[I, −I], [−I, I]]`, so for
 * a direction (v₁, v₂) `∇²E · v = γ (v₁ − v₂, v₂ − v₁)` and `∂(∇E · v)/∂γ = Σ (x̂₁ − x̂₂)·(v₁ − v₂)`.
 */
function hostTie(n: number): HostSynapse {
  return {
    kind: 'tie',
    scratch: () => 0,
    run: ({ B, xhat: [a, c], grad: [ga, gc], E, p }) => {
      const gamma = scalarOf(p, 'gamma');
      for (let s = 0; s < B; s++) {
        let e = 0;
        for (let j = 0, o = s * n; j < n; j++, o++) {
          const diff = a![o]! - c![o]!;
          e += diff * diff;
          if (ga) ga[o]! += gamma * diff;
          if (gc) gc[o]! -= gamma * diff;
        }
        E[s]! += 0.5 * gamma * e;
      }
    },
    adjoint: {
      saved: () => 0,
      scratch: () => 0,
      params: ['gamma'],
      run: ({ B, xhat: [a, c], v: [v1, v2], hv: [h1, h2], d, p }) => {
        const gamma = scalarOf(p, 'gamma'), dGamma = d['gamma'];
        let dg = 0;
        for (let o = 0; o < B * n; o++) {
          const dv = (v1 ? v1[o]! : 0) - (v2 ? v2[o]! : 0);
          if (h1) h1[o]! += gamma * dv;
          if (h2) h2[o]! -= gamma * dv;
          dg += (a![o]! - c![o]!) * dv;
        }
        if (dGamma) dGamma[0]! += dg;
      },
    },
  };
}

/** The host form of `tie` between two layers of n neurons each (host/forms.ts picks it by spec). */
export const tieHost = { tie: (shape: readonly number[]): HostSynapse => hostTie(sizeOf(shape)) };

// ---- WGSL form: the same energy and signals in the fused webgpu step (gpu/forms.ts picks it by spec) ----

/** `base ± γ (x̂₁ − x̂₂)` on n neurons per sample (+ for the first layer, − for the second): one invocation per entry. */
function tieSignalProgram(B: number, n: number, first: boolean, a: GpuMap | undefined, b: GpuMap | undefined, withBase: boolean): GpuProgram {
  const ra = operandRead('a', a), rb = operandRead('b', b);
  return entryProgram({
    shaderKey: `hamuxTie_${n}_${first}_${ra.key}_${rb.key}_${withBase}`,
    rows: B,
    n,
    variableNames: [...ra.names, ...rb.names, 'gammas', ...(withBase ? ['base'] : [])],
    body: `
          let pull = gammas[0] * (${ra.at('index')} - ${rb.at('index')});
          result[index] = ${withBase ? `base[index] ${first ? '+' : '-'} pull` : first ? 'pull' : '-pull'};`,
  });
}

/** The WGSL form of the tie; gpu/forms.ts picks it by spec. */
export const tieGpu = {
  /**
   * `E = (γ/2) Σ (x̂₁ − x̂₂)²` on n neurons per sample: one elementwise program per wanted signal,
   * `base₁ + γ (x̂₁ − x̂₂)` and `base₂ − γ (x̂₁ − x̂₂)`; the energy summed by the step's energy program.
   */
  tie: (n: number): GpuSynapse => ({
    kind: 'tie',
    dispatches: 2,
    run: ({ run, batch: B, xhat: [a, b], base, wanted, p }) => {
      const gamma = tf.reshape(p['gamma']!, [1]);
      const grad: (Tensor | undefined)[] = [];
      try {
        for (const [i, first] of [[0, true], [1, false]] as const) {
          if (!wanted[i]) {
            grad.push(undefined);
            continue;
          }
          const program = tieSignalProgram(B, n, first, a!.inline?.form, b!.inline?.form, base[i] !== undefined);
          grad.push(run(program, [...operandInputs(a!), ...operandInputs(b!), gamma, ...(base[i] ? [base[i]!] : [])]));
        }
      } catch (e) {
        tf.dispose([gamma, ...grad.filter((t): t is Tensor => t !== undefined)]);
        throw e;
      }
      // (γ/2) Σ (x̂₁ − x̂₂)²
      const energy: GpuSum = { operands: [a!, b!], params: [gamma], count: n, stride: n, summand: ([u, v], [g]) => `0.5 * ${g} * (${u} - ${v}) * (${u} - ${v})` };
      return { energy, grad, keep: [gamma] };
    },
  }),
};
