import * as tf from '@tensorflow/tfjs-core';
import type { NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';

/**
 * Gradients that stay correct when differentiated again (training through the dynamics takes
 * gradients of gradients, math.md §6).
 *
 * tfjs 4.22 saves the *output* of exp, tanh, sigmoid, softmax, log-softmax, elu, max and min for
 * their backward pass, as a copy that the tape records before the op that produced it; a second
 * differentiation never follows that copy back to the input, so second derivatives through these
 * ops come out silently wrong. And max/min's gradient uses `Equal`, which has no gradient at all.
 * Re-registering these gradients in terms of the saved *input* (recomputing the output inside the
 * gradient, where the tape sees it) fixes both. Comparisons are piecewise constant: zero gradient.
 */

type GradOf = (dy: Tensor, x: Tensor, attrs: NamedAttrMap) => Tensor;

/** The tfjs-core version these replacements were written and tested for (test/second-order-pin.test.ts). */
export const SECOND_ORDER_TFJS_VERSION = '4.22.0';

// Marks our gradient functions in tfjs's registry (global, shared by every copy of this module).
const MARK = Symbol.for('hamux-ts.secondOrderGradient');
type GradFunc = tf.GradConfig['gradFunc'];
const marked = (f: GradFunc): GradFunc => Object.assign(f, { [MARK]: true });

function register(kernelName: string, inputsToSave: string[], gradFunc: GradFunc): void {
  tf.registerGradient({ kernelName, inputsToSave, gradFunc: marked(gradFunc) });
}

function fromInput(kernelName: string, input: string, grad: GradOf): void {
  register(kernelName, [input], (dy, saved, attrs) => ({ [input]: () => grad(dy as Tensor, saved[0]!, attrs) }));
}

function axesOf(value: unknown, rank: number): number[] {
  const list = value === undefined || value === null ? [...Array(rank).keys()] : Array.isArray(value) ? value : [value as number];
  return list.map((a: number) => (a < 0 ? a + rank : a));
}

/** `dy ⊙ [x = extremum]`, spreading dy over the entries that attain the max (or min). */
function extremumGrad(which: 'max' | 'min', axisAttr: string): GradOf {
  return (dy, x, attrs) => {
    const axes = axesOf(attrs[axisAttr], x.rank);
    const y = which === 'max' ? tf.max(x, axes, true) : tf.min(x, axes, true);
    return tf.mul(tf.reshape(dy, y.shape), tf.cast(tf.equal(x, y), 'float32'));
  };
}

/** Whether `installSecondOrderGradients` has run in this process (the registry says so). */
export function secondOrderGradientsInstalled(): boolean {
  const g = tf.getGradient('Tanh')?.gradFunc as (GradFunc & { [MARK]?: boolean }) | undefined;
  return g?.[MARK] === true;
}

/**
 * Replaces tfjs's gradients of the ops above with ones that can be differentiated again. Explicit
 * and idempotent: importing hamux-ts changes no gradient; `useBackend`, training, and every
 * autodiff path of `HAM` call this first, so a gradient of a gradient is right wherever hamux-ts
 * takes it. Safe to call any number of times, from any copy of the package.
 */
export function installSecondOrderGradients(): void {
  if (secondOrderGradientsInstalled()) return;
  for (const kernelName of ['Equal', 'NotEqual', 'Greater', 'GreaterEqual', 'Less', 'LessEqual']) {
    register(kernelName, ['a', 'b'], (_dy, [a, b]) => ({ a: () => tf.zerosLike(a!), b: () => tf.zerosLike(b!) }));
  }
  fromInput('Exp', 'x', (dy, x) => tf.mul(dy, tf.exp(x)));
  // σ′ = σ(1 − σ)
  fromInput('Sigmoid', 'x', (dy, x) => {
    const s = tf.sigmoid(x);
    return tf.mul(dy, tf.mul(s, tf.sub(1, s)));
  });
  // elu′ = 1 for x > 0, e^x otherwise (tanh′ = 1 − tanh², registered last below)
  fromInput('Elu', 'x', (dy, x) => tf.mul(dy, tf.where(tf.greater(x, 0), tf.onesLike(x), tf.exp(x))));
  // softmax: J·dy = y ⊙ (dy − Σ dy⊙y)
  fromInput('Softmax', 'logits', (dy, x, attrs) => {
    const dim = attrs['dim'] as number;
    const y = tf.softmax(x, dim);
    return tf.mul(y, tf.sub(dy, tf.sum(tf.mul(dy, y), dim, true)));
  });
  // log-softmax: dy − softmax ⊙ Σ dy
  fromInput('LogSoftmax', 'logits', (dy, x, attrs) => {
    const axis = attrs['axis'] as number;
    return tf.sub(dy, tf.mul(tf.softmax(x, axis), tf.sum(dy, axis, true)));
  });
  fromInput('Max', 'x', extremumGrad('max', 'reductionIndices'));
  fromInput('Min', 'x', extremumGrad('min', 'axis'));
  // Last, so that a partial install (an exception above) is retried: Tanh is the mark checked.
  fromInput('Tanh', 'x', (dy, x) => tf.mul(dy, tf.sub(1, tf.square(tf.tanh(x)))));
}
