// For the backends' benches: the trainer's fused optimizers (one kernel per
// variable) against tfjs's own (4–14 kernels per variable) on the active
// backend, fitting the same MLP from the same seed — the numbers are the same
// bit for bit where the backend's fused kernels are tested so; only the time differs.
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset.js';
import { dense, sequential } from '../nn/index.js';
import type { OptimizerSpec } from '../optimizers.js';
import { Trainer } from '../trainer.js';

/** One comparison of {@link compareFusedOptimizer}: tfjs's time over the fused one's, per round. */
export interface FusedComparison {
  median: number;
  low: number;
  high: number;
}

/**
 * Fits a 256-256 MLP (batch 32, 10 epochs) with `fused` (the trainer's
 * optimizer spec) and with `tfjs()` (a tfjs optimizer), alternating for
 * `rounds` rounds after a warm-up fit, and prints and returns the median and
 * range of the per-round ratios tfjs / fused. For benchmarks only.
 */
export async function compareFusedOptimizer(data: Dataset, options: { label: string; tfjs: () => tf.Optimizer; fused: OptimizerSpec; rounds: number; note?: string }): Promise<FusedComparison> {
  const fit = async (optimizer: OptimizerSpec) => {
    const trainer = new Trainer({ model: sequential([dense(256, { activation: 'relu' }), dense(256, { activation: 'relu' }), dense(10)]), loss: 'softmaxCrossEntropy', optimizer, seed: 1, progress: false });
    const t0 = performance.now();
    await trainer.fit(data, { epochs: 10, batchSize: 32 });
    const ms = performance.now() - t0;
    trainer.dispose();
    return ms;
  };
  await fit(options.fused); // warm-up: kernels, pools
  const ratios: number[] = [];
  for (let r = 0; r < options.rounds; r++) {
    const reference = await fit(options.tfjs());
    ratios.push(reference / (await fit(options.fused)));
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  const result = { median: sorted[Math.floor(options.rounds / 2)]!, low: sorted[0]!, high: sorted.at(-1)! };
  console.log(`${options.label}, MLP ${data.x.shape.slice(1).join('×')}-256-256-10, 10 epochs${options.note ? `, ${options.note}` : ''}, ${options.rounds} interleaved rounds on ${tf.getBackend()}: tfjs / fused = ${result.median.toFixed(2)}× (range ${result.low.toFixed(2)}–${result.high.toFixed(2)})`);
  return result;
}

/** The comparisons every backend bench prints: Adam, momentum 0.9 and plain SGD. */
export async function compareFusedOptimizers(data: Dataset, rounds: number, note?: string): Promise<void> {
  await compareFusedOptimizer(data, { label: "Adam (tfjs's AdamOptimizer vs TikhonovAdam)", tfjs: () => tf.train.adam(0.001, 0.9, 0.999, 1e-7), fused: 'adam', rounds, ...(note ? { note } : {}) });
  await compareFusedOptimizer(data, { label: "momentum 0.9 (tfjs's MomentumOptimizer vs TikhonovMomentum)", tfjs: () => tf.train.momentum(0.01, 0.9), fused: { name: 'momentum', learningRate: 0.01, momentum: 0.9 }, rounds, ...(note ? { note } : {}) });
  await compareFusedOptimizer(data, { label: "plain SGD (tfjs's SGDOptimizer vs TikhonovSgd)", tfjs: () => tf.train.sgd(0.01), fused: { name: 'sgd', learningRate: 0.01 }, rounds, ...(note ? { note } : {}) });
}
