// Max and average pooling and their gradients (NHWC).
#include "common.h"
#include "entries.h"
#include "window.h"

namespace tikhonov::addon {

// Whether the windows are 2×2 of stride 2 inside the input (no padding, no
// dilation): they tile it, each pixel in at most one window, those past the
// last whole window (an odd edge) in none. Most CNNs pool this way.
bool Tiles2x2(const ConvGeometry& g) {
  return g.fH == 2 && g.fW == 2 && g.sH == 2 && g.sW == 2 && g.dH == 1 && g.dW == 1 && g.padT == 0 && g.padL == 0 && 2 * g.outH <= g.inH && 2 * g.outW <= g.inW;
}

// The maximum of four taps in window order, as PoolImages takes it: strictly
// greater wins, starting from −inf, so NaN never does.
__attribute__((always_inline)) inline float Max4(float a, float b, float c, float d) {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  float best = a > kNegInf ? a : kNegInf;
  best = b > best ? b : best;
  best = c > best ? c : best;
  return d > best ? d : best;
}

// One 2×2 window's channels: the maximum of taps v0–v3 (in window order) to m.
// Separate functions with restrict parameters: inside the loop nest, nine
// pointers needed more run-time alias checks than GCC makes, and the routing
// loop stayed scalar (3× slower than the general loop).
__attribute__((always_inline)) inline void Max2x2(int64_t c, const float* __restrict v0, const float* __restrict v1, const float* __restrict v2, const float* __restrict v3, float* __restrict m) {
  for (int64_t k = 0; k < c; k++) m[k] = Max4(v0[k], v1[k], v2[k], v3[k]);
}

// One 2×2 window's gradient: dy to the first tap equal to the maximum, 0 to
// the others (none when the window holds only NaN and −inf), stored to g0–g3,
// by selects only.
__attribute__((always_inline)) inline void Route2x2(int64_t c, const float* __restrict v0, const float* __restrict v1, const float* __restrict v2, const float* __restrict v3, const float* __restrict dy,
                                                   float* __restrict g0, float* __restrict g1, float* __restrict g2, float* __restrict g3) {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  for (int64_t k = 0; k < c; k++) {
    const float a = v0[k], e = v1[k], f = v2[k], h = v3[k], d = dy[k];
    const float best = Max4(a, e, f, h);
    float left = best > kNegInf ? 1.0f : 0.0f;
    const float hitA = a == best ? left : 0.0f;
    left -= hitA;
    const float hitE = e == best ? left : 0.0f;
    left -= hitE;
    const float hitF = f == best ? left : 0.0f;
    left -= hitF;
    const float hitH = h == best ? left : 0.0f;
    g0[k] = hitA > 0.0f ? d : 0.0f;
    g1[k] = hitE > 0.0f ? d : 0.0f;
    g2[k] = hitF > 0.0f ? d : 0.0f;
    g3[k] = hitH > 0.0f ? d : 0.0f;
  }
}

// PoolImages (below) for 2×2 windows that tile the input: the same values, in
// one loop over a window's channels that reads its four taps and writes the
// maximum (out) or the four taps' gradients (dx) — stored, as no other window
// shares them, so dx is not zeroed first and not read back. The general loop
// runs eleven short channel loops a window (the maximum tap by tap, then the
// routing), whose setup dominated at the bench CNN's 32 channels: its
// 64×26×26×32 gradient took 533 µs alone on 2 threads (769 on one); see the
// package README for this loop's. Pixels no window reaches (an odd edge) get 0.
TIKHONOV_VECTOR void Pool2x2Images(const ConvGeometry& g, const float* x, float* out, const float* dy, float* dx, int64_t b0, int64_t b1) {
  const int64_t c = g.inC, row = g.inW * c;
  for (int64_t b = b0; b < b1; b++) {
    for (int64_t oh = 0; oh < g.outH; oh++) {
      const int64_t top = (b * g.inH + 2 * oh) * row;
      for (int64_t ow = 0; ow < g.outW; ow++) {
        const int64_t t = top + 2 * ow * c;
        const float* v = x + t;
        const int64_t o = ((b * g.outH + oh) * g.outW + ow) * c;
        if (dx == nullptr) Max2x2(c, v, v + c, v + row, v + row + c, out + o);
        else Route2x2(c, v, v + c, v + row, v + row + c, dy + o, dx + t, dx + t + c, dx + t + row, dx + t + row + c);
      }
      // an odd width: the last column of these two rows is in no window
      if (dx != nullptr && 2 * g.outW < g.inW) {
        for (int64_t r = 0; r < 2; r++) std::fill(dx + top + r * row + 2 * g.outW * c, dx + top + (r + 1) * row, 0.0f);
      }
    }
    // an odd height: the last row is in no window
    if (dx != nullptr && 2 * g.outH < g.inH) std::fill(dx + (b * g.inH + 2 * g.outH) * row, dx + (b + 1) * g.inH * row, 0.0f);
  }
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
  if (Tiles2x2(g)) return Pool2x2Images(g, x, out, dy, dx, b0, b1);
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
