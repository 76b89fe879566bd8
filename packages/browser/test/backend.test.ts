// useBackend's logic outside a browser (the Chromium test covers it inside one), adapter
// descriptions, and the report's shape against @hamux-ts/backends' (checked by the typecheck).
import type { BackendReport as NodeBackendReport, GpuAdapterReport as NodeGpuAdapterReport } from '@hamux-ts/backends';
import { HamuxError, tf } from '@hamux-ts/core';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { adapterName, describeAdapter } from '../src/adapter.js';
import { useBackend } from '../src/backend.js';
import type { BackendReport, GpuAdapterReport } from '../src/types.js';

afterEach(async () => {
  await tf.setBackend('cpu');
});

describe('useBackend (browser build) outside a browser', () => {
  it('rejects an unknown backend with a HamuxError naming the choices', async () => {
    const e = await useBackend('tpu' as 'cpu').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HamuxError);
    expect((e as HamuxError).path).toBe('backend');
    expect((e as Error).message).toMatch(/expected 'auto', 'cpu', 'wasm' or 'webgpu', got "tpu"/);
  });

  it('refuses webgpu by name where there is no navigator.gpu, and says so', async () => {
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined();
    const e = await useBackend('webgpu').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HamuxError);
    expect((e as Error).message).toMatch(/could not start the webgpu backend \(webgpu: this browser has no WebGPU \(navigator\.gpu is missing/);
  });

  it('starts cpu by name and reports it', async () => {
    expect(await useBackend('cpu')).toEqual({ chosen: 'cpu', tried: [{ name: 'cpu', ok: true }] });
    expect(tf.getBackend()).toBe('cpu');
  });
});

describe('describeAdapter', () => {
  it('calls fallback adapters and software drivers software, and hardware not', () => {
    const swiftshader = describeAdapter({ info: { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true } });
    expect(swiftshader).toEqual({
      vendor: 'google',
      architecture: 'swiftshader',
      device: '',
      description: '',
      isFallbackAdapter: true,
      software: true,
      featureLevel: 'core',
    });
    expect(adapterName(swiftshader)).toBe('google swiftshader, software');
    // Not calling itself a fallback, but named like a software rasteriser.
    expect(describeAdapter({ info: { vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' } }).software).toBe(true);
    // The pre-`info` place of the flag.
    expect(describeAdapter({ isFallbackAdapter: true }).software).toBe(true);
    const nvidia = describeAdapter({ info: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100' } });
    expect(nvidia.software).toBe(false);
    expect(adapterName(nvidia)).toBe('nvidia hopper (NVIDIA H100)');
  });
});

describe('the report', () => {
  it('has the shape of @hamux-ts/backends’ BackendReport (a type check, enforced by `npm run typecheck`)', () => {
    // Node's report also says which CPU matrix-product kernels run (`kernels`): the browser has none.
    expectTypeOf<BackendReport>().toEqualTypeOf<Omit<NodeBackendReport, 'kernels'>>();
    expectTypeOf<GpuAdapterReport>().toEqualTypeOf<NodeGpuAdapterReport>();
  });
});
