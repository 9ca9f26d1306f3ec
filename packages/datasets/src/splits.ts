import { dataset, OptionError, type Dataset } from '@tikhonov/core';

/** Train, validation and test parts of one data set. */
export interface Splits {
  readonly train: Dataset;
  readonly validation: Dataset;
  readonly test: Dataset;
}

/**
 * Seeded train/validation/test split; with `standardize`, every part is
 * standardised with the mean and std of the training part only (no test
 * information leaks into training).
 */
export function trainValidationTest(data: Dataset, options: { validation?: number; test?: number; seed?: number; standardize?: boolean } = {}): Splits {
  const { validation = 0.15, test = 0.15, seed = 0 } = options;
  if (!(validation > 0 && test > 0 && validation + test < 1)) {
    throw new OptionError('trainValidationTest', 'validation/test', { validation, test }, 'must be > 0 and sum to less than 1');
  }
  const [train, val, tst] = dataset.split(data, [1 - validation - test, validation, test], seed);
  if (!options.standardize) return { train: train!, validation: val!, test: tst! };
  const s = dataset.fitStandardizer(train!.x);
  const result = { train: dataset.standardize(train!, s), validation: dataset.standardize(val!, s), test: dataset.standardize(tst!, s) };
  for (const part of [train!, val!, tst!]) part.x.dispose();
  s.mean.dispose();
  s.std.dispose();
  return result;
}
