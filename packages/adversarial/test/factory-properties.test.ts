// Property test (fast-check through core's checkFactories, seeded): every plugin factory of this package, given its
// valid options, one value replaced by junk, a misspelt key, or a dictionary of junk, either returns a plugin that
// trains (or refuses with a Tikhonov error) or throws a Tikhonov error — never a raw TypeError or RangeError.
import { describe, it } from 'vitest';
import { checkFactories } from '@tikhonov/core/testing';
import { adversarialTraining, fgsm, madry, pgd, trades, virtualAdversarial } from '@tikhonov/adversarial';

describe('property: plugin factories meet bad options with a Tikhonov error', () => {
  it('every training plugin factory of adversarial (60 seeded cases each)', async () => {
    await checkFactories({
      adversarialTraining: [adversarialTraining, { attack: fgsm({ epsilon: 0.1 }), alpha: 0.5 }],
      madry: [madry, { attack: pgd({ epsilon: 0.1, steps: 2 }) }],
      trades: [trades, { attack: pgd({ epsilon: 0.1, steps: 2 }), beta: 1 }],
      virtualAdversarial: [virtualAdversarial, { epsilon: 0.5 }],
    });
  }, 300_000);
});
