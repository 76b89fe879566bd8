/**
 * Shards of a suite (`hamux bench SUITE --shard I/N`): shard I of N runs the variants whose index
 * in the suite is I modulo N. Shards are numbered from 0, as Slurm's `SLURM_ARRAY_TASK_ID` (with
 * `--array=0-N-1`) and Kubernetes' `JOB_COMPLETION_INDEX` are, so either can be passed as it is.
 */
import { UsageError } from '../errors.js';

export interface Shard {
  /** 0-based: 0 ≤ index < count. */
  readonly index: number;
  readonly count: number;
}

/** `I/N` as people read it: `1/3`. */
export const shardLabel = (s: Shard): string => `${s.index}/${s.count}`;

/** The 0-based index of the shard (of `count`) that runs the suite's variant at `variantIndex`. */
export const shardOf = (variantIndex: number, count: number): number => variantIndex % count;

/** Whether the suite's variant at `variantIndex` belongs to shard `s`. */
export const inShard = (variantIndex: number, s: Shard): boolean => shardOf(variantIndex, s.count) === s.index;

/**
 * Reads `--shard I/N` for a suite of `variants` variants: I and N whole numbers, 0 ≤ I < N ≤ variants.
 * Every mistake is a usage error naming the flag, the value and what was expected.
 */
export function parseShard(text: string, variants: number): Shard {
  const expected = 'expected I/N with 0 ≤ I < N: shards are numbered from 0, as SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX are';
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError(['bench'], `--shard "${text}": ${expected}`);
  const index = Number(m[1]), count = Number(m[2]);
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1) throw new UsageError(['bench'], `--shard "${text}": ${expected}, and N ≥ 1`);
  if (index >= count) {
    const hint = index === count ? ` (the last of ${count} shards is ${count - 1}/${count})` : '';
    throw new UsageError(['bench'], `--shard "${text}": ${expected}${hint}`);
  }
  if (count > variants) {
    throw new UsageError(['bench'], `--shard "${text}": the suite has ${variants} variant${variants === 1 ? '' : 's'}, so ${count} shards would leave ${count - variants} with nothing to run; use at most ${variants} shards`);
  }
  return { index, count };
}
