/**
 * Which tfjs backend the page runs on. By default it prefers WebGPU, any adapter the browser hands
 * out (a software one too: the page's work is small, and seeing WebGPU run is the point), then wasm,
 * then cpu. `?backend=wasm` (or `webgpu`, `cpu`, `auto`) forces a choice; `auto` is the library's
 * policy, which passes a software adapter over for wasm.
 */
import { useBackend, type BackendAttempt, type BackendReport } from '@hamux-ts/browser';
import { HamuxError } from '@hamux-ts/core';

export type PageBackendChoice = 'prefer-webgpu' | 'auto' | 'webgpu' | 'wasm' | 'cpu';

const CHOICES: readonly PageBackendChoice[] = ['prefer-webgpu', 'auto', 'webgpu', 'wasm', 'cpu'];

/** The choice a URL's query asks for (`?backend=…`), default `'prefer-webgpu'`. */
export function backendChoice(search: string): PageBackendChoice {
  const asked = new URLSearchParams(search).get('backend');
  if (asked === null || asked === '') return 'prefer-webgpu';
  if (!(CHOICES as readonly string[]).includes(asked)) {
    throw new HamuxError(['?backend'], `expected one of ${CHOICES.join(', ')}, got ${JSON.stringify(asked)}`, 'unknown_name');
  }
  return asked as PageBackendChoice;
}

/** Starts the chosen backend; the report lists every backend tried and why those that failed did. */
export async function startBackend(choice: PageBackendChoice, wasmPaths: string): Promise<BackendReport> {
  if (choice !== 'prefer-webgpu') return useBackend(choice, { wasmPaths });
  const tried: BackendAttempt[] = [];
  for (const name of ['webgpu', 'wasm', 'cpu'] as const) {
    try {
      const report = await useBackend(name, { wasmPaths });
      return { ...report, tried: [...tried, ...report.tried] };
    } catch (e) {
      tried.push({ name, ok: false, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  throw new HamuxError(['backend'], `no backend started (${tried.map((t) => `${t.name}: ${t.reason ?? '?'}`).join('; ')})`, 'unsupported');
}
