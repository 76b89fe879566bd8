/** A backend hamux-ts can run on; `'auto'` picks the fastest one that starts. */
export type BackendChoice = 'auto' | 'cpu' | 'wasm' | 'webgpu';

/** One backend `useBackend` tried, and why it did not start when it did not. */
export interface BackendAttempt {
  name: string;
  ok: boolean;
  reason?: string;
}

/** What `useBackend` chose, and every backend it tried on the way, in order. */
export interface BackendReport {
  chosen: string;
  tried: BackendAttempt[];
}
