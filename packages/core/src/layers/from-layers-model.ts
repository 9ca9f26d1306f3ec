import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { OptionError } from '../errors.js';
import { activationNames, type ActivationName } from '../nn/activations.js';
import * as nn from '../nn/index.js';
import type { Module } from '../nn/module.js';
import type { Trainer } from '../trainer.js';

/** Options of {@link fromLayersModel}. */
export interface FromLayersModelOptions {
  /**
   * What to do with a final softmax. Tikhonov's cross-entropies take logits, so
   * `'refuse'` (default) says so; `'as-logits'` drops the last layer's softmax
   * (the trainer's loss applies it; `trainer.predict` returns logits).
   */
  finalSoftmax?: 'refuse' | 'as-logits';
}

type Config = Record<string, unknown>;
const first = (v: unknown): number => (Array.isArray(v) ? (v[0] as number) : (v as number));
const square = (owner: string, option: string, v: unknown): number => {
  if (Array.isArray(v) && v.length === 2 && v[0] !== v[1]) throw new OptionError(owner, option, v, 'must be square (the same size both ways) to be converted');
  return first(v);
};

/** The activation name in Tikhonov's spelling, or an error naming the layer. */
function activationOf(layer: string, value: unknown): ActivationName {
  const name = (value === 'leakyrelu' ? 'leakyRelu' : value ?? 'linear') as ActivationName;
  if (!activationNames.includes(name)) throw new OptionError(`layer '${layer}'`, 'activation', value, `must be one of ${activationNames.join(', ')} to be converted`);
  return name;
}

/** Keras' Dropout as a module: inverted dropout in training and sampled predictions, the identity at inference. */
function dropoutLayer(rate: number, name: string): Module {
  const self: Module = {
    kind: 'dropout',
    name,
    init: (shape) => shape,
    apply(x, scope) {
      if (scope.mode === 'infer' || rate === 0) return x;
      const h = x as tf.Tensor;
      return tf.mul(h, tf.div(scope.random(self).bernoulli(h.shape, 1 - rate), 1 - rate));
    },
  };
  return self;
}

