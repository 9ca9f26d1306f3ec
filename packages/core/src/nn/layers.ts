import * as tf from '@tensorflow/tfjs-core';
import { activate, activationNames, type ActivationName } from './activations.js';
import type { InitializerName } from './init.js';
import { single, singleShape, type Module } from './module.js';
import type { Shape } from './types.js';
import { OptionError, ModelError } from '../errors.js';
import { checkKeys } from '../options.js';
import { fusedDense, fusedDenseApplies } from '../fused-dense.js';
import { fusedConv, fusedConvApplies } from '../fused-conv.js';

function checkPositiveInt(who: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new OptionError(who, option, value, 'must be a positive integer');
  }
  return value;
}

function checkActivation(who: string, value: ActivationName | undefined): ActivationName {
  const name = value ?? 'linear';
  if (!activationNames.includes(name)) {
    throw new OptionError(who, 'activation', name, `use one of ${activationNames.join(', ')}`);
  }
  return name;
}

/**
 * Whether a layer runs tfjs's fused kernel (product + bias + activation):
 * outside gradient recording (inference) only, for the activations tfjs and
 * the backends fuse. Under a tape tfjs fuses only a linear activation, and
 * its fused gradient computes the input's gradient even where nothing needs
 * it (a first layer), so training runs the unfused ops.
 */
function fuseHere(act: ActivationName): act is 'linear' | 'relu' {
  return tf.engine().state.gradientDepth === 0 && (act === 'linear' || act === 'relu');
}

/** Options of {@link dense}. */
export interface DenseOptions {
  activation?: ActivationName;
  useBias?: boolean;
  /** Default `glorotUniform` (Keras), `heNormal` when the activation is relu. */
  kernelInitializer?: InitializerName;
  name?: string;
}

/** Fully connected layer y = act(x·W + b); W has shape [in, units] and role `weight`. */
export function dense(units: number, options: DenseOptions = {}): Module {
  checkKeys('nn.dense', options, ['activation', 'useBias', 'kernelInitializer', 'name']);
  checkPositiveInt('nn.dense', 'units', units);
  const act = checkActivation('nn.dense', options.activation);
  const useBias = options.useBias ?? true;
  const kernelInit = options.kernelInitializer ?? (act === 'relu' ? 'heNormal' : 'glorotUniform');
  const self: Module = {
    kind: 'dense',
    name: options.name,
    emitsSite: act !== 'linear',
    config: { units, activation: act, useBias },
    init(inputShape, scope) {
      const shape = singleShape(inputShape, 'nn.dense');
      if (shape.length !== 1) {
        throw new ModelError(`nn.dense '${scope.nameOf(self)}' expects inputs of shape [features], got [${shape.join(', ')}]; put nn.flatten() before it`);
      }
      scope.param(self, 'kernel', { shape: [shape[0]!, units], role: 'weight', init: kernelInit, fanInAxes: [0] });
      if (useBias) scope.param(self, 'bias', { shape: [units], role: 'bias', init: 'zeros', fanInAxes: [] });
      return [units];
    },
    apply(x, scope) {
      const input = single(x, 'nn.dense');
      if (scope.dense && input.rank === 2) {
        // plugins wrap the product (local reparameterisation): it reads the params inside, then the activation follows
        const product = () => {
          const y = tf.matMul(input, scope.param(self, 'kernel'));
          return useBias ? tf.add(y, scope.param(self, 'bias')) : y;
        };
        return activate(act, scope.dense(self, input, product));
      }
      const kernel = scope.param(self, 'kernel');
      const bias = useBias ? scope.param(self, 'bias') : undefined;
      // see fuseHere; under a tape the fused matmul also added reshapes
      // (the MLP step dispatched 112 kernels to a plain loop's 92)
      if (fuseHere(act) && input.rank === 2) {
        return tf.fused.matMul({ a: input as tf.Tensor2D, b: kernel as tf.Tensor2D, bias, activation: act });
      }
      // under a tape: a backend's fused dense kernel, whose gradient core registers input by input
      if (fusedDenseApplies(input, act) && kernel.dtype === 'float32') return fusedDense(input, kernel, bias, act);
      let y = tf.matMul(input, kernel);
      if (bias) y = tf.add(y, bias);
      return activate(act, y);
    },
  };
  return self;
}

