import type { SampleReport, StopReason } from '@hamux-ts/dynamics';

// The words for each reason a sample stopped, converged ones first, in the order they are printed.
const CONVERGED: readonly (readonly [StopReason, string])[] = [['gradient', 'by gradient'], ['energy', 'by energy']];
const NOT_CONVERGED: readonly (readonly [StopReason, string])[] = [['maxSteps', 'at maxSteps'], ['stepUnderflow', 'by step underflow'], ['cancelled', 'cancelled']];

/**
 * The stop reasons of a run, counted: `converged: 3 by gradient, 1 by energy; not converged: 0`.
 * A reason no sample stopped for is left out; a group with no sample reads `0`.
 */
export function stopReasons(reports: readonly Pick<SampleReport, 'reason'>[]): string {
  const count = (reason: StopReason) => reports.filter((r) => r.reason === reason).length;
  const group = (name: string, reasons: readonly (readonly [StopReason, string])[]) => {
    const parts = reasons.map(([reason, words]) => [count(reason), words] as const).filter(([n]) => n > 0);
    return `${name}: ${parts.length === 0 ? '0' : parts.map(([n, words]) => `${n} ${words}`).join(', ')}`;
  };
  return `${group('converged', CONVERGED)}; ${group('not converged', NOT_CONVERGED)}`;
}
