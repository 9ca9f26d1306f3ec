// Row-wise entry points: row gathers, reductions over an axis, the one-pass
// relu-and-bias gradient, softmax and argmax rows.
#include "common.h"
#include "entries.h"
#include "exp.h"

namespace tikhonov::addon {

// gatherRows(x, rowSize, indices, out): out row i = x row indices[i].
Napi::Value GatherRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw Napi::TypeError::New(env, "gatherRows takes 4 arguments");
  auto x = Floats(env, info[0], "x");
  const int64_t rowSize = Dim(env, info[1], "rowSize");
  auto indices = Typed<int32_t>(env, info[2], "indices");
  auto out = Floats(env, info[3], "out");
  const int64_t rows = static_cast<int64_t>(x.ElementLength()) / rowSize;
  if (rows * rowSize != static_cast<int64_t>(x.ElementLength())) throw Napi::RangeError::New(env, "gatherRows: x's length is not a multiple of rowSize");
  if (static_cast<int64_t>(out.ElementLength()) != Product(env, {static_cast<int64_t>(indices.ElementLength()), rowSize}, "indices·rowSize")) {
    throw Napi::RangeError::New(env, "gatherRows: out must hold indices·rowSize values");
  }
  const int32_t* idx = indices.Data();
  for (size_t i = 0; i < indices.ElementLength(); i++) {
    if (idx[i] < 0 || idx[i] >= rows) throw Napi::RangeError::New(env, "gatherRows: index " + std::to_string(idx[i]) + " is outside [0, " + std::to_string(rows) + ")");
  }
  const float* px = x.Data();
  float* po = out.Data();
  // on the pool: a batch's rows come from all over a large dataset (out of cache), and two threads fetch them faster
  const int64_t count = static_cast<int64_t>(indices.ElementLength());
  ForChunks(count, 1, count * rowSize, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; i++) std::copy(px + idx[i] * rowSize, px + (idx[i] + 1) * rowSize, po + i * rowSize);
  });
  return env.Undefined();
}

// Column reductions of an outer×inner matrix by blocks of kRowBlock rows:
// fill(i0, i1, j0, j1, acc) reduces rows [i0, i1) of columns [j0, j1) into
// acc[j0..j1) (the block's inner doubles, zero when it starts), on the pool
// when the matrix is large; the blocks are then combined with combine(r, v)
// in block order into out. With fewer blocks than threads (a batch of 128
// rows is one block) the blocks are cut into column bands as well: each column is
// still reduced in row order by one thread, so the result depends neither on
// the thread count nor on the bands. ReduceAxis (over leading axes) and
// ReluBiasGrad share it, so a one-pass bias gradient equals a Sum of dz.
constexpr int64_t kRowBlock = 1024;
template <typename Fill, typename Combine>
void ByRowBlocks(int64_t outer, int64_t inner, Fill fill, Combine combine, float* out) {
  const int64_t blocks = (outer + kRowBlock - 1) / kRowBlock;
  std::vector<std::vector<double>> partial(static_cast<size_t>(blocks), std::vector<double>(static_cast<size_t>(inner)));
  const bool parallel = outer * inner >= (int64_t{1} << 16) && Threads().Threads() > 1;
  // fewer blocks than threads: bands of ≥ 16 columns, one task per thread (more, smaller tasks measured slower:
  // two threads reading the halves of the same rows)
  const int64_t threads = Threads().Threads();
  const int64_t bands = !parallel || blocks >= threads ? 1 : std::max<int64_t>(1, std::min<int64_t>((threads + blocks - 1) / blocks, inner / 16));
  const int64_t width = (inner + bands - 1) / bands;
  auto task = [&](int64_t t) {
    const int64_t b = t / bands, j0 = (t % bands) * width, j1 = std::min(inner, j0 + width);
    if (j0 < j1) fill(b * kRowBlock, std::min(outer, (b + 1) * kRowBlock), j0, j1, partial[static_cast<size_t>(b)].data());
  };
  if (parallel) Threads().Run(blocks * bands, task);
  else for (int64_t t = 0; t < blocks * bands; t++) task(t);
  for (int64_t j = 0; j < inner; j++) {
    double r = partial[0][static_cast<size_t>(j)];
    for (int64_t b = 1; b < blocks; b++) r = combine(r, partial[static_cast<size_t>(b)][static_cast<size_t>(j)]);
    out[j] = static_cast<float>(r);
  }
}

