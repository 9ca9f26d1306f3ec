import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, nn, schemas, type Plugin } from '@tikhonov/core';

/**
 * The analytic counterpart of input noise (seed eq. 7.17): the penalty
 * ν·E‖∇ₓŷ(x)‖² (for k outputs, the squared Frobenius norm of the Jacobian,
 * Σⱼ‖∇ₓŷⱼ‖²), averaged over the batch. Computed by a second differentiation
 * inside the gradient tape: per output unit, one nested training-mode
 * forward pass (tagged `'jacobian'`, so recording or perturbing plugins can
 * tell it from the step's own) plus one backward pass, each step. For linear
 * regression ŷ = wᵀx + b it is exactly ν‖w‖².
 */
export const jacobianPenalty: (options: { nu: number; name?: string }) => Plugin = definePlugin({
  name: 'jacobianPenalty',
  options: { nu: schemas.nonNegative },
  setup: ({ nu }: { nu: number }, name) => ({
    penalty(ctx) {
      const x = ctx.batch!.x;
      const shape = ctx.model.outputShape;
      if (!Array.isArray(shape)) throw new Error(`${name}: the model has named outputs; the Jacobian penalty needs one output`);
      const units = shape.reduce((a, b) => a * b, 1);
      const squares: tf.Tensor[] = [];
      for (let j = 0; j < units; j++) {
        const g = tf.grad((input: tf.Tensor) => {
          const out = nn.single(ctx.forward(input, { mode: 'train', tag: 'jacobian' }), name);
          return tf.sum(tf.slice(tf.reshape(out, [out.shape[0]!, units]), [0, j], [-1, 1]));
        })(x);
        squares.push(tf.sum(tf.square(g)));
      }
      const total = squares.length === 1 ? squares[0]! : tf.addN(squares);
      return tf.mul(nu / x.shape[0]!, total) as tf.Scalar;
    },
  }),
});
