import { tf, type Tensor } from '../tf.js';
import { HamuxError } from '../errors.js';
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
  if (p.length !== 2) throw new HamuxError([kind, name], `must be a number or a pair, got ${JSON.stringify(v)}`, 'invalid_argument');
  positiveInteger(kind, name, p[0]);
  positiveInteger(kind, name, p[1]);
  return p;
}

function checkPadding(kind: string, padding: Padding): void {
  if (!(padding === 'valid' || padding === 'same' || (Number.isInteger(padding) && padding >= 0))) {
    throw new HamuxError([kind, 'padding'], `must be 'valid', 'same' or an integer >= 0, got ${JSON.stringify(padding)}`, 'invalid_argument');
  }
}

/** `p` zeros on both sides of both spatial axes, as tfjs's explicit NHWC padding. */
function explicitPadding(p: number): tf.backend_util.ExplicitPadding {
  return [[0, 0], [p, p], [p, p], [0, 0]];
}

/**
 * Zeros added before and after one spatial axis: none for `'valid'`, `p` on both sides for a
 * number, and TensorFlow's split for `'same'` (total `max((ceil(n/s) − 1)·s + k − n, 0)`, the
 * smaller half before).
 */
export function paddingAmounts(n: number, k: number, s: number, padding: Padding): [number, number] {
  if (padding === 'valid') return [0, 0];
  if (padding !== 'same') return [padding, padding];
  const total = Math.max((Math.ceil(n / s) - 1) * s + k - n, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
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

/** Options of `conv2d`: kernel, stride, padding and initialiser. */
export interface Conv2dOptions {
  /** Kernel height and width. */
  kernel: number | Pair;
  /** Step of the kernel along height and width (default 1). */
  stride?: number | Pair;
  /** `'valid'` (default), `'same'`, or that many zeros on each side. */
  padding?: Padding;
  /** Initialiser of the filter W, instead of the default. */
  init?: {
    /** Initialiser of W. */
    W?: Init;
  };
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
  // A numeric padding goes to tfjs as explicit amounts: tfjs 4.22 computes the output width of a
  // numeric padding from the kernel's HEIGHT, so a non-square kernel got a wrong output shape on
  // cpu, and on wasm a write past the output buffer that corrupted the heap.
  const pad = typeof padding === 'number' ? explicitPadding(padding) : padding;
  const conv = (x: Tensor, W: Tensor) => tf.conv2d(x as tf.Tensor4D, W as tf.Tensor4D, [...stride] as [number, number], pad, 'NHWC');
  return {
    kind: 'conv2d',
    arity: 2,
    options: { kernel, stride, padding },
    builtin: { kind: 'conv2d', kernel, stride, padding },
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

/** Options of `avgPool`: window size and stride. */
export interface PoolOptions {
  /** Window height and width. */
  size: number | Pair;
  /** Default: the window size (non-overlapping windows). */
  stride?: number | Pair;
  /** `'valid'` (default), `'same'`, or that many zeros on each side. */
  padding?: Padding;
}

/**
 * For each output position along one axis, `k / (number of window entries inside the input)`: the
 * factor that turns a window sum divided by `k` into the mean over the real (unpadded) entries.
 */
function coverage(n: number, k: number, s: number, before: number, out: number): number[] {
  return Array.from({ length: out }, (_, i) => {
    const start = i * s - before;
    const inside = Math.min(start + k, n) - Math.max(start, 0);
    return inside > 0 ? k / inside : 0;
  });
}

/**
 * Average pooling: `E = −Σ x̂₂ ⊙ avgPool(x̂₁)`, layers `[H, W, C]` and `[H′, W′, C]`; no parameters.
 * As in TensorFlow, padded entries are left out of each window's average (a window lying wholly in
 * the padding averages to 0).
 *
 * The pooling is computed as a zero-padded, per-channel `'valid'` convolution with a constant
 * `1/(kh·kw)` filter, rescaled where windows overlap the padding. tfjs's own `avgPool` is not used:
 * its gradient divides by the full window size even where the forward pass left padding out (so
 * the autodiff signal was wrong at padded borders), and that gradient has no gradient itself, which
 * training through the unrolled dynamics needs.
 */
export function avgPool(options: PoolOptions): Hypersynapse {
  const size = pair('avgPool', 'size', options.size);
  const stride = pair('avgPool', 'stride', options.stride ?? size);
  const padding = options.padding ?? 'valid';
  checkPadding('avgPool', padding);
  const pool = (x: Tensor): Tensor => {
    const [batch, h, w, c] = x.shape as [number, number, number, number];
    const [top, bottom] = paddingAmounts(h, size[0], stride[0], padding);
    const [left, right] = paddingAmounts(w, size[1], stride[1], padding);
    const padded = top + bottom + left + right > 0
      ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]])
      : x;
    const [hp, wp] = [h + top + bottom, w + left + right];
    // Channels into the batch, so that one [kh, kw, 1, 1] filter pools every channel alike.
    const planes = tf.reshape(tf.transpose(padded, [0, 3, 1, 2]), [batch * c, hp, wp, 1]);
    const filter = tf.fill([size[0], size[1], 1, 1], 1 / (size[0] * size[1]));
    const summed = tf.conv2d(planes as tf.Tensor4D, filter as tf.Tensor4D, [...stride] as [number, number], 'valid');
    const [, ho, wo] = summed.shape as [number, number, number, number];
    const pooled = tf.transpose(tf.reshape(summed, [batch, c, ho, wo]), [0, 2, 3, 1]);
    if (top + bottom + left + right === 0) return pooled;
    const rows = coverage(h, size[0], stride[0], top, ho);
    const cols = coverage(w, size[1], stride[1], left, wo);
    const scale = tf.tensor3d(rows.flatMap((r) => cols.map((q) => r * q)), [ho, wo, 1]);
    return tf.mul(pooled, scale);
  };
  return {
    kind: 'avgPool',
    arity: 2,
    options: { size, stride, padding },
    builtin: { kind: 'avgPool', size, stride, padding },
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
