import type * as tf from '@tensorflow/tfjs-core';
import type { Module } from './module.js';

// Values given to a module's params instead of its initializers, keyed by the module object.
const presets = new WeakMap<Module, Readonly<Record<string, tf.Tensor>>>();

/**
 * Gives `module`'s params these starting values instead of its initializers
 * (by local name: `kernel`, `bias`, …), e.g. the weights of a trained model
 * or of a tfjs-layers layer. A model built from it copies each value, so the
 * tensors stay the caller's. Returns the module itself.
 */
export function withParams<M extends Module>(module: M, values: Readonly<Record<string, tf.Tensor>>): M {
  presets.set(module, values);
  return module;
}

/** The preset value of one param of a module, if any. */
export function presetOf(module: Module, localName: string): tf.Tensor | undefined {
  return presets.get(module)?.[localName];
}