/** Options of {@link conv2d}. */
export interface Conv2dOptions {
  strides?: number;
  padding?: 'same' | 'valid';
  dilation?: number;
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerName;
  name?: string;
}

function convOut(size: number, k: number, stride: number, padding: 'same' | 'valid', dilation = 1): number {
  const effective = (k - 1) * dilation + 1;
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - effective) / stride) + 1;
}

/** 2-D convolution over NHWC inputs; kernel [kh, kw, in, filters], one unit's fan-in is axes [0, 1, 2]. */
export function conv2d(filters: number, kernelSize: number | [number, number], options: Conv2dOptions = {}): Module {
  checkKeys('nn.conv2d', options, ['strides', 'padding', 'dilation', 'activation', 'useBias', 'kernelInitializer', 'name']);
  checkPositiveInt('nn.conv2d', 'filters', filters);
  if (typeof kernelSize !== 'number' && !(Array.isArray(kernelSize) && kernelSize.length === 2)) {
    throw new OptionError('nn.conv2d', 'kernelSize', kernelSize, 'must be a positive integer or [height, width]');
  }
  const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
  checkPositiveInt('nn.conv2d', 'kernelSize', kh);
  checkPositiveInt('nn.conv2d', 'kernelSize', kw);
  const strides = checkPositiveInt('nn.conv2d', 'strides', options.strides ?? 1);
  const dilation = checkPositiveInt('nn.conv2d', 'dilation', options.dilation ?? 1);
  const padding = options.padding ?? 'valid';
  if (padding !== 'same' && padding !== 'valid') throw new OptionError('nn.conv2d', 'padding', padding, "use 'same' or 'valid'");
  const act = checkActivation('nn.conv2d', options.activation);
  const useBias = options.useBias ?? true;
  const kernelInit = options.kernelInitializer ?? (act === 'relu' ? 'heNormal' : 'glorotUniform');
  const self: Module = {
    kind: 'conv2d',
    name: options.name,
    emitsSite: act !== 'linear',
    config: { filters, kernelSize: [kh, kw], strides, padding, dilation, activation: act, useBias },
    init(inputShape, scope) {
      const shape = singleShape(inputShape, 'nn.conv2d');
      if (shape.length !== 3) throw new ModelError(`nn.conv2d '${scope.nameOf(self)}' expects inputs [height, width, channels], got [${shape.join(', ')}]`);
      const [h, w, c] = shape as [number, number, number];
      scope.param(self, 'kernel', { shape: [kh, kw, c, filters], role: 'weight', init: kernelInit, fanInAxes: [0, 1, 2] });
      if (useBias) scope.param(self, 'bias', { shape: [filters], role: 'bias', init: 'zeros', fanInAxes: [] });
      const oh = convOut(h, kh, strides, padding, dilation);
      const ow = convOut(w, kw, strides, padding, dilation);
      if (oh <= 0 || ow <= 0) throw new ModelError(`nn.conv2d '${scope.nameOf(self)}': input ${h}×${w} is smaller than the kernel ${kh}×${kw}`);
      return [oh, ow, filters];
    },
    apply(x, scope) {
      const input = single(x, 'nn.conv2d') as tf.Tensor4D;
      const kernel = scope.param(self, 'kernel') as tf.Tensor4D;
      // see fuseHere; under a tape the fused conv's input gradient cost a
      // first layer +3 ms of a 20 ms CNN step on the native backend
      if (fuseHere(act) && dilation === 1) {
        const bias = useBias ? scope.param(self, 'bias') : undefined;
        return tf.fused.conv2d({ x: input, filter: kernel, strides, pad: padding, dataFormat: 'NHWC', bias, activation: act });
      }
      // under a tape: a backend's fused convolution, whose gradient core registers input by input
      if (fusedConvApplies(input, act, dilation) && kernel.dtype === 'float32') return fusedConv(input, kernel, useBias ? scope.param(self, 'bias') : undefined, strides, padding, act);
      let y: tf.Tensor = tf.conv2d(input, kernel, strides, padding, 'NHWC', dilation);
      if (useBias) y = tf.add(y, scope.param(self, 'bias'));
      return activate(act, y);
    },
  };
  return self;
}

