// A tfjs-layers model through @tikhonov/core/layers gets the penalties and
// constraints tfjs-layers drops or refuses: a max-norm that holds after every
// step (tfjs #3345: a hand-written loop with optimizer.minimize never applies
// the layer's kernelConstraint), and an activity penalty that trains (#8022).
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { Order, Trainer, type Plugin } from '@tikhonov/core';
import { fromLayersModel } from '@tikhonov/core/layers';
import { gaussianBlobs } from '@tikhonov/datasets';
import { activityL1, maxNorm, unitNorms } from '@tikhonov/norm-penalties';

const model = (constraint?: ReturnType<typeof tfl.constraints.maxNorm>) =>
  tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [6], units: 16, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }), kernelConstraint: constraint, name: 'hidden' }),
      tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }), name: 'logits' }),
    ],
  });
const largestNorm = (kernel: tf.Tensor) => tf.tidy(() => tf.max(tf.sqrt(tf.sum(tf.square(kernel), 0))).dataSync()[0]!);

describe('a tfjs-layers model with Tikhonov’s norm penalties', () => {
  const data = gaussianBlobs({ examples: 60, features: 6, seed: 3 });
  const c = 0.5;

  it('tfjs #3345: max-norm holds after every step through the adapter, while a minimize loop on the layer’s own kernelConstraint exceeds it', async () => {
    // the tfjs-layers way: kernelConstraint maxNorm, trained by a hand-written optimizer.minimize loop
    const own = model(tfl.constraints.maxNorm({ maxValue: c }));
    const optimizer = tf.train.sgd(1);
    const y = tf.oneHot(data.y as tf.Tensor1D, 3);
    for (let s = 0; s < 10; s++) optimizer.minimize(() => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(own.apply(data.x) as tf.Tensor)), -1))) as tf.Scalar, false, own.trainableWeights.map((w) => w.read() as tf.Variable));
    const ignored = largestNorm(own.getLayer('hidden').getWeights()[0]!);
    // Tikhonov: the same layers, the constraint as a plugin, checked after every step
    const norms: number[] = [];
    const watch: Plugin = { name: 'watch', apiVersion: 2, order: Order.checkpoint, afterStepKind: 'average', afterStep: (ctx) => void norms.push(tf.tidy(() => tf.max(unitNorms(ctx.params.get('hidden/kernel'))).dataSync()[0]!)) };
    const t = new Trainer({ model: fromLayersModel(model()), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 1 }, plugins: [maxNorm({ c, select: { names: ['hidden/kernel'] } }), watch], progress: false });
    await t.fit(data, { epochs: 10, batchSize: 60 });
    console.log(`max unit norm after 10 steps at rate 1: tfjs-layers' kernelConstraint under minimize ${ignored.toFixed(3)}; Tikhonov's maxNorm ${Math.max(...norms).toFixed(3)} (c = ${c})`);
    expect(ignored).toBeGreaterThan(c + 0.1);
    expect(norms).toHaveLength(10);
    norms.forEach((v) => expect(v).toBeLessThanOrEqual(c + 1e-6));
    t.dispose();
    optimizer.dispose();
  });

  it('tfjs #8022: an activity penalty on a converted layer trains and adds α·mean Σ|h| to the loss', async () => {
    const alpha = 0.05;
    const firstLoss = async (plugins: Plugin[]) => {
      const t = new Trainer({ model: fromLayersModel(model()), loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', learningRate: 0.01 }, plugins, logEvery: 1, progress: false });
      const history = await t.fit(data, { epochs: 30, batchSize: 60 });
      t.dispose();
      return { first: history.logs[0]!.loss!, last: history.logs.at(-1)!.loss! };
    };
    const plain = await firstLoss([]);
    const penalised = await firstLoss([activityL1({ alpha, sites: { names: ['hidden'] } })]);
    // by hand: the hidden activations of the starting weights, relu(xW + b)
    const start = model();
    const h = tf.tidy(() => tf.relu(tf.add(tf.matMul(data.x, start.getLayer('hidden').getWeights()[0]!), start.getLayer('hidden').getWeights()[1]!)));
    const expected = tf.tidy(() => tf.div(tf.sum(tf.abs(h)), 60).dataSync()[0]!) * alpha;
    expect(Math.abs(penalised.first - plain.first - expected)).toBeLessThan(1e-5);
    expect(penalised.last).toBeLessThan(penalised.first); // it trains
    h.dispose();
  });
});
