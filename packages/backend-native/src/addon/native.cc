// Native kernels for the `native` tfjs backend: OpenBLAS SGEMM over the
// Float32Arrays tfjs-backend-cpu stores on the JS heap (no copies). Every entry
// point checks the lengths and dimensions it is given and throws a JS error
// instead of reading or writing out of bounds.
#include <initializer_list>
#include <vector>
#include <napi.h>
#include <cblas.h>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <algorithm>
#include <string>
#include <limits>
#include <new>
#include <numeric>
#include <thread>
#include <vector>

#include "pool.h"
#include "dnnl-conv.h"

namespace {

// Loops that GCC vectorizes get an AVX2+FMA copy besides the baseline one,
// picked when the addon loads (an ifunc) by what the CPU supports: the addon is built on
// the machine it runs on, but a build must not crash on an older CPU. The
// clones are x86-64 (and GCC) only: other CPUs (ARM64, …) and compilers get
// one portable build, vectorized for the baseline they target (so does an
// x86-64 build with TIKHONOV_PORTABLE defined, which the tests compile).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(TIKHONOV_PORTABLE)
#define TIKHONOV_VECTOR __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define TIKHONOV_VECTOR
#endif

// A dimension: a positive integer that fits in an int (BLAS takes int).
int64_t Dim(const Napi::Env& env, const Napi::Value& v, const char* name) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string(name) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 1) || d != static_cast<double>(static_cast<int64_t>(d)) || d > 2147483647.0) {
    throw Napi::RangeError::New(env, std::string(name) + " must be a positive integer below 2^31, got " + std::to_string(d));
  }
  return static_cast<int64_t>(d);
}

// A stride: a non-negative integer.
int64_t Stride(const Napi::Env& env, const Napi::Value& v, const char* name) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string(name) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d != static_cast<double>(static_cast<int64_t>(d))) {
    throw Napi::RangeError::New(env, std::string(name) + " must be a non-negative integer, got " + std::to_string(d));
  }
  return static_cast<int64_t>(d);
}

// A product of sizes, computed in double: beyond 2^53 no typed array can hold
// it, and int64 arithmetic on such factors would wrap (batch = 2^22 with
// m = n = 2^21 wraps batch·m·n to 0, which then passes a length check).
int64_t Product(const Napi::Env& env, std::initializer_list<int64_t> factors, const char* what) {
  double p = 1;
  for (int64_t f : factors) p *= static_cast<double>(f);
  if (p > 9007199254740992.0) throw Napi::RangeError::New(env, std::string(what) + " is " + std::to_string(p) + ": too large (no array holds more than 2^53 values)");
  return static_cast<int64_t>(p);
}

// The typed arrays the addon takes: N-API's type and the JavaScript class (with its article).
template <typename T> struct ArrayKind;
template <> struct ArrayKind<float> { static constexpr napi_typedarray_type type = napi_float32_array; static constexpr const char* name = "a Float32Array"; };
template <> struct ArrayKind<double> { static constexpr napi_typedarray_type type = napi_float64_array; static constexpr const char* name = "a Float64Array"; };
template <> struct ArrayKind<int32_t> { static constexpr napi_typedarray_type type = napi_int32_array; static constexpr const char* name = "an Int32Array"; };
template <> struct ArrayKind<uint32_t> { static constexpr napi_typedarray_type type = napi_uint32_array; static constexpr const char* name = "a Uint32Array"; };
template <> struct ArrayKind<uint8_t> { static constexpr napi_typedarray_type type = napi_uint8_array; static constexpr const char* name = "a Uint8Array"; };

// A typed array argument of one element type, or a TypeError naming it.
template <typename T>
Napi::TypedArrayOf<T> Typed(const Napi::Env& env, const Napi::Value& v, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != ArrayKind<T>::type) {
    throw Napi::TypeError::New(env, std::string(name) + " must be " + ArrayKind<T>::name);
  }
  return v.As<Napi::TypedArrayOf<T>>();
}

Napi::Float32Array Floats(const Napi::Env& env, const Napi::Value& v, const char* name) { return Typed<float>(env, v, name); }

// The addon's thread pool (pool.h); setThreads sizes it.
tikhonov::Pool& Threads() {
  static tikhonov::Pool pool;
  return pool;
}

// Runs f(begin, end) over [0, count) split into contiguous chunks whose
// boundaries are multiples of `align`, `perThread` chunks per pool thread
// (threads take them as they come, so one that lost its core to another
// process holds up less), when `work` is large enough to pay for the
// hand-over (a few µs); else on the calling thread. Chunks write disjoint ranges.
template <typename F>
void ForChunks(int64_t count, int64_t align, int64_t work, F f, int64_t perThread = 2) {
  const int64_t units = count / align;
  const int64_t threads = std::min<int64_t>(Threads().Threads(), 8);
  const int64_t chunks = std::min<int64_t>(units, threads * perThread);
  if (threads < 2 || chunks < 2 || work < (int64_t{1} << 16)) {
    f(int64_t{0}, count);
    return;
  }
  const int64_t step = (units + chunks - 1) / chunks * align;
  Threads().Run((count + step - 1) / step, [&](int64_t i) { f(i * step, std::min(count, (i + 1) * step)); });
}

// ForChunks over images: f(firstImage, endImage).
template <typename F>
void ForImages(int64_t batch, int64_t workPerImage, F f) {
  ForChunks(batch, 1, batch * workPerImage, f);
}

// C (m×n, row stride ldc) = op(A) · op(B), row-major, on the calling thread
// (OpenBLAS is single-threaded, set at load): for work already inside a pool job.
void SgemmHere(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k),
              1.0f, a, static_cast<int>(lda), b, static_cast<int>(ldb), 0.0f, c, static_cast<int>(ldc));
}

// The same on the pool: a band of C's rows (or of its columns when there
// are few rows) per thread, each an OpenBLAS call, so that the SGEMMs and the
// addon's other loops share one set of threads.
void Sgemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc) {
  auto call = [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    SgemmHere(transA, transB, m1 - m0, n1 - n0, k, a + (transA ? m0 : m0 * lda), lda, b + (transB ? n0 * ldb : n0), ldb, c + m0 * ldc + n0, ldc);
  };
  // bands of 16 rows or columns keep OpenBLAS's vector kernels on whole blocks
  const int64_t work = m * n * k / 16;
  // one band per thread: smaller bands cost OpenBLAS more than they balance
  if (m >= 64 || m >= n) {
    ForChunks(m, 16, work, [&](int64_t m0, int64_t m1) { call(m0, m1, 0, n); }, 1);
  } else {
    ForChunks(n, 16, work, [&](int64_t n0, int64_t n1) { call(0, m, n0, n1); }, 1);
  }
}

// gemmBatched(a, b, out, batch, m, n, k, transA, transB, aStride, bStride)
// For i < batch: out[i] (m×n) = op(a[i]) · op(b[i]), row-major, where op(a[i]) is
// m×k (stored k×m when transA) and op(b[i]) is k×n (stored n×k when transB).
// A stride of 0 broadcasts one matrix over the batch.
Napi::Value GemmBatched(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 11) throw Napi::TypeError::New(env, "gemmBatched takes 11 arguments");
  auto a = Floats(env, info[0], "a");
  auto b = Floats(env, info[1], "b");
  auto out = Floats(env, info[2], "out");
  const int64_t batch = Dim(env, info[3], "batch");
  const int64_t m = Dim(env, info[4], "m");
  const int64_t n = Dim(env, info[5], "n");
  const int64_t k = Dim(env, info[6], "k");
  const bool transA = info[7].ToBoolean();
  const bool transB = info[8].ToBoolean();
  const int64_t aStride = Stride(env, info[9], "aStride");
  const int64_t bStride = Stride(env, info[10], "bStride");
  const int64_t outSize = Product(env, {batch, m, n}, "batch·m·n");
  const auto need = [&](int64_t stride, int64_t size, const char* what) { return Product(env, {batch - 1, stride}, what) + size; };
  const int64_t needA = need(aStride, m * k, "(batch − 1)·aStride");
  const int64_t needB = need(bStride, k * n, "(batch − 1)·bStride");
  if (static_cast<int64_t>(a.ElementLength()) < needA) {
    throw Napi::RangeError::New(env, "a holds " + std::to_string(a.ElementLength()) + " values but the shapes need " + std::to_string(needA));
  }
  if (static_cast<int64_t>(b.ElementLength()) < needB) {
    throw Napi::RangeError::New(env, "b holds " + std::to_string(b.ElementLength()) + " values but the shapes need " + std::to_string(needB));
  }
  if (static_cast<int64_t>(out.ElementLength()) != outSize) {
    throw Napi::RangeError::New(env, "out holds " + std::to_string(out.ElementLength()) + " values but must hold batch·m·n = " + std::to_string(outSize));
  }
  const float* pa = a.Data();
  const float* pb = b.Data();
  float* pc = out.Data();
  const int lda = transA ? static_cast<int>(m) : static_cast<int>(k);
  const int ldb = transB ? static_cast<int>(k) : static_cast<int>(n);
  for (int64_t i = 0; i < batch; i++) Sgemm(transA, transB, m, n, k, pa + i * aStride, lda, pb + i * bStride, ldb, pc + i * m * n, n);
  return env.Undefined();
}

// The loops of binary(): one per op and broadcast pattern, so the inner
// loops stay branch-free. EXPR combines x (from a) and y (from b). A scalar
// has its own loop: as a trailing block of length 1 its inner loop would run
// once per value, unvectorized (a tensor times a scalar, as in every SGD
// update, ran 4× slower than a tensor times a tensor); so has a block held
// for `repeat` values against a full tensor (a [128, 1] column against
// [128, 10]), one broadcast value per run of `repeat` outputs.
#define TIKHONOV_LOOP(EXPR)                                                       \
  if (na == n && rb > 1) { for (size_t i0 = 0; i0 < n; i0 += rb) { const float y = pb[(i0 / rb) % nb]; for (size_t i = i0; i < i0 + rb; i++) { float x = pa[i]; po[i] = (EXPR); } } } \
  else if (nb == n && ra > 1) { for (size_t i0 = 0; i0 < n; i0 += ra) { const float x = pa[(i0 / ra) % na]; for (size_t i = i0; i < i0 + ra; i++) { float y = pb[i]; po[i] = (EXPR); } } } \
  else if (ra > 1 || rb > 1) { for (size_t i = 0; i < n; i++) { float x = pa[(i / ra) % na], y = pb[(i / rb) % nb]; po[i] = (EXPR); } } \
  else if (na == n && nb == n) { for (size_t i = 0; i < n; i++) { float x = pa[i], y = pb[i]; po[i] = (EXPR); } }          \
  else if (na == n && nb == 1) { const float y = pb[0]; for (size_t i = 0; i < n; i++) { float x = pa[i]; po[i] = (EXPR); } } \
  else if (nb == n && na == 1) { const float x = pa[0]; for (size_t i = 0; i < n; i++) { float y = pb[i]; po[i] = (EXPR); } } \
  else if (na == n) { for (size_t i = 0; i < n; i += nb) for (size_t j = 0; j < nb; j++) { float x = pa[i + j], y = pb[j]; po[i + j] = (EXPR); } } \
  else if (nb == n) { for (size_t i = 0; i < n; i += na) for (size_t j = 0; j < na; j++) { float x = pa[j], y = pb[i + j]; po[i + j] = (EXPR); } } \
  else { for (size_t i = 0; i < n; i++) { float x = pa[i % na], y = pb[i % nb]; po[i] = (EXPR); } }

// Arithmetic, ops 0–6, into floats.
TIKHONOV_VECTOR void BinaryLoop(int64_t op, const float* pa, size_t na, size_t ra, const float* pb, size_t nb, size_t rb, float* po, size_t n) {
  switch (op) {
    case 0: TIKHONOV_LOOP(x + y) break;
    case 1: TIKHONOV_LOOP(x - y) break;
    case 2: TIKHONOV_LOOP(x * y) break;
    case 3: TIKHONOV_LOOP(x / y) break;
    case 4: TIKHONOV_LOOP((x - y) * (x - y)) break;
    case 5: TIKHONOV_LOOP(x > y || x != x ? x : y) break;
    default: TIKHONOV_LOOP(x < y || x != x ? x : y) break;
  }
}

