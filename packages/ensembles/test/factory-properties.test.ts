// Property test (fast-check through core's checkFactories, seeded): every plugin factory of this package, given its
// valid options, one value replaced by junk, a misspelt key, or a dictionary of junk, either returns a plugin that
// trains (or refuses with a Tikhonov error) or throws a Tikhonov error — never a raw TypeError or RangeError.
import { describe, it } from 'vitest';
import { checkFactories } from '@tikhonov/core/testing';
import { ema, fastGeometricEnsemble, snapshotEnsemble, svgd, swa } from '@tikhonov/ensembles';

describe('property: plugin factories meet bad options with a Tikhonov error', () => {
  it('every plugin factory of ensembles (60 seeded cases each)', async () => {
    await checkFactories({
      ema: [ema, { decay: 0.9 }],
      swa: [swa, { start: 1, every: 1 }],
      snapshotEnsemble: [snapshotEnsemble, { maxMembers: 2 }],
      fastGeometricEnsemble: [fastGeometricEnsemble, { maxMembers: 2 }],
      svgd: [svgd, { particles: 2 }],
    }, { exclude: [1e6, 2 ** 40] }); // SVGD trains `particles` copies of the model: a million is slow, not wrong
  }, 300_000);
});
