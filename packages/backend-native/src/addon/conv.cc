// Convolutions (NHWC): im2col + OpenBLAS SGEMM, the direct small-patch
// kernels, oneDNN where built in, and the three entry points.
#include "common.h"
#include "entries.h"
#include "window.h"
#include "dnnl-conv.h"

namespace tikhonov::addon {

// One image's im2col rows: patches[(oh, ow), (fh, fw, c)] = x at that tap, 0 in padding.
void Im2colImage(const ConvGeometry& g, const float* x, int64_t b, float* row) {
  const int64_t c = g.inC;
  for (int64_t oh = 0; oh < g.outH; oh++)
    for (int64_t ow = 0; ow < g.outW; ow++)
      for (int64_t fh = 0; fh < g.fH; fh++) {
        // the row of x under this tap row, found once per tap row
        const int64_t h = oh * g.sH - g.padT + fh * g.dH;
        const bool rowInside = h >= 0 && h < g.inH;
        const float* xrow = x + (b * g.inH + (rowInside ? h : 0)) * g.inW * c;
        for (int64_t fw = 0; fw < g.fW; fw++, row += c) {
          const int64_t w = ow * g.sW - g.padL + fw * g.dW;
          const bool inside = rowInside && w >= 0 && w < g.inW;
          if (c == 1) {
            // first layers on one channel: a per-tap copy loop costs more than the copy
            row[0] = inside ? xrow[w] : 0.0f;
          } else if (inside) {
            for (int64_t i = 0; i < c; i++) row[i] = xrow[w * c + i];
          } else {
            for (int64_t i = 0; i < c; i++) row[i] = 0.0f;
          }
        }
      }
}

// The im2col matrix of the whole batch: rows (b, oh, ow).
void Im2col(const ConvGeometry& g, const float* x, float* patches) {
  const int64_t image = g.outH * g.outW * g.patch();
  ForImages(g.batch, image, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) Im2colImage(g, x, b, patches + b * image);
  });
}

// The adjoint of Im2col: dx = 0, then each patch entry added back to its pixel.
// Images [b0, b1) of dx from their im2col rows, `patches` starting at image b0's.
TIKHONOV_VECTOR void Col2imImages(const ConvGeometry& g, const float* patches, float* dx, int64_t b0, int64_t b1) {
  const int64_t k = g.patch();
  const int64_t image = g.inH * g.inW * g.inC;
  std::fill(dx + b0 * image, dx + b1 * image, 0.0f);
  for (int64_t b = b0; b < b1; b++)
    for (int64_t oh = 0; oh < g.outH; oh++)
      for (int64_t ow = 0; ow < g.outW; ow++) {
        const float* row = patches + (((b - b0) * g.outH + oh) * g.outW + ow) * k;
        for (int64_t fh = 0; fh < g.fH; fh++)
          for (int64_t fw = 0; fw < g.fW; fw++, row += g.inC) {
            const int64_t p = Pixel(g, b, oh, ow, fh, fw);
            if (p >= 0) for (int64_t c = 0; c < g.inC; c++) dx[p + c] += row[c];
          }
      }
}

void Col2im(const ConvGeometry& g, const float* patches, float* dx) {
  const int64_t perImage = g.outH * g.outW * g.patch();
  ForImages(g.batch, perImage, [&](int64_t b0, int64_t b1) { Col2imImages(g, patches + b0 * perImage, dx, b0, b1); });
}

// The im2col matrix lives in one scratch buffer that grows and is never
// freed: a fresh multi-megabyte buffer per call costs more in page faults and
// zeroing than the copy itself (measured ≈ 3 ms for 9 MB). One per calling
// JavaScript thread: worker_threads in one process share this library.
float* Scratch(int64_t n) {
  static thread_local std::vector<float> buffer;
  if (static_cast<int64_t>(buffer.size()) < n) {
    buffer.clear();
    buffer.shrink_to_fit();
    buffer.resize(n);
  }
  return buffer.data();
}

