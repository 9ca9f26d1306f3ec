// Property test (fast-check through core's checkFactories, seeded): every plugin factory of this package, given its
// valid options, one value replaced by junk, a misspelt key, or a dictionary of junk, either returns a plugin that
// trains (or refuses with a Tikhonov error) or throws a Tikhonov error — never a raw TypeError or RangeError.
// Augmentations need images: the fit here is two steps of a flatten-dense net on twelve 4×4×1 images.
import * as tf from '@tensorflow/tfjs-core';
import { describe, it } from 'vitest';
import { dataset, nn, Trainer, type Plugin } from '@tikhonov/core';
import { checkFactories } from '@tikhonov/core/testing';
import { affine, brightness, contrast, cutmix, flip, gamma, gaussianNoise, mixup, mixupCutmix, randAugment, randomCrop, randomErasing, randomResizedCrop, rotate, scale, shear, tangentProp, translate, trivialAugment } from '@tikhonov/augmentation';

async function imageFit(plugin: Plugin): Promise<void> {
  const x = tf.tidy(() => tf.reshape(tf.div(tf.add(tf.sin(tf.range(0, 192)), 1), 2), [12, 4, 4, 1]));
  const data = dataset.fromTensors(x, tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], 'int32'));
  const trainer = new Trainer({ model: nn.sequential([nn.flatten(), nn.dense(3)]), loss: 'softmaxCrossEntropy', plugins: [plugin], seed: 0, progress: false });
  try {
    await trainer.fit(data, { epochs: 1, batchSize: 6 });
    for (const p of trainer.params.all) if (!(await p.variable.data()).every((v) => Number.isFinite(v))) throw new Error(`param ${p.name} is not finite after a fit that did not throw`);
  } finally {
    trainer.dispose();
    tf.dispose([x, data.y as tf.Tensor]);
  }
}

describe('property: plugin factories meet bad options with a Tikhonov error', () => {
  it('every plugin factory of augmentation (40 seeded cases each, on 4×4×1 images)', async () => {
    await checkFactories(
      {
        translate: [translate, { dx: 1 }],
        rotate: [rotate, { degrees: 10 }],
        scale: [scale, { range: [0.9, 1.1] }],
        shear: [shear, { x: 5 }],
        affine: [affine, { degrees: 5, translate: [0.5, 0.5] }],
        flip: [flip, { direction: 'horizontal' }],
        randomCrop: [randomCrop, { padding: 1 }],
        randomResizedCrop: [randomResizedCrop, { scale: [0.5, 1] }],
        brightness: [brightness, { factor: 0.2 }],
        contrast: [contrast, { factor: 0.2 }],
        gamma: [gamma, { range: [0.8, 1.2] }],
        gaussianNoise: [gaussianNoise, { stddev: 0.1 }],
        randomErasing: [randomErasing, { p: 0.5 }],
        mixup: [mixup, { alpha: 0.2 }],
        cutmix: [cutmix, { alpha: 1 }],
        mixupCutmix: [mixupCutmix, { switchProb: 0.5 }],
        randAugment: [randAugment, { n: 2, magnitude: 9 }],
        trivialAugment: [trivialAugment, {}],
        tangentProp: [tangentProp, { tangents: ['translateX'], alpha: 0.1 }],
      },
      { numRuns: 40, fit: imageFit },
    );
  }, 600_000);
});
