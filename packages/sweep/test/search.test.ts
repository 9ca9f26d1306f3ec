import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { dataset } from '@tikhonov/core';
import { loadDigits, trainValidationTest } from '@tikhonov/datasets';
import { choice, CodeVersionError, grid, inline, local, search, type SearchOptions, type TrialResult } from '@tikhonov/sweep';
import { makeTrainer } from './fixtures/digits-trial.js';

const module = new URL('./fixtures/digits-trial.ts', import.meta.url);
const base: SearchOptions = { space: { alpha: choice([0, 1e-3]), rate: choice([0, 0.3]) }, module, data: { name: 'digits' }, epochs: 4, fit: { batchSize: 64 }, strategy: grid(), seed: 1 };
/** A row without the columns that depend on where and how fast it ran. */
const numbers = (r: TrialResult) => ({ ...r, seconds: 0, worker: '' });
const reference = inline();
afterAll(() => reference.close());

describe('search', () => {
  it("a trial's value is the best val.loss of training its trainer by hand, and its steps those of that fit", async () => {
    // long enough that validation loss turns up and early stopping ends some fits: the value is the best pass, not the last
    const result = await search({ ...base, epochs: 25, runner: reference });
    expect(result.table.length).toBe(4);
    expect(result.table.some((r) => r.stoppedBy === 'earlyStopping')).toBe(true);
    const whole = loadDigits().data;
    const splits = trainValidationTest(whole, { validation: 0.2, test: 0.2, seed: 0 });
    for (const row of result.table) {
      const trainer = makeTrainer(row.params, row.seed);
      await trainer.fit(splits.train, { epochs: 25, batchSize: 64, validation: { data: splits.validation } });
      // the minimum over the validation passes, read from the history (not from early stopping's note)
      const losses = trainer.history.evaluations.map((e) => e['val.loss']!);
      expect(row.value).toBe(Math.min(...losses));
      expect(row.bestEpoch).toBe(losses.indexOf(Math.min(...losses)) + 1);
      expect(row.steps).toBe(trainer.step);
      trainer.dispose();
    }
    // the best row is the one with the lowest value
    expect(result.best!.value).toBe(Math.min(...result.table.map((r) => r.value!)));
    for (const p of [whole, splits.train, splits.validation, splits.test]) dataset.dispose(p);
  });

  it('two worker threads give the same table, bit for bit, as running each trial alone in this process', async () => {
    const alone = await search({ ...base, runner: reference });
    const runner = local({ workers: 2 });
    const threads = await search({ ...base, runner });
    await runner.close();
    expect(threads.table.map(numbers)).toEqual(alone.table.map(numbers));
    expect(new Set(threads.table.map((r) => r.worker)).size).toBe(2);
    expect(threads.best?.params).toEqual(alone.best?.params);
  });

  it('repeated searches in one process leave no tensors behind once the runner closes', async () => {
    const runner = inline();
    const before = tf.memory().numTensors;
    await search({ ...base, runner });
    const afterFirst = tf.memory().numTensors; // the runner's cached data
    for (let i = 0; i < 3; i++) await search({ ...base, runner });
    expect(tf.memory().numTensors).toBe(afterFirst);
    await runner.close();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('bad searches and trial modules are refused with the option, its value and what is allowed', async () => {
    await expect(search({ ...base, exportName: 'withoutStopping', runner: reference })).rejects.toThrow(/withoutStopping.*earlyStopping.*objective metric/);
    await expect(search({ ...base, exportName: 'nothing', runner: reference })).rejects.toThrow(/exportName.*nothing.*makeTrainer/);
    await expect(search({ ...base, module: '/no/such/trial.ts' })).rejects.toThrow(/module.*\/no\/such\/trial\.ts.*readable file/);
    await expect(search({ ...base, data: { name: 'mnist' as never } })).rejects.toThrow(/data\.name.*one of digits, breast-cancer/);
    await expect(search({ ...base, epochs: 0 })).rejects.toThrow(/epochs/);
    await expect(search({ ...base, objective: { metric: 'val.accuracy', mode: 'up' as never } })).rejects.toThrow(/mode.*'min' or 'max'/);
    await expect(search({ ...base, runner: {} as never })).rejects.toThrow(/runner.*inline\(\), local/);
    await expect(search({ ...base, extra: 1 } as never)).rejects.toThrow(/extra/);
    // a worker whose module is other code than the driver's refuses the trial
    const { ModuleHost } = await import('../src/runner.js');
    const host = new ModuleHost(1, 'test');
    const [row] = (await search({ ...base, strategy: undefined, trials: 1, runner: reference })).table;
    await expect(host.run({ ...row!, fit: {}, data: { name: 'digits' }, objective: { metric: 'val.loss', mode: 'min' }, module: module.href, exportName: 'makeTrainer', codeVersion: 'another' })).rejects.toThrow(CodeVersionError);
    host.dispose();
  });
});
