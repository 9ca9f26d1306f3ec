import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { dataset, nn, schedules, Trainer, type Dataset, type LearningRateSchedule, type Plugin } from '@tikhonov/core';
import { checkPlugin } from '@tikhonov/core/testing';
import { ema, fastGeometricEnsemble, snapshotEnsemble, swa } from '@tikhonov/ensembles';

const host = (t: tf.Tensor) => Array.from(t.dataSync());

/** 96 examples of 3 Gaussian blobs in 4-D: 6 batches of 16 an epoch. */
function blobs(): Dataset {
  const labels = tf.tensor1d(Array.from({ length: 96 }, (_, i) => i % 3), 'int32');
  const x = tf.tidy(() => tf.add(tf.gather(tf.randomNormal([3, 4], 0, 2, 'float32', 1), labels), tf.randomNormal([96, 4], 0, 1, 'float32', 2)));
  return dataset.fromTensors(x, labels);
}

const makeTrainer = (learningRate: LearningRateSchedule, plugins: Plugin[] = [], model = () => nn.sequential([nn.dense(8, { activation: 'tanh' }), nn.dense(3)])) =>
  new Trainer({ model: model(), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate }, plugins, seed: 5, progress: false });

/** A plain trainer's params after each of the given epoch counts (fit is cumulative). */
async function paramsAt(schedule: LearningRateSchedule, data: Dataset, epochs: number[]): Promise<Record<string, number[]>[]> {
  const plain = makeTrainer(schedule);
  const out: Record<string, number[]>[] = [];
  for (const e of epochs) {
    await plain.fit(data, { epochs: e, batchSize: 16 });
    out.push(Object.fromEntries(plain.params.all.map((p) => [p.name, host(p.variable)])));
  }
  plain.dispose();
  return out;
}

const membersOf = (plugin: Plugin) =>
  (plugin.stateDict!().members as Record<string, { values: number[] }>[]).map((m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Array.from(v.values)])));

describe('snapshot ensembles and fast geometric ensembling', () => {
  it("snapshotEnsemble's members are exactly the params at each cosine cycle's end, and predict averages their probabilities", async () => {
    const data = blobs();
    const schedule = schedules.cosineWarmRestarts({ max: 0.3, period: 2 });
    const plugin = snapshotEnsemble();
    const trainer = makeTrainer(schedule, [plugin]);
    await trainer.fit(data, { epochs: 6, batchSize: 16 });
    const members = membersOf(plugin);
    // the independent oracle: a plain trainer under the same seed, stopped at epochs 2, 4, 6
    expect(members).toEqual(await paramsAt(schedule, data, [2, 4, 6]));
    // by hand: log of the mean of softmax(forward with member k's params)
    const probs = members.map((m) =>
      tf.tidy(() => tf.softmax(trainer.model.forward(data.x, { training: false, transformParam: (p) => tf.tensor(m[p.name]!, [...p.shape]) }) as tf.Tensor)),
    );
    const expected = tf.div(tf.addN(probs), probs.length);
    const predicted = tf.softmax(trainer.predict(data.x) as tf.Tensor);
    expect(host(predicted)).toEqual(host(expected).map((v) => expect.closeTo(v, 5)));
    // the members differ (the restarts moved the params), so the average is not one of them
    expect(members[0]!['dense_1/kernel']).not.toEqual(members[2]!['dense_1/kernel']);
    tf.dispose([...probs, expected, predicted]);
    trainer.dispose();
    dataset.dispose(data);
  });

  it("fastGeometricEnsemble's members are the params at each triangular cycle's middle (the lowest rate)", async () => {
    const data = blobs();
    const schedule = schedules.cyclicLinear({ high: 0.3, low: 0.03, period: 2 });
    const plugin = fastGeometricEnsemble({ maxMembers: 2 });
    const trainer = makeTrainer(schedule, [plugin]);
    await trainer.fit(data, { epochs: 6, batchSize: 16 });
    // middles at epochs 1, 3, 5; maxMembers 2 keeps the last two
    expect(membersOf(plugin)).toEqual((await paramsAt(schedule, data, [1, 3, 5])).slice(1));
    trainer.dispose();
    dataset.dispose(data);
  });

  it('refuses a learning rate without cycles, naming the option and what to use', async () => {
    const data = blobs();
    const trainer = makeTrainer(schedules.cosineDecay({ initial: 0.1, epochs: 3 }), [snapshotEnsemble()]);
    await expect(trainer.fit(data, { epochs: 1 })).rejects.toThrow(/optimizer\.learningRate.*cosineDecay.*cosineWarmRestarts/);
    trainer.dispose();
    dataset.dispose(data);
  });

  for (const [label, factory, schedule] of [
    // members are held on purpose, so the leak check needs a cap to see a flat count
    ['snapshotEnsemble', () => snapshotEnsemble({ maxMembers: 2 }), schedules.cosineWarmRestarts({ max: 0.05, period: 0.25 })],
    ['fastGeometricEnsemble', () => fastGeometricEnsemble({ maxMembers: 2 }), schedules.cyclicLinear({ high: 0.05, low: 0.01, period: 0.25 })],
  ] as const) {
    it(`${label} (maxMembers: 2) passes checkPlugin`, async () => void (await checkPlugin(factory, { optimizer: { name: 'sgd', learningRate: schedule } })));
  }
});

