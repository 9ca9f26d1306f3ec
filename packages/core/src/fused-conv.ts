import * as tf from '@tensorflow/tfjs-core';
import { biasActivationGrad } from './fused-bias-grad.js';

/**
 * The kernel name of the fused convolution a backend may offer for training
 * (`@tikhonov/backend-native` does): act(x ⋆ W + b) in one kernel, NHWC,
 * with tfjs's `FusedConv2D` inputs `{ x, filter, bias? }` and attributes
 * `{ strides, pad, dataFormat: 'NHWC', dilations: 1, activation: 'linear' | 'relu' }`.
 * Under a tape tfjs's own fused convolution takes only a linear activation
 * and its gradient always computes the input's gradient (a first layer's:
 * +3 ms of a 20 ms CNN step on native), so training ran the unfused ops — a
 * bias add and a relu over every activation forward, and their gradients
 * back. This kernel sits on the tape with a gradient core registers per
 * input, so tfjs skips the gradients nothing asks for.
 */
export const FUSED_CONV_KERNEL = 'TikhonovConv2D';

/** The activations the fused convolution takes. */
export type FusedConvActivation = 'linear' | 'relu';

interface FusedConvAttrs {
  strides: number;
  pad: 'same' | 'valid';
  dataFormat: 'NHWC';
  activation: FusedConvActivation;
}

// As the gradients of the composed act(add(conv2d(x, W), b)): dz = dy·act'(z)
// and db = Σ over batch and pixels of dz (one kernel where the backend has
// it), dx = conv2dBackpropInput(dz, W), dW = conv2dBackpropFilter(x, dz).
tf.registerGradient({
  kernelName: FUSED_CONV_KERNEL,
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const a = attrs as unknown as FusedConvAttrs;
    const window = { strides: a.strides, pad: a.pad, dataFormat: a.dataFormat };
    const grads = biasActivationGrad(dy as tf.Tensor, y, a.activation);
    return {
      x: () => tf.engine().runKernel('Conv2DBackpropInput', { dy: grads.dz, filter }, { ...window, inputShape: x.shape }) as tf.Tensor,
      filter: () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: grads.dz }, { ...window, filterShape: filter.shape }) as tf.Tensor,
      bias: () => grads.db(),
    };
  },
});

/** Whether the active backend runs the fused convolution for x (float32 NHWC), this activation and dilation. */
export function fusedConvApplies(x: tf.Tensor, activation: string, dilation: number): activation is FusedConvActivation {
  return x.rank === 4 && x.dtype === 'float32' && dilation === 1 && (activation === 'linear' || activation === 'relu') && tf.getKernel(FUSED_CONV_KERNEL, tf.getBackend()) !== undefined;
}

/** act(x ⋆ W + b) through the fused kernel; call only where {@link fusedConvApplies}. */
export function fusedConv(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor | undefined, strides: number, pad: 'same' | 'valid', activation: FusedConvActivation): tf.Tensor4D {
  const inputs: Record<string, tf.Tensor> = bias ? { x, filter, bias } : { x, filter };
  const attrs: FusedConvAttrs & { dilations: number } = { strides, pad, dataFormat: 'NHWC', dilations: 1, activation };
  return tf.engine().runKernel(FUSED_CONV_KERNEL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}