// A patch of at most this many values (a first layer on 1–3 channels) is
// convolved directly, one image at a time: with K = 9, im2col + SGEMM spends
// its time writing, packing and re-reading the im2col matrix and runs at a
// few GFLOP/s.
constexpr int64_t kDirectPatch = 32;
bool Direct(const ConvGeometry& g) { return g.patch() <= kDirectPatch; }
// Where oneDNN is built in it goes first even for these small patches, but
// for a forward pass of at most 9 taps (one channel, 3×3): measured on
// 64 images, our forward kernel ran 28×28×1 → 32 in 0.29–0.40 ms against
// oneDNN's 0.43–0.54, while oneDNN's ran 3 channels (27 taps, 32×32 'same')
// in 0.68–0.84 ms against 1.2–2.0 and a 5×5 on one channel in 0.49 against
// 2.3; its filter gradients were 2.7–6× faster at every patch size tried
// (28×28×1 → 32: 0.17–0.22 ms against 0.53–0.64).
constexpr int64_t kDirectForwardFirst = 9;

// Eight floats: GCC lowers arithmetic on it to one AVX or two SSE
// instructions, and it stays in a register (the direct loops keep four).
typedef float Vec8 __attribute__((vector_size(32)));
inline Vec8 Load8(const float* p) {
  Vec8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void Store8(float* p, Vec8 v) { std::memcpy(p, &v, sizeof v); }

// The direct loops take output pixels four at a time. Pixel i's patch is
// p[i][off[t]], t < k: an interior pixel's window is read in place in x (off
// holds the taps' distances in x), a pixel whose window overlaps the padding
// is first gathered into a small buffer (off = 0…k−1). A group of fewer than
// four pixels repeats its first pixel in the unused places (reads stay inside
// x); the forward kernel writes them to a spare row, the filter gradient
// skips them.
struct PixelGroup {
  const float* p[4];
  const int64_t* off;
  int64_t count;  // real pixels in the group
  int64_t first;  // output row index (b, oh, ow) of the first pixel
};

// Calls f(group) for every group of up to four pixels of images [b0, b1),
// left to right within each output row.
template <typename F>
void ForPixelGroups(const ConvGeometry& g, const float* x, int64_t b0, int64_t b1, F f) {
  const int64_t k = g.patch();
  std::vector<int64_t> taps(k), identity(k);
  std::iota(identity.begin(), identity.end(), int64_t{0});
  for (int64_t fh = 0, t = 0; fh < g.fH; fh++)
    for (int64_t fw = 0; fw < g.fW; fw++)
      for (int64_t c = 0; c < g.inC; c++, t++) taps[t] = (fh * g.dH * g.inW + fw * g.dW) * g.inC + c;
  std::vector<float> gathered(4 * k);
  const int64_t spanH = (g.fH - 1) * g.dH, spanW = (g.fW - 1) * g.dW;
  for (int64_t b = b0; b < b1; b++)
    for (int64_t oh = 0; oh < g.outH; oh++) {
      const int64_t h = oh * g.sH - g.padT;
      const bool rowsInside = h >= 0 && h + spanH < g.inH;
      for (int64_t ow = 0; ow < g.outW; ow += 4) {
        PixelGroup group;
        group.count = std::min<int64_t>(4, g.outW - ow);
        group.first = (b * g.outH + oh) * g.outW + ow;
        const int64_t wFirst = ow * g.sW - g.padL, wLast = (ow + group.count - 1) * g.sW - g.padL;
        if (rowsInside && wFirst >= 0 && wLast + spanW < g.inW) {
          group.off = taps.data();
          for (int64_t i = 0; i < group.count; i++) group.p[i] = x + ((b * g.inH + h) * g.inW + wFirst + i * g.sW) * g.inC;
        } else {
          group.off = identity.data();
          for (int64_t i = 0; i < group.count; i++) {
            float* patch = gathered.data() + i * k;
            for (int64_t fh = 0; fh < g.fH; fh++)
              for (int64_t fw = 0; fw < g.fW; fw++, patch += g.inC) {
                const int64_t q = Pixel(g, b, oh, ow + i, fh, fw);
                for (int64_t c = 0; c < g.inC; c++) patch[c] = q >= 0 ? x[q + c] : 0.0f;
              }
            group.p[i] = gathered.data() + i * k;
          }
        }
        for (int64_t i = group.count; i < 4; i++) group.p[i] = group.p[0];
        f(group);
      }
    }
}

// o[i] (n values) = patch i · w (k × n), in registers four pixels × eight channels at a time.
TIKHONOV_VECTOR void DirectConvPixels(const PixelGroup& q, int64_t k, const float* w, int64_t n, float* const o[4]) {
  const float *p0 = q.p[0], *p1 = q.p[1], *p2 = q.p[2], *p3 = q.p[3];
  const int64_t* off = q.off;
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    Vec8 a0 = {}, a1 = {}, a2 = {}, a3 = {};
    for (int64_t t = 0; t < k; t++) {
      const Vec8 wt = Load8(w + t * n + j);
      const int64_t d = off[t];
      a0 += p0[d] * wt;
      a1 += p1[d] * wt;
      a2 += p2[d] * wt;
      a3 += p3[d] * wt;
    }
    Store8(o[0] + j, a0);
    Store8(o[1] + j, a1);
    Store8(o[2] + j, a2);
    Store8(o[3] + j, a3);
  }
  for (; j < n; j++)
    for (int64_t i = 0; i < 4; i++) {
      float a = 0;
      for (int64_t t = 0; t < k; t++) a += q.p[i][off[t]] * w[t * n + j];
      o[i][j] = a;
    }
}

