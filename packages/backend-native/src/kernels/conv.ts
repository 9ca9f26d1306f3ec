// Convolutions and max pooling through the addon: im2col + OpenBLAS SGEMM for
// conv2d and both of its gradients, C++ loops for max pooling and its
// gradient. Each kernel falls back to tfjs-backend-cpu's for what it does not
// handle (NCHW, a float32 tensor not stored as a Float32Array).
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { ConvGeometry, NativeAddon } from '../addon.js';
import { valuesOf } from './matmul.js';
import { outputArray } from './output.js';

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
const empty = (g: ConvGeometry) => Object.values(g).some((v, i) => v <= 0 && i < 13);

/** The native kernels of this file, each with its cpu fallback. */
export function convKernels(addon: NativeAddon, cpuKernel: (name: string) => KernelFunc): Record<string, KernelFunc> {
  const cpu = (name: string) => cpuKernel(name);

  const conv2d: KernelFunc = (args) => {
    const { x, filter } = args.inputs as { x: Info; filter: Info };
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as tf.Conv2DAttrs;
    const backend = args.backend as MathBackendCPU;
    const xv = valuesOf(backend, x);
    const fv = valuesOf(backend, filter);
    if (!xv || !fv || !channelsLast(dataFormat)) return cpu('Conv2D')(args);
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filter.shape as Shape4, strides, dilations, pad, dimRoundingMode, false, 'channelsLast');
    const g = geometry(info);
    if (empty(g)) return cpu('Conv2D')(args);
    const out = outputArray(backend, tf.util.sizeFromShape(info.outShape));
    addon.conv2d(xv, fv, out, g);
    return backend.makeTensorInfo(info.outShape, 'float32', out);
  };

  const backpropInput: KernelFunc = (args) => {
    const { dy, filter } = args.inputs as { dy: Info; filter: Info };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const backend = args.backend as MathBackendCPU;
    const dyv = valuesOf(backend, dy);
    const fv = valuesOf(backend, filter);
    if (!dyv || !fv || !channelsLast(dataFormat)) return cpu('Conv2DBackpropInput')(args);
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const g = geometry(info);
    if (empty(g)) return cpu('Conv2DBackpropInput')(args);
    const dx = outputArray(backend, tf.util.sizeFromShape(inputShape));
    addon.conv2dBackpropInput(dyv, fv, dx, g);
    return backend.makeTensorInfo(inputShape, 'float32', dx);
  };

  const backpropFilter: KernelFunc = (args) => {
    const { x, dy } = args.inputs as { x: Info; dy: Info };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    const backend = args.backend as MathBackendCPU;
    const xv = valuesOf(backend, x);
    const dyv = valuesOf(backend, dy);
    if (!xv || !dyv || !channelsLast(dataFormat)) return cpu('Conv2DBackpropFilter')(args);
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const g = geometry(info);
    if (empty(g)) return cpu('Conv2DBackpropFilter')(args);
    const dw = outputArray(backend, tf.util.sizeFromShape(filterShape));
    addon.conv2dBackpropFilter(xv, dyv, dw, g);
    return backend.makeTensorInfo(filterShape, 'float32', dw);
  };

  // Pooling kernels differ only in which tensors they read, what they write
  // and when they fall back; `pool` holds the rest.
  type PoolAttrs = tf.MaxPoolAttrs | tf.AvgPoolAttrs;
  const pool =
    (name: string, spec: { shapeOf: 'x' | 'input'; reads: Array<'x' | 'input' | 'dy'>; writesInput: boolean; paddedOk: boolean; run: (arrays: Float32Array[], out: Float32Array, g: ConvGeometry) => void }): KernelFunc =>
    (args) => {
      const inputs = args.inputs as Record<string, Info>;
      const backend = args.backend as MathBackendCPU;
      const arrays = spec.reads.map((r) => valuesOf(backend, inputs[r]!));
      const shaped = inputs[spec.shapeOf]!;
      const attrs = args.attrs as unknown as PoolAttrs;
      const info = tf.backend_util.computePool2DInfo(shaped.shape as Shape4, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
      const g = geometry(info);
      const padded = info.padInfo.top || info.padInfo.bottom || info.padInfo.left || info.padInfo.right;
      if (arrays.some((a) => !a) || empty(g) || (padded && !spec.paddedOk)) return cpu(name)(args);
      const shape = spec.writesInput ? shaped.shape : info.outShape;
      const out = outputArray(backend, tf.util.sizeFromShape(shape));
      spec.run(arrays as Float32Array[], out, g);
      return backend.makeTensorInfo(shape, 'float32', out);
    };

  const maxPool = pool('MaxPool', { shapeOf: 'x', reads: ['x'], writesInput: false, paddedOk: true, run: ([x], out, g) => addon.maxPool(x!, out, g) });
  const maxPoolGrad = pool('MaxPoolGrad', { shapeOf: 'input', reads: ['input', 'dy'], writesInput: true, paddedOk: true, run: ([x, dy], dx, g) => addon.maxPoolGrad(x!, dy!, dx, g) });
  const avgPool = pool('AvgPool', { shapeOf: 'x', reads: ['x'], writesInput: false, paddedOk: true, run: ([x], out, g) => addon.avgPool(x!, out, g) });
  // With padding, tfjs-cpu's average-pool gradient divides by the whole window
  // (see core's nn.avgPool2d); this backend must compute what cpu computes,
  // so padded cases fall back.
  const avgPoolGrad = pool('AvgPoolGrad', { shapeOf: 'input', reads: ['dy'], writesInput: true, paddedOk: false, run: ([dy], dx, g) => addon.avgPoolGrad(dy!, dx, g) });

  return { Conv2D: conv2d, Conv2DBackpropInput: backpropInput, Conv2DBackpropFilter: backpropFilter, MaxPool: maxPool, MaxPoolGrad: maxPoolGrad, AvgPool: avgPool, AvgPoolGrad: avgPoolGrad };
}