// acc[j] += row[j], or with a count row[j] / count rounded to float first (a
// mean's term, as tfjs-cpu computes it), for `rows` rows `stride` apart, in
// row order. One call for the rows, the op test outside their loops: a call a
// row (through target_clones' dispatch) cost more than a 32-value row itself
// (see ReluGradRows).
TIKHONOV_VECTOR void AddTerms(const float* row, double* acc, int64_t rows, int64_t stride, int64_t width, float count) {
  if (count == 0.0f) {
    for (int64_t i = 0; i < rows; i++, row += stride)
      for (int64_t j = 0; j < width; j++) acc[j] += static_cast<double>(row[j]);
  } else {
    for (int64_t i = 0; i < rows; i++, row += stride)
      for (int64_t j = 0; j < width; j++) acc[j] += static_cast<double>(row[j] / count);
  }
}

// reduceAxis(op, x, outer, inner, leading, out): x viewed as outer×inner
// row-major; leading=true reduces over the outer axis (out has inner values),
// else over the inner axis (out has outer values). op 0: sum, accumulated in
// double; op 1: max, NaN propagating (as the cpu backend's); op 2: mean, as
// tfjs-cpu computes it: each value divided by the count in float, then summed
// in double.
Napi::Value ReduceAxis(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 6) throw Napi::TypeError::New(env, "reduceAxis takes 6 arguments");
  const int64_t op = Stride(env, info[0], "op");
  if (op > 2) throw Napi::RangeError::New(env, "reduceAxis: unknown op " + std::to_string(op));
  auto x = Floats(env, info[1], "x");
  const int64_t outer = Dim(env, info[2], "outer");
  const int64_t inner = Dim(env, info[3], "inner");
  const bool leading = info[4].ToBoolean();
  auto out = Floats(env, info[5], "out");
  if (static_cast<int64_t>(x.ElementLength()) != outer * inner) throw Napi::RangeError::New(env, "reduceAxis: x must hold outer·inner values");
  if (static_cast<int64_t>(out.ElementLength()) != (leading ? inner : outer)) throw Napi::RangeError::New(env, "reduceAxis: out has the wrong length");
  const float* px = x.Data();
  float* po = out.Data();
  const auto larger = [](float m, float v) { return v != v || v > m ? v : m; };  // NaN sticks: m stays NaN
  const float count = static_cast<float>(leading ? outer : inner);
  // a sum's term; a mean's is the value over the count, rounded to float first
  const auto term = [op, count](float v) { return op == 2 ? static_cast<double>(v / count) : static_cast<double>(v); };
  if (leading) {
    ByRowBlocks(
        outer, inner,
        [&](int64_t i0, int64_t i1, int64_t j0, int64_t j1, double* acc) {
          // one column (a reduction over every axis: l1's Σ|w|, elasticNet's Σw², a KL term's sum): the same arithmetic
          // in the same order as below, without a call and a width-1 loop per value (tf.sum of a 784×256 tensor
          // took 853 µs, against 26–38 µs over either one of its axes)
          if (inner == 1) {
            if (op == 1) {
              float m = px[i0];
              for (int64_t i = i0 + 1; i < i1; i++) m = m != m ? m : larger(m, px[i]);
              acc[0] = m;
            } else {
              double a = 0;
              for (int64_t i = i0; i < i1; i++) a += term(px[i]);
              acc[0] = a;
            }
            return;
          }
          if (op == 1) {
            for (int64_t j = j0; j < j1; j++) acc[j] = px[i0 * inner + j];
            for (int64_t i = i0 + 1; i < i1; i++)
              for (int64_t j = j0; j < j1; j++) {
                const float m = static_cast<float>(acc[j]);
                acc[j] = m != m ? m : larger(m, px[i * inner + j]);
              }
          } else {
            AddTerms(px + i0 * inner + j0, acc + j0, i1 - i0, inner, j1 - j0, op == 2 ? count : 0.0f);
          }
        },
        [&](double r, double v) { return op == 1 ? (r != r ? r : larger(static_cast<float>(r), static_cast<float>(v))) : r + v; }, po);
  } else {
    // row by row: the same arithmetic on any thread
    ForChunks(outer, 1, outer * inner, [&](int64_t r0, int64_t r1) {
      for (int64_t i = r0; i < r1; i++) {
        const float* row = px + i * inner;
        if (op == 1) {
          float m = row[0];
          for (int64_t j = 1; j < inner; j++) m = m != m ? m : larger(m, row[j]);
          po[i] = m;
        } else {
          // four interleaved double sums: one chain of dependent additions
          // ran at a quarter of the speed (long rows: an L2 penalty's sum)
          double acc[4] = {0, 0, 0, 0};
          int64_t j = 0;
          for (; j + 4 <= inner; j += 4)
            for (int64_t q = 0; q < 4; q++) acc[q] += term(row[j + q]);
          for (; j < inner; j++) acc[0] += term(row[j]);
          po[i] = static_cast<float>((acc[0] + acc[1]) + (acc[2] + acc[3]));
        }
      }
    });
  }
  return env.Undefined();
}

