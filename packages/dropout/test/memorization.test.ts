// Deck 004 (Zhang et al. 2017, "Understanding deep learning requires rethinking
// generalization"): a network with enough capacity memorises random labels —
// training accuracy reaches 100 % on a small set while accuracy on held-out
// examples (with their own random labels) stays at chance — and explicit
// regularizers slow that down but do not prevent it.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { dataset, HostRandom, nn, Trainer, type Dataset, type Plugin } from '@tikhonov/core';
import { loadDigits } from '@tikhonov/datasets';
import { dropout } from '@tikhonov/dropout';
import { l2 } from '@tikhonov/norm-penalties';

/** The digits' inputs with labels drawn uniformly from 10 classes, independently of the image. */
function randomLabels(data: Dataset, seed: number): Dataset {
  const rng = new HostRandom(seed);
  const y = Int32Array.from({ length: data.size }, () => rng.int(10));
  return dataset.fromTensors(data.x, tf.tensor1d(y, 'int32'));
}

/** Trains until training accuracy ≥ 0.99 (checked every 5 epochs) or 400 epochs; returns epochs and both accuracies. */
async function memorise(plugins: Plugin[], train: Dataset, test: Dataset) {
  const t = new Trainer({ model: nn.sequential([nn.dense(256, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', learningRate: 0.005 }, plugins, seed: 2, progress: false, logEvery: 100_000 });
  let epochs = 0;
  let trainAccuracy = 0;
  while (epochs < 400 && trainAccuracy < 0.99) {
    epochs += 5;
    await t.fit(train, { epochs, batchSize: 50 });
    trainAccuracy = (await t.evaluate(train)).accuracy!;
  }
  const testAccuracy = (await t.evaluate(test)).accuracy!;
  t.dispose();
  return { epochs, trainAccuracy, testAccuracy };
}

describe('memorising random labels (deck 004, Zhang et al. 2017)', () => {
  it('a 64-256-10 net reaches ≥ 99 % training accuracy on 300 randomly labelled digits while held-out accuracy stays near chance; dropout and L² take longer but get there', async () => {
    const [trainPart, testPart] = dataset.split(loadDigits().data, [300 / 1797, 1 - 300 / 1797], 5);
    const train = randomLabels(trainPart!, 1);
    const test = randomLabels(testPart!, 2);
    const plain = await memorise([], train, test);
    const dropped = await memorise([dropout({ input: 0, hidden: 0.3 })], train, test);
    const decayed = await memorise([l2({ alpha: 2e-3 })], train, test);
    for (const [name, r] of [['plain', plain], ['dropout(0.3)', dropped], ['l2(2e-3)', decayed]] as const) {
      console.log(`random labels, ${name}: training accuracy ${r.trainAccuracy.toFixed(3)} after ${r.epochs} epochs; held-out accuracy ${r.testAccuracy.toFixed(3)} (chance 0.1)`);
    }
    for (const r of [plain, dropped, decayed]) {
      expect(r.trainAccuracy).toBeGreaterThanOrEqual(0.99);
      // chance is 0.1; 1497 held-out examples put 3σ of a binomial at ±0.023
      expect(Math.abs(r.testAccuracy - 0.1)).toBeLessThan(0.03);
    }
    expect(dropped.epochs).toBeGreaterThan(plain.epochs);
    expect(decayed.epochs).toBeGreaterThan(plain.epochs);
  });
});
