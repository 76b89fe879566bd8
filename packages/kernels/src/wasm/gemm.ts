import { checkGemmArgs, extentOf, jsSgemm, jsSoftmax, SMALL_GEMM, type Gemm, type Sgemm } from '../gemm.js';
import { GEMM_WASM_BASE64 } from './gemm-wasm.js';

/** What the compiled gemm.c exports, in both builds (single-threaded and shared-memory). */
export interface SgemmExports {
  __heap_base: WebAssembly.Global;
  workSize(): number;
  sgemm(
    tA: number, tB: number, M: number, N: number, K: number, alpha: number, A: number, lda: number,
    B: number, ldb: number, beta: number, C: number, ldc: number, work: number,
  ): void;
}

interface GemmExports extends SgemmExports {
  memory: WebAssembly.Memory;
}

export function decodeBase64(s: string): Uint8Array {
  const B = (globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } }).Buffer;
  if (B) return new Uint8Array(B.from(s, 'base64'));
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** True when this runtime validates a module with 128-bit SIMD instructions. */
export function wasmSimdSupported(): boolean {
  if (typeof WebAssembly === 'undefined') return false;
  try {
    return WebAssembly.validate(decodeBase64(GEMM_WASM_BASE64) as BufferSource);
  } catch {
    return false;
  }
}

/**
 * The WebAssembly SIMD kernel (wasm/gemm.c). Its operands are copied into the module's memory and
 * the result copied back: O(MK + KN + MN) against O(MNK) of arithmetic.
 */
export async function loadWasmGemm(): Promise<Gemm> {
  const { instance } = await WebAssembly.instantiate(decodeBase64(GEMM_WASM_BASE64) as BufferSource);
  const ex = instance.exports as unknown as GemmExports;
  const work = (((ex.__heap_base.value as number) + 15) & ~15) >>> 0;
  const base = work + ex.workSize() * 4;
  const reserve = heapReserver(ex.memory, base);

  const sgemm: Sgemm = (tA, tB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc, batch, sA, sB, sC) => {
    if (batch === 0 || M === 0 || N === 0) return;
    checkGemmArgs(tA, tB, M, N, K, A, aOff, lda, B, bOff, ldb, C, cOff, ldc, batch, sA, sB, sC);
    if (M * N * K <= SMALL_GEMM) return jsSgemm(tA, tB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc, batch, sA, sB, sC);
    const { a0, b0, c0, cSpan, heap } = stageOperands(reserve, base, tA, tB, M, N, K, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc, batch, sA, sB, sC);
    for (let t = 0; t < batch; t++) {
      ex.sgemm(+tA, +tB, M, N, K, alpha, (a0 + t * sA) * 4, lda, (b0 + t * sB) * 4, ldb, beta, (c0 + t * sC) * 4, ldc, work);
    }
    C.set(heap.subarray(c0, c0 + cSpan), cOff);
  };
  return { name: 'wasm', sgemm, softmax: jsSoftmax };
}

/** A view of `memory` grown, when needed, to hold `floats` floats past byte `base` (the view is new after growth). */
export function heapReserver(memory: WebAssembly.Memory, base: number): (floats: number) => Float32Array {
  let heap = new Float32Array(memory.buffer);
  return (floats) => {
    const need = base + floats * 4;
    const have = memory.buffer.byteLength;
    if (need > have) memory.grow(Math.ceil((need - have) / 65536));
    // a shared memory hands out a new buffer object on every read: compare sizes, not identities
    if (heap.buffer.byteLength !== memory.buffer.byteLength) heap = new Float32Array(memory.buffer);
    return heap;
  };
}

/** Where a product's operands were copied in the module's memory (float indices), and the heap view. */
export interface StagedOperands { readonly a0: number; readonly b0: number; readonly c0: number; readonly cSpan: number; readonly heap: Float32Array }

/**
 * Copies a product's operands past byte `base`, 16-byte aligned: A, B, and C when it is read
 * (beta ≠ 0) or its span has gaps, so that they come back unchanged when C is copied out.
 */
export function stageOperands(
  reserve: (floats: number) => Float32Array, base: number,
  tA: boolean, tB: boolean, M: number, N: number, K: number,
  A: Float32Array, aOff: number, lda: number, B: Float32Array, bOff: number, ldb: number,
  beta: number, C: Float32Array, cOff: number, ldc: number, batch: number, sA: number, sB: number, sC: number,
): StagedOperands {
  const align = (n: number) => (n + 3) & ~3; // 16-byte alignment, in floats
  const aSpan = (batch - 1) * sA + extentOf(tA ? K : M, tA ? M : K, lda);
  const bSpan = (batch - 1) * sB + extentOf(tB ? N : K, tB ? K : N, ldb);
  const cSpan = (batch - 1) * sC + extentOf(M, N, ldc);
  const a0 = base / 4, b0 = a0 + align(aSpan), c0 = b0 + align(bSpan);
  const heap = reserve(c0 - a0 + cSpan);
  heap.set(A.subarray(aOff, aOff + aSpan), a0);
  heap.set(B.subarray(bOff, bOff + bSpan), b0);
  if (beta !== 0 || ldc !== N || (batch > 1 && sC !== M * N)) heap.set(C.subarray(cOff, cOff + cSpan), c0);
  return { a0, b0, c0, cSpan, heap };
}
