import { HamuxError } from '@hamux-ts/core';

/**
 * The MNIST digits shipped with the page (`data/digits.bin` + `data/digits.json`, written at build
 * time from the `mnist` package): grey levels as bytes, `[count, 784]`, grouped by class.
 */
export interface Digits {
  readonly count: number;
  readonly size: number;
  /** `[count]`, the class of each digit. */
  readonly labels: Uint8Array;
  /** `[count · size]`, grey levels in [0, 1]. */
  readonly pixels: Float32Array;
}

export interface DigitsIndex {
  readonly count: number;
  readonly size: number;
  readonly labels: readonly number[];
  readonly source: string;
}

/** Decodes the shipped bytes with their index; checks that they agree. */
export function decodeDigits(index: DigitsIndex, bytes: Uint8Array): Digits {
  const { count, size } = index;
  if (!(Number.isInteger(count) && Number.isInteger(size) && count > 0 && size > 0)) throw new HamuxError(['digits', 'index'], `bad index (count ${count}, size ${size})`, 'invalid_file');
  if (bytes.length !== count * size) throw new HamuxError(['digits', 'bytes'], `expected ${count}×${size} = ${count * size} bytes, got ${bytes.length}`, 'invalid_file');
  if (index.labels.length !== count) throw new HamuxError(['digits', 'labels'], `expected ${count} labels, got ${index.labels.length}`, 'invalid_file');
  return { count, size, labels: Uint8Array.from(index.labels), pixels: Float32Array.from(bytes, (b) => b / 255) };
}

/** Digit `i` as a `[size]` view. */
export function digit(d: Digits, i: number): Float32Array {
  if (!(Number.isInteger(i) && i >= 0 && i < d.count)) throw new HamuxError(['digit', 'index'], `${i} outside [0, ${d.count})`, 'invalid_argument');
  return d.pixels.subarray(i * d.size, (i + 1) * d.size);
}

/** The indices of the first `perClass` digits of every class, class by class (0s first). */
export function firstPerClass(d: Digits, perClass: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < 10; c++) {
    let taken = 0;
    for (let i = 0; i < d.count && taken < perClass; i++) if (d.labels[i] === c) { out.push(i); taken++; }
  }
  return out;
}

/** Splits the digits into a training and a held-out part with `heldPerClass` of each class held out (the last ones of each class). */
export function splitDigits(d: Digits, heldPerClass: number): { train: number[]; held: number[] } {
  const train: number[] = [], held: number[] = [];
  for (let c = 0; c < 10; c++) {
    const of = Array.from({ length: d.count }, (_, i) => i).filter((i) => d.labels[i] === c);
    const cut = Math.max(0, of.length - heldPerClass);
    train.push(...of.slice(0, cut));
    held.push(...of.slice(cut));
  }
  return { train, held };
}

/** Gathers digits into one `[indices.length · size]` array. */
export function gather(d: Digits, indices: readonly number[]): Float32Array {
  const out = new Float32Array(indices.length * d.size);
  indices.forEach((i, k) => out.set(digit(d, i), k * d.size));
  return out;
}
