import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from './fused-ops.js';
import { namedGradients, type VariableGradients } from './named-gradients.js';

/**
 * tfjs's plain SGD, one kernel per variable where the backend has the fused
 * `FUSED_KERNELS.sgd` kernel: tfjs's SGDOptimizer runs two kernels per
 * variable (−lr·g, then + θ), with a param-sized temporary and a tidy
 * scope each. The fused kernel reads value and gradient once and writes the
 * result, with the same two float32 operations in the same order, so the
 * numbers are tfjs's bit for bit (tested). Its serialization (`className`
 * `'SGD'`), config and weights are SGDOptimizer's; on a backend without the
 * kernel it is SGDOptimizer.
 */
export class FusedSgdOptimizer extends tf.SGDOptimizer {
  override applyGradients(variableGradients: VariableGradients): void {
    if (!tf.getKernel(FUSED_KERNELS.sgd, tf.getBackend())) return super.applyGradients(variableGradients);
    tf.tidy(() => {
      for (const { value, gradient } of namedGradients(variableGradients)) {
        if (gradient === undefined) continue;
        value.assign(tf.engine().runKernel(FUSED_KERNELS.sgd, { value, gradient }, { learningRate: this.learningRate }) as tf.Tensor);
      }
    });
    this.incrementIterations();
  }
}
