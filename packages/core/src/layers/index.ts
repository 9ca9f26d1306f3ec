/**
 * @tikhonov/core/layers — tfjs-layers interop: {@link fromLayersModel} turns a
 * `tf.Sequential` or a one-input functional model into a Tikhonov module
 * (every plugin then works on it) and {@link writeToLayersModel} puts the
 * trained weights back; {@link toLayersModel} exports a trained
 * `nn.sequential` as a `tf.Sequential` (for `model.save` and
 * `tf.loadLayersModel`). Only this entry builds tfjs-layers objects.
 */
export { fromLayersModel, writeToLayersModel, type FromLayersModelOptions } from './from-layers-model.js';
export { toLayersModel } from './to-layers-model.js';
