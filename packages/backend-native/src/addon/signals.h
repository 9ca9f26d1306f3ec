// Signals held off while oneDNN's JIT code runs.
//
// oneDNN's generated f32 GEMM kernels (AVX2 and AVX-512, the ones behind
// dnnl_sgemm and its GEMM-based convolutions) point the stack pointer into a
// heap workspace while they run: a signal handled on that thread then writes
// its frame into the heap, and a later free() aborts ("corrupted size vs.
// prev_size"). Upstream: oneDNN issue #4845, fixed by pull request #4855 in
// 2026 — after Debian's 2.6.3, which this addon links. Node's own profiler
// (`node --cpu-prof`, the inspector's) sends SIGPROF to the JavaScript thread
// a thousand times a second, and SIGCHLD or a user's SIGINT handler can land
// on any thread that does not block them.
//
// So: the addon's pool workers block the asynchronous signals for good (a
// process-directed signal goes to a thread that does not block it: one of
// Node's), and the calling thread blocks them for the length of each oneDNN
// call; a signal that arrives meanwhile stays pending and is handled on
// return. OpenMP threads that oneDNN starts inside such a call inherit the
// blocked set. The faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP) stay
// open: blocking a fault's signal leaves its outcome undefined.
#pragma once

#include <pthread.h>
#include <signal.h>

namespace tikhonov {

inline sigset_t AsynchronousSignals() {
  sigset_t set;
  sigfillset(&set);
  for (int fault : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP}) sigdelset(&set, fault);
  return set;
}

// Blocks the asynchronous signals on this thread for good (a pool worker's first step).
inline void BlockAsynchronousSignals() {
  const sigset_t set = AsynchronousSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// Blocks them on this thread while it lives, then restores the thread's mask
// as it was (a signal that came meanwhile is handled then).
class HeldSignals {
 public:
  HeldSignals() {
    const sigset_t set = AsynchronousSignals();
    pthread_sigmask(SIG_BLOCK, &set, &before_);
  }
  ~HeldSignals() { pthread_sigmask(SIG_SETMASK, &before_, nullptr); }
  HeldSignals(const HeldSignals&) = delete;
  HeldSignals& operator=(const HeldSignals&) = delete;

 private:
  sigset_t before_;
};

}  // namespace tikhonov
