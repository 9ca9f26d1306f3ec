// The queue workers' checkpoint callback, on its own: when it stores, what it
// stores, and that it is a well-behaved plugin.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkpointFromBytes, dataset, importCheckpoint, nn, Trainer, type Plugin } from '@tikhonov/core';
import { checkPlugin } from '@tikhonov/core/testing';
import { checkpointCallback, type CheckpointStore } from '../src/trial-checkpoints.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A store in memory that records what was saved. */
function memoryStore(): CheckpointStore & { saved: Map<string, Uint8Array> } {
  const saved = new Map<string, Uint8Array>();
  return { saved, load: async (id) => saved.get(id), save: async (id, bytes) => void saved.set(id, bytes), remove: async (id) => void saved.delete(id) };
}
const make = (plugins: Plugin[] = []) => new Trainer({ model: nn.sequential([nn.dense(8, { activation: 'relu' }), nn.dense(3)]), loss: 'softmaxCrossEntropy', plugins, seed: 2, progress: false });
const data = () => dataset.fromArrays(Array.from({ length: 40 }, (_, i) => [Math.sin(i), Math.cos(i), i / 40]), Array.from({ length: 40 }, (_, i) => i % 3));

describe('the trial checkpoint callback', () => {
  it('stores at every epoch end but the last, each resuming where it was taken, and reports each', async () => {
    const store = memoryStore();
    const saves: Array<{ epoch: number; step: number }> = [];
    const snapshots: Uint8Array[] = [];
    const t = make();
    const train = data();
    await t.fit(train, { epochs: 3, batchSize: 16, callbacks: [checkpointCallback('trial-a', 3, { store, everySeconds: 0, onSaved: (at) => void (saves.push(at), snapshots.push(store.saved.get('trial-a')!)) })] });
    // 40 rows in batches of 16: 3 steps an epoch; the third epoch ends the trial, so it is not stored
    expect(saves).toEqual([{ epoch: 1, step: 3 }, { epoch: 2, step: 6 }]);
    const resumed = make();
    resumed.build([3]);
    await importCheckpoint(resumed, checkpointFromBytes(snapshots[1]!));
    expect([resumed.epoch, resumed.step]).toEqual([2, 6]);
    await resumed.fit(train, { epochs: 3, batchSize: 16 });
    expect(resumed.model.params.map((p) => Array.from(p.variable.dataSync()))).toEqual(t.model.params.map((p) => Array.from(p.variable.dataSync())));
    [t, resumed].forEach((x) => x.dispose());
    dataset.dispose(train);
  });

  it('skips the epoch where the fit stops, and waits everySeconds between stores', async () => {
    const stopAt2: Plugin = { name: 'stopAt2', apiVersion: 2, afterEpoch: (ctx) => (ctx.epoch === 2 ? ctx.requestStop('enough') : undefined) };
    const saves: number[] = [];
    const train = data();
    const t = make([stopAt2]);
    await t.fit(train, { epochs: 10, batchSize: 16, callbacks: [checkpointCallback('trial-b', 10, { store: memoryStore(), everySeconds: 0, onSaved: (at) => void saves.push(at.epoch) })] });
    expect(saves).toEqual([1]);
    const rare: number[] = [];
    const u = make();
    await u.fit(train, { epochs: 4, batchSize: 16, callbacks: [checkpointCallback('trial-c', 4, { store: memoryStore(), everySeconds: 3600, onSaved: (at) => void rare.push(at.epoch) })] });
    expect(rare).toEqual([]);
    [t, u].forEach((x) => x.dispose());
    dataset.dispose(train);
  });

  it('passes the plugin conformance kit', async () => {
    const report = await checkPlugin(() => checkpointCallback('trial-d', 1000, { store: memoryStore(), everySeconds: 0 }));
    expect(report.tensorsPerStep).toBe(0);
    expect(report.hooks).toEqual(['afterEpoch']);
  });
});