// Comparisons, ops 7–12, into bytes (tfjs's bool storage); NaN compares as in JavaScript.
TIKHONOV_VECTOR void CompareLoop(int64_t op, const float* pa, size_t na, size_t ra, const float* pb, size_t nb, size_t rb, uint8_t* po, size_t n) {
  switch (op) {
    case 7: TIKHONOV_LOOP(x == y) break;
    case 8: TIKHONOV_LOOP(x != y) break;
    case 9: TIKHONOV_LOOP(x > y) break;
    case 10: TIKHONOV_LOOP(x >= y) break;
    case 11: TIKHONOV_LOOP(x < y) break;
    default: TIKHONOV_LOOP(x <= y) break;
  }
}
#undef TIKHONOV_LOOP

// binary(op, a, b, out, aRepeat, bRepeat): out[i] = a[(i / aRepeat) % |a|] op
// b[(i / bRepeat) % |b|]. Repeat 1 is an input that is as long as out or a
// trailing block of it (bias rows, scalars); a larger repeat is a block of
// leading or middle axes, each value held for `repeat` outputs (a [128, 1]
// column against [128, 10]). op: 0 add, 1 sub, 2 mul, 3 div, 4 squared
// difference, 5 maximum, 6 minimum (out a Float32Array); 7 equal, 8 not
// equal, 9 greater, 10 greater or equal, 11 less, 12 less or equal (out a
// Uint8Array of 0/1).
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 6) throw Napi::TypeError::New(env, "binary takes 6 arguments");
  const int64_t op = Stride(env, info[0], "op");
  if (op > 12) throw Napi::RangeError::New(env, "binary: unknown op " + std::to_string(op));
  const bool compare = op >= 7;
  auto a = Floats(env, info[1], "a");
  auto b = Floats(env, info[2], "b");
  if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != (compare ? napi_uint8_array : napi_float32_array)) {
    throw Napi::TypeError::New(env, std::string("out must be a ") + (compare ? "Uint8Array for a comparison" : "Float32Array for arithmetic"));
  }
  auto out = info[3].As<Napi::TypedArray>();
  uint8_t* bytes = compare ? info[3].As<Napi::Uint8Array>().Data() : nullptr;
  float* floats = compare ? nullptr : info[3].As<Napi::Float32Array>().Data();
  const size_t ra = static_cast<size_t>(Dim(env, info[4], "aRepeat"));
  const size_t rb = static_cast<size_t>(Dim(env, info[5], "bRepeat"));
  const size_t n = out.ElementLength(), na = a.ElementLength(), nb = b.ElementLength();
  if (n == 0 || na == 0 || nb == 0 || n % (na * ra) != 0 || n % (nb * rb) != 0) {
    throw Napi::RangeError::New(env, "binary: lengths " + std::to_string(na) + "×" + std::to_string(ra) + " and " + std::to_string(nb) + "×" + std::to_string(rb) +
                                         " (length × repeat) must divide the output length " + std::to_string(n));
  }
  // Threads take chunks whose starts are multiples of both inputs' broadcast
  // periods, so each chunk is the same pattern over a shorter output.
  const size_t pa_ = na == n ? 1 : na * ra, pb_ = nb == n ? 1 : nb * rb;
  const size_t period = std::lcm(pa_, pb_);
  ForChunks(static_cast<int64_t>(n), static_cast<int64_t>(period), static_cast<int64_t>(n), [&](int64_t begin, int64_t end) {
    const size_t m = static_cast<size_t>(end - begin);
    const size_t ma = na == n ? m : na, mb = nb == n ? m : nb;
    const float* ca = na == n ? a.Data() + begin : a.Data();
    const float* cb = nb == n ? b.Data() + begin : b.Data();
    if (compare) CompareLoop(op, ca, ma, ra, cb, mb, rb, bytes + begin, m);
    else BinaryLoop(op, ca, ma, ra, cb, mb, rb, floats + begin, m);
  });
  return env.Undefined();
}

// softplus's cut-off: beyond ±13.94, log(1 + e^x) equals x (or e^x) within float precision
constexpr float kSoftplusCut = -(-15.942385152878742f + 2.0f);

// The loops of unary(), one per op.
TIKHONOV_VECTOR void UnaryLoop(int64_t op, float alpha, float beta, const float* px, float* po, size_t n) {
#define TIKHONOV_MAP(EXPR) for (size_t i = 0; i < n; i++) { const float v = px[i]; po[i] = (EXPR); }
  switch (op) {
    case 0: TIKHONOV_MAP(v > 0 || v != v ? v : 0.0f) break;
    case 1: TIKHONOV_MAP(v != v ? v : (v > 0 ? 1.0f : alpha)) break;
    case 2: TIKHONOV_MAP(std::exp(v)) break;
    case 3: TIKHONOV_MAP(std::log(v)) break;
    case 4: TIKHONOV_MAP(-v) break;
    case 5: TIKHONOV_MAP(v * v) break;
    case 6: TIKHONOV_MAP(std::sqrt(v)) break;
    case 7: TIKHONOV_MAP(1.0f / (1.0f + std::exp(-v))) break;
    case 8: TIKHONOV_MAP(std::tanh(v)) break;
    case 9: TIKHONOV_MAP(std::fabs(v)) break;
    // sign as tfjs-cpu: NaN and ±0 give 0
    case 10: TIKHONOV_MAP(v < 0 ? -1.0f : (v > 0 ? 1.0f : 0.0f)) break;
    // clip to [alpha, beta] as tfjs-cpu: NaN stays NaN
    case 11: TIKHONOV_MAP(v > beta ? beta : (v < alpha ? alpha : v)) break;
    // softplus log(1 + e^x) with tfjs-cpu's cut-offs at ±(log(2^-23) + 2): x above, e^x below (no overflow, no underflow)
    default: TIKHONOV_MAP(v > kSoftplusCut ? v : (v < -kSoftplusCut ? std::exp(v) : std::log1p(std::exp(v)))) break;
  }
#undef TIKHONOV_MAP
}

// unary(op, x, out, alpha): op 0 relu max(x, 0); 1 step (x > 0 ? 1 : alpha),
// NaN kept; 2 exp, 3 log, 4 neg, 5 square, 6 sqrt, 7 sigmoid 1/(1+e^-x),
// 8 tanh, 9 abs (in float; NaN propagates as in the cpu backend's Math.*),
// 10 sign, 11 clip to [alpha, beta] (beta: a 5th argument, op 11 only), 12 softplus.
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4 && info.Length() != 5) throw Napi::TypeError::New(env, "unary takes 4 or 5 arguments");
  const int64_t op = Stride(env, info[0], "op");
  auto x = Floats(env, info[1], "x");
  auto out = Floats(env, info[2], "out");
  if (!info[3].IsNumber()) throw Napi::TypeError::New(env, "alpha must be a number");
  const float alpha = info[3].As<Napi::Number>().FloatValue();
  if (x.ElementLength() != out.ElementLength()) throw Napi::RangeError::New(env, "unary: x and out must have the same length");
  const float* px = x.Data();
  float* po = out.Data();
  const size_t n = x.ElementLength();
  if (op > 12) throw Napi::RangeError::New(env, "unary: unknown op " + std::to_string(op));
  if (op == 11 && (info.Length() != 5 || !info[4].IsNumber())) throw Napi::TypeError::New(env, "unary: op 11 (clip) takes its upper bound beta as a 5th argument");
  const float beta = info.Length() == 5 && info[4].IsNumber() ? info[4].As<Napi::Number>().FloatValue() : 0.0f;
  ForChunks(static_cast<int64_t>(n), 1, static_cast<int64_t>(n), [&](int64_t begin, int64_t end) { UnaryLoop(op, alpha, beta, px + begin, po + begin, static_cast<size_t>(end - begin)); });
  return env.Undefined();
}

// The loop of biasActivation(), one per activation.
TIKHONOV_VECTOR void BiasActivationLoop(float* o, size_t n, const float* bias, size_t nb, int64_t act, float alpha) {
#define TIKHONOV_ACT(EXPR)                                                                  \
  if (nb == 0) { for (size_t i = 0; i < n; i++) { const float v = o[i]; o[i] = (EXPR); } }  \
  else { for (size_t i = 0; i < n; i += nb) for (size_t j = 0; j < nb; j++) { const float v = o[i + j] + bias[j]; o[i + j] = (EXPR); } }
  switch (act) {
    case 0: TIKHONOV_ACT(v) break;
    case 1: TIKHONOV_ACT(v < 0 ? 0.0f : v) break;
    case 2: TIKHONOV_ACT(v < 0 ? 0.0f : (v > 6 ? 6.0f : v)) break;
    default: TIKHONOV_ACT(v < 0 ? v * alpha : v) break;
  }
#undef TIKHONOV_ACT
}

// lerp(a, b, out, weight): out[i] = a[i] + weight·(b[i] − a[i]), all of one
// length (core's FUSED_KERNELS.lerp: a weight average's update in one pass
// over memory instead of three kernels and two temporaries).
TIKHONOV_VECTOR void LerpLoop(const float* pa, const float* pb, float* po, float w, size_t n) {
  for (size_t i = 0; i < n; i++) po[i] = pa[i] + w * (pb[i] - pa[i]);
}

Napi::Value Lerp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw Napi::TypeError::New(env, "lerp takes 4 arguments");
  auto a = Floats(env, info[0], "a");
  auto b = Floats(env, info[1], "b");
  auto out = Floats(env, info[2], "out");
  if (!info[3].IsNumber()) throw Napi::TypeError::New(env, "lerp: weight must be a number");
  const float w = info[3].As<Napi::Number>().FloatValue();
  const size_t n = out.ElementLength();
  if (a.ElementLength() != n || b.ElementLength() != n) {
    throw Napi::RangeError::New(env, "lerp: a, b and out have lengths " + std::to_string(a.ElementLength()) + ", " + std::to_string(b.ElementLength()) + " and " +
                                         std::to_string(n) + "; they must be equal");
  }
  const float* pa = a.Data();
  const float* pb = b.Data();
  float* po = out.Data();
  ForChunks(static_cast<int64_t>(n), 16, static_cast<int64_t>(n), [&](int64_t begin, int64_t end) { LerpLoop(pa + begin, pb + begin, po + begin, w, static_cast<size_t>(end - begin)); });
  return env.Undefined();
}

// adam(value, gradient, m, v, outValue, outM, outV, constants): one Adam
// update of one variable (core's FUSED_KERNELS.adam). constants holds, as
// float32 and in this order, beta1, 1 − beta1, beta2, 1 − beta2,
// 1 − beta1^t, 1 − beta2^t, epsilon and −learningRate — the scalars tfjs's
// AdamOptimizer makes. Each float operation is tfjs's, in its order, and none
// is contracted into an FMA, so the results equal tfjs's bit for bit.
__attribute__((optimize("fp-contract=off"))) TIKHONOV_VECTOR void AdamLoop(const float* __restrict value, const float* __restrict g, const float* __restrict m,
                                                                           const float* __restrict v, float* __restrict outValue, float* __restrict outM,
                                                                           float* __restrict outV, const float* c, size_t n) {
  const float beta1 = c[0], oneMinusBeta1 = c[1], beta2 = c[2], oneMinusBeta2 = c[3], correction1 = c[4], correction2 = c[5], epsilon = c[6], step = c[7];
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float a = m[i] * beta1;
    const float b = gi * oneMinusBeta1;
    const float nextM = a + b;
    const float square = gi * gi;
    const float d = v[i] * beta2;
    const float e = square * oneMinusBeta2;
    const float nextV = d + e;
    const float mHat = nextM / correction1;
    const float vHat = nextV / correction2;
    const float denominator = std::sqrt(vHat) + epsilon;
    const float ratio = mHat / denominator;
    const float delta = ratio * step;
    outM[i] = nextM;
    outV[i] = nextV;
    outValue[i] = delta + value[i];
  }
}

