import * as tfl from '@tensorflow/tfjs-layers';
import { OptionError } from '../errors.js';
import type { Module } from '../nn/module.js';
import type { Trainer } from '../trainer.js';

type Config = Readonly<Record<string, unknown>>;
/** tfjs-layers spells these activations the same; leakyRelu is a layer there, not an activation. */
const SAME_ACTIVATIONS = new Set(['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus']);

function activationFor(owner: string, name: unknown): string {
  if (typeof name !== 'string' || !SAME_ACTIVATIONS.has(name)) throw new OptionError(owner, 'activation', name, `must be one of ${[...SAME_ACTIVATIONS].join(', ')} to be exported (tfjs-layers has no '${String(name)}' activation)`);
  return name;
}

/** The tfjs-layers layer for one built-in module (named as the module), with the param names it takes in order. */
function layerFor(module: Module, name: string, inputShape: number[] | undefined): { layer: tfl.layers.Layer; weights: string[] } {
  const c = (module.config ?? {}) as Config;
  const owner = `module '${name}' (${module.kind})`;
  const first = inputShape ? { inputShape } : {};
  switch (module.kind) {
    case 'dense':
      return { layer: tfl.layers.dense({ ...first, units: c.units as number, activation: activationFor(owner, c.activation) as never, useBias: c.useBias as boolean, name }), weights: c.useBias ? ['kernel', 'bias'] : ['kernel'] };
    case 'conv2d':
      return {
        layer: tfl.layers.conv2d({ ...first, filters: c.filters as number, kernelSize: c.kernelSize as number[], strides: c.strides as number, padding: c.padding as 'same' | 'valid', dilationRate: c.dilation as number, activation: activationFor(owner, c.activation) as never, useBias: c.useBias as boolean, name }),
        weights: c.useBias ? ['kernel', 'bias'] : ['kernel'],
      };
    case 'maxPool2d':
    case 'avgPool2d': {
      const make = module.kind === 'maxPool2d' ? tfl.layers.maxPooling2d : tfl.layers.averagePooling2d;
      return { layer: make({ ...first, poolSize: c.poolSize as number, strides: c.strides as number, padding: c.padding as 'same' | 'valid', name }), weights: [] };
    }
    case 'flatten':
      return { layer: tfl.layers.flatten({ ...first, name }), weights: [] };
    case 'batchNorm':
      return { layer: tfl.layers.batchNormalization({ ...first, momentum: c.momentum as number, epsilon: c.epsilon as number, name }), weights: ['gamma', 'beta', 'movingMean', 'movingVariance'] };
    case 'dropout':
      return { layer: tfl.layers.dropout({ ...first, rate: c.rate as number, name }), weights: [] };
    case 'gaussianNoise':
      return { layer: tfl.layers.gaussianNoise({ ...first, stddev: c.stddev as number, name }), weights: [] };
    default:
      if (module.config && 'activation' in module.config && Object.keys(module.config).length === 1) return { layer: tfl.layers.activation({ ...first, activation: activationFor(owner, c.activation) as never, name }), weights: [] };
      throw new OptionError('toLayersModel', 'model', owner, 'must be an nn.sequential of dense, conv2d, maxPool2d, avgPool2d, flatten, batchNorm, activation modules (and the Dropout/GaussianNoise of fromLayersModel) to be exported');
  }
}

/**
 * A trained `nn.sequential` as a tfjs-layers `tf.Sequential` with the same
 * layers (named as the modules) and the trainer's current weights, so
 * `model.predict` gives the trainer's predictions and `model.save` writes
 * tfjs's format, which `tf.loadLayersModel` reads. Plugins are training-time
 * behaviour and are not part of the export.
 */
export function toLayersModel(trainer: Trainer): tfl.Sequential {
  const built = trainer.model;
  const root = built.root;
  if (root.kind !== 'sequential' || !Array.isArray(root.config?.children)) throw new OptionError('toLayersModel', 'model', root.kind, 'must be an nn.sequential to be exported');
  const children = root.config.children as Module[];
  // the built model lists its modules in pre-order: the root, then each child at depth 1
  const names = built.modules.filter((m) => m.depth === 1).map((m) => m.name);
  const model = tfl.sequential();
  children.forEach((child, i) => {
    const { layer, weights } = layerFor(child, names[i]!, i === 0 ? [...built.inputShape] : undefined);
    model.add(layer);
    if (weights.length > 0) layer.setWeights(weights.map((w) => trainer.params.get(`${names[i]}/${w}`).variable));
  });
  return model;
}
