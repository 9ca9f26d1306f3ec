import * as tf from '@tensorflow/tfjs-core';
import { definePlugin, nn, schemas, z, type Plugin } from '@tikhonov/core';
import { imagesOf } from './op.js';

/** A transform whose tangent at the identity is known in closed form. */
export type Tangent = 'translateX' | 'translateY' | 'rotate' | 'scale';

/** Image gradients ∂x/∂column and ∂x/∂row by central differences (zero outside the image). */
export function imageGradients(x: tf.Tensor4D): { du: tf.Tensor4D; dv: tf.Tensor4D } {
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const at = (dy: number, dx: number) => tf.slice(padded, [0, 1 + dy, 1 + dx, 0], [-1, h, w, -1]);
    return { du: tf.div(tf.sub(at(0, 1), at(0, -1)), 2) as tf.Tensor4D, dv: tf.div(tf.sub(at(1, 0), at(-1, 0)), 2) as tf.Tensor4D };
  });
}

/**
 * The tangent vector t = d/dθ T_θ(x) at θ = 0 of each transform: a shift by
 * θ pixels moves content, so its tangent is −∂x/∂u (or −∂x/∂v); a rotation
 * by θ radians about the centre c gives (v − c_v)·∂x/∂u − (u − c_u)·∂x/∂v up
 * to sign; a zoom by 1 + θ gives −((u − c_u)·∂x/∂u + (v − c_v)·∂x/∂v).
 * (A squared penalty does not see the sign.)
 */
export function tangentVector(x: tf.Tensor4D, tangent: Tangent): tf.Tensor4D {
  return tf.tidy(() => {
    const { du, dv } = imageGradients(x);
    const [, h, w] = x.shape;
    const u = tf.reshape(tf.sub(tf.range(0, w), (w - 1) / 2), [1, 1, w, 1]);
    const v = tf.reshape(tf.sub(tf.range(0, h), (h - 1) / 2), [1, h, 1, 1]);
    switch (tangent) {
      case 'translateX':
        return tf.neg(du);
      case 'translateY':
        return tf.neg(dv);
      case 'rotate':
        return tf.sub(tf.mul(v, du), tf.mul(u, dv)) as tf.Tensor4D;
      case 'scale':
        return tf.neg(tf.add(tf.mul(u, du), tf.mul(v, dv))) as tf.Tensor4D;
    }
  });
}

/** Options of {@link tangentProp}. */
export interface TangentPropOptions {
  /** The transforms the model should be locally invariant to. */
  tangents: Tangent[];
  /** Weight α of the penalty. */
  alpha: number;
  /** Finite-difference step h of the directional derivative. Default 1e-2. */
  step?: number;
}

/**
 * Tangent propagation (Simard et al. 1992), the analytic counterpart of
 * augmentation: α·mean over the batch of Σ_t ‖J_f(x)·t(x)‖², the squared
 * directional derivative of the output along each transform's tangent
 * vector, by a finite difference (f(x + h·t) − f(x))/h inside the tape: one
 * extra training-mode forward pass per tangent (tagged `'tangentProp'`);
 * f(x) is the step's own output. Exact for a model linear in x.
 */
export const tangentProp: (options: TangentPropOptions & { name?: string }) => Plugin = definePlugin({
  name: 'tangentProp',
  options: {
    tangents: z.array(z.enum(['translateX', 'translateY', 'rotate', 'scale'], { message: "must name 'translateX', 'translateY', 'rotate' or 'scale'" })).min(1, { message: 'must hold at least one tangent' }),
    alpha: schemas.nonNegative,
    step: schemas.positive.optional(),
  },
  setup: ({ tangents, alpha, step = 1e-2 }: TangentPropOptions, name) => ({
    penalty(ctx) {
      const x = imagesOf(ctx.batch!.x, name);
      const outputs = ctx.activations.filter((a) => a.site.kind === 'output');
      if (outputs.length !== 1) throw new Error(`${name}: needs a model with one output; this pass has ${outputs.length} output sites`);
      const clean = outputs[0]!.value;
      const n = x.shape[0];
      const squares = tangents.map((t) => {
        const moved = nn.single(ctx.forward(tf.add(x, tf.mul(step, tangentVector(x, t))), { mode: 'train', tag: name }), name);
        return tf.sum(tf.square(tf.div(tf.sub(moved, clean), step)));
      });
      return tf.mul(alpha / n, tf.addN(squares)) as tf.Scalar;
    },
  }),
});
