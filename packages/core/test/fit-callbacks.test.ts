// fit(data, { callbacks }): plugins for one fit (Keras's fit(callbacks=[…])),
// limited to fit-level hooks so that they cannot change what a step computes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { definePlugin, PluginContractError, Trainer, type Plugin } from '@tikhonov/core';
import { checkpoint, loadCheckpoint } from '@tikhonov/core/node';
import { blobs, mlp, paramValues } from './helpers.js';

const make = (plugins: Plugin[] = []) => new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.1 }, plugins, seed: 3, progress: false });
const watcher = (name: string, log: string[], order?: number): Plugin => ({
  name,
  apiVersion: 2,
  ...(order !== undefined ? { order } : {}),
  beforeFit: () => void log.push(`${name}:beforeFit`),
  afterEvaluate: () => void log.push(`${name}:afterEvaluate`),
  afterEpoch: (ctx) => void log.push(`${name}:afterEpoch ${ctx.epoch}`),
  afterFit: () => void log.push(`${name}:afterFit`),
});
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('fit(data, { callbacks })', () => {
  it('a callback runs at its hooks in that fit only, in order with the trainer’s plugins, and leaves the numbers as they were', async () => {
    const data = blobs(24);
    const log: string[] = [];
    const t = make([watcher('late', log, 900)]);
    await t.fit(data, { epochs: 2, batchSize: 8, validation: { data }, callbacks: [watcher('early', log, 100)] });
    expect(log).toEqual([
      'early:beforeFit', 'late:beforeFit',
      'early:afterEvaluate', 'late:afterEvaluate', 'early:afterEpoch 1', 'late:afterEpoch 1',
      'early:afterEvaluate', 'late:afterEvaluate', 'early:afterEpoch 2', 'late:afterEpoch 2',
      'early:afterFit', 'late:afterFit',
    ]);
    log.length = 0;
    await t.fit(data, { epochs: 3, batchSize: 8 });
    expect(log).toEqual(['late:beforeFit', 'late:afterEpoch 3', 'late:afterFit']);
    // the same fits without the callback give the same params, bit for bit
    const plain = make([watcher('late', [], 900)]);
    await plain.fit(data, { epochs: 2, batchSize: 8, validation: { data } });
    await plain.fit(data, { epochs: 3, batchSize: 8 });
    expect(paramValues(t.model.params)).toEqual(paramValues(plain.model.params));
    t.dispose();
    plain.dispose();
  });

  it('a callback can stop the fit, and the stop is attributed to it', async () => {
    const stopAt2 = definePlugin({ name: 'stopAt2', options: {}, setup: () => ({ afterEpoch: (ctx) => (ctx.epoch === 2 ? ctx.requestStop('enough') : undefined) }) });
    const t = make();
    await t.fit(blobs(16), { epochs: 10, batchSize: 8, callbacks: [stopAt2({})] });
    expect(t.epoch).toBe(2);
    expect(t.history.stop).toMatchObject({ by: 'stopAt2', reason: 'enough', step: 4 });
    t.dispose();
  });

  it('core’s checkpoint plugin as a callback (Keras’s ModelCheckpoint) writes a checkpoint that resumes to the same numbers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tikhonov-callbacks-'));
    dirs.push(dir);
    const data = blobs(24);
    const t = make();
    await t.fit(data, { epochs: 2, batchSize: 8, callbacks: [checkpoint({ dir: join(dir, 'ckpt'), everyEpochs: 2 })] });
    const resumed = make();
    resumed.build([4]);
    await loadCheckpoint(resumed, join(dir, 'ckpt'));
    expect(resumed.step).toBe(6);
    await t.fit(data, { epochs: 4, batchSize: 8 });
    await resumed.fit(data, { epochs: 4, batchSize: 8 });
    expect(paramValues(resumed.model.params)).toEqual(paramValues(t.model.params));
    t.dispose();
    resumed.dispose();
  });

  it('refuses a callback with a step-level hook, checkpointed state, or a name taken, before any hook runs', async () => {
    const log: string[] = [];
    const t = make([watcher('mine', log)]);
    const data = blobs(16);
    const bad = (extra: Record<string, unknown>, name = 'cb') => ({ name, apiVersion: 2, beforeFit: () => void log.push('ran'), ...extra }) as unknown as Plugin;
    await expect(t.fit(data, { epochs: 1, callbacks: [bad({ penalty: () => undefined })] })).rejects.toThrow(PluginContractError);
    await expect(t.fit(data, { epochs: 1, callbacks: [bad({ penalty: () => undefined })] })).rejects.toThrow(
      /fit's callbacks\[0\] 'cb' implements penalty; a callback may implement only the fit-level hooks beforeFit, beforeEpoch, beforeEvaluate, afterEvaluate, afterEpoch, afterFit, onError/,
    );
    await expect(t.fit(data, { epochs: 1, callbacks: [bad({ stateDict: () => ({}) })] })).rejects.toThrow(/'cb' implements stateDict/);
    await expect(t.fit(data, { epochs: 1, callbacks: [bad({}, 'mine')] })).rejects.toThrow(/fit's callbacks\[0\] is named 'mine' like a plugin of the trainer/);
    await expect(t.fit(data, { epochs: 1, callbacks: [bad({}), bad({})] })).rejects.toThrow(/two plugins are named 'cb'/);
    await expect(t.fit(data, { epochs: 1, callbacks: [null as unknown as Plugin] })).rejects.toThrow(/fit's callbacks\[0\] is null, not a plugin object/);
    await expect(t.fit(data, { epochs: 1, callbacks: 'cb' as unknown as Plugin[] })).rejects.toThrow(/option 'callbacks'.*must be a list of plugins/);
    expect(log).toEqual([]);
    expect(t.isBuilt ? t.step : 0).toBe(0);
    t.dispose();
  });
});
