import type { GpuAdapterReport } from './types.js';

/**
 * The little of the WebGPU API that choosing an adapter needs, typed structurally so that neither
 * the DOM's WebGPU types nor Dawn's are required to compile this package.
 */
export interface GpuAdapterLike {
  readonly info?: Partial<Record<'vendor' | 'architecture' | 'device' | 'description', string>> & { isFallbackAdapter?: boolean };
  /** Where older browsers put the flag (before it moved to `info`). */
  readonly isFallbackAdapter?: boolean;
}

export interface GpuLike {
  requestAdapter(options?: Record<string, unknown>): Promise<GpuAdapterLike | null>;
}

/** The runtime's own `navigator.gpu` (a browser's, or one installed for Dawn), when there is one. */
export function navigatorGpu(): GpuLike | undefined {
  return (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
}

/** Names of software rasterisers, as drivers spell them in an adapter's description. */
const SOFTWARE = /llvmpipe|lavapipe|softpipe|swiftshader|software|basic render/i;

/** Describes an adapter; `software` also catches software drivers that do not call themselves fallbacks. */
export function describeAdapter(adapter: GpuAdapterLike, featureLevel: GpuAdapterReport['featureLevel']): GpuAdapterReport {
  const info = adapter.info ?? {};
  const text = (k: 'vendor' | 'architecture' | 'device' | 'description') => String(info[k] ?? '');
  const isFallbackAdapter = Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false);
  const [vendor, architecture, device, description] = [text('vendor'), text('architecture'), text('device'), text('description')];
  const software = isFallbackAdapter || SOFTWARE.test(`${vendor} ${architecture} ${device} ${description}`);
  return { vendor, architecture, device, description, isFallbackAdapter, software, featureLevel };
}

/** One line naming an adapter for messages: `llvmpipe (OpenGL ES 3.2 Mesa 22.3.6), software`. */
export function adapterName(a: GpuAdapterReport): string {
  const name = [a.vendor, a.architecture, a.device].filter((s) => s !== '').join(' ') || 'unnamed adapter';
  return `${name}${a.description ? ` (${a.description})` : ''}${a.software ? ', software' : ''}`;
}
