// The page's backend choice: by default the library's 'auto', which passes a software WebGPU
// adapter over for wasm; `?backend=webgpu` still forces WebGPU. `useBackend` is replaced by a
// stand-in for a machine whose only WebGPU adapter is SwiftShader (the real one runs in the e2e test).
import { describe, expect, it } from 'vitest';
import type { BackendChoice, BackendRuntime, GpuAdapterReport } from '@hamux-ts/browser';
import { backendBadge, backendChoice, startBackend } from '../src/lib/backend.js';

const swiftShader: GpuAdapterReport = {
  vendor: 'google', architecture: 'swiftshader', device: 'subzero', description: 'SwiftShader device (Subzero)',
  isFallbackAdapter: true, software: true, featureLevel: 'core',
};
const refused = "only a software WebGPU adapter was found (swiftshader), slower than wasm: 'auto' passes it over; useBackend('webgpu') uses it";

/** `useBackend` on a machine with only a software adapter, as the library behaves there; records each call. */
function softwareOnly(calls: BackendChoice[]) {
  return async (choice: BackendChoice): Promise<BackendRuntime> => {
    calls.push(choice);
    if (choice === 'auto') return { backend: 'wasm', report: { chosen: 'wasm', tried: [{ name: 'webgpu', ok: false, reason: refused, adapter: swiftShader }, { name: 'wasm', ok: true }] } };
    if (choice === 'webgpu') return { backend: 'webgpu', report: { chosen: 'webgpu', tried: [{ name: 'webgpu', ok: true, adapter: swiftShader }], adapter: swiftShader } };
    return { backend: choice, report: { chosen: choice, tried: [{ name: choice, ok: true }] } };
  };
}

describe('the page’s backend', () => {
  it('reads the backend from the query, default auto, refusing unknown ones', () => {
    expect(backendChoice('')).toBe('auto');
    expect(backendChoice('?backend=')).toBe('auto');
    expect(backendChoice('?backend=wasm')).toBe('wasm');
    expect(backendChoice('?x=1&backend=webgpu')).toBe('webgpu');
    expect(() => backendChoice('?backend=metal')).toThrow(/\?backend: expected one of auto, webgpu, wasm, cpu, got "metal"/);
    expect(() => backendChoice('?backend=prefer-webgpu')).toThrow(/expected one of/);
  });

  it('by default prefers wasm to a software WebGPU adapter, and says why on the badge', async () => {
    const calls: BackendChoice[] = [];
    const runtime = await startBackend(backendChoice(''), 'wasm/', softwareOnly(calls));
    expect(calls).toEqual(['auto']);
    expect(runtime.backend).toBe('wasm');
    const badge = backendBadge(runtime.report, (a) => a.architecture);
    expect(badge.text).toBe('backend: wasm (WebGPU here is software, slower)');
    expect(badge.title).toBe(`not used: webgpu (${refused})`);
  });

  it('still runs on the software adapter when ?backend=webgpu forces it', async () => {
    const calls: BackendChoice[] = [];
    const runtime = await startBackend(backendChoice('?backend=webgpu'), 'wasm/', softwareOnly(calls));
    expect(calls).toEqual(['webgpu']);
    expect(runtime.backend).toBe('webgpu');
    expect(backendBadge(runtime.report, (a) => a.architecture)).toEqual({ text: 'backend: webgpu on swiftshader', title: 'the first backend tried' });
  });

  it('hands the wasm folder to useBackend', async () => {
    const seen: unknown[] = [];
    await startBackend('wasm', 'https://example.test/wasm/', async (choice, options) => {
      seen.push(options);
      return { backend: 'wasm', report: { chosen: 'wasm', tried: [{ name: choice, ok: true }] } };
    });
    expect(seen).toEqual([{ wasmPaths: 'https://example.test/wasm/' }]);
  });
});
