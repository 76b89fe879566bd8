import { compileLeanUnroll, sizeOf, splitParamPath, tf, type HAM, type HostFreedom, type LeanUnroll, type Params, type Tensor } from '@hamux-ts/core';
import type { Gemm } from '@hamux-ts/kernels';
import type { Batch, Prepared } from './batch.js';
import { checkRuntime, disposeMasks, freeMasks, type Runtime } from '@hamux-ts/dynamics';
import { hostLossOf, type Loss } from './losses.js';

/**
 * Which computation gave a trainer's last gradient: `'host'`, the adjoint of the unrolled lean step
 * on host arrays (cpu and wasm, graphs of built-in parts, built-in losses), or `'autodiff'`, tfjs
 * autodiff through `unroll` (everything else, and the reference the host path is tested against).
 * `detail` names the matrix product of the host path, or why it was not taken.
 */
export interface GradientPath {
  /**
   * `'host'` (the lean step's adjoint on host arrays), `'autodiff'` (tfjs, through the unroll), or
   * at the fixed point `'equilibrium'` (equilibrium propagation) or `'implicit'` (implicit differentiation).
   */
  readonly kind: 'host' | 'autodiff' | 'equilibrium' | 'implicit';
  /** The host path's matrix product, or why the host path was not taken. */
  readonly detail: string;
}

/** What the host path needs of the trainer. */
export interface HostPathSettings<L extends string> {
  readonly ham: HAM<L, string>;
  readonly steps: number;
  readonly dt: number;
  readonly neuronEnergy: boolean;
  readonly method: 'auto' | 'autodiff' | undefined;
  readonly runtime: Runtime | undefined;
  readonly loss: Loss<L>;
  readonly trainable: readonly string[];
}

/**
 * The host path of one trainer: compiles the graph's unrolled lean step and its adjoint once per
 * matrix product, and computes a batch's loss and gradients with it when the path applies.
 */
export class HostPath<L extends string> {
  #compiled: { gemm: Gemm; unroll: LeanUnroll<L> | string } | undefined;

  constructor(private readonly s: HostPathSettings<L>) {}

  /** The unrolled step and its adjoint for the current backend and kernels, or why the host path does not apply. */
  #unroll(): LeanUnroll<L> | string {
    const s = this.s;
    if (s.method === 'autodiff') return "method 'autodiff' was asked for";
    if (!s.runtime) return 'no runtime was given (pass useBackend\'s result as the runtime option)';
    checkRuntime(s.runtime);
    const backend = s.runtime.backend;
    if (backend !== 'cpu' && backend !== 'wasm') return `the backend is ${backend} (the host path runs on cpu and wasm)`;
    const gemm = s.runtime.gemm;
    if (!gemm) return 'the runtime has no fast kernels (useBackend gives them on cpu and wasm under Node)';
    if (!hostLossOf(s.loss as Loss<string>)) return 'the loss has no host form (crossEntropy, mse, and sumOf of them do)';
    if (this.#compiled?.gemm !== gemm) {
      let unroll = compileLeanUnroll(s.ham, { gemm, neuronEnergy: s.neuronEnergy });
      if (typeof unroll !== 'string') unroll = unroll.unsupported(s.trainable) ?? unroll;
      this.#compiled = { gemm, unroll };
    }
    return this.#compiled.unroll;
  }

  /**
   * The loss of a batch and the gradient of every trainable parameter (in `trainable` order, new
   * tensors), computed on host arrays; or why not, and the caller takes tfjs autodiff (which also
   * reports any mistake in the batch or the options).
   */
  gradients(batch: Batch, prepared: Prepared<L>, params: Params): { value: Tensor; grads: Tensor[]; path: GradientPath } | GradientPath {
    const s = this.s;
    const unroll = this.#unroll();
    if (typeof unroll === 'string') return { kind: 'autodiff', detail: unroll };
    const { ham } = s;
    const B = ham.checkStates(prepared.states, 'initial states');
    const x0 = Object.fromEntries(ham.layerNames.map((n) => [n, prepared.states[n].dataSync() as Float32Array])) as Record<L, Float32Array>;
    const freedom = freeMasks(ham, prepared.clamp, B);
    let masks: Record<L, HostFreedom>;
    try {
      masks = Object.fromEntries(ham.layerNames.map((n) => {
        const f = freedom.get(n);
        if (f === undefined) return [n, 'free'];
        if (f === 'clamped') return [n, f];
        // a mask [shape] holds every sample alike
        const m = f.dataSync(), size = B * sizeOf(ham.layers[n].shape);
        return [n, m.length === size ? Float32Array.from(m) : Float32Array.from({ length: size }, (_, i) => m[i % m.length]!)];
      })) as Record<L, HostFreedom>;
    } finally {
      disposeMasks(freedom);
    }
    const end = unroll.forward(x0, B, { steps: s.steps, dt: s.dt, freedom: masks, params });
    const shapes = Object.fromEntries(ham.layerNames.map((n) => [n, ham.layers[n].shape]));
    const scored = hostLossOf(s.loss as Loss<string>)!({ states: end.states, activations: end.xhat, shapes, B, batch, prepared: prepared as Prepared<string> });
    if (typeof scored === 'string') return { kind: 'autodiff', detail: scored };
    const grads = unroll.backward(scored.seed as never, s.trainable);
    const shapeOf = (path: string) => {
      const [group, owner, name] = splitParamPath(path);
      return params[group][owner]![name]!.shape;
    };
    return {
      value: tf.scalar(scored.value),
      grads: s.trainable.map((p) => tf.tensor(grads.get(p)!, shapeOf(p))),
      path: { kind: 'host', detail: `adjoint of the lean step (${this.#compiled!.gemm.name} gemm)` },
    };
  }
}
