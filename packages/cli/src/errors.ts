import { HamuxError, HamuxErrors, type ErrorPath, type HamuxErrorCode } from '@hamux-ts/core';

/**
 * A mistake in how the command was called (exit code 2): code `'usage'`, at the command
 * (`['run']` reads `run: unknown backend "metal" …`).
 */
export class UsageError extends HamuxError {
  override readonly name: string = 'UsageError';
  constructor(path: string | ErrorPath, message: string) {
    super(path, message, 'usage');
  }
}

/**
 * A bad input (exit code 1): a file that cannot be read or written (code `'io'`, the default), or
 * one whose bytes are malformed (`'invalid_file'`), or a name that does not exist (`'unknown_name'`).
 * Its path is the file when the message starts with it (`config.json: not valid JSON: …`), else empty.
 */
export class InputError extends HamuxError {
  override readonly name: string = 'InputError';
  constructor(path: string | ErrorPath, message: string, code: HamuxErrorCode = 'io') {
    super(path, message, code);
  }
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
