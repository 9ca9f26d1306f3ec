import * as tf from '@tensorflow/tfjs-core';
import { DataError, definePlugin, Order, schemas, targetDistribution, z, type Batch, type HostRandom, type Plugin, type StepContext } from '@tikhonov/core';
import { betaDraw } from './beta.js';
import { boxMask } from './photometric.js';
import { hostStream, imagesOf } from './op.js';

/** How λ is drawn: one for the whole batch (the paper) or one per example. */
export type LambdaMode = 'batch' | 'example';

/** Soft targets [n, k] of a batch (class ids become one-hot rows; k from the model's output). */
function softTargets(batch: Batch, ctx: StepContext, who: string): tf.Tensor2D {
  if (!(batch.y instanceof tf.Tensor)) throw new DataError(`${who} needs one target tensor; the batch has named targets (${Object.keys(batch.y).join(', ')})`);
  const shape = ctx.model.outputShape;
  const k = Array.isArray(shape) ? shape[shape.length - 1]! : NaN;
  if (batch.y.rank === 1 && !(k >= 2)) throw new DataError(`${who} needs class targets for an output of k ≥ 2 classes; the output has shape [${Array.isArray(shape) ? shape.join(', ') : 'named'}]`);
  return tf.cast(targetDistribution(batch.y, k), 'float32') as tf.Tensor2D;
}

/** λ per example: the same draw for all (batch mode) or one each. */
function lambdas(n: number, alpha: number, mode: LambdaMode, rng: HostRandom): Float32Array {
  if (mode === 'batch') return new Float32Array(n).fill(betaDraw(alpha, alpha, rng));
  return Float32Array.from({ length: n }, () => betaDraw(alpha, alpha, rng));
}

/** The partner of each example: a random permutation (any batch size; timm needs an even one). */
function partners(n: number, rng: HostRandom): tf.Tensor1D {
  return tf.tensor1d(rng.permutation(n), 'int32');
}

/** x̃ = λxᵢ + (1 − λ)xⱼ and ỹ = λyᵢ + (1 − λ)yⱼ with per-example λ. */
export function mixupBatch(batch: Batch, y: tf.Tensor2D, lam: Float32Array, partner: tf.Tensor1D): Batch {
  const n = batch.x.shape[0]!;
  const shapeX = [n, ...batch.x.shape.slice(1).map(() => 1)];
  const lx = tf.tensor(lam, shapeX);
  const ly = tf.tensor2d(lam, [n, 1]);
  const x = tf.add(tf.mul(lx, batch.x), tf.mul(tf.sub(1, lx), tf.gather(batch.x, partner)));
  const mixed = tf.add(tf.mul(ly, y), tf.mul(tf.sub(1, ly), tf.gather(y, partner)));
  return { x, y: mixed, weight: batch.weight };
}

/**
 * Per image a box of area fraction ≈ 1 − λ (side √(1 − λ) of each side,
 * centre uniform, clipped to the image as timm), and λ corrected to the
 * exact kept fraction: 1 − box area / image area. Boxes are
 * [top, left, height, width].
 */
export function cutmixBoxes(lam: Float32Array, height: number, width: number, rng: HostRandom): { boxes: Int32Array; lam: Float32Array } {
  const n = lam.length;
  const boxes = new Int32Array(n * 4);
  const corrected = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = Math.sqrt(1 - lam[i]!);
    const [ch, cw] = [Math.floor(height * r), Math.floor(width * r)];
    const [cy, cx] = [rng.int(height), rng.int(width)];
    const top = Math.max(0, cy - Math.floor(ch / 2));
    const bottom = Math.min(height, cy + Math.ceil(ch / 2));
    const left = Math.max(0, cx - Math.floor(cw / 2));
    const right = Math.min(width, cx + Math.ceil(cw / 2));
    boxes.set([top, left, bottom - top, right - left], i * 4);
    corrected[i] = 1 - ((bottom - top) * (right - left)) / (height * width);
  }
  return { boxes, lam: corrected };
}