describe("SWA's batch-norm statistics (update_bn)", () => {
  it('after every collection, the averaged statistics equal the moments of the batch-norm input over the training data under the averaged weights', async () => {
    const data = blobs();
    const plugin = swa({ start: 2 });
    const trainer = makeTrainer(schedules.stepDecay({ initial: 0.1, every: 10 }), [plugin], () =>
      nn.sequential([nn.dense(5, { name: 'd' }), nn.batchNorm({ name: 'bn' }), nn.relu(), nn.dense(3)]),
    );
    await trainer.fit(data, { epochs: 4, batchSize: 16 });
    const values = (plugin.stateDict!().values as Record<string, { shape: number[]; values: number[] }>);
    // direct: h = x·W̄ + b̄ over all 96 examples, its mean and biased variance
    const h = tf.add(tf.matMul(data.x as tf.Tensor2D, tf.tensor2d(values["d/kernel"]!.values, values["d/kernel"]!.shape as [number, number])), tf.tensor1d(values['d/bias']!.values));
    const { mean, variance } = tf.moments(h, 0);
    expect(Array.from(values['bn/movingMean']!.values)).toEqual(host(mean).map((v) => expect.closeTo(v, 4)));
    expect(Array.from(values['bn/movingVariance']!.values)).toEqual(host(variance).map((v) => expect.closeTo(v, 3)));
    // and they are not what averaging the moving statistics would give
    const averaged = swa({ start: 2, batchNorm: 'average' });
    const other = makeTrainer(schedules.stepDecay({ initial: 0.1, every: 10 }), [averaged], () =>
      nn.sequential([nn.dense(5, { name: 'd' }), nn.batchNorm({ name: 'bn' }), nn.relu(), nn.dense(3)]),
    );
    await other.fit(data, { epochs: 4, batchSize: 16 });
    const kept = (averaged.stateDict!().values as Record<string, { values: number[] }>)['bn/movingVariance']!.values;
    expect(Math.max(...kept.map((v, i) => Math.abs(v - host(variance)[i]!)))).toBeGreaterThan(0.05);
    tf.dispose([h, mean, variance]);
    trainer.dispose();
    other.dispose();
    dataset.dispose(data);
  });
});