// dw (k × n) += Σ_i patch iᵀ · d[i] (n values each) over the group's real pixels.
TIKHONOV_VECTOR void DirectConvFilterPixels(const PixelGroup& q, int64_t k, const float* const d[4], int64_t n, float* dw) {
  if (q.count < 4) {
    for (int64_t i = 0; i < q.count; i++)
      for (int64_t t = 0; t < k; t++) {
        const float v = q.p[i][q.off[t]];
        float* row = dw + t * n;
        for (int64_t j = 0; j < n; j++) row[j] += v * d[i][j];
      }
    return;
  }
  for (int64_t t = 0; t < k; t++) {
    const int64_t o = q.off[t];
    const float v0 = q.p[0][o], v1 = q.p[1][o], v2 = q.p[2][o], v3 = q.p[3][o];
    float* row = dw + t * n;
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) Store8(row + j, Load8(row + j) + ((v0 * Load8(d[0] + j) + v1 * Load8(d[1] + j)) + (v2 * Load8(d[2] + j) + v3 * Load8(d[3] + j))));
    for (; j < n; j++) row[j] += (v0 * d[0][j] + v1 * d[1][j]) + (v2 * d[2][j] + v3 * d[3][j]);
  }
}

void DirectConv(const ConvGeometry& g, const float* x, const float* w, float* out) {
  const int64_t n = g.outC;
  ForImages(g.batch, g.outH * g.outW * n * g.patch(), [&](int64_t b0, int64_t b1) {
    std::vector<float> spare(n);
    ForPixelGroups(g, x, b0, b1, [&](const PixelGroup& q) {
      float* o[4];
      for (int64_t i = 0; i < 4; i++) o[i] = i < q.count ? out + (q.first + i) * n : spare.data();
      DirectConvPixels(q, g.patch(), w, n, o);
    });
  });
}

// Each chunk of images sums into its own buffer; the buffers are then added
// in image order, so the result does not depend on which thread ran first.
void DirectConvFilter(const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  const int64_t n = g.outC;
  const int64_t size = g.patch() * n;
  std::vector<std::vector<float>> partial(static_cast<size_t>(g.batch));
  ForImages(g.batch, g.outH * g.outW * n * g.patch(), [&](int64_t b0, int64_t b1) {
    std::vector<float> acc(static_cast<size_t>(size), 0.0f);
    ForPixelGroups(g, x, b0, b1, [&](const PixelGroup& q) {
      const float* d[4];
      for (int64_t i = 0; i < 4; i++) d[i] = dy + (q.first + std::min(i, q.count - 1)) * n;
      DirectConvFilterPixels(q, g.patch(), d, n, acc.data());
    });
    partial[static_cast<size_t>(b0)] = std::move(acc);
  });
  std::fill(dw, dw + size, 0.0f);
  for (const auto& p : partial)
    for (size_t i = 0; i < p.size(); i++) dw[i] += p[i];
}

// A 1×1, stride-1, unpadded convolution's im2col matrix is x itself.
bool Pointwise(const ConvGeometry& g) {
  return g.fH == 1 && g.fW == 1 && g.sH == 1 && g.sW == 1 && g.padT == 0 && g.padL == 0 && g.outH == g.inH && g.outW == g.inW;
}