Napi::Value Adam(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 8) throw Napi::TypeError::New(env, "adam takes 8 arguments");
  const char* names[] = {"value", "gradient", "m", "v", "outValue", "outM", "outV"};
  std::vector<Napi::Float32Array> arrays;
  for (int k = 0; k < 7; k++) arrays.push_back(Floats(env, info[k], names[k]));
  auto constants = Floats(env, info[7], "constants");
  if (constants.ElementLength() != 8) throw Napi::RangeError::New(env, "adam: constants must hold 8 values, not " + std::to_string(constants.ElementLength()));
  const size_t n = arrays[0].ElementLength();
  for (int k = 1; k < 7; k++) {
    if (arrays[k].ElementLength() != n) {
      throw Napi::RangeError::New(env, std::string("adam: ") + names[k] + " holds " + std::to_string(arrays[k].ElementLength()) + " values but value holds " + std::to_string(n));
    }
  }
  const float* c = constants.Data();
  ForChunks(static_cast<int64_t>(n), 16, static_cast<int64_t>(n) * 4, [&](int64_t begin, int64_t end) {
    AdamLoop(arrays[0].Data() + begin, arrays[1].Data() + begin, arrays[2].Data() + begin, arrays[3].Data() + begin, arrays[4].Data() + begin, arrays[5].Data() + begin,
             arrays[6].Data() + begin, c, static_cast<size_t>(end - begin));
  });
  return env.Undefined();
}

// momentum(value, gradient, accumulation, outValue, outAccumulation,
// momentum, negativeLearningRate, nesterov): one momentum-SGD update of one
// variable (core's FUSED_KERNELS.momentum), the float operations of tfjs's
// MomentumOptimizer in its order and none contracted into an FMA, so the
// results equal tfjs's bit for bit: a = m·a + g, then θ = c·a + θ, or with
// Nesterov θ = c·(g + a·m) + θ, where c = −lr as a float32.
__attribute__((optimize("fp-contract=off"))) TIKHONOV_VECTOR void MomentumLoop(const float* __restrict value, const float* __restrict g, const float* __restrict acc,
                                                                               float* __restrict outValue, float* __restrict outAcc, float m, float c, bool nesterov,
                                                                               size_t n) {
  if (nesterov) {
    for (size_t i = 0; i < n; i++) {
      const float decayed = m * acc[i];
      const float next = decayed + g[i];
      const float ahead = next * m;
      const float look = g[i] + ahead;
      const float delta = c * look;
      outAcc[i] = next;
      outValue[i] = delta + value[i];
    }
  } else {
    for (size_t i = 0; i < n; i++) {
      const float decayed = m * acc[i];
      const float next = decayed + g[i];
      const float delta = c * next;
      outAcc[i] = next;
      outValue[i] = delta + value[i];
    }
  }
}

Napi::Value Momentum(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 8) throw Napi::TypeError::New(env, "momentum takes 8 arguments");
  const char* names[] = {"value", "gradient", "accumulation", "outValue", "outAccumulation"};
  std::vector<Napi::Float32Array> arrays;
  for (int k = 0; k < 5; k++) arrays.push_back(Floats(env, info[k], names[k]));
  if (!info[5].IsNumber() || !info[6].IsNumber()) throw Napi::TypeError::New(env, "momentum: momentum and negativeLearningRate must be numbers");
  if (!info[7].IsBoolean()) throw Napi::TypeError::New(env, "momentum: nesterov must be a boolean");
  const float m = info[5].As<Napi::Number>().FloatValue();
  const float c = info[6].As<Napi::Number>().FloatValue();
  const bool nesterov = info[7].As<Napi::Boolean>().Value();
  const size_t n = arrays[0].ElementLength();
  for (int k = 1; k < 5; k++) {
    if (arrays[k].ElementLength() != n) {
      throw Napi::RangeError::New(env, std::string("momentum: ") + names[k] + " holds " + std::to_string(arrays[k].ElementLength()) + " values but value holds " + std::to_string(n));
    }
  }
  ForChunks(static_cast<int64_t>(n), 16, static_cast<int64_t>(n) * 2, [&](int64_t begin, int64_t end) {
    MomentumLoop(arrays[0].Data() + begin, arrays[1].Data() + begin, arrays[2].Data() + begin, arrays[3].Data() + begin, arrays[4].Data() + begin, m, c, nesterov,
                 static_cast<size_t>(end - begin));
  });
  return env.Undefined();
}

// sgd(value, gradient, outValue, negativeLearningRate): one plain SGD update
// of one variable (core's FUSED_KERNELS.sgd), tfjs's SGDOptimizer's two float
// operations in its order and not contracted into an FMA, so the result
// equals tfjs's bit for bit: θ = c·g + θ, where c = −lr as a float32.
__attribute__((optimize("fp-contract=off"))) TIKHONOV_VECTOR void SgdLoop(const float* __restrict value, const float* __restrict g, float* __restrict outValue, float c,
                                                                          size_t n) {
  for (size_t i = 0; i < n; i++) {
    const float delta = c * g[i];
    outValue[i] = delta + value[i];
  }
}

Napi::Value Sgd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw Napi::TypeError::New(env, "sgd takes 4 arguments");
  const char* names[] = {"value", "gradient", "outValue"};
  std::vector<Napi::Float32Array> arrays;
  for (int k = 0; k < 3; k++) arrays.push_back(Floats(env, info[k], names[k]));
  if (!info[3].IsNumber()) throw Napi::TypeError::New(env, "sgd: negativeLearningRate must be a number");
  const float c = info[3].As<Napi::Number>().FloatValue();
  const size_t n = arrays[0].ElementLength();
  for (int k = 1; k < 3; k++) {
    if (arrays[k].ElementLength() != n) {
      throw Napi::RangeError::New(env, std::string("sgd: ") + names[k] + " holds " + std::to_string(arrays[k].ElementLength()) + " values but value holds " + std::to_string(n));
    }
  }
  ForChunks(static_cast<int64_t>(n), 16, static_cast<int64_t>(n), [&](int64_t begin, int64_t end) {
    SgdLoop(arrays[0].Data() + begin, arrays[1].Data() + begin, arrays[2].Data() + begin, c, static_cast<size_t>(end - begin));
  });
  return env.Undefined();
}

// maxNormColumns(w, out, rows, cols, c): the max-norm projection of a kernel
// viewed as rows × cols, each column one unit's incoming weights (core's
// FUSED_KERNELS.maxNorm): out = w · min(1, c/‖w_j‖) per column j. Two passes
// over w instead of the composed form's five: the column sums of squares (in
// double, each column summed by one thread in row order, so the result does
// not depend on the thread count), then the scaled copy. A column inside the
// ball gets factor 1 exactly and keeps its bits.
Napi::Value MaxNormColumns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 5) throw Napi::TypeError::New(env, "maxNormColumns takes 5 arguments");
  auto w = Floats(env, info[0], "w");
  auto out = Floats(env, info[1], "out");
  const int64_t rows = Dim(env, info[2], "rows"), cols = Dim(env, info[3], "cols");
  if (!info[4].IsNumber()) throw Napi::TypeError::New(env, "maxNormColumns: c must be a number");
  const float c = info[4].As<Napi::Number>().FloatValue();
  if (!(c > 0)) throw Napi::RangeError::New(env, "maxNormColumns: c must be > 0");
  const size_t n = static_cast<size_t>(Product(env, {rows, cols}, "rows·cols"));
  if (w.ElementLength() != n || out.ElementLength() != n) {
    throw Napi::RangeError::New(env, "maxNormColumns: w and out hold " + std::to_string(w.ElementLength()) + " and " + std::to_string(out.ElementLength()) + " values but rows·cols is " + std::to_string(n));
  }
  const float* pw = w.Data();
  float* po = out.Data();
  std::vector<double> sums(static_cast<size_t>(cols), 0.0);
  std::vector<float> factor(static_cast<size_t>(cols));
  ForChunks(cols, 16, static_cast<int64_t>(n), [&](int64_t j0, int64_t j1) {
    double* s = sums.data();
    for (int64_t i = 0; i < rows; i++) {
      const float* row = pw + i * cols;
      for (int64_t j = j0; j < j1; j++) s[j] += static_cast<double>(row[j]) * static_cast<double>(row[j]);
    }
    for (int64_t j = j0; j < j1; j++) factor[j] = std::min(c / static_cast<float>(std::sqrt(s[j])), 1.0f);
  });
  const float* f = factor.data();
  ForChunks(rows, 1, static_cast<int64_t>(n), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) {
      const float* row = pw + i * cols;
      float* o = po + i * cols;
      for (int64_t j = 0; j < cols; j++) o[j] = row[j] * f[j];
    }
  });
  return env.Undefined();
}

// biasActivation(out, bias, activation, alpha): in place, out = act(out +
// bias), bias (or undefined: none) repeating over out's rows. activation 0
// linear, 1 relu, 2 relu6, 3 leaky relu (x < 0 ? alpha·x : x); NaN stays NaN,
// as in tfjs-cpu's fused kernels.
Napi::Value BiasActivation(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw Napi::TypeError::New(env, "biasActivation takes 4 arguments");
  auto out = Floats(env, info[0], "out");
  const bool hasBias = !info[1].IsUndefined();
  const float* bias = nullptr;
  size_t nb = 0;
  if (hasBias) {
    auto b = Floats(env, info[1], "bias");
    nb = b.ElementLength();
    bias = b.Data();
    if (nb == 0 || out.ElementLength() % nb != 0) throw Napi::RangeError::New(env, "biasActivation: bias length " + std::to_string(nb) + " must divide out's length " + std::to_string(out.ElementLength()));
  }
  const int64_t act = Stride(env, info[2], "activation");
  if (act > 3) throw Napi::RangeError::New(env, "biasActivation: unknown activation " + std::to_string(act));
  if (!info[3].IsNumber()) throw Napi::TypeError::New(env, "alpha must be a number");
  const float alpha = info[3].As<Napi::Number>().FloatValue();
  float* po = out.Data();
  const size_t n = out.ElementLength();
  ForChunks(static_cast<int64_t>(n), static_cast<int64_t>(std::max<size_t>(nb, 1)), static_cast<int64_t>(n),
            [&](int64_t begin, int64_t end) { BiasActivationLoop(po + begin, static_cast<size_t>(end - begin), bias, nb, act, alpha); });
  return env.Undefined();
}

// select(condition: Uint8Array, t, e, out): out[i] = condition[i] === 1 ?
// t[i] : e[i], all of one length (tfjs-cpu's test: exactly 1, not non-zero).
Napi::Value Select(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw Napi::TypeError::New(env, "select takes 4 arguments");
  auto c = Typed<uint8_t>(env, info[0], "condition");
  auto t = Floats(env, info[1], "t");
  auto e = Floats(env, info[2], "e");
  auto out = Floats(env, info[3], "out");
  const size_t n = out.ElementLength();
  if (c.ElementLength() != n || t.ElementLength() != n || e.ElementLength() != n) throw Napi::RangeError::New(env, "select: condition, t, e and out must have the same length");
  const uint8_t* pc = c.Data();
  const float *pt = t.Data(), *pe = e.Data();
  float* po = out.Data();
  ForChunks(static_cast<int64_t>(n), 1, static_cast<int64_t>(n), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) po[i] = pc[i] == 1 ? pt[i] : pe[i];
  });
  return env.Undefined();
}

// castFloats(x, out): out an Int32Array — JavaScript's ToInt32, as
// Int32Array.from does on tfjs-cpu: truncate, NaN and ±Infinity to 0, wrap
// modulo 2^32 — or a Uint8Array of x !== 0 (bool; NaN is true).
Napi::Value CastFloats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2) throw Napi::TypeError::New(env, "castFloats takes 2 arguments");
  auto x = Floats(env, info[0], "x");
  if (!info[1].IsTypedArray()) throw Napi::TypeError::New(env, "out must be an Int32Array or a Uint8Array");
  auto out = info[1].As<Napi::TypedArray>();
  const napi_typedarray_type type = out.TypedArrayType();
  if (type != napi_int32_array && type != napi_uint8_array) throw Napi::TypeError::New(env, "out must be an Int32Array or a Uint8Array");
  if (out.ElementLength() != x.ElementLength()) throw Napi::RangeError::New(env, "castFloats: x and out must have the same length");
  const float* px = x.Data();
  const size_t n = x.ElementLength();
  if (type == napi_uint8_array) {
    uint8_t* po = out.As<Napi::Uint8Array>().Data();
    for (size_t i = 0; i < n; i++) po[i] = px[i] != 0.0f ? 1 : 0;
  } else {
    int32_t* po = out.As<Napi::Int32Array>().Data();
    for (size_t i = 0; i < n; i++) {
      const double v = px[i];
      if (!std::isfinite(v)) {
        po[i] = 0;
      } else if (v > -2147483649.0 && v < 2147483648.0) {
        po[i] = static_cast<int32_t>(v);  // truncation toward zero
      } else {
        double m = std::fmod(std::trunc(v), 4294967296.0);
        if (m < 0) m += 4294967296.0;
        po[i] = static_cast<int32_t>(static_cast<uint32_t>(m));
      }
    }
  }
  return env.Undefined();
}

