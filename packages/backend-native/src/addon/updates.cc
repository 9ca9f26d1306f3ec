// The fused parameter updates (core's FUSED_KERNELS): lerp, Adam, momentum,
// plain SGD, and the max-norm projection.
#include <atomic>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common.h"
#include "entries.h"

namespace tikhonov::addon {

// lerp(a, b, out, weight): out[i] = a[i] + weight·(b[i] − a[i]), all of one
// length (core's FUSED_KERNELS.lerp: a weight average's update in one pass
// over memory instead of three kernels and two temporaries).
TIKHONOV_VECTOR void LerpLoop(const float* pa, const float* pb, float* po, float w, size_t n) {
  for (size_t i = 0; i < n; i++) po[i] = pa[i] + w * (pb[i] - pa[i]);
}

Napi::Value Lerp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw Napi::TypeError::New(env, "lerp takes 4 arguments");
  auto a = Floats(env, info[0], "a");
  auto b = Floats(env, info[1], "b");
  auto out = Floats(env, info[2], "out");
  if (!info[3].IsNumber()) throw Napi::TypeError::New(env, "lerp: weight must be a number");
  const float w = info[3].As<Napi::Number>().FloatValue();
  const size_t n = out.ElementLength();
  if (a.ElementLength() != n || b.ElementLength() != n) {
    throw Napi::RangeError::New(env, "lerp: a, b and out have lengths " + std::to_string(a.ElementLength()) + ", " + std::to_string(b.ElementLength()) + " and " +
                                         std::to_string(n) + "; they must be equal");
  }
  const float* pa = a.Data();
  const float* pb = b.Data();
  float* po = out.Data();
  ForChunks(static_cast<int64_t>(n), 16, static_cast<int64_t>(n), [&](int64_t begin, int64_t end) { LerpLoop(pa + begin, pb + begin, po + begin, w, static_cast<size_t>(end - begin)); });
  return env.Undefined();
}

// The sums go in blocks of kNormBlock rows: each block in float (a row's
// columns side by side, so the loop vectorizes), the blocks added in double.
// Block boundaries are fixed rows and each column is summed by one thread, so
// the result does not depend on the thread count. A plain double loop took
// 2.3× a copy of w (the float→double conversion halves the vector width).
constexpr int64_t kNormBlock = 64;

// b[j] += row[j]² (one row's share of a block of column sums)
TIKHONOV_VECTOR void AddSquares(const float* row, float* b, int64_t width) {
  for (int64_t j = 0; j < width; j++) b[j] += row[j] * row[j];
}

// The update kernels' side pass for max-norm: when the backend knows a
// max-norm projection follows (src/column-sums.ts), the update writes its new
// value block by block of kNormBlock rows and adds each block's squares while
// the block is still in cache, into blockSums (a float row per block, the
// same AddSquares in the same row order as maxNormColumns's own pass, so the
// sums are its bits). The projection then skips its read of the value, which
// in a training step comes from memory: 150 µs of a 784×512 kernel against
// 30 µs from cache. [begin, end) must start on a block: ForChunks aligned to
// BlockElements(cols).
inline int64_t BlockElements(int64_t cols) { return kNormBlock * cols; }

// Blocks of kNormBlock rows in a value of `rows` rows (the last one may be short).
inline int64_t BlockCount(int64_t rows) { return (rows + kNormBlock - 1) / kNormBlock; }

template <typename W>
void WriteWithBlockSums(const float* out, int64_t cols, float* blockSums, int64_t begin, int64_t end, W write) {
  const int64_t block = BlockElements(cols);
  for (int64_t b0 = begin; b0 < end; b0 += block) {
    const int64_t b1 = std::min(end, b0 + block);
    write(b0, b1);
    float* sums = blockSums + b0 / block * cols;
    std::fill(sums, sums + cols, 0.0f);
    for (int64_t i = b0; i < b1; i += cols) AddSquares(out + i, sums, cols);
  }
}