// The im2col convolutions go to oneDNN when it is built in and switched on
// (setDnnl): its JIT kernels ran the CNN's 32→32 and 64→64 3×3 convolutions
// 1.2–1.6× faster than im2col + SGEMM here. The pointwise SGEMM stays ours, and
// so does a one-channel 3×3 forward pass (kDirectForwardFirst); the direct
// first-layer kernels are the fallback where oneDNN is absent or switched off.
std::atomic<bool> dnnlOn{true};
// and, among them, the 3×3 stride-1 ones UsesWinograd names go to its Winograd kernels (setDnnlWinograd)
std::atomic<bool> winogradOn{true};

bool ViaDnnl(tikhonov::DnnlConvKind kind, const ConvGeometry& g, const float* a, const float* b, float* out) {
  if (!dnnlOn) return false;
  const tikhonov::DnnlConvShape shape{g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.fH, g.fW, g.sH, g.sW, g.dH, g.dW, g.padT, g.padL};
  return tikhonov::DnnlConv(kind, shape, a, b, out, Threads().Threads(), winogradOn.load(std::memory_order_relaxed));
}

// The im2col convolutions go chunk by chunk of images when there are enough
// chunks for the pool: each thread builds a chunk's im2col rows in its own
// scratch buffer (≈ 1 MB, so still in cache) and multiplies them there with a
// single-threaded SGEMM, instead of writing the whole batch's matrix out to
// memory and reading it back. With fewer images than that (or one thread) the
// batch's matrix is built whole and the SGEMM split in bands.
int64_t ImagesPerChunk(const ConvGeometry& g) {
  return std::max<int64_t>(1, (int64_t{1} << 18) / (g.outH * g.outW * g.patch()));
}

bool Chunked(const ConvGeometry& g) {
  const int64_t per = ImagesPerChunk(g);
  return Threads().Threads() > 1 && (g.batch + per - 1) / per >= 2 * Threads().Threads();
}

// f(chunk index, b0, b1) for every chunk of images, on the pool.
template <typename F>
void ForImageChunks(const ConvGeometry& g, F f) {
  const int64_t per = ImagesPerChunk(g);
  Threads().Run((g.batch + per - 1) / per, [&](int64_t i) { f(i, i * per, std::min(g.batch, (i + 1) * per)); });
}

// The im2col matrix of x: x itself for a pointwise convolution, else the scratch buffer.
const float* Patches(const ConvGeometry& g, const float* x) {
  if (Pointwise(g)) return x;
  float* scratch = Scratch(g.rows() * g.patch());
  Im2col(g, x, scratch);
  return scratch;
}

// Images [b0, b1)'s im2col rows in this thread's scratch buffer.
const float* ChunkPatches(const ConvGeometry& g, const float* x, int64_t b0, int64_t b1) {
  const int64_t perImage = g.outH * g.outW * g.patch();
  float* patches = Scratch((b1 - b0) * perImage);
  for (int64_t b = b0; b < b1; b++) Im2colImage(g, x, b, patches + (b - b0) * perImage);
  return patches;
}

// conv2d(x, filter, out, geometry): out = im2col(x) · filter, filter [fH, fW, inC, outC].
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  const WindowCall c = ParseWindowCall(info, "conv2d", {{"x", Sized::Input}, {"filter", Sized::Filter}, {"out", Sized::Output}}, false);
  const ConvGeometry& g = c.g;
  const int64_t k = g.patch(), rowsPerImage = g.outH * g.outW;
  if (g.patch() <= kDirectForwardFirst) {
    DirectConv(g, c.arrays[0], c.arrays[1], c.arrays[2]);
  } else if (!Pointwise(g) && ViaDnnl(tikhonov::DnnlConvKind::Forward, g, c.arrays[0], c.arrays[1], c.arrays[2])) {
  } else if (Direct(g)) {
    DirectConv(g, c.arrays[0], c.arrays[1], c.arrays[2]);
  } else if (!Pointwise(g) && Chunked(g)) {
    ForImageChunks(g, [&](int64_t, int64_t b0, int64_t b1) {
      SgemmHere(false, false, (b1 - b0) * rowsPerImage, g.outC, k, ChunkPatches(g, c.arrays[0], b0, b1), k, c.arrays[1], g.outC, c.arrays[2] + b0 * rowsPerImage * g.outC, g.outC);
    });
  } else {
    Sgemm(false, false, g.rows(), g.outC, k, Patches(g, c.arrays[0]), k, c.arrays[1], g.outC, c.arrays[2], g.outC);
  }
  return info.Env().Undefined();
}

