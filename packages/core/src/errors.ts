/**
 * What kind of problem an error is: stable across versions, for programs to act on (the message is
 * for people and may change).
 */
export type HamuxErrorCode =
  /** An option or argument of the wrong type or outside its range. */
  | 'invalid_argument'
  /** A layer, synapse, parameter, kind, backend or command that does not exist. */
  | 'unknown_name'
  /** Shapes that do not fit together, or a tensor of the wrong shape. */
  | 'shape_mismatch'
  /** NaN or ±∞ where a finite number is needed. */
  | 'not_finite'
  /** The dynamics blew up: a state or the energy became non-finite, or (fixed steps) the energy rose. */
  | 'diverged'
  /** A config, suite or weights file whose content is invalid. */
  | 'invalid_config'
  /** A file whose bytes are malformed (safetensors headers, JSON syntax, image data). */
  | 'invalid_file'
  /** A file that cannot be read or written (missing, a device, too large, an input as output). */
  | 'io'
  /** Not available here: a backend, a platform feature, an operation on this kind of component. */
  | 'unsupported'
  /** Used after `dispose()`. */
  | 'disposed'
  /** How a command was called (the CLI's usage errors). */
  | 'usage'
  /** Several problems at once (`HamuxErrors`); each has its own code. */
  | 'multiple';

/** A location: keys and indices from the root, as in zod's issues (`['layers', 'hidden', 'beta']`). */
export type ErrorPath = readonly (string | number)[];

/** `layers.hidden`, `variants[1].config` → its keys and indices. */
export function parsePath(text: string): ErrorPath {
  if (text === '') return [];
  const out: (string | number)[] = [];
  for (const part of text.match(/[^.[\]]+|\[\d+\]/g) ?? []) out.push(/^\[\d+\]$/.test(part) ? Number(part.slice(1, -1)) : part);
  return out;
}

/** The path written as people read it: `layers.hidden`, `variants[1].config`. */
export function formatPath(path: ErrorPath): string {
  return path.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s === '' ? k : `${s}.${k}`), '');
}

/**
 * The error every hamux-ts check throws: it names where the problem is (a layer, a synapse, a config
 * path) and what was expected, so the user never has to read a stack trace from inside tfjs. Its
 * `code` says what kind of problem it is and its `path` where, as data.
 */
export class HamuxError extends Error {
  override readonly name: string = 'HamuxError';
  readonly code: HamuxErrorCode;
  /** Where the problem is, as keys and indices: `['layers', 'hidden']`. */
  readonly path: ErrorPath;
  /** The same path as text: `layers.hidden` (empty when the problem is not at one place). */
  readonly where: string;

  constructor(path: string | ErrorPath, message: string, code: HamuxErrorCode = 'invalid_argument') {
    const where = typeof path === 'string' ? path : formatPath(path);
    super(where ? `${where}: ${message}` : message);
    this.path = typeof path === 'string' ? parsePath(path) : [...path];
    this.where = where;
    this.code = code;
  }

  /** The message without its leading `where: `. */
  get detail(): string {
    return this.where ? this.message.slice(this.where.length + 2) : this.message;
  }
}

/** Several problems found at once (for example while validating a whole graph). */
export class HamuxErrors extends HamuxError {
  override readonly name: string = 'HamuxErrors';
  readonly errors: readonly HamuxError[];

  constructor(errors: readonly HamuxError[]) {
    super(
      '',
      errors.length === 1
        ? errors[0]!.message
        : `${errors.length} problems:\n${errors.map((e) => `  - ${e.message}`).join('\n')}`,
      errors.length === 1 ? errors[0]!.code : 'multiple',
    );
    this.errors = errors;
  }
}
