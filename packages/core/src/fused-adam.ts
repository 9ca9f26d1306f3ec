import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from './fused-ops.js';
import { namedGradients, type VariableGradients } from './named-gradients.js';

/** The AdamOptimizer fields tfjs declares private; this subclass keeps them exactly as tfjs does (getWeights, setWeights and core's slot handling read them). */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  incrementIterations(): void;
}

/**
 * tfjs's Adam, one kernel per variable where the backend has the fused
 * `FUSED_KERNELS.adam` kernel: tfjs's AdamOptimizer runs 14 kernels per
 * variable, whose param-sized temporaries all live until the end of its
 * tidy — on a small model most of a training step's kernels. The fused
 * kernel reads value, gradient, m and v once and writes the three results,
 * with the same float32 operations in the same order, so the numbers are
 * tfjs's bit for bit (tested). Its state, serialization (`className`
 * `'Adam'`), getWeights and setWeights are AdamOptimizer's; on a backend
 * without the kernel it is AdamOptimizer.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  // The slot creation and the βᵗ update below repeat AdamOptimizer's own: its
  // applyGradients does both inside the per-variable loop this replaces.
  override applyGradients(variableGradients: VariableGradients): void {
    if (!tf.getKernel(FUSED_KERNELS.adam, tf.getBackend())) return super.applyGradients(variableGradients);
    const self = this as unknown as AdamState;
    tf.tidy(() => {
      for (const { index: i, name, value, gradient } of namedGradients(variableGradients)) {
        // the slots are created as AdamOptimizer creates them, so its getWeights/setWeights see the same list
        self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        if (gradient === undefined) continue;
        const m = self.accumulatedFirstMoment[i]!.variable;
        const v = self.accumulatedSecondMoment[i]!.variable;
        const [nextValue, nextM, nextV] = tf.engine().runKernel(
          FUSED_KERNELS.adam,
          { value, gradient, m, v, accBeta1: self.accBeta1, accBeta2: self.accBeta2 },
          { beta1: self.beta1, beta2: self.beta2, epsilon: self.epsilon, learningRate: self.learningRate },
        ) as tf.Tensor[];
        m.assign(nextM!);
        v.assign(nextV!);
        value.assign(nextValue!);
      }
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    self.incrementIterations();
  }
}