// conv2dBackpropInput(dy, filter, dx, geometry): dx = col2im(dy · filterᵀ).
Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info) {
  const WindowCall c = ParseWindowCall(info, "conv2dBackpropInput", {{"dy", Sized::Output}, {"filter", Sized::Filter}, {"dx", Sized::Input}}, false);
  const ConvGeometry& g = c.g;
  const int64_t k = g.patch(), rowsPerImage = g.outH * g.outW;
  if (Pointwise(g)) {
    Sgemm(false, true, g.rows(), k, g.outC, c.arrays[0], g.outC, c.arrays[1], g.outC, c.arrays[2], k);
  } else if (ViaDnnl(tikhonov::DnnlConvKind::BackwardData, g, c.arrays[0], c.arrays[1], c.arrays[2])) {
  } else if (Chunked(g)) {
    ForImageChunks(g, [&](int64_t, int64_t b0, int64_t b1) {
      float* patches = Scratch((b1 - b0) * rowsPerImage * k);
      SgemmHere(false, true, (b1 - b0) * rowsPerImage, k, g.outC, c.arrays[0] + b0 * rowsPerImage * g.outC, g.outC, c.arrays[1], g.outC, patches, k);
      Col2imImages(g, patches, c.arrays[2], b0, b1);
    });
  } else {
    float* patches = Scratch(g.rows() * k);
    Sgemm(false, true, g.rows(), k, g.outC, c.arrays[0], g.outC, c.arrays[1], g.outC, patches, k);
    Col2im(g, patches, c.arrays[2]);
  }
  return info.Env().Undefined();
}

// conv2dBackpropFilter(x, dy, dfilter, geometry): dfilter = im2col(x)ᵀ · dy.
// Chunked, each chunk's product goes to its own buffer and the buffers are
// added in chunk order, so the sum does not depend on thread timing.
Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  const WindowCall c = ParseWindowCall(info, "conv2dBackpropFilter", {{"x", Sized::Input}, {"dy", Sized::Output}, {"dfilter", Sized::Filter}}, false);
  const ConvGeometry& g = c.g;
  const int64_t k = g.patch(), rowsPerImage = g.outH * g.outW, size = k * g.outC;
  float* dw = c.arrays[2];
  if (!Pointwise(g) && ViaDnnl(tikhonov::DnnlConvKind::BackwardWeights, g, c.arrays[0], c.arrays[1], dw)) {
  } else if (Direct(g)) {
    DirectConvFilter(g, c.arrays[0], c.arrays[1], dw);
  } else if (!Pointwise(g) && Chunked(g)) {
    const int64_t per = ImagesPerChunk(g);
    std::vector<std::vector<float>> partial(static_cast<size_t>((g.batch + per - 1) / per), std::vector<float>(static_cast<size_t>(size)));
    ForImageChunks(g, [&](int64_t i, int64_t b0, int64_t b1) {
      SgemmHere(true, false, k, g.outC, (b1 - b0) * rowsPerImage, ChunkPatches(g, c.arrays[0], b0, b1), k, c.arrays[1] + b0 * rowsPerImage * g.outC, g.outC,
                partial[static_cast<size_t>(i)].data(), g.outC);
    });
    std::fill(dw, dw + size, 0.0f);
    for (const auto& p : partial)
      for (int64_t j = 0; j < size; j++) dw[j] += p[static_cast<size_t>(j)];
  } else {
    Sgemm(true, false, k, g.outC, g.rows(), Patches(g, c.arrays[0]), k, c.arrays[1], g.outC, dw, g.outC);
  }
  return info.Env().Undefined();
}

// setDnnl(on): whether im2col convolutions go to oneDNN; returns the library's
// description, or "" when it is not built in (then nothing changes).
Napi::Value SetDnnl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsBoolean()) throw Napi::TypeError::New(env, "setDnnl takes one boolean");
  dnnlOn = info[0].As<Napi::Boolean>().Value();
  return Napi::String::New(env, tikhonov::DnnlDescription());
}

// setDnnlWinograd(on): whether oneDNN's convolutions use its Winograd kernels
// where UsesWinograd says they apply; returns whether this CPU and build have
// them at all (without, the switch changes nothing).
Napi::Value SetDnnlWinograd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsBoolean()) throw Napi::TypeError::New(env, "setDnnlWinograd takes one boolean");
  winogradOn = info[0].As<Napi::Boolean>().Value();
  return Napi::Boolean::New(env, tikhonov::WinogradAvailable());
}

}  // namespace tikhonov::addon
