import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, nn, Order, RandomStream, z, type Dataset, type FitContext, type Plugin } from '@tikhonov/core';
import { attackSchema, type Attack } from './attack.js';
import { classIds, labelObjective, predictedClass } from './objective.js';
import { singleTargets } from './run-attack.js';

/** Options of {@link catastrophicOverfittingGuard}. */
export interface OverfittingGuardOptions {
  /** A small subset of the training data (a few hundred examples) to attack. */
  data: Dataset;
  /** The strong attack that measures robustness, e.g. `pgd({ epsilon, steps: 10 })`. */
  attack: Attack;
  /** A fall of the robust accuracy by more than this below its best counts as a collapse. Default 0.2. */
  maxDrop?: number;
  /** On a collapse: `'rollback'` (default) restores the params of the best check and stops; `'stop'` only stops. */
  action?: 'rollback' | 'stop';
}

const schema = {
  data: z.custom<Dataset>((v) => typeof v === 'object' && v !== null && (v as Dataset).x instanceof tf.Tensor && typeof (v as Dataset).size === 'number', { message: 'must be a data set { x, y, size }' }),
  attack: attackSchema,
  maxDrop: z.number({ message: 'must be a number' }).gt(0, { message: 'must be in (0, 1]' }).max(1, { message: 'must be in (0, 1]' }).optional(),
  action: z.enum(['rollback', 'stop'], { message: "must be 'rollback' or 'stop'" }).optional(),
};

/**
 * Watches for catastrophic overfitting, the failure of FGSM-based (fast)
 * adversarial training: within an epoch the model becomes robust to FGSM
 * alone while its PGD accuracy falls to about zero (Wong et al. 2020). At
 * each validation — or at each epoch end when the fit has none — it measures
 * the attack's accuracy on the given training subset (deterministic
 * inference of the model's own params; every check is in the history's
 * notes under the plugin's name), keeps the
 * params of the best check, and on a fall of more than `maxDrop` below the
 * best stops the fit (and with `'rollback'` puts those params back).
 */
export const catastrophicOverfittingGuard: (options: OverfittingGuardOptions & { name?: string }) => Plugin = definePlugin({
  name: 'catastrophicOverfittingGuard',
  options: schema,
  setup: ({ data, attack, maxDrop = 0.2, action = 'rollback' }: OverfittingGuardOptions, name) => {
    let best: { accuracy: number; params: Map<string, tf.Tensor> } | undefined;
    let checkedThisEpoch = false;
    let checks = 0;
    const history: Array<{ step: number; epoch: number; robustAccuracy: number }> = [];
    const labels = singleTargets(data.y, name);
    const free = () => {
      if (best) for (const t of best.params.values()) t.dispose();
      best = undefined;
    };
    const check = async (ctx: FitContext) => {
      checkedThisEpoch = true;
      const model = (x: tf.Tensor) => nn.single(ctx.model.forward(x, { training: false }), name);
      const accuracy = tf.tidy(() => {
        const { objective, success } = labelObjective(attack.loss, labels, false);
        const xAdv = attack.perturb({ model, x: data.x, objective, success, random: new RandomStream([ctx.seed, name, checks++]) });
        return tf.mean(tf.cast(tf.equal(predictedClass(attack.loss, model(xAdv)), classIds(labels)), 'float32'));
      });
      const value = (await accuracy.data())[0]!;
      accuracy.dispose();
      history.push({ step: ctx.step, epoch: ctx.epoch, robustAccuracy: value });
      ctx.history.note(name, { attack: attack.label, checks: [...history] });
      if (!best || value >= best.accuracy) {
        free();
        best = { accuracy: value, params: ctx.params.snapshot() };
        return;
      }
      if (value < best.accuracy - maxDrop) {
        if (action === 'rollback') ctx.params.restore(best.params);
        ctx.requestStop(`${attack.label} accuracy on the training subset fell from ${best.accuracy.toFixed(3)} to ${value.toFixed(3)} (catastrophic overfitting)${action === 'rollback' ? '; params of the best check restored' : ''}`);
      }
    };
    return {
      order: Order.earlyStopping,
      beforeFit() {
        free();
        history.length = 0;
      },
      beforeEpoch() {
        checkedThisEpoch = false;
      },
      afterEvaluate: async (_metrics, ctx) => check(ctx),
      afterEpoch: async (ctx) => {
        if (!checkedThisEpoch) await check(ctx);
      },
      afterFit() {
        free();
      },
      dispose: free,
    };
  },
});
