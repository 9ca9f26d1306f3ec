// Elementwise entry points: binary ops and comparisons with broadcast blocks,
// unary ops, bias + activation, select and the float → int32 cast.
#include "common.h"
#include "entries.h"
#include "exp.h"
#include "log.h"

namespace tikhonov::addon {

// The loops of binary(): one per op and broadcast pattern, so the inner
// loops stay branch-free. EXPR combines x (from a) and y (from b). A scalar
// has its own loop: as a trailing block of length 1 its inner loop would run
// once per value, unvectorized (a tensor times a scalar, as in every SGD
// update, ran 4× slower than a tensor times a tensor); so has a block held
// for `repeat` values against a full tensor (a [128, 1] column against
// [128, 10]), one broadcast value per run of `repeat` outputs.
#define TIKHONOV_LOOP(EXPR)                                                       \
  if (na == n && rb > 1) { for (size_t i0 = 0; i0 < n; i0 += rb) { const float y = pb[(i0 / rb) % nb]; for (size_t i = i0; i < i0 + rb; i++) { float x = pa[i]; po[i] = (EXPR); } } } \
  else if (nb == n && ra > 1) { for (size_t i0 = 0; i0 < n; i0 += ra) { const float x = pa[(i0 / ra) % na]; for (size_t i = i0; i < i0 + ra; i++) { float y = pb[i]; po[i] = (EXPR); } } } \
  else if (ra > 1 || rb > 1) { for (size_t i = 0; i < n; i++) { float x = pa[(i / ra) % na], y = pb[(i / rb) % nb]; po[i] = (EXPR); } } \
  else if (na == n && nb == n) { for (size_t i = 0; i < n; i++) { float x = pa[i], y = pb[i]; po[i] = (EXPR); } }          \
  else if (na == n && nb == 1) { const float y = pb[0]; for (size_t i = 0; i < n; i++) { float x = pa[i]; po[i] = (EXPR); } } \
  else if (nb == n && na == 1) { const float x = pa[0]; for (size_t i = 0; i < n; i++) { float y = pb[i]; po[i] = (EXPR); } } \
  else if (na == n) { for (size_t i = 0; i < n; i += nb) for (size_t j = 0; j < nb; j++) { float x = pa[i + j], y = pb[j]; po[i + j] = (EXPR); } } \
  else if (nb == n) { for (size_t i = 0; i < n; i += na) for (size_t j = 0; j < na; j++) { float x = pa[j], y = pb[i + j]; po[i + j] = (EXPR); } } \
  else { for (size_t i = 0; i < n; i++) { float x = pa[i % na], y = pb[i % nb]; po[i] = (EXPR); } }

// Arithmetic, ops 0–6, into floats.
TIKHONOV_VECTOR void BinaryLoop(int64_t op, const float* pa, size_t na, size_t ra, const float* pb, size_t nb, size_t rb, float* po, size_t n) {
  switch (op) {
    case 0: TIKHONOV_LOOP(x + y) break;
    case 1: TIKHONOV_LOOP(x - y) break;
    case 2: TIKHONOV_LOOP(x * y) break;
    case 3: TIKHONOV_LOOP(x / y) break;
    case 4: TIKHONOV_LOOP((x - y) * (x - y)) break;
    case 5: TIKHONOV_LOOP(x > y || x != x ? x : y) break;
    default: TIKHONOV_LOOP(x < y || x != x ? x : y) break;
  }
}

// Comparisons, ops 7–12, into bytes (tfjs's bool storage); NaN compares as in JavaScript.
TIKHONOV_VECTOR void CompareLoop(int64_t op, const float* pa, size_t na, size_t ra, const float* pb, size_t nb, size_t rb, uint8_t* po, size_t n) {
  switch (op) {
    case 7: TIKHONOV_LOOP(x == y) break;
    case 8: TIKHONOV_LOOP(x != y) break;
    case 9: TIKHONOV_LOOP(x > y) break;
    case 10: TIKHONOV_LOOP(x >= y) break;
    case 11: TIKHONOV_LOOP(x < y) break;
    default: TIKHONOV_LOOP(x <= y) break;
  }
}
#undef TIKHONOV_LOOP

// binary(op, a, b, out, aRepeat, bRepeat): out[i] = a[(i / aRepeat) % |a|] op
// b[(i / bRepeat) % |b|]. Repeat 1 is an input that is as long as out or a
// trailing block of it (bias rows, scalars); a larger repeat is a block of
// leading or middle axes, each value held for `repeat` outputs (a [128, 1]
// column against [128, 10]). op: 0 add, 1 sub, 2 mul, 3 div, 4 squared
// difference, 5 maximum, 6 minimum (out a Float32Array); 7 equal, 8 not
// equal, 9 greater, 10 greater or equal, 11 less, 12 less or equal (out a
// Uint8Array of 0/1).
Napi::Value Binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 6) throw Napi::TypeError::New(env, "binary takes 6 arguments");
  const int64_t op = Stride(env, info[0], "op");
  if (op > 12) throw Napi::RangeError::New(env, "binary: unknown op " + std::to_string(op));
  const bool compare = op >= 7;
  auto a = Floats(env, info[1], "a");
  auto b = Floats(env, info[2], "b");
  if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != (compare ? napi_uint8_array : napi_float32_array)) {
    throw Napi::TypeError::New(env, std::string("out must be a ") + (compare ? "Uint8Array for a comparison" : "Float32Array for arithmetic"));
  }
  auto out = info[3].As<Napi::TypedArray>();
  uint8_t* bytes = compare ? info[3].As<Napi::Uint8Array>().Data() : nullptr;
  float* floats = compare ? nullptr : info[3].As<Napi::Float32Array>().Data();
  const size_t ra = static_cast<size_t>(Dim(env, info[4], "aRepeat"));
  const size_t rb = static_cast<size_t>(Dim(env, info[5], "bRepeat"));
  const size_t n = out.ElementLength(), na = a.ElementLength(), nb = b.ElementLength();
  if (n == 0 || na == 0 || nb == 0 || n % (na * ra) != 0 || n % (nb * rb) != 0) {
    throw Napi::RangeError::New(env, "binary: lengths " + std::to_string(na) + "×" + std::to_string(ra) + " and " + std::to_string(nb) + "×" + std::to_string(rb) +
                                         " (length × repeat) must divide the output length " + std::to_string(n));
  }
  // Threads take chunks whose starts are multiples of both inputs' broadcast
  // periods, so each chunk is the same pattern over a shorter output.
  const size_t pa_ = na == n ? 1 : na * ra, pb_ = nb == n ? 1 : nb * rb;
  const size_t period = std::lcm(pa_, pb_);
  ForChunks(static_cast<int64_t>(n), static_cast<int64_t>(period), static_cast<int64_t>(n), [&](int64_t begin, int64_t end) {
    const size_t m = static_cast<size_t>(end - begin);
    const size_t ma = na == n ? m : na, mb = nb == n ? m : nb;
    const float* ca = na == n ? a.Data() + begin : a.Data();
    const float* cb = nb == n ? b.Data() + begin : b.Data();
    if (compare) CompareLoop(op, ca, ma, ra, cb, mb, rb, bytes + begin, m);
    else BinaryLoop(op, ca, ma, ra, cb, mb, rb, floats + begin, m);
  });
  return env.Undefined();
}

