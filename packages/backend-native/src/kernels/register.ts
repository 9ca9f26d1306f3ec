import * as tf from '@tensorflow/tfjs-core';
import type { NativeAddon } from '../addon.js';
import { matMulKernel } from './matmul.js';
import { convKernels } from './conv.js';
import { reluBiasGradKernel } from './bias-grad.js';
import { reverseKernel, transformKernel } from './image.js';
import { tileKernel } from './tile.js';
import { argMaxKernel, meanSoftmaxCrossEntropyGradKernel, meanSoftmaxCrossEntropyKernel, softmaxCrossEntropyGradKernel, softmaxCrossEntropyKernel, softmaxKernel } from './rows.js';
import { adamKernel, lerpKernel, maxNormKernel, momentumKernel, sgdKernel } from './updates.js';
import { BINARY_OPS, binaryKernel, castKernel, fillLikeKernel, gatherKernel, REDUCE_OPS, reduceKernel, selectKernel, UNARY_OPS, unaryKernel } from './elementwise.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];

/**
 * Registers the native overrides for `backendName`, each falling back to
 * tfjs-backend-cpu's kernel for cases it does not handle.
 */
export function registerNativeKernels(backendName: string, addon: NativeAddon, cpuKernel: (name: string) => KernelFunc): string[] {
  const kernels: Record<string, KernelFunc> = {
    BatchMatMul: matMulKernel(addon, cpuKernel('BatchMatMul')),
    _FusedMatMul: matMulKernel(addon, cpuKernel('_FusedMatMul')),
    GatherV2: gatherKernel(addon, cpuKernel('GatherV2')),
    Softmax: softmaxKernel(addon, cpuKernel('Softmax')),
    ArgMax: argMaxKernel(addon, cpuKernel('ArgMax')),
    Select: selectKernel(addon, cpuKernel('Select')),
    Cast: castKernel(addon, cpuKernel('Cast')),
    Transform: transformKernel(addon, cpuKernel('Transform')),
    Reverse: reverseKernel(addon, cpuKernel('Reverse')),
    Tile: tileKernel(cpuKernel('Tile')),
    OnesLike: fillLikeKernel(1, cpuKernel('OnesLike')),
    ZerosLike: fillLikeKernel(0, cpuKernel('ZerosLike')),
    // core's FUSED_KERNELS (the names are core's contract; this package does not depend on core)
    TikhonovLerp: lerpKernel(addon),
    TikhonovAdam: adamKernel(addon),
    TikhonovMomentum: momentumKernel(addon),
    TikhonovSgd: sgdKernel(addon),
    TikhonovMaxNorm: maxNormKernel(addon),
    // core's FUSED_DENSE_KERNEL: _FusedMatMul's inputs and attributes, on the tape (core registers its gradient)
    TikhonovDense: matMulKernel(addon, cpuKernel('_FusedMatMul')),
    // core's BIAS_ACTIVATION_GRAD_KERNEL (in the fused layers' gradients)
    TikhonovBiasActivationGrad: reluBiasGradKernel(addon),
    // core's FUSED_LOSS_KERNELS (core registers the forward kernel's gradient)
    TikhonovSoftmaxCrossEntropy: softmaxCrossEntropyKernel(addon),
    TikhonovSoftmaxCrossEntropyGrad: softmaxCrossEntropyGradKernel(addon),
    TikhonovMeanSoftmaxCrossEntropy: meanSoftmaxCrossEntropyKernel(addon),
    TikhonovMeanSoftmaxCrossEntropyGrad: meanSoftmaxCrossEntropyGradKernel(addon),
  };
  for (const [name, op] of Object.entries(REDUCE_OPS)) kernels[name] = reduceKernel(addon, op, cpuKernel(name));
  for (const [name, op] of Object.entries(UNARY_OPS)) kernels[name] = unaryKernel(addon, op, cpuKernel(name));
  for (const [name, op] of Object.entries(BINARY_OPS)) kernels[name] = binaryKernel(addon, op, cpuKernel(name));
  const conv = convKernels(addon, cpuKernel);
  Object.assign(kernels, conv);
  // core's FUSED_CONV_KERNEL: FusedConv2D's inputs and attributes, on the tape (core registers its gradient)
  kernels.TikhonovConv2D = conv.FusedConv2D!;
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    // core's fused kernels have no cpu kernel to replace
    if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({ kernelName, backendName, kernelFunc });
  }
  return Object.keys(kernels);
}
