import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon.js';
import { outputArray, valuesOf } from './storage.js';
import { applyEpilogue, epilogueOf } from './fused.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Inputs = Record<string, tf.TensorInfo>;

/**
 * op(a)·op(b) for rank ≥ 2 tensors with equal or broadcast (size-1) batch
 * dimensions, through OpenBLAS SGEMM. Returns undefined when the case is not
 * handled natively (int32 data, partial batch broadcasting), so the caller
 * falls back to tfjs-backend-cpu's kernel.
 */
export function nativeMatMul(addon: NativeAddon, backend: MathBackendCPU, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean): { values: Float32Array; shape: number[] } | undefined {
  const av = valuesOf(backend, a);
  const bv = valuesOf(backend, b);
  if (!av || !bv || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const ra = a.shape.length;
  const rb = b.shape.length;
  const m = transposeA ? a.shape[ra - 1]! : a.shape[ra - 2]!;
  const k = transposeA ? a.shape[ra - 2]! : a.shape[ra - 1]!;
  const kb = transposeB ? b.shape[rb - 1]! : b.shape[rb - 2]!;
  const n = transposeB ? b.shape[rb - 2]! : b.shape[rb - 1]!;
  if (k !== kb) throw new Error(`Error in matMul: inner shapes (${k}) and (${kb}) of Tensors with shapes ${a.shape} and ${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`);
  const batchDimsA = a.shape.slice(0, -2);
  const batchDimsB = b.shape.slice(0, -2);
  const batchA = batchDimsA.reduce((x, y) => x * y, 1);
  const batchB = batchDimsB.reduce((x, y) => x * y, 1);
  let outBatchDims: number[];
  if (batchA === batchB && batchDimsA.join(',') === batchDimsB.join(',')) outBatchDims = batchDimsA;
  else if (batchA === 1) outBatchDims = batchDimsB;
  else if (batchB === 1) outBatchDims = batchDimsA;
  else return undefined;
  const batch = Math.max(batchA, batchB);
  if (m === 0 || n === 0 || k === 0 || batch === 0) return undefined;
  const out = outputArray(backend, batch * m * n);
  addon.gemmBatched(av, bv, out, batch, m, n, k, transposeA, transposeB, batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n);
  return { values: out, shape: [...outBatchDims, m, n] };
}

/**
 * BatchMatMul or _FusedMatMul natively: the product, then (fused) bias and
 * activation in one pass; `fallback` (tfjs-cpu's kernel) for the rest. A
 * BatchMatMul has no bias or activation, so its epilogue does nothing.
 */
export function matMulKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as Inputs;
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const backend = args.backend as MathBackendCPU;
    // (in the rare fallback after a native product, for an activation the
    // addon lacks, that product is wasted: cheaper than predicting the shape twice)
    const result = nativeMatMul(addon, backend, a!, b!, transposeA, transposeB);
    const epilogue = result && epilogueOf(backend, result.shape, args.inputs as Inputs, args.attrs as Record<string, unknown>);
    if (!result || !epilogue) return fallback(args);
    applyEpilogue(addon, result.values, epilogue);
    return backend.makeTensorInfo(result.shape, 'float32', result.values);
  };
}
