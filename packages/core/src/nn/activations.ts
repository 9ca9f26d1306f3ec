import * as tf from '@tensorflow/tfjs-core';
import { checkKeys } from '../options.js';
import type { Module } from './module.js';
import { single } from './module.js';
import { ModelError } from '../errors.js';

/** Names of the built-in activations. */
export type ActivationName = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'elu' | 'selu' | 'leakyRelu' | 'softplus';

export const activationNames: readonly ActivationName[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax', 'elu', 'selu', 'leakyRelu', 'softplus'];

/** Applies a named activation. */
export function activate(name: ActivationName, x: tf.Tensor): tf.Tensor {
  switch (name) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'softmax':
      return tf.softmax(x);
    case 'elu':
      return tf.elu(x);
    case 'selu':
      return tf.selu(x);
    case 'leakyRelu':
      return tf.leakyRelu(x, 0.2);
    case 'softplus':
      return tf.softplus(x);
  }
}

/** A parameter-free activation module; it emits a site. */
export function activation(name: ActivationName, options: { name?: string } = {}): Module {
  checkKeys(`nn.${name}`, options, ['name']);
  if (!activationNames.includes(name)) {
    throw new ModelError(`nn.activation: '${String(name)}' is not an activation; use one of ${activationNames.join(', ')}`);
  }
  return {
    kind: name,
    name: options.name,
    emitsSite: true,
    config: { activation: name },
    init: (shape) => shape,
    apply: (x) => activate(name, single(x, name)),
  };
}
