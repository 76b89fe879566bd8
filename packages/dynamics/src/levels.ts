/**
 * Rate levels for multi-rate integration. Layers are sorted by time constant and cut wherever τ
 * grows by at least `ratio` over the smallest τ of the current level; level 0 is the slowest.
 */
export function rateLevels<L extends string>(taus: ReadonlyMap<L, number>, ratio: number): L[][] {
  const sorted = [...taus].sort((a, b) => a[1] - b[1]);
  const levels: L[][] = [];
  let base = Number.NaN;
  for (const [name, tau] of sorted) {
    if (levels.length === 0 || tau >= base * ratio) {
      levels.push([]);
      base = tau;
    }
    levels[levels.length - 1]!.push(name);
  }
  return levels.reverse();
}

/**
 * The order in which levels step: before each step of level k, the faster levels relax for
 * `inner` steps each, recursively: for two levels `[1, 1, 1, 0]`, for three
 * `[2, 2, 2, 1, 2, 2, 2, 1, 2, 2, 2, 1, 0]`.
 */
export function levelSchedule(numLevels: number, inner: number): number[] {
  const relax = (k: number): number[] =>
    k >= numLevels ? [] : Array.from({ length: inner }, () => [...relax(k + 1), k]).flat();
  return [...relax(1), 0];
}
