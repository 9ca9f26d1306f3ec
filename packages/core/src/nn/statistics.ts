import * as tf from '@tensorflow/tfjs-core';
import type { BuiltModel } from './model.js';
import type { ParamInfo } from './types.js';
import { ModelError, OptionError } from '../errors.js';

/** Options of {@link batchNormStatistics}. */
export interface BatchNormStatisticsOptions {
  /** Param values to run with instead of the model's own (an averaged copy, keyed by param name). */
  params?: ReadonlyMap<string, tf.Tensor>;
  /** Examples per forward pass. Default 256. */
  batchSize?: number;
}

/**
 * The normalisation layers' statistics recomputed over data: for every
 * batch-norm layer, the mean and (biased) variance of its input over all of
 * `x`, with the given params — exact population moments, combined from the
 * batches' moments by the pairwise (Chan) update, where
 * PyTorch's `update_bn` averages the batches' moments. Needed when the
 * weights in use were never trained as such (SWA's or EMA's average): their
 * moving statistics belong to other weights. Returns kept tensors keyed by
 * the state params' names (movingMean/movingVariance); the caller disposes them.
 */
export function batchNormStatistics(model: BuiltModel, x: tf.Tensor, options: BatchNormStatisticsOptions = {}): Map<string, tf.Tensor> {
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new OptionError('batchNormStatistics', 'batchSize', batchSize, 'must be a positive integer');
  const n = x.shape[0]!;
  if (!(n > 0)) throw new ModelError('batchNormStatistics: x holds no examples');
  // per layer: running mean and sum of squared deviations (Chan et al.'s pairwise update: stable, never negative)
  const acc = new Map<ParamInfo, { variance: ParamInfo; mean: tf.Tensor; m2: tf.Tensor; count: number }>();
  const lookup = options.params;
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    tf.tidy(() => {
      model.forward(tf.slice(x, start, size), {
        // normalisation layers in training mode (they report their batch moments); stochastic layers deterministic
        training: true,
        mode: 'infer',
        transformParam: lookup ? (p, v) => lookup.get(p.name) ?? v : undefined,
        observeMoments: (state, m) => {
          const old = acc.get(state.mean);
          const m2 = tf.mul(m.variance, m.count);
          if (!old) {
            acc.set(state.mean, { variance: state.variance, mean: tf.keep(tf.clone(m.mean)), m2: tf.keep(m2), count: m.count });
            return;
          }
          const count = old.count + m.count;
          const delta = tf.sub(m.mean, old.mean);
          const mean = tf.add(old.mean, tf.mul(delta, m.count / count));
          const sum = tf.add(tf.add(old.m2, m2), tf.mul(tf.square(delta), (old.count * m.count) / count));
          acc.set(state.mean, { variance: state.variance, mean: tf.keep(mean), m2: tf.keep(sum), count });
          tf.dispose([old.mean, old.m2]);
        },
      });
    });
  }
  const out = new Map<string, tf.Tensor>();
  for (const [meanParam, a] of acc) {
    out.set(meanParam.name, a.mean);
    out.set(a.variance.name, tf.keep(tf.tidy(() => tf.div(a.m2, a.count))));
    a.m2.dispose();
  }
  return out;
}
