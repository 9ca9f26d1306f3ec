import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, Order, z, type Batch, type Plugin } from '@tikhonov/core';
import { attackSchema, type Attack } from './attack.js';
import { attackBatch } from './in-training.js';
import { singleTargets } from './run-attack.js';

/** Options of {@link adversarialTraining}. */
export interface AdversarialTrainingOptions {
  /** How the adversarial examples are made, e.g. `fgsm({ epsilon: 0.1, range: [0, 1] })`. */
  attack: Attack;
  /** Weight α of the clean loss; 1 − α goes to the adversarial one. Default 0.5 (Goodfellow et al. 2015). */
  alpha?: number;
}

/**
 * Adversarial training as Goodfellow et al. (2015) wrote it:
 * J̃ = α·J(θ, x, y) + (1 − α)·J(θ, x̃, y), x̃ from the attack at the current
 * params (seed §7.13). Each step trains on the clean batch and its
 * adversarial copy together, with sample weights 2α and 2(1 − α) (the
 * loss is a mean over the doubled batch, so this is exactly J̃).
 */
export const adversarialTraining: (options: AdversarialTrainingOptions & { name?: string }) => Plugin = definePlugin({
  name: 'adversarialTraining',
  options: { attack: attackSchema, alpha: z.number({ message: 'must be a number' }).min(0, { message: 'must be in [0, 1]' }).max(1, { message: 'must be in [0, 1]' }).optional() },
  setup: ({ attack, alpha = 0.5 }: AdversarialTrainingOptions, name) => ({
    order: Order.adversarial,
    transformBatch: (batch, ctx) => {
      const xAdv = attackBatch(attack, batch, ctx, name);
      const y = singleTargets(batch.y, name);
      const n = batch.x.shape[0]!;
      const base = batch.weight ?? tf.ones([n]);
      const weight = tf.concat([tf.mul(base, 2 * alpha), tf.mul(base, 2 * (1 - alpha))]);
      return { x: tf.concat([batch.x, xAdv]), y: tf.concat([y, y]), weight } satisfies Batch;
    },
  }),
});

/**
 * Madry et al. (2018)'s min–max defence: every step trains on the attack's
 * examples only (use a PGD attack: `madry({ attack: pgd({ epsilon, steps }) })`).
 */
export const madry: (options: { attack: Attack; name?: string }) => Plugin = definePlugin({
  name: 'madry',
  options: { attack: attackSchema },
  setup: ({ attack }: { attack: Attack }, name) => ({
    order: Order.adversarial,
    transformBatch: (batch, ctx) => ({ ...batch, x: attackBatch(attack, batch, ctx, name) }),
  }),
});
