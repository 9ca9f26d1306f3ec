import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, paramSelectorSchema, type ParamInfo, type ParamSelector, type Plugin } from '@tikhonov/core';
import { coefficientSchema, resolveGroups, type Group } from './selection.js';
import { centerSchema, Centers, type Center } from './center.js';

/** Options of {@link l2}. */
export interface L2Options {
  /** α in α/2·‖w − w₀‖²: one number, or per-group values `[{ select, alpha }]`. */
  alpha: number | readonly Group[];
  /** w₀: 0 (default), another constant, or `'initial'` (the params when the fit starts, as in fine-tuning). */
  center?: Center;
  /** Which params; default weights only. Ignored when alpha lists groups. */
  select?: ParamSelector;
  /** Plugin name; default `l2`. */
  name?: string;
}

/**
 * L² parameter penalty (weight decay coupled to the gradient, seed §7.2.1):
 * adds Σ α/2·‖w − w₀‖² to the loss, so each step adds α(w − w₀) to the
 * gradient of every selected param.
 */
export const l2: (options: L2Options) => Plugin = definePlugin({
  name: 'l2',
  options: { alpha: coefficientSchema, center: centerSchema.optional(), select: paramSelectorSchema.optional() },
  setup(opts: L2Options, name) {
    const centers = new Centers(name, opts.center ?? 0);
    let terms: Array<{ param: ParamInfo; alpha: number }> = [];
    return {
      beforeFit(ctx) {
        terms = resolveGroups(name, ctx.params.all, opts.alpha, opts.select).filter((t) => t.alpha > 0);
        centers.capture(terms.map((t) => t.param));
      },
      penalty() {
        let total: tf.Scalar | undefined;
        for (const { param, alpha } of terms) {
          const term = halfSquaredNorm(centers.offset(param), alpha);
          total = total ? (tf.add(total, term) as tf.Scalar) : term;
        }
        return total;
      },
      stateDict: () => centers.stateDict(),
      loadStateDict: (state) => centers.loadStateDict(state),
      dispose: () => centers.dispose(),
    };
  },
});

/**
 * α/2·‖d‖² with its analytic gradient α·d. tfjs's autodiff of sum(square(d))
 * costs several full-size kernels per step; this costs one multiply.
 */
export function halfSquaredNorm(d: tf.Tensor, alpha: number): tf.Scalar {
  const body = (x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      // ‖x‖² as one dot product (a single pass) rather than square then sum
      value: tf.mul(alpha / 2, tf.reshape(tf.matMul(tf.reshape(x, [1, -1]), tf.reshape(x, [-1, 1])), [])) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(saved[0]!, tf.mul(dy, alpha)),
    };
  };
  const f = tf.customGrad(body as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(d) as tf.Scalar;
}
