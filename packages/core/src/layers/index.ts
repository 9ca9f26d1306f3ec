/**
 * @tikhonov/core/layers — bring a tfjs-layers model: {@link fromLayersModel}
 * turns a `tf.Sequential` into a Tikhonov module (every plugin then works on
 * it) and {@link writeToLayersModel} puts the trained weights back. The model
 * is read through its own methods (`layers`, `getConfig`, `getWeights`), so
 * this entry imports only tfjs-layers' types.
 */
export { fromLayersModel, writeToLayersModel, type FromLayersModelOptions } from './from-layers-model.js';
