/**
 * Which tfjs backend the page runs on. By default the library's own policy (`'auto'`): WebGPU on a
 * hardware adapter, else wasm, else cpu. A software WebGPU adapter (SwiftShader, llvmpipe) is
 * passed over for wasm: measured in Chromium on SwiftShader, the Energy Transformer loaded in 17.9 s
 * there against 0.17 s on wasm. `?backend=webgpu` (or `wasm`, `cpu`) forces a backend, a software
 * adapter included.
 */
import { useBackend, type BackendChoice, type BackendReport, type BackendRuntime, type UseBackendOptions } from '@hamux-ts/browser';
import { HamuxError } from '@hamux-ts/core';

const CHOICES: readonly BackendChoice[] = ['auto', 'webgpu', 'wasm', 'cpu'];

/** The choice a URL's query asks for (`?backend=…`), default `'auto'`. */
export function backendChoice(search: string): BackendChoice {
  const asked = new URLSearchParams(search).get('backend');
  if (asked === null || asked === '') return 'auto';
  if (!(CHOICES as readonly string[]).includes(asked)) {
    throw new HamuxError(['?backend'], `expected one of ${CHOICES.join(', ')}, got ${JSON.stringify(asked)}`, 'unknown_name');
  }
  return asked as BackendChoice;
}

/**
 * Starts the chosen backend (with `use`, the library's `useBackend` unless a test hands in another)
 * and returns its runtime, which the page passes to every relaxation and trainer (`{ runtime }`);
 * its report lists every backend tried and why those that failed did.
 */
export function startBackend(
  choice: BackendChoice,
  wasmPaths: string,
  use: (choice: BackendChoice, options: UseBackendOptions) => Promise<BackendRuntime> = useBackend,
): Promise<BackendRuntime> {
  return use(choice, { wasmPaths });
}

/** What the page's badge says about the backend, and its tooltip (the backends passed over, and why). */
export function backendBadge(report: BackendReport, adapterName: (a: NonNullable<BackendReport['adapter']>) => string): { text: string; title: string } {
  const passedOver = report.tried.filter((t) => !t.ok);
  const software = passedOver.find((t) => t.name === 'webgpu' && t.adapter?.software);
  const text = `backend: ${report.chosen}${report.adapter ? ` on ${adapterName(report.adapter)}` : ''}${software ? ' (WebGPU here is software, slower)' : ''}`;
  const title = passedOver.length > 0 ? `not used: ${passedOver.map((t) => `${t.name} (${t.reason ?? '?'})`).join('; ')}` : 'the first backend tried';
  return { text, title };
}
