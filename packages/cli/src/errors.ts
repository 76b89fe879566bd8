import { HamuxError, HamuxErrors } from '@hamux-ts/core';

/** A mistake in how the command was called (exit code 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A bad input file, config or value (exit code 1). */
export class InputError extends Error {
  override readonly name = 'InputError';
}

export const EXIT_OK = 0;
export const EXIT_INPUT = 1;
export const EXIT_USAGE = 2;

/** The lines an error is reported as: each problem of a `HamuxErrors` on its own line. */
export function errorLines(e: unknown): string[] {
  if (e instanceof HamuxErrors) return e.errors.flatMap((x) => errorLines(x));
  if (e instanceof Error) return e.message.split('\n');
  return [String(e)];
}

/** The exit code an error maps to. */
export function exitCodeOf(e: unknown): number {
  if (e instanceof UsageError) return EXIT_USAGE;
  if (e instanceof InputError || e instanceof HamuxError) return EXIT_INPUT;
  // Anything else thrown while reading inputs (tfjs shape errors and the like) is still about the input.
  return EXIT_INPUT;
}
