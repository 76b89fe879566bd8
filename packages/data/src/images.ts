import { HamuxError } from '@hamux-ts/core';

/**
 * A batch of labelled images as flat typed arrays: image `i` is
 * `images.subarray(i * size, (i + 1) * size)`, row-major `[height, width, channels]`.
 */
export interface LabelledImages {
  /** `[count, size]` row-major, values in [0, 1] for MNIST. */
  readonly images: Float32Array;
  /** `[count]`, class of each image. */
  readonly labels: Uint8Array;
  /** Number of images. */
  readonly count: number;
  /** `[height, width, channels]` of one image. */
  readonly shape: readonly [number, number, number];
  /** Entries per image: `height · width · channels`. */
  readonly size: number;
}

/** The images at `indices`, in that order. */
export function pick(set: LabelledImages, indices: ArrayLike<number>): LabelledImages {
  const { size } = set;
  const images = new Float32Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!;
    if (!(Number.isInteger(j) && j >= 0 && j < set.count)) {
      throw new HamuxError(['pick', 'indices', i], `index ${j} is out of range for ${set.count} images`, 'invalid_argument');
    }
    images.set(set.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = set.labels[j]!;
  }
  return { images, labels, count: indices.length, shape: set.shape, size };
}
