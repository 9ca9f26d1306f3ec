// The addon's entry points, one per JavaScript function (registered in native.cc's Init).
#pragma once
#include <napi.h>

namespace tikhonov::addon {

Napi::Value GemmBatched(const Napi::CallbackInfo& info);
Napi::Value Binary(const Napi::CallbackInfo& info);
Napi::Value Unary(const Napi::CallbackInfo& info);
Napi::Value Lerp(const Napi::CallbackInfo& info);
Napi::Value Adam(const Napi::CallbackInfo& info);
Napi::Value Momentum(const Napi::CallbackInfo& info);
Napi::Value Sgd(const Napi::CallbackInfo& info);
Napi::Value MaxNormColumns(const Napi::CallbackInfo& info);
Napi::Value BiasActivation(const Napi::CallbackInfo& info);
Napi::Value Select(const Napi::CallbackInfo& info);
Napi::Value CastFloats(const Napi::CallbackInfo& info);
Napi::Value GatherRows(const Napi::CallbackInfo& info);
Napi::Value ReduceAxis(const Napi::CallbackInfo& info);
Napi::Value ReluBiasGrad(const Napi::CallbackInfo& info);
Napi::Value Transform(const Napi::CallbackInfo& info);
Napi::Value ReverseAxis(const Napi::CallbackInfo& info);
Napi::Value SoftmaxRows(const Napi::CallbackInfo& info);
Napi::Value SoftmaxCrossEntropyRows(const Napi::CallbackInfo& info);
Napi::Value ArgMaxRows(const Napi::CallbackInfo& info);
Napi::Value Conv2d(const Napi::CallbackInfo& info);
Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info);
Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info);
Napi::Value MaxPool(const Napi::CallbackInfo& info);
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info);
Napi::Value AvgPool(const Napi::CallbackInfo& info);
Napi::Value AvgPoolGrad(const Napi::CallbackInfo& info);
Napi::Value SetZiggurat(const Napi::CallbackInfo& info);
Napi::Value RandomFill(const Napi::CallbackInfo& info);
Napi::Value SetThreads(const Napi::CallbackInfo& info);
Napi::Value GetThreads(const Napi::CallbackInfo& info);
Napi::Value Config(const Napi::CallbackInfo& info);
Napi::Value SetDnnl(const Napi::CallbackInfo& info);
Napi::Value SetDnnlWinograd(const Napi::CallbackInfo& info);
Napi::Value SetDnnlGemm(const Napi::CallbackInfo& info);
Napi::Value GemmLibrary(const Napi::CallbackInfo& info);
Napi::Value PoolFailureProbe(const Napi::CallbackInfo& info);

}  // namespace tikhonov::addon
