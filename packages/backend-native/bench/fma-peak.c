/* This CPU's single-precision FMA peak: each thread runs 12 independent
 * chains of fused multiply-adds (enough in flight to fill both FMA pipes of
 * a core) on the widest vectors the CPU has — 16 lanes (zmm) where it has
 * AVX-512F, else 8 (ymm): OpenBLAS picks its AVX-512 kernels on such a host,
 * and an 8-wide peak made its SGEMM read as 130 % "of peak" there. The
 * program prints GFLOP/s for 1 and for `threads` threads and the lane count
 * as JSON. Built and run by native.bench.ts so that SGEMM can be read as a
 * fraction of what the host can do at most. x86-64 only. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const long kIterations = 100000000;

/* One thread's work: kIterations rounds of 12 independent FMA chains on
 * vector registers R ("ymm" or "zmm"), accumulators R0–R11, operands R14 and
 * R15 (zeroed, so nothing overflows). The same function for both widths, the
 * register names spliced into the assembly text. vpxord zeroes a zmm register
 * on AVX-512F (vxorps on zmm needs AVX-512DQ); vpxor zeroes a ymm one. */
#define FMA(R, i) "vfmadd231ps %%" R "14, %%" R "15, %%" R #i "\n"
#define ZERO(X, R, i) X " %%" R #i ", %%" R #i ", %%" R #i "\n"
#define CHAINS(name, X, R)                                                                                        \
  static void* name(void* unused) {                                                                               \
    (void)unused;                                                                                                 \
    long n = kIterations;                                                                                         \
    __asm__ volatile(ZERO(X, R, 0) ZERO(X, R, 1) ZERO(X, R, 2) ZERO(X, R, 3) ZERO(X, R, 4) ZERO(X, R, 5)           \
                     ZERO(X, R, 6) ZERO(X, R, 7) ZERO(X, R, 8) ZERO(X, R, 9) ZERO(X, R, 10) ZERO(X, R, 11)        \
                     ZERO(X, R, 14) ZERO(X, R, 15)                                                                \
                     "1:\n" FMA(R, 0) FMA(R, 1) FMA(R, 2) FMA(R, 3) FMA(R, 4) FMA(R, 5) FMA(R, 6) FMA(R, 7)       \
                     FMA(R, 8) FMA(R, 9) FMA(R, 10) FMA(R, 11) "dec %0\n jnz 1b\n vzeroupper\n"                   \
                     : "+r"(n)                                                                                    \
                     :                                                                                            \
                     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",   \
                       "xmm11", "xmm14", "xmm15", "cc");                                                         \
    return NULL;                                                                                                  \
  }
CHAINS(chains8, "vpxor", "ymm")
CHAINS(chains16, "vpxord", "zmm")

/* Best of three runs on `threads` threads, in GFLOP/s (an FMA is 2 flops per lane). */
static double peak(int threads, int lanes) {
  double best = 0;
  for (int run = 0; run < 3; run++) {
    pthread_t ids[64];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < threads; i++) pthread_create(&ids[i], NULL, lanes == 16 ? chains16 : chains8, NULL);
    for (int i = 0; i < threads; i++) pthread_join(ids[i], NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    const double seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    const double gflops = threads * (double)kIterations * 12 * 2 * lanes / seconds / 1e9;
    if (gflops > best) best = gflops;
  }
  return best;
}

int main(int argc, char** argv) {
  const int threads = argc > 1 ? atoi(argv[1]) : 2;
  if (threads < 1 || threads > 64) return 2;
  __builtin_cpu_init();
  const int lanes = __builtin_cpu_supports("avx512f") ? 16 : 8;
  printf("{\"one\": %.1f, \"all\": %.1f, \"threads\": %d, \"lanes\": %d}\n", peak(1, lanes), peak(threads, lanes), threads, lanes);
  return 0;
}
