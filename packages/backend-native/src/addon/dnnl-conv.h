// Convolutions through oneDNN (Debian's libdnnl 2.6, the library PyTorch's CPU
// convolutions use), built in when the library is found (TIKHONOV_DNNL). Its
// JIT kernels work in blocked layouts; here activations stay in tfjs's NHWC and
// only the small filters are reordered (hwio ⇄ blocked) per call. Each thread
// that calls keeps its own engine, stream and primitives (built once per
// geometry), so worker threads never share a primitive.
#pragma once
#include <cstdint>
#include <string>

namespace tikhonov {

/** What to compute: y = x ⋆ w, dx from dy and w, or dw from x and dy. */
enum class DnnlConvKind { Forward, BackwardData, BackwardWeights };

/** The convolution's shape in NHWC and its window, as the addon's ConvGeometry holds it. */
struct DnnlConvShape {
  int64_t batch, inH, inW, inC, outH, outW, outC, fH, fW, sH, sW, dH, dW, padT, padL;
};

/**
 * Runs one convolution on `threads` OpenMP threads: Forward(a = x, b = w → out = y),
 * BackwardData(a = dy, b = w → out = dx), BackwardWeights(a = x, b = dy → out = dw),
 * all NHWC, filters [fH, fW, inC, outC]. Returns false (and does nothing)
 * without TIKHONOV_DNNL, or where the implied bottom or right padding is negative.
 */
bool DnnlConv(DnnlConvKind kind, const DnnlConvShape& g, const float* a, const float* b, float* out, int threads);

/** "oneDNN <version> (<ISA>)", or "" when not built in. */
std::string DnnlDescription();

}  // namespace tikhonov
