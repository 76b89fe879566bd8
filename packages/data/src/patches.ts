import { HamuxError } from '@hamux-ts/core';

/**
 * Images to patches and back, for the Energy Transformer. An image `[H, W, C]` cut into square
 * patches of side p gives `N = (H/p)·(W/p)` patches of `P = p·p·C` entries: patch `n = i·(W/p) + j`
 * covers rows `i·p … i·p+p−1` and columns `j·p … j·p+p−1`, its entries in row-major `[p, p, C]`
 * order. This is the order of the `patches` layer of the `energyTransformer` preset.
 */

type Numbers = Float32Array | Uint8Array;

function check(what: string, length: number, shape: readonly [number, number, number], patch: number): number {
  const [H, W, C] = shape;
  for (const [i, name, v] of [[0, 'height', H], [1, 'width', W], [2, 'channels', C]] as const) {
    if (!(Number.isInteger(v) && v > 0)) throw new HamuxError([what, 'shape', i], `the ${name} must be a positive integer, got ${v}`, 'invalid_argument');
  }
  if (!(Number.isInteger(patch) && patch > 0)) throw new HamuxError([what, 'patch'], `must be a positive integer, got ${patch}`, 'invalid_argument');
  if (H % patch !== 0 || W % patch !== 0) throw new HamuxError([what, 'patch'], `${patch} does not tile an image of ${H}×${W}`, 'shape_mismatch');
  if (length % (H * W * C) !== 0) throw new HamuxError([what, 'data'], `${length} values are not a whole number of ${H}×${W}×${C} images`, 'shape_mismatch');
  return length / (H * W * C);
}

/** Copies between image and patch layouts; `toPatches` says which way. */
function copy<T extends Numbers>(src: T, shape: readonly [number, number, number], p: number, toPatches: boolean): T {
  const [H, W, C] = shape;
  const count = src.length / (H * W * C);
  const out = new (src.constructor as new (n: number) => T)(src.length);
  const across = W / p;
  const rowLength = p * C; // one row of a patch is contiguous in both layouts
  for (let b = 0; b < count; b++) {
    const base = b * H * W * C;
    for (let y = 0; y < H; y++) {
      const i = Math.floor(y / p), dy = y % p;
      for (let j = 0; j < across; j++) {
        const image = base + (y * W + j * p) * C;
        const patch = base + ((i * across + j) * p + dy) * rowLength;
        if (toPatches) out.set(src.subarray(image, image + rowLength), patch);
        else out.set(src.subarray(patch, patch + rowLength), image);
      }
    }
  }
  return out;
}

/**
 * A batch of images `[B, H, W, C]` (row-major) as patches `[B, N, P]`; works on masks too
 * (a `Uint8Array` gives a `Uint8Array`).
 *
 * ```ts
 * const tokens = patchify(images, [28, 28, 1], 7); // [B, 16, 49]
 * ```
 */
export function patchify<T extends Numbers>(images: T, shape: readonly [number, number, number], patch: number): T {
  check('patchify', images.length, shape, patch);
  return copy(images, shape, patch, true);
}

/** The inverse of `patchify`: patches `[B, N, P]` back to images `[B, H, W, C]`. */
export function unpatchify<T extends Numbers>(patches: T, shape: readonly [number, number, number], patch: number): T {
  check('unpatchify', patches.length, shape, patch);
  return copy(patches, shape, patch, false);
}
