// Max and average pooling and their gradients (NHWC).
#include "common.h"
#include "entries.h"
#include "window.h"

namespace tikhonov::addon {

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

}  // namespace tikhonov::addon