// gatherRows(x, rowSize, indices, out): out row i = x row indices[i].
Napi::Value GatherRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw Napi::TypeError::New(env, "gatherRows takes 4 arguments");
  auto x = Floats(env, info[0], "x");
  const int64_t rowSize = Dim(env, info[1], "rowSize");
  auto indices = Typed<int32_t>(env, info[2], "indices");
  auto out = Floats(env, info[3], "out");
  const int64_t rows = static_cast<int64_t>(x.ElementLength()) / rowSize;
  if (rows * rowSize != static_cast<int64_t>(x.ElementLength())) throw Napi::RangeError::New(env, "gatherRows: x's length is not a multiple of rowSize");
  if (static_cast<int64_t>(out.ElementLength()) != Product(env, {static_cast<int64_t>(indices.ElementLength()), rowSize}, "indices·rowSize")) {
    throw Napi::RangeError::New(env, "gatherRows: out must hold indices·rowSize values");
  }
  const int32_t* idx = indices.Data();
  for (size_t i = 0; i < indices.ElementLength(); i++) {
    if (idx[i] < 0 || idx[i] >= rows) throw Napi::RangeError::New(env, "gatherRows: index " + std::to_string(idx[i]) + " is outside [0, " + std::to_string(rows) + ")");
  }
  const float* px = x.Data();
  float* po = out.Data();
  for (size_t i = 0; i < indices.ElementLength(); i++) std::copy(px + idx[i] * rowSize, px + (idx[i] + 1) * rowSize, po + i * rowSize);
  return env.Undefined();
}

// reduceAxis(op, x, outer, inner, leading, out): x viewed as outer×inner
// row-major; leading=true reduces over the outer axis (out has inner values),
// else over the inner axis (out has outer values). op 0: sum, accumulated in
// double; op 1: max, NaN propagating (as the cpu backend's); op 2: mean, as
// tfjs-cpu computes it: each value divided by the count in float, then summed
// in double.
Napi::Value ReduceAxis(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 6) throw Napi::TypeError::New(env, "reduceAxis takes 6 arguments");
  const int64_t op = Stride(env, info[0], "op");
  if (op > 2) throw Napi::RangeError::New(env, "reduceAxis: unknown op " + std::to_string(op));
  auto x = Floats(env, info[1], "x");
  const int64_t outer = Dim(env, info[2], "outer");
  const int64_t inner = Dim(env, info[3], "inner");
  const bool leading = info[4].ToBoolean();
  auto out = Floats(env, info[5], "out");
  if (static_cast<int64_t>(x.ElementLength()) != outer * inner) throw Napi::RangeError::New(env, "reduceAxis: x must hold outer·inner values");
  if (static_cast<int64_t>(out.ElementLength()) != (leading ? inner : outer)) throw Napi::RangeError::New(env, "reduceAxis: out has the wrong length");
  const float* px = x.Data();
  float* po = out.Data();
  const auto larger = [](float m, float v) { return v != v || v > m ? v : m; };  // NaN sticks: m stays NaN
  const float count = static_cast<float>(leading ? outer : inner);
  // a sum's term; a mean's is the value over the count, rounded to float first
  const auto term = [op, count](float v) { return op == 2 ? static_cast<double>(v / count) : static_cast<double>(v); };
  if (leading) {
    // Blocks of rows reduced apart (on the pool when large), then combined in
    // block order: the blocks do not depend on the thread count, so neither
    // does the result.
    constexpr int64_t kBlock = 1024;
    const int64_t blocks = (outer + kBlock - 1) / kBlock;
    std::vector<std::vector<double>> partial(static_cast<size_t>(blocks), std::vector<double>(static_cast<size_t>(inner)));
    auto block = [&](int64_t b) {
      double* acc = partial[static_cast<size_t>(b)].data();
      const int64_t i0 = b * kBlock, i1 = std::min(outer, i0 + kBlock);
      if (op == 1) {
        for (int64_t j = 0; j < inner; j++) acc[j] = px[i0 * inner + j];
        for (int64_t i = i0 + 1; i < i1; i++)
          for (int64_t j = 0; j < inner; j++) {
            const float m = static_cast<float>(acc[j]);
            acc[j] = m != m ? m : larger(m, px[i * inner + j]);
          }
      } else {
        for (int64_t i = i0; i < i1; i++) for (int64_t j = 0; j < inner; j++) acc[j] += term(px[i * inner + j]);
      }
    };
    if (outer * inner >= (int64_t{1} << 16)) Threads().Run(blocks, block);
    else for (int64_t b = 0; b < blocks; b++) block(b);
    for (int64_t j = 0; j < inner; j++) {
      double r = partial[0][static_cast<size_t>(j)];
      for (int64_t b = 1; b < blocks; b++) {
        const double v = partial[static_cast<size_t>(b)][static_cast<size_t>(j)];
        r = op == 1 ? (r != r ? r : larger(static_cast<float>(r), static_cast<float>(v))) : r + v;
      }
      po[j] = static_cast<float>(r);
    }
  } else {
    // row by row: the same arithmetic on any thread
    ForChunks(outer, 1, outer * inner, [&](int64_t r0, int64_t r1) {
      for (int64_t i = r0; i < r1; i++) {
        const float* row = px + i * inner;
        if (op == 1) {
          float m = row[0];
          for (int64_t j = 1; j < inner; j++) m = m != m ? m : larger(m, row[j]);
          po[i] = m;
        } else {
          // four interleaved double sums: one chain of dependent additions
          // ran at a quarter of the speed (long rows: an L2 penalty's sum)
          double acc[4] = {0, 0, 0, 0};
          int64_t j = 0;
          for (; j + 4 <= inner; j += 4)
            for (int64_t q = 0; q < 4; q++) acc[q] += term(row[j + q]);
          for (; j < inner; j++) acc[0] += term(row[j]);
          po[i] = static_cast<float>((acc[0] + acc[1]) + (acc[2] + acc[3]));
        }
      }
    });
  }
  return env.Undefined();
}

// reluBiasGrad(dy, y, dz, db): the gradient of a layer relu(z + b) at z and b
// in one pass, y = relu(z): dz = dy · step(y) (step: 1 above 0, NaN at NaN,
// else 0 — the product as tfjs's mul(dy, step(y)) gives it, NaN and ∞ in dy
// included) and db = the sums of dz's columns, db.length the row length. The
// sums are ReduceAxis's over leading axes (double, blocks of 1024 rows added
// in block order), so db equals a native Sum of dz and does not depend on the
// thread count.
Napi::Value ReluBiasGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw Napi::TypeError::New(env, "reluBiasGrad takes 4 arguments");
  auto dy = Floats(env, info[0], "dy");
  auto y = Floats(env, info[1], "y");
  auto dz = Floats(env, info[2], "dz");
  auto db = Floats(env, info[3], "db");
  const int64_t inner = static_cast<int64_t>(db.ElementLength());
  const int64_t n = static_cast<int64_t>(dy.ElementLength());
  if (inner == 0 || n % inner != 0 || static_cast<int64_t>(y.ElementLength()) != n || static_cast<int64_t>(dz.ElementLength()) != n) {
    throw Napi::RangeError::New(env, "reluBiasGrad: dy, y and dz must have one length, a multiple of db's " + std::to_string(inner) + " (dy has " + std::to_string(n) + ")");
  }
  const int64_t outer = n / inner;
  const float *pdy = dy.Data(), *py = y.Data();
  float* pdz = dz.Data();
  constexpr int64_t kBlock = 1024;
  const int64_t blocks = (outer + kBlock - 1) / kBlock;
  std::vector<std::vector<double>> partial(static_cast<size_t>(blocks), std::vector<double>(static_cast<size_t>(inner)));
  auto block = [&](int64_t b) {
    double* acc = partial[static_cast<size_t>(b)].data();
    for (int64_t i = b * kBlock, i1 = std::min(outer, (b + 1) * kBlock); i < i1; i++) {
      const float *rowDy = pdy + i * inner, *rowY = py + i * inner;
      float* rowDz = pdz + i * inner;
      for (int64_t j = 0; j < inner; j++) {
        const float v = rowY[j];
        const float d = rowDy[j] * (v > 0.0f ? 1.0f : v != v ? v : 0.0f);
        rowDz[j] = d;
        acc[j] += static_cast<double>(d);
      }
    }
  };
  if (n >= (int64_t{1} << 16)) Threads().Run(blocks, block);
  else for (int64_t b = 0; b < blocks; b++) block(b);
  float* pdb = db.Data();
  for (int64_t j = 0; j < inner; j++) {
    double r = partial[0][static_cast<size_t>(j)];
    for (int64_t b = 1; b < blocks; b++) r += partial[static_cast<size_t>(b)][static_cast<size_t>(j)];
    pdb[j] = static_cast<float>(r);
  }
  return env.Undefined();
}

// The row count of x as rows of `cols` values, checked against out's outPerRow values per row.
int64_t Rows(const Napi::Env& env, const char* fn, size_t xLength, int64_t cols, size_t outLength, int64_t outPerRow) {
  const int64_t rows = static_cast<int64_t>(xLength) / cols;
  if (rows * cols != static_cast<int64_t>(xLength) || static_cast<int64_t>(outLength) != rows * outPerRow) {
    throw Napi::RangeError::New(env, std::string(fn) + ": x (" + std::to_string(xLength) + " values) must be whole rows of " + std::to_string(cols) +
                                         " and out must hold " + std::to_string(outPerRow) + " value(s) per row");
  }
  return rows;
}

// A source coordinate mapped into [0, len − 1] by TensorFlow's fill modes
// (0 constant: unchanged, read as the fill value when outside; 1 reflect
// dcba|abcd|dcba; 2 wrap; 3 nearest: clamped), as tfjs-cpu's Transform does.
static float MapCoordinate(float c, int64_t len, int64_t mode) {
  const float last = static_cast<float>(len - 1);
  if (mode == 0) return c;
  if (mode == 3) return std::min(std::max(c, 0.0f), last);
  if (len <= 1) return 0.0f;
  if (mode == 1) {
    const float sz2 = 2.0f * static_cast<float>(len);
    if (c < 0) {
      if (c < -sz2) c = sz2 * std::trunc(-c / sz2) + c;
      c = c < -static_cast<float>(len) ? c + sz2 : -c - 1;
    } else if (c > last) {
      c -= sz2 * std::trunc(c / sz2);
      if (c >= static_cast<float>(len)) c = sz2 - c - 1;
    }
  } else {
    const float sz = last;
    if (c < 0) c += static_cast<float>(len) * (std::trunc(-c / sz) + 1);
    else if (c > last) c -= static_cast<float>(len) * std::trunc(c / sz);
  }
  return std::min(std::max(c, 0.0f), last);
}

