import * as tf from '@tensorflow/tfjs-core';
import { nn, Trainer, type LossName, type OptimizerSpec, type Plugin } from '@tikhonov/core';

/** Options of {@link trainLinear}; defaults: mse, SGD at the given rate, Glorot init. */
export interface LinearRun {
  loss?: LossName;
  optimizer?: OptimizerSpec;
  /** Start from w = 0 instead of the initialiser's draw. */
  zeroStart?: boolean;
}

/**
 * Full-batch training of a bias-free linear model x ↦ xᵀw for `steps` steps
 * (one epoch is one step); returns w as float64 numbers.
 */
export async function trainLinear(X: tf.Tensor, y: tf.Tensor, plugins: Plugin[], steps: number, learningRate: number, run: LinearRun = {}): Promise<number[]> {
  const model = nn.dense(1, { useBias: false, ...(run.zeroStart ? { kernelInitializer: 'zeros' as const } : {}) });
  const t = new Trainer({ model, loss: run.loss ?? 'mse', optimizer: run.optimizer ?? { name: 'sgd', learningRate }, plugins, progress: false, logEvery: 100_000 });
  const m = X.shape[0]!;
  await t.fit({ x: X, y, size: m }, { epochs: steps, batchSize: m, shuffle: false });
  const w = Array.from(t.params.get('dense_1/kernel').variable.dataSync());
  t.dispose();
  return w;
}

/** Row i of a row-major m×d float64 array, as numbers. */
export const rowsOf = (flat: ArrayLike<number>, m: number, d: number): number[][] => Array.from({ length: m }, (_, i) => Array.from({ length: d }, (_, j) => flat[i * d + j]!));

/** x·w for a row x. */
export const dot = (x: readonly number[], w: readonly number[]): number => x.reduce((s, v, j) => s + v * w[j]!, 0);

/** Three equations in six unknowns (full row rank): the under-determined system of the §7.4 tests. */
export const underDetermined = {
  X: [
    [1, 2, 0, -1, 3, 1],
    [0, 1, 4, 2, -1, 0],
    [2, 0, 1, 1, 1, -2],
  ],
  y: [1, -2, 0.5],
};
