// Property test (fast-check through core's checkFactories, seeded): every plugin factory of this package, given its
// valid options, one value replaced by junk, a misspelt key, or a dictionary of junk, either returns a plugin that
// trains (or refuses with a Tikhonov error) or throws a Tikhonov error — never a raw TypeError or RangeError.
import { describe, it } from 'vitest';
import { checkFactories } from '@tikhonov/core/testing';
import { alphaDropout, dropConnect, dropout, gaussianDropout, spatialDropout } from '@tikhonov/dropout';

describe('property: plugin factories meet bad options with a Tikhonov error', () => {
  it('every factory of dropout (60 seeded cases each)', async () => {
    await checkFactories({
      dropout: [dropout, { input: 0.2, hidden: 0.5 }],
      dropConnect: [dropConnect, { rate: 0.3 }],
      gaussianDropout: [gaussianDropout, { rate: 0.3 }],
      spatialDropout: [spatialDropout, { rate: 0.3 }],
      alphaDropout: [alphaDropout, { rate: 0.1 }],
    });
  }, 300_000);
});
