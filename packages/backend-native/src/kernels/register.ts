import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon.js';
import { nativeMatMul } from './matmul.js';
import { applyEpilogue, epilogueOf } from './fused.js';
import { convKernels } from './conv.js';
import { argMaxKernel, softmaxKernel } from './rows.js';
import { BINARY_OPS, binaryKernel, castKernel, gatherKernel, REDUCE_OPS, reduceKernel, selectKernel, UNARY_OPS, unaryKernel } from './elementwise.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Inputs = Record<string, tf.TensorInfo>;

/**
 * Registers the native overrides for `backendName`, each falling back to
 * tfjs-backend-cpu's kernel for cases it does not handle.
 */
export function registerNativeKernels(backendName: string, addon: NativeAddon, cpuKernel: (name: string) => KernelFunc): string[] {
  const cpuBatchMatMul = cpuKernel('BatchMatMul');
  const cpuFused = cpuKernel('_FusedMatMul');

  const batchMatMul: KernelFunc = (args) => {
    const { a, b } = args.inputs as Inputs;
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const backend = args.backend as MathBackendCPU;
    const result = nativeMatMul(addon, backend, a!, b!, transposeA, transposeB);
    if (!result) return cpuBatchMatMul(args);
    return backend.makeTensorInfo(result.shape, 'float32', result.values);
  };

  const fusedMatMul: KernelFunc = (args) => {
    const { a, b } = args.inputs as Inputs;
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const backend = args.backend as MathBackendCPU;
    // (in the rare fallback after a native product, for an activation the
    // addon lacks, that product is wasted: cheaper than predicting the shape twice)
    const result = nativeMatMul(addon, backend, a!, b!, transposeA, transposeB);
    const epilogue = result && epilogueOf(backend, result.shape, args.inputs as Inputs, args.attrs as Record<string, unknown>);
    if (!result || !epilogue) return cpuFused(args);
    applyEpilogue(addon, result.values, epilogue);
    return backend.makeTensorInfo(result.shape, 'float32', result.values);
  };

  const kernels: Record<string, KernelFunc> = {
    BatchMatMul: batchMatMul,
    _FusedMatMul: fusedMatMul,
    GatherV2: gatherKernel(addon, cpuKernel('GatherV2')),
    Softmax: softmaxKernel(addon, cpuKernel('Softmax')),
    ArgMax: argMaxKernel(addon, cpuKernel('ArgMax')),
    Select: selectKernel(addon, cpuKernel('Select')),
    Cast: castKernel(addon, cpuKernel('Cast')),
  };
  for (const [name, op] of Object.entries(REDUCE_OPS)) kernels[name] = reduceKernel(addon, op, cpuKernel(name));
  for (const [name, op] of Object.entries(UNARY_OPS)) kernels[name] = unaryKernel(addon, op, cpuKernel(name));
  for (const [name, op] of Object.entries(BINARY_OPS)) kernels[name] = binaryKernel(addon, op, cpuKernel(name));
  Object.assign(kernels, convKernels(addon, cpuKernel));
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({ kernelName, backendName, kernelFunc });
  }
  return Object.keys(kernels);
}