// softplus's cut-off: beyond ±13.94, log(1 + e^x) equals x (or e^x) within
// float precision. tfjs-cpu compares in double against −(ln 2^−23 + 2) =
// 13.942385152878742; this float rounds it down to 13.942384719848633, and no
// float lies between the two, so a float compare picks the same branch.
constexpr float kSoftplusCut = -(-15.942385152878742f + 2.0f);

// softplus between the cut-offs as tfjs-cpu computes it, in double and rounded
// once: ln(1 + e^x), where 1 + e^x is rounded to double as Math's is; below
// the lower cut-off e^x alone. Straight-line (exp.h, log.h), so it vectorizes.
inline float SoftplusBetween(float v) {
  const double e = ExpDouble(v);
  return static_cast<float>(v < -kSoftplusCut ? e : LogDouble(1.0 + e));
}

// ln x as tfjs-cpu's Math.log rounded to float: log.h for positive finite x,
// and JavaScript's values for the rest (ln ±0 = −inf, ln inf = inf, NaN for
// negatives and NaN).
inline float LogFloat(float v) {
  const float inf = std::numeric_limits<float>::infinity();
  const float ln = static_cast<float>(LogDouble(v));
  return v > 0 ? (v < inf ? ln : v) : (v == 0 ? -inf : std::numeric_limits<float>::quiet_NaN());
}

// tanh in double from e^2|x| (exp.h), as straight-line code: below 2^-12 its
// series x(1 − x²/3) (the next term is under 2^-48 of it; written as a
// product so that −0 stays −0), above it 1 − 2/(e^2|x| + 1) with x's sign,
// which loses at most 12 of double's 53 bits to the subtraction.
inline double TanhDouble(double x) {
  const double a = std::fabs(x);
  const double big = std::copysign(1.0 - 2.0 / (ExpDouble(2.0 * a) + 1.0), x);
  return a < 0x1p-12 ? x * (1.0 - x * x / 3.0) : big;
}

