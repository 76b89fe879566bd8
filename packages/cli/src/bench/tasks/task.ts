/** What a task is given for each variant, and what it gives back. */
import type { Config } from '@hamux-ts/config';
import type { HAM } from '@hamux-ts/core';
import type { DescendOptions, Runtime } from '@hamux-ts/dynamics';
import type { LoadedVariant } from '../load-suite.js';
import type { VariantResult } from '../result.js';

export interface VariantInput {
  readonly variant: LoadedVariant;
  /** Its index in the suite's `variants` (for error paths). */
  readonly index: number;
  /** The graph built from the variant's config (capacity: at K = load), the runner's to dispose. */
  readonly ham: HAM<string, string>;
  readonly config: Config;
  /** What descents and training run on (`useBackend`'s runtime; already in `options`). */
  readonly runtime: Runtime;
  /** The variant's scheduler options with the protocol's budget (see `schedulerOptions`), and the runtime. */
  readonly options: DescendOptions<string>;
  /** The variant's config with `"$K"` at `k` (capacity). */
  readonly configAt: (k: number) => Config;
  readonly log: (line: string) => void;
  /** The machine's 1-minute load average now. */
  readonly load: () => number;
}

export type TaskOutput = Pick<VariantResult, 'preparation' | 'work' | 'relaxation' | 'quality' | 'pictures'>;

export interface TaskRunner {
  /** The protocol in words, for the report. */
  readonly text: string;
  run(input: VariantInput): Promise<TaskOutput>;
  /** Frees what the task holds across variants (data tensors). */
  dispose(): void;
}
