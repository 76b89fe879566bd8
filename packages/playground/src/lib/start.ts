/**
 * From a picture to a model's starting point, and from a relaxed state back to words: what the
 * playground feeds a model and what it reads off it.
 */
import { tf, type Tensor } from '@hamux-ts/core';
import type { InputImage } from './corrupt.js';
import { argmax, decode, encode, patchify, signs, unpatchify } from './image.js';
import type { ModelSetup } from './models.js';
import { maskedMse, nearestPattern } from './readout.js';

export interface Start {
  /** One state per layer, `[1, ...shape]` (the caller's to dispose). */
  readonly states: Record<string, Tensor>;
  /** What `Relaxation` holds: whole layers, or the input's known entries (1 = held). */
  readonly clamp: Record<string, true | Float32Array>;
}

/**
 * The input layer takes the picture in the model's encoding (unknown pixels 0; patches for an
 * Energy Transformer); every other layer starts at 0. The layers the model clamps are held whole;
 * otherwise, when pixels are unknown, the known ones are held and the unknown ones relax. A graph
 * without a picture-shaped layer starts from seeded random states (std ½).
 */
export function startFrom(setup: ModelSetup, image: InputImage): Start {
  const { ham, input } = setup;
  const clamp: Record<string, true | Float32Array> = Object.fromEntries(setup.clampWhole.map((n) => [n, true as const]));
  if (!input) return { states: ham.randomStates(1, 42, 0.5), clamp };
  const order = (values: Float32Array) => (input.patch !== undefined ? patchify(values, 28, 28, input.patch) : values);
  const states = Object.fromEntries(ham.layerNames.map((n) => {
    const shape = [1, ...ham.layers[n]!.shape];
    return [n, n === input.layer ? tf.tensor(order(encode(image, input.encoding)), shape) : tf.zeros(shape)];
  }));
  if (!setup.clampWhole.includes(input.layer) && image.hidden.some((h) => h)) {
    clamp[input.layer] = order(Float32Array.from(image.hidden, (h) => (h ? 0 : 1)));
  }
  return { states, clamp };
}

/**
 * What the page says about a state (sample 0 of the activations): the nearest stored pattern of a
 * memory (and whether it is the one picked), the class of a label layer, and the error on the
 * unknown pixels of a reconstruction against the picture before it was masked.
 */
export function describeState(
  setup: ModelSetup,
  activations: Readonly<Record<string, Float32Array>>,
  image: InputImage,
  original: InputImage,
  picked: { readonly source: string; readonly index: number },
): string[] {
  const parts: string[] = [];
  const input = setup.input;
  const values = input ? activations[input.layer] : undefined;
  if (setup.stored && values) {
    const near = nearestPattern(signs(values.subarray(0, 784)), setup.stored);
    const same = picked.source !== 'stored' ? ''
      : near.index !== picked.index ? ` — not the picked pattern #${picked.index}`
      : near.differing === 0 ? ' — the pattern that was picked, exactly' : ' — the picked pattern';
    parts.push(`nearest stored pattern: #${near.index}, ${784 - near.differing}/784 pixels agree${same}`);
  }
  if (setup.labels && activations[setup.labels]) {
    const p = activations[setup.labels]!;
    const k = argmax(p.subarray(0, 10));
    parts.push(`class read from "${setup.labels}": ${k} (activation ${p[k]!.toFixed(3)})`);
  }
  if (input && values && !setup.stored && !setup.clampWhole.includes(input.layer) && image.hidden.some((h) => h)) {
    const pixels = input.patch !== undefined ? unpatchify(values.subarray(0, 784), 28, 28, input.patch) : values.subarray(0, 784);
    parts.push(`error on the unknown pixels against the picture before masking: MSE ${maskedMse(decode(pixels, input.encoding), original.pixels, image.hidden).toFixed(4)}`);
  }
  return parts;
}