// The loops of unary(), one per op. Exp, Log, Sigmoid, Tanh and Softplus are
// computed in double and rounded once to float, as tfjs-cpu computes them
// with Math.exp, Math.log and Math.tanh (exp.h and log.h say how closely).
TIKHONOV_VECTOR void UnaryLoop(int64_t op, float alpha, float beta, const float* px, float* po, size_t n) {
#define TIKHONOV_MAP(EXPR) for (size_t i = 0; i < n; i++) { const float v = px[i]; po[i] = (EXPR); }
  switch (op) {
    case 0: TIKHONOV_MAP(v > 0 || v != v ? v : 0.0f) break;
    case 1: TIKHONOV_MAP(v != v ? v : (v > 0 ? 1.0f : alpha)) break;
    case 2: TIKHONOV_MAP(static_cast<float>(ExpDouble(v))) break;
    case 3: TIKHONOV_MAP(LogFloat(v)) break;
    case 4: TIKHONOV_MAP(-v) break;
    case 5: TIKHONOV_MAP(v * v) break;
    case 6: TIKHONOV_MAP(std::sqrt(v)) break;
    case 7: TIKHONOV_MAP(static_cast<float>(1.0 / (1.0 + ExpDouble(-static_cast<double>(v))))) break;
    case 8: TIKHONOV_MAP(static_cast<float>(TanhDouble(v))) break;
    case 9: TIKHONOV_MAP(std::fabs(v)) break;
    // sign as tfjs-cpu: NaN and ±0 give 0
    case 10: TIKHONOV_MAP(v < 0 ? -1.0f : (v > 0 ? 1.0f : 0.0f)) break;
    // clip to [alpha, beta] as tfjs-cpu: NaN stays NaN
    case 11: TIKHONOV_MAP(v > beta ? beta : (v < alpha ? alpha : v)) break;
    // softplus log(1 + e^x) with tfjs-cpu's cut-offs at ±(log(2^-23) + 2): x above (and NaN), e^x below
    default: TIKHONOV_MAP(v > kSoftplusCut || v != v ? v : SoftplusBetween(v)) break;
  }
#undef TIKHONOV_MAP
}

// unary(op, x, out, alpha): op 0 relu max(x, 0); 1 step (x > 0 ? 1 : alpha),
// NaN kept; 2 exp, 3 log, 4 neg, 5 square, 6 sqrt, 7 sigmoid 1/(1+e^-x),
// 8 tanh, 9 abs (in float; NaN propagates as in the cpu backend's Math.*),
// 10 sign, 11 clip to [alpha, beta] (beta: a 5th argument, op 11 only), 12 softplus.
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4 && info.Length() != 5) throw Napi::TypeError::New(env, "unary takes 4 or 5 arguments");
  const int64_t op = Stride(env, info[0], "op");
  auto x = Floats(env, info[1], "x");
  auto out = Floats(env, info[2], "out");
  if (!info[3].IsNumber()) throw Napi::TypeError::New(env, "alpha must be a number");
  const float alpha = info[3].As<Napi::Number>().FloatValue();
  if (x.ElementLength() != out.ElementLength()) throw Napi::RangeError::New(env, "unary: x and out must have the same length");
  const float* px = x.Data();
  float* po = out.Data();
  const size_t n = x.ElementLength();
  if (op > 12) throw Napi::RangeError::New(env, "unary: unknown op " + std::to_string(op));
  if (op == 11 && (info.Length() != 5 || !info[4].IsNumber())) throw Napi::TypeError::New(env, "unary: op 11 (clip) takes its upper bound beta as a 5th argument");
  const float beta = info.Length() == 5 && info[4].IsNumber() ? info[4].As<Napi::Number>().FloatValue() : 0.0f;
  ForChunks(static_cast<int64_t>(n), 1, static_cast<int64_t>(n), [&](int64_t begin, int64_t end) { UnaryLoop(op, alpha, beta, px + begin, po + begin, static_cast<size_t>(end - begin)); });
  return env.Undefined();
}

// The loop of biasActivation(), one per activation.
TIKHONOV_VECTOR void BiasActivationLoop(float* o, size_t n, const float* bias, size_t nb, int64_t act, float alpha) {
#define TIKHONOV_ACT(EXPR)                                                                  \
  if (nb == 0) { for (size_t i = 0; i < n; i++) { const float v = o[i]; o[i] = (EXPR); } }  \
  else { for (size_t i = 0; i < n; i += nb) for (size_t j = 0; j < nb; j++) { const float v = o[i + j] + bias[j]; o[i + j] = (EXPR); } }
  switch (act) {
    case 0: TIKHONOV_ACT(v) break;
    case 1: TIKHONOV_ACT(v < 0 ? 0.0f : v) break;
    case 2: TIKHONOV_ACT(v < 0 ? 0.0f : (v > 6 ? 6.0f : v)) break;
    default: TIKHONOV_ACT(v < 0 ? v * alpha : v) break;
  }
#undef TIKHONOV_ACT
}

