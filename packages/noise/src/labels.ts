import * as tf from '@tensorflow/tfjs-core';
import { DataError, HostRandom, Order, dataset, definePlugin, schemas, validateOptions, z, type Batch, type Dataset, type Plugin, type StepContext } from '@tikhonov/core';

/** Number of classes of a single softmax output, or a clear error. */
function classesOf(owner: string, ctx: StepContext): number {
  const shape = ctx.model.outputShape;
  if (!Array.isArray(shape)) throw new DataError(`${owner}: the model has named outputs (${Object.keys(shape).join(', ')}); label plugins need a single classification output`);
  const k = shape[shape.length - 1]!;
  if (shape.length !== 1 || k < 2) {
    throw new DataError(`${owner} needs class targets for an output of k ≥ 2 classes, but the output has shape [${shape.join(', ')}] (regression or a single sigmoid unit); remove it for such targets`);
  }
  return k;
}

/** Targets of a batch as class distributions [n, k] (class ids are one-hot encoded). */
function distribution(owner: string, y: Batch['y'], k: number): tf.Tensor {
  if (!(y instanceof tf.Tensor)) throw new DataError(`${owner}: targets are a record; label plugins need one target tensor`);
  if (y.rank === 1) return tf.oneHot(tf.cast(y, 'int32'), k);
  if (y.rank === 2 && y.shape[1] === k) return y;
  throw new DataError(`${owner}: targets of shape [${y.shape.join(', ')}] are neither class ids [n] nor class rows [n, ${k}]`);
}

/** The batch transform of a label plugin: rewrites the targets, given the number of classes. */
function relabel(name: string, rewrite: (y: Batch['y'], k: number, ctx: StepContext) => tf.Tensor): Pick<Plugin, 'order' | 'transformBatch'> {
  return { order: Order.noise, transformBatch: (batch, ctx) => ({ ...batch, y: rewrite(batch.y, classesOf(name, ctx), ctx) }) };
}

/** Options of {@link labelSmoothing}. */
export interface LabelSmoothingOptions {
  /** ε, the probability mass taken from the target class, in [0, 1]. */
  epsilon: number;
  /**
   * Where ε goes. `'all'` (default; deck 000, Keras, PyTorch): ε/k to every class, so
   * targets are ε/k and 1 − (k−1)ε/k. `'others'` (deck 002): ε/(k−1) to each other
   * class, so targets are ε/(k−1) and 1 − ε.
   */
  spread?: 'all' | 'others';
  name?: string;
}

/**
 * Label smoothing: replaces hard 0/1 targets by soft ones, so a softmax is
 * never pushed towards infinite logits (maximum likelihood on hard targets
 * may never converge). Class ids and one-hot rows are accepted; every row
 * still sums to 1.
 */
export const labelSmoothing: (options: LabelSmoothingOptions) => Plugin = definePlugin({
  name: 'labelSmoothing',
  options: { epsilon: schemas.rate, spread: z.enum(['all', 'others'], { message: "must be 'all' (ε/k to every class) or 'others' (ε/(k−1) to each other class)" }).optional() },
  setup: ({ epsilon, spread = 'all' }: LabelSmoothingOptions, name) =>
    relabel(name, (y, k) => {
      // off = the mass every non-target class gets (ε/k or ε/(k−1)); y·(1 − k·off) + off
      // gives the target class 1 − (k−1)·off and keeps each row's sum at 1
      const off = spread === 'all' ? epsilon / k : epsilon / (k - 1);
      return tf.add(tf.mul(distribution(name, y, k), 1 - k * off), off);
    }),
});
/**
 * Label noise: in each step, each training label is replaced with probability
 * `rate` by a uniformly drawn different class (DisturbLabel, Xie et al. 2016)
 * — noise on the targets as a regulariser, or to study robustness to mistaken
 * labels (seed §7.6). See {@link corruptLabels} for a fixed corruption of a data set.
 */
export const labelNoise: (options: { rate: number; name?: string }) => Plugin = definePlugin({
  name: 'labelNoise',
  options: { rate: schemas.rate },
  setup: ({ rate }: { rate: number }, name) =>
    relabel(name, (y, k, ctx) => {
      // soft or one-hot rows: flip the argmax class
      if (!(y instanceof tf.Tensor) || y.rank !== 1) return tf.oneHot(flip(tf.argMax(distribution(name, y, k), -1), rate, k, ctx), k);
      return flip(tf.cast(y, 'int32'), rate, k, ctx);
    }),
});

/** With probability `rate`, replaces each id by (id + 1 + ⌊U·(k−1)⌋) mod k: a uniformly random other class. */
function flip(ids: tf.Tensor, rate: number, k: number, ctx: StepContext): tf.Tensor {
  const n = ids.shape[0]!;
  const change = tf.less(ctx.random.uniform([n]), rate);
  const offset = tf.add(tf.floor(tf.mul(ctx.random.uniform([n]), k - 1)), 1);
  const other = tf.mod(tf.add(tf.cast(ids, 'float32'), offset), k);
  return tf.cast(tf.where(change, other, tf.cast(ids, 'float32')), 'int32');
}

/**
 * A copy of a data set whose class-id labels are, with probability `rate`
 * each, replaced by a different random class (seeded): mistaken labels for
 * robustness experiments. Returns the new data set and which rows changed.
 */
export function corruptLabels(data: Dataset, options: { rate: number; classes: number; seed?: number }): { data: Dataset; flipped: Int32Array } {
  const { rate, classes, seed = 0 } = validateOptions(
    'corruptLabels',
    z.object({ rate: schemas.rate, classes: z.number().int().min(2, { message: 'must be an integer ≥ 2' }), seed: schemas.seed.optional() }).strict(),
    options,
  );
  if (!(data.y instanceof tf.Tensor) || data.y.rank !== 1) throw new DataError('corruptLabels needs class ids [n] as targets');
  const ids = Int32Array.from(data.y.dataSync());
  const rng = new HostRandom(seed);
  const flipped: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (rng.uniform() < rate) {
      ids[i] = (ids[i]! + 1 + rng.int(classes - 1)) % classes;
      flipped.push(i);
    }
  }
  return { data: dataset.fromTensors(data.x, tf.tensor1d(ids, 'int32'), data.weight), flipped: Int32Array.from(flipped) };
}
