// N-API addon: OpenBLAS cblas_sgemm on Float32Arrays, for @hamux-ts/kernels. Built at install time
// by scripts/build-native.mjs when a C compiler, Node's headers and OpenBLAS are present; the
// package falls back to WebAssembly when this file was not built.
//
// sgemm(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc, batch, sA, sB, sC)
//   for t in [0, batch): C_t = alpha * op(A_t) op(B_t) + beta * C_t, row-major, X_t = X + xOff + t * sX
//   (a stride of 0 broadcasts one matrix over the batch). Every extent is checked against the arrays.
#include <cblas.h>
#include <node_api.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

int openblas_get_num_threads(void);
void openblas_set_num_threads(int);
char *openblas_get_config(void);

// Multiply-adds below which one product runs on one OpenBLAS thread.
#define SMALL_THREADED (1 << 20)

#define CHECK(call)                                                                       \
  do {                                                                                    \
    if ((call) != napi_ok) {                                                              \
      napi_throw_error(env, NULL, "hamux blas: N-API call failed: " #call);               \
      return NULL;                                                                        \
    }                                                                                     \
  } while (0)

static int floats(napi_env env, napi_value v, float **data, size_t *length) {
  napi_typedarray_type type;
  void *ptr;
  napi_value buf;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, &ptr, &buf, &offset) != napi_ok || type != napi_float32_array)
    return 0;
  *data = (float *)ptr;
  return 1;
}

// Last index touched in a rows×cols row-major view with leading dimension ld, plus one.
static int64_t extent(int64_t rows, int64_t cols, int64_t ld) { return rows == 0 || cols == 0 ? 0 : (rows - 1) * ld + cols; }

static int fits(int64_t off, int64_t stride, int64_t batch, int64_t ext, size_t length) {
  if (ext == 0) return off >= 0;
  return off >= 0 && stride >= 0 && off + (batch - 1) * stride + ext <= (int64_t)length;
}

static napi_value Sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 20;
  napi_value argv[20];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 20) {
    napi_throw_type_error(env, NULL, "hamux blas: sgemm takes 20 arguments");
    return NULL;
  }
  bool tA, tB;
  int32_t M, N, K, aOff, lda, bOff, ldb, cOff, ldc, batch, sA, sB, sC;
  double alpha, beta;
  float *A, *B, *C;
  size_t la, lb, lc;
  CHECK(napi_get_value_bool(env, argv[0], &tA));
  CHECK(napi_get_value_bool(env, argv[1], &tB));
  CHECK(napi_get_value_int32(env, argv[2], &M));
  CHECK(napi_get_value_int32(env, argv[3], &N));
  CHECK(napi_get_value_int32(env, argv[4], &K));
  CHECK(napi_get_value_double(env, argv[5], &alpha));
  CHECK(napi_get_value_int32(env, argv[7], &aOff));
  CHECK(napi_get_value_int32(env, argv[8], &lda));
  CHECK(napi_get_value_int32(env, argv[10], &bOff));
  CHECK(napi_get_value_int32(env, argv[11], &ldb));
  CHECK(napi_get_value_double(env, argv[12], &beta));
  CHECK(napi_get_value_int32(env, argv[14], &cOff));
  CHECK(napi_get_value_int32(env, argv[15], &ldc));
  CHECK(napi_get_value_int32(env, argv[16], &batch));
  CHECK(napi_get_value_int32(env, argv[17], &sA));
  CHECK(napi_get_value_int32(env, argv[18], &sB));
  CHECK(napi_get_value_int32(env, argv[19], &sC));
  if (!floats(env, argv[6], &A, &la) || !floats(env, argv[9], &B, &lb) || !floats(env, argv[13], &C, &lc)) {
    napi_throw_type_error(env, NULL, "hamux blas: A, B and C must be Float32Arrays");
    return NULL;
  }
  if (M < 0 || N < 0 || K < 0 || batch < 0) {
    napi_throw_range_error(env, NULL, "hamux blas: negative size");
    return NULL;
  }
  // Leading dimensions as BLAS requires them (at least the row length, and at least 1).
  int64_t aRows = tA ? K : M, aCols = tA ? M : K, bRows = tB ? N : K, bCols = tB ? K : N;
  if (lda < (aCols > 1 ? aCols : 1) || ldb < (bCols > 1 ? bCols : 1) || ldc < (N > 1 ? N : 1) ||
      !fits(aOff, sA, batch, extent(aRows, aCols, lda), la) || !fits(bOff, sB, batch, extent(bRows, bCols, ldb), lb) ||
      !fits(cOff, sC, batch, extent(M, N, ldc), lc)) {
    napi_throw_range_error(env, NULL, "hamux blas: a matrix does not fit in its array");
    return NULL;
  }
  if (batch > 1 && sC == 0 && M > 0 && N > 0) {
    napi_throw_range_error(env, NULL, "hamux blas: the output stride must not be 0 in a batch");
    return NULL;
  }
  // Small products on one thread: waking OpenBLAS's other threads costs more than they save, and far
  // more when other processes hold the cores (its threads spin, then yield).
  int threads = openblas_get_num_threads();
  int single = threads > 1 && (int64_t)M * N * K < SMALL_THREADED;
  if (single) openblas_set_num_threads(1);
  for (int32_t t = 0; t < batch; t++) {
    cblas_sgemm(CblasRowMajor, tA ? CblasTrans : CblasNoTrans, tB ? CblasTrans : CblasNoTrans, M, N, K, (float)alpha,
                A + aOff + (int64_t)t * sA, lda, B + bOff + (int64_t)t * sB, ldb, (float)beta, C + cOff + (int64_t)t * sC,
                ldc);
  }
  if (single) openblas_set_num_threads(threads);
  return NULL;
}

