/** Central finite difference of a scalar function of one number, in float64: `(f(v + h) − f(v − h)) / 2h`. */
export function centralDiff(f: (v: number) => number, v: number, h = 1e-5): number {
  return (f(v + h) - f(v - h)) / (2 * h);
}

/**
 * Float64 central differences of `f` with respect to every entry of every named input:
 * `(f(x + h eᵢ) − f(x − h eᵢ)) / 2h`.
 */
export function centralDifferences(
  f: (x: Record<string, number[]>) => number,
  x: Readonly<Record<string, readonly number[]>>,
  h = 1e-6,
): Record<string, number[]> {
  const copy = (): Record<string, number[]> => Object.fromEntries(Object.entries(x).map(([k, v]) => [k, [...v]]));
  const out: Record<string, number[]> = {};
  for (const [name, values] of Object.entries(x)) {
    out[name] = values.map((_, i) => {
      const plus = copy(), minus = copy();
      plus[name]![i]! += h;
      minus[name]![i]! -= h;
      return (f(plus) - f(minus)) / (2 * h);
    });
  }
  return out;
}
