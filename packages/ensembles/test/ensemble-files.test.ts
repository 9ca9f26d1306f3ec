import * as tf from '@tensorflow/tfjs-core';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError, dataset, nn, Trainer } from '@tikhonov/core';
import { bagging, Ensemble } from '@tikhonov/ensembles';
import { loadEnsemble, saveEnsemble } from '@tikhonov/ensembles/node';
import { ema } from '@tikhonov/ensembles';

const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});
const tempRoot = async () => {
  const r = await mkdtemp(join(tmpdir(), 'tikhonov-ensemble-'));
  roots.push(r);
  return r;
};

const blobs = () => {
  const labels = tf.tensor1d(Array.from({ length: 60 }, (_, i) => i % 3), 'int32');
  const x = tf.tidy(() => tf.add(tf.gather(tf.randomNormal([3, 4], 0, 2, 'float32', 1), labels), tf.randomNormal([60, 4], 0, 1, 'float32', 2)));
  return dataset.fromTensors(x, labels);
};
// ema makes inference depend on plugin state too, which the checkpoints must carry
const makeTrainer = (seed: number) =>
  new Trainer({ model: nn.sequential([nn.dense(6, { activation: 'relu' }), nn.dense(3)]), loss: 'softmaxCrossEntropy', optimizer: 'adam', plugins: [ema({ decay: 0.9 })], seed, progress: false });

describe('saving and loading a whole ensemble', () => {
  it('a loaded ensemble predicts exactly what the saved one did (members, combine rule, weights, plugin state)', async () => {
    const data = blobs();
    const { ensemble } = await bagging({ members: 3, makeTrainer, data, fit: { epochs: 3, batchSize: 16 }, seed: 2 });
    const weighted = new Ensemble([...ensemble.members], { combine: 'geometric', weights: [1, 2, 0.5] });
    const dir = join(await tempRoot(), 'ens');
    await saveEnsemble(weighted, dir);
    expect((await readdir(dir)).sort()).toEqual(['ensemble.json', 'member-0', 'member-1', 'member-2']);
    const loaded = await loadEnsemble(dir, makeTrainer);
    expect(loaded.rule).toBe('geometric');
    expect(loaded.weights).toEqual([1, 2, 0.5]);
    const before = weighted.predict(data.x);
    const after = loaded.predict(data.x);
    expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
    // saving over a saved ensemble replaces it
    await saveEnsemble(loaded, dir);
    tf.dispose([before, after]);
    loaded.dispose();
    ensemble.dispose();
    dataset.dispose(data);
  });

  it('never replaces a directory holding other files, refuses function members, and says what is wrong with a bad directory', async () => {
    const root = await tempRoot();
    const t = makeTrainer(1);
    const data = blobs();
    await t.fit(data, { epochs: 1 });
    const mine = join(root, 'mine');
    await mkdir(mine);
    await writeFile(join(mine, 'thesis.tex'), 'precious');
    await expect(saveEnsemble(new Ensemble([t]), mine)).rejects.toThrow(/refusing to replace .*mine: it holds thesis\.tex/);
    expect(await readFile(join(mine, 'thesis.tex'), 'utf8')).toBe('precious');
    await expect(saveEnsemble(new Ensemble([t, (x) => x]), join(root, 'f'))).rejects.toThrow(/members\[1\].*must be a Trainer to be saved/);
    await expect(loadEnsemble(mine, makeTrainer)).rejects.toThrow(CheckpointError);
    await expect(loadEnsemble(mine, makeTrainer)).rejects.toThrow(/not a saved ensemble: it has no ensemble\.json/);
    const dir = join(root, 'ok');
    await saveEnsemble(new Ensemble([t]), dir);
    // a member trainer built for another model is refused by core's checkpoint check
    const other = (seed: number) => new Trainer({ model: nn.dense(3), loss: 'softmaxCrossEntropy', optimizer: 'adam', plugins: [ema({ decay: 0.9 })], seed, progress: false });
    await expect(loadEnsemble(dir, other)).rejects.toThrow(/checkpoint is for another model/);
    t.dispose();
    dataset.dispose(data);
  });
});
