// Ensemble members trained through the sweep's runners (members()): the same
// members as @tikhonov/ensembles trains in sequence, bit for bit.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataset, type Trainer } from '@tikhonov/core';
import { loadDigits, trainValidationTest, type Splits } from '@tikhonov/datasets';
import { bagging, deepEnsemble } from '@tikhonov/ensembles';
import { inline, local, members, type TrialResult } from '@tikhonov/sweep';
import { makeTrainer, setup } from './fixtures/digits-member.js';

const module = new URL('./fixtures/digits-member.ts', import.meta.url);
let splits: Splits;
beforeAll(async () => {
  await setup();
  const whole = loadDigits().data;
  // loadRef's defaults for { name: 'digits' }
  splits = trainValidationTest(whole, { validation: 0.2, test: 0.2, seed: 0, standardize: false });
  dataset.dispose(whole);
});
afterAll(() => [splits.train, splits.validation, splits.test].forEach((p) => dataset.dispose(p)));

const paramsOf = (m: unknown) => Object.fromEntries((m as Trainer).model.params.map((p) => [p.name, Array.from(p.variable.dataSync())]));

describe('ensemble members through the sweep runners', () => {
  it('bagging on two worker threads: every member and the out-of-bag error equal training them in sequence, bit for bit', async () => {
    const options = { members: 3, makeTrainer, data: splits.train, fit: { epochs: 2, batchSize: 64 }, seed: 7 };
    const sequence = await bagging(options);
    const runner = local({ workers: 2 });
    const results: TrialResult[] = [];
    const counting = { ...runner, run: async (t: Parameters<typeof runner.run>[0]) => { const r = await runner.run(t); results.push(r); return r; } };
    const parallel = await bagging({ ...options, runner: members({ runner: counting, module, data: { name: 'digits' } }) });
    await runner.close();
    expect(parallel.ensemble.members.map(paramsOf)).toEqual(sequence.ensemble.members.map(paramsOf));
    expect(parallel.outOfBag).toEqual(sequence.outOfBag);
    // three member trials, on both threads, each with its bootstrap sample's steps: ⌈sample size / 64⌉ per epoch
    expect(results.map((r) => r.config).sort()).toEqual([0, 1, 2]);
    expect(new Set(results.map((r) => r.worker)).size).toBe(2);
    for (const r of results) expect(r.steps).toBe(2 * Math.ceil(splits.train.size / 64));
    sequence.ensemble.dispose();
    parallel.ensemble.dispose();
  });

  it('a deep ensemble validated on the reference’s validation part: the members’ histories match the sequential ones', async () => {
    const options = { members: 2, makeTrainer, data: splits.train, fit: { epochs: 2, batchSize: 64, validation: { data: splits.validation } }, seed: 3 };
    const sequence = await deepEnsemble(options);
    const runner = inline();
    const through = await deepEnsemble({ ...options, runner: members({ runner, module, data: { name: 'digits' } }) });
    await runner.close();
    expect(through.members.map(paramsOf)).toEqual(sequence.members.map(paramsOf));
    expect(through.members.map((m) => (m as Trainer).history.evaluations.map((e) => e['val.loss']))).toEqual(sequence.members.map((m) => (m as Trainer).history.evaluations.map((e) => e['val.loss'])));
    sequence.dispose();
    through.dispose();
  });

  it('refuses data the workers would not load, and fit options that cannot travel, naming them', async () => {
    const runner = inline();
    const viaSweep = members({ runner, module, data: { name: 'digits' } });
    const base = { members: 2, makeTrainer, fit: { epochs: 1 }, runner: viaSweep };
    await expect(deepEnsemble({ ...base, data: splits.validation })).rejects.toThrow(/option 'data' = .*digits.* is not allowed; must name the ensemble's training data, but its training part \(1078 rows\) differs from the 359 rows/);
    const shifted = dataset.fromTensors(tf.add(splits.train.x, 1e-3), tf.clone(splits.train.y as tf.Tensor));
    await expect(deepEnsemble({ ...base, data: shifted })).rejects.toThrow(/must name the ensemble's training data/);
    dataset.dispose(shifted);
    await expect(deepEnsemble({ ...base, data: splits.train, fit: { epochs: 1, validation: { data: splits.test } } })).rejects.toThrow(/option 'fit\.validation\.data' = "360 rows" is not allowed; must be the validation part of/);
    await expect(deepEnsemble({ ...base, data: splits.train, fit: { epochs: 1, maxSteps: 5 } })).rejects.toThrow(/option 'fit\.maxSteps' = 5 is not allowed; cannot travel to a worker: member trials carry only epochs, batchSize, shuffle, validation/);
    expect(() => members({ runner: {} as never, module, data: { name: 'digits' } })).toThrow(/option 'runner'.*must be a runner/);
    await runner.close();
  });
});
