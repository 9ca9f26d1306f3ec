import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed, HostRandom, OptionError } from '@tikhonov/core';

/**
 * Batches of an unlabeled set (x only) alongside the labelled training
 * stream, for semi-supervised plugins. Step s takes rows [(s−1)·B, s·B) of
 * an endless sequence of shuffled passes over the set; pass r is a
 * permutation seeded by (seed, r), so every example appears once per pass,
 * and a batch depends only on (seed, step): the same after a resume from a
 * checkpoint, with no state to save. The rows are gathered on the backend.
 */
export class UnlabeledStream {
  private cached: { pass: number; order: Int32Array } | undefined;

  /** x: the unlabeled inputs [m, ...]; batchSize: rows per step (≤ m). */
  constructor(
    readonly x: tf.Tensor,
    readonly batchSize: number,
    private readonly who: string,
  ) {
    const m = x.shape[0]!;
    if (x.rank < 2 || m === 0) throw new OptionError(who, 'unlabeled', x, `must be a tensor of inputs [m, ...] with m ≥ 1 rows, got shape [${x.shape.join(', ')}]`);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > m) {
      throw new OptionError(who, 'unlabeledBatchSize', batchSize, `must be an integer in [1, ${m}] (the unlabeled set has ${m} rows)`);
    }
  }

  /** The row indices of step `step` (1-based) under `seed`. */
  indicesAt(seed: number, step: number): Int32Array {
    const m = this.x.shape[0]!;
    const out = new Int32Array(this.batchSize);
    const first = (step - 1) * this.batchSize;
    for (let i = 0; i < this.batchSize; i++) {
      const position = first + i;
      out[i] = this.order(seed, Math.floor(position / m))[position % m]!;
    }
    return out;
  }

  /** The unlabeled batch of step `step` (a gather; dispose it, or call inside a tidy). */
  batchAt(seed: number, step: number): tf.Tensor {
    return tf.tidy(() => tf.gather(this.x, tf.tensor1d(this.indicesAt(seed, step), 'int32')));
  }

  private order(seed: number, pass: number): Int32Array {
    if (this.cached?.pass !== pass) this.cached = { pass, order: new HostRandom(deriveSeed(seed, this.who, 'unlabeled', pass)).permutation(this.x.shape[0]!) };
    return this.cached.order;
  }
}