// A blockSums argument for a rows×cols value, its length checked.
float* CheckedBlockSums(const Napi::Env& env, const Napi::Value& v, int64_t rows, int64_t cols, const char* kernel) {
  auto sums = Floats(env, v, "blockSums");
  const size_t need = static_cast<size_t>(BlockCount(rows) * cols);
  if (sums.ElementLength() != need) {
    throw Napi::RangeError::New(env, std::string(kernel) + ": blockSums holds " + std::to_string(sums.ElementLength()) + " values but ⌈rows/" + std::to_string(kNormBlock) +
                                         "⌉·cols is " + std::to_string(need));
  }
  return sums.Data();
}

// An update entry point's optional blockSums and cols at info[at], info[at + 1]
// (absent or undefined when no projection follows), for a value of n elements.
struct BlockSums {
  float* sums = nullptr;
  int64_t cols = 0;
};

BlockSums OptionalBlockSums(const Napi::Env& env, const Napi::CallbackInfo& info, size_t at, size_t n, const char* kernel) {
  if (info.Length() <= at || info[at].IsUndefined()) return {};
  const int64_t cols = Dim(env, info[at + 1], "cols");
  if (cols == 0 || n % static_cast<size_t>(cols) != 0) {
    throw Napi::RangeError::New(env, std::string(kernel) + ": cols = " + std::to_string(cols) + " does not divide the value's " + std::to_string(n) + " elements");
  }
  return {CheckedBlockSums(env, info[at], static_cast<int64_t>(n) / cols, cols, kernel), cols};
}

// Runs an update's loop(begin, end) over its n elements on the pool (work:
// `cost` per element), in chunks of 16 — or, with block sums wanted, in
// whole blocks of rows, each block's squares added right after it is written.
template <typename L>
void UpdateChunks(const BlockSums& blocks, const float* outValue, size_t n, int64_t cost, L loop) {
  const int64_t count = static_cast<int64_t>(n);
  if (blocks.sums == nullptr) {
    ForChunks(count, 16, count * cost, loop);
  } else {
    ForChunks(count, BlockElements(blocks.cols), count * cost, [&](int64_t begin, int64_t end) { WriteWithBlockSums(outValue, blocks.cols, blocks.sums, begin, end, loop); });
  }
}

// adam(value, gradient, m, v, outValue, outM, outV, constants): one Adam
// update of one variable (core's FUSED_KERNELS.adam). constants holds, as
// float32 and in this order, beta1, 1 − beta1, beta2, 1 − beta2,
// 1 − beta1^t, 1 − beta2^t, epsilon and −learningRate — the scalars tfjs's
// AdamOptimizer makes. Each float operation is tfjs's, in its order, and none
// is contracted into an FMA, so the results equal tfjs's bit for bit.
__attribute__((optimize("fp-contract=off"))) TIKHONOV_VECTOR void AdamLoop(const float* __restrict value, const float* __restrict g, const float* __restrict m,
                                                                           const float* __restrict v, float* __restrict outValue, float* __restrict outM,
                                                                           float* __restrict outV, const float* c, size_t n) {
  const float beta1 = c[0], oneMinusBeta1 = c[1], beta2 = c[2], oneMinusBeta2 = c[3], correction1 = c[4], correction2 = c[5], epsilon = c[6], step = c[7];
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float a = m[i] * beta1;
    const float b = gi * oneMinusBeta1;
    const float nextM = a + b;
    const float square = gi * gi;
    const float d = v[i] * beta2;
    const float e = square * oneMinusBeta2;
    const float nextV = d + e;
    const float mHat = nextM / correction1;
    const float vHat = nextV / correction2;
    const float denominator = std::sqrt(vHat) + epsilon;
    const float ratio = mHat / denominator;
    const float delta = ratio * step;
    outM[i] = nextM;
    outV[i] = nextV;
    outValue[i] = delta + value[i];
  }
}

