import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from './errors.js';

/** Optimizer names accepted by the trainer (tfjs-core's optimizers). */
export type OptimizerName = 'sgd' | 'momentum' | 'adam' | 'adamax' | 'adagrad' | 'adadelta' | 'rmsprop';

/** `optimizer` option: a name, a name with options, or a tfjs optimizer instance. */
export type OptimizerSpec =
  | OptimizerName
  | { name: OptimizerName; learningRate?: number; momentum?: number; beta1?: number; beta2?: number; epsilon?: number; rho?: number; decay?: number; useNesterov?: boolean; centered?: boolean }
  | tf.Optimizer;

const defaults: Record<OptimizerName, number> = {
  sgd: 0.01,
  momentum: 0.01,
  adam: 0.001,
  adamax: 0.002,
  adagrad: 0.01,
  adadelta: 1,
  rmsprop: 0.001,
};

/** The accepted names, for error messages and docs. */
export const optimizerNames = Object.keys(defaults) as OptimizerName[];

/** Creates a tfjs optimizer from a spec; default learning rates follow Keras. */
export function createOptimizer(spec: OptimizerSpec): tf.Optimizer {
  if (spec instanceof tf.Optimizer) return spec;
  const options = typeof spec === 'string' ? { name: spec } : spec;
  if (typeof options !== 'object' || options === null || !(optimizerNames as string[]).includes(options.name)) {
    const value = typeof spec === 'string' ? spec : (spec as { name?: unknown })?.name;
    throw new OptionError('Trainer', 'optimizer', value, `use one of ${optimizerNames.join(', ')}, { name, learningRate, ... } or a tfjs Optimizer`);
  }
  const lr = 'learningRate' in options && options.learningRate !== undefined ? options.learningRate : defaults[options.name];
  if (!(typeof lr === 'number' && Number.isFinite(lr) && lr > 0)) throw new OptionError('Trainer', 'optimizer.learningRate', lr, 'must be a finite number > 0');
  const o = options as Exclude<OptimizerSpec, string | tf.Optimizer>;
  switch (o.name) {
    case 'sgd':
      return tf.train.sgd(lr);
    case 'momentum':
      return tf.train.momentum(lr, o.momentum ?? 0.9, o.useNesterov ?? false);
    case 'adam':
      return tf.train.adam(lr, o.beta1 ?? 0.9, o.beta2 ?? 0.999, o.epsilon ?? 1e-7);
    case 'adamax':
      return tf.train.adamax(lr, o.beta1 ?? 0.9, o.beta2 ?? 0.999, o.epsilon ?? 1e-7, o.decay ?? 0);
    case 'adagrad':
      return tf.train.adagrad(lr);
    case 'adadelta':
      return tf.train.adadelta(lr, o.rho ?? 0.95, o.epsilon ?? 1e-7);
    case 'rmsprop':
      return tf.train.rmsprop(lr, o.decay ?? 0.9, o.momentum ?? 0, o.epsilon ?? 1e-7, o.centered ?? false);
  }
}

/** The optimizer's current learning rate (tfjs keeps it on the instance). */
export function learningRateOf(optimizer: tf.Optimizer): number | undefined {
  const lr = (optimizer as unknown as { learningRate?: unknown }).learningRate;
  return typeof lr === 'number' ? lr : undefined;
}
