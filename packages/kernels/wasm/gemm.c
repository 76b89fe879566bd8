// Single-precision matrix product for WebAssembly SIMD (f32x4), the no-native fallback of
// @hamux-ts/kernels. Compiled by scripts/build-wasm.mjs (clang --target=wasm32 -msimd128) into
// src/wasm/gemm-wasm.ts, which is committed: regenerate it after editing this file.
//
//   C = alpha * op(A) * op(B) + beta * C,  row-major, op(X) = X or Xᵀ,  C is M×N, op(A) M×K, op(B) K×N.
//
// Goto-style blocking: a KC×NC block of op(B) and an MC×KC block of op(A) are packed into
// contiguous panels (zero-padded to whole tiles), and a 4×8 register tile does the arithmetic:
// 8 accumulators of 4 lanes, one splat of A and two vectors of B per step of k.
#include <wasm_simd128.h>

#define MR 4
#define NR 8
#define KC 256
#define MC 64
#define NC 1024

static inline float opA(const float *A, int lda, int transA, int i, int k) {
  return transA ? A[k * lda + i] : A[i * lda + k];
}
static inline float opB(const float *B, int ldb, int transB, int k, int j) {
  return transB ? B[j * ldb + k] : B[k * ldb + j];
}

// Packs rows [i0, i0+mc) and depth [p0, p0+kc) of op(A) into MR-row panels: pa[panel][k][MR].
static void packA(const float *A, int lda, int transA, int i0, int mc, int p0, int kc, float *pa) {
  for (int ip = 0; ip < mc; ip += MR) {
    int mr = mc - ip < MR ? mc - ip : MR;
    float *dst = pa + ip * kc;
    if (!transA && mr == MR) {
      const float *r0 = A + (i0 + ip) * lda + p0, *r1 = r0 + lda, *r2 = r1 + lda, *r3 = r2 + lda;
      for (int k = 0; k < kc; k++) {
        dst[k * MR + 0] = r0[k];
        dst[k * MR + 1] = r1[k];
        dst[k * MR + 2] = r2[k];
        dst[k * MR + 3] = r3[k];
      }
    } else if (transA && mr == MR) {
      for (int k = 0; k < kc; k++) {
        wasm_v128_store(dst + k * MR, wasm_v128_load(A + (p0 + k) * lda + i0 + ip));
      }
    } else {
      for (int k = 0; k < kc; k++)
        for (int r = 0; r < MR; r++) dst[k * MR + r] = r < mr ? opA(A, lda, transA, i0 + ip + r, p0 + k) : 0.0f;
    }
  }
}

// Packs depth [p0, p0+kc) and columns [j0, j0+nc) of op(B) into NR-column panels: pb[panel][k][NR].
static void packB(const float *B, int ldb, int transB, int p0, int kc, int j0, int nc, float *pb) {
  for (int jp = 0; jp < nc; jp += NR) {
    int nr = nc - jp < NR ? nc - jp : NR;
    float *dst = pb + jp * kc;
    if (!transB && nr == NR) {
      for (int k = 0; k < kc; k++) {
        const float *src = B + (p0 + k) * ldb + j0 + jp;
        wasm_v128_store(dst + k * NR, wasm_v128_load(src));
        wasm_v128_store(dst + k * NR + 4, wasm_v128_load(src + 4));
      }
    } else if (transB && nr == NR) {
      const float *c[NR];
      for (int r = 0; r < NR; r++) c[r] = B + (j0 + jp + r) * ldb + p0;
      for (int k = 0; k < kc; k++)
        for (int r = 0; r < NR; r++) dst[k * NR + r] = c[r][k];
    } else {
      for (int k = 0; k < kc; k++)
        for (int r = 0; r < NR; r++) dst[k * NR + r] = r < nr ? opB(B, ldb, transB, p0 + k, j0 + jp + r) : 0.0f;
    }
  }
}

