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

static void* chains8(void* unused) {
  (void)unused;
  long n = kIterations;
  __asm__ volatile(
      "vxorps %%ymm0, %%ymm0, %%ymm0\n vxorps %%ymm1, %%ymm1, %%ymm1\n vxorps %%ymm2, %%ymm2, %%ymm2\n"
      "vxorps %%ymm3, %%ymm3, %%ymm3\n vxorps %%ymm4, %%ymm4, %%ymm4\n vxorps %%ymm5, %%ymm5, %%ymm5\n"
      "vxorps %%ymm6, %%ymm6, %%ymm6\n vxorps %%ymm7, %%ymm7, %%ymm7\n vxorps %%ymm8, %%ymm8, %%ymm8\n"
      "vxorps %%ymm9, %%ymm9, %%ymm9\n vxorps %%ymm10, %%ymm10, %%ymm10\n vxorps %%ymm11, %%ymm11, %%ymm11\n"
      "vxorps %%ymm14, %%ymm14, %%ymm14\n vxorps %%ymm15, %%ymm15, %%ymm15\n"
      "1:\n"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm0\n vfmadd231ps %%ymm14, %%ymm15, %%ymm1\n vfmadd231ps %%ymm14, %%ymm15, %%ymm2\n"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm3\n vfmadd231ps %%ymm14, %%ymm15, %%ymm4\n vfmadd231ps %%ymm14, %%ymm15, %%ymm5\n"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm6\n vfmadd231ps %%ymm14, %%ymm15, %%ymm7\n vfmadd231ps %%ymm14, %%ymm15, %%ymm8\n"
      "vfmadd231ps %%ymm14, %%ymm15, %%ymm9\n vfmadd231ps %%ymm14, %%ymm15, %%ymm10\n vfmadd231ps %%ymm14, %%ymm15, %%ymm11\n"
      "dec %0\n jnz 1b\n vzeroupper\n"
      : "+r"(n)
      :
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm14", "xmm15", "cc");
  return NULL;
}

static void* chains16(void* unused) {
  (void)unused;
  long n = kIterations;
  __asm__ volatile(
      "vpxord %%zmm0, %%zmm0, %%zmm0\n vpxord %%zmm1, %%zmm1, %%zmm1\n vpxord %%zmm2, %%zmm2, %%zmm2\n"
      "vpxord %%zmm3, %%zmm3, %%zmm3\n vpxord %%zmm4, %%zmm4, %%zmm4\n vpxord %%zmm5, %%zmm5, %%zmm5\n"
      "vpxord %%zmm6, %%zmm6, %%zmm6\n vpxord %%zmm7, %%zmm7, %%zmm7\n vpxord %%zmm8, %%zmm8, %%zmm8\n"
      "vpxord %%zmm9, %%zmm9, %%zmm9\n vpxord %%zmm10, %%zmm10, %%zmm10\n vpxord %%zmm11, %%zmm11, %%zmm11\n"
      "vpxord %%zmm14, %%zmm14, %%zmm14\n vpxord %%zmm15, %%zmm15, %%zmm15\n"
      "1:\n"
      "vfmadd231ps %%zmm14, %%zmm15, %%zmm0\n vfmadd231ps %%zmm14, %%zmm15, %%zmm1\n vfmadd231ps %%zmm14, %%zmm15, %%zmm2\n"
      "vfmadd231ps %%zmm14, %%zmm15, %%zmm3\n vfmadd231ps %%zmm14, %%zmm15, %%zmm4\n vfmadd231ps %%zmm14, %%zmm15, %%zmm5\n"
      "vfmadd231ps %%zmm14, %%zmm15, %%zmm6\n vfmadd231ps %%zmm14, %%zmm15, %%zmm7\n vfmadd231ps %%zmm14, %%zmm15, %%zmm8\n"
      "vfmadd231ps %%zmm14, %%zmm15, %%zmm9\n vfmadd231ps %%zmm14, %%zmm15, %%zmm10\n vfmadd231ps %%zmm14, %%zmm15, %%zmm11\n"
      "dec %0\n jnz 1b\n vzeroupper\n"
      : "+r"(n)
      :
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm14", "xmm15", "cc");
  return NULL;
}

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
