import type { Init, ParamSpec } from '../params.js';
import { HamuxError } from '../errors.js';
import type { Shape } from '../shape.js';

/** A learnable parameter with the user's initialiser if given, else the default. */
export function learnableParam(shape: Shape, init: Init | undefined, fallback: Init): ParamSpec {
  return { shape, init: init ?? fallback, learnable: true };
}

/** Checks an option is a positive integer, at construction time. */
export function positiveInteger(kind: string, name: string, value: unknown): number {
  if (!(typeof value === 'number' && Number.isInteger(value) && value > 0)) {
    throw new HamuxError([kind, name], `must be a positive integer, got ${JSON.stringify(value)}`, 'invalid_argument');
  }
  return value;
}