Napi::Value Adam(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 8 && info.Length() != 10) throw Napi::TypeError::New(env, "adam takes 8 arguments, or 10 with blockSums and cols");
  const char* names[] = {"value", "gradient", "m", "v", "outValue", "outM", "outV"};
  std::vector<Napi::Float32Array> arrays;
  for (int k = 0; k < 7; k++) arrays.push_back(Floats(env, info[k], names[k]));
  auto constants = Floats(env, info[7], "constants");
  if (constants.ElementLength() != 8) throw Napi::RangeError::New(env, "adam: constants must hold 8 values, not " + std::to_string(constants.ElementLength()));
  const size_t n = arrays[0].ElementLength();
  for (int k = 1; k < 7; k++) {
    if (arrays[k].ElementLength() != n) {
      throw Napi::RangeError::New(env, std::string("adam: ") + names[k] + " holds " + std::to_string(arrays[k].ElementLength()) + " values but value holds " + std::to_string(n));
    }
  }
  const float* c = constants.Data();
  const auto loop = [&](int64_t begin, int64_t end) {
    AdamLoop(arrays[0].Data() + begin, arrays[1].Data() + begin, arrays[2].Data() + begin, arrays[3].Data() + begin, arrays[4].Data() + begin, arrays[5].Data() + begin,
             arrays[6].Data() + begin, c, static_cast<size_t>(end - begin));
  };
  UpdateChunks(OptionalBlockSums(env, info, 8, n, "adam"), arrays[4].Data(), n, 4, loop);
  return env.Undefined();
}

// momentum(value, gradient, accumulation, outValue, outAccumulation,
// momentum, negativeLearningRate, nesterov): one momentum-SGD update of one
// variable (core's FUSED_KERNELS.momentum), the float operations of tfjs's
// MomentumOptimizer in its order and none contracted into an FMA, so the
// results equal tfjs's bit for bit: a = m·a + g, then θ = c·a + θ, or with
// Nesterov θ = c·(g + a·m) + θ, where c = −lr as a float32.
// The velocity is stored past the caches (non-temporal stores): nothing reads
// it before the next step's update, by when it would have been evicted
// anyway, and a plain store first reads each line it writes. In the MLP
// epoch's shapes (784×512 and 512×512) the update's part of a step went from
// 330 to 262 µs in a C model of the step (its products unchanged), and whole
// epochs ran ≈ 4.5 % faster; the value is stored as usual, since the next
// forward pass reads it (streamed too, the next products slowed by 10 %).
constexpr size_t kMomentumBlock = 64;

// Copies n floats (a multiple of 4 when dst is 16-byte aligned) from the
// block buffer to dst, non-temporally where the CPU has it; callers end with
// FinishStreams() before their results are read on another thread.
inline void StreamOut(float* dst, const float* src, size_t n) {
#if defined(__SSE2__)
  if ((reinterpret_cast<uintptr_t>(dst) & 15) == 0 && n % 4 == 0) {
    for (size_t i = 0; i < n; i += 4) _mm_stream_ps(dst + i, _mm_load_ps(src + i));
    return;
  }
#endif
  std::memcpy(dst, src, n * sizeof(float));
}

// Non-temporal stores are weakly ordered: fence them before the pool's
// completion count tells the caller the chunk is done.
inline void FinishStreams() {
#if defined(__SSE2__)
  _mm_sfence();
#endif
}

__attribute__((optimize("fp-contract=off"))) TIKHONOV_VECTOR void MomentumLoop(const float* __restrict value, const float* __restrict g, const float* __restrict acc,
                                                                               float* __restrict outValue, float* __restrict outAcc, float m, float c, bool nesterov,
                                                                               size_t n) {
  alignas(16) float next[kMomentumBlock];
  for (size_t b = 0; b < n; b += kMomentumBlock) {
    const size_t len = std::min(kMomentumBlock, n - b);
    const float *vb = value + b, *gb = g + b, *ab = acc + b;
    float* ob = outValue + b;
    if (nesterov) {
      for (size_t i = 0; i < len; i++) {
        const float decayed = m * ab[i];
        next[i] = decayed + gb[i];
        const float ahead = next[i] * m;
        const float look = gb[i] + ahead;
        const float delta = c * look;
        ob[i] = delta + vb[i];
      }
    } else {
      for (size_t i = 0; i < len; i++) {
        const float decayed = m * ab[i];
        next[i] = decayed + gb[i];
        const float delta = c * next[i];
        ob[i] = delta + vb[i];
      }
    }
    StreamOut(outAcc + b, next, len);
  }
  FinishStreams();
}

