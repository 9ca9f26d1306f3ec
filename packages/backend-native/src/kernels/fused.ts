// The bias-and-activation epilogue of the fused kernels (_FusedMatMul,
// FusedConv2D), done in place by the addon after the matmul or convolution.
import type * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon.js';
import { blockPattern } from './elementwise.js';
import { valuesOf } from './storage.js';

/** Activations the addon applies, with its codes; others (prelu, elu, sigmoid) fall back to tfjs-cpu. */
const ACTIVATIONS: Record<string, number | undefined> = { linear: 0, relu: 1, relu6: 2, leakyrelu: 3 };

/** What a fused kernel's attributes and inputs ask for after the product. */
export interface Epilogue {
  bias: Float32Array | undefined;
  activation: number;
  alpha: number;
}

/**
 * The epilogue for an output of `outShape`, or undefined when the addon cannot
 * do it (an activation it lacks, PReLU weights, a bias that is not a trailing
 * block of the output or not stored as a Float32Array): the kernel falls back.
 */
export function epilogueOf(backend: MathBackendCPU, outShape: readonly number[], inputs: Record<string, tf.TensorInfo | undefined>, attrs: Record<string, unknown>): Epilogue | undefined {
  const activation = ACTIVATIONS[(attrs.activation as string | undefined) ?? 'linear'];
  if (activation === undefined || inputs.preluActivationWeights) return undefined;
  let bias: Float32Array | undefined;
  if (inputs.bias) {
    bias = valuesOf(backend, inputs.bias);
    if (!bias || bias.length === 0 || blockPattern(inputs.bias.shape, outShape)?.repeat !== 1) return undefined;
  }
  return { bias, activation, alpha: (attrs.leakyreluAlpha as number | undefined) ?? 0.2 };
}

/** out = activation(out + bias), in place. */
export function applyEpilogue(addon: NativeAddon, out: Float32Array, e: Epilogue): void {
  if (e.bias || e.activation !== 0) addon.biasActivation(out, e.bias, e.activation, e.alpha);
}
