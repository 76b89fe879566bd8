import { describe, expect, it } from 'vitest';
import type { StopReason } from '@hamux-ts/dynamics';
import { stopReasons } from '../src/stop-reasons.js';

const of = (...reasons: StopReason[]) => reasons.map((reason) => ({ reason }));

describe('stopReasons', () => {
  it('counts each reason, converged ones first, and leaves out reasons no sample had', () => {
    expect(stopReasons(of('gradient', 'energy', 'gradient', 'gradient'))).toBe('converged: 3 by gradient, 1 by energy; not converged: 0');
    expect(stopReasons(of('maxSteps', 'maxSteps', 'maxSteps', 'gradient'))).toBe('converged: 1 by gradient; not converged: 3 at maxSteps');
    expect(stopReasons(of('cancelled', 'stepUnderflow', 'maxSteps', 'energy', 'stepUnderflow')))
      .toBe('converged: 1 by energy; not converged: 1 at maxSteps, 2 by step underflow, 1 cancelled');
    expect(stopReasons([])).toBe('converged: 0; not converged: 0');
  });
});
