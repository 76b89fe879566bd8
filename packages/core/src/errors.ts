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
  /** More memory than the limit allows (a graph's parameters and states, estimated before allocating); the limit can be raised. */
  | 'too_large'
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
  /** `'HamuxError'`. */
  override readonly name: string = 'HamuxError';
  /** What kind of problem it is, for programs to match on. */
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
  /** `'HamuxErrors'`. */
  override readonly name: string = 'HamuxErrors';
  /** Every problem found, each at its own path. */
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

/**
 * The candidate nearest to a misspelt `name`, for "did you mean" hints: the same name in another
 * case (`Softmax` → `softmax`), else the one fewest edits away (insertions, deletions, substitutions,
 * swaps of neighbours; `hiden` → `hidden`), if it is close enough for its length. Undefined when none is.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  if (name.length > 64) return undefined; // a hostile name costs nothing
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (c === name || c.length > 64) continue;
    const limit = Math.min(3, Math.floor(Math.max(name.length, c.length) / 3)); // one edit per three letters
    const d = c.toLowerCase() === lower ? 0 : editDistance(lower, c.toLowerCase(), limit);
    if (d <= limit && d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** ` (did you mean "softmax"?)` for a near miss, else `''`; `show` writes the candidate (default: quoted). */
export function didYouMean(name: string, candidates: Iterable<string>, show: (c: string) => string = (c) => `"${c}"`): string {
  const near = closestName(name, candidates);
  return near === undefined ? '' : ` (did you mean ${show(near)}?)`;
}

/** Optimal string alignment distance, or `limit + 1` as soon as it must exceed `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2]! + 1);
      row.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > limit) return limit + 1;
    before = previous;
    previous = row;
  }
  return previous[b.length]!;
}