/** Options of the pooling layers. */
export interface PoolOptions {
  strides?: number;
  padding?: 'same' | 'valid';
  name?: string;
}

function pool(kind: 'maxPool2d' | 'avgPool2d', poolSize: number, options: PoolOptions): Module {
  checkKeys(`nn.${kind}`, options, ['strides', 'padding', 'name']);
  checkPositiveInt(`nn.${kind}`, 'poolSize', poolSize);
  const strides = checkPositiveInt(`nn.${kind}`, 'strides', options.strides ?? poolSize);
  const padding = options.padding ?? 'valid';
  return {
    kind,
    name: options.name,
    config: { poolSize, strides, padding },
    init(inputShape) {
      const shape = singleShape(inputShape, `nn.${kind}`);
      if (shape.length !== 3) throw new ModelError(`nn.${kind} expects inputs [height, width, channels], got [${shape.join(', ')}]`);
      return [convOut(shape[0]!, poolSize, strides, padding), convOut(shape[1]!, poolSize, strides, padding), shape[2]!];
    },
    apply(x) {
      const input = single(x, `nn.${kind}`) as tf.Tensor4D;
      if (kind === 'maxPool2d') return tf.maxPool(input, poolSize, strides, padding);
      return padding === 'same' ? averageSamePadded(input, poolSize, strides) : tf.avgPool(input, poolSize, strides, 'valid');
    },
  };
}

/**
 * Average pooling with 'same' padding: each window's mean over the pixels
 * inside the input (the padding is not counted), as tf.avgPool computes it —
 * but with the right gradient. tfjs 4.22's AvgPool gradient divides by the
 * full window size even where the window hangs over the padding, so at the
 * borders it is too small (e.g. by 4/9 at a 3×3 corner; tested against
 * central differences). Here the window sums come from a 'valid' average of
 * the zero-padded input (whose gradient tfjs gets right) and are divided by
 * the in-bounds counts, a constant.
 */
function averageSamePadded(input: tf.Tensor4D, poolSize: number, strides: number): tf.Tensor {
  const info = tf.backend_util.computePool2DInfo(input.shape, poolSize, strides, 1, 'same');
  const { top, bottom, left, right } = info.padInfo;
  const padded = tf.pad(input, [[0, 0], [top, bottom], [left, right], [0, 0]]);
  const sums = tf.mul(tf.avgPool(padded, poolSize, strides, 'valid'), poolSize * poolSize);
  const inside = (start: number, size: number) => Math.min(start + poolSize, size) - Math.max(start, 0);
  const counts = new Float32Array(info.outHeight * info.outWidth);
  for (let oh = 0; oh < info.outHeight; oh++) {
    for (let ow = 0; ow < info.outWidth; ow++) counts[oh * info.outWidth + ow] = inside(oh * strides - top, info.inHeight) * inside(ow * strides - left, info.inWidth);
  }
  return tf.div(sums, tf.tensor4d(counts, [1, info.outHeight, info.outWidth, 1]));
}

/** Max pooling over NHWC inputs; strides default to the pool size. */
export const maxPool2d = (poolSize = 2, options: PoolOptions = {}): Module => pool('maxPool2d', poolSize, options);
/** Average pooling over NHWC inputs; strides default to the pool size. */
export const avgPool2d = (poolSize = 2, options: PoolOptions = {}): Module => pool('avgPool2d', poolSize, options);

/** Flattens each example to one axis. */
export function flatten(options: { name?: string } = {}): Module {
  checkKeys('nn.flatten', options, ['name']);
  return {
    kind: 'flatten',
    name: options.name,
    config: {},
    init: (inputShape) => [singleShape(inputShape, 'nn.flatten').reduce((a, b) => a * b, 1)],
    apply(x) {
      const t = single(x, 'nn.flatten');
      return tf.reshape(t, [t.shape[0]!, -1]);
    },
  };
}