// acc = pa(MR×kc) · pb(kc×NR); then C[mr×nr] = alpha*acc + (first ? beta*C : C).
static void kernel(int kc, const float *pa, const float *pb, float *C, int ldc, int mr, int nr, float alpha, float beta,
                   int first) {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int k = 0; k < kc; k++) {
    v128_t b0 = wasm_v128_load(pb), b1 = wasm_v128_load(pb + 4);
    v128_t a = wasm_v128_load(pa);
    v128_t a0 = wasm_i32x4_shuffle(a, a, 0, 0, 0, 0);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a0, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a0, b1));
    v128_t a1 = wasm_i32x4_shuffle(a, a, 1, 1, 1, 1);
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a1, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a1, b1));
    v128_t a2 = wasm_i32x4_shuffle(a, a, 2, 2, 2, 2);
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a2, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a2, b1));
    v128_t a3 = wasm_i32x4_shuffle(a, a, 3, 3, 3, 3);
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a3, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a3, b1));
    pa += MR;
    pb += NR;
  }
  v128_t va = wasm_f32x4_splat(alpha);
  if (mr == MR && nr == NR) {
    v128_t acc[8] = {c00, c01, c10, c11, c20, c21, c30, c31};
    for (int r = 0; r < MR; r++) {
      float *row = C + r * ldc;
      for (int h = 0; h < 2; h++) {
        v128_t v = wasm_f32x4_mul(va, acc[2 * r + h]);
        if (!first) v = wasm_f32x4_add(v, wasm_v128_load(row + 4 * h));
        else if (beta != 0.0f) v = wasm_f32x4_add(v, wasm_f32x4_mul(wasm_f32x4_splat(beta), wasm_v128_load(row + 4 * h)));
        wasm_v128_store(row + 4 * h, v);
      }
    }
    return;
  }
  float t[MR * NR];
  wasm_v128_store(t + 0, c00); wasm_v128_store(t + 4, c01);
  wasm_v128_store(t + 8, c10); wasm_v128_store(t + 12, c11);
  wasm_v128_store(t + 16, c20); wasm_v128_store(t + 20, c21);
  wasm_v128_store(t + 24, c30); wasm_v128_store(t + 28, c31);
  for (int r = 0; r < mr; r++)
    for (int c = 0; c < nr; c++) {
      float v = alpha * t[r * NR + c];
      float *dst = C + r * ldc + c;
      *dst = first ? (beta != 0.0f ? v + beta * *dst : v) : v + *dst;
    }
}

// Scratch needed by sgemm, in floats.
__attribute__((export_name("workSize"))) int workSize(void) { return (MC + MR) * KC + (NC + NR) * KC; }

__attribute__((export_name("sgemm"))) void sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A,
                                                 int lda, const float *B, int ldb, float beta, float *C, int ldc,
                                                 float *work) {
  float *pa = work, *pb = work + (MC + MR) * KC;
  if (K == 0) {
    for (int i = 0; i < M; i++)
      for (int j = 0; j < N; j++) C[i * ldc + j] = beta != 0.0f ? beta * C[i * ldc + j] : 0.0f;
    return;
  }
  for (int j0 = 0; j0 < N; j0 += NC) {
    int nc = N - j0 < NC ? N - j0 : NC;
    for (int p0 = 0; p0 < K; p0 += KC) {
      int kc = K - p0 < KC ? K - p0 : KC;
      packB(B, ldb, transB, p0, kc, j0, nc, pb);
      for (int i0 = 0; i0 < M; i0 += MC) {
        int mc = M - i0 < MC ? M - i0 : MC;
        packA(A, lda, transA, i0, mc, p0, kc, pa);
        for (int jp = 0; jp < nc; jp += NR) {
          int nr = nc - jp < NR ? nc - jp : NR;
          for (int ip = 0; ip < mc; ip += MR) {
            int mr = mc - ip < MR ? mc - ip : MR;
            kernel(kc, pa + ip * kc, pb + jp * kc, C + (i0 + ip) * ldc + j0 + jp, ldc, mr, nr, alpha, beta, p0 == 0);
          }
        }
      }
    }
  }
}
