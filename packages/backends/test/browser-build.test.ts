// The browser build (the `browser` export condition) outside a browser: its useBackend's logic and
// that it has the Node build's exports and types. The Chromium test in packages/browser runs it
// inside a browser.
import { HamuxError, tf } from '@hamux-ts/core';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import * as browser from '../src/browser/index.js';
import * as node from '../src/node/index.js';
import { useBackend } from '../src/browser/index.js';

afterEach(async () => {
  await tf.setBackend('cpu');
});

describe('useBackend (browser build) outside a browser', () => {
  it('rejects an unknown backend with a HamuxError naming the choices', async () => {
    const e = await useBackend('tpu' as 'cpu').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HamuxError);
    expect((e as HamuxError).where).toBe('backend');
    expect((e as Error).message).toMatch(/expected 'auto', 'cpu', 'wasm' or 'webgpu', got "tpu"/);
  });

  it('refuses webgpu by name where there is no navigator.gpu, and says so', async () => {
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined();
    const e = await useBackend('webgpu').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HamuxError);
    expect((e as Error).message).toMatch(/could not start the webgpu backend \(webgpu: this browser has no WebGPU \(navigator\.gpu is missing/);
  });

  it('starts cpu by name and reports it (no fast kernels in browsers)', async () => {
    // browsers have no fast kernels: a runtime without a matrix product
    expect(await useBackend('cpu')).toEqual({ backend: 'cpu', report: { chosen: 'cpu', tried: [{ name: 'cpu', ok: true }] } });
    expect(tf.getBackend()).toBe('cpu');
  });
});

describe('the two builds', () => {
  it('export the same names, with the same types (a type check, enforced by `npm run typecheck`)', () => {
    expect(Object.keys(browser).sort()).toEqual(Object.keys(node).sort());
    expectTypeOf<typeof browser>().toEqualTypeOf<typeof node>();
  });
});
