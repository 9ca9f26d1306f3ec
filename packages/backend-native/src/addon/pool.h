// The addon's threads: one pool shared by every parallel loop, the SGEMMs
// included (OpenBLAS itself runs single-threaded; see Sgemm in native.cc).
//
// Why a pool of our own: starting a std::thread per call cost ≈ 25 µs, so two
// threads made a 131 072-value loop slower (51 µs vs 28 µs on one), and
// OpenBLAS's own workers, busy-waiting after each SGEMM, competed for the
// second core with the addon's other loops. Here a worker spins briefly after
// each job (kernels of a training step come back to back), then yields for a
// while (see kYieldMicros), then sleeps until the next one.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "signals.h"

namespace tikhonov {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

class Pool {
 public:
  Pool() = default;
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  ~Pool() { Stop(); }

  // Total threads including the caller's; 1 runs everything on the caller.
  int Threads() const { return threads_.load(std::memory_order_acquire); }

  void Resize(int threads) {
    std::lock_guard<std::mutex> serial(run_);
    Stop();
    stop_ = false;
    // the generation now, taken before the threads start: a job the caller begins before a new thread has run
    // still counts as new to it (read inside the thread, it could be that job's, and the thread would sleep through it)
    const uint64_t start = generation_.load(std::memory_order_acquire);
    for (int i = 1; i < threads; i++) workers_.emplace_back([this, start] { Loop(start); });
    threads_.store(threads < 1 ? 1 : threads, std::memory_order_release);
  }

  // f(i) for every i in [0, count), spread over the caller and the workers;
  // returns when all have run. If f throws (std::bad_alloc in a worker, say),
  // the first exception is rethrown here, on the caller's thread, once every
  // chunk is accounted for — the chunks after it are skipped — so it reaches
  // JavaScript as an Error instead of ending the process. Called from inside a
  // job (f itself parallel), it runs inline: the pool is busy with the caller.
  void Run(int64_t count, const std::function<void(int64_t)>& f) {
    // a one-thread pool runs on the caller without the lock, so JavaScript
    // threads (ensemble members on worker threads) never wait for each other
    if (InJob() || count <= 1 || Threads() == 1) {
      for (int64_t i = 0; i < count; i++) f(i);
      return;
    }
    std::lock_guard<std::mutex> serial(run_);  // one job at a time, whichever JS thread calls
    if (workers_.empty()) {
      for (int64_t i = 0; i < count; i++) f(i);
      return;
    }
    Job job{&f, count};
    bool notify;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &job;
      generation_.fetch_add(1, std::memory_order_release);
      notify = sleeping_ > 0;
    }
    if (notify) wake_.notify_all();
    Work(job);
    {
      // a worker that wakes from now on finds no job; one that took it is counted in active
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = nullptr;
    }
    // a worker still in a chunk may have lost its core (2 vCPUs shared with
    // V8's own threads): spin briefly, then yield so it can finish
    for (int spins = 0; job.done.load(std::memory_order_acquire) < count || job.active.load(std::memory_order_acquire) > 0; spins++) {
      if (spins < 4096) CpuRelax();
      else std::this_thread::yield();
    }
    if (job.failed.load(std::memory_order_acquire)) std::rethrow_exception(job.error);
  }

  // Sends the idle workers to sleep now instead of after their spin and yield
  // (the next Run wakes them): called before work that other threads do on
  // these cores, oneDNN's convolutions on its OpenMP team. A worker spinning
  // or yielding beside that team held a core the team's static split of the
  // work waits for: the bench CNN's first-layer filter gradient took 0.88 ms
  // in the step against 0.26–0.30 ms with the same data alone.
  void Park() {
    if (Threads() == 1) return;
    park_.fetch_add(1, std::memory_order_release);
  }

 private:
  struct Job {
    const std::function<void(int64_t)>* f;
    int64_t count;
    std::atomic<int64_t> next{0};
    std::atomic<int64_t> done{0};
    std::atomic<int> active{0};
    // the first exception any chunk threw (set once, under errorMutex), for Run to rethrow
    std::atomic<bool> failed{false};
    std::mutex errorMutex;
    std::exception_ptr error;

