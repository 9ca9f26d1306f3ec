import * as tf from '@tensorflow/tfjs-core';
import { RandomStream, schemas, z, type Plugin } from '@tikhonov/core';
import { drawBoxSize, perImage, uniforms, type ImageOp } from './op.js';
import { transformFactory, type CommonOptions } from './plugin.js';

const positiveRange = z
  .tuple([z.number().finite(), z.number().finite()], { message: 'must be [min, max], two finite numbers' })
  .refine(([lo, hi]) => lo > 0 && lo <= hi, { message: 'must be [min, max] with 0 < min ≤ max' });

/** Options of {@link brightness}. */
export interface BrightnessOptions {
  /** Each image is multiplied by U(max(0, 1 − factor), 1 + factor) (torchvision's ColorJitter brightness). */
  factor: number;
}

/** The brightness op for a factor range. */
export function brightnessOp(lo: number, hi: number): ImageOp<Float32Array> {
  return { name: 'brightness', hazards: [], draw: (n, rng) => uniforms(n, rng, lo, hi), apply: (x, f) => tf.mul(x, perImage(f)) };
}

/** Scales each image's intensities by its own factor. */
export const brightness: (options: BrightnessOptions & CommonOptions & { name?: string }) => Plugin = transformFactory<BrightnessOptions>('brightness', { factor: schemas.nonNegative }, (o) => brightnessOp(Math.max(0, 1 - o.factor), 1 + o.factor));

/** Options of {@link contrast}. */
export interface ContrastOptions {
  /** Each image's deviation from its own mean is multiplied by U(max(0, 1 − factor), 1 + factor). */
  factor: number;
}

/** The contrast op for a factor range: x ← m + c·(x − m), m the image's mean over pixels and channels. */
export function contrastOp(lo: number, hi: number): ImageOp<Float32Array> {
  return {
    name: 'contrast',
    hazards: [],
    draw: (n, rng) => uniforms(n, rng, lo, hi),
    apply: (x, c) =>
      tf.tidy(() => {
        const mean = tf.mean(x, [1, 2, 3], true);
        return tf.add(mean, tf.mul(perImage(c), tf.sub(x, mean)));
      }),
  };
}

/** Stretches or flattens each image's intensities about its mean. */
export const contrast: (options: ContrastOptions & CommonOptions & { name?: string }) => Plugin = transformFactory<ContrastOptions>('contrast', { factor: schemas.nonNegative }, (o) => contrastOp(Math.max(0, 1 - o.factor), 1 + o.factor));

/** Options of {@link gamma}. */
export interface GammaOptions {
  /** Each image is raised to the power γ ~ U(min, max); intensities must be ≥ 0 (e.g. in [0, 1]). */
  range: [number, number];
}

/** Gamma correction x^γ per image. */
export const gamma: (options: GammaOptions & CommonOptions & { name?: string }) => Plugin = transformFactory<GammaOptions>('gamma', { range: positiveRange }, (o): ImageOp<Float32Array> => ({
  name: 'gamma',
  hazards: [],
  draw: (n, rng) => uniforms(n, rng, o.range[0], o.range[1]),
  // x^γ as exp(γ·log x): log 0 = −∞ gives 0, and exp/log/mul are native where tf.pow is not
  apply: (x, g) => tf.exp(tf.mul(perImage(g), tf.log(tf.relu(x)))) as tf.Tensor4D,
}));

/** Options of {@link gaussianNoise}. */
export interface GaussianNoiseOptions {
  /** σ of the additive noise. */
  stddev: number;
}

/** Additive Gaussian noise with core's seeded draws (the same generator as @tikhonov/noise's inputNoise). */
export const gaussianNoise: (options: GaussianNoiseOptions & CommonOptions & { name?: string }) => Plugin = transformFactory<GaussianNoiseOptions>('gaussianNoise', { stddev: schemas.nonNegative }, (o): ImageOp<number> => ({
  name: 'gaussianNoise',
  hazards: [],
  draw: (_n, rng) => rng.int(2 ** 32),
  apply: (x, seed) => tf.add(x, new RandomStream(['gaussianNoise', seed]).normal(x.shape, 0, o.stddev)),
}));

