/** Tick positions for plot axes. */

/**
 * Round tick values inside [lo, hi]: multiples of the smallest step 1, 2 or 5 × 10^k that cuts the
 * range into at most `count` intervals.
 */
export function niceTicks(lo: number, hi: number, count = 6): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi)) || hi < lo) return [];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw * (1 - 1e-12)) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Powers of ten within [lo, hi] (both > 0), thinned to at most `max` of them; 2× and 5× too over short ranges. */
export function logTicks(lo: number, hi: number, max = 8): number[] {
  if (!(lo > 0 && hi >= lo && Number.isFinite(hi))) return [];
  const a = Math.ceil(Math.log10(lo) - 1e-9);
  const b = Math.floor(Math.log10(hi) + 1e-9);
  const every = Math.max(1, Math.ceil((b - a + 1) / max));
  const ticks: number[] = [];
  // Two decades or fewer: 2 and 5 times each power of ten as well.
  const mantissas = b - a < 2 ? [1, 2, 5] : [1];
  for (let k = mantissas.length > 1 ? a - 1 : a; k <= b; k += every) {
    for (const m of mantissas) {
      const v = Number((m * 10 ** k).toPrecision(12));
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) ticks.push(v);
    }
  }
  return ticks;
}

/** A short label for a tick value: plain for ordinary sizes, exponent notation for very large or small ones. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) {
    const e = Math.floor(Math.log10(a));
    const m = Number((v / 10 ** e).toPrecision(3));
    return m === 1 ? `1e${e}` : `${m}e${e}`;
  }
  return String(Number(v.toPrecision(6)));
}
