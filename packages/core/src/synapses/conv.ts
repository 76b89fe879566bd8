import { tf, type Tensor } from '../tf.js';
import type { Hypersynapse } from '../hypersynapse.js';
import { normal, type Init } from '../params.js';
import { sumPerSample } from '../ops.js';
import { formatShape, type Shape } from '../shape.js';
import { learnableParam, positiveInteger } from './common.js';

/** Padding of a convolution or pooling: tfjs's `'valid'` / `'same'`, or zeros on every side. */
export type Padding = 'valid' | 'same' | number;

type Pair = readonly [number, number];

function pair(kind: string, name: string, v: number | Pair): Pair {
  const p: Pair = typeof v === 'number' ? [v, v] : v;
  if (p.length !== 2) throw new RangeError(`${kind}: ${name} must be a number or a pair, got ${JSON.stringify(v)}`);
  positiveInteger(kind, name, p[0]);
  positiveInteger(kind, name, p[1]);
  return p;
}

function checkPadding(kind: string, padding: Padding): void {
  if (!(padding === 'valid' || padding === 'same' || (Number.isInteger(padding) && padding >= 0))) {
    throw new RangeError(`${kind}: padding must be 'valid', 'same' or an integer >= 0, got ${JSON.stringify(padding)}`);
  }
}

/** Output length along one spatial axis of a window of size k, stride s. */
export function outputLength(n: number, k: number, s: number, padding: Padding): number {
  if (padding === 'same') return Math.ceil(n / s);
  const p = padding === 'valid' ? 0 : padding;
  return Math.floor((n + 2 * p - k) / s) + 1;
}

function spatialCheck(
  what: string,
  [input, output]: readonly Shape[],
  kernel: Pair,
  stride: Pair,
  padding: Padding,
  channelsOut: (input: Shape, output: Shape) => number,
): string | undefined {
  if (input!.length !== 3) return `the first layer must be [height, width, channels], got ${formatShape(input!)}`;
  if (output!.length !== 3) return `the second layer must be [height, width, channels], got ${formatShape(output!)}`;
  const h = outputLength(input![0]!, kernel[0], stride[0], padding);
  const w = outputLength(input![1]!, kernel[1], stride[1], padding);
  const expected = [h, w, channelsOut(input!, output!)];
  if (h < 1 || w < 1 || expected.some((d, i) => d !== output![i])) {
    return (
      `${what} of ${formatShape(input!)} gives ${formatShape(expected)}, ` +
      `but the second layer is ${formatShape(output!)}`
    );
  }
  return undefined;
}

export interface Conv2dOptions {
  /** Kernel height and width. */
  kernel: number | Pair;
  stride?: number | Pair;
  padding?: Padding;
  init?: { W?: Init };
}

/**
 * 2-D convolution: `E = −Σ x̂₂ ⊙ conv(x̂₁, W)` between layers `[H, W, C_in]` and `[H′, W′, C_out]`,
 * filter `[kh, kw, C_in, C_out]`. Its signal to x̂₁ is the transposed convolution of x̂₂.
 */
export function conv2d(options: Conv2dOptions): Hypersynapse {
  const kernel = pair('conv2d', 'kernel', options.kernel);
  const stride = pair('conv2d', 'stride', options.stride ?? 1);
  const padding = options.padding ?? 'valid';
  checkPadding('conv2d', padding);
  const conv = (x: Tensor, W: Tensor) =>
    tf.conv2d(x as tf.Tensor4D, W as tf.Tensor4D, [...stride] as [number, number], padding, 'NHWC', 1, 'floor');
  return {
    kind: 'conv2d',
    arity: 2,
    options: { kernel, stride, padding },
    check: (shapes) =>
      spatialCheck(
        `a ${kernel[0]}×${kernel[1]} convolution with stride ${formatShape(stride)} and padding ${padding}`,
        shapes,
        kernel,
        stride,
        padding,
        (_, out) => out[2]!,
      ),
    params: ([s1, s2]) => {
      const fanIn = kernel[0] * kernel[1] * s1![2]!;
      return {
        W: learnableParam([kernel[0], kernel[1], s1![2]!, s2![2]!], options.init?.W, normal(1 / Math.sqrt(fanIn))),
      };
    },
    energy: ([a, b], p) => tf.neg(sumPerSample(tf.mul(b!, conv(a!, p['W']!)))),
  };
}

export interface PoolOptions {
  /** Window height and width. */
  size: number | Pair;
  /** Default: the window size (non-overlapping windows). */
  stride?: number | Pair;
  padding?: Padding;
}

/** Average pooling: `E = −Σ x̂₂ ⊙ avgPool(x̂₁)`, layers `[H, W, C]` and `[H′, W′, C]`; no parameters. */
export function avgPool(options: PoolOptions): Hypersynapse {
  const size = pair('avgPool', 'size', options.size);
  const stride = pair('avgPool', 'stride', options.stride ?? size);
  const padding = options.padding ?? 'valid';
  checkPadding('avgPool', padding);
  const pool = (x: Tensor) =>
    tf.avgPool(x as tf.Tensor4D, [...size] as [number, number], [...stride] as [number, number], padding, 'floor');
  return {
    kind: 'avgPool',
    arity: 2,
    options: { size, stride, padding },
    check: (shapes) =>
      spatialCheck(
        `${size[0]}×${size[1]} average pooling with stride ${formatShape(stride)} and padding ${padding}`,
        shapes,
        size,
        stride,
        padding,
        (input) => input[2]!,
      ),
    params: () => ({}),
    energy: ([a, b]) => tf.neg(sumPerSample(tf.mul(b!, pool(a!)))),
  };
}
