// Kernels over the last axis, row by row: Softmax and ArgMax.
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon.js';
import { outputArray, valuesOf } from './storage.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Inputs = Record<string, tf.TensorInfo>;

/** The last axis's length, or undefined when `axis` is another axis or the tensor is empty. */
function lastAxis(shape: readonly number[], axis: number): number | undefined {
  const rank = shape.length;
  if (rank === 0 || (axis !== -1 && axis !== rank - 1) || shape.some((d) => d === 0)) return undefined;
  return shape[rank - 1]!;
}

/** Softmax over the last axis natively (tfjs supports no other); other cases fall back. */
export function softmaxKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { logits } = args.inputs as Inputs;
    const { dim } = args.attrs as { dim: number };
    const backend = args.backend as MathBackendCPU;
    const xv = valuesOf(backend, logits!);
    const cols = lastAxis(logits!.shape, dim);
    if (!xv || cols === undefined) return fallback(args);
    const out = outputArray(backend, xv.length);
    addon.softmaxRows(xv, cols, out);
    return backend.makeTensorInfo(logits!.shape, 'float32', out);
  };
}

/** ArgMax over the last axis natively (accuracy, predictions); other axes fall back. */
export function argMaxKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as Inputs;
    const { axis } = args.attrs as { axis: number | number[] };
    const backend = args.backend as MathBackendCPU;
    const xv = valuesOf(backend, x!);
    const cols = lastAxis(x!.shape, Array.isArray(axis) ? (axis.length === 1 ? axis[0]! : NaN) : axis);
    if (!xv || cols === undefined) return fallback(args);
    const out = new Int32Array(xv.length / cols);
    addon.argMaxRows(xv, cols, out);
    return backend.makeTensorInfo(x!.shape.slice(0, -1), 'int32', out);
  };
}
