// The convolution gradients tfjs-backend-wasm lacks, composed of the kernels
// it has (XNNPACK convolutions, transposes, pads), so the arithmetic runs in
// wasm SIMD and nothing is copied off the wasm heap.
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { composed, type KernelScope } from './compose.js';

type Info = tf.TensorInfo;
type ConvInfo = tf.backend_util.Conv2DInfo;

function requireChannelsLast(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC') {
    throw new Error(`@tikhonov/backend-wasm ${kernel}: dataFormat '${String(dataFormat)}' is not supported; wasm convolutions take 'NHWC' (channels last)`);
  }
}

/**
 * Bottom/right padding that makes a correlation of a length-`length` input,
 * padded by `before`, with `taps` taps `tapStep` apart, at `outStride`,
 * produce at least `wanted` outputs. Negative means crop.
 */
function afterPad(length: number, before: number, taps: number, tapStep: number, wanted: number, outStride: number): number {
  return (wanted - 1) * outStride + (taps - 1) * tapStep + 1 - length - before;
}

/**
 * dW[kh, kw, ci, co] = Σ_{b, oh, ow} x[b, oh·s + kh·d − pad, ow·s + kw·d − pad, ci] · dy[b, oh, ow, co].
 *
 * That is itself a convolution with the batch as the contracted channel axis:
 * x as [ci, h, w, b] is the input, dy as [oh, ow, b, co] is the filter, the
 * forward stride becomes the dilation and the forward dilation the stride.
 * The result [ci, kh, kw, co] is transposed into the filter's layout.
 */
function conv2dBackpropFilter(scope: KernelScope, x: Info, dy: Info, info: ConvInfo): Info {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  const xT = scope.transpose(x, [3, 1, 2, 0]);
  const dyT = scope.transpose(dy, [1, 2, 0, 3]);
  const bottom = afterPad(info.inHeight, top, info.outHeight, sh, kh, dh);
  const right = afterPad(info.inWidth, left, info.outWidth, sw, kw, dw);
  // the padding goes into the conv (explicit, ≥ 0); a negative amount is a crop first
  const cropped = scope.padOrCrop(xT, [[0, 0], [Math.min(0, top), Math.min(0, bottom)], [Math.min(0, left), Math.min(0, right)], [0, 0]]);
  const pad = [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]];
  const g = scope.run('Conv2D', { x: cropped, filter: dyT }, { strides: [dh, dw], dilations: [sh, sw], pad, dataFormat: 'NHWC' });
  return scope.transpose(scope.take(g, [info.inChannels, kh, kw, info.outChannels]), [1, 2, 0, 3]);
}

/** Kernel: `Conv2DBackpropFilter` (the filter gradient of conv2d). */
export function conv2dBackpropFilterKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info {
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  requireChannelsLast('Conv2DBackpropFilter', dataFormat);
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  return composed(args.backend as BackendWasm, (scope) => conv2dBackpropFilter(scope, x, dy, info));
}

/**
 * dW[kh, kw, c, q] = Σ_{b, oh, ow} x[b, oh·s + kh·d − pad, ·, c] · dy[b, oh, ow, c·m + q].
 *
 * A depthwise convolution contracts no channels, so the batch is folded into
 * the channels (x as [1, h, w, b·c], dy as the [oh, ow, b·c, m] filter), the
 * strides and dilations swap as above, and the batch is summed afterwards.
 */
function depthwiseBackpropFilter(scope: KernelScope, x: Info, dy: Info, info: ConvInfo): Info {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const m = info.outChannels / c;
  const [b, h, w] = x.shape as [number, number, number, number];
  const { top, left } = info.padInfo;
  const xr = scope.reshape(scope.transpose(x, [1, 2, 0, 3]), [1, h, w, b * c]);
  const dyr = scope.reshape(scope.transpose(scope.reshape(dy, [b, oh, ow, c, m]), [1, 2, 0, 3, 4]), [oh, ow, b * c, m]);
  const bottom = afterPad(h, top, oh, sh, kh, dh);
  const right = afterPad(w, left, ow, sw, kw, dw);
  const cropped = scope.padOrCrop(xr, [[0, 0], [Math.min(0, top), Math.min(0, bottom)], [Math.min(0, left), Math.min(0, right)], [0, 0]]);
  const pad = [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]];
  const g = scope.run('DepthwiseConv2dNative', { x: cropped, filter: dyr }, { strides: [dh, dw], dilations: [sh, sw], pad, dataFormat: 'NHWC' });
  const perBatch = scope.reshape(scope.take(g, [1, kh, kw, b * c * m]), [kh, kw, b, c * m]);
  return scope.reshape(scope.run('Sum', { x: perBatch }, { axis: [2], keepDims: false }), [kh, kw, c, m]);
}

