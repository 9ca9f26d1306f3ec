import * as tf from '@tensorflow/tfjs-core';

/**
 * How member predictions become one: `'mean'` averages the members'
 * probabilities (softmax of their logits), `'geometric'` takes the
 * renormalised geometric mean of the probabilities, `'vote'` counts the
 * members' predicted classes (ties go to the lowest class), `'regression'`
 * averages raw outputs.
 */
export type CombineRule = 'mean' | 'geometric' | 'vote' | 'regression';

/** The combination rules, for option checks. */
export const COMBINE_RULES = ['mean', 'geometric', 'vote', 'regression'] as const satisfies readonly CombineRule[];

/**
 * One prediction from the members' outputs [k members][n, c]: class
 * probabilities [n, c] for the classification rules (vote: the fraction of
 * members voting for each class), the mean output for `'regression'`;
 * `weights` weight the members (normalised; equal by default).
 */
export function combine(outputs: readonly tf.Tensor[], rule: CombineRule, weights?: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    // member weights normalised to sum 1 (equal by default); boosting's weighted vote uses them
    const total = weights ? weights.reduce((a, b) => a + b, 0) : outputs.length;
    const w = outputs.map((_, i) => (weights ? weights[i]! : 1) / total);
    const weighted = (parts: tf.Tensor[]) => tf.addN(parts.map((p, i) => tf.mul(p, w[i]!)));
    if (rule === 'regression') return weighted(outputs as tf.Tensor[]);
    if (rule === 'mean') return weighted(outputs.map((o) => tf.softmax(o)));
    if (rule === 'geometric') return tf.softmax(weighted(outputs.map((o) => tf.logSoftmax(o))));
    const classes = outputs[0]!.shape[outputs[0]!.rank - 1]!;
    return weighted(outputs.map((o) => tf.oneHot(tf.argMax(o, -1), classes)));
  });
}

/** The predicted class of combined probabilities: the first largest (so a vote tie goes to the lowest class). */
export function predictedClasses(combined: tf.Tensor): tf.Tensor1D {
  return tf.argMax(combined, -1) as tf.Tensor1D;
}

/** What an ensemble's spread says about a prediction, per example. */
export interface Uncertainty {
  /** The mean of the members' probabilities [n, c]. */
  mean: tf.Tensor2D;
  /** The members' variance of each class probability [n, c]. */
  variance: tf.Tensor2D;
  /** Predictive entropy H[mean] [n] (nats). */
  entropy: tf.Tensor1D;
  /** Mutual information H[mean] − mean of the members' entropies [n]: the part of the entropy that is disagreement. */
  mutualInformation: tf.Tensor1D;
}

const entropyOf = (p: tf.Tensor) => tf.neg(tf.sum(tf.mul(p, tf.log(tf.maximum(p, 1e-30))), -1));

/** Mean, member variance, predictive entropy and mutual information from the members' logits. */
export function uncertainty(outputs: readonly tf.Tensor[]): Uncertainty {
  return tf.tidy(() => {
    const probs = outputs.map((o) => tf.softmax(o));
    const k = probs.length;
    const mean = tf.div(tf.addN(probs), k) as tf.Tensor2D;
    const variance = tf.div(tf.addN(probs.map((p) => tf.square(tf.sub(p, mean)))), k) as tf.Tensor2D;
    const entropy = entropyOf(mean) as tf.Tensor1D;
    const memberEntropy = tf.div(tf.addN(probs.map(entropyOf)), k);
    return { mean, variance, entropy, mutualInformation: tf.sub(entropy, memberEntropy) as tf.Tensor1D } as unknown as tf.TensorContainerObject;
  }) as unknown as Uncertainty;
}
