// Convolutions through oneDNN (Debian's libdnnl 2.6, the library PyTorch's CPU
// convolutions use), built in when the library is found (TIKHONOV_DNNL). Its
// JIT kernels work in blocked layouts; with its direct algorithm activations
// stay in tfjs's NHWC and only the small filters are reordered (hwio ⇄
// blocked) per call; its Winograd kernels need activations in nChw16c too. Each thread
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
 * all NHWC, filters [fH, fW, inC, outC]. With `winograd`, the cases
 * UsesWinograd names run on oneDNN's Winograd F(4×4, 3×3) kernels. Returns
 * false (and does nothing) without TIKHONOV_DNNL, or where the implied bottom
 * or right padding is negative.
 */
bool DnnlConv(DnnlConvKind kind, const DnnlConvShape& g, const float* a, const float* b, float* out, int threads, bool winograd);

/**
 * Whether `winograd` sends this convolution to oneDNN's Winograd kernels: the
 * forward pass, and the input gradient of one whose output is as large as its
 * input ('same'), for 3×3 windows at stride 1 without dilation and channel
 * counts in multiples of 16 (nChw16c without padding). Measured in whole
 * steps (2 threads, per call, direct / Winograd, ms; the NHWC ⇄ nChw16c copies
 * included): the epoch bench's CNN at batch 128, forward 28×28×32→32 9.85–10.75
 * / 8.27–9.95, 14×14×64→64 8.87–9.28 / 6.83–7.46, input gradient 14×14×64→64
 * 10.88–12.88 / 6.65–9.04; but filter gradients 28×28×32→32 9.68–9.92 /
 * 11.52–12.47 and 14×14×64→64 9.28–9.60 / 9.25–10.68, so those stay direct.
 * A 'valid' input gradient is a 'full' convolution onto the larger image
 * (13×13: four 4×4 tiles a side for 13 values) and was slower alone (1.52–1.58
 * against 1.37–1.48 ms in a standalone C program). False where the CPU has
 * no Winograd kernels (WinogradAvailable) and without oneDNN.
 */
bool UsesWinograd(DnnlConvKind kind, const DnnlConvShape& g);

/** Whether oneDNN has Winograd kernels for this CPU (2.6: AVX-512 only); probed once. False without oneDNN. */
bool WinogradAvailable();

/** "oneDNN <version> (<ISA>)", or "" when not built in. */
std::string DnnlDescription();

}  // namespace tikhonov
