import { describe, expect, it, vi } from 'vitest';
import { HamuxError, tf } from '@hamux-ts/core';
import { registerConv2DBackpropFilter, useBackend } from '@hamux-ts/backends';
import { gpuDevicePresent } from '../src/node/dawn.js';

const SKIP_WEBGPU = process.env['HAMUX_SKIP_WEBGPU'] === '1';
/** CI builds the OpenBLAS addon and says so; elsewhere any of the fast matrix products will do. */
const expectedGemm = process.env['HAMUX_KERNELS_REQUIRE_NATIVE'] === '1' ? 'native' : expect.stringMatching(/^(native|wasm|js)$/);

describe('useBackend', () => {
  it('starts the cpu backend and reports it', async () => {
    const runtime = await useBackend('cpu');
    expect(runtime.report).toEqual({ chosen: 'cpu', tried: [{ name: 'cpu', ok: true }], kernels: expect.objectContaining({ gemm: expectedGemm }) });
    expect(runtime.backend).toBe('cpu');
    expect(runtime.gemm?.name).toEqual(expectedGemm);
    expect(tf.getBackend()).toBe('cpu');
    expect(Array.from(tf.add(tf.tensor1d([1, 2]), 1).dataSync())).toEqual([2, 3]);
  });

  it('starts the wasm backend and reports it', async () => {
    const runtime = await useBackend('wasm');
    expect(runtime.report).toEqual({ chosen: 'wasm', tried: [{ name: 'wasm', ok: true }], kernels: expect.objectContaining({ gemm: expectedGemm }) });
    expect(runtime.backend).toBe('wasm');
    expect(runtime.gemm?.name).toEqual(expectedGemm);
    expect(tf.getBackend()).toBe('wasm');
    expect(Array.from(tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync())).toEqual([11]);
  });

  it("'auto' (the default) keeps WebGPU only on a hardware adapter, else picks wasm", async () => {
    await useBackend('cpu');
    const { report } = await useBackend();
    const webgpu = report.tried[0]!;
    expect(webgpu.name).toBe('webgpu');
    if (webgpu.ok) {
      expect(report.chosen).toBe('webgpu');
      expect(report.adapter?.software).toBe(false);
      return;
    }
    expect(report).toEqual({ chosen: 'wasm', tried: [webgpu, { name: 'wasm', ok: true }], kernels: expect.objectContaining({ gemm: expectedGemm }) });
    expect(tf.getBackend()).toBe('wasm');
    if (await gpuDevicePresent() === false) {
      // No GPU device node: 'auto' does not even load Dawn (whose probing writes to stderr).
      expect(webgpu).toEqual({ name: 'webgpu', ok: false, reason: expect.stringMatching(/^no GPU on this machine .*'auto' passes it over, useBackend\('webgpu'\) uses it$/) });
    } else if (!SKIP_WEBGPU) {
      // A GPU device but only a software adapter reachable: found, and passed over.
      expect(webgpu.adapter?.software).toBe(true);
      expect(webgpu.reason).toMatch(/only a software WebGPU adapter was found \(.*\), slower than wasm: 'auto' passes it over/);
    }
  });

  it('installs the conv filter gradient once, however often it is asked to', async () => {
    await useBackend('cpu');
    const kernel = tf.getKernel('Conv2DBackpropFilter', 'cpu')!.kernelFunc;
    registerConv2DBackpropFilter('cpu');
    await useBackend('cpu');
    expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')!.kernelFunc).toBe(kernel);
  });

  it('a named backend that cannot start is a HamuxError saying why', async () => {
    vi.stubGlobal('WebAssembly', undefined);
    try {
      const err = await useBackend('wasm').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HamuxError);
      expect((err as Error).message).toMatch(/could not start the wasm backend \(wasm: this JavaScript runtime has no WebAssembly\)/);
      expect([(err as HamuxError).code, (err as HamuxError).path]).toEqual(['unsupported', ['backend']]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('an unknown choice is a HamuxError', async () => {
    await expect(useBackend('gpu' as 'cpu')).rejects.toThrow(/expected 'auto', 'cpu', 'wasm' or 'webgpu', got "gpu"/);
    await expect(useBackend('gpu' as 'cpu')).rejects.toThrow(expect.objectContaining({ name: 'HamuxError', code: 'unknown_name', path: ['backend'] }));
  });
});