// softmax(H, off, rows, cols, beta, lse, lseOff, period): each row r of H (cols wide, from off)
// becomes softmax(beta * row) in place, and lse[lseOff + r] = log Σ exp(beta * row). With period > 0
// the entry (r mod period) of each row is left out (set to 0): the Energy Transformer's B ≠ C.
static napi_value Softmax(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 8) {
    napi_throw_type_error(env, NULL, "hamux blas: softmax takes 8 arguments");
    return NULL;
  }
  float *H;
  size_t lh, ll;
  int32_t off, rows, cols, lseOff, period;
  double beta;
  void *lp;
  napi_typedarray_type type;
  napi_value buf;
  size_t boff;
  if (!floats(env, argv[0], &H, &lh)) {
    napi_throw_type_error(env, NULL, "hamux blas: H must be a Float32Array");
    return NULL;
  }
  if (napi_get_typedarray_info(env, argv[5], &type, &ll, &lp, &buf, &boff) != napi_ok || type != napi_float64_array) {
    napi_throw_type_error(env, NULL, "hamux blas: lse must be a Float64Array");
    return NULL;
  }
  CHECK(napi_get_value_int32(env, argv[1], &off));
  CHECK(napi_get_value_int32(env, argv[2], &rows));
  CHECK(napi_get_value_int32(env, argv[3], &cols));
  CHECK(napi_get_value_double(env, argv[4], &beta));
  CHECK(napi_get_value_int32(env, argv[6], &lseOff));
  CHECK(napi_get_value_int32(env, argv[7], &period));
  if (off < 0 || rows < 0 || cols < 1 || lseOff < 0 || period < 0 || (int64_t)off + (int64_t)rows * cols > (int64_t)lh ||
      (int64_t)lseOff + rows > (int64_t)ll) {
    napi_throw_range_error(env, NULL, "hamux blas: softmax rows do not fit in their arrays");
    return NULL;
  }
  double *lse = (double *)lp;
  float b = (float)beta;
  for (int32_t r = 0; r < rows; r++) {
    float *h = H + off + (int64_t)r * cols;
    int32_t skip = period > 0 ? r % period : -1;
    float m = -3.402823466e38f;
    for (int32_t k = 0; k < cols; k++) {
      float v = b * h[k];
      if (k != skip && v > m) m = v;
    }
    float z = 0.0f;
    for (int32_t k = 0; k < cols; k++) {
      float e = expf(b * h[k] - m);
      h[k] = e;
      z += e;
    }
    if (skip >= 0) {
      z -= h[skip];
      h[skip] = 0.0f;
    }
    float inv = 1.0f / z;
    for (int32_t k = 0; k < cols; k++) h[k] *= inv;
    lse[lseOff + r] = (double)m + log((double)z);
  }
  return NULL;
}