// transform(x, batch, height, width, channels, rows, perImage, interpolation,
// fill, fillValue, out): tf.image.transform for NHWC x. Output pixel (u, v)
// of image b reads the input at ((a0 u + a1 v + a2)/k, (b0 u + b1 v + b2)/k),
// k = c0 u + c1 v + 1, from the 8 values of row b of `rows` (row 0 for every
// image when perImage is 0); interpolation 0 bilinear, 1 nearest (half up);
// fill as MapCoordinate; outside reads give fillValue. Every image of the
// batch (tfjs-cpu 4.22's kernel stops after the first).
Napi::Value Transform(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 11) throw Napi::TypeError::New(env, "transform takes 11 arguments");
  auto x = Floats(env, info[0], "x");
  const int64_t batch = Dim(env, info[1], "batch"), h = Dim(env, info[2], "height"), w = Dim(env, info[3], "width"), c = Dim(env, info[4], "channels");
  auto rows = Floats(env, info[5], "rows");
  const bool perImage = info[6].ToBoolean().Value();
  const int64_t interpolation = Stride(env, info[7], "interpolation"), fill = Stride(env, info[8], "fill");
  if (!info[9].IsNumber()) throw Napi::TypeError::New(env, "fillValue must be a number");
  const float fillValue = info[9].As<Napi::Number>().FloatValue();
  auto out = Floats(env, info[10], "out");
  const int64_t size = Product(env, {batch, h, w, c}, "batch·height·width·channels");
  if (static_cast<int64_t>(x.ElementLength()) != size || static_cast<int64_t>(out.ElementLength()) != size) throw Napi::RangeError::New(env, "transform: x and out must hold batch·height·width·channels values");
  if (static_cast<int64_t>(rows.ElementLength()) != (perImage ? batch : 1) * 8) throw Napi::RangeError::New(env, "transform: rows must hold 8 values per image (or 8 for all)");
  if (interpolation > 1 || fill > 3) throw Napi::RangeError::New(env, "transform: unknown interpolation or fill");
  const float* px = x.Data();
  const float* pr = rows.Data();
  float* po = out.Data();
  ForImages(batch, h * w * c * 8, [&](int64_t first, int64_t end) {
    for (int64_t b = first; b < end; b++) {
      const float* t = pr + (perImage ? b * 8 : 0);
      const float* image = px + b * h * w * c;
      float* o = po + b * h * w * c;
      auto read = [&](int64_t yi, int64_t xi, int64_t ch) { return yi >= 0 && yi < h && xi >= 0 && xi < w ? image[(yi * w + xi) * c + ch] : fillValue; };
      for (int64_t v = 0; v < h; v++) {
        for (int64_t u = 0; u < w; u++) {
          float* dst = o + (v * w + u) * c;
          const float k = t[6] * u + t[7] * v + 1;
          if (k == 0) {
            std::fill(dst, dst + c, fillValue);
            continue;
          }
          const float sx = MapCoordinate((t[0] * u + t[1] * v + t[2]) / k, w, fill);
          const float sy = MapCoordinate((t[3] * u + t[4] * v + t[5]) / k, h, fill);
          if (interpolation == 1) {
            const int64_t xi = static_cast<int64_t>(std::floor(sx + 0.5f)), yi = static_cast<int64_t>(std::floor(sy + 0.5f));
            for (int64_t ch = 0; ch < c; ch++) dst[ch] = read(yi, xi, ch);
            continue;
          }
          const float fx = std::floor(sx), fy = std::floor(sy);
          const int64_t x0 = static_cast<int64_t>(fx), y0 = static_cast<int64_t>(fy);
          const float ax = sx - fx, ay = sy - fy;
          for (int64_t ch = 0; ch < c; ch++) {
            const float top = (1 - ax) * read(y0, x0, ch) + ax * read(y0, x0 + 1, ch);
            const float bottom = (1 - ax) * read(y0 + 1, x0, ch) + ax * read(y0 + 1, x0 + 1, ch);
            dst[ch] = (1 - ay) * top + ay * bottom;
          }
        }
      }
    }
  });
  return env.Undefined();
}

// reverseAxis(x, outer, length, inner, out): x viewed as outer×length×inner,
// the middle axis reversed (tf.reverse along one axis).
Napi::Value ReverseAxis(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 5) throw Napi::TypeError::New(env, "reverseAxis takes 5 arguments");
  auto x = Floats(env, info[0], "x");
  const int64_t outer = Dim(env, info[1], "outer"), len = Dim(env, info[2], "length"), inner = Dim(env, info[3], "inner");
  auto out = Floats(env, info[4], "out");
  if (static_cast<int64_t>(x.ElementLength()) != Product(env, {outer, len, inner}, "outer·length·inner") || out.ElementLength() != x.ElementLength()) throw Napi::RangeError::New(env, "reverseAxis: x and out must hold outer·length·inner values");
  const float* px = x.Data();
  float* po = out.Data();
  ForChunks(outer, 1, outer * len * inner, [&](int64_t first, int64_t end) {
    for (int64_t o = first; o < end; o++)
      for (int64_t i = 0; i < len; i++) std::copy(px + (o * len + i) * inner, px + (o * len + i + 1) * inner, po + (o * len + (len - 1 - i)) * inner);
  });
  return env.Undefined();
}

// softmaxRows(x, cols, out): each row's exp(x − max) / Σ exp(x − max), as
// tfjs-cpu's Softmax computes it (float subtraction and exp, a sum in double,
// a float division); a NaN anywhere in a row makes the row NaN.
Napi::Value SoftmaxRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3) throw Napi::TypeError::New(env, "softmaxRows takes 3 arguments");
  auto x = Floats(env, info[0], "x");
  const int64_t cols = Dim(env, info[1], "cols");
  auto out = Floats(env, info[2], "out");
  const int64_t rows = Rows(env, "softmaxRows", x.ElementLength(), cols, out.ElementLength(), cols);
  const float* px = x.Data();
  float* po = out.Data();
  ForChunks(rows, 1, rows * cols * 8, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* v = px + r * cols;
      float* o = po + r * cols;
      float m = v[0];
      for (int64_t j = 1; j < cols; j++) m = m != m ? m : (v[j] != v[j] || v[j] > m ? v[j] : m);
      double sum = 0;
      for (int64_t j = 0; j < cols; j++) sum += (o[j] = static_cast<float>(std::exp(static_cast<double>(v[j] - m))));
      const float total = static_cast<float>(sum);
      for (int64_t j = 0; j < cols; j++) o[j] = o[j] / total;
    }
  });
  return env.Undefined();
}

// argMaxRows(x, cols, out: Int32Array): each row's index of its first
// strictly largest value (index 0 when none is larger, as on tfjs-cpu: NaN
// never wins after the first place).
Napi::Value ArgMaxRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3) throw Napi::TypeError::New(env, "argMaxRows takes 3 arguments");
  auto x = Floats(env, info[0], "x");
  const int64_t cols = Dim(env, info[1], "cols");
  auto out = Typed<int32_t>(env, info[2], "out");
  const int64_t rows = Rows(env, "argMaxRows", x.ElementLength(), cols, out.ElementLength(), 1);
  const float* px = x.Data();
  int32_t* po = out.Data();
  for (int64_t r = 0; r < rows; r++) {
    const float* v = px + r * cols;
    float m = v[0];
    int32_t best = 0;
    for (int64_t j = 1; j < cols; j++)
      if (v[j] > m) m = v[j], best = static_cast<int32_t>(j);
    po[r] = best;
  }
  return env.Undefined();
}

// ---- convolutions and pooling (NHWC) ----------------------------------------

// The geometry of a 2-D convolution or pooling window, as tfjs's Conv2DInfo
// computes it. Every pixel index built from it is bounds-checked against the
// input, so a geometry that disagrees with the buffers cannot read or write
// outside them; the buffer lengths are checked against it too.
struct ConvGeometry {
  int64_t batch, inH, inW, inC, outH, outW, outC, fH, fW, sH, sW, dH, dW, padT, padL;
  int64_t inSize() const { return batch * inH * inW * inC; }
  int64_t outSize() const { return batch * outH * outW * outC; }
  int64_t rows() const { return batch * outH * outW; }           // im2col rows
  int64_t patch() const { return fH * fW * inC; }                // im2col columns
};

ConvGeometry Geometry(const Napi::Env& env, const Napi::Value& v) {
  if (!v.IsObject()) throw Napi::TypeError::New(env, "geometry must be an object");
  auto o = v.As<Napi::Object>();
  auto dim = [&](const char* k) { return Dim(env, o.Get(k), k); };
  auto pad = [&](const char* k) { return Stride(env, o.Get(k), k); };
  ConvGeometry g{dim("batch"), dim("inHeight"), dim("inWidth"), dim("inChannels"), dim("outHeight"), dim("outWidth"), dim("outChannels"),
                 dim("filterHeight"), dim("filterWidth"), dim("strideHeight"), dim("strideWidth"), dim("dilationHeight"), dim("dilationWidth"),
                 pad("padTop"), pad("padLeft")};
  // products stay far from int64 overflow and BLAS's int dimensions
  const double big = 2147483647.0;
  if (static_cast<double>(g.rows()) * static_cast<double>(g.patch()) > big || static_cast<double>(g.inSize()) > big || static_cast<double>(g.outSize()) > big) {
    throw Napi::RangeError::New(env, "convolution too large: its buffers or im2col matrix would exceed 2^31 values");
  }
  return g;
}

void CheckLength(const Napi::Env& env, const Napi::Float32Array& a, int64_t want, const char* name) {
  if (static_cast<int64_t>(a.ElementLength()) != want) {
    throw Napi::RangeError::New(env, std::string(name) + " holds " + std::to_string(a.ElementLength()) + " values but the geometry needs " + std::to_string(want));
  }
}

// The input pixel under filter tap (fh, fw) of output (oh, ow), or -1 in padding.
inline int64_t Pixel(const ConvGeometry& g, int64_t b, int64_t oh, int64_t ow, int64_t fh, int64_t fw) {
  const int64_t h = oh * g.sH - g.padT + fh * g.dH;
  const int64_t w = ow * g.sW - g.padL + fw * g.dW;
  if (h < 0 || h >= g.inH || w < 0 || w >= g.inW) return -1;
  return ((b * g.inH + h) * g.inW + w) * g.inC;
}

// One image's im2col rows: patches[(oh, ow), (fh, fw, c)] = x at that tap, 0 in padding.
void Im2colImage(const ConvGeometry& g, const float* x, int64_t b, float* row) {
  const int64_t c = g.inC;
  for (int64_t oh = 0; oh < g.outH; oh++)
    for (int64_t ow = 0; ow < g.outW; ow++)
      for (int64_t fh = 0; fh < g.fH; fh++) {
        // the row of x under this tap row, found once per tap row
        const int64_t h = oh * g.sH - g.padT + fh * g.dH;
        const bool rowInside = h >= 0 && h < g.inH;
        const float* xrow = x + (b * g.inH + (rowInside ? h : 0)) * g.inW * c;
        for (int64_t fw = 0; fw < g.fW; fw++, row += c) {
          const int64_t w = ow * g.sW - g.padL + fw * g.dW;
          const bool inside = rowInside && w >= 0 && w < g.inW;
          if (c == 1) {
            // first layers on one channel: a per-tap copy loop costs more than the copy
            row[0] = inside ? xrow[w] : 0.0f;
          } else if (inside) {
            for (int64_t i = 0; i < c; i++) row[i] = xrow[w * c + i];
          } else {
            for (int64_t i = 0; i < c; i++) row[i] = 0.0f;
          }
        }
      }
}

// The im2col matrix of the whole batch: rows (b, oh, ow).
void Im2col(const ConvGeometry& g, const float* x, float* patches) {
  const int64_t image = g.outH * g.outW * g.patch();
  ForImages(g.batch, image, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) Im2colImage(g, x, b, patches + b * image);
  });
}

// The adjoint of Im2col: dx = 0, then each patch entry added back to its pixel.
// Images [b0, b1) of dx from their im2col rows, `patches` starting at image b0's.
TIKHONOV_VECTOR void Col2imImages(const ConvGeometry& g, const float* patches, float* dx, int64_t b0, int64_t b1) {
  const int64_t k = g.patch();
  const int64_t image = g.inH * g.inW * g.inC;
  std::fill(dx + b0 * image, dx + b1 * image, 0.0f);
  for (int64_t b = b0; b < b1; b++)
    for (int64_t oh = 0; oh < g.outH; oh++)
      for (int64_t ow = 0; ow < g.outW; ow++) {
        const float* row = patches + (((b - b0) * g.outH + oh) * g.outW + ow) * k;
        for (int64_t fh = 0; fh < g.fH; fh++)
          for (int64_t fw = 0; fw < g.fW; fw++, row += g.inC) {
            const int64_t p = Pixel(g, b, oh, ow, fh, fw);
            if (p >= 0) for (int64_t c = 0; c < g.inC; c++) dx[p + c] += row[c];
          }
      }
}

