// The webgpu backend under Node (Dawn; Mesa's llvmpipe through OpenGL ES on a machine without a
// GPU). It must start on this machine class; HAMUX_SKIP_WEBGPU=1 skips these tests explicitly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HamuxError, hypergraph, lagrangians as L, synapses as Y, tf } from '@hamux-ts/core';
import { descend, descendSync } from '@hamux-ts/dynamics';
import { preferTiledMatMul, registerChunkedAddN, takeWebgpuErrors, useBackend, type BackendReport } from '@hamux-ts/backends';

const SKIP_WEBGPU = process.env['HAMUX_SKIP_WEBGPU'] === '1';

interface DeviceLike {
  limits: { maxStorageBuffersPerShaderStage: number };
  createBuffer(descriptor: { size: number; usage: number }): { destroy(): void };
}
const device = () => (tf.backend() as unknown as { device: DeviceLike }).device;

/** Waits (briefly) for WebGPU's asynchronous error reports. */
async function errorsSoon(): Promise<string[]> {
  for (let i = 0; i < 100; i++) {
    await tf.ones([1]).data();
    const errors = takeWebgpuErrors();
    if (errors.length > 0) return errors;
    await new Promise((r) => setTimeout(r, 10));
  }
  return [];
}

describe.skipIf(SKIP_WEBGPU)('the webgpu backend under Node', () => {
  let report: BackendReport;
  beforeAll(async () => {
    ({ report } = await useBackend('webgpu'));
  });
  afterAll(async () => {
    await useBackend('cpu');
  });

  it('starts, says which adapter it runs on, and computes', async () => {
    expect(report.chosen).toBe('webgpu');
    expect(report.tried).toEqual([{ name: 'webgpu', ok: true, adapter: report.adapter }]);
    const a = report.adapter!;
    for (const k of ['vendor', 'architecture', 'device', 'description'] as const) expect(typeof a[k]).toBe('string');
    expect(['default', 'opengles']).toContain(a.dawnBackend);
    // Dawn's OpenGL ES backend only offers the compatibility level; Vulkan offers core.
    expect(a.featureLevel).toBe(a.dawnBackend === 'opengles' ? 'compatibility' : 'core');
    expect(process.env['EGL_PLATFORM']).toBeDefined();
    expect(process.env['XDG_RUNTIME_DIR']).toBeTruthy();
    expect(tf.getBackend()).toBe('webgpu');
    const y = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5], [6]]));
    expect(Array.from(await y.data())).toEqual([17, 39]);
    y.dispose();
  });

  it('a second useBackend("webgpu") reuses the adapter and backend', async () => {
    await useBackend('cpu');
    const again = await useBackend('webgpu');
    expect(again.report.adapter).toEqual(report.adapter);
    expect(again.gemm).toBeUndefined(); // no host-array kernels on webgpu
    expect(tf.getBackend()).toBe('webgpu');
  });

  it('installs its fixes once, however often they are called', () => {
    const addN = tf.getKernel('AddN', 'webgpu')!.kernelFunc;
    registerChunkedAddN();
    registerChunkedAddN();
    expect(tf.getKernel('AddN', 'webgpu')!.kernelFunc).toBe(addN);
    // Tiled matrix products (tfjs's program type 3) on a software adapter only; asking again keeps them.
    const software = report.adapter!.software;
    expect(tf.env().getNumber('WEBGPU_MATMUL_PROGRAM_TYPE')).toBe(software ? 3 : -1);
    if (software) preferTiledMatMul();
    expect(tf.env().getNumber('WEBGPU_MATMUL_PROGRAM_TYPE')).toBe(software ? 3 : -1);
  });

  it('tf.addN of more inputs than a shader may bind is exact (tfjs 4.22 drops such dispatches)', async () => {
    const limit = device().limits.maxStorageBuffersPerShaderStage;
    // Enough inputs to need partial sums of partial sums: more than (limit − 1)² of them.
    const n = (limit - 1) ** 2 + 3;
    const before = tf.memory();
    const terms = Array.from({ length: n }, (_, i) => tf.tensor2d([[i, -2 * i, 0.5 * i]]));
    const sum = tf.addN(terms);
    const half = n * (n - 1) / 2; // Σ i for i < n: exact in float32 at this size
    expect(Array.from(await sum.data())).toEqual([half, -2 * half, 0.5 * half]);
    tf.dispose([...terms, sum]);
    expect(takeWebgpuErrors()).toEqual([]);
    // The partial sums live only in the backend: none may be left behind.
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
  });

  it('records the errors WebGPU reports instead of letting them pass silently', async () => {
    expect(takeWebgpuErrors()).toEqual([]);
    device().createBuffer({ size: 4, usage: 0 }); // usage 0 is invalid: a validation error
    const errors = await errorsSoon();
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatch(/usage/i);
    expect(takeWebgpuErrors()).toEqual([]);
  });

  it('descendSync refuses webgpu with a HamuxError pointing at descend; descend runs', async () => {
    const ham = hypergraph()
      .layer('v', { shape: [4], lagrangian: L.identity() })
      .layer('h', { shape: [3], lagrangian: L.tanh() })
      .synapse('s', Y.dense(), ['v', 'h'])
      .build({ seed: 1 });
    const init = ham.randomStates(2, 0);
    const err = (() => { try { descendSync(ham, init); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(HamuxError);
    expect((err as HamuxError).where).toBe('descendSync');
    expect((err as Error).message).toMatch(/webgpu backend cannot read values back synchronously.*await descend\(/);
    const { states, report: r } = await descend(ham, init, { maxSteps: 200 });
    expect(r.every((s) => s.converged)).toBe(true);
    tf.dispose([...Object.values(init), ...Object.values(states)]);
    ham.dispose();
    expect(takeWebgpuErrors()).toEqual([]);
  });

  it('a scheduler step leaks no tensors on webgpu', async () => {
    const ham = hypergraph()
      .layer('v', { shape: [5], lagrangian: L.layernorm() })
      .layer('h', { shape: [4], lagrangian: L.softmax() })
      .synapse('s', Y.denseBias(), ['v', 'h'])
      .synapse('m', Y.modernHopfield({ memories: 3 }), ['v'])
      .build({ seed: 2 });
    const x = ham.randomStates(3, 1);
    const step = async () => {
      const { energy, dEdxhat } = ham.energyAndDEdxhat(x);
      await energy.data();
      tf.dispose([energy, ...Object.values(dEdxhat)]);
    };
    await step();
    const before = tf.memory();
    for (let i = 0; i < 20; i++) await step();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
    tf.dispose(Object.values(x));
    ham.dispose();
  });
});
