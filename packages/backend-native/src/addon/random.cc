// Core's random draws natively: the same generators and tables as its JavaScript.
#include "common.h"
#include "entries.h"

namespace tikhonov::addon {

// ---- random numbers -----------------------------------------------------------
// The same generators as @tikhonov/core's JavaScript ones (rng-kernels.ts),
// word for word: xoshiro128** seeded through splitmix32, 24-bit uniforms, and
// the 128-layer Ziggurat with core's own tables (passed in once), so a seeded
// stream gives the same numbers on every backend.

class Xoshiro128 {
 public:
  explicit Xoshiro128(uint32_t seed) {
    uint32_t s = seed;
    auto next = [&s] {
      s += 0x9e3779b9u;
      uint32_t z = s;
      z = (z ^ (z >> 16)) * 0x85ebca6bu;
      z = (z ^ (z >> 13)) * 0xc2b2ae35u;
      return z ^ (z >> 16);
    };
    a_ = next(), b_ = next(), c_ = next(), d_ = next();
    if ((a_ | b_ | c_ | d_) == 0) a_ = 1;
  }
  uint32_t NextUint32() {
    const uint32_t result = Rotl(b_ * 5u, 7) * 9u;
    const uint32_t t = b_ << 9;
    c_ ^= a_, d_ ^= b_, b_ ^= c_, a_ ^= d_, c_ ^= t;
    d_ = Rotl(d_, 11);
    return result;
  }
  double NextFloat() { return static_cast<double>(NextUint32() >> 8) * 5.9604644775390625e-8; }

 private:
  static uint32_t Rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
  uint32_t a_, b_, c_, d_;
};

struct Ziggurat {
  bool ready = false;
  uint32_t kn[128];
  double wn[128], fn[128], r;
};
Ziggurat ziggurat;

// The fast path is the same double arithmetic as core's on the same tables;
// the wedge and tail (≈ 1 % of draws) call the C library's exp and log,
// which could differ from V8's in the last bit (tests compare millions of draws).
// Inlined into the fill loop by force: called, the generator's state went
// through memory on every draw (GCC did not inline it, for the loop and the
// log and exp calls), and a million draws took 10.0–10.6 ms against 3.5–3.8
// inlined (a standalone copy of this file's loop, 5 runs each, hand-measured).
// Taking only the rare paths out of line keeps the state in memory too (7.4).
[[gnu::always_inline]] inline double StandardNormal(Xoshiro128& rng) {
  const Ziggurat& z = ziggurat;
  for (;;) {
    const int32_t hz = static_cast<int32_t>(rng.NextUint32());
    const uint32_t iz = rng.NextUint32() & 127u;
    const double h = static_cast<double>(hz);
    if (std::fabs(h) < static_cast<double>(z.kn[iz])) return h * z.wn[iz];
    if (iz == 0) {
      double x, y;
      do {
        x = -std::log(1 - rng.NextFloat()) / z.r;
        y = -std::log(1 - rng.NextFloat());
      } while (y + y < x * x);
      return hz > 0 ? z.r + x : -z.r - x;
    }
    const double x = h * z.wn[iz];
    if (z.fn[iz] + rng.NextFloat() * (z.fn[iz - 1] - z.fn[iz]) < std::exp(-0.5 * x * x)) return x;
  }
}

// setZiggurat(kn: Uint32Array(128), wn: Float64Array(128), fn: Float64Array(128), r)
Napi::Value SetZiggurat(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 4 || !info[3].IsNumber()) throw Napi::TypeError::New(env, "setZiggurat takes (kn: Uint32Array, wn: Float64Array, fn: Float64Array, r: number)");
  auto kn = Typed<uint32_t>(env, info[0], "kn");
  auto wn = Typed<double>(env, info[1], "wn");
  auto fn = Typed<double>(env, info[2], "fn");
  if (kn.ElementLength() != 128 || wn.ElementLength() != 128 || fn.ElementLength() != 128) throw Napi::RangeError::New(env, "setZiggurat: each table holds 128 values");
  std::copy(kn.Data(), kn.Data() + 128, ziggurat.kn);
  std::copy(wn.Data(), wn.Data() + 128, ziggurat.wn);
  std::copy(fn.Data(), fn.Data() + 128, ziggurat.fn);
  ziggurat.r = info[3].As<Napi::Number>().DoubleValue();
  ziggurat.ready = true;
  return env.Undefined();
}

// randomFill(kind, out, seed, a, b): kind 0 uniform out = a + (b − a)·u;
// 1 normal out = a + b·z; 2 bernoulli out = u < a ? 1 : 0.
Napi::Value RandomFill(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 5) throw Napi::TypeError::New(env, "randomFill takes 5 arguments");
  const int64_t kind = Stride(env, info[0], "kind");
  auto out = Floats(env, info[1], "out");
  if (!info[2].IsNumber()) throw Napi::TypeError::New(env, "seed must be a number");
  const double seedValue = info[2].As<Napi::Number>().DoubleValue();
  if (!(seedValue >= 0 && seedValue <= 4294967295.0) || seedValue != std::floor(seedValue)) throw Napi::RangeError::New(env, "seed must be an integer in [0, 2^32), got " + std::to_string(seedValue));
  if (!info[3].IsNumber() || !info[4].IsNumber()) throw Napi::TypeError::New(env, "randomFill: a and b must be numbers");
  const double a = info[3].As<Napi::Number>().DoubleValue(), b = info[4].As<Napi::Number>().DoubleValue();
  if (kind > 2) throw Napi::RangeError::New(env, "randomFill: unknown kind " + std::to_string(kind));
  if (kind == 1 && !ziggurat.ready) throw Napi::Error::New(env, "randomFill: normal draws need setZiggurat first");
  Xoshiro128 rng(static_cast<uint32_t>(seedValue));
  float* o = out.Data();
  const size_t n = out.ElementLength();
  if (kind == 0) {
    const double span = b - a;
    for (size_t i = 0; i < n; i++) o[i] = static_cast<float>(a + span * rng.NextFloat());
  } else if (kind == 1) {
    for (size_t i = 0; i < n; i++) o[i] = static_cast<float>(a + b * StandardNormal(rng));
  } else {
    // u = w·2⁻²⁴ < a exactly when the integer w < ⌈a·2²⁴⌉; the result picked
    // from a table, since GCC otherwise branches on it and, with keep near
    // 0.5, mispredicts every other draw (measured 8.7 vs 2.2 ms per million)
    const double scaled = std::ceil(a * 16777216.0);
    const uint32_t threshold = !(scaled > 0) ? 0u : scaled >= 16777216.0 ? 16777216u : static_cast<uint32_t>(scaled);  // NaN keeps nothing, as u < NaN
    const float values[2] = {0.0f, 1.0f};
    for (size_t i = 0; i < n; i++) o[i] = values[(rng.NextUint32() >> 8) < threshold];
  }
  return env.Undefined();
}

}  // namespace tikhonov::addon
