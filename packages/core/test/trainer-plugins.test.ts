import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { clipGradients, dataset, nn, OptionError, reduceOnPlateau, schedules, Trainer, type Plugin } from '@tikhonov/core';
import { checkPlugin } from '@tikhonov/core/testing';
import { blobs, mlp } from './helpers.js';

/** A plugin that copies the gradients it sees to the host, at the given order (before or after the plugin under test). */
function gradientTap(name: string, order: number, seen: Array<Record<string, number[]>>): Plugin {
  return {
    name,
    apiVersion: 2,
    order,
    transformGradients: (grads) => (seen.push(Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, Array.from(g.dataSync())]))), grads),
  };
}

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('clipGradients (Keras clipnorm / global_clipnorm / clipvalue)', () => {
  async function clipped(options: Parameters<typeof clipGradients>[0]) {
    const raw: Array<Record<string, number[]>> = [];
    const out: Array<Record<string, number[]>> = [];
    const plugins = [gradientTap('raw', 100, raw), clipGradients(options), gradientTap('out', 900, out)];
    const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', plugins, seed: 2, progress: false, logEvery: 1 });
    const data = blobs(24);
    await t.fit(data, { epochs: 1, batchSize: 8 });
    const reported = t.history.logs.map((r) => r['clipGradients.norm']!);
    t.dispose();
    dataset.dispose(data);
    return { raw, out, reported };
  }

  it('by global norm: every gradient scaled by min(1, c/‖g‖) over all params; the reported norm is ‖g‖ before clipping', async () => {
    const { raw, out, reported } = await clipped({ globalNorm: 0.05 });
    raw.forEach((step, s) => {
      const total = norm(Object.values(step).flat());
      expect(reported[s]).toBeCloseTo(total, 5);
      expect(total).toBeGreaterThan(0.05); // so the clip acts
      for (const [k, g] of Object.entries(step)) expect(out[s]![k]).toEqual(g.map((v) => expect.closeTo(v * Math.min(1, 0.05 / total), 6)));
    });
  });

  it("by each param's norm, and by value", async () => {
    const byNorm = await clipped({ norm: 0.02 });
    byNorm.raw.forEach((step, s) => {
      for (const [k, g] of Object.entries(step)) expect(byNorm.out[s]![k]).toEqual(g.map((v) => expect.closeTo(v * Math.min(1, 0.02 / norm(g)), 6)));
    });
    const byValue = await clipped({ value: 0.003 });
    byValue.raw.forEach((step, s) => {
      for (const [k, g] of Object.entries(step)) expect(byValue.out[s]![k]).toEqual(g.map((v) => Math.max(-0.003, Math.min(0.003, v))).map((v) => expect.closeTo(v, 7)));
    });
    // some entries were inside the bound and some outside, or the test would not tell clipping from scaling
    const flat = byValue.raw.flatMap((s) => Object.values(s).flat());
    expect(flat.some((v) => Math.abs(v) > 0.003) && flat.some((v) => Math.abs(v) < 0.003)).toBe(true);
  });

  it('needs exactly one of its options; passes checkPlugin', async () => {
    expect(() => clipGradients({} as never)).toThrow(/exactly one of norm, globalNorm or value/);
    expect(() => clipGradients({ norm: 1, value: 1 })).toThrow(/norm, value/);
    expect(() => clipGradients({ norm: -1 })).toThrow(OptionError);
    await checkPlugin(() => clipGradients({ globalNorm: 0.1 }));
  });
});