void Col2im(const ConvGeometry& g, const float* patches, float* dx) {
  const int64_t perImage = g.outH * g.outW * g.patch();
  ForImages(g.batch, perImage, [&](int64_t b0, int64_t b1) { Col2imImages(g, patches + b0 * perImage, dx, b0, b1); });
}

// The im2col matrix lives in one scratch buffer that grows and is never
// freed: a fresh multi-megabyte buffer per call costs more in page faults and
// zeroing than the copy itself (measured ≈ 3 ms for 9 MB). One per calling
// JavaScript thread: worker_threads in one process share this library.
float* Scratch(int64_t n) {
  static thread_local std::vector<float> buffer;
  if (static_cast<int64_t>(buffer.size()) < n) {
    buffer.clear();
    buffer.shrink_to_fit();
    buffer.resize(n);
  }
  return buffer.data();
}

// A patch of at most this many values (a first layer on 1–3 channels) is
// convolved directly, one image at a time: with K = 9, im2col + SGEMM spends
// its time writing, packing and re-reading the im2col matrix and runs at a
// few GFLOP/s.
constexpr int64_t kDirectPatch = 32;
bool Direct(const ConvGeometry& g) { return g.patch() <= kDirectPatch; }

// Eight floats: GCC lowers arithmetic on it to one AVX or two SSE
// instructions, and it stays in a register (the direct loops keep four).
typedef float Vec8 __attribute__((vector_size(32)));
inline Vec8 Load8(const float* p) {
  Vec8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void Store8(float* p, Vec8 v) { std::memcpy(p, &v, sizeof v); }

// The direct loops take output pixels four at a time. Pixel i's patch is
// p[i][off[t]], t < k: an interior pixel's window is read in place in x (off
// holds the taps' distances in x), a pixel whose window overlaps the padding
// is first gathered into a small buffer (off = 0…k−1). A group of fewer than
// four pixels repeats its first pixel in the unused places (reads stay inside
// x); the forward kernel writes them to a spare row, the filter gradient
// skips them.
struct PixelGroup {
  const float* p[4];
  const int64_t* off;
  int64_t count;  // real pixels in the group
  int64_t first;  // output row index (b, oh, ow) of the first pixel
};

// Calls f(group) for every group of up to four pixels of images [b0, b1),
// left to right within each output row.
template <typename F>
void ForPixelGroups(const ConvGeometry& g, const float* x, int64_t b0, int64_t b1, F f) {
  const int64_t k = g.patch();
  std::vector<int64_t> taps(k), identity(k);
  std::iota(identity.begin(), identity.end(), int64_t{0});
  for (int64_t fh = 0, t = 0; fh < g.fH; fh++)
    for (int64_t fw = 0; fw < g.fW; fw++)
      for (int64_t c = 0; c < g.inC; c++, t++) taps[t] = (fh * g.dH * g.inW + fw * g.dW) * g.inC + c;
  std::vector<float> gathered(4 * k);
  const int64_t spanH = (g.fH - 1) * g.dH, spanW = (g.fW - 1) * g.dW;
  for (int64_t b = b0; b < b1; b++)
    for (int64_t oh = 0; oh < g.outH; oh++) {
      const int64_t h = oh * g.sH - g.padT;
      const bool rowsInside = h >= 0 && h + spanH < g.inH;
      for (int64_t ow = 0; ow < g.outW; ow += 4) {
        PixelGroup group;
        group.count = std::min<int64_t>(4, g.outW - ow);
        group.first = (b * g.outH + oh) * g.outW + ow;
        const int64_t wFirst = ow * g.sW - g.padL, wLast = (ow + group.count - 1) * g.sW - g.padL;
        if (rowsInside && wFirst >= 0 && wLast + spanW < g.inW) {
          group.off = taps.data();
          for (int64_t i = 0; i < group.count; i++) group.p[i] = x + ((b * g.inH + h) * g.inW + wFirst + i * g.sW) * g.inC;
        } else {
          group.off = identity.data();
          for (int64_t i = 0; i < group.count; i++) {
            float* patch = gathered.data() + i * k;
            for (int64_t fh = 0; fh < g.fH; fh++)
              for (int64_t fw = 0; fw < g.fW; fw++, patch += g.inC) {
                const int64_t q = Pixel(g, b, oh, ow + i, fh, fw);
                for (int64_t c = 0; c < g.inC; c++) patch[c] = q >= 0 ? x[q + c] : 0.0f;
              }
            group.p[i] = gathered.data() + i * k;
          }
        }
        for (int64_t i = group.count; i < 4; i++) group.p[i] = group.p[0];
        f(group);
      }
    }
}

// o[i] (n values) = patch i · w (k × n), in registers four pixels × eight channels at a time.
TIKHONOV_VECTOR void DirectConvPixels(const PixelGroup& q, int64_t k, const float* w, int64_t n, float* const o[4]) {
  const float *p0 = q.p[0], *p1 = q.p[1], *p2 = q.p[2], *p3 = q.p[3];
  const int64_t* off = q.off;
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    Vec8 a0 = {}, a1 = {}, a2 = {}, a3 = {};
    for (int64_t t = 0; t < k; t++) {
      const Vec8 wt = Load8(w + t * n + j);
      const int64_t d = off[t];
      a0 += p0[d] * wt;
      a1 += p1[d] * wt;
      a2 += p2[d] * wt;
      a3 += p3[d] * wt;
    }
    Store8(o[0] + j, a0);
    Store8(o[1] + j, a1);
    Store8(o[2] + j, a2);
    Store8(o[3] + j, a3);
  }
  for (; j < n; j++)
    for (int64_t i = 0; i < 4; i++) {
      float a = 0;
      for (int64_t t = 0; t < k; t++) a += q.p[i][off[t]] * w[t * n + j];
      o[i][j] = a;
    }
}

// dw (k × n) += Σ_i patch iᵀ · d[i] (n values each) over the group's real pixels.
TIKHONOV_VECTOR void DirectConvFilterPixels(const PixelGroup& q, int64_t k, const float* const d[4], int64_t n, float* dw) {
  if (q.count < 4) {
    for (int64_t i = 0; i < q.count; i++)
      for (int64_t t = 0; t < k; t++) {
        const float v = q.p[i][q.off[t]];
        float* row = dw + t * n;
        for (int64_t j = 0; j < n; j++) row[j] += v * d[i][j];
      }
    return;
  }
  for (int64_t t = 0; t < k; t++) {
    const int64_t o = q.off[t];
    const float v0 = q.p[0][o], v1 = q.p[1][o], v2 = q.p[2][o], v3 = q.p[3][o];
    float* row = dw + t * n;
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) Store8(row + j, Load8(row + j) + ((v0 * Load8(d[0] + j) + v1 * Load8(d[1] + j)) + (v2 * Load8(d[2] + j) + v3 * Load8(d[3] + j))));
    for (; j < n; j++) row[j] += (v0 * d[0][j] + v1 * d[1][j]) + (v2 * d[2][j] + v3 * d[3][j]);
  }
}

void DirectConv(const ConvGeometry& g, const float* x, const float* w, float* out) {
  const int64_t n = g.outC;
  ForImages(g.batch, g.outH * g.outW * n * g.patch(), [&](int64_t b0, int64_t b1) {
    std::vector<float> spare(n);
    ForPixelGroups(g, x, b0, b1, [&](const PixelGroup& q) {
      float* o[4];
      for (int64_t i = 0; i < 4; i++) o[i] = i < q.count ? out + (q.first + i) * n : spare.data();
      DirectConvPixels(q, g.patch(), w, n, o);
    });
  });
}

// Each chunk of images sums into its own buffer; the buffers are then added
// in image order, so the result does not depend on which thread ran first.
void DirectConvFilter(const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  const int64_t n = g.outC;
  const int64_t size = g.patch() * n;
  std::vector<std::vector<float>> partial(static_cast<size_t>(g.batch));
  ForImages(g.batch, g.outH * g.outW * n * g.patch(), [&](int64_t b0, int64_t b1) {
    std::vector<float> acc(static_cast<size_t>(size), 0.0f);
    ForPixelGroups(g, x, b0, b1, [&](const PixelGroup& q) {
      const float* d[4];
      for (int64_t i = 0; i < 4; i++) d[i] = dy + (q.first + std::min(i, q.count - 1)) * n;
      DirectConvFilterPixels(q, g.patch(), d, n, acc.data());
    });
    partial[static_cast<size_t>(b0)] = std::move(acc);
  });
  std::fill(dw, dw + size, 0.0f);
  for (const auto& p : partial)
    for (size_t i = 0; i < p.size(); i++) dw[i] += p[i];
}

// A 1×1, stride-1, unpadded convolution's im2col matrix is x itself.
bool Pointwise(const ConvGeometry& g) {
  return g.fH == 1 && g.fW == 1 && g.sH == 1 && g.sW == 1 && g.padT == 0 && g.padL == 0 && g.outH == g.inH && g.outW == g.inW;
}

// The im2col convolutions go to oneDNN when it is built in and switched on
// (setDnnl): its JIT kernels ran the CNN's 32→32 and 64→64 3×3 convolutions
// 1.2–1.6× faster than im2col + SGEMM here. The direct first-layer kernels and
// the pointwise SGEMM stay ours.
std::atomic<bool> dnnlOn{true};

bool ViaDnnl(tikhonov::DnnlConvKind kind, const ConvGeometry& g, const float* a, const float* b, float* out) {
  if (!dnnlOn) return false;
  const tikhonov::DnnlConvShape shape{g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.fH, g.fW, g.sH, g.sW, g.dH, g.dW, g.padT, g.padL};
  return tikhonov::DnnlConv(kind, shape, a, b, out, Threads().Threads());
}

// A window call's arguments (convolutions, pooling and their gradients):
// Float32Arrays, each checked against the geometry as input-, output- or
// filter-sized, then the geometry itself.
enum class Sized { Input, Output, Filter };

struct WindowCall {
  ConvGeometry g;
  std::vector<float*> arrays;
  int64_t workPerImage() const { return g.outH * g.outW * g.outC * g.fH * g.fW; }
};

WindowCall ParseWindowCall(const Napi::CallbackInfo& info, const char* fn, std::initializer_list<std::pair<const char*, Sized>> arrays, bool pooling) {
  Napi::Env env = info.Env();
  if (info.Length() != arrays.size() + 1) throw Napi::TypeError::New(env, std::string(fn) + " takes " + std::to_string(arrays.size() + 1) + " arguments");
  WindowCall call{Geometry(env, info[arrays.size()]), {}};
  const ConvGeometry& g = call.g;
  if (pooling && g.inC != g.outC) throw Napi::RangeError::New(env, std::string(fn) + ": inChannels must equal outChannels");
  size_t i = 0;
  for (const auto& [name, sized] : arrays) {
    auto a = Floats(env, info[i++], name);
    CheckLength(env, a, sized == Sized::Input ? g.inSize() : sized == Sized::Output ? g.outSize() : g.patch() * g.outC, name);
    call.arrays.push_back(a.Data());
  }
  return call;
}

// The im2col convolutions go chunk by chunk of images when there are enough
// chunks for the pool: each thread builds a chunk's im2col rows in its own
// scratch buffer (≈ 1 MB, so still in cache) and multiplies them there with a
// single-threaded SGEMM, instead of writing the whole batch's matrix out to
// memory and reading it back. With fewer images than that (or one thread) the
// batch's matrix is built whole and the SGEMM split in bands.
int64_t ImagesPerChunk(const ConvGeometry& g) {
  return std::max<int64_t>(1, (int64_t{1} << 18) / (g.outH * g.outW * g.patch()));
}

bool Chunked(const ConvGeometry& g) {
  const int64_t per = ImagesPerChunk(g);
  return Threads().Threads() > 1 && (g.batch + per - 1) / per >= 2 * Threads().Threads();
}

