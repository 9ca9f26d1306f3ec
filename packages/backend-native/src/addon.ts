import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The C++ addon's functions (src/addon/: registered in native.cc, the kernels in files by family). */
export interface NativeAddon {
  gemmBatched(a: Float32Array, b: Float32Array, out: Float32Array, batch: number, m: number, n: number, k: number, transA: boolean, transB: boolean, aStride: number, bStride: number): void;
  /**
   * out[i] = a[(i / aRepeat) mod |a|] op b[(i / bRepeat) mod |b|]; op 0 add, 1 sub, 2 mul, 3 div, 4 squared difference, 5 max, 6 min
   * into a Float32Array; 7 equal, 8 not equal, 9 greater, 10 greater or equal, 11 less, 12 less or equal into a Uint8Array of 0/1.
   */
  binary(op: number, a: Float32Array, b: Float32Array, out: Float32Array | Uint8Array, aRepeat: number, bRepeat: number): void;
  /** out[i] = a[i] + weight·(b[i] − a[i]); a, b and out of one length. */
  lerp(a: Float32Array, b: Float32Array, out: Float32Array, weight: number): void;
  /**
   * One Adam update: outValue, outM, outV from value, gradient, m, v (one length) and the float32 constants
   * [β1, 1 − β1, β2, 1 − β2, 1 − β1ᵗ, 1 − β2ᵗ, ε, −lr], in tfjs AdamOptimizer's operations and order (no FMA).
   * With `blockSums` and `cols` it also writes outValue's column sums of squares per block of rows, for
   * maxNormColumns (see src/column-sums.ts); momentum and sgd take the same two optional arguments.
   */
  adam(value: Float32Array, gradient: Float32Array, m: Float32Array, v: Float32Array, outValue: Float32Array, outM: Float32Array, outV: Float32Array, constants: Float32Array, blockSums?: Float32Array, cols?: number): void;
  /**
   * out = w·min(1, c/‖w_j‖) per column j of w viewed as rows × cols (core's FUSED_KERNELS.maxNorm); returns the
   * number of columns scaled, and when it is 0 leaves out unwritten (w is its own projection). `blockSums`, made by an
   * update that wrote w, spares the pass that reads w for its column sums.
   */
  maxNormColumns(w: Float32Array, out: Float32Array, rows: number, cols: number, c: number, blockSums?: Float32Array): number;
  /** One momentum-SGD update (core's FUSED_KERNELS.momentum) with tfjs's float32 operations: see src/addon/updates.cc. */
  momentum(value: Float32Array, gradient: Float32Array, accumulation: Float32Array, outValue: Float32Array, outAccumulation: Float32Array, momentum: number, negativeLearningRate: number, nesterov: boolean, blockSums?: Float32Array, cols?: number): void;
  /** One plain SGD update (core's FUSED_KERNELS.sgd) with tfjs's float32 operations: see src/addon/updates.cc. */
  sgd(value: Float32Array, gradient: Float32Array, outValue: Float32Array, negativeLearningRate: number, blockSums?: Float32Array, cols?: number): void;
  /** out[i] = condition[i] === 1 ? t[i] : e[i]. */
  select(condition: Uint8Array, t: Float32Array, e: Float32Array, out: Float32Array): void;
  /** To int32 (JavaScript's ToInt32, as Int32Array.from) or to bool (x !== 0) by out's type. */
  castFloats(x: Float32Array, out: Int32Array | Uint8Array): void;
  /** op 0 relu, 1 step (x > 0 ? 1 : alpha), 2 exp, 3 log, 4 neg, 5 square, 6 sqrt, 7 sigmoid, 8 tanh, 9 abs. NaN propagates. */
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number, beta?: number): void;
  gatherRows(x: Float32Array, rowSize: number, indices: Int32Array, out: Float32Array): void;
  transform(x: Float32Array, batch: number, height: number, width: number, channels: number, rows: Float32Array, perImage: boolean, interpolation: number, fill: number, fillValue: number, out: Float32Array): void;
  reverseAxis(x: Float32Array, outer: number, length: number, inner: number, out: Float32Array): void;
  /** In place: out = act(out + bias), bias repeating over rows (undefined: none); act 0 linear, 1 relu, 2 relu6, 3 leaky relu with alpha. */
  biasActivation(out: Float32Array, bias: Float32Array | undefined, activation: number, alpha: number): void;
  /** A relu layer's gradient in one pass: dz = dy·step(y) (NaN where y is NaN), db = Σ of dz's rows of db.length values (in double, blocks of 1024 rows in order). */
  reluBiasGrad(dy: Float32Array, y: Float32Array, dz: Float32Array, db: Float32Array): void;
  /** op 0 sum (in double), 1 max (NaN propagates), 2 mean (each value over the count, then summed) over the outer (leading) or inner axis of an outer×inner matrix. */
  reduceAxis(op: number, x: Float32Array, outer: number, inner: number, leading: boolean, out: Float32Array): void;
  /** Softmax of each row of `cols` values. */
  softmaxRows(x: Float32Array, cols: number, out: Float32Array): void;
  /**
   * Core's fused softmax cross-entropy over rows of `cols` logits z and targets y, in double, rounded once: without
   * dy, out[r] = −Σⱼ yⱼ·(zⱼ − lse); with dy (one value per row), out = dy·(exp(z − lse)·Σⱼ yⱼ − y), z's shape.
   */
  softmaxCrossEntropyRows(z: Float32Array, y: Float32Array, cols: number, out: Float32Array, dy: Float32Array | undefined): void;
  /** Index of each row's first largest value. */
  argMaxRows(x: Float32Array, cols: number, out: Int32Array): void;
  /** out = im2col(x) · filter (NHWC, filter [fH, fW, inC, outC]). */
  conv2d(x: Float32Array, filter: Float32Array, out: Float32Array, geometry: ConvGeometry): void;
  /** dx = col2im(dy · filterᵀ). */
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, geometry: ConvGeometry): void;
  /** dfilter = im2col(x)ᵀ · dy. */
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dfilter: Float32Array, geometry: ConvGeometry): void;
  /** Window maxima (the first maximum; NaN never wins, as on tfjs-cpu). */
  maxPool(x: Float32Array, out: Float32Array, geometry: ConvGeometry): void;
  /** Each dy value added at its window's first maximum. */
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, geometry: ConvGeometry): void;
  /** Window means over the pixels inside the input (padding not counted). */
  avgPool(x: Float32Array, out: Float32Array, geometry: ConvGeometry): void;
  /** dy / window size to every pixel of each window (for windows inside the input). */
  avgPoolGrad(dy: Float32Array, dx: Float32Array, geometry: ConvGeometry): void;
  /** Core's Ziggurat tables (`zigguratTables` from @tikhonov/core), needed before normal draws. */
  setZiggurat(kn: Uint32Array, wn: Float64Array, fn: Float64Array, r: number): void;
  /** kind 0: out = a + (b − a)·u; 1: out = a + b·z (standard normal); 2: out = u < a ? 1 : 0. Same streams as core's JavaScript generator. */
  randomFill(kind: number, out: Float32Array, seed: number, a: number, b: number): void;
  /** Diagnostic: runs `count` chunks on the thread pool, chunk `failAt` (or, with `onWorker`, the first chunk a worker thread runs) throwing std::bad_alloc; returns how many ran when none threw. */
  poolFailureProbe(count: number, failAt: number, onWorker: boolean): number;
  setThreads(threads: number): void;
  getThreads(): number;
  config(): string;
  /** Whether im2col convolutions go to oneDNN; returns its description, or '' when the addon was built without it. */
  setDnnl(on: boolean): string;
  /** Whether oneDNN's 3×3 stride-1 convolutions of channel counts in multiples of 16 use its Winograd kernels (see the README's *Convolutions through oneDNN*); returns whether this CPU and build have Winograd kernels at all (oneDNN 2.6: AVX-512 only). */
  setDnnlWinograd(on: boolean): boolean;
  /** Whether the large matrix products may go to oneDNN's SGEMM (the small ones stay OpenBLAS's); returns its description, or '' when the addon was built without it. */
  setDnnlGemm(on: boolean): string;
  /** The library a product of these dimensions goes to now: `'onednn'` or `'openblas'`. */
  gemmLibrary(m: number, n: number, k: number): 'onednn' | 'openblas';
}

