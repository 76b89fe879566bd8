import { describe, expect, it } from 'vitest';
import { HamuxError, tf } from '@hamux-ts/core';
import { useBackend } from '@hamux-ts/backends';

describe('useBackend', () => {
  it('starts the cpu backend and reports it', async () => {
    const report = await useBackend('cpu');
    expect(report).toEqual({ chosen: 'cpu', tried: [{ name: 'cpu', ok: true }] });
    expect(tf.getBackend()).toBe('cpu');
    expect(Array.from(tf.add(tf.tensor1d([1, 2]), 1).dataSync())).toEqual([2, 3]);
  });

  it('starts the wasm backend and reports it', async () => {
    const report = await useBackend('wasm');
    expect(report).toEqual({ chosen: 'wasm', tried: [{ name: 'wasm', ok: true }] });
    expect(tf.getBackend()).toBe('wasm');
    expect(Array.from(tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync())).toEqual([11]);
  });

  it("'auto' (the default) lists WebGPU as not built yet and picks wasm", async () => {
    await useBackend('cpu');
    const report = await useBackend();
    expect(report).toEqual({
      chosen: 'wasm',
      tried: [
        { name: 'webgpu', ok: false, reason: 'WebGPU support is not built yet' },
        { name: 'wasm', ok: true },
      ],
    });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('a named backend that cannot start is a HamuxError saying why', async () => {
    const err = await useBackend('webgpu').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HamuxError);
    expect((err as Error).message).toMatch(/webgpu backend.*WebGPU support is not built yet/);
  });

  it('an unknown choice is a HamuxError', async () => {
    await expect(useBackend('gpu' as 'cpu')).rejects.toThrow(/expected 'auto', 'cpu', 'wasm' or 'webgpu', got "gpu"/);
  });
});
