import { HamuxError, type ErrorPath } from '@hamux-ts/core';

/**
 * Non-finite values found where finite ones are needed: weights and states read from files are
 * refused when they hold NaN or ±∞ (a graph evaluated on them reports NaN energies as if they were
 * results), and so are a command's outputs unless allowed. The first bad entry is named by its index.
 */

/** Where the first NaN or ±∞ of `data` is (a row-major index into `shape`), its value, and how many there are. */
export interface NonFinite {
  /** Where the first one is, as an index per axis. */
  readonly index: readonly number[];
  /** Its value: NaN, ∞ or −∞. */
  readonly value: number;
  /** How many entries are not finite. */
  readonly count: number;
}

/** The first NaN or ±∞ of `data`, laid out row-major in `shape`, or undefined when every entry is finite. */
export function findNonFinite(data: ArrayLike<number>, shape: readonly number[]): NonFinite | undefined {
  let first = -1;
  let count = 0;
  for (let i = 0; i < data.length; i++) {
    if (Number.isFinite(data[i]!)) continue;
    if (first < 0) first = i;
    count++;
  }
  if (first < 0) return undefined;
  const index = new Array<number>(shape.length).fill(0);
  for (let k = shape.length - 1, rest = first; k >= 0; k--) {
    index[k] = rest % shape[k]!;
    rest = Math.floor(rest / shape[k]!);
  }
  return { index, value: data[first]!, count };
}

/** A non-finite value in words: `NaN`, `Infinity in float32`, `-Infinity in float32`. */
export function nonFiniteValue(value: number): string {
  return Number.isNaN(value) ? 'NaN' : `${value > 0 ? '' : '-'}Infinity in float32`;
}

/** `entry [0, 3] is NaN (1 of 5 non-finite entries)`; a scalar reads `is NaN`. */
export function describeNonFinite({ index, value, count }: NonFinite): string {
  const where = index.length === 0 ? 'is' : `entry [${index.join(', ')}] is`;
  const more = count > 1 ? ` (the first of ${count} non-finite entries)` : '';
  return `${where} ${nonFiniteValue(value)}${more}`;
}

/**
 * One `not_finite` error for each tensor holding NaN or ±∞, at `[...prefix, name]`:
 * `states.hidden: entry [0, 3] is NaN; the states must be finite`.
 */
export function nonFiniteProblems(
  tensors: Readonly<Record<string, { readonly shape: readonly number[]; readonly data: ArrayLike<number> }>>,
  prefix: ErrorPath,
  what: string,
): HamuxError[] {
  return Object.entries(tensors).flatMap(([name, t]) => {
    const found = findNonFinite(t.data, t.shape);
    return found ? [new HamuxError([...prefix, name], `${describeNonFinite(found)}; ${what} must be finite`, 'not_finite')] : [];
  });
}
