/**
 * Python source text from data. Everything a config or a graph supplies (names, numbers) reaches
 * the generated file only through these, as literals: a name is a string literal, never code.
 */

/** A finite number as a Python literal that reads back to the same float64 (`1e-05`, `0.5`, `3`). */
export function pyNum(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`not a finite number: ${n}`); // internal invariant: configs and weights are checked finite before export
  // JSON's shortest round-trip form is valid Python: `1e-05`, `2.5e+30`, `-0.1`.
  return Object.is(n, -0) ? '-0.0' : JSON.stringify(n);
}

/** A float literal even for whole numbers (`2.0`), for constants that must be floats in Python. */
export function pyFloat(n: number): string {
  const s = pyNum(n);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

/** A string as a Python literal: JSON's escapes (`\n`, `\"`, `\\`, `\uXXXX`) mean the same in Python. */
export function pyStr(s: string): string {
  return JSON.stringify(s);
}

/** A tuple of integers: `(3, 4)`, `(5,)`, `()`. */
export function pyTuple(values: readonly number[]): string {
  return values.length === 1 ? `(${pyNum(values[0]!)},)` : `(${values.map(pyNum).join(', ')})`;
}

/** A Python boolean. */
export function pyBool(b: boolean): string {
  return b ? 'True' : 'False';
}

/** Indents every non-empty line by `depth` levels of four spaces. */
export function indent(lines: readonly string[], depth = 1): string[] {
  const pad = '    '.repeat(depth);
  return lines.map((l) => (l === '' ? l : `${pad}${l}`));
}

/** A `# comment` line with any text in it (a name with a newline stays on one line). */
export function pyComment(text: string): string {
  return `# ${text.replace(/[\r\n\u2028\u2029]/g, ' ')}`;
}
