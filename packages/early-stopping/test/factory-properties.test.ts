// Property test (fast-check through core's checkFactories, seeded): every plugin factory of this package, given its
// valid options, one value replaced by junk, a misspelt key, or a dictionary of junk, either returns a plugin that
// trains (or refuses with a Tikhonov error) or throws a Tikhonov error — never a raw TypeError or RangeError.
import { describe, it } from 'vitest';
import { checkFactories } from '@tikhonov/core/testing';
import { earlyStopping } from '@tikhonov/early-stopping';

describe('property: plugin factories meet bad options with a Tikhonov error', () => {
  it('earlyStopping (150 seeded cases)', async () => {
    await checkFactories({ earlyStopping: [earlyStopping, { patience: 2, monitor: 'val.loss' }] }, { numRuns: 150 });
  }, 300_000);
});
