// Registers tfjs-backend-wasm (its import registers the backend and its
// kernels) and this package's changes to it: the training kernels wasm
// lacks, replacements for a wrong and a slow kernel, and wrappers (the
// matmuls' transposes, the float32 → bool cast). Importing this file selects
// nothing; useWasmBackend does.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { WASM } from './kernels/compose.js';
import { conv2dBackpropFilterKernel, conv2dBackpropInputKernel, depthwiseBackpropFilterKernel, depthwiseBackpropInputKernel } from './kernels/conv-backprop.js';
import { withCastToBoolAsNotEqual } from './kernels/cast.js';
import { withExplicitTransposes } from './kernels/matmul.js';
import { maxPoolGradKernel } from './kernels/max-pool-grad.js';
import { unsortedSegmentSumKernel } from './kernels/segment-sum.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];

/** Kernels this package adds to wasm, which has none of them. */
export const ADDED_KERNELS: Readonly<Record<string, KernelFunc>> = {
  Conv2DBackpropFilter: conv2dBackpropFilterKernel as KernelFunc,
  DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilterKernel as KernelFunc,
  DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInputKernel as KernelFunc,
  UnsortedSegmentSum: unsortedSegmentSumKernel as KernelFunc,
};

/**
 * wasm kernels this package replaces: MaxPoolGrad computes the wrong thing in
 * tfjs 4.22, Conv2DBackpropInput is a slow plain loop (see each kernel's file).
 */
export const REPLACED_KERNELS: Readonly<Record<string, KernelFunc>> = {
  MaxPoolGrad: maxPoolGradKernel as KernelFunc,
  Conv2DBackpropInput: conv2dBackpropInputKernel as KernelFunc,
};

/**
 * wasm kernels this package wraps, with the wrapper: transposed matmuls made
 * explicit (speed), float32 → bool casts as x ≠ 0 (wasm's is wrong).
 */
const WRAPPERS: Readonly<Record<string, (original: KernelFunc) => KernelFunc>> = {
  BatchMatMul: withExplicitTransposes,
  _FusedMatMul: withExplicitTransposes,
  Cast: withCastToBoolAsNotEqual,
};

/** Names of the wasm kernels this package wraps. */
export const WRAPPED_KERNELS: readonly string[] = Object.keys(WRAPPERS);

// a marker on the wrapped function, so a second copy of this module (two
// installs, or a re-import in tests) neither wraps twice nor re-registers
const WRAPPED = Symbol.for('@tikhonov/backend-wasm:wrapped');

for (const [kernelName, kernelFunc] of Object.entries(ADDED_KERNELS)) {
  if (!tf.getKernel(kernelName, WASM)) tf.registerKernel({ kernelName, backendName: WASM, kernelFunc });
}
// tfjs's own configs of the kernels replaced or wrapped, and ours
const tfjsConfigs = new Map<string, tf.KernelConfig>();
const ourConfigs = new Map<string, tf.KernelConfig>();
for (const [kernelName, kernelFunc] of Object.entries(REPLACED_KERNELS)) {
  const current = tf.getKernel(kernelName, WASM);
  if (current?.kernelFunc === kernelFunc) continue;
  if (current) tfjsConfigs.set(kernelName, current);
  ourConfigs.set(kernelName, { kernelName, backendName: WASM, kernelFunc });
}
for (const [kernelName, wrap] of Object.entries(WRAPPERS)) {
  const original = tf.getKernel(kernelName, WASM);
  if (!original || (original.kernelFunc as { [WRAPPED]?: boolean })[WRAPPED]) continue;
  tfjsConfigs.set(kernelName, original);
  ourConfigs.set(kernelName, { ...original, kernelFunc: Object.assign(wrap(original.kernelFunc), { [WRAPPED]: true }) });
}
swapIn(ourConfigs);

function swapIn(configs: Map<string, tf.KernelConfig>): void {
  for (const config of configs.values()) {
    if (tf.getKernel(config.kernelName, WASM)) tf.unregisterKernel(config.kernelName, WASM);
    tf.registerKernel(config);
  }
}

/**
 * For benchmarks: puts tfjs-backend-wasm's own MaxPoolGrad,
 * Conv2DBackpropInput, BatchMatMul and _FusedMatMul back (`true`) or ours
 * (`false`), to measure what this package changes. Not exported from the
 * package: tfjs's MaxPoolGrad is wrong.
 */
export function useTfjsOwnKernels(tfjsOwn: boolean): void {
  swapIn(tfjsOwn ? tfjsConfigs : ourConfigs);
}