// Rows (or bands of them) of reluBiasGrad: dz = dy·step(y), and dz added to
// the block's column sums acc, for `rows` rows `stride` apart, in row order,
// in one call: a call a row (through target_clones' dispatch) cost more than
// a row of the bench CNN's 32 channels itself. Alone on 2 threads its
// 43 264 × 32 gradient took 388–467 µs that way and takes 233–330 now; in the
// step, where y comes from DRAM, ≈ 370 µs either way.
TIKHONOV_VECTOR void ReluGradRows(const float* dy, const float* y, float* dz, double* acc, int64_t rows, int64_t stride, int64_t width) {
  for (int64_t i = 0; i < rows; i++, dy += stride, y += stride, dz += stride) {
    for (int64_t j = 0; j < width; j++) {
      const float v = y[j];
      const float d = dy[j] * (v > 0.0f ? 1.0f : v != v ? v : 0.0f);
      dz[j] = d;
      acc[j] += static_cast<double>(d);
    }
  }
}

// reluBiasGrad(dy, y, dz, db): the gradient of a layer relu(z + b) at z and b
// in one pass, y = relu(z): dz = dy · step(y) (step: 1 above 0, NaN at NaN,
// else 0 — the product as tfjs's mul(dy, step(y)) gives it, NaN and ∞ in dy
// included) and db = the sums of dz's columns, db.length the row length,
// through ByRowBlocks as a native Sum of dz adds them.
Napi::Value ReluBiasGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw Napi::TypeError::New(env, "reluBiasGrad takes 4 arguments");
  auto dy = Floats(env, info[0], "dy");
  auto y = Floats(env, info[1], "y");
  auto dz = Floats(env, info[2], "dz");
  auto db = Floats(env, info[3], "db");
  const int64_t inner = static_cast<int64_t>(db.ElementLength());
  const int64_t n = static_cast<int64_t>(dy.ElementLength());
  if (inner == 0 || n % inner != 0 || static_cast<int64_t>(y.ElementLength()) != n || static_cast<int64_t>(dz.ElementLength()) != n) {
    throw Napi::RangeError::New(env, "reluBiasGrad: dy, y and dz must have one length, a multiple of db's " + std::to_string(inner) + " (dy has " + std::to_string(n) + ")");
  }
  const int64_t outer = n / inner;
  const float *pdy = dy.Data(), *py = y.Data();
  float* pdz = dz.Data();
  ByRowBlocks(
      outer, inner,
      [&](int64_t i0, int64_t i1, int64_t j0, int64_t j1, double* acc) {
        ReluGradRows(pdy + i0 * inner + j0, py + i0 * inner + j0, pdz + i0 * inner + j0, acc + j0, i1 - i0, inner, j1 - j0);
      },
      [](double r, double v) { return r + v; }, db.Data());
  return env.Undefined();
}

