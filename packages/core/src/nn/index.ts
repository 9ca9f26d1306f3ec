export { activation, activate, activationNames, type ActivationName } from './activations.js';
export { sequential, multiHead } from './compose.js';
export { withParams } from './preset.js';
export { initialValue, fans, type InitializerName } from './init.js';
export {
  dense,
  conv2d,
  maxPool2d,
  avgPool2d,
  flatten,
  batchNorm,
  embedding,
  type DenseOptions,
  type Conv2dOptions,
  type PoolOptions,
  type BatchNormOptions,
} from './layers.js';
export { batchNormStatistics, type BatchNormStatisticsOptions } from './statistics.js';
export { single, singleShape, isRecord, type Module, type InitScope, type ForwardScope, type ParamSpec } from './module.js';

import { activation } from './activations.js';
/** ReLU activation module. */
export const relu = (options: { name?: string } = {}) => activation('relu', options);
/** Sigmoid activation module. */
export const sigmoid = (options: { name?: string } = {}) => activation('sigmoid', options);
/** Tanh activation module. */
export const tanh = (options: { name?: string } = {}) => activation('tanh', options);
/** Softmax activation module. */
export const softmax = (options: { name?: string } = {}) => activation('softmax', options);
