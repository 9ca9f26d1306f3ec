#include "dnnl-conv.h"

#ifdef TIKHONOV_DNNL
#include <omp.h>

#include <dnnl.hpp>
#include <cstdlib>
#include <cstring>
#include <new>
#include <deque>
#include <memory>
#include <vector>
#include <unordered_map>

#include "common.h"
#include "signals.h"

namespace tikhonov {
namespace {

using dnnl::memory;
using tag = memory::format_tag;

int64_t PadBottom(const DnnlConvShape& g) { return (g.outH - 1) * g.sH + (g.fH - 1) * g.dH + 1 - g.inH - g.padT; }
int64_t PadRight(const DnnlConvShape& g) { return (g.outW - 1) * g.sW + (g.fW - 1) * g.dW + 1 - g.inW - g.padL; }

// The primitives of one geometry and kind, with the filter reorder its
// blocked weights layout needs (absent when the library took hwio as is).
struct Entry {
  dnnl::primitive conv;
  memory::desc src, dst, hwio;  // the caller's layouts: NHWC activations, tfjs's [fH, fW, in, out] filter
  memory::desc weights;  // the layout conv reads or writes its filter in
  std::unique_ptr<memory> blocked;  // this thread's filter in that layout (its padding zeroed once)
  // blockedAt[k]: where hwio's k-th value sits in the blocked layout
  std::vector<int64_t> blockedAt;
  bool reorders = false;
  bool usable = true;
  // Winograd's kernels read and write activations in nChw16c only: this
  // entry's src and dst descriptors are then those layouts, and the NHWC
  // activations are copied through the thread's BlockedBuffers
  bool winograd = false;
  // the primitive's scratch space, kept with it: left to the library, each
  // execution allocates and page-faults it anew (the backward-weights kernels'
  // reduction buffers are megabytes, and took ≈ 4 ms a call whatever the shape)
  std::unique_ptr<memory> scratchpad;
};

// One engine and stream per calling thread, and its primitives by geometry,
// at most kMaxEntries of them: each holds a scratchpad (megabytes for some
// backward-weights kernels), so a run that meets many shapes (batch sizes,
// image sizes) drops the oldest instead of growing without bound. A training
// run meets a few per convolution (kinds × batch sizes × thread counts).
constexpr size_t kMaxEntries = 64;
// A thread's buffer for one activation in a blocked layout, grown to the
// largest asked for and shared by all its entries (a call needs it only while
// it runs; kept per entry, a run's batch sizes × kinds × layers of 12.8 MB
// activations would add up to gigabytes). 64-byte aligned, as oneDNN's own.
class BlockedBuffer {
 public:
  float* Get(size_t count) {
    if (count > size_) {
      const size_t bytes = (count * sizeof(float) + 63) / 64 * 64;
      data_.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
      if (!data_) throw std::bad_alloc();
      size_ = count;
    }
    return data_.get();
  }

