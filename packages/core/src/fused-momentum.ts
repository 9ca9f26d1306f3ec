import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from './fused-ops.js';
import { namedGradients, type VariableGradients } from './named-gradients.js';

/** The MomentumOptimizer fields tfjs declares private; this subclass keeps them as tfjs does (getWeights, setWeights and core's slot handling read them). */
interface MomentumState {
  accumulations: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  momentum: number;
  learningRate: number;
  useNesterov: boolean;
  incrementIterations(): void;
}

/**
 * tfjs's momentum SGD, one kernel per variable where the backend has the
 * fused `FUSED_KERNELS.momentum` kernel: tfjs's MomentumOptimizer runs four
 * kernels per variable (six with Nesterov), each a pass over the weights
 * with a param-sized temporary. The fused kernel reads value, gradient and
 * velocity once and writes the two results, with the same float32
 * operations in the same order (a = m·a + g; θ = −lr·a + θ, or with
 * Nesterov θ = −lr·(g + a·m) + θ), so the numbers are tfjs's bit for bit
 * (tested). Its state, serialization (`className` `'Momentum'`),
 * getWeights and setWeights are MomentumOptimizer's; on a backend without
 * the kernel it is MomentumOptimizer.
 */
export class FusedMomentumOptimizer extends tf.MomentumOptimizer {
  // The slot creation below repeats MomentumOptimizer's own: its
  // applyGradients does it inside the per-variable loop this replaces.
  override applyGradients(variableGradients: VariableGradients): void {
    if (!tf.getKernel(FUSED_KERNELS.momentum, tf.getBackend())) return super.applyGradients(variableGradients);
    const self = this as unknown as MomentumState;
    tf.tidy(() => {
      for (const { index: i, name, value, gradient } of namedGradients(variableGradients)) {
        self.accumulations[i] ??= { originalName: `${name}/momentum`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        if (gradient === undefined) continue;
        const accumulation = self.accumulations[i]!.variable;
        const [nextValue, nextAccumulation] = tf.engine().runKernel(
          FUSED_KERNELS.momentum,
          { value, gradient, accumulation },
          { momentum: self.momentum, learningRate: self.learningRate, useNesterov: self.useNesterov },
        ) as tf.Tensor[];
        accumulation.assign(nextAccumulation!);
        value.assign(nextValue!);
      }
    });
    self.incrementIterations();
  }
}