/** Options of {@link randomErasing}. */
export interface RandomErasingOptions {
  /** Range of the erased area as a fraction of the image. Default [0.02, 0.33] (torchvision). */
  scale?: [number, number];
  /** Range of the box's aspect ratio (height / width), drawn log-uniformly. Default [0.3, 3.3]. */
  ratio?: [number, number];
  /** The value written into the box. Default 0. */
  value?: number;
}

/** Per image: the erased box [top, left, height, width] (0 × 0 when no try fitted). */
export type Boxes = Int32Array;

/**
 * A 0/1 mask [n, H, W, 1] of per-image boxes [top, left, height, width], on
 * the device: a row mask [n, H, 1] and a column mask [n, 1, W], each
 * step(i − start + ½)·step(start + size − ½ − i) over a float index, and
 * their batched outer product (a matmul of 0s and 1s: exact, and native on
 * every fast backend; full-size broadcasts of the comparisons were slow).
 */
export function boxMask(boxes: Int32Array, n: number, height: number, width: number): tf.Tensor4D {
  return tf.tidy(() => {
    const axisMask = (start: number, size: number, length: number) => {
      const from = tf.tensor2d(Float32Array.from({ length: n }, (_, i) => boxes[i * 4 + start]! - 0.5), [n, 1]);
      const to = tf.tensor2d(Float32Array.from({ length: n }, (_, i) => boxes[i * 4 + start]! + boxes[i * 4 + size]! - 0.5), [n, 1]);
      const index = tf.reshape(tf.range(0, length, 1, 'float32'), [1, length]);
      return tf.mul(tf.step(tf.sub(index, from)), tf.step(tf.sub(to, index)));
    };
    const rows = tf.reshape(axisMask(0, 2, height), [n, height, 1]);
    const cols = tf.reshape(axisMask(1, 3, width), [n, 1, width]);
    return tf.reshape(tf.matMul(rows, cols), [n, height, width, 1]) as tf.Tensor4D;
  });
}

/**
 * Random erasing (Zhong et al. 2020; cutout is its fixed-size case): with
 * probability p (default 0.5) each image gets one box of area fraction
 * U(scale) and aspect ratio log-U(ratio) set to `value` — ten tries to fit
 * the box, as torchvision's RandomErasing, else the image is kept.
 */
export const randomErasing: (options?: RandomErasingOptions & CommonOptions & { name?: string }) => Plugin = transformFactory<RandomErasingOptions>(
  'randomErasing',
  { scale: positiveRange.optional(), ratio: positiveRange.optional(), value: z.number().finite().optional() },
  (o) => erasingOp(o.scale ?? [0.02, 0.33], o.ratio ?? [0.3, 3.3], o.value ?? 0),
  0.5,
);

/** The erasing op. */
export function erasingOp(areas: [number, number], ratios: [number, number], value: number): ImageOp<Boxes> {
  return {
    name: 'randomErasing',
    hazards: [],
    draw: (n, rng, { height, width }) => {
      const boxes = new Int32Array(n * 4);
      for (let i = 0; i < n; i++) {
        const size = drawBoxSize(rng, areas, ratios, height, width, { tall: true, strict: true });
        if (size) boxes.set([rng.int(height - size[0] + 1), rng.int(width - size[1] + 1), size[0], size[1]], i * 4);
      }
      return boxes;
    },
    apply: (x, boxes, { height, width }) =>
      tf.tidy(() => {
        const mask = boxMask(boxes, x.shape[0], height, width);
        return tf.add(tf.mul(x, tf.sub(1, mask)), tf.mul(mask, value));
      }),
  };
}