/** Kernel: `DepthwiseConv2dNativeBackpropFilter`. */
export function depthwiseBackpropFilterKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info {
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const { strides, dilations, pad, dimRoundingMode, filterShape } = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, dilations, pad, dimRoundingMode, true);
  return composed(args.backend as BackendWasm, (scope) => depthwiseBackpropFilter(scope, x, dy, info));
}

/**
 * The output gradient dy laid out for a stride-1 correlation with the flipped
 * filter that yields the input gradient: spread by the stride (each value
 * followed by stride − 1 zeros) and padded so that output (h, w) sees
 * dy[(h + pad − kh·d)/s] at tap kh (negative padding crops).
 */
function spreadAndPad(scope: KernelScope, dy: Info, info: ConvInfo): Info {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, outHeight: oh, outWidth: ow, inHeight: h, inWidth: w, batchSize: b } = info;
  const channels = dy.shape[3]!;
  let u = dy;
  if (sh > 1 || sw > 1) {
    const spread = scope.padOrCrop(scope.reshape(dy, [b, oh, 1, ow, 1, channels]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
    u = scope.reshape(spread, [b, oh * sh, ow * sw, channels]);
  }
  const top = (kh - 1) * dh - info.padInfo.top;
  const left = (kw - 1) * dw - info.padInfo.left;
  return scope.padOrCrop(u, [[0, 0], [top, afterPad(u.shape[1]!, top, h, 1, kh, dh)], [left, afterPad(u.shape[2]!, left, w, 1, kw, dw)], [0, 0]]);
}

/**
 * dx[b, h, w, ci] = Σ_{kh, kw, co} u[b, h + pad − kh·d, w + pad − kw·d, co] · W[kh, kw, ci, co],
 * u = dy spread by the stride: a stride-1 convolution of the spread, padded
 * dy with the filter flipped in space and its channel axes swapped.
 */
function conv2dBackpropInput(scope: KernelScope, dy: Info, filter: Info, info: ConvInfo): Info {
  const flipped = scope.transpose(scope.run('Reverse', { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]);
  const g = scope.run('Conv2D', { x: spreadAndPad(scope, dy, info), filter: flipped }, { strides: [1, 1], dilations: [info.dilationHeight, info.dilationWidth], pad: 'valid', dataFormat: 'NHWC' });
  return scope.take(g, [info.batchSize, info.inHeight, info.inWidth, info.inChannels]);
}

/**
 * Kernel: `Conv2DBackpropInput` (the input gradient of conv2d, and conv2dTranspose).
 * wasm has one, but it is a plain loop ≈ 10× slower than XNNPACK's convolution
 * (200 ms of a 350 ms CNN step here), so it is replaced by the composition.
 */
export function conv2dBackpropInputKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info {
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  requireChannelsLast('Conv2DBackpropInput', dataFormat);
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  return composed(args.backend as BackendWasm, (scope) => conv2dBackpropInput(scope, dy, filter, info));
}

/**
 * dx[b, h, w, c] = Σ_{kh, q} u[b, h + pad − kh·d, ·, c·m + q] · W[kh, ·, c, q]:
 * a stride-1 depthwise correlation of the spread, padded dy with the flipped
 * filter (multiplier 1 over the c·m channels), then the m copies summed.
 */
function depthwiseBackpropInput(scope: KernelScope, dy: Info, filter: Info, info: ConvInfo): Info {
  const { filterHeight: kh, filterWidth: kw, inChannels: c, inHeight: h, inWidth: w, batchSize: b } = info;
  const m = info.outChannels / c;
  const flipped = scope.reshape(scope.run('Reverse', { x: filter }, { dims: [0, 1] }), [kh, kw, c * m, 1]);
  const g = scope.run('DepthwiseConv2dNative', { x: spreadAndPad(scope, dy, info), filter: flipped }, { strides: [1, 1], dilations: [info.dilationHeight, info.dilationWidth], pad: 'valid', dataFormat: 'NHWC' });
  const dx = scope.take(g, [b, h, w, c * m]);
  if (m === 1) return dx;
  return scope.run('Sum', { x: scope.reshape(dx, [b, h, w, c, m]) }, { axis: [4], keepDims: false });
}

/** Kernel: `DepthwiseConv2dNativeBackpropInput`. */
export function depthwiseBackpropInputKernel(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info {
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const { strides, dilations, pad, dimRoundingMode, inputShape } = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as [number, number, number, number], strides, dilations, pad, dimRoundingMode, true);
  return composed(args.backend as BackendWasm, (scope) => depthwiseBackpropInput(scope, dy, filter, info));
}
