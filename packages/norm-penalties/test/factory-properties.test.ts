// Property test (fast-check through core's checkFactories, seeded): every plugin factory of this package, given its
// valid options, one value replaced by junk, a misspelt key, or a dictionary of junk, either returns a plugin that
// trains (or refuses with a Tikhonov error) or throws a Tikhonov error — never a raw TypeError or RangeError.
import { describe, it } from 'vitest';
import { checkFactories } from '@tikhonov/core/testing';
import { activityL1, activityL2, elasticNet, klSparsity, l1, l2, lagrangian, maxNorm, nonNeg, normConstraint, studentT, tying, unitNorm, weightDecay } from '@tikhonov/norm-penalties';

describe('property: plugin factories meet bad options with a Tikhonov error', () => {
  it('every factory of norm-penalties (60 seeded cases each)', async () => {
    await checkFactories({
      l2: [l2, { alpha: 1e-3 }],
      l1: [l1, { alpha: 1e-3 }],
      elasticNet: [elasticNet, { l1: 1e-3, l2: 1e-3 }],
      weightDecay: [weightDecay, { rate: 1e-3 }],
      maxNorm: [maxNorm, { c: 3 }],
      unitNorm: [unitNorm, {}],
      nonNeg: [nonNeg, {}],
      normConstraint: [normConstraint, { k: 2 }],
      lagrangian: [lagrangian, { k: 2, dualRate: 0.1 }],
      tying: [tying, { pairs: [[{ names: ['dense_1/kernel'] }, { names: ['dense_1/kernel'] }]], alpha: 0.1 }],
      activityL1: [activityL1, { alpha: 1e-3 }],
      activityL2: [activityL2, { alpha: 1e-3 }],
      studentT: [studentT, { alpha: 1e-3 }],
      klSparsity: [klSparsity, { alpha: 1e-3, target: 0.1 }],
    });
  }, 300_000);
});
