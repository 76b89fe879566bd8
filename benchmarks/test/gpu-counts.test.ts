// Smoke test of bench:gpu-counts' core (gpu-counts/measure.ts) on the tiny graph of the public
// cases, on Dawn (Mesa's llvmpipe without a GPU): the figures are positive, whole per check window,
// and the same per step over one window and over the next. HAMUX_SKIP_WEBGPU=1 skips it.
import { afterAll, describe, expect, it } from 'vitest';
import { useBackend } from '@hamux-ts/backends';
import { measureCase } from '../gpu-counts/measure.js';
import { RELAX } from '../public/cases.js';

const SKIP_WEBGPU = process.env['HAMUX_SKIP_WEBGPU'] === '1';

describe.skipIf(SKIP_WEBGPU)('bench:gpu-counts', () => {
  afterAll(async () => {
    await useBackend('cpu');
  });

  it('counts the tiny graph consistently: whole windows, the same per step for N = C and N = 2C', async () => {
    const runtime = await useBackend('webgpu');
    const tiny = RELAX.find((c) => c.id === 'tiny')!;
    const r = await measureCase(tiny, runtime, { checkEvery: 3 });
    const w = r.perWindow;
    for (const k of ['dispatches', 'submits', 'writes', 'readbacks', 'readbackBytes', 'boundBytes', 'bytesMoved'] as const) {
      expect(Number.isInteger(w[k]), k).toBe(true);
      expect(w[k], k).toBeGreaterThan(0);
      // R3 − R2 = R2 − R1: the per-step figures do not depend on how many steps they come from.
      expect(r.drift[k], k).toBe(0);
      expect(r.perStep[k], k).toBeCloseTo(w[k] / 3, 12);
    }
    expect(w.readbacks).toBe(1); // one readback per check window
    expect(w.readbackBytes % 4).toBe(0);
    expect(w.unknownBindGroups).toBe(0);
    expect(r.setup.dispatches).toBeGreaterThan(0);
    expect(r.relaxation.readbacks).toBeGreaterThanOrEqual(r.relaxationChecks);
    expect(r.evaluator).toBe('fused WGSL step (webgpu)'); // identity, softmax and dense have WGSL forms
  });
});
