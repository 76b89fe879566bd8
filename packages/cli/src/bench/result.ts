/** The raw numbers of a bench run, as written to `<suite>-<backend>.json` (format `hamux-bench/1`). */
import type { Environment } from './environment.js';
import type { SuiteIdentity } from './identity.js';
import type { RelaxationTiming, WorkCount } from './measure.js';
import type { Corruption, Suite } from './suite-schema.js';

export const REPORT_FORMAT = 'hamux-bench/1';

/** One point of a completion quality curve. */
export interface CompletionPoint {
  readonly corruption: Corruption;
  /** Mean squared error per pixel of the restored digits (all pixels for noise, the hidden ones for masks). */
  readonly error: number;
  /** The same error of the corrupted input itself (for masks: the mean image on the hidden pixels). */
  readonly inputError: number;
  /** The same error after the T unrolled Euler steps the variant was trained through (its training readout). */
  readonly trainedStepsError: number;
  /** Median steps per sample, and samples converged, of this relaxation. */
  readonly steps: number;
  readonly converged: number;
  readonly samples: number;
}

/** One point of a capacity recall curve. */
export interface RecallPoint {
  readonly flip: number;
  /** Fraction of probes whose every sign was restored. */
  readonly accuracy: number;
  /** Mean overlap `ξ·sign(x̂)/N` of the result with the stored pattern. */
  readonly overlap: number;
  readonly probes: number;
}

export type Quality =
  | { readonly kind: 'completion'; readonly points: readonly CompletionPoint[] }
  | {
      readonly kind: 'capacity';
      /** Largest K with at least `threshold` of tested patterns stored; `capped` when every K up to maxK passed. `tried`: the fraction stored at each K tried. */
      readonly capacity: { readonly k: number; readonly capped: boolean; readonly tried: readonly { readonly k: number; readonly stored: number }[] };
      readonly recall: readonly RecallPoint[];
    }
  | {
      readonly kind: 'relaxation';
      /** Median final energy over samples, and median of the largest |∂E/∂x̂| at the end. */
      readonly finalEnergy: number;
      readonly finalGradNorm: number;
    };

/** How the variant's parameters were obtained before it was measured. */
export type Preparation =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'trained';
      readonly seconds: number;
      /** The backend it was trained on (the run's, unless it lacks a kernel training needs). */
      readonly backend: string;
      readonly note?: string;
      readonly epochs: number;
      /** Mean training loss of the first and the last epoch. */
      readonly lossFirst: number;
      readonly lossLast: number;
      /** Learnable parameters held at their initial values (the variant's `freeze`). */
      readonly frozen?: readonly string[];
    }
  | { readonly kind: 'stored'; readonly patterns: number; readonly param: string; readonly from?: string };

export interface LayerSummary {
  readonly name: string;
  readonly shape: readonly number[];
  readonly lagrangian: string;
  readonly tau: number;
}

export interface VariantResult {
  readonly name: string;
  readonly description?: string;
  readonly tags?: Readonly<Record<string, string | number>>;
  /** The config file as written in the suite, or `inline`. */
  readonly config: string;
  readonly layers: readonly LayerSummary[];
  readonly synapses: readonly { readonly name: string; readonly kind: string; readonly connects: readonly string[] }[];
  /** Descend options the scheduler ran with (besides params and clamps). */
  readonly scheduler: Readonly<Record<string, unknown>>;
  readonly params: number;
  readonly paramBytes: number;
  readonly preparation: Preparation;
  readonly work: WorkCount;
  readonly relaxation: RelaxationTiming;
  readonly quality: Quality;
  /** Wall time of the whole variant (preparation, measurement and quality), in seconds. */
  readonly seconds: number;
  /**
   * Completion: the first held-out digits at a few quality levels, for the report's pictures. Kept
   * in memory for the run that measured them and left out of the JSON (a merged report has none).
   */
  readonly pictures?: readonly CompletionPicture[];
}

/** One quality level's first held-out digits, `[n, 784]` each, pixels in [0, 1]. */
export interface CompletionPicture {
  /** The corruption, as the report's tables name it (`noise σ 0.4`). */
  readonly label: string;
  readonly input: Float32Array;
  readonly restored: Float32Array;
  readonly clean: Float32Array;
}

/** A variant whose measurement stopped: its dynamics diverged, or its training loss was not finite. */
export interface FailedVariant {
  readonly name: string;
  readonly config: string;
  readonly error: string;
  readonly seconds: number;
}

/** What a shard report records about its shard (`--shard index/count`, 0-based). */
export interface ShardInfo {
  readonly index: number;
  readonly count: number;
  /** The command that ran it. */
  readonly command: string;
}

/** One shard of a merged report, as it ran: where, when, how long and under what load. */
export interface ShardRecord extends ShardInfo {
  readonly date: string;
  readonly seconds: number;
  readonly environment: Environment;
  readonly loadAverageEnd: number;
}

export interface BenchReport {
  readonly format: typeof REPORT_FORMAT;
  /** The suite; `hash` and `variants` (its identity) are absent from reports written before sharding. */
  readonly suite: { readonly name: string; readonly title: string; readonly description?: string; readonly file: string } & Partial<SuiteIdentity>;
  /** A shard's report: which shard it is (its variants are `suite.variants` whose index is `index` mod `count`). */
  readonly shard?: ShardInfo;
  /**
   * A merged report: the shards it joins, by index. Its `date`, `environment` and `loadAverageEnd`
   * are shard 0's, its `seconds` the sum of the shards'; each shard's own are here.
   */
  readonly shards?: readonly ShardRecord[];
  readonly size: 'default' | 'full';
  readonly date: string;
  readonly seed: number;
  readonly environment: Environment;
  readonly protocol: { readonly task: Suite['task']; readonly protocol: Suite['protocol']; readonly text: string };
  readonly plots: Suite['plots'];
  readonly variants: readonly VariantResult[];
  /** Variants that diverged (reported, not measured). */
  readonly failed: readonly FailedVariant[];
  /** Load average (1 min) at the end of the run. */
  readonly loadAverageEnd: number;
  readonly seconds: number;
}
