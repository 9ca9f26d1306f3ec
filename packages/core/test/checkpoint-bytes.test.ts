// checkpointToBytes / checkpointFromBytes: a checkpoint as one value, for
// stores that hold values (a Redis key, IndexedDB) rather than directories.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { CheckpointError, checkpointFromBytes, checkpointToBytes, exportCheckpoint, importCheckpoint, Trainer, type Plugin } from '@tikhonov/core';
import { blobs, mlp, paramValues } from './helpers.js';

/** A plugin whose state holds a typed array and a JSON value, so both paths of the state's packing are crossed. */
function holder(): { plugin: Plugin; values: () => Float32Array } {
  let values: Float32Array = Float32Array.from({ length: 100 }, (_, i) => Math.cos(i) / 7);
  const plugin: Plugin = {
    name: 'holder',
    apiVersion: 2,
    afterStep: () => void (values[0]! += 1),
    stateDict: () => ({ values: values.slice(), note: 'json' }),
    loadStateDict: (s) => void (values = s.values as Float32Array),
  };
  return { plugin, values: () => values };
}
const make = ({ plugin }: { plugin: Plugin }) => new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer: 'adam', plugins: [plugin], seed: 5, progress: false });

describe('checkpoint byte strings', () => {
  it('resuming from the bytes gives exactly the numbers of an uninterrupted run (mid-epoch)', async () => {
    const data = blobs(40);
    const straightHolder = holder();
    const straight = make(straightHolder);
    await straight.fit(data, { epochs: 3, batchSize: 8 });
    const first = make(holder());
    await first.fit(data, { epochs: 3, batchSize: 8, maxSteps: 7 });
    const bytes = checkpointToBytes(await exportCheckpoint(first));
    first.dispose();
    // a Node Buffer view at an offset into a larger pool, as a Redis client returns it
    const pooled = Buffer.concat([Buffer.alloc(13, 9), Buffer.from(bytes)]).subarray(13);
    const h = holder();
    const resumed = make(h);
    resumed.build([4]);
    await importCheckpoint(resumed, checkpointFromBytes(pooled));
    expect(resumed.step).toBe(7);
    expect(h.values()[0]).toBeCloseTo(Math.cos(0) / 7 + 7, 5);
    await resumed.fit(data, { epochs: 3, batchSize: 8 });
    expect(paramValues(resumed.model.params)).toEqual(paramValues(straight.model.params));
    expect(Array.from(h.values())).toEqual(Array.from(straightHolder.values()));
    // the stopped fit's own log rows differ; its epochs are the uninterrupted run's
    expect(resumed.history.epochs.map((r) => r.epoch)).toEqual([1, 2, 3]);
    [straight, resumed].forEach((t) => t.dispose());
  });

  it('exporting a checkpoint frees what it makes: the tensor count is as before, for Adam, momentum and SGD', async () => {
    for (const optimizer of ['adam', { name: 'momentum', learningRate: 0.01, momentum: 0.9 }, 'sgd'] as const) {
      const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer, seed: 5, progress: false });
      await t.fit(blobs(8), { epochs: 1, batchSize: 8 });
      const before = tf.memory().numTensors;
      // tfjs's getWeights makes a fresh scalar of the iteration count each call
      for (let k = 0; k < 3; k++) checkpointToBytes(await exportCheckpoint(t));
      expect(tf.memory().numTensors, JSON.stringify(optimizer)).toBe(before);
      t.dispose();
    }
  });

  it('its size is the directory’s: 4 bytes a float plus a JSON header', async () => {
    const t = make(holder());
    await t.fit(blobs(8), { epochs: 1, batchSize: 8 });
    const data = await exportCheckpoint(t);
    const bytes = checkpointToBytes(data);
    // mlp(): 4·8 + 8 + 8·3 + 3 = 67 params; the optimizer's slot count is read from its manifest
    const floats = (specs: tf.io.WeightsManifestEntry[]) => specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    expect(floats(data.model.weightsManifest[0]!.weights)).toBe(67);
    const binary = 4 * (67 + floats(data.optimizer.weights)) + 400;
    expect(bytes.byteLength).toBeGreaterThan(binary);
    expect(bytes.byteLength - binary).toBeLessThan(4_000);
    t.dispose();
  });

  it('refuses bytes that are not a checkpoint, of another version, truncated or corrupt, by CheckpointError', async () => {
    const t = make(holder());
    await t.fit(blobs(8), { epochs: 1, batchSize: 8 });
    const bytes = checkpointToBytes(await exportCheckpoint(t));
    expect(() => checkpointFromBytes(new TextEncoder().encode('{"model": 1}'))).toThrow(/not a Tikhonov checkpoint byte string/);
    const otherVersion = bytes.slice();
    otherVersion[4] = 2;
    expect(() => checkpointFromBytes(otherVersion)).toThrow(/has version 2; this core reads version 1/);
    expect(() => checkpointFromBytes(bytes.subarray(0, bytes.byteLength - 1))).toThrow(CheckpointError);
    expect(() => checkpointFromBytes(bytes.subarray(0, bytes.byteLength - 1))).toThrow(new RegExp(`holds ${bytes.byteLength - 1} bytes but its header accounts for ${bytes.byteLength}`));
    expect(() => checkpointFromBytes(bytes.subarray(0, 20))).toThrow(/is truncated: its header needs/);
    const corrupt = bytes.slice();
    corrupt[12] = 0x7d; // the header's opening brace
    expect(() => checkpointFromBytes(corrupt)).toThrow(/header is not valid JSON/);
    t.dispose();
  });
});
