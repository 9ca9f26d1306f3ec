import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, paramSelectorSchema, schemas, selectOrThrow, z, type ParamInfo, type ParamSelector, type Plugin } from '@tikhonov/core';

/** Options of {@link tying}. */
export interface TyingOptions {
  /** Pairs of selectors; the i-th param picked by A is tied to the i-th picked by B (same shapes). */
  pairs: ReadonlyArray<readonly [ParamSelector, ParamSelector]>;
  /** α in α·Σ‖w⁽ᴬ⁾ − w⁽ᴮ⁾‖². */
  alpha: number;
  name?: string;
}

/**
 * Parameter tying (seed §7.8): the penalty α·‖w⁽ᴬ⁾ − w⁽ᴮ⁾‖² keeps two models'
 * (or towers') params close without forcing them equal, e.g. a supervised and
 * an unsupervised model of the same inputs (Lasserre et al. 2006). Exact
 * sharing is a module used twice (core).
 */
export const tying: (options: TyingOptions) => Plugin = definePlugin({
  name: 'tying',
  options: { pairs: z.array(z.tuple([paramSelectorSchema, paramSelectorSchema])).min(1), alpha: schemas.nonNegative },
  setup(opts: TyingOptions, name) {
    let tied: Array<[ParamInfo, ParamInfo]> = [];
    return {
      beforeFit(ctx) {
        tied = opts.pairs.flatMap(([a, b], i) => {
          const left = selectOrThrow(ctx.params.all, a, name, `pairs[${i}][0]`);
          const right = selectOrThrow(ctx.params.all, b, name, `pairs[${i}][1]`);
          if (left.length !== right.length) throw new RangeError(`${name}: pairs[${i}] picks ${left.length} params on one side and ${right.length} on the other`);
          return left.map((p, j): [ParamInfo, ParamInfo] => {
            const q = right[j]!;
            if (p.shape.join(',') !== q.shape.join(',')) throw new RangeError(`${name}: cannot tie '${p.name}' [${p.shape}] to '${q.name}' [${q.shape}]: shapes differ`);
            return [p, q];
          });
        });
      },
      penalty() {
        const terms = tied.map(([p, q]) => tf.sum(tf.squaredDifference(p.variable, q.variable)));
        return tf.mul(opts.alpha, terms.length === 1 ? terms[0]! : tf.addN(terms)) as tf.Scalar;
      },
    };
  },
});
