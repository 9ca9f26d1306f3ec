// Convolutions and pooling through the addon: oneDNN's kernels or im2col +
// SGEMM (chosen in the addon) for conv2d and both of its gradients, C++ loops for max and average pooling
// and their gradients. Each kernel falls back to tfjs-backend-cpu's for what
// it does not handle (NCHW, a float32 tensor not stored as a Float32Array).
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { ConvGeometry, NativeAddon } from '../addon.js';
import { outputArray, valuesOf } from './storage.js';
import { applyEpilogue, epilogueOf } from './fused.js';

type KernelFunc = tf.KernelConfig['kernelFunc'];
type Info = tf.TensorInfo;
type Shape4 = [number, number, number, number];

function geometry(info: tf.backend_util.Conv2DInfo): ConvGeometry {
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    dilationHeight: info.dilationHeight,
    dilationWidth: info.dilationWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

const channelsLast = (dataFormat: unknown) => dataFormat === undefined || dataFormat === 'NHWC';
const hasPadding = (info: tf.backend_util.Conv2DInfo) => Boolean(info.padInfo.top || info.padInfo.bottom || info.padInfo.left || info.padInfo.right);
const emptyShape = (shape: readonly number[]) => shape.some((d) => d <= 0);

/** What distinguishes one window kernel: the inputs it reads, its geometry, its output, the addon call. */
interface WindowKernel {
  /** Names of the inputs whose Float32 storage the addon reads, in the order `run` takes them. */
  reads: string[];
  /** The geometry, or undefined for a case the addon does not take (the kernel falls back). */
  info(inputs: Record<string, Info>, attrs: Record<string, unknown>): tf.backend_util.Conv2DInfo | undefined;
  /** The output shape. */
  outShape(info: tf.backend_util.Conv2DInfo, inputs: Record<string, Info>, attrs: Record<string, unknown>): number[];
  run(arrays: Float32Array[], out: Float32Array, g: ConvGeometry): void;
  /** A fused kernel: bias and activation (inputs `bias`, `preluActivationWeights`; attrs `activation`, `leakyreluAlpha`) follow the run. */
  fused?: boolean;
}

/**
 * A kernel over NHWC windows (convolutions, pooling and their gradients)
 * that runs `spec` through the addon, or tfjs-cpu's kernel `name` for what
 * the addon does not take: another layout, a float32 tensor not stored as a
 * Float32Array, an empty shape, or the cases `spec.info` declines.
 */
function windowKernel(name: string, spec: WindowKernel, addon: NativeAddon, cpuKernel: (name: string) => KernelFunc): KernelFunc {
  return (args) => {
    const inputs = args.inputs as Record<string, Info>;
    const attrs = (args.attrs ?? {}) as Record<string, unknown>;
    const backend = args.backend as MathBackendCPU;
    const arrays = spec.reads.map((r) => valuesOf(backend, inputs[r]!));
    const info = arrays.every((a) => a) && channelsLast(attrs.dataFormat) ? spec.info(inputs, attrs) : undefined;
    if (!info) return cpuKernel(name)(args);
    const shape = spec.outShape(info, inputs, attrs);
    if (emptyShape(shape) || emptyShape(inputs[spec.reads[0]!]!.shape)) return cpuKernel(name)(args);
    const epilogue = spec.fused ? epilogueOf(backend, shape, inputs, attrs) : undefined;
    if (spec.fused && !epilogue) return cpuKernel(name)(args);
    const out = outputArray(backend, tf.util.sizeFromShape(shape));
    spec.run(arrays as Float32Array[], out, geometry(info));
    if (epilogue) applyEpilogue(addon, out, epilogue);
    return backend.makeTensorInfo(shape, 'float32', out);
  };
}

/** The native kernels of this file, each with its cpu fallback. */
export function convKernels(addon: NativeAddon, cpuKernel: (name: string) => KernelFunc): Record<string, KernelFunc> {
  type ConvAttrs = tf.Conv2DAttrs & { inputShape: Shape4; filterShape: Shape4 };
  const conv = (a: Record<string, unknown>, x: readonly number[], filter: readonly number[], dilations: tf.Conv2DAttrs['dilations']) => {
    const c = a as unknown as ConvAttrs;
    return tf.backend_util.computeConv2DInfo(x as Shape4, filter as Shape4, c.strides, dilations, c.pad, c.dimRoundingMode, false, 'channelsLast');
  };
  const pool = (a: Record<string, unknown>, x: readonly number[]) => {
    const p = a as unknown as tf.MaxPoolAttrs;
    return tf.backend_util.computePool2DInfo(x as Shape4, p.filterSize, p.strides, 1, p.pad, p.dimRoundingMode);
  };
  const conv2d: WindowKernel = {
    reads: ['x', 'filter'],
    info: (i, a) => conv(a, i.x!.shape, i.filter!.shape, (a as unknown as ConvAttrs).dilations),
    outShape: (info) => info.outShape,
    run: ([x, w], out, g) => addon.conv2d(x!, w!, out, g),
  };
  const specs: Record<string, WindowKernel> = {
    Conv2D: conv2d,
    // conv2d + bias + activation in one kernel (tfjs uses it for a linear
    // activation under gradients, for any activation in inference)
    FusedConv2D: { ...conv2d, fused: true },
    Conv2DBackpropInput: {
      reads: ['dy', 'filter'],
      info: (i, a) => conv(a, (a as unknown as ConvAttrs).inputShape, i.filter!.shape, 1),
      outShape: (_, __, a) => [...(a as unknown as ConvAttrs).inputShape],
      run: ([dy, w], dx, g) => addon.conv2dBackpropInput(dy!, w!, dx, g),
    },
    Conv2DBackpropFilter: {
      reads: ['x', 'dy'],
      info: (i, a) => conv(a, i.x!.shape, (a as unknown as ConvAttrs).filterShape, 1),
      outShape: (_, __, a) => [...(a as unknown as ConvAttrs).filterShape],
      run: ([x, dy], dw, g) => addon.conv2dBackpropFilter(x!, dy!, dw, g),
    },
    MaxPool: { reads: ['x'], info: (i, a) => pool(a, i.x!.shape), outShape: (info) => info.outShape, run: ([x], out, g) => addon.maxPool(x!, out, g) },
    MaxPoolGrad: { reads: ['input', 'dy'], info: (i, a) => pool(a, i.input!.shape), outShape: (_, i) => [...i.input!.shape], run: ([x, dy], dx, g) => addon.maxPoolGrad(x!, dy!, dx, g) },
    AvgPool: { reads: ['x'], info: (i, a) => pool(a, i.x!.shape), outShape: (info) => info.outShape, run: ([x], out, g) => addon.avgPool(x!, out, g) },
    // With padding, tfjs-cpu's average-pool gradient divides by the whole
    // window (see core's nn.avgPool2d); this backend must compute what cpu
    // computes, so padded cases fall back.
    AvgPoolGrad: {
      reads: ['dy'],
      info: (i, a) => {
        const info = pool(a, i.input!.shape);
        return hasPadding(info) ? undefined : info;
      },
      outShape: (_, i) => [...i.input!.shape],
      run: ([dy], dx, g) => addon.avgPoolGrad(dy!, dx, g),
    },
  };
  return Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, windowKernel(name, spec, addon, cpuKernel)]));
}
