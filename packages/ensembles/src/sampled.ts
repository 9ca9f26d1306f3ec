import type * as tf from '@tensorflow/tfjs-core';
import { modesOf, nn, OptionError, schemas, Trainer, validateOptions, z } from '@tikhonov/core';
import { COMBINE_RULES, type CombineRule } from './combine.js';
import { Ensemble } from './ensemble.js';

/** Options of {@link sampledEnsemble}. */
export interface SampledEnsembleOptions {
  /** Draws, each a member. Default 30. */
  samples?: number;
  /** How the draws combine (default `'mean'` of probabilities; `'regression'` for raw outputs). */
  combine?: CombineRule;
}

const schema = z
  .object({
    samples: schemas.positiveInt.optional(),
    combine: z.enum(COMBINE_RULES, { message: `must be one of ${COMBINE_RULES.join(', ')}` }).optional(),
  })
  .strict();

/**
 * An {@link Ensemble} whose members are draws of one trainer's sample mode
 * (`predict(x, { sample: true })`): MC dropout (the dropout family), Bayes
 * by Backprop (w ~ q), SVGD (a particle at random), or any plugin declared
 * for mode `'sample'`. So the uncertainty of a sampling predictor — mean,
 * member variance, predictive entropy, mutual information — and its
 * calibration come from the same calls as a deep ensemble's. Each call of a
 * member draws afresh; the trainer stays the caller's (not disposed with
 * the ensemble).
 */
export function sampledEnsemble(trainer: Trainer, options: SampledEnsembleOptions = {}): Ensemble {
  if (!(trainer instanceof Trainer)) throw new OptionError('sampledEnsemble', 'trainer', trainer, 'must be a Trainer');
  const { samples = 30, combine = 'mean' } = validateOptions('sampledEnsemble', schema, options) as SampledEnsembleOptions;
  const sampling = trainer.plugins.filter((p) => modesOf(p).includes('sample'));
  if (sampling.length === 0) {
    throw new OptionError('sampledEnsemble', 'trainer', trainer.plugins.map((p) => p.name), "needs a plugin declared for mode 'sample' (dropout, bayesByBackprop, svgd, …): without one every draw is the same prediction");
  }
  const draw = (x: tf.Tensor) => nn.single(trainer.predict(x, { sample: true }), 'sampledEnsemble');
  return new Ensemble(Array.from({ length: samples }, () => draw), { combine });
}
