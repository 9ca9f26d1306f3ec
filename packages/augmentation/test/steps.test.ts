import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { Order, Trainer, type Plugin } from '@tikhonov/core';
import { cutmix, flip, randAugment, randomErasing, rotate } from '@tikhonov/augmentation';
import { imageData, tinyImageModel } from './helpers.js';

it('no host read inside the augmentation plugins, and tf.memory().numTensors flat over 1 000 steps', async () => {
  // count every host read made while the augmentation tier runs (between two markers around it)
  let inside = false;
  let reads = 0;
  const proto = tf.Tensor.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = Object.fromEntries(['dataSync', 'data', 'arraySync', 'array', 'bufferSync', 'buffer'].map((m) => [m, proto[m]!]));
  for (const [m, f] of Object.entries(originals)) {
    proto[m] = function (this: unknown, ...args: unknown[]) {
      if (inside) reads++;
      return f.apply(this, args);
    };
  }
  const marker = (name: string, order: number, value: boolean): Plugin => ({ name, apiVersion: 2, order, transformBatch: (b) => ((inside = value), b) });
  try {
    const plugins = [marker('start', Order.augmentation - 1, true), flip({ safety: { unsafeFor: { flipHorizontal: [2] } } }), rotate({ degrees: 10 }), randAugment(), randomErasing(), cutmix({ alpha: 1 }), marker('end', Order.augmentation + 99, false)];
    const t = new Trainer({ model: tinyImageModel(), loss: 'softmaxCrossEntropy', plugins, progress: false, logEvery: 100 });
    const data = imageData(24);
    await t.fit(data, { epochs: 2, batchSize: 8 });
    const before = tf.memory().numTensors;
    await t.fit(data, { epochs: 2 + 334, batchSize: 8 });
    expect(t.step).toBeGreaterThanOrEqual(1000);
    expect(tf.memory().numTensors).toBe(before);
    expect(reads).toBe(0);
    t.dispose();
  } finally {
    Object.assign(proto, originals);
  }
});