/** Options of {@link batchNorm}. */
export interface BatchNormOptions {
  /** Weight of the old value in the moving averages (Keras convention). Default 0.99. */
  momentum?: number;
  epsilon?: number;
  name?: string;
}

/**
 * Batch normalisation over the last axis. Training uses batch statistics and
 * updates the moving mean and variance (role `state`, not trainable) after
 * the optimizer step; inference uses the moving statistics.
 */
export function batchNorm(options: BatchNormOptions = {}): Module {
  checkKeys('nn.batchNorm', options, ['momentum', 'epsilon', 'name']);
  const momentum = options.momentum ?? 0.99;
  const epsilon = options.epsilon ?? 1e-3;
  if (!(momentum >= 0 && momentum < 1)) throw new OptionError('nn.batchNorm', 'momentum', momentum, 'must be in [0, 1)');
  if (!(epsilon > 0)) throw new OptionError('nn.batchNorm', 'epsilon', epsilon, 'must be > 0');
  const self: Module = {
    kind: 'batchNorm',
    name: options.name,
    config: { momentum, epsilon },
    init(inputShape, scope) {
      const shape = singleShape(inputShape, 'nn.batchNorm');
      const c = shape[shape.length - 1]!;
      scope.param(self, 'gamma', { shape: [c], role: 'scale', init: 'ones', fanInAxes: [] });
      scope.param(self, 'beta', { shape: [c], role: 'bias', init: 'zeros', fanInAxes: [] });
      scope.param(self, 'movingMean', { shape: [c], role: 'state', init: 'zeros', fanInAxes: [], trainable: false });
      scope.param(self, 'movingVariance', { shape: [c], role: 'state', init: 'ones', fanInAxes: [], trainable: false });
      return shape;
    },
    apply(x, scope) {
      const input = single(x, 'nn.batchNorm');
      const gamma = scope.param(self, 'gamma');
      const beta = scope.param(self, 'beta');
      if (!scope.training) {
        return tf.batchNorm(input, scope.param(self, 'movingMean'), scope.param(self, 'movingVariance'), beta, gamma, epsilon);
      }
      const axes = input.shape.map((_, i) => i).slice(0, -1);
      const { mean, variance } = tf.moments(input, axes);
      scope.observeMoments(self, { mean: 'movingMean', variance: 'movingVariance' }, { mean, variance, count: input.size / c(input) });
      const movingMean = scope.param(self, 'movingMean');
      const movingVariance = scope.param(self, 'movingVariance');
      scope.updateState(self, 'movingMean', tf.add(tf.mul(movingMean, momentum), tf.mul(mean, 1 - momentum)));
      scope.updateState(self, 'movingVariance', tf.add(tf.mul(movingVariance, momentum), tf.mul(variance, 1 - momentum)));
      return tf.batchNorm(input, mean, variance, beta, gamma, epsilon);
    },
  };
  return self;
}

/** Channels: the last axis. */
const c = (t: tf.Tensor) => t.shape[t.rank - 1]!;

/** Lookup table from integer ids [batch, ...] to vectors [batch, ..., outputDim]. */
export function embedding(inputDim: number, outputDim: number, options: { name?: string } = {}): Module {
  checkKeys('nn.embedding', options, ['name']);
  checkPositiveInt('nn.embedding', 'inputDim', inputDim);
  checkPositiveInt('nn.embedding', 'outputDim', outputDim);
  const self: Module = {
    kind: 'embedding',
    name: options.name,
    init(inputShape, scope) {
      const shape: Shape = singleShape(inputShape, 'nn.embedding');
      scope.param(self, 'embeddings', { shape: [inputDim, outputDim], role: 'weight', init: 'glorotUniform', fanInAxes: [1] });
      return [...shape, outputDim];
    },
    apply(x, scope) {
      const ids = tf.cast(single(x, 'nn.embedding'), 'int32');
      return tf.gather(scope.param(self, 'embeddings'), ids);
    },
  };
  return self;
}
