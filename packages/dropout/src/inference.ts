import * as tf from '@tensorflow/tfjs-core';
import { nn } from '@tikhonov/core';
import type { ModelOutput } from '@tikhonov/core';

/** What the model's outputs are, for averaging predictions. */
export type OutputKind = 'logits' | 'values';

/** How Monte Carlo samples are averaged. */
export type MeanKind = 'arithmetic' | 'geometric';

/**
 * Averages sampled outputs, weighted (weights sum to 1). Logits: arithmetic →
 * log of the mean probabilities; geometric → the weighted mean of
 * log-probabilities (renormalised by the softmax that reads them, eq. 7.30).
 * Either way the result is again logits. Values (regression): their mean.
 */
export function combine(samples: readonly ModelOutput[], weights: readonly number[], output: OutputKind, mean: MeanKind): ModelOutput {
  const first = samples[0]!;
  if (nn.isRecord(first)) {
    return Object.fromEntries(Object.keys(first).map((k) => [k, combine(samples.map((s) => (s as Record<string, tf.Tensor>)[k]!), weights, output, mean) as tf.Tensor]));
  }
  return tf.tidy(() => {
    const parts = samples.map((s, i) => {
      const t = s as tf.Tensor;
      const v = output === 'values' ? t : mean === 'geometric' ? tf.logSoftmax(t) : tf.softmax(t);
      return tf.mul(v, weights[i]!);
    });
    const total = parts.length === 1 ? parts[0]! : tf.addN(parts);
    return output === 'logits' && mean === 'arithmetic' ? tf.log(tf.maximum(total, 1e-30)) : total;
  });
}
