import { HamuxError } from '@hamux-ts/core';
import { startCpu } from './cpu.js';
import type { BackendAttempt, BackendChoice, BackendReport } from './types.js';
import { startWasm } from './wasm.js';

const STARTERS: Record<Exclude<BackendChoice, 'auto'>, () => Promise<void>> = {
  webgpu: () => Promise.reject(new Error('WebGPU support is not built yet')),
  wasm: startWasm,
  cpu: startCpu,
};

/** The order `'auto'` tries backends in: fastest first. */
export const AUTO_ORDER = ['webgpu', 'wasm', 'cpu'] as const;

async function attempt(name: Exclude<BackendChoice, 'auto'>): Promise<BackendAttempt> {
  try {
    await STARTERS[name]();
    return { name, ok: true };
  } catch (e) {
    return { name, ok: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Makes a tfjs backend current for hamux-ts and reports what happened. `'auto'` tries WebGPU, then
 * wasm, then cpu, and keeps the first that starts; a named backend that cannot start is an error.
 * Call it before building graphs: tensors made earlier live on the previous backend.
 */
export async function useBackend(choice: BackendChoice = 'auto'): Promise<BackendReport> {
  if (choice !== 'auto' && !Object.hasOwn(STARTERS, choice)) {
    throw new HamuxError('backend', `expected 'auto', 'cpu', 'wasm' or 'webgpu', got ${JSON.stringify(choice)}`);
  }
  const names = choice === 'auto' ? AUTO_ORDER : [choice];
  const tried: BackendAttempt[] = [];
  for (const name of names) {
    const result = await attempt(name);
    tried.push(result);
    if (result.ok) return { chosen: name, tried };
  }
  const why = tried.map((t) => `${t.name}: ${t.reason ?? 'unknown'}`).join('; ');
  throw new HamuxError('backend', `could not start ${choice === 'auto' ? 'any backend' : `the ${choice} backend`} (${why})`);
}
