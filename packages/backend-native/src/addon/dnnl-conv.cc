#include "dnnl-conv.h"

#ifdef TIKHONOV_DNNL
#include <omp.h>

#include <dnnl.hpp>
#include <memory>
#include <unordered_map>

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
  std::unique_ptr<memory> blocked;  // this thread's filter in that layout
  dnnl::reorder toBlocked, fromBlocked;
  bool reorders = false;
  // the primitive's scratch space, kept with it: left to the library, each
  // execution allocates and page-faults it anew (the backward-weights kernels'
  // reduction buffers are megabytes, and took ≈ 4 ms a call whatever the shape)
  std::unique_ptr<memory> scratchpad;
};

// One engine and stream per calling thread, and its primitives by geometry.
struct ThreadState {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::unordered_map<std::string, Entry> entries;
};

ThreadState& State() {
  thread_local ThreadState state;
  return state;
}

std::string Key(DnnlConvKind kind, const DnnlConvShape& g) {
  std::string key = std::to_string(static_cast<int>(kind));
  for (int64_t v : {g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.outC, g.fH, g.fW, g.sH, g.sW, g.dH, g.dW, g.padT, g.padL}) key += "," + std::to_string(v);
  return key;
}

Entry Build(ThreadState& s, DnnlConvKind kind, const DnnlConvShape& g) {
  const memory::dims src{g.batch, g.inC, g.inH, g.inW}, dst{g.batch, g.outC, g.outH, g.outW}, wei{g.outC, g.inC, g.fH, g.fW};
  const memory::dims strides{g.sH, g.sW}, dilation{g.dH - 1, g.dW - 1}, padL{g.padT, g.padL}, padR{PadBottom(g), PadRight(g)};
  const auto f32 = memory::data_type::f32;
  const memory::desc srcMd(src, f32, tag::nhwc), dstMd(dst, f32, tag::nhwc), hwio(wei, f32, tag::hwio);
  // the filter's layout is the library's choice (`any`): with hwio it falls back to a slower gemm kernel
  const memory::desc weiAny(wei, f32, tag::any);
  const auto algo = dnnl::algorithm::convolution_direct;
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
  if (e.weights != hwio) {
    e.reorders = true;
    e.blocked = std::make_unique<memory>(e.weights, s.engine);
    // placeholders: the reorders take the caller's hwio buffer at execution
    memory user(hwio, s.engine, nullptr);
    if (kind == DnnlConvKind::BackwardWeights) e.fromBlocked = dnnl::reorder(*e.blocked, user);
    else e.toBlocked = dnnl::reorder(user, *e.blocked);
  }
  return e;
}

// 'valid' with the last row or column unread implies a negative bottom or right padding: left to im2col
bool Supported(const DnnlConvShape& g) { return PadBottom(g) >= 0 && PadRight(g) >= 0; }

}  // namespace

bool DnnlConv(DnnlConvKind kind, const DnnlConvShape& g, const float* a, const float* b, float* out, int threads) {
  if (!Supported(g)) return false;
  // the thread count is per calling thread in OpenMP: set it where the work is issued
  if (omp_get_max_threads() != threads) omp_set_num_threads(threads);
  ThreadState& s = State();
  const std::string key = Key(kind, g);
  auto it = s.entries.find(key);
  if (it == s.entries.end()) it = s.entries.emplace(key, Build(s, kind, g)).first;
  Entry& e = it->second;
  const memory::desc &srcMd = e.src, &dstMd = e.dst, &hwio = e.hwio;
  // oneDNN's handles take non-const pointers; inputs are only read
  auto wrap = [&](const memory::desc& md, const float* p) { return memory(md, s.engine, const_cast<float*>(p)); };
  if (kind == DnnlConvKind::BackwardWeights) {
    memory dw = e.reorders ? *e.blocked : wrap(hwio, out);
    e.conv.execute(s.stream, {{DNNL_ARG_SRC, wrap(srcMd, a)}, {DNNL_ARG_DIFF_DST, wrap(dstMd, b)}, {DNNL_ARG_DIFF_WEIGHTS, dw}, {DNNL_ARG_SCRATCHPAD, *e.scratchpad}});
    if (e.reorders) e.fromBlocked.execute(s.stream, {{DNNL_ARG_FROM, *e.blocked}, {DNNL_ARG_TO, wrap(hwio, out)}});
  } else {
    memory w = wrap(hwio, b);
    if (e.reorders) {
      e.toBlocked.execute(s.stream, {{DNNL_ARG_FROM, w}, {DNNL_ARG_TO, *e.blocked}});
      w = *e.blocked;
    }
    if (kind == DnnlConvKind::Forward) e.conv.execute(s.stream, {{DNNL_ARG_SRC, wrap(srcMd, a)}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, wrap(dstMd, out)}, {DNNL_ARG_SCRATCHPAD, *e.scratchpad}});
    else e.conv.execute(s.stream, {{DNNL_ARG_DIFF_DST, wrap(dstMd, a)}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DIFF_SRC, wrap(srcMd, out)}, {DNNL_ARG_SCRATCHPAD, *e.scratchpad}});
  }
  s.stream.wait();
  return true;
}

std::string DnnlDescription() {
  const dnnl_version_t* v = dnnl_version();
  return "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch);
}

}  // namespace tikhonov

#else

namespace tikhonov {
bool DnnlConv(DnnlConvKind, const DnnlConvShape&, const float*, const float*, float*, int) { return false; }
std::string DnnlDescription() { return ""; }
}  // namespace tikhonov

#endif
