import type { Gemm } from './gemm.js';
import { jsAxpy, rowRoutines, SMALL_ROWS } from './rows.js';

// Products with a held operand. In a descent with a clamped layer, or in training's unrolled steps
// with the input clamped, the clamped layer's activation is the same at every step, and so is every
// product of it with the weights. These two helpers compute such a product once instead of once per
// step. They decide by the operand's bits, never by a flag a caller could get wrong: an operand
// that changed in any bit is a new operand. Weights are compared by identity: tfjs never writes a
// tensor's data in place, so the same array holds the same values.

/**
 * `P = A·W` (A rows×k, W k×n, row-major), remembered: a call whose A holds the bits of the previous
 * call's and whose W is the same array returns the previous P without multiplying. The returned
 * array is the memo's own: read it, never write it.
 */
export class HeldProduct {
  #a = new Float32Array(0);
  #p = new Float32Array(0);
  #w: Float32Array | undefined;
  #shape = '';

  /** `A·W`, from the memo when A has the previous call's bits and W is the same array. */
  product(gemm: Gemm, rows: number, n: number, k: number, A: Float32Array, W: Float32Array): Float32Array {
    const size = rows * k, shape = `${rows},${n},${k},${gemm.name}`;
    if (this.#w === W && this.#shape === shape && rowRoutines(gemm).sameBits(A, 0, this.#a, 0, size)) return this.#p;
    if (this.#a.length < size) this.#a = new Float32Array(size);
    if (this.#p.length !== rows * n) this.#p = new Float32Array(rows * n);
    this.#a.set(A.subarray(0, size));
    gemm.sgemm(false, false, rows, n, k, 1, A, 0, k, W, 0, n, 0, this.#p, 0, n, 1, 0, 0, 0);
    this.#w = W;
    this.#shape = shape;
    return this.#p;
  }

  /** Forgets the remembered product (its memory stays for the next one). */
  clear(): void {
    this.#w = undefined;
  }
}

/**
 * `D += alpha · Aᵀ V` summed over calls (A rows×m, V rows×n, D m×n), deferred while A keeps its
 * bits: `Σ_t Aᵀ V_t = Aᵀ Σ_t V_t`, one product for a run of calls with the same A instead of one per
 * call. `flush()` adds what is pending to its D; a call with another A or another D flushes first.
 * The sum is the same up to float rounding (the order of additions differs).
 */
export class HeldOuterSum {
  #a = new Float32Array(0);
  #v = new Float32Array(0);
  #d: Float32Array | undefined;
  #gemm: Gemm | undefined;
  #rows = 0;
  #m = 0;
  #n = 0;
  #alpha = 0;

  /** Adds `alpha·Aᵀ·V` to D, deferred while A keeps its bits (summing the V instead). */
  add(gemm: Gemm, rows: number, m: number, n: number, alpha: number, A: Float32Array, V: Float32Array, D: Float32Array): void {
    const pending = this.#d !== undefined;
    const k = rowRoutines(gemm);
    if (pending && this.#d === D && this.#gemm === gemm && this.#rows === rows && this.#m === m && this.#n === n && this.#alpha === alpha && k.sameBits(A, 0, this.#a, 0, rows * m)) {
      (rows * n > SMALL_ROWS ? k.axpy : jsAxpy)(rows * n, 1, V, 0, this.#v, 0);
      return;
    }
    if (pending) this.flush();
    if (this.#a.length < rows * m) this.#a = new Float32Array(rows * m);
    if (this.#v.length < rows * n) this.#v = new Float32Array(rows * n);
    this.#a.set(A.subarray(0, rows * m));
    this.#v.set(V.subarray(0, rows * n));
    this.#d = D;
    this.#gemm = gemm;
    this.#rows = rows;
    this.#m = m;
    this.#n = n;
    this.#alpha = alpha;
  }

  /** Adds the pending sum to its D: `D += alpha · Aᵀ (Σ V)`. */
  flush(): void {
    const D = this.#d;
    if (!D) return;
    this.#d = undefined;
    this.#gemm!.sgemm(true, false, this.#m, this.#n, this.#rows, this.#alpha, this.#a, 0, this.#m, this.#v, 0, this.#n, 1, D, 0, this.#n, 1, 0, 0, 0);
  }
}