// biasActivation(out, bias, activation, alpha): in place, out = act(out +
// bias), bias (or undefined: none) repeating over out's rows. activation 0
// linear, 1 relu, 2 relu6, 3 leaky relu (x < 0 ? alpha·x : x); NaN stays NaN,
// as in tfjs-cpu's fused kernels.
Napi::Value BiasActivation(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw Napi::TypeError::New(env, "biasActivation takes 4 arguments");
  auto out = Floats(env, info[0], "out");
  const bool hasBias = !info[1].IsUndefined();
  const float* bias = nullptr;
  size_t nb = 0;
  if (hasBias) {
    auto b = Floats(env, info[1], "bias");
    nb = b.ElementLength();
    bias = b.Data();
    if (nb == 0 || out.ElementLength() % nb != 0) throw Napi::RangeError::New(env, "biasActivation: bias length " + std::to_string(nb) + " must divide out's length " + std::to_string(out.ElementLength()));
  }
  const int64_t act = Stride(env, info[2], "activation");
  if (act > 3) throw Napi::RangeError::New(env, "biasActivation: unknown activation " + std::to_string(act));
  if (!info[3].IsNumber()) throw Napi::TypeError::New(env, "alpha must be a number");
  const float alpha = info[3].As<Napi::Number>().FloatValue();
  float* po = out.Data();
  const size_t n = out.ElementLength();
  ForChunks(static_cast<int64_t>(n), static_cast<int64_t>(std::max<size_t>(nb, 1)), static_cast<int64_t>(n),
            [&](int64_t begin, int64_t end) { BiasActivationLoop(po + begin, static_cast<size_t>(end - begin), bias, nb, act, alpha); });
  return env.Undefined();
}

// select(condition: Uint8Array, t, e, out): out[i] = condition[i] === 1 ?
// t[i] : e[i], all of one length (tfjs-cpu's test: exactly 1, not non-zero).
Napi::Value Select(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4) throw Napi::TypeError::New(env, "select takes 4 arguments");
  auto c = Typed<uint8_t>(env, info[0], "condition");
  auto t = Floats(env, info[1], "t");
  auto e = Floats(env, info[2], "e");
  auto out = Floats(env, info[3], "out");
  const size_t n = out.ElementLength();
  if (c.ElementLength() != n || t.ElementLength() != n || e.ElementLength() != n) throw Napi::RangeError::New(env, "select: condition, t, e and out must have the same length");
  const uint8_t* pc = c.Data();
  const float *pt = t.Data(), *pe = e.Data();
  float* po = out.Data();
  ForChunks(static_cast<int64_t>(n), 1, static_cast<int64_t>(n), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) po[i] = pc[i] == 1 ? pt[i] : pe[i];
  });
  return env.Undefined();
}

// castFloats(x, out): out an Int32Array — JavaScript's ToInt32, as
// Int32Array.from does on tfjs-cpu: truncate, NaN and ±Infinity to 0, wrap
// modulo 2^32 — or a Uint8Array of x !== 0 (bool; NaN is true).
Napi::Value CastFloats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 2) throw Napi::TypeError::New(env, "castFloats takes 2 arguments");
  auto x = Floats(env, info[0], "x");
  if (!info[1].IsTypedArray()) throw Napi::TypeError::New(env, "out must be an Int32Array or a Uint8Array");
  auto out = info[1].As<Napi::TypedArray>();
  const napi_typedarray_type type = out.TypedArrayType();
  if (type != napi_int32_array && type != napi_uint8_array) throw Napi::TypeError::New(env, "out must be an Int32Array or a Uint8Array");
  if (out.ElementLength() != x.ElementLength()) throw Napi::RangeError::New(env, "castFloats: x and out must have the same length");
  const float* px = x.Data();
  const size_t n = x.ElementLength();
  if (type == napi_uint8_array) {
    uint8_t* po = out.As<Napi::Uint8Array>().Data();
    for (size_t i = 0; i < n; i++) po[i] = px[i] != 0.0f ? 1 : 0;
  } else {
    int32_t* po = out.As<Napi::Int32Array>().Data();
    for (size_t i = 0; i < n; i++) {
      const double v = px[i];
      if (!std::isfinite(v)) {
        po[i] = 0;
      } else if (v > -2147483649.0 && v < 2147483648.0) {
        po[i] = static_cast<int32_t>(v);  // truncation toward zero
      } else {
        double m = std::fmod(std::trunc(v), 4294967296.0);
        if (m < 0) m += 4294967296.0;
        po[i] = static_cast<int32_t>(static_cast<uint32_t>(m));
      }
    }
  }
  return env.Undefined();
}

}  // namespace tikhonov::addon