Napi::Value Momentum(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 8 && info.Length() != 10) throw Napi::TypeError::New(env, "momentum takes 8 arguments, or 10 with blockSums and cols");
  const char* names[] = {"value", "gradient", "accumulation", "outValue", "outAccumulation"};
  std::vector<Napi::Float32Array> arrays;
  for (int k = 0; k < 5; k++) arrays.push_back(Floats(env, info[k], names[k]));
  if (!info[5].IsNumber() || !info[6].IsNumber()) throw Napi::TypeError::New(env, "momentum: momentum and negativeLearningRate must be numbers");
  if (!info[7].IsBoolean()) throw Napi::TypeError::New(env, "momentum: nesterov must be a boolean");
  const float m = info[5].As<Napi::Number>().FloatValue();
  const float c = info[6].As<Napi::Number>().FloatValue();
  const bool nesterov = info[7].As<Napi::Boolean>().Value();
  const size_t n = arrays[0].ElementLength();
  for (int k = 1; k < 5; k++) {
    if (arrays[k].ElementLength() != n) {
      throw Napi::RangeError::New(env, std::string("momentum: ") + names[k] + " holds " + std::to_string(arrays[k].ElementLength()) + " values but value holds " + std::to_string(n));
    }
  }
  const auto loop = [&](int64_t begin, int64_t end) {
    MomentumLoop(arrays[0].Data() + begin, arrays[1].Data() + begin, arrays[2].Data() + begin, arrays[3].Data() + begin, arrays[4].Data() + begin, m, c, nesterov,
                 static_cast<size_t>(end - begin));
  };
  UpdateChunks(OptionalBlockSums(env, info, 8, n, "momentum"), arrays[3].Data(), n, 2, loop);
  return env.Undefined();
}

// sgd(value, gradient, outValue, negativeLearningRate): one plain SGD update
// of one variable (core's FUSED_KERNELS.sgd), tfjs's SGDOptimizer's two float
// operations in its order and not contracted into an FMA, so the result
// equals tfjs's bit for bit: θ = c·g + θ, where c = −lr as a float32.
__attribute__((optimize("fp-contract=off"))) TIKHONOV_VECTOR void SgdLoop(const float* __restrict value, const float* __restrict g, float* __restrict outValue, float c,
                                                                          size_t n) {
  for (size_t i = 0; i < n; i++) {
    const float delta = c * g[i];
    outValue[i] = delta + value[i];
  }
}

Napi::Value Sgd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4 && info.Length() != 6) throw Napi::TypeError::New(env, "sgd takes 4 arguments, or 6 with blockSums and cols");
  const char* names[] = {"value", "gradient", "outValue"};
  std::vector<Napi::Float32Array> arrays;
  for (int k = 0; k < 3; k++) arrays.push_back(Floats(env, info[k], names[k]));
  if (!info[3].IsNumber()) throw Napi::TypeError::New(env, "sgd: negativeLearningRate must be a number");
  const float c = info[3].As<Napi::Number>().FloatValue();
  const size_t n = arrays[0].ElementLength();
  for (int k = 1; k < 3; k++) {
    if (arrays[k].ElementLength() != n) {
      throw Napi::RangeError::New(env, std::string("sgd: ") + names[k] + " holds " + std::to_string(arrays[k].ElementLength()) + " values but value holds " + std::to_string(n));
    }
  }
  const auto loop = [&](int64_t begin, int64_t end) { SgdLoop(arrays[0].Data() + begin, arrays[1].Data() + begin, arrays[2].Data() + begin, c, static_cast<size_t>(end - begin)); };
  UpdateChunks(OptionalBlockSums(env, info, 4, n, "sgd"), arrays[2].Data(), n, 1, loop);
  return env.Undefined();
}