// The row count of x as rows of `cols` values, checked against out's outPerRow values per row.
int64_t Rows(const Napi::Env& env, const char* fn, size_t xLength, int64_t cols, size_t outLength, int64_t outPerRow) {
  const int64_t rows = static_cast<int64_t>(xLength) / cols;
  if (rows * cols != static_cast<int64_t>(xLength) || static_cast<int64_t>(outLength) != rows * outPerRow) {
    throw Napi::RangeError::New(env, std::string(fn) + ": x (" + std::to_string(xLength) + " values) must be whole rows of " + std::to_string(cols) +
                                         " and out must hold " + std::to_string(outPerRow) + " value(s) per row");
  }
  return rows;
}

// The rows' exps, vectorized (exp.h: e^x in double, within 1e-15): the
// loops below sum them in their order, one value after another, as before;
// only the exps moved out of those loops, where GCC could not vectorize them.
// o[j] = float(e^(v[j] − m)), the float subtraction first, as tfjs-cpu's Softmax.
TIKHONOV_VECTOR void ExpRow(const float* v, float m, float* o, int64_t cols) {
  for (int64_t j = 0; j < cols; j++) o[j] = static_cast<float>(ExpDouble(static_cast<double>(v[j] - m)));
}

// e[j] = e^(z[j] − shift) in double.
TIKHONOV_VECTOR void ExpShiftedRow(const float* z, double shift, double* e, int64_t cols) {
  for (int64_t j = 0; j < cols; j++) e[j] = ExpDouble(static_cast<double>(z[j]) - shift);
}

// o[j] = float(d·(e^(z[j] − lse)·mass − y[j])): a row of the loss's gradient.
TIKHONOV_VECTOR void LossGradRow(const float* z, const float* y, double lse, double mass, double d, float* o, int64_t cols) {
  for (int64_t j = 0; j < cols; j++) o[j] = static_cast<float>(d * (ExpDouble(static_cast<double>(z[j]) - lse) * mass - y[j]));
}

// softmaxRows(x, cols, out): each row's exp(x − max) / Σ exp(x − max), as
// tfjs-cpu's Softmax computes it (float subtraction and exp, a sum in double,
// a float division); a NaN anywhere in a row makes the row NaN.
Napi::Value SoftmaxRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3) throw Napi::TypeError::New(env, "softmaxRows takes 3 arguments");
  auto x = Floats(env, info[0], "x");
  const int64_t cols = Dim(env, info[1], "cols");
  auto out = Floats(env, info[2], "out");
  const int64_t rows = Rows(env, "softmaxRows", x.ElementLength(), cols, out.ElementLength(), cols);
  const float* px = x.Data();
  float* po = out.Data();
  ForChunks(rows, 1, rows * cols * 8, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      const float* v = px + r * cols;
      float* o = po + r * cols;
      float m = v[0];
      for (int64_t j = 1; j < cols; j++) m = m != m ? m : (v[j] != v[j] || v[j] > m ? v[j] : m);
      ExpRow(v, m, o, cols);
      double sum = 0;
      for (int64_t j = 0; j < cols; j++) sum += o[j];
      const float total = static_cast<float>(sum);
      for (int64_t j = 0; j < cols; j++) o[j] = o[j] / total;
    }
  });
  return env.Undefined();
}

