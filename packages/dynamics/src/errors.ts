import { HamuxError } from '@hamux-ts/core';

/**
 * The dynamics blew up: a state or the energy became NaN or infinite, or (fixed steps) the energy
 * rose. Its code is `'diverged'`; its path is `['layers', layer]` when one layer can be named.
 */
export class DivergenceError extends HamuxError {
  /** `'DivergenceError'`. */
  override readonly name: string = 'DivergenceError';
  /** The sample (batch index) that diverged. */
  readonly sample: number;
  /** The step at which it was seen. */
  readonly step: number;
  /** The layer where it happened, when one can be named. */
  readonly layer: string | undefined;

  constructor(message: string, where: { sample: number; step: number; layer?: string | undefined }) {
    super(where.layer ? ['layers', where.layer] : [], message, 'diverged');
    this.sample = where.sample;
    this.step = where.step;
    this.layer = where.layer;
  }
}
