import * as tf from '@tensorflow/tfjs-core';
import { definePlugin } from '../define-plugin.js';
import { OptionError } from '../errors.js';
import { schemas } from '../options.js';
import type { Plugin } from '../plugin.js';

/** Options of {@link clipGradients}: exactly one of the three. */
export interface ClipGradientsOptions {
  /** Each param's gradient g becomes g·min(1, c/‖g‖) (Keras's `clipnorm`). */
  norm?: number;
  /** All gradients scale by min(1, c/‖(g₁, …, gₙ)‖) together, keeping their direction (Keras's `global_clipnorm`, PyTorch's `clip_grad_norm_`). */
  globalNorm?: number;
  /** Every entry is clipped to [−c, c] (Keras's `clipvalue`, PyTorch's `clip_grad_value_`). */
  value?: number;
}

/**
 * Gradient clipping as a `transformGradients` plugin: by each param's norm,
 * by the global norm over all params, or by value. It runs at the default
 * tier, after noise-tier gradient transforms, so the optimizer applies the
 * clipped gradients. Reports the global norm before clipping as
 * `<name>.norm` (read at log points only).
 */
export const clipGradients: (options: ClipGradientsOptions & { name?: string }) => Plugin = definePlugin({
  name: 'clipGradients',
  options: { norm: schemas.positive.optional(), globalNorm: schemas.positive.optional(), value: schemas.positive.optional() },
  setup: (options: ClipGradientsOptions, name) => {
    const given = (['norm', 'globalNorm', 'value'] as const).filter((k) => options[k] !== undefined);
    if (given.length !== 1) throw new OptionError(name, given.length === 0 ? '(options)' : given.join(', '), options, 'give exactly one of norm, globalNorm or value');
    return {
      transformGradients(grads, ctx) {
        const names = Object.keys(grads);
        const norms = names.map((k) => tf.sum(tf.square(grads[k]!)));
        const global = tf.sqrt(tf.addN(norms));
        ctx.report('norm', global as tf.Scalar);
        // min(1, c/‖g‖) with ‖g‖ = 0 giving 1 (c/0 = ∞)
        const factor = (c: number, n: tf.Tensor) => tf.minimum(1, tf.div(c, n));
        if (options.value !== undefined) return Object.fromEntries(names.map((k) => [k, tf.clipByValue(grads[k]!, -options.value!, options.value!)]));
        if (options.globalNorm !== undefined) {
          const f = factor(options.globalNorm, global);
          return Object.fromEntries(names.map((k) => [k, tf.mul(grads[k]!, f)]));
        }
        return Object.fromEntries(names.map((k, i) => [k, tf.mul(grads[k]!, factor(options.norm!, tf.sqrt(norms[i]!)))]));
      },
    };
  },
});
