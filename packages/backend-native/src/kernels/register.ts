import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon.js';
import { nativeMatMul, valuesOf } from './matmul.js';
import { convKernels } from './conv.js';
import { argMaxKernel, softmaxKernel } from './rows.js';
import { BINARY_OPS, binaryKernel, gatherKernel, REDUCE_OPS, reduceKernel, UNARY_OPS, unaryKernel } from './elementwise.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Inputs = Record<string, tf.TensorInfo>;

/** Activations the fused kernel applies natively after the matmul and bias. */
const activations: Record<string, ((v: Float32Array, alpha: number) => void) | undefined> = {
  linear: () => {},
  relu: (v) => {
    for (let i = 0; i < v.length; i++) if (v[i]! < 0) v[i] = 0;
  },
  relu6: (v) => {
    for (let i = 0; i < v.length; i++) v[i] = Math.min(6, Math.max(0, v[i]!));
  },
  leakyrelu: (v, alpha) => {
    for (let i = 0; i < v.length; i++) if (v[i]! < 0) v[i] = v[i]! * alpha;
  },
};

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
    const { a, b, bias, preluActivationWeights } = args.inputs as Inputs;
    const { transposeA, transposeB, activation, leakyreluAlpha } = args.attrs as { transposeA: boolean; transposeB: boolean; activation: string; leakyreluAlpha?: number };
    const backend = args.backend as MathBackendCPU;
    const apply = activations[activation];
    if (!apply || preluActivationWeights) return cpuFused(args);
    const result = nativeMatMul(addon, backend, a!, b!, transposeA, transposeB);
    if (!result) return cpuFused(args);
    const out = result.values;
    const n = result.shape[result.shape.length - 1]!;
    if (bias) {
      const bv = valuesOf(backend, bias);
      if (!bv || (bv.length !== n && bv.length !== 1)) return cpuFused(args);
      if (bv.length === 1) for (let i = 0; i < out.length; i++) out[i]! += bv[0]!;
      else for (let i = 0; i < out.length; i += n) for (let j = 0; j < n; j++) out[i + j]! += bv[j]!;
    }
    apply(out, leakyreluAlpha ?? 0.2);
    return backend.makeTensorInfo(result.shape, 'float32', out);
  };

  const kernels: Record<string, KernelFunc> = {
    BatchMatMul: batchMatMul,
    _FusedMatMul: fusedMatMul,
    GatherV2: gatherKernel(addon, cpuKernel('GatherV2')),
    Softmax: softmaxKernel(addon, cpuKernel('Softmax')),
    ArgMax: argMaxKernel(addon, cpuKernel('ArgMax')),
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