// f(chunk index, b0, b1) for every chunk of images, on the pool.
template <typename F>
void ForImageChunks(const ConvGeometry& g, F f) {
  const int64_t per = ImagesPerChunk(g);
  Threads().Run((g.batch + per - 1) / per, [&](int64_t i) { f(i, i * per, std::min(g.batch, (i + 1) * per)); });
}

// The im2col matrix of x: x itself for a pointwise convolution, else the scratch buffer.
const float* Patches(const ConvGeometry& g, const float* x) {
  if (Pointwise(g)) return x;
  float* scratch = Scratch(g.rows() * g.patch());
  Im2col(g, x, scratch);
  return scratch;
}

// Images [b0, b1)'s im2col rows in this thread's scratch buffer.
const float* ChunkPatches(const ConvGeometry& g, const float* x, int64_t b0, int64_t b1) {
  const int64_t perImage = g.outH * g.outW * g.patch();
  float* patches = Scratch((b1 - b0) * perImage);
  for (int64_t b = b0; b < b1; b++) Im2colImage(g, x, b, patches + (b - b0) * perImage);
  return patches;
}

// conv2d(x, filter, out, geometry): out = im2col(x) · filter, filter [fH, fW, inC, outC].
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  const WindowCall c = ParseWindowCall(info, "conv2d", {{"x", Sized::Input}, {"filter", Sized::Filter}, {"out", Sized::Output}}, false);
  const ConvGeometry& g = c.g;
  const int64_t k = g.patch(), rowsPerImage = g.outH * g.outW;
  if (Direct(g)) {
    DirectConv(g, c.arrays[0], c.arrays[1], c.arrays[2]);
  } else if (!Pointwise(g) && ViaDnnl(tikhonov::DnnlConvKind::Forward, g, c.arrays[0], c.arrays[1], c.arrays[2])) {
  } else if (!Pointwise(g) && Chunked(g)) {
    ForImageChunks(g, [&](int64_t, int64_t b0, int64_t b1) {
      SgemmHere(false, false, (b1 - b0) * rowsPerImage, g.outC, k, ChunkPatches(g, c.arrays[0], b0, b1), k, c.arrays[1], g.outC, c.arrays[2] + b0 * rowsPerImage * g.outC, g.outC);
    });
  } else {
    Sgemm(false, false, g.rows(), g.outC, k, Patches(g, c.arrays[0]), k, c.arrays[1], g.outC, c.arrays[2], g.outC);
  }
  return info.Env().Undefined();
}

// conv2dBackpropInput(dy, filter, dx, geometry): dx = col2im(dy · filterᵀ).
Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info) {
  const WindowCall c = ParseWindowCall(info, "conv2dBackpropInput", {{"dy", Sized::Output}, {"filter", Sized::Filter}, {"dx", Sized::Input}}, false);
  const ConvGeometry& g = c.g;
  const int64_t k = g.patch(), rowsPerImage = g.outH * g.outW;
  if (Pointwise(g)) {
    Sgemm(false, true, g.rows(), k, g.outC, c.arrays[0], g.outC, c.arrays[1], g.outC, c.arrays[2], k);
  } else if (ViaDnnl(tikhonov::DnnlConvKind::BackwardData, g, c.arrays[0], c.arrays[1], c.arrays[2])) {
  } else if (Chunked(g)) {
    ForImageChunks(g, [&](int64_t, int64_t b0, int64_t b1) {
      float* patches = Scratch((b1 - b0) * rowsPerImage * k);
      SgemmHere(false, true, (b1 - b0) * rowsPerImage, k, g.outC, c.arrays[0] + b0 * rowsPerImage * g.outC, g.outC, c.arrays[1], g.outC, patches, k);
      Col2imImages(g, patches, c.arrays[2], b0, b1);
    });
  } else {
    float* patches = Scratch(g.rows() * k);
    Sgemm(false, true, g.rows(), k, g.outC, c.arrays[0], g.outC, c.arrays[1], g.outC, patches, k);
    Col2im(g, patches, c.arrays[2]);
  }
  return info.Env().Undefined();
}

// conv2dBackpropFilter(x, dy, dfilter, geometry): dfilter = im2col(x)ᵀ · dy.
// Chunked, each chunk's product goes to its own buffer and the buffers are
// added in chunk order, so the sum does not depend on thread timing.
Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  const WindowCall c = ParseWindowCall(info, "conv2dBackpropFilter", {{"x", Sized::Input}, {"dy", Sized::Output}, {"dfilter", Sized::Filter}}, false);
  const ConvGeometry& g = c.g;
  const int64_t k = g.patch(), rowsPerImage = g.outH * g.outW, size = k * g.outC;
  float* dw = c.arrays[2];
  if (Direct(g)) {
    DirectConvFilter(g, c.arrays[0], c.arrays[1], dw);
  } else if (!Pointwise(g) && ViaDnnl(tikhonov::DnnlConvKind::BackwardWeights, g, c.arrays[0], c.arrays[1], dw)) {
  } else if (!Pointwise(g) && Chunked(g)) {
    const int64_t per = ImagesPerChunk(g);
    std::vector<std::vector<float>> partial(static_cast<size_t>((g.batch + per - 1) / per), std::vector<float>(static_cast<size_t>(size)));
    ForImageChunks(g, [&](int64_t i, int64_t b0, int64_t b1) {
      SgemmHere(true, false, k, g.outC, (b1 - b0) * rowsPerImage, ChunkPatches(g, c.arrays[0], b0, b1), k, c.arrays[1] + b0 * rowsPerImage * g.outC, g.outC,
                partial[static_cast<size_t>(i)].data(), g.outC);
    });
    std::fill(dw, dw + size, 0.0f);
    for (const auto& p : partial)
      for (int64_t j = 0; j < size; j++) dw[j] += p[static_cast<size_t>(j)];
  } else {
    Sgemm(true, false, k, g.outC, g.rows(), Patches(g, c.arrays[0]), k, c.arrays[1], g.outC, dw, g.outC);
  }
  return info.Env().Undefined();
}

// Max pooling, for output pixels of images [b0, b1): each channel's window
// maximum goes to out, and, when dx is given, dy goes to the window's first
// maximum (as on tfjs-cpu: strictly greater wins, so NaN and -inf never do;
// a window with no such pixel routes nothing). Taps outermost and channels
// innermost, so each tap's offset is computed once and the channel loops run
// over contiguous memory. Both loops are float-only selects (no branches, no
// int/float mixing, no conditional loads), which GCC vectorizes with plain
// SSE2 given -fno-trapping-math (binding.gyp): otherwise they stay scalar and
// the gradient runs 5–10× slower.
TIKHONOV_VECTOR void PoolImages(const ConvGeometry& g, const float* x, float* out, const float* dy, float* dx, int64_t b0, int64_t b1) {
  const int64_t c = g.inC;
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  std::vector<float> best(c), pending(c);
  const int64_t image = g.inH * g.inW * c;
  if (dx != nullptr) std::fill(dx + b0 * image, dx + b1 * image, 0.0f);
  for (int64_t b = b0; b < b1; b++)
    for (int64_t oh = 0; oh < g.outH; oh++)
      for (int64_t ow = 0; ow < g.outW; ow++) {
        const int64_t o = ((b * g.outH + oh) * g.outW + ow) * c;
        float* m = best.data();
        std::fill(m, m + c, kNegInf);
        for (int64_t fh = 0; fh < g.fH; fh++)
          for (int64_t fw = 0; fw < g.fW; fw++) {
            const int64_t p = Pixel(g, b, oh, ow, fh, fw);
            if (p < 0) continue;
            const float* v = x + p;
            for (int64_t k = 0; k < c; k++) m[k] = v[k] > m[k] ? v[k] : m[k];
          }
        if (out != nullptr) std::copy(m, m + c, out + o);
        if (dx == nullptr) continue;
        // pending[k] is 1 until channel k's gradient has been routed
        float* wait = pending.data();
        for (int64_t k = 0; k < c; k++) wait[k] = m[k] > kNegInf ? 1.0f : 0.0f;
        const float* d = dy + o;
        for (int64_t fh = 0; fh < g.fH; fh++)
          for (int64_t fw = 0; fw < g.fW; fw++) {
            const int64_t p = Pixel(g, b, oh, ow, fh, fw);
            if (p < 0) continue;
            const float* __restrict v = x + p;
            float* __restrict gx = dx + p;
            float* __restrict w = wait;
            const float* __restrict mm = m;
            for (int64_t k = 0; k < c; k++) {
              // every value loaded unconditionally, combined by selects, not a
              // product (0 · inf would put NaN where no gradient goes)
              const float vk = v[k], mk = mm[k], wk = w[k], dk = d[k], gk = gx[k];
              const float hit = vk == mk ? wk : 0.0f;
              gx[k] = gk + (hit > 0.0f ? dk : 0.0f);
              w[k] = wk - hit;
            }
          }
      }
}

// Average pooling for images [b0, b1): each window's mean over the pixels
// inside the input (padding not counted, as tfjs-cpu's forward). The
// gradient is only ever asked for windows entirely inside the input (the
// kernel falls back otherwise), where each pixel gets dy / window size.
TIKHONOV_VECTOR void AvgPoolImages(const ConvGeometry& g, const float* x, float* out, int64_t b0, int64_t b1) {
  const int64_t c = g.inC;
  std::vector<float> acc(c);
  for (int64_t b = b0; b < b1; b++)
    for (int64_t oh = 0; oh < g.outH; oh++)
      for (int64_t ow = 0; ow < g.outW; ow++) {
        float* a = acc.data();
        std::fill(a, a + c, 0.0f);
        int64_t count = 0;
        for (int64_t fh = 0; fh < g.fH; fh++)
          for (int64_t fw = 0; fw < g.fW; fw++) {
            const int64_t p = Pixel(g, b, oh, ow, fh, fw);
            if (p < 0) continue;
            count++;
            for (int64_t k = 0; k < c; k++) a[k] += x[p + k];
          }
        float* o = out + ((b * g.outH + oh) * g.outW + ow) * c;
        const float n = static_cast<float>(count);
        for (int64_t k = 0; k < c; k++) o[k] = a[k] / n;
      }
}

TIKHONOV_VECTOR void AvgPoolGradImages(const ConvGeometry& g, const float* dy, float* dx, int64_t b0, int64_t b1) {
  const int64_t c = g.inC;
  const int64_t image = g.inH * g.inW * c;
  std::fill(dx + b0 * image, dx + b1 * image, 0.0f);
  const float scale = 1.0f / static_cast<float>(g.fH * g.fW);
  for (int64_t b = b0; b < b1; b++)
    for (int64_t oh = 0; oh < g.outH; oh++)
      for (int64_t ow = 0; ow < g.outW; ow++) {
        const float* d = dy + ((b * g.outH + oh) * g.outW + ow) * c;
        for (int64_t fh = 0; fh < g.fH; fh++)
          for (int64_t fw = 0; fw < g.fW; fw++) {
            const int64_t p = Pixel(g, b, oh, ow, fh, fw);
            if (p < 0) continue;
            for (int64_t k = 0; k < c; k++) dx[p + k] += d[k] * scale;
          }
      }
}

// maxPool(x, out, g), maxPoolGrad(x, dy, dx, g), avgPool(x, out, g), avgPoolGrad(dy, dx, g).
Napi::Value MaxPool(const Napi::CallbackInfo& info) {
  const WindowCall c = ParseWindowCall(info, "maxPool", {{"x", Sized::Input}, {"out", Sized::Output}}, true);
  ForImages(c.g.batch, c.workPerImage(), [&](int64_t b0, int64_t b1) { PoolImages(c.g, c.arrays[0], c.arrays[1], nullptr, nullptr, b0, b1); });
  return info.Env().Undefined();
}

Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  const WindowCall c = ParseWindowCall(info, "maxPoolGrad", {{"x", Sized::Input}, {"dy", Sized::Output}, {"dx", Sized::Input}}, true);
  ForImages(c.g.batch, c.workPerImage(), [&](int64_t b0, int64_t b1) { PoolImages(c.g, c.arrays[0], nullptr, c.arrays[1], c.arrays[2], b0, b1); });
  return info.Env().Undefined();
}

