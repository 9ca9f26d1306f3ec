import * as tf from '@tensorflow/tfjs-core';
import { nn, schemas, validateOptions, z, type Plugin } from '@tikhonov/core';

/**
 * The analytic counterpart of input noise (seed eq. 7.17): the penalty
 * ν·E‖∇ₓŷ(x)‖² (for k outputs, the squared Frobenius norm of the Jacobian,
 * Σⱼ‖∇ₓŷⱼ‖²), averaged over the batch. Computed by a second differentiation
 * inside the gradient tape: one extra forward pass plus one backward pass per
 * output unit each step. For linear regression ŷ = wᵀx + b it is exactly ν‖w‖².
 */
export function jacobianPenalty(options: { nu: number; name?: string }): Plugin {
  const { nu, name = 'jacobianPenalty' } = validateOptions('jacobianPenalty', z.object({ nu: schemas.nonNegative, name: z.string().min(1).optional() }).strict(), options) as {
    nu: number;
    name?: string;
  };
  return {
    name,
    apiVersion: 1,
    penalty(ctx) {
      const x = ctx.batch!.x;
      const shape = ctx.model.outputShape;
      if (!Array.isArray(shape)) throw new Error(`${name}: the model has named outputs; the Jacobian penalty needs one output`);
      const units = shape.reduce((a, b) => a * b, 1);
      const squares: tf.Tensor[] = [];
      for (let j = 0; j < units; j++) {
        const g = tf.grad((input: tf.Tensor) => {
          const out = nn.single(ctx.forward(input, { training: true }), name);
          return tf.sum(tf.slice(tf.reshape(out, [out.shape[0]!, units]), [0, j], [-1, 1]));
        })(x);
        squares.push(tf.sum(tf.square(g)));
      }
      const total = squares.length === 1 ? squares[0]! : tf.addN(squares);
      return tf.mul(nu / x.shape[0]!, total) as tf.Scalar;
    },
  };
}
