import { describe, expect, it } from 'vitest';
import { adapterName, describeAdapter } from '../src/gpu-adapter.js';

describe('describeAdapter', () => {
  it("calls Mesa's llvmpipe software even though it is no fallback adapter", () => {
    const a = describeAdapter({ info: { vendor: '', architecture: '', device: 'llvmpipe-llvm-15', description: 'OpenGL ES 3.2 Mesa 22.3.6', isFallbackAdapter: false } }, 'compatibility');
    expect(a).toEqual({ vendor: '', architecture: '', device: 'llvmpipe-llvm-15', description: 'OpenGL ES 3.2 Mesa 22.3.6', isFallbackAdapter: false, software: true, featureLevel: 'compatibility' });
    expect(adapterName(a)).toBe('llvmpipe-llvm-15 (OpenGL ES 3.2 Mesa 22.3.6), software');
  });

  it('a fallback adapter is software whatever its name (SwiftShader in Chromium, for one)', () => {
    expect(describeAdapter({ info: { vendor: 'google', description: 'x' }, isFallbackAdapter: true }, 'core').software).toBe(true);
    expect(describeAdapter({ info: { vendor: 'google', architecture: 'swiftshader' } }, 'core').software).toBe(true);
  });

  it('a hardware GPU is not software; missing fields read as empty', () => {
    const a = describeAdapter({ info: { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H100' } }, 'core');
    expect(a).toEqual({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H100', description: '', isFallbackAdapter: false, software: false, featureLevel: 'core' });
    expect(adapterName(a)).toBe('nvidia hopper NVIDIA H100');
    expect(adapterName(describeAdapter({}, 'core'))).toBe('unnamed adapter');
  });

  it('calls fallback adapters and software drivers software, and hardware not (as browsers describe them)', () => {
    const swiftshader = describeAdapter({ info: { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true } }, 'core');
    expect(swiftshader).toEqual({
      vendor: 'google',
      architecture: 'swiftshader',
      device: '',
      description: '',
      isFallbackAdapter: true,
      software: true,
      featureLevel: 'core',
    });
    expect(adapterName(swiftshader)).toBe('google swiftshader, software');
    // Not calling itself a fallback, but named like a software rasteriser.
    expect(describeAdapter({ info: { vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' } }, 'core').software).toBe(true);
    // The pre-`info` place of the flag.
    expect(describeAdapter({ isFallbackAdapter: true }, 'core').software).toBe(true);
    const nvidia = describeAdapter({ info: { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100' } }, 'core');
    expect(nvidia.software).toBe(false);
    expect(adapterName(nvidia)).toBe('nvidia hopper (NVIDIA H100)');
  });
});