/** Pastes each partner's box into each image; targets by the exact area. */
export function cutmixBatch(batch: Batch, y: tf.Tensor2D, lam: Float32Array, partner: tf.Tensor1D, rng: HostRandom, who: string): Batch {
  const x = imagesOf(batch.x, who);
  const [n, height, width] = x.shape;
  const { boxes, lam: kept } = cutmixBoxes(lam, height, width, rng);
  const mask = boxMask(boxes, n, height, width);
  const pasted = tf.add(tf.mul(x, tf.sub(1, mask)), tf.mul(tf.gather(x, partner), mask));
  const ly = tf.tensor2d(kept, [n, 1]);
  return { x: pasted, y: tf.add(tf.mul(ly, y), tf.mul(tf.sub(1, ly), tf.gather(y, partner))), weight: batch.weight };
}

const alphaSchema = schemas.positive;
const modeSchema = z.enum(['batch', 'example'], { message: "must be 'batch' or 'example'" });

/** Options of {@link mixup}. */
export interface MixupOptions {
  /** λ ~ Beta(α, α). */
  alpha: number;
  /** One λ per batch (default, the paper) or per example. */
  mode?: LambdaMode;
}

/**
 * mixup (Zhang et al. 2018; deck 004): x̃ = λxᵢ + (1 − λ)xⱼ, ỹ = λyᵢ + (1 − λ)yⱼ
 * with λ ~ Beta(α, α) and j a random permutation of the batch (odd sizes
 * too); targets become soft rows. Label smoothing (@tikhonov/noise, the
 * noise tier, after this one) is affine in the targets, so it commutes with
 * mixing: either order gives the same targets.
 */
export const mixup: (options: MixupOptions & { name?: string }) => Plugin = definePlugin({
  name: 'mixup',
  options: { alpha: alphaSchema, mode: modeSchema.optional() },
  setup: ({ alpha, mode = 'batch' }: MixupOptions, name) => ({
    order: Order.augmentation + 50,
    transformBatch: (batch, ctx) => {
      const rng = hostStream(ctx.random);
      const n = batch.x.shape[0]!;
      return mixupBatch(batch, softTargets(batch, ctx, name), lambdas(n, alpha, mode, rng), partners(n, rng));
    },
  }),
});

/** Options of {@link cutmix}. */
export interface CutmixOptions {
  alpha: number;
  mode?: LambdaMode;
}

/** CutMix (Yun et al. 2019): a box of the partner image pasted in, targets mixed by the exact pasted area. */
export const cutmix: (options: CutmixOptions & { name?: string }) => Plugin = definePlugin({
  name: 'cutmix',
  options: { alpha: alphaSchema, mode: modeSchema.optional() },
  setup: ({ alpha, mode = 'batch' }: CutmixOptions, name) => ({
    order: Order.augmentation + 50,
    transformBatch: (batch, ctx) => {
      const rng = hostStream(ctx.random);
      const n = batch.x.shape[0]!;
      return cutmixBatch(batch, softTargets(batch, ctx, name), lambdas(n, alpha, mode, rng), partners(n, rng), rng, name);
    },
  }),
});

/** Options of {@link mixupCutmix}. */
export interface MixupCutmixOptions {
  mixupAlpha?: number;
  cutmixAlpha?: number;
  /** Probability of cutmix instead of mixup for a batch. Default 0.5 (timm). */
  switchProb?: number;
}

/** timm's switch: each batch is mixed by cutmix with probability switchProb, else by mixup (default α 0.8 and 1.0). */
export const mixupCutmix: (options?: MixupCutmixOptions & { name?: string }) => Plugin = definePlugin({
  name: 'mixupCutmix',
  options: { mixupAlpha: alphaSchema.optional(), cutmixAlpha: alphaSchema.optional(), switchProb: z.number().min(0).max(1, { message: 'must be in [0, 1]' }).optional() },
  setup: ({ mixupAlpha = 0.8, cutmixAlpha = 1, switchProb = 0.5 }: MixupCutmixOptions, name) => ({
    order: Order.augmentation + 50,
    transformBatch: (batch, ctx) => {
      const rng = hostStream(ctx.random);
      const n = batch.x.shape[0]!;
      const y = softTargets(batch, ctx, name);
      if (rng.uniform() < switchProb) return cutmixBatch(batch, y, lambdas(n, cutmixAlpha, 'batch', rng), partners(n, rng), rng, name);
      return mixupBatch(batch, y, lambdas(n, mixupAlpha, 'batch', rng), partners(n, rng));
    },
  }),
});

