import * as tf from '@tensorflow/tfjs-core';
import { dataset, HostRandom, OptionError, type Dataset } from '@tikhonov/core';

/** Standard normal draws by Box–Muller from a seeded generator. */
export function normals(count: number, seed: number): Float64Array {
  const rng = new HostRandom(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i += 2) {
    const u = 1 - rng.uniform();
    const v = rng.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < count) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

function positiveInt(owner: string, option: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new OptionError(owner, option, value, 'must be a positive integer');
}

function nonNegative(owner: string, option: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0)) throw new OptionError(owner, option, value, 'must be a finite number ≥ 0');
}

/** A linear-regression task with its true weights, for closed-form checks. */
export interface LinearTask {
  readonly data: Dataset;
  /** The weights y was generated with (length `features`). */
  readonly weights: Float64Array;
  /** Host copies of X (row-major, examples × features) and y, in float64. */
  readonly X: Float64Array;
  readonly y: Float64Array;
}

/** y = X·w + ε with X ~ N(0, 1), w ~ N(0, 1) unless given, ε ~ N(0, noise²); no bias term. */
export function linearRegression(options: { examples: number; features: number; noise?: number; seed?: number; weights?: ArrayLike<number> }): LinearTask {
  const { examples, features, noise = 0.1, seed = 0 } = options;
  positiveInt('linearRegression', 'examples', examples);
  positiveInt('linearRegression', 'features', features);
  nonNegative('linearRegression', 'noise', noise);
  if (options.weights && options.weights.length !== features) {
    throw new OptionError('linearRegression', 'weights', options.weights, `must have length features = ${features}`);
  }
  const weights = options.weights ? Float64Array.from(options.weights) : normals(features, seed + 1);
  const X = normals(examples * features, seed);
  const eps = normals(examples, seed + 2);
  const y = new Float64Array(examples);
  for (let i = 0; i < examples; i++) {
    let s = 0;
    for (let j = 0; j < features; j++) s += X[i * features + j]! * weights[j]!;
    y[i] = s + noise * eps[i]!;
  }
  return { data: dataset.fromTensors(tf.tensor2d(Float32Array.from(X), [examples, features]), tf.tensor2d(Float32Array.from(y), [examples, 1])), weights, X, y };
}

/** A 1-D curve-fitting task with polynomial features. */
export interface PolynomialTask {
  readonly data: Dataset;
  /** The inputs t ∈ [0, 1] before expansion. */
  readonly t: Float64Array;
  /** The noiseless target function. */
  readonly truth: (t: number) => number;
  /** Expands inputs to the same features [t, t², …, t^order] (centred to [-1, 1] first). */
  readonly features: (t: ArrayLike<number>) => tf.Tensor2D;
}

/**
 * The lectures' overfitting example: y = sin(2πt) + ε, ε ~ N(0, noise²), fitted
 * by a polynomial of order M = 12 (features (2t−1)^k, k = 1..M, which keep the
 * powers well scaled). With few examples the fit overfits.
 */
export function polynomialRegression(options: { examples: number; order?: number; noise?: number; seed?: number }): PolynomialTask {
  const { examples, order = 12, noise = 0.3, seed = 0 } = options;
  positiveInt('polynomialRegression', 'examples', examples);
  positiveInt('polynomialRegression', 'order', order);
  nonNegative('polynomialRegression', 'noise', noise);
  const rng = new HostRandom(seed);
  const t = Float64Array.from({ length: examples }, () => rng.uniform());
  const eps = normals(examples, seed + 1);
  const truth = (v: number) => Math.sin(2 * Math.PI * v);
  const features = (ts: ArrayLike<number>) => {
    const out = new Float32Array(ts.length * order);
    for (let i = 0; i < ts.length; i++) {
      const c = 2 * ts[i]! - 1;
      let p = 1;
      for (let k = 0; k < order; k++) out[i * order + k] = p *= c;
    }
    return tf.tensor2d(out, [ts.length, order]);
  };
  const y = Float32Array.from(t, (v, i) => truth(v) + noise * eps[i]!);
  return { data: dataset.fromTensors(features(t), tf.tensor2d(y, [examples, 1])), t, truth, features };
}

/** Isotropic Gaussian blobs around seeded centres; labels are class ids. */
export function gaussianBlobs(options: { examples: number; classes?: number; features?: number; spread?: number; separation?: number; seed?: number }): Dataset {
  const { examples, classes = 3, features = 2, spread = 1, separation = 4, seed = 0 } = options;
  positiveInt('gaussianBlobs', 'examples', examples);
  positiveInt('gaussianBlobs', 'classes', classes);
  positiveInt('gaussianBlobs', 'features', features);
  nonNegative('gaussianBlobs', 'spread', spread);
  const centres = normals(classes * features, seed + 1).map((v) => v * separation);
  const noise = normals(examples * features, seed + 2);
  const x = new Float32Array(examples * features);
  const y = new Int32Array(examples);
  for (let i = 0; i < examples; i++) {
    const c = i % classes;
    y[i] = c;
    for (let j = 0; j < features; j++) x[i * features + j] = centres[c * features + j]! + spread * noise[i * features + j]!;
  }
  return dataset.fromTensors(tf.tensor2d(x, [examples, features]), tf.tensor1d(y, 'int32'));
}

/** Two interleaving half circles in 2-D with Gaussian noise; labels 0 and 1. */
export function twoMoons(options: { examples: number; noise?: number; seed?: number }): Dataset {
  const { examples, noise = 0.1, seed = 0 } = options;
  positiveInt('twoMoons', 'examples', examples);
  nonNegative('twoMoons', 'noise', noise);
  const rng = new HostRandom(seed);
  const eps = normals(examples * 2, seed + 1);
  const x = new Float32Array(examples * 2);
  const y = new Int32Array(examples);
  for (let i = 0; i < examples; i++) {
    const upper = i % 2 === 0;
    const a = Math.PI * rng.uniform();
    x[2 * i] = (upper ? Math.cos(a) : 1 - Math.cos(a)) + noise * eps[2 * i]!;
    x[2 * i + 1] = (upper ? Math.sin(a) : 0.5 - Math.sin(a)) + noise * eps[2 * i + 1]!;
    y[i] = upper ? 0 : 1;
  }
  return dataset.fromTensors(tf.tensor2d(x, [examples, 2]), tf.tensor1d(y, 'int32'));
}
