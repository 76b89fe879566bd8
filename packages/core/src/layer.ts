import { tf, type Tensor } from './tf.js';
import { installSecondOrderGradients } from './second-order.js';
import type { Lagrangian } from './lagrangian.js';
import type { TensorMap } from './params.js';
import { sumPerSample } from './ops.js';
import type { Shape } from './shape.js';

/** What the user gives to declare a neuron layer. */
export interface LayerSpec {
  /** Shape of one sample's state, without the batch dimension. */
  readonly shape: Shape;
  /** The Lagrangian L(x) whose gradient is the activation, `x̂ = ∇L(x)`. */
  readonly lagrangian: Lagrangian;
  /** Time constant τ: the layer moves by `(dt/τ) · (−∂E/∂x̂)` per step. Default 1. */
  readonly tau?: number;
}

/** A neuron layer of a built graph: a named state with a Lagrangian and a time constant. */
export class NeuronLayer {
  /** The layer's name in the graph. */
  readonly name: string;
  /** Shape of one sample's state (without the batch dimension). */
  readonly shape: Shape;
  /** The Lagrangian whose gradient is the activation. */
  readonly lagrangian: Lagrangian;
  /** Time constant τ (default 1): larger is slower. */
  readonly tau: number;

  constructor(name: string, spec: LayerSpec) {
    this.name = name;
    this.shape = Object.freeze([...spec.shape]);
    this.lagrangian = spec.lagrangian;
    this.tau = spec.tau ?? 1;
    Object.freeze(this);
  }

  // Each method frees its intermediate tensors: only the returned tensor is the caller's.

  /** `x̂ = ∇L(x)`: the closed form when the Lagrangian has one, autodiff otherwise. */
  activation(x: Tensor, params: TensorMap): Tensor {
    const lag = this.lagrangian;
    if (lag.activation) return tf.tidy(() => lag.activation!(x, params));
    return this.activationByAutodiff(x, params);
  }

  /** `x̂` by autodiff of the Lagrangian, the reference that closed forms are tested against. */
  activationByAutodiff(x: Tensor, params: TensorMap): Tensor {
    // Gradient of the batch sum: samples are independent, so this is every sample's own ∇L.
    installSecondOrderGradients(); // x̂ may be differentiated again (training)
    return tf.tidy(() => tf.grad((s: Tensor) => tf.sum(this.lagrangian.lagrangian(s, params)))(x));
  }

  /** Neuron energy per sample, `Σ x̂⊙x − L(x)`: `[B, ...shape] → [B]`. */
  energy(x: Tensor, xhat: Tensor, params: TensorMap): Tensor {
    return tf.tidy(() => tf.sub(sumPerSample(tf.mul(xhat, x)), this.lagrangian.lagrangian(x, params)));
  }
}