 private:
  std::unique_ptr<float, decltype(&std::free)> data_{nullptr, &std::free};
  size_t size_ = 0;
};

struct ThreadState {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  // Winograd's activations in nChw16c: the convolution's input side (x or dx) and its output side (y or dy)
  BlockedBuffer blockedSrc, blockedDst;
  dnnl::stream stream{engine};
  std::unordered_map<std::string, Entry> entries;
  std::deque<std::string> built;  // entries' keys, oldest first
};

ThreadState& State() {
  thread_local ThreadState state;
  return state;
}

// The thread count is part of the key: a primitive partitions its work for
// the OpenMP threads there are when it is built, and one built for a single
// thread ran the bench CNN's step 1.25× slower on two (13.1–13.6 ms vs 10.1–11.0).
std::string Key(DnnlConvKind kind, const DnnlConvShape& g, int threads, bool winograd) {
  std::string key = std::to_string(static_cast<int>(kind)) + "@" + std::to_string(threads) + (winograd ? "w" : "d");
  for (int64_t v : {g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.fH, g.fW, g.sH, g.sW, g.dH, g.dW, g.padT, g.padL}) key += "," + std::to_string(v);
  return key;
}

// The offset in a blocked filter layout of each value of tfjs's hwio filter,
// in hwio order: the library's layouts are described by strides between
// outer blocks and a list of inner blocks (dnnl_blocking_desc_t), and a
// logical index (o, i, h, w) is split into them innermost block first.
// Reordering through this table is a gather of the filter's few thousand
// values; the library's own reorder primitives (jit:uni) took 0.13–0.22 ms
// each for the bench CNN's 3×3×32×64 filter, three of them a step.
std::vector<int64_t> BlockedOffsets(const dnnl_memory_desc_t& md, const DnnlConvShape& g) {
  const dnnl_blocking_desc_t& blk = md.format_desc.blocking;
  std::vector<int64_t> at(static_cast<size_t>(g.fH * g.fW * g.inC * g.outC));
  size_t k = 0;
  for (int64_t h = 0; h < g.fH; h++)
    for (int64_t w = 0; w < g.fW; w++)
      for (int64_t i = 0; i < g.inC; i++)
        for (int64_t o = 0; o < g.outC; o++) {
          int64_t pos[4] = {o, i, h, w};  // the library's logical order for weights: O, I, H, W
          int64_t offset = md.offset0, stride = 1;
          for (int b = blk.inner_nblks - 1; b >= 0; b--) {
            const int64_t d = blk.inner_idxs[b], size = blk.inner_blks[b];
            offset += pos[d] % size * stride;
            pos[d] /= size;
            stride *= size;
          }
          for (int d = 0; d < 4; d++) offset += pos[d] * blk.strides[d];
          at[k++] = offset;
        }
  return at;
}

// NHWC → nChw16c for c a multiple of 16: each pixel's channels in runs of
// 16, one 64-byte copy per run, images spread over the addon's pool (a
// 128×28×28×32 batch is 12.8 MB each way); FromBlocked16 is the inverse.
void ToBlocked16(const float* from, float* to, int64_t n, int64_t pixels, int64_t c) {
  const int64_t blocks = c / 16;
  addon::ForImages(n, pixels * c, [&](int64_t first, int64_t end) {
  for (int64_t i = first; i < end; i++)
    for (int64_t b = 0; b < blocks; b++) {
      float* dst = to + (i * blocks + b) * pixels * 16;
      const float* src = from + i * pixels * c + b * 16;
      for (int64_t p = 0; p < pixels; p++) std::memcpy(dst + p * 16, src + p * c, 16 * sizeof(float));
    }
  });
}
void FromBlocked16(const float* from, float* to, int64_t n, int64_t pixels, int64_t c) {
  const int64_t blocks = c / 16;
  addon::ForImages(n, pixels * c, [&](int64_t first, int64_t end) {
  for (int64_t i = first; i < end; i++)
    for (int64_t b = 0; b < blocks; b++) {
      const float* src = from + (i * blocks + b) * pixels * 16;
      float* dst = to + i * pixels * c + b * 16;
      for (int64_t p = 0; p < pixels; p++) std::memcpy(dst + p * c, src + p * 16, 16 * sizeof(float));
    }
  });
}

Entry Build(ThreadState& s, DnnlConvKind kind, const DnnlConvShape& g, bool winograd) {
  const memory::dims src{g.batch, g.inC, g.inH, g.inW}, dst{g.batch, g.outC, g.outH, g.outW}, wei{g.outC, g.inC, g.fH, g.fW};
  const memory::dims strides{g.sH, g.sW}, dilation{g.dH - 1, g.dW - 1}, padL{g.padT, g.padL}, padR{PadBottom(g), PadRight(g)};
  const auto f32 = memory::data_type::f32;
  const tag activations = winograd ? tag::nChw16c : tag::nhwc;
  const memory::desc srcMd(src, f32, activations), dstMd(dst, f32, activations), hwio(wei, f32, tag::hwio);
  // the filter's layout is the library's choice (`any`): with hwio it falls back to a slower gemm kernel
  const memory::desc weiAny(wei, f32, tag::any);
  const auto algo = winograd ? dnnl::algorithm::convolution_winograd : dnnl::algorithm::convolution_direct;
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const dnnl::convolution_forward::primitive_desc fwd(
      dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training, algo, srcMd, weiAny, dstMd, strides, dilation, padL, padR), attr, s.engine);
  memory::desc scratch;
  Entry e;
  e.src = srcMd;
  e.dst = dstMd;
  e.hwio = hwio;
  if (kind == DnnlConvKind::Forward) {
    e.conv = dnnl::convolution_forward(fwd);
    e.weights = fwd.weights_desc();
    scratch = fwd.scratchpad_desc();
  } else if (kind == DnnlConvKind::BackwardData) {
    const dnnl::convolution_backward_data::primitive_desc pd(dnnl::convolution_backward_data::desc(algo, srcMd, weiAny, dstMd, strides, dilation, padL, padR), attr, s.engine, fwd);
    e.conv = dnnl::convolution_backward_data(pd);
    e.weights = pd.weights_desc();
    scratch = pd.scratchpad_desc();
  } else {
    const dnnl::convolution_backward_weights::primitive_desc pd(dnnl::convolution_backward_weights::desc(algo, srcMd, weiAny, dstMd, strides, dilation, padL, padR), attr, s.engine, fwd);
    e.conv = dnnl::convolution_backward_weights(pd);
    e.weights = pd.diff_weights_desc();
    scratch = pd.scratchpad_desc();
  }
  e.scratchpad = std::make_unique<memory>(scratch, s.engine);
  // a layout other than blocked (none is expected for a direct f32 convolution) is left to im2col
  e.usable = e.weights.data.format_kind == dnnl_blocked;
  if (e.usable && e.weights != hwio) {
    e.reorders = true;
    e.blocked = std::make_unique<memory>(e.weights, s.engine);
    std::memset(e.blocked->get_data_handle(), 0, e.weights.get_size());
    e.blockedAt = BlockedOffsets(e.weights.data, g);
  }
  e.winograd = winograd;
  return e;
}

// Winograd where asked and the library has it for this shape (its kernels need AVX-512 or AVX2 and refuse some
// paddings), else the direct kernels: a refusal is oneDNN's "unimplemented", not an error of the caller's
Entry BuildOrDirect(ThreadState& s, DnnlConvKind kind, const DnnlConvShape& g, bool winograd) {
  if (winograd) {
    try {
      return Build(s, kind, g, true);
    } catch (const dnnl::error& refused) {
      if (refused.status != dnnl_unimplemented) throw;
    }
  }
  return Build(s, kind, g, false);
}

// 'valid' with the last row or column unread implies a negative bottom or right padding: left to im2col
bool Supported(const DnnlConvShape& g) { return PadBottom(g) >= 0 && PadRight(g) >= 0; }

}  // namespace

