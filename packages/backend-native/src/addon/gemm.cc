// Matrix products: SGEMM on the calling thread or banded over the pool
// (through oneDNN or OpenBLAS, by shape), gemmBatched and setDnnlGemm.
#include <atomic>

#include "common.h"
#include "dnnl-conv.h"
#include "dnnl-gemm.h"
#include "entries.h"

namespace tikhonov::addon {

namespace {

// Whether the banded products may go to oneDNN (setDnnlGemm).
std::atomic<bool> dnnlGemmOn{true};

// Which library multiplies a whole product of these dimensions, decided once
// for the product (not per band), so that its bands agree whatever the thread
// count. oneDNN's single-threaded SGEMM ran this machine's large products
// 6–20 % faster than OpenBLAS's, banded the same way — the MLP epoch bench's
// 128×784·784×512 forward product 488 against 568 µs, its weight gradients
// 471–486 against 523–533 — and OpenBLAS is poor at a short inner dimension
// (the last layer's input gradient, 128×10·10×512: 17 against 43 µs). Below
// ≈ 2 M multiply-adds OpenBLAS's smaller call cost wins (128×512·512×10:
// 10 against 14 µs). Best of 7×50 calls, two threads banded as here, in a
// standalone C++ program calling both libraries (AMD EPYC, AVX-512; the
// package README's *Products through oneDNN* has the whole-epoch A/B).
bool ProductToDnnl(int64_t m, int64_t n, int64_t k) {
  if (!tikhonov::kDnnlBuiltIn || !dnnlGemmOn.load(std::memory_order_relaxed)) return false;
  // in double: gemmLibrary takes any dimensions, whose product may not fit in int64
  const double rows = static_cast<double>(m), columns = static_cast<double>(n);
  return rows * columns * static_cast<double>(k) >= 2097152.0 || (k < 32 && rows * columns >= 16384.0);
}

}  // namespace

// C (m×n, row stride ldc) = op(A) · op(B), row-major, through OpenBLAS on the
// calling thread (single-threaded, set at load): for the im2col convolutions'
// chunks, already inside a pool job, and Sgemm's OpenBLAS bands.
void SgemmHere(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k),
              1.0f, a, static_cast<int>(lda), b, static_cast<int>(ldb), 0.0f, c, static_cast<int>(ldc));
}

// The same on the pool: a band of C's rows (or of its columns when there
// are few rows) per thread, each a single-threaded call of the library chosen
// for the whole product (ProductToDnnl), so that the SGEMMs and the addon's
// other loops share one set of threads.
void Sgemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc) {
  const bool dnnl = ProductToDnnl(m, n, k);
  auto call = [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    const float* pa = a + (transA ? m0 : m0 * lda);
    const float* pb = b + (transB ? n0 * ldb : n0);
    float* pc = c + m0 * ldc + n0;
    if (dnnl) tikhonov::DnnlSgemmHere(transA, transB, m1 - m0, n1 - n0, k, pa, lda, pb, ldb, pc, ldc);
    else SgemmHere(transA, transB, m1 - m0, n1 - n0, k, pa, lda, pb, ldb, pc, ldc);
  };
  // bands of 16 rows or columns keep OpenBLAS's vector kernels on whole blocks
  const int64_t work = m * n * k / 16;
  // one band per thread: smaller bands cost OpenBLAS more than they balance.
  // Few rows against a wide B (a batch of ≤ 128 through a layer of ≥ 256
  // units) go by columns: by rows, each thread would pack all of B, the
  // weights, for its few rows; by columns it packs half of B and all of the
  // small A. By columns, the MLP epoch bench's step (784-512-512-10, batch
  // 128) took 0.943–0.957 of its time by rows (hand-measured: two runs of 16
  // alternating epochs in one process).
  const bool byColumns = (m <= 128 && n >= 256) || (m < 64 && m < n);
  if (!byColumns) {
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

// setDnnlGemm(on): whether the large banded products may go to oneDNN;
// returns the library's description, or "" when it is not built in (then
// every product is OpenBLAS's).
Napi::Value SetDnnlGemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsBoolean()) throw Napi::TypeError::New(env, "setDnnlGemm takes one boolean");
  dnnlGemmOn = info[0].As<Napi::Boolean>().Value();
  return Napi::String::New(env, tikhonov::DnnlDescription());
}

// gemmLibrary(m, n, k): "onednn" or "openblas", the library a product of these dimensions goes to now.
Napi::Value GemmLibrary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3) throw Napi::TypeError::New(env, "gemmLibrary takes 3 arguments");
  const bool dnnl = ProductToDnnl(Dim(env, info[0], "m"), Dim(env, info[1], "n"), Dim(env, info[2], "k"));
  return Napi::String::New(env, dnnl ? "onednn" : "openblas");
}

}  // namespace tikhonov::addon
