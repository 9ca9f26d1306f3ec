import * as tf from '@tensorflow/tfjs-core';
import { OptionError } from './errors.js';
import { schemas, validateOptions, z } from './options.js';
import { isSchedule, scheduledRate, type LearningRateSchedule } from './schedules.js';
import { FusedAdamOptimizer } from './fused-adam.js';
import { FusedMomentumOptimizer } from './fused-momentum.js';
import { FusedSgdOptimizer } from './fused-sgd.js';

/** Optimizer names accepted by the trainer (tfjs-core's optimizers). */
export type OptimizerName = 'sgd' | 'momentum' | 'adam' | 'adamax' | 'adagrad' | 'adadelta' | 'rmsprop';

/** `optimizer` option: a name, a name with options, or a tfjs optimizer instance. */
export type OptimizerSpec =
  | OptimizerName
  | { name: OptimizerName; learningRate?: number | LearningRateSchedule; momentum?: number; beta1?: number; beta2?: number; epsilon?: number; rho?: number; decay?: number; useNesterov?: boolean; centered?: boolean }
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

const unit = z.number({ message: 'must be a number' }).min(0, { message: 'must be in [0, 1)' }).lt(1, { message: 'must be in [0, 1)' });
const flag = z.boolean({ message: 'must be true or false' });
// the learning rate is checked below (a number > 0 or a schedule starting above 0)
const common = { name: z.string(), learningRate: z.any().optional() };
/** The fields each optimizer takes (anything else is refused: `lr` is not silently ignored). */
const fields: Record<OptimizerName, z.ZodType> = {
  sgd: z.object(common).strict(),
  momentum: z.object({ ...common, momentum: schemas.nonNegative.optional(), useNesterov: flag.optional() }).strict(),
  adam: z.object({ ...common, beta1: unit.optional(), beta2: unit.optional(), epsilon: schemas.positive.optional() }).strict(),
  adamax: z.object({ ...common, beta1: unit.optional(), beta2: unit.optional(), epsilon: schemas.positive.optional(), decay: schemas.nonNegative.optional() }).strict(),
  adagrad: z.object(common).strict(),
  adadelta: z.object({ ...common, rho: unit.optional(), epsilon: schemas.positive.optional() }).strict(),
  rmsprop: z.object({ ...common, decay: unit.optional(), momentum: schemas.nonNegative.optional(), epsilon: schemas.positive.optional(), centered: flag.optional() }).strict(),
};

/** Creates a tfjs optimizer from a spec; default learning rates follow Keras. */
export function createOptimizer(spec: OptimizerSpec): tf.Optimizer {
  if (spec instanceof tf.Optimizer) return spec;
  const options = typeof spec === 'string' ? { name: spec } : spec;
  if (typeof options !== 'object' || options === null || !(optimizerNames as string[]).includes(options.name)) {
    const value = typeof spec === 'string' ? spec : (spec as { name?: unknown })?.name;
    throw new OptionError('Trainer', 'optimizer', value, `use one of ${optimizerNames.join(', ')}, { name, learningRate, ... } or a tfjs Optimizer`);
  }
  validateOptions('Trainer', z.object({ optimizer: fields[options.name] }), { optimizer: options });
  const given = 'learningRate' in options && options.learningRate !== undefined ? options.learningRate : defaults[options.name];
  const lr = isSchedule(given) ? scheduledRate(given, 0) : given;
  if (isSchedule(given) && lr === 0) throw new OptionError('Trainer', 'optimizer.learningRate', lr, `the ${given.kind} schedule starts at 0; tfjs optimizers need a starting rate > 0 (use startFactor > 0)`);
  if (!(typeof lr === 'number' && Number.isFinite(lr) && lr > 0)) throw new OptionError('Trainer', 'optimizer.learningRate', lr, 'must be a finite number > 0');
  const o = options as Exclude<OptimizerSpec, string | tf.Optimizer>;
  switch (o.name) {
    case 'sgd':
      // tfjs's SGD, fused into one kernel per variable where the backend has it
      return new FusedSgdOptimizer(lr);
    case 'momentum':
      // tfjs's momentum, fused into one kernel per variable where the backend has it
      return new FusedMomentumOptimizer(lr, o.momentum ?? 0.9, o.useNesterov ?? false);
    case 'adam':
      // tfjs's Adam, fused into one kernel per variable where the backend has it
      return new FusedAdamOptimizer(lr, o.beta1 ?? 0.9, o.beta2 ?? 0.999, o.epsilon ?? 1e-7);
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

/** The schedule of an optimizer spec, if its `learningRate` is one. */
export function scheduleOf(spec: OptimizerSpec): LearningRateSchedule | undefined {
  if (typeof spec !== 'object' || spec instanceof tf.Optimizer) return undefined;
  return isSchedule(spec.learningRate) ? spec.learningRate : undefined;
}

/**
 * Sets a tfjs optimizer's learning rate for its next update. SGD and
 * momentum cache −lr as a kept scalar (`setLearningRate` renews it); the
 * others read the `learningRate` field at every update.
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (lr: number) => void };
  if (o.learningRate === lr) return;
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** The optimizer's current learning rate (tfjs keeps it on the instance). */
export function learningRateOf(optimizer: tf.Optimizer): number | undefined {
  const lr = (optimizer as unknown as { learningRate?: unknown }).learningRate;
  return typeof lr === 'number' ? lr : undefined;
}