// ---------------------------------------------------------------------------------------------
// Elementwise row routines of the lean step (src/step): the loops around the products, which in
// JavaScript cost as much as the products themselves on mid-sized graphs. Sums are accumulated in
// double, as the JavaScript versions do. Each takes its arguments in a fixed order; every array is
// type-checked and every offset and length checked against it before anything is read or written.

// Reads argv[i] as a Float32Array (or Float64Array); throws a TypeError naming it otherwise.
static int f32arg(napi_env env, napi_value v, const char *fn, const char *name, float **data, size_t *length) {
  if (floats(env, v, data, length)) return 1;
  char msg[160];
  snprintf(msg, sizeof msg, "hamux blas: %s: %s must be a Float32Array", fn, name);
  napi_throw_type_error(env, NULL, msg);
  return 0;
}

static int f64arg(napi_env env, napi_value v, const char *fn, const char *name, double **data, size_t *length) {
  napi_typedarray_type type;
  void *ptr;
  napi_value buf;
  size_t offset;
  if (napi_get_typedarray_info(env, v, &type, length, &ptr, &buf, &offset) == napi_ok && type == napi_float64_array) {
    *data = (double *)ptr;
    return 1;
  }
  char msg[160];
  snprintf(msg, sizeof msg, "hamux blas: %s: %s must be a Float64Array", fn, name);
  napi_throw_type_error(env, NULL, msg);
  return 0;
}

// Reads argv[i] as an int32 / a number; throws a TypeError naming it otherwise.
static int intarg(napi_env env, napi_value v, const char *fn, const char *name, int32_t *out) {
  if (napi_get_value_int32(env, v, out) == napi_ok) return 1;
  char msg[160];
  snprintf(msg, sizeof msg, "hamux blas: %s: %s must be a number", fn, name);
  napi_throw_type_error(env, NULL, msg);
  return 0;
}

static int numarg(napi_env env, napi_value v, const char *fn, const char *name, double *out) {
  if (napi_get_value_double(env, v, out) == napi_ok) return 1;
  char msg[160];
  snprintf(msg, sizeof msg, "hamux blas: %s: %s must be a number", fn, name);
  napi_throw_type_error(env, NULL, msg);
  return 0;
}