bool WinogradAvailable() {
  // asked once: whether the library builds a Winograd forward primitive for a small 16 → 16 'same' convolution
  // (it has such kernels for AVX-512 only; elsewhere the answer is "unimplemented")
  static const bool available = [] {
    try {
      const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
      const auto f32 = memory::data_type::f32;
      const memory::desc x({1, 16, 6, 6}, f32, tag::nChw16c), w({16, 16, 3, 3}, f32, tag::any);
      const dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_winograd, x, w, x, {1, 1}, {0, 0}, {1, 1}, {1, 1});
      dnnl::convolution_forward::primitive_desc(d, engine);
      return true;
    } catch (const dnnl::error&) {
      return false;
    }
  }();
  return available;
}

bool UsesWinograd(DnnlConvKind kind, const DnnlConvShape& g) {
  if (!WinogradAvailable()) return false;
  const bool shape = g.fH == 3 && g.fW == 3 && g.sH == 1 && g.sW == 1 && g.dH == 1 && g.dW == 1 && g.inC % 16 == 0 && g.outC % 16 == 0;
  return shape && Supported(g) && (kind == DnnlConvKind::Forward || (kind == DnnlConvKind::BackwardData && g.outH == g.inH && g.outW == g.inW));
}

bool DnnlConv(DnnlConvKind kind, const DnnlConvShape& g, const float* a, const float* b, float* out, int threads, bool winograd) {
  if (!Supported(g)) return false;
  winograd = winograd && UsesWinograd(kind, g);
  // the GEMM-based implementations run the JIT kernels that move the stack pointer into the heap (signals.h)
  const HeldSignals held;
  // the thread count is per calling thread in OpenMP: set it where the work is issued
  if (omp_get_max_threads() != threads) omp_set_num_threads(threads);
  ThreadState& s = State();
  const std::string key = Key(kind, g, threads, winograd);
  auto it = s.entries.find(key);
  if (it == s.entries.end()) {
    if (s.entries.size() >= kMaxEntries) {
      s.entries.erase(s.built.front());
      s.built.pop_front();
    }
    it = s.entries.emplace(key, BuildOrDirect(s, kind, g, winograd)).first;
    s.built.push_back(key);
  }
  Entry& e = it->second;
  if (!e.usable) return false;
  const memory::desc &srcMd = e.src, &dstMd = e.dst, &hwio = e.hwio;
  // oneDNN's handles take non-const pointers; inputs are only read
  auto wrap = [&](const memory::desc& md, const float* p) { return memory(md, s.engine, const_cast<float*>(p)); };
  // Winograd's entries: each NHWC input copied into the thread's blocked buffer for its side first, the output
  // written to the other side's and copied out after; a direct entry works in place
  const int64_t inPixels = g.inH * g.inW, outPixels = g.outH * g.outW;
  float* blockedSrc = e.winograd ? s.blockedSrc.Get(static_cast<size_t>(g.batch * inPixels * g.inC)) : nullptr;
  float* blockedDst = e.winograd ? s.blockedDst.Get(static_cast<size_t>(g.batch * outPixels * g.outC)) : nullptr;
  auto srcIn = [&](const float* p) {
    if (!e.winograd) return wrap(srcMd, p);
    ToBlocked16(p, blockedSrc, g.batch, inPixels, g.inC);
    return memory(srcMd, s.engine, blockedSrc);
  };
  auto dstIn = [&](const float* p) {
    if (!e.winograd) return wrap(dstMd, p);
    ToBlocked16(p, blockedDst, g.batch, outPixels, g.outC);
    return memory(dstMd, s.engine, blockedDst);
  };
  // the arguments first (a Winograd entry's copies run on the pool), then the pool's workers sent to sleep, so that
  // they leave the cores to the library's OpenMP team for the length of the call (Pool::Park)
  std::unordered_map<int, memory> args{{DNNL_ARG_SCRATCHPAD, *e.scratchpad}};
  if (kind == DnnlConvKind::BackwardWeights) {
    args.emplace(DNNL_ARG_SRC, srcIn(a));
    args.emplace(DNNL_ARG_DIFF_DST, dstIn(b));
    args.emplace(DNNL_ARG_DIFF_WEIGHTS, e.reorders ? *e.blocked : wrap(hwio, out));
  } else {
    memory w = wrap(hwio, b);
    if (e.reorders) {
      float* to = static_cast<float*>(e.blocked->get_data_handle());
      for (size_t k = 0; k < e.blockedAt.size(); k++) to[e.blockedAt[k]] = b[k];
      w = *e.blocked;
    }
    args.emplace(DNNL_ARG_WEIGHTS, w);
    if (kind == DnnlConvKind::Forward) {
      args.emplace(DNNL_ARG_SRC, srcIn(a));
      args.emplace(DNNL_ARG_DST, e.winograd ? memory(dstMd, s.engine, blockedDst) : wrap(dstMd, out));
    } else {
      args.emplace(DNNL_ARG_DIFF_DST, dstIn(a));
      args.emplace(DNNL_ARG_DIFF_SRC, e.winograd ? memory(srcMd, s.engine, blockedSrc) : wrap(srcMd, out));
    }
  }
  addon::Threads().Park();
  e.conv.execute(s.stream, args);
  s.stream.wait();
  if (kind == DnnlConvKind::BackwardWeights && e.reorders) {
    const float* from = static_cast<const float*>(e.blocked->get_data_handle());
    for (size_t k = 0; k < e.blockedAt.size(); k++) out[k] = from[e.blockedAt[k]];
  }
  // and a blocked output copied out to NHWC
  if (e.winograd && kind == DnnlConvKind::Forward) FromBlocked16(blockedDst, out, g.batch, outPixels, g.outC);
  if (e.winograd && kind == DnnlConvKind::BackwardData) FromBlocked16(blockedSrc, out, g.batch, inPixels, g.inC);
  return true;
}

std::string DnnlDescription() {
  const dnnl_version_t* v = dnnl_version();
  return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

}  // namespace tikhonov

#else

namespace tikhonov {
bool DnnlConv(DnnlConvKind, const DnnlConvShape&, const float*, const float*, float*, int, bool) { return false; }
bool UsesWinograd(DnnlConvKind, const DnnlConvShape&) { return false; }
bool WinogradAvailable() { return false; }
std::string DnnlDescription() { return ""; }
}  // namespace tikhonov

#endif
