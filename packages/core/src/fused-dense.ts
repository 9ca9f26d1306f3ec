import * as tf from '@tensorflow/tfjs-core';
import { biasActivationGrad } from './fused-bias-grad.js';

/**
 * The kernel name of the fused dense layer a backend may offer for training
 * (`@tikhonov/backend-native` does): act(x·W + b) in one kernel, with
 * tfjs's `_FusedMatMul` inputs `{ a, b, bias? }` and attributes
 * `{ transposeA: false, transposeB: false, activation: 'linear' | 'relu' }`.
 * tfjs's own fused matmul is an inference kernel under training: its custom
 * gradient computes the input's gradient even where nothing needs it (a
 * first layer's x·W: a product as large as the forward one), so training ran
 * the unfused ops — three kernels forward, and the add's and relu's
 * gradients back. This kernel sits on the tape with a gradient core
 * registers per input, so tfjs skips the gradients nothing asks for.
 */
export const FUSED_DENSE_KERNEL = 'TikhonovDense';

/** The activations the fused dense kernel takes. */
export type FusedDenseActivation = 'linear' | 'relu';

// As the gradients of the composed relu(add(matMul(x, W), b)): dz = dy·act'(z)
// and db = Σ over the batch of dz (one kernel where the backend has it),
// dx = dz·Wᵀ, dW = xᵀ·dz.
tf.registerGradient({
  kernelName: FUSED_DENSE_KERNEL,
  inputsToSave: ['a', 'b'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [a, b, y] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const { dz, db } = biasActivationGrad(dy as tf.Tensor, y, (attrs as { activation: FusedDenseActivation }).activation);
    return {
      a: () => tf.matMul(dz, b, false, true),
      b: () => tf.matMul(a, dz, true, false),
      bias: db,
    };
  },
});

/** Whether the active backend runs the fused dense kernel for x (float32, rank 2) and this activation. */
export function fusedDenseApplies(x: tf.Tensor, activation: string): activation is FusedDenseActivation {
  return x.rank === 2 && x.dtype === 'float32' && (activation === 'linear' || activation === 'relu') && tf.getKernel(FUSED_DENSE_KERNEL, tf.getBackend()) !== undefined;
}

/** act(x·W + b) through the fused kernel; call only where {@link fusedDenseApplies}. */
export function fusedDense(x: tf.Tensor, kernel: tf.Tensor, bias: tf.Tensor | undefined, activation: FusedDenseActivation): tf.Tensor {
  const inputs: Record<string, tf.Tensor> = bias ? { a: x, b: kernel, bias } : { a: x, b: kernel };
  return tf.engine().runKernel(FUSED_DENSE_KERNEL, inputs, { transposeA: false, transposeB: false, activation }) as tf.Tensor;
}
