import type { DescendOptions } from '@hamux-ts/dynamics';
import type { NamedConfig } from './build.js';
import type { AnyRegistry } from './registry.js';
import { parseConfig } from './validate.js';

/**
 * The `descend` options a config sets: its scheduler settings, and `clamp` for the layers marked
 * `"clamp": true`. `descendSync(ham, states, { ...descendOptionsFromConfig(config), onProgress })`.
 */
export function descendOptionsFromConfig<L extends string>(config: NamedConfig<L, string>, options?: { readonly registry?: AnyRegistry }): DescendOptions<L>;
export function descendOptionsFromConfig(config: unknown, options?: { readonly registry?: AnyRegistry }): DescendOptions<string>;
export function descendOptionsFromConfig(config: unknown, options: { readonly registry?: AnyRegistry } = {}): DescendOptions<string> {
  const parsed = parseConfig(config, options);
  const clamped = Object.entries(parsed.layers).filter(([, l]) => l.clamp).map(([n]) => [n, true] as const);
  // zod leaves absent keys absent, so no key of the scheduler settings holds `undefined`.
  const scheduler = (parsed.scheduler ?? {}) as DescendOptions<string>;
  return { ...scheduler, ...(clamped.length > 0 ? { clamp: Object.fromEntries(clamped) } : {}) };
}
