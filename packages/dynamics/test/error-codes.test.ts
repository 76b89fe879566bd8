// Errors as data: what descend, descendSync and Relaxation throw carries a stable code and its path
// as keys (issue 14, item 6), the message kept for people.
import { describe, expect, it } from 'vitest';
import { HamuxError, HamuxErrors, hypergraph, lagrangians as L, synapses as Y, tf } from '@hamux-ts/core';
import { DivergenceError, Relaxation, descendSync } from '@hamux-ts/dynamics';
import { disposeStates } from './support.js';

/** E = ½‖x‖² − b·x on one layer of 3. */
const biased = () =>
  hypergraph()
    .layer('x', { shape: [3], lagrangian: L.identity() })
    .synapse('bias', Y.bias(), ['x'])
    .build({ seed: 0, params: { synapses: { bias: { b: tf.tensor1d([0.5, -1, 2]) } } } });

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

/** Each problem of an error as `[code, path]`. */
const problems = (e: unknown) => {
  expect(e).toBeInstanceOf(HamuxError);
  const all = e instanceof HamuxErrors ? e.errors : [e as HamuxError];
  return all.map((x) => [x.code, x.path]);
};

describe('descend errors are data', () => {
  it('an unknown layer in clamp, a bad mask and bad options, all at once', () => {
    const ham = biased();
    const init = { x: tf.zeros([2, 3]) };
    const unknown = thrown(() => descendSync(ham, init, { clamp: { nope: true } as never }));
    expect(unknown).toBeInstanceOf(HamuxErrors);
    expect(problems(unknown)).toEqual([['unknown_name', ['options', 'clamp', 'nope']]]);
    expect((unknown as Error).message).toBe('options.clamp.nope: unknown layer (layers are "x")');

    const mask = tf.ones([4]);
    expect(problems(thrown(() => descendSync(ham, init, { clamp: { x: mask } })))).toEqual([['shape_mismatch', ['options', 'clamp', 'x']]]);
    mask.dispose();
    expect(problems(thrown(() => descendSync(ham, init, { clamp: { x: mask } })))).toEqual([['disposed', ['options', 'clamp', 'x']]]);

    const options = thrown(() => descendSync(ham, init, { dt: -1, multirate: { ratio: 0.5 }, tolerance: { grad: -1 }, mode: 'slow' as never }));
    expect(problems(options)).toEqual([
      ['invalid_argument', ['options', 'mode']],
      ['invalid_argument', ['options', 'dt']],
      ['invalid_argument', ['options', 'multirate', 'ratio']],
      ['invalid_argument', ['options', 'tolerance', 'grad']],
    ]);
    expect((options as HamuxErrors).errors[2]!.message).toBe('options.multirate.ratio: expected a number > 1, got 0.5');
    expect(problems(thrown(() => descendSync(ham, init, { tau: { y: 1 } as never })))).toEqual([['unknown_name', ['options', 'tau', 'y']]]);
    disposeStates(init);
    ham.dispose();
  });

  it('states of the wrong shape or not finite', () => {
    const ham = biased();
    const wrong = { x: tf.zeros([2, 4]) };
    expect(problems(thrown(() => descendSync(ham, wrong)))).toEqual([['shape_mismatch', ['initial states', 'x']]]);
    const nan = { x: tf.tensor2d([[0, NaN, 0]]) };
    expect(problems(thrown(() => descendSync(ham, nan)))).toEqual([['not_finite', ['initial states', 'x']]]);
    disposeStates(wrong, nan);
    ham.dispose();
  });

  it('divergence is code "diverged", at the layer when one can be named', () => {
    const ham = biased();
    const init = { x: tf.tensor2d([[5, 5, 5]]) };
    const rose = thrown(() => descendSync(ham, init, { mode: 'fixed', dt: 2.5 }));
    expect(rose).toBeInstanceOf(DivergenceError);
    expect([(rose as DivergenceError).code, (rose as DivergenceError).path]).toEqual(['diverged', []]);
    const blew = thrown(() => descendSync(ham, init, { mode: 'fixed', dt: 1e30 }));
    expect(blew).toBeInstanceOf(DivergenceError);
    expect([(blew as DivergenceError).code, (blew as DivergenceError).path]).toEqual(['diverged', ['layers', 'x']]);
    disposeStates(init);
    ham.dispose();
  });

  it('a relaxation used after dispose', () => {
    const ham = biased();
    const init = { x: tf.zeros([1, 3]) };
    const relax = new Relaxation(ham, init, { dt: 0.1 });
    relax.dispose();
    expect(problems(thrown(() => relax.advance(1)))).toEqual([['disposed', ['relaxation']]]);
    disposeStates(init);
    ham.dispose();
  });
});
