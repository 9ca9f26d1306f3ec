// The README's "write a plugin" example: a new regularizer in under 25 lines.
import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, paramSelectorSchema, schemas, selectOrThrow, type ParamInfo, type ParamSelector } from '@tikhonov/core';

/** Soft orthogonality: α·Σ‖WᵀW − I‖²_F over the selected kernels, W as [fan-in, units]. */
export const orthogonality = definePlugin({
  name: 'orthogonality',
  options: { alpha: schemas.nonNegative, select: paramSelectorSchema.optional() },
  setup({ alpha, select = { roles: ['weight'] } }: { alpha: number; select?: ParamSelector }, name) {
    let kernels: ParamInfo[] = [];
    return {
      beforeFit: (ctx) => void (kernels = selectOrThrow(ctx.params.all, select, name)),
      penalty: () => {
        const terms = kernels.map((p) => {
          const w = tf.reshape(p.variable, [-1, p.shape[p.shape.length - 1]!]);
          const gram = tf.matMul(w, w, true, false);
          return tf.sum(tf.square(tf.sub(gram, tf.eye(gram.shape[0]!))));
        });
        return tf.mul(alpha, tf.addN(terms)) as tf.Scalar;
      },
    };
  },
});
