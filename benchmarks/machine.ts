import { cpus, totalmem } from 'node:os';
import { tf } from '@hamux-ts/core';

/** One line naming the machine, Node and the tfjs backend, printed with every benchmark table. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown cpu';
  return `${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; tfjs ${tf.version_core} backend ${tf.getBackend()}`;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median and spread (min–max) of `runs` timings of `f`, after `warmup` untimed calls. */
export function time<T>(f: () => T, runs: number, warmup = 1): { median: number; min: number; max: number; last: T } {
  let last!: T;
  for (let i = 0; i < warmup; i++) last = f();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = f();
    ms.push(performance.now() - t0);
  }
  return { median: median(ms), min: Math.min(...ms), max: Math.max(...ms), last };
}
