import * as tf from '@tensorflow/tfjs-core';

/** The part of tfjs's engine state this file reaches into (not public API; checked against tfjs-core 4.22). */
interface EngineTapeState {
  gradientDepth: number;
  activeTape: Array<{ saved?: tf.Tensor[] }> | null;
}

/**
 * `tf.variableGrads`, but when the loss function throws, frees the tensors the
 * gradient tape had saved: tfjs keeps them outside every tidy and frees them
 * only after a successful backward pass, so a failing hook would leak them.
 * This is the only place core touches tfjs internals.
 */
export function gradientsOrCleanUp(f: () => tf.Scalar, variables: tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  try {
    return tf.variableGrads(f, variables);
  } catch (error) {
    const state = (tf.engine() as unknown as { state: EngineTapeState }).state;
    if (state.gradientDepth === 0 && state.activeTape) {
      for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
      state.activeTape = null;
    }
    throw error;
  }
}