static int argcount(napi_env env, napi_callback_info info, size_t want, napi_value *argv, const char *fn) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) {
    napi_throw_error(env, NULL, "hamux blas: N-API call failed: napi_get_cb_info");
    return 0;
  }
  if (argc != want) {
    char msg[160];
    snprintf(msg, sizeof msg, "hamux blas: %s takes %d arguments, got %d", fn, (int)want, (int)argc);
    napi_throw_type_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

static napi_value range(napi_env env, const char *fn, const char *what) {
  char msg[200];
  snprintf(msg, sizeof msg, "hamux blas: %s: %s", fn, what);
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

// Rows [off, off + rows·cols) of a rows×cols block fit in an array of this length.
static int rowsfit(int32_t off, int32_t rows, int32_t cols, size_t length) {
  return off >= 0 && rows >= 0 && cols >= 0 && (int64_t)off + (int64_t)rows * cols <= (int64_t)length;
}

// Group g of `group` consecutive rows adds into out[outOff + g]: rows must be a multiple of group.
static int groupsfit(int32_t rows, int32_t group, int32_t outOff, size_t length) {
  return group >= 1 && rows % group == 0 && outOff >= 0 && (int64_t)outOff + rows / group <= (int64_t)length;
}

// layernormRows(x, xhat, off, rows, D, gamma, delta, eps, L, lOff, group): per row of D from off,
// x̂ = γ (x − x̄)/sd + δ with sd = sqrt(mean((x − x̄)²) + ε), and its Lagrangian D γ sd + Σ δ x; the
// Lagrangians of each `group` consecutive rows are summed into L[lOff + g] (written, not added).
static napi_value LayernormRows(napi_env env, napi_callback_info info) {
  const char *fn = "layernormRows";
  napi_value argv[11];
  if (!argcount(env, info, 11, argv, fn)) return NULL;
  float *x, *xhat, *delta;
  double *L, gamma, eps;
  size_t lx, lxh, ld, lL;
  int32_t off, rows, D, lOff, group;
  if (!f32arg(env, argv[0], fn, "x", &x, &lx) || !f32arg(env, argv[1], fn, "xhat", &xhat, &lxh) ||
      !intarg(env, argv[2], fn, "off", &off) || !intarg(env, argv[3], fn, "rows", &rows) || !intarg(env, argv[4], fn, "D", &D) ||
      !numarg(env, argv[5], fn, "gamma", &gamma) || !f32arg(env, argv[6], fn, "delta", &delta, &ld) ||
      !numarg(env, argv[7], fn, "eps", &eps) || !f64arg(env, argv[8], fn, "L", &L, &lL) ||
      !intarg(env, argv[9], fn, "lOff", &lOff) || !intarg(env, argv[10], fn, "group", &group))
    return NULL;
  if (D < 1 || !rowsfit(off, rows, D, lx) || !rowsfit(off, rows, D, lxh)) return range(env, fn, "the rows do not fit in x and xhat");
  if ((int64_t)ld < D) return range(env, fn, "delta is shorter than a row");
  if (!groupsfit(rows, group, lOff, lL)) return range(env, fn, "the row groups do not fit in L (rows must be a multiple of group)");
  double acc = 0;
  for (int32_t r = 0; r < rows; r++) {
    const float *xr = x + off + (int64_t)r * D;
    float *yr = xhat + off + (int64_t)r * D;
    // x̄ = x₀ + mean(x − x₀): exactly x₀ on a row of equal entries, however the division rounds
    // (-ffast-math may turn it into a product by 1/D)
    const double x0 = xr[0];
    double mean = 0, v = 0, shift = 0;
    for (int32_t i = 0; i < D; i++) mean += xr[i] - x0;
    mean = x0 + mean / D;
    for (int32_t i = 0; i < D; i++) {
      double c = xr[i] - mean;
      v += c * c;
      shift += (double)delta[i] * xr[i];
    }
    double sd = sqrt(v / D + eps);
    // sd = 0 only on a row of equal entries with ε = 0: x − x̄ = 0 there, and x̂ = δ. x − x̄ stays in
    // double: x̄ rounded to float is off by up to half an ulp of x, the whole spread of a nearly constant row
    const double scale = sd > 0 ? gamma / sd : 0;
    for (int32_t i = 0; i < D; i++) yr[i] = (float)(scale * (xr[i] - mean) + delta[i]);
    acc += D * gamma * sd + shift;
    if ((r + 1) % group == 0) {
      L[lOff + r / group] = acc;
      acc = 0;
    }
  }
  return NULL;
}

// reluSquaredRows(H, off, rows, cols, E, eOff, group): each row of H (cols wide, from off) becomes
// max(H, 0) in place, and E[eOff + g] += −½ Σ max(H, 0)² over the `group` consecutive rows of group g.
static napi_value ReluSquaredRows(napi_env env, napi_callback_info info) {
  const char *fn = "reluSquaredRows";
  napi_value argv[7];
  if (!argcount(env, info, 7, argv, fn)) return NULL;
  float *H;
  double *E;
  size_t lh, le;
  int32_t off, rows, cols, eOff, group;
  if (!f32arg(env, argv[0], fn, "H", &H, &lh) || !intarg(env, argv[1], fn, "off", &off) ||
      !intarg(env, argv[2], fn, "rows", &rows) || !intarg(env, argv[3], fn, "cols", &cols) ||
      !f64arg(env, argv[4], fn, "E", &E, &le) || !intarg(env, argv[5], fn, "eOff", &eOff) || !intarg(env, argv[6], fn, "group", &group))
    return NULL;
  if (!rowsfit(off, rows, cols, lh)) return range(env, fn, "the rows do not fit in H");
  if (!groupsfit(rows, group, eOff, le)) return range(env, fn, "the row groups do not fit in E (rows must be a multiple of group)");
  double acc = 0;
  for (int32_t r = 0; r < rows; r++) {
    float *h = H + off + (int64_t)r * cols;
    double e = 0;
    for (int32_t k = 0; k < cols; k++) {
      float v = h[k] > 0 ? h[k] : 0.0f;
      h[k] = v;
      e += (double)v * v;
    }
    acc += e;
    if ((r + 1) % group == 0) {
      E[eOff + r / group] -= 0.5 * acc;
      acc = 0;
    }
  }
  return NULL;
}

// tanhRows(x, xhat, off, rows, cols, beta, L, lOff, group): the tanh Lagrangian per entry, z = βx,
// in float32 from m = expm1(−2|z|) = e − 1: x̂ = tanh z = sign(z) · (−m)/(2 + m), and
// log cosh z = −½ log1p(−tanh²z) below |z| = ½, |z| + log1p(e) − log 2 above (each form exact where
// the other cancels). Branch-free, so that gcc vectorises expm1f and log1pf with glibc's libmvec.
// The log coshes of each `group` consecutive rows, over β, are written to L[lOff + g]. The twin of
// jsTanhRows (src/rows.ts).
static napi_value TanhRows(napi_env env, napi_callback_info info) {
  const char *fn = "tanhRows";
  napi_value argv[9];
  if (!argcount(env, info, 9, argv, fn)) return NULL;
  float *x, *xhat;
  double *L, beta;
  size_t lx, lxh, lL;
  int32_t off, rows, cols, lOff, group;
  if (!f32arg(env, argv[0], fn, "x", &x, &lx) || !f32arg(env, argv[1], fn, "xhat", &xhat, &lxh) ||
      !intarg(env, argv[2], fn, "off", &off) || !intarg(env, argv[3], fn, "rows", &rows) || !intarg(env, argv[4], fn, "cols", &cols) ||
      !numarg(env, argv[5], fn, "beta", &beta) || !f64arg(env, argv[6], fn, "L", &L, &lL) ||
      !intarg(env, argv[7], fn, "lOff", &lOff) || !intarg(env, argv[8], fn, "group", &group))
    return NULL;
  if (!rowsfit(off, rows, cols, lx) || !rowsfit(off, rows, cols, lxh)) return range(env, fn, "the rows do not fit in x and xhat");
  if (!groupsfit(rows, group, lOff, lL)) return range(env, fn, "the row groups do not fit in L (rows must be a multiple of group)");
  const float b = (float)beta;
  double acc = 0;
  for (int32_t r = 0; r < rows; r++) {
    const float *xr = x + off + (int64_t)r * cols;
    float *yr = xhat + off + (int64_t)r * cols;
    float s = 0;
    for (int32_t i = 0; i < cols; i++) {
      const float z = b * xr[i], a = fabsf(z);
      const float m = expm1f(-2 * a);
      const float t = -m / (2 + m);
      const int small = a < 0.5f;
      const float l = log1pf(small ? -t * t : 1 + m);
      s += small ? -0.5f * l : a + l - 0.693147180559945309f;
      yr[i] = z < 0 ? -t : t;
    }
    acc += s;
    if ((r + 1) % group == 0) {
      L[lOff + r / group] = acc / beta;
      acc = 0;
    }
  }
  return NULL;
}

// copyBlocks(src, sOff, sLd, dst, dOff, dLd, rows, cols, batch, sStride, dStride): for t < batch,
// the rows×cols block at src[sOff + t·sStride] (leading dimension sLd) is copied to
// dst[dOff + t·dStride] (leading dimension dLd). The spans read and written must not overlap.
static napi_value CopyBlocks(napi_env env, napi_callback_info info) {
  const char *fn = "copyBlocks";
  napi_value argv[11];
  if (!argcount(env, info, 11, argv, fn)) return NULL;
  float *src, *dst;
  size_t ls, ld;
  int32_t sOff, sLd, dOff, dLd, rows, cols, batch, sStride, dStride;
  if (!f32arg(env, argv[0], fn, "src", &src, &ls) || !intarg(env, argv[1], fn, "sOff", &sOff) || !intarg(env, argv[2], fn, "sLd", &sLd) ||
      !f32arg(env, argv[3], fn, "dst", &dst, &ld) || !intarg(env, argv[4], fn, "dOff", &dOff) || !intarg(env, argv[5], fn, "dLd", &dLd) ||
      !intarg(env, argv[6], fn, "rows", &rows) || !intarg(env, argv[7], fn, "cols", &cols) || !intarg(env, argv[8], fn, "batch", &batch) ||
      !intarg(env, argv[9], fn, "sStride", &sStride) || !intarg(env, argv[10], fn, "dStride", &dStride))
    return NULL;
  if (rows < 0 || cols < 0 || batch < 0) return range(env, fn, "negative size");
  if (sLd < cols || dLd < cols) return range(env, fn, "a leading dimension is shorter than a row");
  if (rows == 0 || cols == 0 || batch == 0) return NULL;
  if (!fits(sOff, sStride, batch, extent(rows, cols, sLd), ls) || !fits(dOff, dStride, batch, extent(rows, cols, dLd), ld))
    return range(env, fn, "a block does not fit in its array");
  // The spans touched (the same array twice is fine, as long as the two spans are apart).
  const float *s0 = src + sOff, *s1 = s0 + (int64_t)(batch - 1) * sStride + extent(rows, cols, sLd);
  const float *d0 = dst + dOff, *d1 = d0 + (int64_t)(batch - 1) * dStride + extent(rows, cols, dLd);
  if (s0 < d1 && d0 < s1) return range(env, fn, "the source and destination spans overlap");
  for (int32_t t = 0; t < batch; t++) {
    const float *s = src + sOff + (int64_t)t * sStride;
    float *d = dst + dOff + (int64_t)t * dStride;
    for (int32_t r = 0; r < rows; r++) memcpy(d + (int64_t)r * dLd, s + (int64_t)r * sLd, (size_t)cols * sizeof(float));
  }
  return NULL;
}

// dotRows(a, aOff, b, bOff, rows, cols, out, outOff, alpha): out[outOff + r] += alpha · Σ_k a_rk b_rk
// for each of the rows (cols wide) of a from aOff and of b from bOff.
static napi_value DotRows(napi_env env, napi_callback_info info) {
  const char *fn = "dotRows";
  napi_value argv[9];
  if (!argcount(env, info, 9, argv, fn)) return NULL;
  float *a, *b;
  double *out, alpha;
  size_t la, lb, lo;
  int32_t aOff, bOff, rows, cols, oOff;
  if (!f32arg(env, argv[0], fn, "a", &a, &la) || !intarg(env, argv[1], fn, "aOff", &aOff) ||
      !f32arg(env, argv[2], fn, "b", &b, &lb) || !intarg(env, argv[3], fn, "bOff", &bOff) ||
      !intarg(env, argv[4], fn, "rows", &rows) || !intarg(env, argv[5], fn, "cols", &cols) ||
      !f64arg(env, argv[6], fn, "out", &out, &lo) || !intarg(env, argv[7], fn, "outOff", &oOff) || !numarg(env, argv[8], fn, "alpha", &alpha))
    return NULL;
  if (!rowsfit(aOff, rows, cols, la) || !rowsfit(bOff, rows, cols, lb)) return range(env, fn, "the rows do not fit in a and b");
  if (!groupsfit(rows, 1, oOff, lo)) return range(env, fn, "the rows do not fit in out");
  for (int32_t r = 0; r < rows; r++) {
    const float *ar = a + aOff + (int64_t)r * cols, *br = b + bOff + (int64_t)r * cols;
    double s = 0;
    for (int32_t k = 0; k < cols; k++) s += (double)ar[k] * br[k];
    out[oOff + r] += alpha * s;
  }
  return NULL;
}

// denseRows(P, c, gc, rows, cols, bias, E, eOff, group): with q = P_r + bias (bias of length 0:
// none, else at least cols long), E[eOff + g] −= Σ q ⊙ c_r over the rows of group g, and gc_r −= q.
// P, c and gc are rows×cols from offset 0: the dense synapse's energy and its signal to x̂₂.
static napi_value DenseRows(napi_env env, napi_callback_info info) {
  const char *fn = "denseRows";
  napi_value argv[9];
  if (!argcount(env, info, 9, argv, fn)) return NULL;
  float *P, *c, *gc, *bias;
  double *E;
  size_t lp, lc, lg, lb, le;
  int32_t rows, cols, eOff, group;
  if (!f32arg(env, argv[0], fn, "P", &P, &lp) || !f32arg(env, argv[1], fn, "c", &c, &lc) || !f32arg(env, argv[2], fn, "gc", &gc, &lg) ||
      !intarg(env, argv[3], fn, "rows", &rows) || !intarg(env, argv[4], fn, "cols", &cols) ||
      !f32arg(env, argv[5], fn, "bias", &bias, &lb) || !f64arg(env, argv[6], fn, "E", &E, &le) ||
      !intarg(env, argv[7], fn, "eOff", &eOff) || !intarg(env, argv[8], fn, "group", &group))
    return NULL;
  if (!rowsfit(0, rows, cols, lp) || !rowsfit(0, rows, cols, lc) || !rowsfit(0, rows, cols, lg)) return range(env, fn, "the rows do not fit in P, c and gc");
  if (lb != 0 && (int64_t)lb < cols) return range(env, fn, "bias is shorter than a row");
  if (!groupsfit(rows, group, eOff, le)) return range(env, fn, "the row groups do not fit in E (rows must be a multiple of group)");
  double acc = 0;
  for (int32_t r = 0; r < rows; r++) {
    const float *p = P + (int64_t)r * cols, *cr = c + (int64_t)r * cols;
    float *g = gc + (int64_t)r * cols;
    double e = 0;
    if (lb) {
      for (int32_t j = 0; j < cols; j++) {
        double q = (double)p[j] + bias[j];  // unrounded, as in JavaScript
        e += q * cr[j];
        g[j] = (float)(g[j] - q);
      }
    } else {
      for (int32_t j = 0; j < cols; j++) {
        e += (double)p[j] * cr[j];
        g[j] -= p[j];
      }
    }
    acc += e;
    if ((r + 1) % group == 0) {
      E[eOff + r / group] -= acc;
      acc = 0;
    }
  }
  return NULL;
}

// axpy(n, alpha, x, xOff, y, yOff): y[yOff + i] += alpha · x[xOff + i] for i < n (the Euler update).
static napi_value Axpy(napi_env env, napi_callback_info info) {
  const char *fn = "axpy";
  napi_value argv[6];
  if (!argcount(env, info, 6, argv, fn)) return NULL;
  float *x, *y;
  size_t lx, ly;
  int32_t n, xOff, yOff;
  double alpha;
  if (!intarg(env, argv[0], fn, "n", &n) || !numarg(env, argv[1], fn, "alpha", &alpha) ||
      !f32arg(env, argv[2], fn, "x", &x, &lx) || !intarg(env, argv[3], fn, "xOff", &xOff) ||
      !f32arg(env, argv[4], fn, "y", &y, &ly) || !intarg(env, argv[5], fn, "yOff", &yOff))
    return NULL;
  if (!rowsfit(xOff, 1, n, lx) || !rowsfit(yOff, 1, n, ly)) return range(env, fn, "n values do not fit in x and y");
  float a = (float)alpha;
  float *yy = y + yOff;
  const float *xx = x + xOff;
  for (int32_t i = 0; i < n; i++) yy[i] += a * xx[i];
  return NULL;
}

// sameBits(a, aOff, b, bOff, n): whether the n floats from each offset have the same bytes (memcmp).
static napi_value SameBits(napi_env env, napi_callback_info info) {
  const char *fn = "sameBits";
  napi_value argv[5], out;
  if (!argcount(env, info, 5, argv, fn)) return NULL;
  float *a, *b;
  size_t la, lb;
  int32_t aOff, bOff, n;
  if (!f32arg(env, argv[0], fn, "a", &a, &la) || !intarg(env, argv[1], fn, "aOff", &aOff) ||
      !f32arg(env, argv[2], fn, "b", &b, &lb) || !intarg(env, argv[3], fn, "bOff", &bOff) || !intarg(env, argv[4], fn, "n", &n))
    return NULL;
  const int fits = rowsfit(aOff, 1, n, la) && rowsfit(bOff, 1, n, lb);
  CHECK(napi_get_boolean(env, fits && memcmp(a + aOff, b + bOff, (size_t)n * sizeof(float)) == 0, &out));
  return out;
}

static napi_value Threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc == 1) {
    int32_t n;
    CHECK(napi_get_value_int32(env, argv[0], &n));
    if (n >= 1) openblas_set_num_threads(n);
  }
  CHECK(napi_create_int32(env, openblas_get_num_threads(), &out));
  return out;
}