    void Fail(std::exception_ptr e) {
      std::lock_guard<std::mutex> lock(errorMutex);
      if (!failed.load(std::memory_order_relaxed)) error = e;
      failed.store(true, std::memory_order_release);
    }
  };

  // True on a thread while it runs a job's chunks.
  static bool& InJob() {
    static thread_local bool inJob = false;
    return inJob;
  }

  static void Work(Job& job) {
    InJob() = true;
    for (int64_t i; (i = job.next.fetch_add(1, std::memory_order_relaxed)) < job.count;) {
      // nothing may escape a worker thread (std::terminate): keep the exception for the caller
      if (!job.failed.load(std::memory_order_acquire)) {
        try {
          (*job.f)(i);
        } catch (...) {
          job.Fail(std::current_exception());
        }
      }
      job.done.fetch_add(1, std::memory_order_release);
    }
    InJob() = false;
  }

  void Loop(uint64_t seen) {
    // a worker runs oneDNN bands: no signal handler may run on its stack (signals.h)
    // the Park() count as of taking the last job: a Park() after it (the caller's, once Run has returned) ends the
    // spin and the yield that follow the job
    uint64_t parked = park_.load(std::memory_order_acquire);
    for (;;) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicros);
      auto idle = [&] { return generation_.load(std::memory_order_acquire) == seen && park_.load(std::memory_order_acquire) == parked; };
      for (int spins = 0; idle(); spins++) {
        CpuRelax();
        if ((spins & 255) == 255 && std::chrono::steady_clock::now() > until) break;
      }
      // then yield the core to whatever else is runnable (V8's threads), still awake, for longer
      const auto yieldUntil = until + std::chrono::microseconds(kYieldMicros);
      while (idle() && std::chrono::steady_clock::now() < yieldUntil) std::this_thread::yield();
      Job* job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        if (generation_.load(std::memory_order_acquire) == seen && !stop_) {
          sleeping_++;
          wake_.wait(lock, [&] { return stop_ || generation_.load(std::memory_order_acquire) != seen; });
          sleeping_--;
        }
        if (stop_) return;
        seen = generation_.load(std::memory_order_acquire);
        parked = park_.load(std::memory_order_acquire);
        job = job_;
        if (job != nullptr) job->active.fetch_add(1, std::memory_order_relaxed);
      }
      if (job != nullptr) {
        Work(*job);
        job->active.fetch_sub(1, std::memory_order_release);
      }
    }
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
    threads_.store(1, std::memory_order_release);
  }

  // How long an idle worker busy-waits: longer than the JavaScript between
  // two kernels of a step.
  static constexpr int kSpinMicros = 100;
  // How long it then stays awake yielding before it sleeps: past the gaps of
  // a fit (between steps, around plugin hooks). On this VM a sleeping worker
  // leaves its vCPU idle, and waking it took long enough that the first
  // parallel kernel after a gap ran as if on one thread: 36 % of a training
  // step's pool jobs found the worker asleep with 100 µs alone, the step's
  // batch gather took 97–109 µs instead of 45, and whole MLP epochs (the epoch
  // bench's shape) ran ≈ 3.5 % faster with the yielding wait (six alternating
  // pairs, ratios 0.90–1.02). Yielding costs the core nothing another thread
  // wants, and a worker idle for longer still sleeps.
  static constexpr int kYieldMicros = 2000;

  std::mutex run_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::thread> workers_;
  std::atomic<int> threads_{1};  // workers_.size() + 1, readable without run_
  Job* job_ = nullptr;  // guarded by mutex_
  std::atomic<uint64_t> generation_{0};
  std::atomic<uint64_t> park_{0};  // bumped by Park()
  int sleeping_ = 0;   // guarded by mutex_
  bool stop_ = false;  // guarded by mutex_
};

}  // namespace tikhonov
