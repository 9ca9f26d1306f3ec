import * as tfl from '@tensorflow/tfjs-layers';
import { OptionError } from '../errors.js';
import type { Module } from '../nn/module.js';
import type { Trainer } from '../trainer.js';
import { writeToLayersModel } from './from-layers-model.js';

type Config = Readonly<Record<string, unknown>>;
/** tfjs-layers spells these activations the same; leakyRelu is a layer there, not an activation. */
const SAME_ACTIVATIONS = new Set(['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'softplus']);

function activationFor(owner: string, name: unknown): string {
  if (typeof name !== 'string' || !SAME_ACTIVATIONS.has(name)) throw new OptionError(owner, 'activation', name, `must be one of ${[...SAME_ACTIVATIONS].join(', ')} to be exported (tfjs-layers has no '${String(name)}' activation)`);
  return name;
}

/** The tfjs-layers layer for one built-in module, named as the module. */
function layerFor(module: Module, name: string, inputShape: number[] | undefined): tfl.layers.Layer {
  const c = (module.config ?? {}) as Config;
  const owner = `module '${name}' (${module.kind})`;
  const first = inputShape ? { inputShape } : {};
  switch (module.kind) {
    case 'dense':
      return tfl.layers.dense({ ...first, units: c.units as number, activation: activationFor(owner, c.activation) as never, useBias: c.useBias as boolean, name });
    case 'conv2d':
      return tfl.layers.conv2d({ ...first, filters: c.filters as number, kernelSize: c.kernelSize as number[], strides: c.strides as number, padding: c.padding as 'same' | 'valid', dilationRate: c.dilation as number, activation: activationFor(owner, c.activation) as never, useBias: c.useBias as boolean, name });
    case 'maxPool2d':
    case 'avgPool2d': {
      const make = module.kind === 'maxPool2d' ? tfl.layers.maxPooling2d : tfl.layers.averagePooling2d;
      return make({ ...first, poolSize: c.poolSize as number, strides: c.strides as number, padding: c.padding as 'same' | 'valid', name });
    }
    case 'flatten':
      return tfl.layers.flatten({ ...first, name });
    case 'batchNorm':
      return tfl.layers.batchNormalization({ ...first, momentum: c.momentum as number, epsilon: c.epsilon as number, name });
    case 'dropout':
      return tfl.layers.dropout({ ...first, rate: c.rate as number, name });
    case 'gaussianNoise':
      return tfl.layers.gaussianNoise({ ...first, stddev: c.stddev as number, name });
    default:
      if (module.config && 'activation' in module.config && Object.keys(module.config).length === 1) return tfl.layers.activation({ ...first, activation: activationFor(owner, c.activation) as never, name });
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
  children.forEach((child, i) => model.add(layerFor(child, names[i]!, i === 0 ? [...built.inputShape] : undefined)));
  // the layers carry the modules' names, so their weights are the params of those names
  writeToLayersModel(trainer, model);
  return model;
}
