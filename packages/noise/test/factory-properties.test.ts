// Property test (fast-check through core's checkFactories, seeded): every plugin factory of this package, given its
// valid options, one value replaced by junk, a misspelt key, or a dictionary of junk, either returns a plugin that
// trains (or refuses with a Tikhonov error) or throws a Tikhonov error — never a raw TypeError or RangeError.
import { describe, it } from 'vitest';
import { checkFactories } from '@tikhonov/core/testing';
import { gradientNoise, hiddenNoise, inputNoise, jacobianPenalty, labelNoise, labelSmoothing, weightNoise } from '@tikhonov/noise';

describe('property: plugin factories meet bad options with a Tikhonov error', () => {
  it('every factory of noise (60 seeded cases each)', async () => {
    await checkFactories({
      inputNoise: [inputNoise, { stddev: 0.1 }],
      hiddenNoise: [hiddenNoise, { stddev: 0.1 }],
      weightNoise: [weightNoise, { stddev: 0.01 }],
      gradientNoise: [gradientNoise, { eta: 0.01 }],
      labelSmoothing: [labelSmoothing, { epsilon: 0.1 }],
      labelNoise: [labelNoise, { rate: 0.1 }],
      jacobianPenalty: [jacobianPenalty, { nu: 0.01 }],
    });
  }, 300_000);
});
