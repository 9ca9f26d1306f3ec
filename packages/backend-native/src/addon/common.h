// What every file of the addon shares: the argument checks every entry point
// uses, the thread pool and its chunked loops, the SGEMM wrappers, and the
// attribute that gives vectorized loops an AVX2+FMA copy. The entry points
// themselves are declared in entries.h and registered in native.cc.
#pragma once
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

namespace tikhonov::addon {

// A dimension: a positive integer that fits in an int (BLAS takes int).
inline int64_t Dim(const Napi::Env& env, const Napi::Value& v, const char* name) {
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string(name) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 1) || d != static_cast<double>(static_cast<int64_t>(d)) || d > 2147483647.0) {
    throw Napi::RangeError::New(env, std::string(name) + " must be a positive integer below 2^31, got " + std::to_string(d));
  }
  return static_cast<int64_t>(d);
}

// A stride: a non-negative integer.
inline int64_t Stride(const Napi::Env& env, const Napi::Value& v, const char* name) {
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
inline int64_t Product(const Napi::Env& env, std::initializer_list<int64_t> factors, const char* what) {
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

inline Napi::Float32Array Floats(const Napi::Env& env, const Napi::Value& v, const char* name) { return Typed<float>(env, v, name); }

// The addon's thread pool (pool.h), one for the whole addon (native.cc); setThreads sizes it.
tikhonov::Pool& Threads();

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
// (OpenBLAS is single-threaded, set at load): for work already inside a pool job (gemm.cc).
void SgemmHere(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc);
// The same on the pool, a band of C's rows or columns per thread (gemm.cc).
void Sgemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc);

}  // namespace tikhonov::addon