static napi_value Config(napi_env env, napi_callback_info info) {
  napi_value out;
  const char *c = openblas_get_config();
  CHECK(napi_create_string_utf8(env, c ? c : "", NAPI_AUTO_LENGTH, &out));
  return out;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sgemm", NULL, Sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"softmax", NULL, Softmax, NULL, NULL, NULL, napi_default, NULL},
      {"layernormRows", NULL, LayernormRows, NULL, NULL, NULL, napi_default, NULL},
      {"reluSquaredRows", NULL, ReluSquaredRows, NULL, NULL, NULL, napi_default, NULL},
      {"tanhRows", NULL, TanhRows, NULL, NULL, NULL, napi_default, NULL},
      {"copyBlocks", NULL, CopyBlocks, NULL, NULL, NULL, napi_default, NULL},
      {"dotRows", NULL, DotRows, NULL, NULL, NULL, napi_default, NULL},
      {"denseRows", NULL, DenseRows, NULL, NULL, NULL, napi_default, NULL},
      {"axpy", NULL, Axpy, NULL, NULL, NULL, napi_default, NULL},
      {"sameBits", NULL, SameBits, NULL, NULL, NULL, napi_default, NULL},
      {"threads", NULL, Threads, NULL, NULL, NULL, napi_default, NULL},
      {"config", NULL, Config, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
