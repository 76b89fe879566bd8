// countGpuWork on Dawn (Mesa's llvmpipe through OpenGL ES without a GPU): exact counts for a known
// sequence of tfjs ops, a dispatch on a pass tfjs opened before counting began, reset and dispose
// (the device's own methods back, nothing counted after). HAMUX_SKIP_WEBGPU=1 skips the webgpu part.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HamuxError, tf } from '@hamux-ts/core';
import { countGpuWork, takeWebgpuErrors, useBackend } from '@hamux-ts/backends';
import { thrownBy, uniformValues } from '@hamux-ts/test-support';

const SKIP_WEBGPU = process.env['HAMUX_SKIP_WEBGPU'] === '1';

const device = () => (tf.backend() as unknown as { device: object & { queue: object } }).device;

describe('countGpuWork off webgpu', () => {
  it('is a HamuxError naming the backend to start', async () => {
    await useBackend('cpu');
    const e = thrownBy(() => countGpuWork(), HamuxError);
    expect(e.code).toBe('unsupported');
    expect(e.path).toEqual(['countGpuWork']);
    expect(e.message).toMatch(/current backend is cpu.*useBackend\('webgpu'\)/);
  });
});

describe.skipIf(SKIP_WEBGPU)('countGpuWork on the webgpu backend', () => {
  beforeAll(async () => {
    await useBackend('webgpu');
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  it('counts a known op sequence exactly: three dispatches, one submit, one readback of the result', async () => {
    // 61 × 67 floats: larger than tfjs's threshold for running small ops on the CPU (1000 entries),
    // and a size no other buffer in this process has, so both inputs are uploaded into new buffers
    // created mapped (no staging copy). tfjs uploads values lazily, at the first op that reads them.
    const shape: [number, number] = [61, 67];
    const bytes = 61 * 67 * 4;
    const a = tf.tensor2d(uniformValues(61 * 67, 1), shape);
    const b = tf.tensor2d(uniformValues(61 * 67, 2), shape);
    const counter = countGpuWork();
    const sum = tf.add(a, b);
    const product = tf.mul(sum, a);
    const y = tf.exp(product);
    const values = await y.data();
    const c = counter.counts();
    counter.dispose();
    expect(values.length).toBe(61 * 67);
    expect(c.dispatches).toBe(3);
    expect(c.computePasses).toBe(1);
    expect(c.submits).toBe(1); // the readback's: three dispatches are fewer than tfjs's batch of 15
    expect(c.writes).toBe(3); // one uniform buffer per dispatch
    expect(c.writeBytes).toBeGreaterThan(0);
    expect(c.mappedUploads).toBe(2);
    expect(c.mappedUploadBytes).toBe(2 * bytes);
    expect(c.copies).toBe(1); // into the staging buffer the readback maps
    expect(c.copyBytes).toBe(bytes);
    expect(c.readbacks).toBe(1);
    expect(c.readbackBytes).toBe(bytes);
    // add and mul bind an output and two inputs, exp an output and one input.
    expect(c.boundBytes).toBe((3 + 3 + 2) * bytes);
    expect(c.unknownBindGroups).toBe(0);
    expect(c.bytesMoved).toBe(c.boundBytes + c.copyBytes + c.writeBytes + c.mappedUploadBytes);
    tf.dispose([a, b, sum, product, y]);
    expect(takeWebgpuErrors()).toEqual([]);
  });

  it('a tensor whose values are already on the host reads back with no GPU work', async () => {
    const t = tf.tensor1d([1, 2, 3]);
    const counter = countGpuWork();
    expect(Array.from(await t.data())).toEqual([1, 2, 3]);
    expect(counter.counts()).toMatchObject({ dispatches: 0, submits: 0, readbacks: 0, bytesMoved: 0 });
    counter.dispose();
    t.dispose();
  });

  it('counts a dispatch that tfjs records on the compute pass it had open before counting began', async () => {
    const x = tf.tensor2d(uniformValues(64 * 64, 3), [64, 64]);
    const first = tf.neg(x); // leaves tfjs's command encoder and compute pass open
    const counter = countGpuWork(); // submits them, so the next dispatch goes onto a pass it sees
    const second = tf.neg(first);
    await second.data();
    expect(counter.counts()).toMatchObject({ dispatches: 1, submits: 1, readbacks: 1, readbackBytes: 64 * 64 * 4 });
    counter.dispose();
    tf.dispose([x, first, second]);
  });

  it('reset starts again from zero; dispose restores the device and stops counting', async () => {
    const d = device();
    const own = (o: object, k: string) => Object.hasOwn(o, k);
    expect(own(d, 'createCommandEncoder') || own(d.queue, 'submit')).toBe(false);
    const x = tf.tensor2d(uniformValues(64 * 64, 4), [64, 64]);
    const counter = countGpuWork();
    expect(own(d, 'createCommandEncoder') && own(d.queue, 'submit')).toBe(true);
    const once = tf.neg(x);
    await once.data();
    expect(counter.counts().dispatches).toBe(1);
    counter.reset();
    expect(counter.counts()).toEqual(countsOfNothing);
    const twice = tf.neg(once);
    await twice.data();
    expect(counter.counts()).toMatchObject({ dispatches: 1, readbacks: 1 });
    // One counter per device at a time.
    expect(thrownBy(() => countGpuWork(), HamuxError).message).toMatch(/already being counted/);
    const before = counter.counts();
    counter.dispose();
    counter.dispose(); // idempotent
    expect(counter.disposed).toBe(true);
    expect(own(d, 'createCommandEncoder') || own(d, 'createBindGroup') || own(d, 'createBuffer')).toBe(false);
    expect(own(d.queue, 'submit') || own(d.queue, 'writeBuffer')).toBe(false);
    const thrice = tf.neg(twice);
    await thrice.data();
    expect(counter.counts()).toEqual(before);
    // Disposed, the device can be counted again.
    const again = countGpuWork();
    const fourth = tf.neg(thrice);
    await fourth.data();
    expect(again.counts()).toMatchObject({ dispatches: 1, readbacks: 1 });
    again.dispose();
    tf.dispose([x, once, twice, thrice, fourth]);
    expect(takeWebgpuErrors()).toEqual([]);
  });
});

const countsOfNothing = {
  dispatches: 0, computePasses: 0, submits: 0, writes: 0, writeBytes: 0, mappedUploads: 0, mappedUploadBytes: 0,
  copies: 0, copyBytes: 0, boundBytes: 0, unknownBindGroups: 0, readbacks: 0, readbackBytes: 0, bytesMoved: 0,
};
