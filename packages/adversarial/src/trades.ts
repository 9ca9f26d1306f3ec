import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, nn, Order, schemas, type Plugin, type RandomStream, type StepContext } from '@tikhonov/core';
import { attackSchema, type Attack, type AttackModel } from './attack.js';
import { stepModel } from './in-training.js';
import { klPerExample } from './objective.js';

/** Options of {@link trades}. */
export interface TradesOptions {
  /** Weight β of the robustness term (Zhang et al. use 6 on CIFAR-10, 1–6 on MNIST). Default 6. */
  beta?: number;
  /** The inner maximisation, e.g. `pgd({ epsilon: 0.3, steps: 10, randomStart: false, range: [0, 1] })`. */
  attack: Attack;
}

/** The output site of the step's main pass (its logits, on the tape). */
function cleanLogits(ctx: StepContext, who: string): tf.Tensor {
  const outputs = ctx.activations.filter((a) => a.site.kind === 'output');
  if (outputs.length !== 1) throw new Error(`${who}: needs a model with one output; this pass has ${outputs.length} output sites`);
  return outputs[0]!.value;
}

/**
 * TRADES's inner maximisation: x̃ = argmax over the attack's ball of
 * KL(f(x) ‖ f(x̃)), by the attack run on that KL (labels play no part), from
 * x + 0.001·N(0, 1) clipped to the range (or the attack's own random start).
 */
export function tradesExamples(attack: Attack, model: AttackModel, x: tf.Tensor, random: RandomStream): tf.Tensor {
  return tf.tidy(() => {
    const p = tf.softmax(tf.reshape(model(x), [x.shape[0]!, -1]));
    const near = tf.add(x, random.normal(x.shape, 0, 0.001));
    const start = attack.range ? tf.clipByValue(near, attack.range[0], attack.range[1]) : near;
    return attack.perturb({ model, x, objective: (logits) => klPerExample(p, logits), random, start });
  });
}

/**
 * TRADES (Zhang et al. 2019): the clean loss plus
 * β·E KL(f(x) ‖ f(x̃)), where x̃ maximises that KL in the ε-ball (the attack
 * runs on the KL, not on the labels). As the paper's code: x̃ is found in
 * inference mode from x + 0.001·N(0, 1) (or the attack's own random start),
 * and the KL's gradient flows through both predictions. The batch's mean KL
 * is reported as `<name>.kl`.
 */
export const trades: (options: TradesOptions & { name?: string }) => Plugin = definePlugin({
  name: 'trades',
  options: { beta: schemas.nonNegative.optional(), attack: attackSchema },
  setup: ({ beta = 6, attack }: TradesOptions, name) => {
    // the adversarial inputs of the current step, made in transformBatch (outside the tape) and used in penalty
    let current: { x: tf.Tensor; xAdv: tf.Tensor } | undefined;
    return {
      order: Order.adversarial,
      transformBatch(batch, ctx) {
        current = { x: batch.x, xAdv: tradesExamples(attack, stepModel(ctx, name), batch.x, ctx.random) };
        return batch;
      },
      penalty(ctx) {
        const mine = current;
        current = undefined;
        if (!mine || ctx.batch?.x !== mine.x) throw new Error(`${name}: the batch changed after ${name}'s transformBatch (a later batch transform); give ${name} the highest order among batch transforms`);
        const clean = cleanLogits(ctx, name);
        const adv = nn.single(ctx.forward(mine.xAdv, { mode: 'train', tag: name }), name);
        const n = clean.shape[0]!;
        const kl = tf.mean(klPerExample(tf.softmax(tf.reshape(clean, [n, -1])), adv)) as tf.Scalar;
        ctx.report('kl', kl);
        return tf.mul(beta, kl) as tf.Scalar;
      },
    };
  },
});