describe('reduceOnPlateau (Keras ReduceLROnPlateau)', () => {
  /** The learning rate at the start of each epoch, and the trainer. */
  async function rates(plugin: Plugin, epochs: number, monitorData = true) {
    const seen: number[] = [];
    const watcher: Plugin = { name: 'watcher', apiVersion: 2, beforeEpoch: (ctx) => void seen.push(ctx.learningRate!) };
    const t = new Trainer({ model: nn.dense(1), loss: 'mse', optimizer: { name: 'sgd', learningRate: 0.01 }, plugins: [plugin, watcher], seed: 1, progress: false });
    const data = dataset.fromArrays([[0], [1], [2], [3]], [[1], [3], [5], [7]]);
    await t.fit(data, { epochs, batchSize: 4, ...(monitorData ? { validation: { data } } : {}) });
    t.dispose();
    dataset.dispose(data);
    return seen;
  }

  it('no improvement: a reduction after every `patience` bad epochs, then `cooldown` epochs without counting (by hand: epochs 3, 6, 9)', async () => {
    // minDelta 1e9: only the first epoch improves (on +∞); patience 2, cooldown 2
    const seen = await rates(reduceOnPlateau({ minDelta: 1e9, patience: 2, cooldown: 2, factor: 0.5 }), 10);
    expect(seen).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125].map((f) => expect.closeTo(0.01 * f, 9)));
  });

  it('a steadily falling loss never reduces; mode max on it reduces every epoch after the first, down to the floor', async () => {
    // full-batch gradient descent on a least-squares line: the loss falls every epoch
    expect(await rates(reduceOnPlateau({ monitor: 'loss', minDelta: 0, patience: 1 }), 6, false)).toEqual(Array(6).fill(0.01));
    const floor = await rates(reduceOnPlateau({ monitor: 'loss', mode: 'max', minDelta: 0, patience: 1, factor: 0.5, minLearningRate: 0.002 }), 6, false);
    expect(floor).toEqual([0.01, 0.01, 0.005, 0.0025, 0.002, 0.002].map((v) => expect.closeTo(v, 9)));
  });

  it('names a missing monitor and refuses a schedule; passes checkPlugin', async () => {
    await expect(rates(reduceOnPlateau({ monitor: 'val.loss' }), 2, false)).rejects.toThrow(/'monitor' = "val\.loss".*must be one of the epoch's metrics \(epoch, step, loss\)/);
    const t = new Trainer({ model: nn.dense(1), loss: 'mse', optimizer: { name: 'sgd', learningRate: schedules.stepDecay({ initial: 0.1, every: 2 }) }, plugins: [reduceOnPlateau()], progress: false });
    const data = dataset.fromArrays([[0], [1]], [[0], [1]]);
    await expect(t.fit(data, { epochs: 1, batchSize: 2 })).rejects.toThrow(/constant learningRate/);
    t.dispose();
    dataset.dispose(data);
    await checkPlugin(() => reduceOnPlateau({ patience: 1, minDelta: 1e9 }));
  });
});

describe('ctx.setLearningRate', () => {
  it('sets the rate of the next steps (SGD moves by the new rate × gradient) and refuses a bad rate', async () => {
    const steps: number[] = [];
    const setter: Plugin = {
      name: 'setter',
      apiVersion: 2,
      beforeEpoch: (ctx) => ctx.setLearningRate(ctx.epoch === 0 ? 0.1 : 0.3),
      afterStep: (ctx) => void steps.push(ctx.learningRate!),
    };
    const t = new Trainer({ model: nn.dense(1, { useBias: false }), loss: 'mse', optimizer: { name: 'sgd', learningRate: 0.01 }, plugins: [setter], progress: false });
    // y = 0, x = 1: loss w², gradient 2w, so w ← w(1 − 2lr)
    const data = dataset.fromArrays([[1]], [[0]]);
    t.predict(tf.tensor2d([[1]])); // builds the model
    const w0 = t.params.all[0]!.variable.dataSync()[0]!;
    await t.fit(data, { epochs: 2, batchSize: 1 });
    expect(steps).toEqual([0.1, 0.3]);
    expect(t.params.all[0]!.variable.dataSync()[0]!).toBeCloseTo(w0 * (1 - 0.2) * (1 - 0.6), 6);
    const bad: Plugin = { name: 'bad', apiVersion: 2, beforeFit: (ctx) => ctx.setLearningRate(-1) };
    const u = new Trainer({ model: nn.dense(1), loss: 'mse', plugins: [bad], progress: false });
    await expect(u.fit(data, { epochs: 1, batchSize: 1 })).rejects.toThrow(/learningRate.*-1.*finite number > 0/);
    [t, u].forEach((x) => x.dispose());
    dataset.dispose(data);
  });
});

