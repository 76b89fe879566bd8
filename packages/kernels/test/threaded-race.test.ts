import { describe, expect, it } from 'vitest';
import { jsGemm } from '../src/index.js';
import { wasmSimdSupported } from '../src/wasm/gemm.js';
import { loadThreadedWasmGemm } from '../src/wasm/threaded.js';
import { uniformValues } from '@hamux-ts/test-support';

// The two-thread protocol under stress: products just large enough to be split between the threads,
// back to back, with shapes that change from one to the next (so that a worker re-running a stale
// job writes where the next product's operands now lie), a re-notify interval of 1 µs, and one more
// wake-up of the finished worker after every product (the late re-notify that caused wrong results,
// made certain instead of rare). Each result is checked against the plain-JS product of the same operands.
describe('two-thread wasm gemm, stressed', () => {
  it('gives the right product every time over thousands of small products back to back', async () => {
    if (!wasmSimdSupported()) return;
    const g = await loadThreadedWasmGemm({ renotifyMs: 0.001, wakeIdleWorker: true });
    if (typeof g === 'string') return; // one core, or not Node: the protocol is not in use
    try {
      // [M, N, K, batch]: split by batch entries, by columns, by rows; all above the 2²¹ threshold.
      const shapes: Array<[number, number, number, number]> = [[64, 128, 272, 1], [96, 40, 560, 1], [12, 12, 8000, 1], [32, 64, 256, 4]];
      const problems = shapes.map(([M, N, K, batch], i) => {
        const A = uniformValues(M * K * batch, 3 + i), B = uniformValues(K * N * batch, 17 + i);
        const C0 = uniformValues(M * N * batch, 29 + i);
        const want = Float32Array.from(C0);
        jsGemm.sgemm(false, i % 2 === 1, M, N, K, 1, A, 0, K, B, 0, i % 2 === 1 ? K : N, 0.5, want, 0, N, batch, M * K, K * N, M * N);
        return { M, N, K, batch, A, B, C0, want, tB: i % 2 === 1 };
      });
      let wrong = 0;
      const rounds = 3000;
      for (let r = 0; r < rounds; r++) {
        const p = problems[(r * 7 + (r >> 3)) % problems.length]!;
        const C = Float32Array.from(p.C0);
        g.sgemm(false, p.tB, p.M, p.N, p.K, 1, p.A, 0, p.K, p.B, 0, p.tB ? p.K : p.N, 0.5, C, 0, p.N, p.batch, p.M * p.K, p.K * p.N, p.M * p.N);
        let worst = 0;
        for (let i = 0; i < C.length; i++) worst = Math.max(worst, Math.abs(C[i]! - p.want[i]!));
        if (!(worst < 1e-3)) wrong++;
      }
      expect(wrong, `${wrong} of ${rounds} products were wrong`).toBe(0);
    } finally {
      await g.close();
    }
  }, 120_000);
});
