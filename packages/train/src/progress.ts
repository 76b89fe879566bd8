import type { EpochReport, TrainProgress } from './trainer.js';

/** Anything with `write(string)`: `process.stderr`, a file stream, or an array-backed stub in tests. */
export interface TextSink {
  /** Writes a piece of text. */
  write(chunk: string): unknown;
  /** When true, the bar is redrawn in place with `\r`; otherwise only epoch summaries are written. */
  readonly isTTY?: boolean;
}

/** Options of `progressBar`. */
export interface ProgressBarOptions {
  /** Characters of the bar itself. Default 24. */
  readonly width?: number;
  /** Redraw at most this often, in milliseconds (default 100); the last batch is always drawn. */
  readonly interval?: number;
}

const fmt = (x: number): string => (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : x.toFixed(4));

/** One line of the bar: `epoch 2/5 [########--------] 120/600 loss 0.4321 312 ex/s`. */
export function formatProgress(p: TrainProgress, width = 24): string {
  const filled = Math.round((width * p.batch) / p.batches);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
  return `epoch ${p.epoch}/${p.epochs} [${bar}] ${p.batch}/${p.batches} loss ${fmt(p.meanLoss)} ${Math.round(p.examplesPerSecond)} ex/s`;
}

/** An epoch summary: `epoch 2/5 loss 0.4123 | val loss 0.3900 acc 91.20% | 12.3 s, 310 ex/s`. */
export function formatEpoch(r: EpochReport, epochs?: number): string {
  const v = r.validation;
  const val = v ? ` | val loss ${fmt(v.loss)}${v.accuracy === undefined ? '' : ` acc ${(100 * v.accuracy).toFixed(2)}%`}` : '';
  return `epoch ${r.epoch}${epochs === undefined ? '' : `/${epochs}`} loss ${fmt(r.loss)}${val} | ${r.seconds.toFixed(1)} s, ${Math.round(r.examplesPerSecond)} ex/s`;
}

/**
 * A text progress bar for `fit`, written to a stream (never the console):
 * `await trainer.fit(data, { epochs: 5, ...progressBar(process.stderr) })`.
 */
export function progressBar(sink: TextSink, options: ProgressBarOptions = {}): {
  /** Redraws the bar (in place on a TTY). */
  onProgress: (p: TrainProgress) => void;
  /** Writes the epoch's summary line. */
  onEpochEnd: (r: EpochReport) => void;
} {
  const width = options.width ?? 24;
  const interval = options.interval ?? 100;
  let last = -Infinity;
  let epochs: number | undefined;
  let drawn = false;
  return {
    onProgress: (p) => {
      epochs = p.epochs;
      if (!sink.isTTY) return;
      const t = typeof performance !== 'undefined' ? performance.now() : Date.now();
      if (p.batch !== p.batches && t - last < interval) return;
      last = t;
      sink.write(`\r${formatProgress(p, width)}\u001b[K`);
      drawn = true;
    },
    onEpochEnd: (r) => {
      sink.write(`${drawn ? '\r' : ''}${formatEpoch(r, epochs)}${drawn ? '\u001b[K' : ''}\n`);
      drawn = false;
    },
  };
}
