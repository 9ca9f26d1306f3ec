import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { dataset, type Trainer } from '@tikhonov/core';
import { bagging, deepEnsemble } from '@tikhonov/ensembles';
import { workerThreads } from '@tikhonov/ensembles/node';
import { makeTrainer } from './fixtures/member.js';

const module = new URL('./fixtures/member.ts', import.meta.url);
const blobs = (n: number, seed: number) => {
  const labels = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 3), 'int32');
  const x = tf.tidy(() => tf.add(tf.gather(tf.randomNormal([3, 4], 0, 2, 'float32', 1), labels), tf.randomNormal([n, 4], 0, 1, 'float32', seed)));
  return dataset.fromTensors(x, labels);
};
const paramsOf = (members: readonly unknown[]) => (members as Trainer[]).map((t) => t.params.all.map((p) => Array.from(p.variable.dataSync())));

describe('members on worker threads', () => {
  it('bagging in parallel (2 workers, 3 members) gives bit-identical members, predictions and out-of-bag error to the sequential run', async () => {
    const data = blobs(90, 2);
    const options = { members: 3, makeTrainer, data, fit: { epochs: 3, batchSize: 16 }, seed: 4 };
    const sequential = await bagging(options);
    const parallel = await bagging({ ...options, runner: workerThreads({ workers: 2, module }) });
    expect(paramsOf(parallel.ensemble.members)).toEqual(paramsOf(sequential.ensemble.members));
    expect(parallel.outOfBag).toEqual(sequential.outOfBag);
    const [a, b] = [sequential.ensemble.predict(data.x), parallel.ensemble.predict(data.x)];
    // ema's average travelled in the checkpoint: inference (on θ̄) agrees too
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b]);
    sequential.ensemble.dispose();
    parallel.ensemble.dispose();
    dataset.dispose(data);
  }, 60_000);

  it('a deep ensemble with validation data in its fit options trains the same in workers', async () => {
    const data = blobs(60, 2);
    const validation = blobs(30, 3);
    const options = { members: 2, makeTrainer, data, fit: { epochs: 2, batchSize: 16, validation: { data: validation } } };
    const sequential = await deepEnsemble(options);
    const parallel = await deepEnsemble({ ...options, runner: workerThreads({ workers: 2, module }) });
    expect(paramsOf(parallel.members)).toEqual(paramsOf(sequential.members));
    // the workers' histories came back with the checkpoints
    expect((parallel.members[0] as Trainer).history.epochs.map((e) => e['val.loss'])).toEqual((sequential.members[0] as Trainer).history.epochs.map((e) => e['val.loss']));
    sequential.dispose();
    parallel.dispose();
    dataset.dispose(data);
    dataset.dispose(validation);
  }, 60_000);

  it("a worker's failure names the member and the cause; bad runner options name the option", async () => {
    const data = blobs(30, 2);
    await expect(deepEnsemble({ members: 1, makeTrainer, data, fit: { epochs: 1 }, runner: workerThreads({ module, exportName: 'nope' }) })).rejects.toThrow(
      /member 0 failed in its worker thread: .*has no export 'nope'.*makeTrainer/,
    );
    expect(() => workerThreads({ module, workers: 0 })).toThrow(/workers.*positive integer/);
    await expect(deepEnsemble({ members: 1, makeTrainer, data, fit: { epochs: 1 }, runner: {} as never })).rejects.toThrow(/runner.*workerThreads/);
    dataset.dispose(data);
  }, 60_000);
});
