/**
 * What identifies the suite a report measured, so that shard reports can be checked to belong
 * together: a hash of the suite as it ran (its checked content, `--full` values merged in, and every
 * variant's config as read, wherever it came from) and the names of all its variants in order.
 * The suite file's path is not part of it: shards may name the same suite by different paths.
 */
import { createHash } from 'node:crypto';
import type { LoadedSuite } from './load-suite.js';

export interface SuiteIdentity {
  /** sha256 (hex) of the canonical JSON of the suite as it ran. */
  readonly hash: string;
  /** Every variant of the suite, in the suite's order (a shard or `--only` runs some of them). */
  readonly variants: readonly string[];
}

/** JSON with the keys of every object sorted, so that equal data gives equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

export function suiteIdentity(loaded: LoadedSuite): SuiteIdentity {
  const content = { suite: loaded.suite, full: loaded.full, configs: loaded.variants.map((v) => v.source) };
  return {
    hash: createHash('sha256').update(canonicalJson(content)).digest('hex'),
    variants: loaded.variants.map((v) => v.name),
  };
}
