import * as tf from '@tensorflow/tfjs-core';
import { nn, OptionError, type Dataset, type FitOptions, type Trainer } from '@tikhonov/core';
import { Ensemble } from './ensemble.js';

/** Options of {@link boosting}. */
export interface BoostingOptions {
  /** Rounds (members) at most. */
  rounds: number;
  /** Builds round m's (weak) learner. */
  makeTrainer: (round: number) => Trainer;
  /** Training data with class-id targets. */
  data: Dataset;
  fit: FitOptions;
}

/** What {@link boosting} returns: the weighted-vote ensemble and each round's weighted error and weight α. */
export interface BoostingResult {
  ensemble: Ensemble;
  /** Per round: its weighted error, its weight α, the example weights it trained with, and which examples it got wrong. */
  rounds: Array<{ error: number; alpha: number; weights: Float64Array; wrong: Uint8Array }>;
}

/**
 * SAMME boosting (Zhu et al. 2009) for K classes, the capacity-increasing
 * opposite of bagging (seed §7.10): round m fits a learner with example
 * weights w (through core's sample weights, scaled to mean 1), its weighted
 * error err gives α = log((1 − err)/err) + log(K − 1), the misclassified
 * examples' weights grow by e^α, and the members vote with weights α.
 * Stops early when a learner is no better than chance (err ≥ 1 − 1/K) or
 * perfect.
 */
export async function boosting(options: BoostingOptions): Promise<BoostingResult> {
  if (!Number.isInteger(options.rounds) || options.rounds < 1) throw new OptionError('boosting', 'rounds', options.rounds, 'must be a positive integer');
  const y = options.data.y as tf.Tensor;
  if (!(y instanceof tf.Tensor) || y.rank !== 1) throw new OptionError('boosting', 'data.y', y, 'must be class ids [n]');
  const n = options.data.size;
  const labels = Array.from(y.dataSync());
  let weights = new Float64Array(n).fill(1 / n);
  const members: Trainer[] = [];
  const rounds: BoostingResult['rounds'] = [];
  for (let m = 0; m < options.rounds; m++) {
    const trainer = options.makeTrainer(m);
    const weight = tf.tensor1d(Float32Array.from(weights, (w) => w * n));
    await trainer.fit({ ...options.data, weight }, options.fit);
    weight.dispose();
    const output = nn.single(trainer.predict(options.data.x), 'boosting');
    const classes = output.shape[1]!;
    const predicted = Array.from(tf.tidy(() => tf.argMax(output, -1)).dataSync());
    output.dispose();
    const wrong: number[] = predicted.map((p, i) => (p !== labels[i] ? 1 : 0));
    const error = wrong.reduce((s: number, v, i) => s + v * weights[i]!, 0);
    if (error >= 1 - 1 / classes) {
      trainer.dispose();
      break;
    }
    const alpha = error <= 0 ? Math.log(1e10) + Math.log(classes - 1) : Math.log((1 - error) / error) + Math.log(classes - 1);
    members.push(trainer);
    rounds.push({ error, alpha, weights, wrong: Uint8Array.from(wrong) });
    if (error <= 0) break;
    const next = weights.map((w, i) => w * Math.exp(alpha * wrong[i]!));
    const total = next.reduce((a, b) => a + b, 0);
    weights = next.map((w) => w / total);
  }
  if (members.length === 0) throw new Error('boosting: the first learner was no better than chance; use a stronger learner or check the data');
  return { ensemble: new Ensemble(members, { combine: 'vote', weights: rounds.map((r) => r.alpha) }), rounds };
}