Napi::Value AvgPool(const Napi::CallbackInfo& info) {
  const WindowCall c = ParseWindowCall(info, "avgPool", {{"x", Sized::Input}, {"out", Sized::Output}}, true);
  ForImages(c.g.batch, c.workPerImage(), [&](int64_t b0, int64_t b1) { AvgPoolImages(c.g, c.arrays[0], c.arrays[1], b0, b1); });
  return info.Env().Undefined();
}

Napi::Value AvgPoolGrad(const Napi::CallbackInfo& info) {
  const WindowCall c = ParseWindowCall(info, "avgPoolGrad", {{"dy", Sized::Output}, {"dx", Sized::Input}}, true);
  ForImages(c.g.batch, c.workPerImage(), [&](int64_t b0, int64_t b1) { AvgPoolGradImages(c.g, c.arrays[0], c.arrays[1], b0, b1); });
  return info.Env().Undefined();
}

// ---- random numbers -----------------------------------------------------------
// The same generators as @tikhonov/core's JavaScript ones (rng-kernels.ts),
// word for word: xoshiro128** seeded through splitmix32, 24-bit uniforms, and
// the 128-layer Ziggurat with core's own tables (passed in once), so a seeded
// stream gives the same numbers on every backend.

class Xoshiro128 {
 public:
  explicit Xoshiro128(uint32_t seed) {
    uint32_t s = seed;
    auto next = [&s] {
      s += 0x9e3779b9u;
      uint32_t z = s;
      z = (z ^ (z >> 16)) * 0x85ebca6bu;
      z = (z ^ (z >> 13)) * 0xc2b2ae35u;
      return z ^ (z >> 16);
    };
    a_ = next(), b_ = next(), c_ = next(), d_ = next();
    if ((a_ | b_ | c_ | d_) == 0) a_ = 1;
  }
  uint32_t NextUint32() {
    const uint32_t result = Rotl(b_ * 5u, 7) * 9u;
    const uint32_t t = b_ << 9;
    c_ ^= a_, d_ ^= b_, b_ ^= c_, a_ ^= d_, c_ ^= t;
    d_ = Rotl(d_, 11);
    return result;
  }
  double NextFloat() { return static_cast<double>(NextUint32() >> 8) * 5.9604644775390625e-8; }

 private:
  static uint32_t Rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
  uint32_t a_, b_, c_, d_;
};

struct Ziggurat {
  bool ready = false;
  uint32_t kn[128];
  double wn[128], fn[128], r;
};
Ziggurat ziggurat;

// The fast path is the same double arithmetic as core's on the same tables;
// the wedge and tail (≈ 1 % of draws) call the C library's exp and log,
// which could differ from V8's in the last bit (tests compare millions of draws).
double StandardNormal(Xoshiro128& rng) {
  const Ziggurat& z = ziggurat;
  for (;;) {
    const int32_t hz = static_cast<int32_t>(rng.NextUint32());
    const uint32_t iz = rng.NextUint32() & 127u;
    const double h = static_cast<double>(hz);
    if (std::fabs(h) < static_cast<double>(z.kn[iz])) return h * z.wn[iz];
    if (iz == 0) {
      double x, y;
      do {
        x = -std::log(1 - rng.NextFloat()) / z.r;
        y = -std::log(1 - rng.NextFloat());
      } while (y + y < x * x);
      return hz > 0 ? z.r + x : -z.r - x;
    }
    const double x = h * z.wn[iz];
    if (z.fn[iz] + rng.NextFloat() * (z.fn[iz - 1] - z.fn[iz]) < std::exp(-0.5 * x * x)) return x;
  }
}

// setZiggurat(kn: Uint32Array(128), wn: Float64Array(128), fn: Float64Array(128), r)
Napi::Value SetZiggurat(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4 || !info[3].IsNumber()) throw Napi::TypeError::New(env, "setZiggurat takes (kn: Uint32Array, wn: Float64Array, fn: Float64Array, r: number)");
  auto kn = Typed<uint32_t>(env, info[0], "kn");
  auto wn = Typed<double>(env, info[1], "wn");
  auto fn = Typed<double>(env, info[2], "fn");
  if (kn.ElementLength() != 128 || wn.ElementLength() != 128 || fn.ElementLength() != 128) throw Napi::RangeError::New(env, "setZiggurat: each table holds 128 values");
  std::copy(kn.Data(), kn.Data() + 128, ziggurat.kn);
  std::copy(wn.Data(), wn.Data() + 128, ziggurat.wn);
  std::copy(fn.Data(), fn.Data() + 128, ziggurat.fn);
  ziggurat.r = info[3].As<Napi::Number>().DoubleValue();
  ziggurat.ready = true;
  return env.Undefined();
}

// randomFill(kind, out, seed, a, b): kind 0 uniform out = a + (b − a)·u;
// 1 normal out = a + b·z; 2 bernoulli out = u < a ? 1 : 0.
Napi::Value RandomFill(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 5) throw Napi::TypeError::New(env, "randomFill takes 5 arguments");
  const int64_t kind = Stride(env, info[0], "kind");
  auto out = Floats(env, info[1], "out");
  if (!info[2].IsNumber()) throw Napi::TypeError::New(env, "seed must be a number");
  const double seedValue = info[2].As<Napi::Number>().DoubleValue();
  if (!(seedValue >= 0 && seedValue <= 4294967295.0) || seedValue != std::floor(seedValue)) throw Napi::RangeError::New(env, "seed must be an integer in [0, 2^32), got " + std::to_string(seedValue));
  if (!info[3].IsNumber() || !info[4].IsNumber()) throw Napi::TypeError::New(env, "randomFill: a and b must be numbers");
  const double a = info[3].As<Napi::Number>().DoubleValue(), b = info[4].As<Napi::Number>().DoubleValue();
  if (kind > 2) throw Napi::RangeError::New(env, "randomFill: unknown kind " + std::to_string(kind));
  if (kind == 1 && !ziggurat.ready) throw Napi::Error::New(env, "randomFill: normal draws need setZiggurat first");
  Xoshiro128 rng(static_cast<uint32_t>(seedValue));
  float* o = out.Data();
  const size_t n = out.ElementLength();
  if (kind == 0) {
    const double span = b - a;
    for (size_t i = 0; i < n; i++) o[i] = static_cast<float>(a + span * rng.NextFloat());
  } else if (kind == 1) {
    for (size_t i = 0; i < n; i++) o[i] = static_cast<float>(a + b * StandardNormal(rng));
  } else {
    // u = w·2⁻²⁴ < a exactly when the integer w < ⌈a·2²⁴⌉; the result picked
    // from a table, since GCC otherwise branches on it and, with keep near
    // 0.5, mispredicts every other draw (measured 8.7 vs 2.2 ms per million)
    const double scaled = std::ceil(a * 16777216.0);
    const uint32_t threshold = !(scaled > 0) ? 0u : scaled >= 16777216.0 ? 16777216u : static_cast<uint32_t>(scaled);  // NaN keeps nothing, as u < NaN
    const float values[2] = {0.0f, 1.0f};
    for (size_t i = 0; i < n; i++) o[i] = values[(rng.NextUint32() >> 8) < threshold];
  }
  return env.Undefined();
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t threads = Dim(env, info[0], "threads");
  if (threads > 64) throw Napi::RangeError::New(env, "threads must be at most 64, got " + std::to_string(threads));
  Threads().Resize(static_cast<int>(threads));
  return env.Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), Threads().Threads());
}

Napi::Value Config(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), openblas_get_config());
}

// setDnnl(on): whether im2col convolutions go to oneDNN; returns the library's
// description, or "" when it is not built in (then nothing changes).
Napi::Value SetDnnl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsBoolean()) throw Napi::TypeError::New(env, "setDnnl takes one boolean");
  dnnlOn = info[0].As<Napi::Boolean>().Value();
  return Napi::String::New(env, tikhonov::DnnlDescription());
}

// poolFailureProbe(count, failAt, onWorker): runs count chunks on the pool;
// chunk failAt throws std::bad_alloc — or, with onWorker, the first chunk a
// worker thread runs (the caller's first chunk waits for a worker to come).
// A diagnostic for the tests: a failure inside a pool job, on the caller's
// thread or a worker's, must reach JavaScript as an Error, and the pool must
// work afterwards. Returns how many chunks ran to the end.
Napi::Value PoolFailureProbe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3 || !info[2].IsBoolean()) throw Napi::TypeError::New(env, "poolFailureProbe takes count, failAt and onWorker (a boolean)");
  const int64_t count = Stride(env, info[0], "count");
  const int64_t failAt = Stride(env, info[1], "failAt");
  const bool onWorker = info[2].As<Napi::Boolean>().Value();
  if (count > 1000000) throw Napi::RangeError::New(env, "poolFailureProbe: count must be at most 1 000 000");
  const std::thread::id caller = std::this_thread::get_id();
  const bool workers = Threads().Threads() > 1;
  std::atomic<bool> workerCame{false};
  std::atomic<bool> callerWaited{false};
  std::atomic<int64_t> ran{0};
  Threads().Run(count, [&](int64_t i) {
    if (onWorker) {
      if (std::this_thread::get_id() != caller) {
        workerCame.store(true, std::memory_order_release);
        throw std::bad_alloc();
      }
      // the caller's first chunk waits for a worker to come (at most 0.2 s: see the test)
      if (!callerWaited.exchange(true)) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
        while (workers && !workerCame.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < until) tikhonov::CpuRelax();
      }
    } else if (i == failAt) {
      throw std::bad_alloc();
    }
    ran.fetch_add(1, std::memory_order_relaxed);
  });
  return Napi::Number::New(env, static_cast<double>(ran.load()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // OpenBLAS runs inside the pool's threads (Sgemm); the pool starts with
  // the thread count OpenBLAS chose for this machine (its cores).
  static const bool started = [] {
    const int cores = openblas_get_num_threads();
    openblas_set_num_threads(1);
    Threads().Resize(std::max(1, std::min(cores, 8)));
    return true;
  }();
  (void)started;
  exports.Set("gemmBatched", Napi::Function::New(env, GemmBatched));
  exports.Set("poolFailureProbe", Napi::Function::New(env, PoolFailureProbe));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("lerp", Napi::Function::New(env, Lerp));
  exports.Set("adam", Napi::Function::New(env, Adam));
  exports.Set("momentum", Napi::Function::New(env, Momentum));
  exports.Set("sgd", Napi::Function::New(env, Sgd));
  exports.Set("maxNormColumns", Napi::Function::New(env, MaxNormColumns));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("gatherRows", Napi::Function::New(env, GatherRows));
  exports.Set("transform", Napi::Function::New(env, Transform));
  exports.Set("reverseAxis", Napi::Function::New(env, ReverseAxis));
  exports.Set("select", Napi::Function::New(env, Select));
  exports.Set("castFloats", Napi::Function::New(env, CastFloats));
  exports.Set("biasActivation", Napi::Function::New(env, BiasActivation));
  exports.Set("reluBiasGrad", Napi::Function::New(env, ReluBiasGrad));
  exports.Set("reduceAxis", Napi::Function::New(env, ReduceAxis));
  exports.Set("softmaxRows", Napi::Function::New(env, SoftmaxRows));
  exports.Set("argMaxRows", Napi::Function::New(env, ArgMaxRows));
  exports.Set("conv2d", Napi::Function::New(env, Conv2d));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2dBackpropInput));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2dBackpropFilter));
  exports.Set("maxPool", Napi::Function::New(env, MaxPool));
  exports.Set("maxPoolGrad", Napi::Function::New(env, MaxPoolGrad));
  exports.Set("avgPool", Napi::Function::New(env, AvgPool));
  exports.Set("avgPoolGrad", Napi::Function::New(env, AvgPoolGrad));
  exports.Set("setZiggurat", Napi::Function::New(env, SetZiggurat));
  exports.Set("randomFill", Napi::Function::New(env, RandomFill));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads));
  exports.Set("config", Napi::Function::New(env, Config));
  exports.Set("setDnnl", Napi::Function::New(env, SetDnnl));
  return exports;
}

}  // namespace

NODE_API_MODULE(tikhonov_native, Init)
