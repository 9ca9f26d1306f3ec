// Native kernels for the `native` tfjs backend: OpenBLAS SGEMM over the
// Float32Arrays tfjs-backend-cpu stores on the JS heap (no copies). Every entry
// point checks the lengths and dimensions it is given and throws a JS error
// instead of reading or writing out of bounds.
#include <napi.h>
#include <cblas.h>
#include <cstdint>
#include <algorithm>
#include <string>
#include <vector>

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

// binary(op, a, b, out): out[i] = a[i % aLen] op b[i % bLen], where each input is
// either as long as out or a trailing block of it (bias rows, scalars).
// op: 0 add, 1 sub, 2 mul, 3 div, 4 squared difference, 5 maximum, 6 minimum.
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw Napi::TypeError::New(env, "binary takes 4 arguments");
  const int64_t op = Stride(env, info[0], "op");
  auto a = Floats(env, info[1], "a");
  auto b = Floats(env, info[2], "b");
  auto out = Floats(env, info[3], "out");
  const size_t n = out.ElementLength(), na = a.ElementLength(), nb = b.ElementLength();
  if (n == 0 || na == 0 || nb == 0 || n % na != 0 || n % nb != 0) {
    throw Napi::RangeError::New(env, "binary: lengths " + std::to_string(na) + " and " + std::to_string(nb) + " must divide the output length " + std::to_string(n));
  }
  if (op > 6) throw Napi::RangeError::New(env, "binary: unknown op " + std::to_string(op));
  const float* pa = a.Data();
  const float* pb = b.Data();
  float* po = out.Data();
  // One loop per op and broadcast pattern keeps the inner loops branch-free.
#define TIKHONOV_LOOP(EXPR)                                                       \
  if (na == n && nb == n) { for (size_t i = 0; i < n; i++) { float x = pa[i], y = pb[i]; po[i] = (EXPR); } }          \
  else if (na == n) { for (size_t i = 0; i < n; i += nb) for (size_t j = 0; j < nb; j++) { float x = pa[i + j], y = pb[j]; po[i + j] = (EXPR); } } \
  else if (nb == n) { for (size_t i = 0; i < n; i += na) for (size_t j = 0; j < na; j++) { float x = pa[j], y = pb[i + j]; po[i + j] = (EXPR); } } \
  else { for (size_t i = 0; i < n; i++) { float x = pa[i % na], y = pb[i % nb]; po[i] = (EXPR); } }
  switch (op) {
    case 0: TIKHONOV_LOOP(x + y) break;
    case 1: TIKHONOV_LOOP(x - y) break;
    case 2: TIKHONOV_LOOP(x * y) break;
    case 3: TIKHONOV_LOOP(x / y) break;
    case 4: TIKHONOV_LOOP((x - y) * (x - y)) break;
    case 5: TIKHONOV_LOOP(x > y || x != x ? x : y) break;
    default: TIKHONOV_LOOP(x < y || x != x ? x : y) break;
  }
#undef TIKHONOV_LOOP
  return env.Undefined();
}

// unary(op, x, out, alpha): op 0 relu max(x, 0); 1 step (x > 0 ? 1 : alpha), NaN kept.
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw Napi::TypeError::New(env, "unary takes 4 arguments");
  const int64_t op = Stride(env, info[0], "op");
  auto x = Floats(env, info[1], "x");
  auto out = Floats(env, info[2], "out");
  if (!info[3].IsNumber()) throw Napi::TypeError::New(env, "alpha must be a number");
  const float alpha = info[3].As<Napi::Number>().FloatValue();
  if (x.ElementLength() != out.ElementLength()) throw Napi::RangeError::New(env, "unary: x and out must have the same length");
  const float* px = x.Data();
  float* po = out.Data();
  const size_t n = x.ElementLength();
  if (op == 0) {
    for (size_t i = 0; i < n; i++) po[i] = px[i] > 0 || px[i] != px[i] ? px[i] : 0.0f;
  } else if (op == 1) {
    for (size_t i = 0; i < n; i++) po[i] = px[i] != px[i] ? px[i] : (px[i] > 0 ? 1.0f : alpha);
  } else {
    throw Napi::RangeError::New(env, "unary: unknown op " + std::to_string(op));
  }
  return env.Undefined();
}

// gatherRows(x, rowSize, indices, out): out row i = x row indices[i].
Napi::Value GatherRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw Napi::TypeError::New(env, "gatherRows takes 4 arguments");
  auto x = Floats(env, info[0], "x");
  const int64_t rowSize = Dim(env, info[1], "rowSize");
  if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) throw Napi::TypeError::New(env, "indices must be an Int32Array");
  auto indices = info[2].As<Napi::Int32Array>();
  auto out = Floats(env, info[3], "out");
  const int64_t rows = static_cast<int64_t>(x.ElementLength()) / rowSize;
  if (rows * rowSize != static_cast<int64_t>(x.ElementLength())) throw Napi::RangeError::New(env, "gatherRows: x's length is not a multiple of rowSize");
  if (static_cast<int64_t>(out.ElementLength()) != static_cast<int64_t>(indices.ElementLength()) * rowSize) {
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

// sumAxis(x, outer, inner, leading, out): x viewed as outer×inner row-major;
// leading=true sums over the outer axis (out has inner values), else over the
// inner axis (out has outer values). Accumulates in double.
Napi::Value SumAxis(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 5) throw Napi::TypeError::New(env, "sumAxis takes 5 arguments");
  auto x = Floats(env, info[0], "x");
  const int64_t outer = Dim(env, info[1], "outer");
  const int64_t inner = Dim(env, info[2], "inner");
  const bool leading = info[3].ToBoolean();
  auto out = Floats(env, info[4], "out");
  if (static_cast<int64_t>(x.ElementLength()) != outer * inner) throw Napi::RangeError::New(env, "sumAxis: x must hold outer·inner values");
  if (static_cast<int64_t>(out.ElementLength()) != (leading ? inner : outer)) throw Napi::RangeError::New(env, "sumAxis: out has the wrong length");
  const float* px = x.Data();
  float* po = out.Data();
  if (leading) {
    std::vector<double> acc(inner, 0.0);
    for (int64_t i = 0; i < outer; i++) for (int64_t j = 0; j < inner; j++) acc[j] += px[i * inner + j];
    for (int64_t j = 0; j < inner; j++) po[j] = static_cast<float>(acc[j]);
  } else {
    for (int64_t i = 0; i < outer; i++) {
      double acc = 0;
      for (int64_t j = 0; j < inner; j++) acc += px[i * inner + j];
      po[i] = static_cast<float>(acc);
    }
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
 exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("gatherRows", Napi::Function::New(env, GatherRows));
  exports.Set("sumAxis", Napi::Function::New(env, SumAxis));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads));
  exports.Set("config", Napi::Function::New(env, Config));
  return exports;
}

}  // namespace

NODE_API_MODULE(tikhonov_native, Init)