// A row's log Σₖ exp(zₖ) in double: max + log Σ exp(z − max); a NaN max (a
// NaN in the row) or an infinite one is returned as it is.
// `e` holds `cols` doubles of scratch.
double LogSumExp(const float* z, int64_t cols, double* e) {
  double max = -std::numeric_limits<double>::infinity();
  for (int64_t j = 0; j < cols; j++) max = z[j] > max || z[j] != z[j] ? z[j] : max;
  if (std::isinf(max) || max != max) return max;
  ExpShiftedRow(z, max, e, cols);
  double sum = 0;
  for (int64_t j = 0; j < cols; j++) sum += e[j];
  return max + std::log(sum);
}

// softmaxCrossEntropyRows(z, y, cols, out, dy?): core's fused softmax
// cross-entropy over rows of `cols` logits z and targets y, in double and
// rounded once. Without dy, out (one value per row) = −Σⱼ yⱼ·(zⱼ − lse);
// with dy (one value per row), out (z's shape) = the logits' gradient
// dy·(exp(z − lse)·Σⱼ yⱼ − y). Row by row on the pool for large inputs.
Napi::Value SoftmaxCrossEntropyRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 5) throw Napi::TypeError::New(env, "softmaxCrossEntropyRows takes 5 arguments");
  auto z = Floats(env, info[0], "z");
  auto y = Floats(env, info[1], "y");
  const int64_t cols = Dim(env, info[2], "cols");
  auto out = Floats(env, info[3], "out");
  const bool gradient = !info[4].IsUndefined();
  const int64_t rows = Rows(env, "softmaxCrossEntropyRows", z.ElementLength(), cols, out.ElementLength(), gradient ? cols : 1);
  if (y.ElementLength() != z.ElementLength()) throw Napi::RangeError::New(env, "softmaxCrossEntropyRows: y holds " + std::to_string(y.ElementLength()) + " values but z holds " + std::to_string(z.ElementLength()));
  const float* pd = nullptr;
  if (gradient) {
    auto dy = Floats(env, info[4], "dy");
    if (static_cast<int64_t>(dy.ElementLength()) != rows) throw Napi::RangeError::New(env, "softmaxCrossEntropyRows: dy holds " + std::to_string(dy.ElementLength()) + " values but there are " + std::to_string(rows) + " rows");
    pd = dy.Data();
  }
  const float *pz = z.Data(), *py = y.Data();
  float* po = out.Data();
  ForChunks(rows, 1, rows * cols * 16, [&](int64_t r0, int64_t r1) {
    std::vector<double> scratch(cols);
    for (int64_t r = r0; r < r1; r++) {
      const float *zr = pz + r * cols, *yr = py + r * cols;
      const double lse = LogSumExp(zr, cols, scratch.data());
      if (!gradient) {
        double loss = 0;
        for (int64_t j = 0; j < cols; j++) loss += static_cast<double>(yr[j]) * (lse - zr[j]);
        po[r] = static_cast<float>(loss);
        continue;
      }
      double mass = 0;
      for (int64_t j = 0; j < cols; j++) mass += yr[j];
      const double d = pd[r];
      LossGradRow(zr, yr, lse, mass, d, po + r * cols, cols);
    }
  });
  return env.Undefined();
}

// argMaxRows(x, cols, out: Int32Array): each row's index of its first
// strictly largest value (index 0 when none is larger, as on tfjs-cpu: NaN
// never wins after the first place).
Napi::Value ArgMaxRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3) throw Napi::TypeError::New(env, "argMaxRows takes 3 arguments");
  auto x = Floats(env, info[0], "x");
  const int64_t cols = Dim(env, info[1], "cols");
  auto out = Typed<int32_t>(env, info[2], "out");
  const int64_t rows = Rows(env, "argMaxRows", x.ElementLength(), cols, out.ElementLength(), 1);
  const float* px = x.Data();
  int32_t* po = out.Data();
  for (int64_t r = 0; r < rows; r++) {
    const float* v = px + r * cols;
    float m = v[0];
    int32_t best = 0;
    for (int64_t j = 1; j < cols; j++)
      if (v[j] > m) m = v[j], best = static_cast<int32_t>(j);
    po[r] = best;
  }
  return env.Undefined();
}

}  // namespace tikhonov::addon