/** A convolution's or pooling window's geometry (NHWC), as tfjs's Conv2DInfo gives it. */
export interface ConvGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
let cached: NativeAddon | undefined;

/**
 * Loads build/Release/tikhonov_native.node (or the build named by the
 * TIKHONOV_NATIVE_ADDON environment variable), or throws saying why it is
 * missing (the build records the reason) and how to build it.
 */
export function loadAddon(): NativeAddon {
  if (cached) return cached;
  // another build of the same sources (scripts/check-sanitizers.mjs: AddressSanitizer + UBSan) may stand in
  const path = process.env.TIKHONOV_NATIVE_ADDON ?? `${packageRoot}build/Release/tikhonov_native.node`;
  if (!existsSync(path)) {
    const reasonFile = `${packageRoot}build-unavailable.txt`;
    // the build script recorded why it could not build, with what to install and the rebuild command
    if (existsSync(reasonFile)) throw new Error(`@tikhonov/backend-native: the native addon is not available: ${readFileSync(reasonFile, 'utf8')}`);
    throw new Error(
      '@tikhonov/backend-native: the native addon has not been built yet. ' +
        'It needs OpenBLAS (`sudo apt-get install libopenblas-dev pkg-config`), g++, make and python3; then build it with `npm rebuild @tikhonov/backend-native` ' +
        '(`pnpm rebuild @tikhonov/backend-native`; pnpm 10 runs a dependency\'s build only once allowed, e.g. by `pnpm approve-builds`; inside the Tikhonov repository: `pnpm --filter @tikhonov/backend-native build`).',
    );
  }
  // oneDNN's OpenMP threads would otherwise spin after every convolution, taking
  // the cores from the addon's pool; libgomp reads this once, when it loads
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  cached = createRequire(import.meta.url)(path) as NativeAddon;
  return cached;
}