/** One tfjs-layers layer as a Tikhonov module (named as the layer, its params preset to the layer's weights), or undefined for an input layer. */
function convert(layer: { name: string; getClassName(): string; getConfig(): Config; getWeights(): tf.Tensor[] }, isLast: boolean, options: FromLayersModelOptions): Module | undefined {
  const kind = layer.getClassName();
  const c = layer.getConfig();
  const name = layer.name;
  const owner = `layer '${name}' (${kind})`;
  const w = layer.getWeights();
  // what tfjs-layers would add to the training step, and which Tikhonov plugin does it instead: refuse rather than drop
  const instead: Record<string, string> = {
    kernelRegularizer: "l2/l1 from @tikhonov/norm-penalties with select: { names: ['<layer>/kernel'] }",
    biasRegularizer: "l2/l1 from @tikhonov/norm-penalties with select: { names: ['<layer>/bias'] }",
    activityRegularizer: "activityL1/activityL2 from @tikhonov/norm-penalties with sites: { names: ['<layer>'] }",
    kernelConstraint: "maxNorm/unitNorm/nonNeg from @tikhonov/norm-penalties with select: { names: ['<layer>/kernel'] }",
    biasConstraint: "a constraint plugin from @tikhonov/norm-penalties with select: { names: ['<layer>/bias'] }",
  };
  for (const [option, plugin] of Object.entries(instead)) {
    if (c[option] != null) throw new OptionError(owner, option, (c[option] as Config).className ?? c[option], `is not converted: remove it from the layer and add ${plugin.replaceAll('<layer>', name)}`);
  }
  const act = () => {
    const a = activationOf(name, c.activation);
    if (a !== 'softmax' || !isLast) return a;
    if ((options.finalSoftmax ?? 'refuse') === 'as-logits') return 'linear';
    throw new OptionError('fromLayersModel', 'finalSoftmax', 'refuse', `${owner} ends in softmax, but Tikhonov's cross-entropy losses take logits: pass { finalSoftmax: 'as-logits' } to train on its logits (predict then returns logits), or build the layer with activation 'linear'`);
  };
  switch (kind) {
    case 'InputLayer':
      return undefined;
    case 'Dense': {
      const useBias = c.useBias !== false;
      return nn.withParams(nn.dense(c.units as number, { activation: act(), useBias, name }), useBias ? { kernel: w[0]!, bias: w[1]! } : { kernel: w[0]! });
    }
    case 'Conv2D': {
      if (c.dataFormat && c.dataFormat !== 'channelsLast') throw new OptionError(owner, 'dataFormat', c.dataFormat, "must be 'channelsLast' (NHWC) to be converted");
      const useBias = c.useBias !== false;
      const conv = nn.conv2d(c.filters as number, square(owner, 'kernelSize', c.kernelSize), { strides: square(owner, 'strides', c.strides ?? 1), padding: (c.padding as 'same' | 'valid') ?? 'valid', dilation: square(owner, 'dilationRate', c.dilationRate ?? 1), activation: act(), useBias, name });
      return nn.withParams(conv, useBias ? { kernel: w[0]!, bias: w[1]! } : { kernel: w[0]! });
    }
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      const size = square(owner, 'poolSize', c.poolSize ?? 2);
      const pool = kind === 'MaxPooling2D' ? nn.maxPool2d : nn.avgPool2d;
      return pool(size, { strides: square(owner, 'strides', c.strides ?? size), padding: (c.padding as 'same' | 'valid') ?? 'valid', name });
    }
    case 'Flatten':
      return nn.flatten({ name });
    case 'Activation':
      return nn.activation(act(), { name });
    case 'Dropout':
      return dropoutLayer(c.rate as number, name);
    case 'BatchNormalization': {
      if (c.axis !== undefined && c.axis !== -1) throw new OptionError(owner, 'axis', c.axis, 'must be -1 (the last axis) to be converted');
      if (c.center === false || c.scale === false) throw new OptionError(owner, c.center === false ? 'center' : 'scale', false, 'must be true to be converted');
      return nn.withParams(nn.batchNorm({ momentum: c.momentum as number, epsilon: c.epsilon as number, name }), { gamma: w[0]!, beta: w[1]!, movingMean: w[2]!, movingVariance: w[3]! });
    }
    default:
      throw new OptionError('fromLayersModel', 'model', `${owner}`, 'must hold only InputLayer, Dense, Conv2D, MaxPooling2D, AveragePooling2D, Flatten, Activation, Dropout and BatchNormalization layers (others are not converted yet)');
  }
}

/**
 * A tfjs-layers `Sequential` model as a Tikhonov module, so every plugin works
 * on it: each layer becomes the equivalent `nn` module, named as the layer
 * (params `layer/kernel`, `layer/bias`, …), starting from the layer's current
 * weights; Dropout and BatchNormalization keep their training-time behaviour
 * and switch it off at inference. Pass it as the Trainer's `model`; after
 * training, {@link writeToLayersModel} puts the trained weights back, so
 * `model.predict` and `model.save` see them.
 */
export function fromLayersModel(model: LayersModel, options: FromLayersModelOptions = {}): Module {
  if (model.getClassName() !== 'Sequential') {
    throw new OptionError('fromLayersModel', 'model', model.getClassName(), 'must be a tf.Sequential model (functional models are not converted yet)');
  }
  const layers = model.layers;
  const modules = layers.flatMap((layer, i) => convert(layer as never, i === layers.length - 1, options) ?? []);
  return nn.sequential(modules);
}

/** The layers' weight names in tfjs-layers' order, as Tikhonov param local names. */
const WEIGHT_ORDER: Record<string, string[]> = { Dense: ['kernel', 'bias'], Conv2D: ['kernel', 'bias'], BatchNormalization: ['gamma', 'beta', 'movingMean', 'movingVariance'] };

/** Writes a trainer's params (built by {@link fromLayersModel}) back into the LayersModel's layers (`layer.setWeights`). */
export function writeToLayersModel(trainer: Trainer, model: LayersModel): void {
  for (const layer of model.layers) {
    const order = WEIGHT_ORDER[layer.getClassName()];
    if (!order) continue;
    const count = layer.getWeights().length;
    layer.setWeights(order.slice(0, count === 1 ? 1 : order.length).map((local) => trainer.params.get(`${layer.name}/${local}`).variable));
  }
}
