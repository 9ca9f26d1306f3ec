// Native kernels for the `native` tfjs backend: OpenBLAS SGEMM over the
// Float32Arrays tfjs-backend-cpu stores on the JS heap (no copies). Every entry
// point checks the lengths and dimensions it is given and throws a JS error
// instead of reading or writing out of bounds.
//
// This file holds the thread pool and the module's registration; the kernels
// live in files by family (gemm, elementwise, updates, rows, image, conv,
// pooling, random), their entry points declared in entries.h.
#include "common.h"
#include "entries.h"
#include "dnnl-conv.h"

namespace tikhonov::addon {

// The addon's thread pool (pool.h); setThreads sizes it.
tikhonov::Pool& Threads() {
  static tikhonov::Pool pool;
  return pool;
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t threads = Dim(env, info[0], "threads");
  if (threads > 64) throw Napi::RangeError::New(env, "threads must be at most 64, got " + std::to_string(threads));
  Threads().Resize(static_cast<int>(threads));
  return env.Undefined();
}

Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), Threads().Threads());
}

Napi::Value Config(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), openblas_get_config());
}

// poolFailureProbe(count, failAt, onWorker): runs count chunks on the pool;
// chunk failAt throws std::bad_alloc — or, with onWorker, the first chunk a
// worker thread runs (the caller's first chunk waits for a worker to come).
// A diagnostic for the tests: a failure inside a pool job, on the caller's
// thread or a worker's, must reach JavaScript as an Error, and the pool must
// work afterwards. Returns how many chunks ran to the end.
Napi::Value PoolFailureProbe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 3 || !info[2].IsBoolean()) throw Napi::TypeError::New(env, "poolFailureProbe takes count, failAt and onWorker (a boolean)");
  const int64_t count = Stride(env, info[0], "count");
  const int64_t failAt = Stride(env, info[1], "failAt");
  const bool onWorker = info[2].As<Napi::Boolean>().Value();
  if (count > 1000000) throw Napi::RangeError::New(env, "poolFailureProbe: count must be at most 1 000 000");
  const std::thread::id caller = std::this_thread::get_id();
  const bool workers = Threads().Threads() > 1;
  std::atomic<bool> workerCame{false};
  std::atomic<bool> callerWaited{false};
  std::atomic<int64_t> ran{0};
  Threads().Run(count, [&](int64_t i) {
    if (onWorker) {
      if (std::this_thread::get_id() != caller) {
        workerCame.store(true, std::memory_order_release);
        throw std::bad_alloc();
      }
      // the caller's first chunk waits for a worker to come (at most 0.2 s: see the test)
      if (!callerWaited.exchange(true)) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
        while (workers && !workerCame.load(std::memory_order_acquire) && std::chrono::steady_clock::now() < until) tikhonov::CpuRelax();
      }
    } else if (i == failAt) {
      throw std::bad_alloc();
    }
    ran.fetch_add(1, std::memory_order_relaxed);
  });
  return Napi::Number::New(env, static_cast<double>(ran.load()));
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // OpenBLAS runs inside the pool's threads (Sgemm); the pool starts with
  // the thread count OpenBLAS chose for this machine (its cores).
  static const bool started = [] {
    const int cores = openblas_get_num_threads();
    openblas_set_num_threads(1);
    Threads().Resize(std::max(1, std::min(cores, 8)));
    return true;
  }();
  (void)started;
  exports.Set("gemmBatched", Napi::Function::New(env, GemmBatched));
  exports.Set("poolFailureProbe", Napi::Function::New(env, PoolFailureProbe));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("lerp", Napi::Function::New(env, Lerp));
  exports.Set("adam", Napi::Function::New(env, Adam));
  exports.Set("momentum", Napi::Function::New(env, Momentum));
  exports.Set("sgd", Napi::Function::New(env, Sgd));
  exports.Set("maxNormColumns", Napi::Function::New(env, MaxNormColumns));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("gatherRows", Napi::Function::New(env, GatherRows));
  exports.Set("transform", Napi::Function::New(env, Transform));
  exports.Set("reverseAxis", Napi::Function::New(env, ReverseAxis));
  exports.Set("select", Napi::Function::New(env, Select));
  exports.Set("castFloats", Napi::Function::New(env, CastFloats));
  exports.Set("biasActivation", Napi::Function::New(env, BiasActivation));
  exports.Set("reluBiasGrad", Napi::Function::New(env, ReluBiasGrad));
  exports.Set("reduceAxis", Napi::Function::New(env, ReduceAxis));
  exports.Set("softmaxRows", Napi::Function::New(env, SoftmaxRows));
  exports.Set("softmaxCrossEntropyRows", Napi::Function::New(env, SoftmaxCrossEntropyRows));
  exports.Set("argMaxRows", Napi::Function::New(env, ArgMaxRows));
  exports.Set("conv2d", Napi::Function::New(env, Conv2d));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2dBackpropInput));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2dBackpropFilter));
  exports.Set("maxPool", Napi::Function::New(env, MaxPool));
  exports.Set("maxPoolGrad", Napi::Function::New(env, MaxPoolGrad));
  exports.Set("avgPool", Napi::Function::New(env, AvgPool));
  exports.Set("avgPoolGrad", Napi::Function::New(env, AvgPoolGrad));
  exports.Set("setZiggurat", Napi::Function::New(env, SetZiggurat));
  exports.Set("randomFill", Napi::Function::New(env, RandomFill));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads));
  exports.Set("config", Napi::Function::New(env, Config));
  exports.Set("setDnnl", Napi::Function::New(env, SetDnnl));
  exports.Set("setDnnlWinograd", Napi::Function::New(env, SetDnnlWinograd));
  exports.Set("setDnnlGemm", Napi::Function::New(env, SetDnnlGemm));
  exports.Set("gemmLibrary", Napi::Function::New(env, GemmLibrary));
  return exports;
}

}  // namespace tikhonov::addon

// NODE_API_MODULE pastes the function's name into identifiers: a plain name here
static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return tikhonov::addon::Init(env, exports); }

NODE_API_MODULE(tikhonov_native, InitModule)

