// tfjs #8488: tfjs-layers' EarlyStopping callback cannot restore the best
// weights. Through @tikhonov/core/layers, earlyStopping restores θ* into the
// converted model, and writeToLayersModel hands it to the LayersModel itself.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { Trainer, type Plugin } from '@tikhonov/core';
import { fromLayersModel, writeToLayersModel } from '@tikhonov/core/layers';
import { polynomialRegression } from '@tikhonov/datasets';
import { earlyStopping, type EarlyStoppingReport } from '@tikhonov/early-stopping';

describe('early stopping on a tfjs-layers model (tfjs #8488)', () => {
  it('restores the weights of the best validation point, and the LayersModel’s own predict gives that validation loss', async () => {
    const train = polynomialRegression({ examples: 10, seed: 1 });
    const valid = polynomialRegression({ examples: 60, seed: 2 });
    const layers = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [12], units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 7 }), name: 'poly' })] });
    const snapshots = new Map<number, number[]>();
    const recorder: Plugin = { name: 'recorder', apiVersion: 2, afterEvaluate: (_m, ctx) => void snapshots.set(ctx.step, ctx.params.all.flatMap((p) => Array.from(p.variable.dataSync()))) };
    const t = new Trainer({ model: fromLayersModel(layers), loss: 'mse', optimizer: { name: 'adam', learningRate: 0.01 }, plugins: [recorder, earlyStopping({ patience: 10 })], progress: false, logEvery: 1000 });
    const history = await t.fit(train.data, { epochs: 5000, batchSize: 10, validation: { data: valid.data, every: { steps: 5 } } });
    const report = history.notes.earlyStopping as EarlyStoppingReport;
    const curve = history.evaluations.map((r) => r['val.loss']!);
    expect(curve.at(-1)!).toBeGreaterThan(1.2 * report.bestValue!); // it did overfit past the best point
    expect(t.model.params.flatMap((p) => Array.from(p.variable.dataSync()))).toEqual(snapshots.get(report.bestStep!));
    writeToLayersModel(t, layers);
    const mse = tf.tidy(() => tf.mean(tf.square(tf.sub(layers.predict(valid.data.x) as tf.Tensor, valid.data.y as tf.Tensor))).dataSync()[0]!);
    expect(Math.abs(mse - report.bestValue!)).toBeLessThan(1e-5 * report.bestValue!);
    t.dispose();
  });
});