describe('lrFind (the learning-rate range test, fastai lr_find)', () => {
  it('sweeps rates geometrically, stops on divergence only past GD’s stability limit 2/λmax, and leaves the trainer exactly as it was', async () => {
    const { lrFind } = await import('@tikhonov/core');
    // least squares y = 2x + 1 on x = 0…3 with a dense(1) model: the mse's Hessian is 2·[[E x², E x], [E x, 1]]
    const xs = [0, 1, 2, 3];
    const data = dataset.fromArrays(xs.map((x) => [x]), xs.map((x) => [2 * x + 1]));
    const m1 = xs.reduce((s, x) => s + x, 0) / 4;
    const m2 = xs.reduce((s, x) => s + x * x, 0) / 4;
    const lambdaMax = m2 + 1 + Math.sqrt((m2 - 1) ** 2 + 4 * m1 ** 2);
    const limit = 2 / lambdaMax;
    const t = new Trainer({ model: nn.dense(1), loss: 'mse', optimizer: { name: 'sgd', learningRate: 0.05 }, seed: 3, progress: false });
    await t.fit(data, { epochs: 2, batchSize: 4 });
    const before = { params: t.params.all.map((p) => Array.from(p.variable.dataSync())), step: t.step, logs: t.history.logs.length, epochs: t.history.epochs.length };
    const found = await lrFind(t, data, { start: 1e-4, end: 10, steps: 60, batchSize: 4 });
    // geometric spacing, by hand
    found.rates.forEach((r, i) => expect(r).toBeCloseTo(1e-4 * (10 / 1e-4) ** (i / 59), 12));
    // full-batch GD on a quadratic cannot raise the loss while every rate so far is below 2/λmax
    const stable = found.rates.findIndex((r) => r >= limit);
    for (let i = 1; i < stable; i++) expect(found.losses[i]!).toBeLessThanOrEqual(found.losses[i - 1]! * (1 + 1e-6));
    expect(found.diverged).toBe(true);
    expect(found.rates.at(-1)!).toBeGreaterThan(limit);
    // the suggestions lie where gradient descent is stable, below 2/λmax
    for (const r of [found.valley, found.steepest]) expect(r).toBeLessThan(limit);
    // restored: params bit for bit, counters, history, the rate
    expect(t.params.all.map((p) => Array.from(p.variable.dataSync()))).toEqual(before.params);
    expect([t.step, t.history.logs.length, t.history.epochs.length]).toEqual([before.step, before.logs, before.epochs]);
    expect(t.optimizer['learningRate' as keyof typeof t.optimizer]).toBe(0.05);
    console.log(`lrFind: 2/λmax = ${limit.toFixed(4)}; stopped at ${found.rates.at(-1)!.toFixed(4)} after ${found.rates.length} steps; valley ${found.valley.toExponential(2)}, steepest ${found.steepest.toExponential(2)}, minimum/10 ${found.minimumOverTen.toExponential(2)}`);
    await expect(lrFind(t, data, { start: 1, end: 0.1 })).rejects.toThrow(/'end' = 0\.1.*above start/);
    t.dispose();
    dataset.dispose(data);
  });
});

describe('fit with an AbortSignal', () => {
  it('an abort mid-epoch stops after that step, records why, and the trainer fits on from there with no tensors left over', async () => {
    const controller = new AbortController();
    const stopper: Plugin = { name: 'stopper', apiVersion: 2, afterStep: (ctx) => void (ctx.step === 5 && controller.abort('user pressed stop')) };
    const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', plugins: [stopper], progress: false });
    const data = blobs(64);
    const history = await t.fit(data, { epochs: 3, batchSize: 8, signal: controller.signal });
    expect(t.step).toBe(5);
    expect(history.stop).toEqual({ by: 'signal', reason: 'aborted: user pressed stop', step: 5 });
    expect(t.batchesIntoEpoch).toBe(5);
    const tensors = tf.memory().numTensors;
    await t.fit(data, { epochs: 3, batchSize: 8 });
    expect(t.step).toBe(24); // 8 batches an epoch: the rest of epoch 1, then epochs 2 and 3
    expect(tf.memory().numTensors).toBe(tensors);
    // an already aborted signal trains nothing
    const done = new AbortController();
    done.abort();
    const before = t.step;
    await t.fit(data, { epochs: 5, batchSize: 8, signal: done.signal });
    expect(t.step).toBe(before);
    expect(t.history.stop?.reason).toBe('aborted');
    t.dispose();
    dataset.dispose(data);
  });

  it('the fit yields to the event loop, so a timer can abort a long fit while it runs', async () => {
    const controller = new AbortController();
    const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', progress: false, logEvery: 1_000_000 });
    const data = blobs(8);
    setTimeout(() => controller.abort(), 50);
    // 100 000 one-batch epochs would take minutes; the timer must get its turn long before
    const history = await t.fit(data, { epochs: 100_000, batchSize: 8, signal: controller.signal });
    expect(history.stop?.by).toBe('signal');
    expect(t.step).toBeGreaterThan(0);
    expect(t.step).toBeLessThan(100_000);
    await expect(t.fit(data, { epochs: 1, signal: 'stop' as never })).rejects.toThrow(/option 'signal' .*must be an AbortSignal/);
    t.dispose();
    dataset.dispose(data);
  });
});
