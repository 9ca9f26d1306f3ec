// The window calls' shared parts (convolutions in conv.cc, pooling in
// pooling.cc): the NHWC geometry, its checks, and the parsing of a call's arrays.
#pragma once
#include "common.h"

namespace tikhonov::addon {

// The geometry of a 2-D convolution or pooling window, as tfjs's Conv2DInfo
// computes it. Every pixel index built from it is bounds-checked against the
// input, so a geometry that disagrees with the buffers cannot read or write
// outside them; the buffer lengths are checked against it too.
struct ConvGeometry {
  int64_t batch, inH, inW, inC, outH, outW, outC, fH, fW, sH, sW, dH, dW, padT, padL;
  int64_t inSize() const { return batch * inH * inW * inC; }
  int64_t outSize() const { return batch * outH * outW * outC; }
  int64_t rows() const { return batch * outH * outW; }           // im2col rows
  int64_t patch() const { return fH * fW * inC; }                // im2col columns
};

inline ConvGeometry Geometry(const Napi::Env& env, const Napi::Value& v) {
  if (!v.IsObject()) throw Napi::TypeError::New(env, "geometry must be an object");
  auto o = v.As<Napi::Object>();
  auto dim = [&](const char* k) { return Dim(env, o.Get(k), k); };
  auto pad = [&](const char* k) { return Stride(env, o.Get(k), k); };
  ConvGeometry g{dim("batch"), dim("inHeight"), dim("inWidth"), dim("inChannels"), dim("outHeight"), dim("outWidth"), dim("outChannels"),
                 dim("filterHeight"), dim("filterWidth"), dim("strideHeight"), dim("strideWidth"), dim("dilationHeight"), dim("dilationWidth"),
                 pad("padTop"), pad("padLeft")};
  // products stay far from int64 overflow and BLAS's int dimensions
  const double big = 2147483647.0;
  if (static_cast<double>(g.rows()) * static_cast<double>(g.patch()) > big || static_cast<double>(g.inSize()) > big || static_cast<double>(g.outSize()) > big) {
    throw Napi::RangeError::New(env, "convolution too large: its buffers or im2col matrix would exceed 2^31 values");
  }
  return g;
}

inline void CheckLength(const Napi::Env& env, const Napi::Float32Array& a, int64_t want, const char* name) {
  if (static_cast<int64_t>(a.ElementLength()) != want) {
    throw Napi::RangeError::New(env, std::string(name) + " holds " + std::to_string(a.ElementLength()) + " values but the geometry needs " + std::to_string(want));
  }
}

// The input pixel under filter tap (fh, fw) of output (oh, ow), or -1 in padding.
inline int64_t Pixel(const ConvGeometry& g, int64_t b, int64_t oh, int64_t ow, int64_t fh, int64_t fw) {
  const int64_t h = oh * g.sH - g.padT + fh * g.dH;
  const int64_t w = ow * g.sW - g.padL + fw * g.dW;
  if (h < 0 || h >= g.inH || w < 0 || w >= g.inW) return -1;
  return ((b * g.inH + h) * g.inW + w) * g.inC;
}

// A window call's arguments (convolutions, pooling and their gradients):
// Float32Arrays, each checked against the geometry as input-, output- or
// filter-sized, then the geometry itself.
enum class Sized { Input, Output, Filter };

struct WindowCall {
  ConvGeometry g;
  std::vector<float*> arrays;
  int64_t workPerImage() const { return g.outH * g.outW * g.outC * g.fH * g.fW; }
};

inline WindowCall ParseWindowCall(const Napi::CallbackInfo& info, const char* fn, std::initializer_list<std::pair<const char*, Sized>> arrays, bool pooling) {
  Napi::Env env = info.Env();
  if (info.Length() != arrays.size() + 1) throw Napi::TypeError::New(env, std::string(fn) + " takes " + std::to_string(arrays.size() + 1) + " arguments");
  WindowCall call{Geometry(env, info[arrays.size()]), {}};
  const ConvGeometry& g = call.g;
  if (pooling && g.inC != g.outC) throw Napi::RangeError::New(env, std::string(fn) + ": inChannels must equal outChannels");
  size_t i = 0;
  for (const auto& [name, sized] : arrays) {
    auto a = Floats(env, info[i++], name);
    CheckLength(env, a, sized == Sized::Input ? g.inSize() : sized == Sized::Output ? g.outSize() : g.patch() * g.outC, name);
    call.arrays.push_back(a.Data());
  }
  return call;
}

}  // namespace tikhonov::addon
