import * as tf from '@tensorflow/tfjs-core';

/** What `Optimizer.applyGradients` takes: a map from variable names to gradients, or a list of named gradients. */
export type VariableGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

/**
 * The gradients an `applyGradients` call was given, as (index, variable, gradient) in tfjs's order — the index is the
 * slot position tfjs's optimizers use for their per-variable state. A missing gradient (null or undefined) is kept as
 * `undefined`: tfjs still creates that variable's slots but skips its update, and the fused optimizers do the same.
 */
export function namedGradients(variableGradients: VariableGradients): Array<{ index: number; name: string; value: tf.Variable; gradient: tf.Tensor | undefined }> {
  const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
  return names.map((name, index) => {
    const gradient = Array.isArray(variableGradients) ? variableGradients[index]!.tensor : variableGradients[name];
    return { index, name, value: tf.engine().registeredVariables[name]!, gradient: gradient ?? undefined };
  });
}
