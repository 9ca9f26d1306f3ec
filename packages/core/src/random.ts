import * as tf from '@tensorflow/tfjs-core';
import { standardNormal, Xoshiro128 } from './rng-kernels.js';

/**
 * Derives a 32-bit seed from a list of parts (numbers and strings) with
 * FNV-1a followed by a murmur3 finaliser. Every random stream in Tikhonov is
 * keyed this way, e.g. (seed, 'plugin', name, step), so a plugin's stream
 * depends on the trainer seed, the step and its own name only.
 */
export function deriveSeed(...parts: Array<number | string>): number {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const text = `${typeof part}:${part}|`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A seeded host-side generator for shuffles, splits and bootstraps: the same
 * xoshiro128** as the tensor streams (one generator family in core), read as
 * 53-bit doubles so that integers up to 2^32 are drawn without visible bias.
 */
export class HostRandom {
  private readonly rng: Xoshiro128;
  constructor(seed: number) {
    this.rng = new Xoshiro128(seed);
  }
  /** Uniform in [0, 1), 53 bits from two 32-bit words. */
  uniform(): number {
    const high = this.rng.nextUint32() >>> 5;
    const low = this.rng.nextUint32() >>> 6;
    return (high * 67108864 + low) / 9007199254740992;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }
  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = out[i]!;
      out[i] = out[j]!;
      out[j] = t;
    }
    return out;
  }
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * How tensor randomness is generated on the host: each method fills `out`
 * from one 32-bit seed. The JavaScript one below (xoshiro128**, Ziggurat
 * normals) is the reference; a backend package may register a faster one for
 * its backend with {@link registerRandomFill}, which must produce the same
 * numbers for the same seed, so that switching backends does not change a
 * seeded run.
 */
export interface RandomFill {
  /** `out[i] = min + (max − min) · u`, u uniform in [0, 1) with 24 bits. */
  uniform(out: Float32Array, seed: number, min: number, max: number): void;
  /** `out[i] = mean + stddev · z`, z a standard normal draw (Ziggurat). */
  normal(out: Float32Array, seed: number, mean: number, stddev: number): void;
  /** `out[i] = 1` when u < keep, else 0. */
  bernoulli(out: Float32Array, seed: number, keep: number): void;
}

/** The reference generator, in JavaScript. */
export const hostRandomFill: RandomFill = {
  uniform(out, seed, min, max) {
    const rng = new Xoshiro128(seed);
    const span = max - min;
    for (let i = 0; i < out.length; i++) out[i] = min + span * rng.nextFloat();
  },
  normal(out, seed, mean, stddev) {
    const rng = new Xoshiro128(seed);
    for (let i = 0; i < out.length; i++) out[i] = mean + stddev * standardNormal(rng);
  },
  bernoulli(out, seed, keep) {
    const rng = new Xoshiro128(seed);
    for (let i = 0; i < out.length; i++) out[i] = rng.nextFloat() < keep ? 1 : 0;
  },
};

const fills = new Map<string, RandomFill>();

/**
 * Makes {@link RandomStream} fill its arrays with `fill` while `backendName`
 * is the active tfjs backend (a native backend's C++ generator, say);
 * `undefined` goes back to {@link hostRandomFill}. `fill` must reproduce
 * {@link hostRandomFill} exactly; its package's tests should compare the two.
 */
export function registerRandomFill(backendName: string, fill: RandomFill | undefined): void {
  if (fill) fills.set(backendName, fill);
  else fills.delete(backendName);
}

/**
 * Tensor randomness for one plugin in one step. Values are generated on the
 * host (xoshiro128**, Ziggurat normals; by the active backend's registered
 * {@link RandomFill} if it has one) and uploaded: no read-back, and several
 * times faster than tfjs's per-element seedrandom draws. Each call draws from a fresh
 * seed derived from (trainer seed, step, plugin name, call index), so the
 * numbers do not depend on which other plugins ran or in what order.
 */
export class RandomStream {
  private calls = 0;
  constructor(private readonly key: ReadonlyArray<number | string>) {}

  /** The next 32-bit seed of this stream. */
  nextSeed(): number {
    return deriveSeed(...this.key, this.calls++);
  }
  /** Uniform samples in [min, max). */
  uniform(shape: number[], min = 0, max = 1): tf.Tensor {
    return this.draw(shape, (fill, out, seed) => fill.uniform(out, seed, min, max));
  }
  /** Gaussian samples (Ziggurat). */
  normal(shape: number[], mean = 0, stddev = 1): tf.Tensor {
    return this.draw(shape, (fill, out, seed) => fill.normal(out, seed, mean, stddev));
  }
  /** A 0/1 float mask whose entries are 1 with probability `keep`. */
  bernoulli(shape: number[], keep: number): tf.Tensor {
    return this.draw(shape, (fill, out, seed) => fill.bernoulli(out, seed, keep));
  }

  private draw(shape: number[], f: (fill: RandomFill, out: Float32Array, seed: number) => void): tf.Tensor {
    const values = new Float32Array(sizeOf(shape));
    f(fills.get(tf.getBackend()) ?? hostRandomFill, values, this.nextSeed());
    return tf.tensor(values, shape);
  }
}
