function sameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new RangeError(`comparing ${a.length} values with ${b.length}`);
}

/**
 * The largest difference relative to the reference's scale: `max |a − b| / (1 + max |b|)`. Float32
 * results that agree to rounding give about 1e-7 at any magnitude; a wrong entry gives order 1.
 */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  sameLength(a, b);
  let worst = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return worst / (1 + scale);
}

/**
 * The largest difference relative to each reference entry: `max over i of |aᵢ − bᵢ| / (1 + |bᵢ|)`,
 * stricter than `relErr` on small entries. Infinity when `a` holds a NaN or an infinity.
 */
export function relErrPerEntry(a: ArrayLike<number>, b: ArrayLike<number>): number {
  sameLength(a, b);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) return Infinity;
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  }
  return Number.isNaN(worst) ? Infinity : worst;
}

/**
 * What `f` throws, checked to be an instance of `type`; anything else (no throw, another kind of
 * error) fails the test with what happened instead.
 */
export function thrownBy<T>(f: () => unknown, type: abstract new (...args: never[]) => T): T {
  try {
    f();
  } catch (e) {
    if (e instanceof type) return e;
    throw new Error(`expected a ${type.name} to be thrown, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  throw new Error(`expected a ${type.name} to be thrown, but nothing was`);
}
