#include "dnnl-gemm.h"

#include <stdexcept>
#include <string>

#ifdef TIKHONOV_DNNL
#include <dnnl.h>
#include <omp.h>

#include "signals.h"

namespace tikhonov {

void DnnlSgemmHere(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc) {
  // The addon's pool already splits the product into one band per thread;
  // left at the process's count, each band would start an OpenMP team of its
  // own. The count is per calling thread in OpenMP, and DnnlConv sets it back
  // where a convolution is issued.
  if (omp_get_max_threads() != 1) omp_set_num_threads(1);
  // its JIT kernels move the stack pointer into the heap (signals.h)
  const HeldSignals held;
  const dnnl_status_t status = dnnl_sgemm(transA ? 'T' : 'N', transB ? 'T' : 'N', m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
  // the addon checks the dimensions first: a refusal here is a bug, not a case to hand to OpenBLAS unseen
  if (status != dnnl_success) throw std::runtime_error("oneDNN's sgemm refused a " + std::to_string(m) + "×" + std::to_string(n) + "×" + std::to_string(k) + " product (status " + std::to_string(static_cast<int>(status)) + ")");
}

}  // namespace tikhonov

#else

namespace tikhonov {
void DnnlSgemmHere(bool, bool, int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t) { throw std::runtime_error("this addon was built without oneDNN"); }
}  // namespace tikhonov

#endif
