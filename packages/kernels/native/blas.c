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
      {"threads", NULL, Threads, NULL, NULL, NULL, napi_default, NULL},
      {"config", NULL, Config, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