// maxNormColumns(w, out, rows, cols, c) → the number of columns scaled: the
// max-norm projection of a kernel viewed as rows × cols, each column one
// unit's incoming weights (core's FUSED_KERNELS.maxNorm): out = w · min(1,
// c/‖w_j‖) per column j. First the column sums of squares, then — only if some
// column is outside the ball — the scaled copy; when none is, `out` is not
// written and the caller keeps w itself (a column inside the ball gets factor 1
// exactly, so the copy would be w bit for bit).
// o[j] = row[j] · f[j]
TIKHONOV_VECTOR void ScaleRow(const float* row, const float* f, float* o, int64_t cols) {
  for (int64_t j = 0; j < cols; j++) o[j] = row[j] * f[j];
}

Napi::Value MaxNormColumns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 5 && info.Length() != 6) throw Napi::TypeError::New(env, "maxNormColumns takes 5 arguments, or 6 with blockSums");
  auto w = Floats(env, info[0], "w");
  auto out = Floats(env, info[1], "out");
  const int64_t rows = Dim(env, info[2], "rows"), cols = Dim(env, info[3], "cols");
  if (!info[4].IsNumber()) throw Napi::TypeError::New(env, "maxNormColumns: c must be a number");
  const float c = info[4].As<Napi::Number>().FloatValue();
  if (!(c > 0)) throw Napi::RangeError::New(env, "maxNormColumns: c must be > 0");
  const size_t n = static_cast<size_t>(Product(env, {rows, cols}, "rows·cols"));
  if (w.ElementLength() != n || out.ElementLength() != n) {
    throw Napi::RangeError::New(env, "maxNormColumns: w and out hold " + std::to_string(w.ElementLength()) + " and " + std::to_string(out.ElementLength()) + " values but rows·cols is " + std::to_string(n));
  }
  const float* pw = w.Data();
  float* po = out.Data();
  // the block sums an update already made of w (WriteWithBlockSums), or none
  const float* known = info.Length() == 6 && !info[5].IsUndefined() ? CheckedBlockSums(env, info[5], rows, cols, "maxNormColumns") : nullptr;
  std::vector<float> factor(static_cast<size_t>(cols));
  std::atomic<int64_t> scaled{0};
  // with the sums known, only the blocks' rows are added: too little to hand to the pool
  ForChunks(cols, 16, known ? cols * BlockCount(rows) : static_cast<int64_t>(n), [&](int64_t j0, int64_t j1) {
    const int64_t width = j1 - j0;
    std::vector<double> sums(static_cast<size_t>(width), 0.0);
    std::vector<float> block(static_cast<size_t>(width));
    for (int64_t r0 = 0; r0 < rows; r0 += kNormBlock) {
      const float* b = block.data();
      if (known) {
        b = known + r0 / kNormBlock * cols + j0;
      } else {
        std::fill(block.begin(), block.end(), 0.0f);
        for (int64_t i = r0; i < std::min(rows, r0 + kNormBlock); i++) AddSquares(pw + i * cols + j0, block.data(), width);
      }
      for (int64_t j = 0; j < width; j++) sums[j] += b[j];
    }
    int64_t outside = 0;
    for (int64_t j = 0; j < width; j++) {
      factor[j0 + j] = std::min(c / static_cast<float>(std::sqrt(sums[j])), 1.0f);
      // a NaN factor (a NaN weight) counts: the copy turns its whole column NaN, as the composed form does
      outside += !(factor[j0 + j] >= 1.0f);
    }
    scaled.fetch_add(outside, std::memory_order_relaxed);
  });
  if (scaled.load() == 0) return Napi::Number::New(env, 0);
  const float* f = factor.data();
  ForChunks(rows, 1, static_cast<int64_t>(n), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) ScaleRow(pw + i * cols, f, po + i * cols, cols);
  });
  return Napi::Number::New(env, static_cast<double>(scaled.load()));
}

}  // namespace tikhonov::addon
