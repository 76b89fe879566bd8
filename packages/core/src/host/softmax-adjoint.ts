// The softmax's adjoint pieces on host arrays, shared by the softmax Lagrangian (p = x̂) and the
// softmax memory (p = softmax(βh)): per row of D, p = softmax(β z).

/** `out = c (p ⊙ w − p (p · w))` on every row of D: the softmax Jacobian `c (diag p − p pᵀ)` times w (`out` may be `w`). */
export function softmaxJvpRows(p: Float32Array, w: Float32Array, out: Float32Array, count: number, D: number, c: number): void {
  for (let o = 0, end = count * D; o < end; o += D) {
    let pw = 0;
    for (let i = o; i < o + D; i++) pw += p[i]! * w[i]!;
    for (let i = o; i < o + D; i++) out[i] = c * p[i]! * (w[i]! - pw);
  }
}

/**
 * `Σ_rows [Σ p z w − (p · z)(p · w)]`: the contraction of w with `∂p/∂β = p ⊙ z − p (p · z)`, the
 * derivative of `p = softmax(β z)` by β, summed over every row of D.
 */
export function softmaxBetaVjpRows(p: Float32Array, z: Float32Array, w: Float32Array, count: number, D: number): number {
  let s = 0;
  for (let o = 0, end = count * D; o < end; o += D) {
    let pzw = 0, pz = 0, pw = 0;
    for (let i = o; i < o + D; i++) {
      pzw += p[i]! * z[i]! * w[i]!;
      pz += p[i]! * z[i]!;
      pw += p[i]! * w[i]!;
    }
    s += pzw - pz * pw;
  }
  return s;
}
