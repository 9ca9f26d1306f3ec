import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, nn, Order, schemas, z, type Plugin, type RandomStream } from '@tikhonov/core';
import type { AttackModel } from './attack.js';
import { unitRows } from './ball.js';
import { stepModel } from './in-training.js';
import { klPerExample } from './objective.js';
import { UnlabeledStream } from './unlabeled.js';

/** Options of {@link virtualAdversarial}. */
export interface VirtualAdversarialOptions {
  /** L2 radius ε of the virtual adversarial perturbation. */
  epsilon: number;
  /** Finite-difference length ξ of the power iteration. Default 1e-6 (Miyato et al. 2018). */
  xi?: number;
  /** Power iterations K. Default 1 (the paper finds one enough). */
  powerIterations?: number;
  /** Weight α of the local-distributional-smoothness penalty. Default 1. */
  alpha?: number;
  /** Inputs without labels [m, ...]: each step adds a batch of them to the penalty (semi-supervised). */
  unlabeled?: tf.Tensor;
  /** Unlabeled rows per step. Default: the labelled batch size, at most m. */
  unlabeledBatchSize?: number;
}

/**
 * r_vadv = ε·d/‖d‖ per example, d from K power iterations
 * d ← ∇_r Σ KL(p ‖ model(x + r)) at r = ξ·d/‖d‖, from d ~ N(0, I): the
 * dominant eigenvector of the KL's Hessian at r = 0, the direction in which
 * the prediction changes most.
 */
export function virtualAdversarialPerturbation(
  model: AttackModel,
  x: tf.Tensor,
  p: tf.Tensor,
  options: { epsilon: number; xi: number; powerIterations: number },
  random: RandomStream,
): tf.Tensor {
  return tf.tidy(() => {
    const kl = (r: tf.Tensor) => tf.sum(klPerExample(p, model(tf.add(x, r))));
    let d = random.normal(x.shape);
    for (let k = 0; k < options.powerIterations; k++) d = tf.grad(kl)(tf.mul(options.xi, unitRows(d)));
    return tf.mul(options.epsilon, unitRows(d));
  });
}

/**
 * Virtual adversarial training (Miyato et al. 2018; decks 000/002): the
 * penalty α·E KL(p(·|x) ‖ p(·|x + r_vadv)), where p(·|x) is the model's own
 * prediction (a constant: no labels needed) and r_vadv = ε·d/‖d‖ with d
 * from K power iterations d ← ∇_r KL(p(·|x) ‖ p(·|x + ξ·d/‖d‖)) from a
 * Gaussian d. With `unlabeled` each step also regularizes a batch of
 * unlabeled inputs — semi-supervised learning as a regularizer. The
 * perturbation is found in inference mode; the penalty's pass is a training
 * pass tagged with the plugin's name.
 */
export const virtualAdversarial: (options: VirtualAdversarialOptions & { name?: string }) => Plugin = definePlugin({
  name: 'virtualAdversarial',
  options: {
    epsilon: schemas.positive,
    xi: schemas.positive.optional(),
    powerIterations: schemas.positiveInt.optional(),
    alpha: schemas.nonNegative.optional(),
    unlabeled: z.instanceof(tf.Tensor, { message: 'must be a tensor of inputs [m, ...]' }).optional(),
    unlabeledBatchSize: schemas.positiveInt.optional(),
  },
  setup: ({ epsilon, xi = 1e-6, powerIterations = 1, alpha = 1, unlabeled, unlabeledBatchSize }: VirtualAdversarialOptions, name) => {
    let seed = 0;
    let stream: UnlabeledStream | undefined;
    let current: { x: tf.Tensor; xAdv: tf.Tensor; p: tf.Tensor } | undefined;
    return {
      order: Order.adversarial,
      beforeFit(ctx) {
        seed = ctx.seed;
      },
      transformBatch(batch, ctx) {
        if (unlabeled && !stream) stream = new UnlabeledStream(unlabeled, unlabeledBatchSize ?? Math.min(batch.x.shape[0]!, unlabeled.shape[0]!), name);
        const x = stream ? tf.concat([batch.x, stream.batchAt(seed, ctx.step)]) : batch.x;
        const model = stepModel(ctx, name);
        const p = tf.softmax(tf.reshape(model(x), [x.shape[0]!, -1]));
        current = { x: batch.x, xAdv: tf.add(x, virtualAdversarialPerturbation(model, x, p, { epsilon, xi, powerIterations }, ctx.random)), p };
        return batch;
      },
      penalty(ctx) {
        const mine = current;
        current = undefined;
        if (!mine || ctx.batch?.x !== mine.x) throw new Error(`${name}: the batch changed after ${name}'s transformBatch (a later batch transform); give ${name} the highest order among batch transforms`);
        const adv = nn.single(ctx.forward(mine.xAdv, { mode: 'train', tag: name }), name);
        return tf.mul(alpha, tf.mean(klPerExample(mine.p, adv))) as tf.Scalar;
      },
    };
  },
});
