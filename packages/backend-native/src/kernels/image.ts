import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { NativeAddon } from '../addon.js';
import { outputArray, valuesOf } from './storage.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Inputs = Record<string, tf.TensorInfo | undefined>;

const FILL_MODES: Record<string, number> = { constant: 0, reflect: 1, wrap: 2, nearest: 3 };

/**
 * tf.image.transform natively for float32 NHWC images at their own size,
 * every image of the batch (tfjs-cpu 4.22's kernel returns after the first
 * and leaves the rest at the fill value); other cases fall back.
 */
export function transformKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { image, transforms } = args.inputs as Inputs;
    const { interpolation, fillMode, fillValue, outputShape } = args.attrs as { interpolation: string; fillMode: string; fillValue: number; outputShape?: [number, number] | null };
    const backend = args.backend as MathBackendCPU;
    const xv = valuesOf(backend, image!);
    const rows = valuesOf(backend, transforms!);
    const [n, h, w, c] = image!.shape as [number, number, number, number];
    const sameSize = outputShape == null || (outputShape[0] === h && outputShape[1] === w);
    if (!xv || !rows || !sameSize || !(fillMode in FILL_MODES) || (interpolation !== 'bilinear' && interpolation !== 'nearest') || xv.length === 0) return fallback(args);
    const out = outputArray(backend, xv.length);
    addon.transform(xv, n, h, w, c, rows, transforms!.shape[0] !== 1, interpolation === 'nearest' ? 1 : 0, FILL_MODES[fillMode]!, fillValue, out);
    return backend.makeTensorInfo(image!.shape, 'float32', out);
  };
}

/** tf.reverse of float32 along one axis natively; several axes fall back. */
export function reverseKernel(addon: NativeAddon, fallback: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as Inputs;
    const { dims } = args.attrs as { dims: number | number[] };
    const backend = args.backend as MathBackendCPU;
    const xv = valuesOf(backend, x!);
    const axes = tf.util.parseAxisParam(dims, x!.shape);
    if (!xv || axes.length !== 1 || xv.length === 0) return fallback(args);
    const axis = axes[0]!;
    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const out = outputArray(backend, xv.length);
    addon.reverseAxis(xv, size(x!.shape.slice(0, axis)), x!.shape[axis]!, size(x!.shape.slice(axis + 1)), out);
    return backend.makeTensorInfo(x!.shape, 'float32', out);
  };
}
