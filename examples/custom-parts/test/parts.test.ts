import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend, type BackendRuntime } from '@hamux-ts/backends';
import { tf } from '@hamux-ts/core';
import { answers, softplus, sumModFour, trainSumModFour } from '../src/parts.js';

describe('user-defined parts', () => {
  let runtime: BackendRuntime;
  beforeAll(async () => { runtime = await useBackend('cpu'); });

  it('softplus: autodiff gives the sigmoid activation', () => {
    const ham = sumModFour(0);
    const x = tf.tensor2d([[-3, -0.5, 0.25, 4]]);
    const got = ham.activations({ a: tf.zeros([1, 4]), b: tf.zeros([1, 4]), answer: x }).answer.dataSync();
    const want = [-3, -0.5, 0.25, 4].map((v) => 1 / (1 + Math.exp(-2 * v)));
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 6));
    expect(softplus(2).kind).toBe('softplus');
  });

  it('the trilinear hyperedge is trained through the dynamics until every answer is right', async () => {
    const ham = sumModFour(0);
    const { trainer, reports } = await trainSumModFour(ham, 150, runtime);
    expect(reports.at(-1)!.loss).toBeLessThan(0.01 * reports[0]!.loss);
    const after = await answers(ham, runtime, trainer.params);
    expect(after.correct).toBe(16);
    for (const e of after.energies) for (let i = 1; i < e.length; i++) expect(e[i]).toBeLessThanOrEqual(e[i - 1]!);
    trainer.dispose();
    ham.dispose();
  }, 300_000); // 150 training steps through autodiff: ≈ 8 s alone, far longer beside other suites on 2 cores
});
