/**
 * The page's small test API, `window.hamuxPlayground`: what the end-to-end tests use to drive the
 * page beside clicking it, and to read what it shows as numbers. Plain data in and out.
 */
import type { BackendReport } from '@hamux-ts/browser';

export type RunStatus = 'idle' | 'running' | 'paused' | 'converged' | 'stepUnderflow' | 'maxSteps' | 'error';

export type Corruption = 'flip' | 'gaussian' | 'mask' | 'bottom' | 'restore';

export interface PlaygroundState {
  readonly model: string | undefined;
  readonly kind: string | undefined;
  readonly status: RunStatus;
  readonly step: number;
  /** Every energy curve shown (a new one starts when the energy function changes, e.g. β). */
  readonly curves: readonly { readonly label: string; readonly start: number; readonly values: readonly number[] }[];
  readonly gradNorm: number | undefined;
  readonly rejected: number | undefined;
  /** Pixels of the input marked unknown. */
  readonly hidden: number;
  readonly picked: { readonly source: string; readonly index: number };
  /** The tfjs backend in use now. */
  readonly tfBackend: string;
  readonly numTensors: number;
  readonly error: string | undefined;
}

export interface TrainSummary {
  readonly steps: number;
  /** The batch loss of every optimizer step. */
  readonly losses: readonly number[];
  /** The held-out loss before training and every 25 steps. */
  readonly heldOut: readonly { readonly step: number; readonly loss: number }[];
  /** The last held-out evaluation. */
  readonly last: { readonly loss: number; readonly accuracy: number } | undefined;
}

export interface PlaygroundApi {
  readonly backend: BackendReport;
  models(): { id: string; title: string }[];
  selectModel(id: string): Promise<void>;
  /** Resolves once every change asked so far (clicks included) has been made. */
  settled(): Promise<void>;
  pick(source: 'digits' | 'stored', index: number): Promise<void>;
  corrupt(kind: Corruption, amount?: number, seed?: number): Promise<void>;
  /** Runs from the current state until the relaxation stops; resolves with the state then. */
  run(): Promise<PlaygroundState>;
  state(): PlaygroundState;
  /** The picture before corruption (grey, [0, 1]) and the mask of unknown pixels, image order. */
  picture(): { original: number[]; hidden: number[] };
  /** The input layer's last activation read (sample 0). */
  inputActivation(): number[];
  /** Stored pattern k of the current memory (±1). */
  stored(k: number): number[];
  /** The label layer's activation, for a classifier. */
  labels(): number[] | undefined;
  /** Trains the in-page classifier for `steps` more optimizer steps. */
  train(steps: number): Promise<TrainSummary>;
  /** Where the in-page training stands. */
  training(): TrainSummary;
  graph(): { layers: string[]; synapses: string[] };
  /** Sets β (a scalar parameter `layers.X.beta` or `synapses.Y.beta`), as its slider does. */
  setBeta(path: string, value: number): void;
}

declare global {
  interface Window {
    hamuxPlayground?: PlaygroundApi;
  }
}
