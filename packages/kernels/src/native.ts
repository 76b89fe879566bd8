import { checkGemmArgs, jsSgemm, SMALL_GEMM, type Axpy, type CopyBlocks, type DenseRows, type DotRows, type Gemm, type LayernormRows, type ReluSquaredRows, type RowKernels, type SameBits, type TanhRows, type Sgemm, type SoftmaxRows } from './gemm.js';

interface BlasAddon extends Required<RowKernels> {
  sgemm: Sgemm;
  softmax: SoftmaxRows;
  threads(n?: number): number;
  config(): string;
}

/** The OpenBLAS addon once loaded: its sgemm, thread count and build description. */
export interface NativeGemm extends Gemm {
  readonly name: 'native';
  readonly layernormRows: LayernormRows;
  readonly reluSquaredRows: ReluSquaredRows;
  readonly tanhRows: TanhRows;
  readonly copyBlocks: CopyBlocks;
  readonly dotRows: DotRows;
  readonly denseRows: DenseRows;
  readonly axpy: Axpy;
  readonly sameBits: SameBits;
  /** OpenBLAS threads; with an argument, sets them first. */
  threads(n?: number): number;
  /** OpenBLAS's build description. */
  readonly config: string;
}

/**
 * Loads native/build/hamux_blas.node, built at install time by scripts/build-native.mjs. Resolves
 * to the reason when it cannot (not under Node, not built, does not load).
 */
export async function loadNativeGemm(): Promise<NativeGemm | string> {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (typeof proc?.versions?.node !== 'string') return 'not running under Node';
  try {
    const { createRequire } = await import('node:module');
    const { existsSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    // src/ and dist/ are both one level below the package root.
    const path = fileURLToPath(new URL('../native/build/hamux_blas.node', import.meta.url));
    if (!existsSync(path)) {
      return `the addon was not built (${path} is missing: needs a C compiler and OpenBLAS at install time; run node scripts/build-native.mjs in @hamux-ts/kernels)`;
    }
    const addon = createRequire(import.meta.url)(path) as BlasAddon;
    const missing = (['softmax', 'layernormRows', 'tanhRows', 'reluSquaredRows', 'copyBlocks', 'dotRows', 'denseRows', 'axpy', 'sameBits'] as const).filter((f) => typeof addon[f] !== 'function');
    if (missing.length > 0) return `the addon is out of date (no ${missing.join(', ')}): rebuild it with node scripts/build-native.mjs`;
    const big = addon.sgemm;
    // Tiny products cost less in JS than the 20-argument call into the addon.
    const sgemm: Sgemm = (tA, tB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc, batch, sA, sB, sC) => {
      if (M * N * K > SMALL_GEMM) return big(tA, tB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc, batch, sA, sB, sC);
      checkGemmArgs(tA, tB, M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, batch, sA, sB, sC);
      jsSgemm(tA, tB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc, batch, sA, sB, sC);
    };
    return {
      name: 'native', sgemm, softmax: addon.softmax,
      layernormRows: addon.layernormRows, tanhRows: addon.tanhRows, reluSquaredRows: addon.reluSquaredRows, copyBlocks: addon.copyBlocks,
      dotRows: addon.dotRows, denseRows: addon.denseRows, axpy: addon.axpy, sameBits: addon.sameBits,
      threads: (n?: number) => (n === undefined ? addon.threads() : addon.threads(n)), config: addon.config() };
  } catch (e) {
    return `the addon does not load: ${e instanceof Error ? e.message : String(e)}`;
  }
}
