// Image transforms: tf.image.transform (affine and projective warps) and reverse along an axis.
#include "common.h"
#include "entries.h"

namespace tikhonov::addon {

// A source coordinate mapped into [0, len − 1] by TensorFlow's fill modes
// (0 constant: unchanged, read as the fill value when outside; 1 reflect
// dcba|abcd|dcba; 2 wrap; 3 nearest: clamped), as tfjs-cpu's Transform does.
static float MapCoordinate(float c, int64_t len, int64_t mode) {
  const float last = static_cast<float>(len - 1);
  if (mode == 0) return c;
  if (mode == 3) return std::min(std::max(c, 0.0f), last);
  if (len <= 1) return 0.0f;
  if (mode == 1) {
    const float sz2 = 2.0f * static_cast<float>(len);
    if (c < 0) {
      if (c < -sz2) c = sz2 * std::trunc(-c / sz2) + c;
      c = c < -static_cast<float>(len) ? c + sz2 : -c - 1;
    } else if (c > last) {
      c -= sz2 * std::trunc(c / sz2);
      if (c >= static_cast<float>(len)) c = sz2 - c - 1;
    }
  } else {
    const float sz = last;
    if (c < 0) c += static_cast<float>(len) * (std::trunc(-c / sz) + 1);
    else if (c > last) c -= static_cast<float>(len) * std::trunc(c / sz);
  }
  return std::min(std::max(c, 0.0f), last);
}

// transform(x, batch, height, width, channels, rows, perImage, interpolation,
// fill, fillValue, out): tf.image.transform for NHWC x. Output pixel (u, v)
// of image b reads the input at ((a0 u + a1 v + a2)/k, (b0 u + b1 v + b2)/k),
// k = c0 u + c1 v + 1, from the 8 values of row b of `rows` (row 0 for every
// image when perImage is 0); interpolation 0 bilinear, 1 nearest (half up);
// fill as MapCoordinate; outside reads give fillValue. Every image of the
// batch (tfjs-cpu 4.22's kernel stops after the first).
Napi::Value Transform(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 11) throw Napi::TypeError::New(env, "transform takes 11 arguments");
  auto x = Floats(env, info[0], "x");
  const int64_t batch = Dim(env, info[1], "batch"), h = Dim(env, info[2], "height"), w = Dim(env, info[3], "width"), c = Dim(env, info[4], "channels");
  auto rows = Floats(env, info[5], "rows");
  const bool perImage = info[6].ToBoolean().Value();
  const int64_t interpolation = Stride(env, info[7], "interpolation"), fill = Stride(env, info[8], "fill");
  if (!info[9].IsNumber()) throw Napi::TypeError::New(env, "fillValue must be a number");
  const float fillValue = info[9].As<Napi::Number>().FloatValue();
  auto out = Floats(env, info[10], "out");
  const int64_t size = Product(env, {batch, h, w, c}, "batch·height·width·channels");
  if (static_cast<int64_t>(x.ElementLength()) != size || static_cast<int64_t>(out.ElementLength()) != size) throw Napi::RangeError::New(env, "transform: x and out must hold batch·height·width·channels values");
  if (static_cast<int64_t>(rows.ElementLength()) != (perImage ? batch : 1) * 8) throw Napi::RangeError::New(env, "transform: rows must hold 8 values per image (or 8 for all)");
  if (interpolation > 1 || fill > 3) throw Napi::RangeError::New(env, "transform: unknown interpolation or fill");
  const float* px = x.Data();
  const float* pr = rows.Data();
  float* po = out.Data();
  ForImages(batch, h * w * c * 8, [&](int64_t first, int64_t end) {
    for (int64_t b = first; b < end; b++) {
      const float* t = pr + (perImage ? b * 8 : 0);
      const float* image = px + b * h * w * c;
      float* o = po + b * h * w * c;
      auto read = [&](int64_t yi, int64_t xi, int64_t ch) { return yi >= 0 && yi < h && xi >= 0 && xi < w ? image[(yi * w + xi) * c + ch] : fillValue; };
      for (int64_t v = 0; v < h; v++) {
        for (int64_t u = 0; u < w; u++) {
          float* dst = o + (v * w + u) * c;
          const float k = t[6] * u + t[7] * v + 1;
          if (k == 0) {
            std::fill(dst, dst + c, fillValue);
            continue;
          }
          const float sx = MapCoordinate((t[0] * u + t[1] * v + t[2]) / k, w, fill);
          const float sy = MapCoordinate((t[3] * u + t[4] * v + t[5]) / k, h, fill);
          if (interpolation == 1) {
            const int64_t xi = static_cast<int64_t>(std::floor(sx + 0.5f)), yi = static_cast<int64_t>(std::floor(sy + 0.5f));
            for (int64_t ch = 0; ch < c; ch++) dst[ch] = read(yi, xi, ch);
            continue;
          }
          const float fx = std::floor(sx), fy = std::floor(sy);
          const int64_t x0 = static_cast<int64_t>(fx), y0 = static_cast<int64_t>(fy);
          const float ax = sx - fx, ay = sy - fy;
          for (int64_t ch = 0; ch < c; ch++) {
            const float top = (1 - ax) * read(y0, x0, ch) + ax * read(y0, x0 + 1, ch);
            const float bottom = (1 - ax) * read(y0 + 1, x0, ch) + ax * read(y0 + 1, x0 + 1, ch);
            dst[ch] = (1 - ay) * top + ay * bottom;
          }
        }
      }
    }
  });
  return env.Undefined();
}

// reverseAxis(x, outer, length, inner, out): x viewed as outer×length×inner,
// the middle axis reversed (tf.reverse along one axis).
Napi::Value ReverseAxis(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 5) throw Napi::TypeError::New(env, "reverseAxis takes 5 arguments");
  auto x = Floats(env, info[0], "x");
  const int64_t outer = Dim(env, info[1], "outer"), len = Dim(env, info[2], "length"), inner = Dim(env, info[3], "inner");
  auto out = Floats(env, info[4], "out");
  if (static_cast<int64_t>(x.ElementLength()) != Product(env, {outer, len, inner}, "outer·length·inner") || out.ElementLength() != x.ElementLength()) throw Napi::RangeError::New(env, "reverseAxis: x and out must hold outer·length·inner values");
  const float* px = x.Data();
  float* po = out.Data();
  ForChunks(outer, 1, outer * len * inner, [&](int64_t first, int64_t end) {
    for (int64_t o = first; o < end; o++)
      for (int64_t i = 0; i < len; i++) std::copy(px + (o * len + i) * inner, px + (o * len + i + 1) * inner, po + (o * len + (len - 1 - i)) * inner);
  });
  return env.Undefined();
}

}  // namespace tikhonov::addon
