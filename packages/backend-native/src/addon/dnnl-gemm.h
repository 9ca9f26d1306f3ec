// Matrix products through oneDNN's SGEMM (its JIT AVX2/AVX-512 kernels),
// built in with the convolutions when the library is found (TIKHONOV_DNNL).
#pragma once
#include <cstdint>

namespace tikhonov {

/** Whether the addon was built with oneDNN (binding.gyp defines TIKHONOV_DNNL for every file). */
#ifdef TIKHONOV_DNNL
inline constexpr bool kDnnlBuiltIn = true;
#else
inline constexpr bool kDnnlBuiltIn = false;
#endif

/**
 * C (m×n, row stride ldc) = op(A) · op(B), row-major, on the calling thread
 * alone (its OpenMP thread count set to 1 for the call). Throws
 * std::runtime_error when the library refuses the call, or when it is not
 * built in (callers check kDnnlBuiltIn first).
 */
void DnnlSgemmHere(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc);

}  // namespace tikhonov