describe("EMA's batch-norm statistics, refreshed before every validation", () => {
  type Saved = Record<string, { shape: number[]; values: number[] }>;
  const bnModel = () => nn.sequential([nn.dense(5, { name: 'd' }), nn.batchNorm({ name: 'bn' }), nn.relu(), nn.dense(3)]);
  // the moments of the batch-norm input h = x·W + b over all examples, for the given W, b
  const direct = (data: Dataset, w: Saved[string], b: Saved[string]) =>
    tf.tidy(() => {
      const { mean, variance } = tf.moments(tf.add(tf.matMul(data.x as tf.Tensor2D, tf.tensor2d(w.values, w.shape as [number, number])), tf.tensor1d(b.values)), 0);
      return [host(mean), host(variance)];
    });

  it('each validation pass runs θ̄ with the exact statistics of θ̄ (with bias correction too); after the fit predict does as well', async () => {
    for (const biasCorrection of [false, true]) {
      const data = blobs();
      const plugin = ema({ decay: 0.9, biasCorrection });
      const seen: Array<{ statistics: Saved; values: Saved; count: number }> = [];
      const watcher: Plugin = { name: 'watcher', apiVersion: 2, afterEvaluate: () => void seen.push(plugin.stateDict!() as never) };
      const trainer = makeTrainer(schedules.stepDecay({ initial: 0.1, every: 10 }), [plugin, watcher], bnModel);
      await trainer.fit(data, { epochs: 3, batchSize: 16, validation: { data, every: { steps: 4 } } });
      expect(seen).toHaveLength(4); // 18 steps: validation at 4, 8, 12, 16
      for (const { statistics, values, count } of seen) {
        // θ̄ as inference uses it: the stored average, divided by 1 − βᵗ with bias correction
        const scale = biasCorrection ? 1 / (1 - 0.9 ** count) : 1;
        const w = { shape: values['d/kernel']!.shape, values: Array.from(values['d/kernel']!.values, (v) => v * scale) };
        const b = { shape: values['d/bias']!.shape, values: Array.from(values['d/bias']!.values, (v) => v * scale) };
        const [mean, variance] = direct(data, w, b);
        expect(Array.from(statistics['bn/movingMean']!.values)).toEqual(mean!.map((v) => expect.closeTo(v, 4)));
        expect(Array.from(statistics['bn/movingVariance']!.values)).toEqual(variance!.map((v) => expect.closeTo(v, 3)));
      }
      // after the fit: refreshed for the final θ̄, and predict uses them (by hand: the BN layer on the averaged params)
      const final = plugin.stateDict!() as { statistics: Saved; values: Saved; count: number };
      const scale = biasCorrection ? 1 / (1 - 0.9 ** final.count) : 1;
      const p = (name: string) => tf.tensor(Array.from(final.values[name]!.values, (v) => v * scale), final.values[name]!.shape);
      const byHand = tf.tidy(() => {
        const h = tf.add(tf.matMul(data.x as tf.Tensor2D, p('d/kernel') as tf.Tensor2D), p('d/bias'));
        const m = tf.tensor1d(final.statistics['bn/movingMean']!.values);
        const v = tf.tensor1d(final.statistics['bn/movingVariance']!.values);
        const gamma = p('bn/gamma');
        const beta = p('bn/beta');
        const normed = tf.add(tf.mul(tf.div(tf.sub(h, m), tf.sqrt(tf.add(v, 1e-3))), gamma), beta);
        const dense = trainer.params.all.filter((q) => q.name.startsWith('dense'));
        return tf.add(tf.matMul(tf.relu(normed), p(dense.find((q) => q.role === 'weight')!.name) as tf.Tensor2D), p(dense.find((q) => q.role === 'bias')!.name));
      });
      expect(host(trainer.predict(data.x) as tf.Tensor)).toEqual(host(byHand).map((v) => expect.closeTo(v, 3)));
      byHand.dispose();
      trainer.dispose();
      dataset.dispose(data);
    }
  });

  it("'average' keeps the moving average of the moving statistics instead; checkPlugin passes with a batch-norm model", async () => {
    const data = blobs();
    const plugin = ema({ decay: 0.9, batchNorm: 'average' });
    const trainer = makeTrainer(schedules.stepDecay({ initial: 0.1, every: 10 }), [plugin], bnModel);
    await trainer.fit(data, { epochs: 3, batchSize: 16, validation: { data } });
    const state = plugin.stateDict!() as { statistics: Saved | null; values: Saved };
    expect(state.statistics).toBeNull();
    const [, variance] = direct(data, state.values['d/kernel']!, state.values['d/bias']!);
    expect(Math.max(...Array.from(state.values['bn/movingVariance']!.values, (v, i) => Math.abs(v - variance![i]!)))).toBeGreaterThan(0.05);
    trainer.dispose();
    dataset.dispose(data);
    await checkPlugin(() => ema({ decay: 0.9 }), { model: bnModel });
  });
});
