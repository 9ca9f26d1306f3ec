// Native kernels for the `native` tfjs backend: OpenBLAS SGEMM over the
// Float32Arrays tfjs-backend-cpu stores on the JS heap (no copies). Every entry
// point checks the lengths and dimensions it is given and throws a JS error
// instead of reading or writing out of bounds.
#include <napi.h>
#include <cblas.h>
#include <cstdint>
#include <string>

namespace {

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

Napi::Float32Array Floats(const Napi::Env& env, const Napi::Value& v, const char* name) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(env, std::string(name) + " must be a Float32Array");
  }
  return v.As<Napi::Float32Array>();
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
  const auto need = [&](int64_t stride, int64_t size) { return (batch - 1) * stride + size; };
  if (static_cast<int64_t>(a.ElementLength()) < need(aStride, m * k)) {
    throw Napi::RangeError::New(env, "a holds " + std::to_string(a.ElementLength()) + " values but the shapes need " + std::to_string(need(aStride, m * k)));
  }
  if (static_cast<int64_t>(b.ElementLength()) < need(bStride, k * n)) {
    throw Napi::RangeError::New(env, "b holds " + std::to_string(b.ElementLength()) + " values but the shapes need " + std::to_string(need(bStride, k * n)));
  }
  if (static_cast<int64_t>(out.ElementLength()) != batch * m * n) {
    throw Napi::RangeError::New(env, "out holds " + std::to_string(out.ElementLength()) + " values but must hold batch·m·n = " + std::to_string(batch * m * n));
  }
  const float* pa = a.Data();
  const float* pb = b.Data();
  float* pc = out.Data();
  const int lda = transA ? static_cast<int>(m) : static_cast<int>(k);
  const int ldb = transB ? static_cast<int>(k) : static_cast<int>(n);
  for (int64_t i = 0; i < batch; i++) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0f,
                pa + i * aStride, lda, pb + i * bStride, ldb, 0.0f, pc + i * m * n, static_cast<int>(n));
  }
  return env.Undefined();
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t threads = Dim(env, info[0], "threads");
  openblas_set_num_threads(static_cast<int>(threads));
  return env.Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), openblas_get_num_threads());
}

Napi::Value Config(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), openblas_get_config());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("gemmBatched", Napi::Function::New(env, GemmBatched));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads));
  exports.Set("config", Napi::Function::New(env, Config));
  return exports;
}

}  // namespace

NODE_API_MODULE(tikhonov_native, Init)
