import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { dataset, nn, OptionError, schedules, Trainer, type LearningRateSchedule, type Plugin } from '@tikhonov/core';

// Values below are worked out by hand from each schedule's defining formula (cited in schedules.ts).
describe('learning-rate schedules against their formulas', () => {
  it('stepDecay and exponentialDecay', () => {
    const s = schedules.stepDecay({ initial: 0.8, every: 2, factor: 0.5 });
    expect([0, 1.99, 2, 5.5].map((e) => s.at(e))).toEqual([0.8, 0.8, 0.4, 0.2]);
    const x = schedules.exponentialDecay({ initial: 1, rate: 0.25 });
    expect(x.at(0.5)).toBeCloseTo(0.5, 12);
    expect(schedules.exponentialDecay({ initial: 1, rate: 0.25, staircase: true }).at(1.5)).toBe(0.25);
  });

  it('cosineDecay: halfway is the midpoint, the end is min and stays', () => {
    const s = schedules.cosineDecay({ initial: 1, min: 0.2, epochs: 4 });
    expect(s.at(0)).toBeCloseTo(1, 12);
    expect(s.at(2)).toBeCloseTo(0.6, 12);
    expect(s.at(1)).toBeCloseTo(0.2 + 0.8 * (1 + Math.SQRT1_2) / 2, 12);
    expect(s.at(4)).toBeCloseTo(0.2, 12);
    expect(s.at(9)).toBeCloseTo(0.2, 12);
  });

  it('cosineWarmRestarts: restarts at period·(1 + m + … + m^(i−1)), cycle index and phase', () => {
    const equal = schedules.cosineWarmRestarts({ max: 1, period: 2 });
    expect(equal.at(1)).toBeCloseTo(0.5, 12);
    expect(equal.at(1.999)).toBeLessThan(1e-5);
    expect(equal.at(2)).toBeCloseTo(1, 12);
    expect(equal.cycle!(5)).toEqual({ index: 2, phase: 0.5 });
    // cycles of 2, 4, 8 epochs start at 0, 2, 6
    const growing = schedules.cosineWarmRestarts({ max: 1, min: 0.1, period: 2, multiplier: 2 });
    expect(growing.at(4)).toBeCloseTo(0.55, 12);
    expect(growing.at(6)).toBeCloseTo(1, 12);
    expect(growing.cycle!(10).index).toBe(2);
    expect(growing.cycle!(10).phase).toBeCloseTo(0.5, 12);
  });

  it('cyclicLinear: high → low at mid-cycle → high (FGE)', () => {
    const s = schedules.cyclicLinear({ high: 1, low: 0.2, period: 2 });
    expect([0, 0.5, 1, 1.5].map((e) => s.at(e)).map((v) => +v.toFixed(12))).toEqual([1, 0.6, 0.2, 0.6]);
    expect(s.cycle!(3)).toEqual({ index: 1, phase: 0.5 });
  });

  it('oneCycle: max/div at 0, max at the end of the warm-up, max/(div·finalDiv) at the end', () => {
    const s = schedules.oneCycle({ max: 1, epochs: 10, warmupFraction: 0.2, divFactor: 10, finalDivFactor: 100 });
    expect(s.at(0)).toBeCloseTo(0.1, 12);
    expect(s.at(1)).toBeCloseTo(0.55, 12);
    expect(s.at(2)).toBeCloseTo(1, 12);
    expect(s.at(6)).toBeCloseTo((1 + 0.001) / 2, 12);
    expect(s.at(10)).toBeCloseTo(0.001, 12);
  });

  it('linearWarmup ramps into another schedule', () => {
    const s = schedules.linearWarmup({ to: schedules.stepDecay({ initial: 1, every: 3 }), epochs: 2, startFactor: 0.5 });
    expect(s.at(0)).toBe(0.5);
    expect(s.at(1)).toBe(0.75);
    expect(s.at(2)).toBe(1);
    expect(s.at(3)).toBeCloseTo(0.1, 12);
  });

  it('bad options name the option and what is allowed', () => {
    expect(() => schedules.cosineWarmRestarts({ max: 1, period: 0 })).toThrow(/period.*> 0/);
    expect(() => schedules.cyclicLinear({ high: 0.1, low: 0.2, period: 1 })).toThrow(/low.*below high/);
    expect(() => schedules.stepDecay({ initial: 1, every: 1, factr: 0.5 } as never)).toThrow(OptionError);
  });
});

describe('a schedule in the trainer', () => {
  // Loss = mean of the output of a bias-free dense(1) on inputs of ones: ∂loss/∂w = 1 for every weight,
  // so under SGD each step moves every weight by exactly −lr: w_end − w_0 = −Σ lr(step).
  const constantGradient = () => {
    const x = tf.ones([12, 3]);
    return dataset.fromTensors(x, tf.zeros([12, 1]));
  };

  it('every step runs at schedule.at(E + b/B), logged in the history; ctx.learningRate agrees', async () => {
    const schedule = schedules.cosineWarmRestarts({ max: 0.1, min: 0.01, period: 1.5 });
    const seen: number[] = [];
    const probe: Plugin = { name: 'probe', apiVersion: 2, afterStep: (ctx) => void seen.push(ctx.learningRate!) };
    const trainer = new Trainer({
      model: nn.dense(1, { useBias: false }),
      loss: (pred) => tf.mean(pred as tf.Tensor) as tf.Scalar,
      optimizer: { name: 'sgd', learningRate: schedule },
      plugins: [probe],
      logEvery: 1,
      progress: false,
    });
    const data = constantGradient();
    trainer.build([3]);
    const w0 = trainer.params.all[0]!.variable.dataSync().slice();
    await trainer.fit(data, { epochs: 3, batchSize: 4 });
    // by hand: B = 3 batches per epoch, steps at e = 0, 1/3, 2/3, 1, …, 8/3
    const expected = Array.from({ length: 9 }, (_, t) => {
      const phase = (t / 3 / 1.5) % 1;
      return 0.01 + 0.09 * (1 + Math.cos(Math.PI * phase)) / 2;
    });
    seen.forEach((lr, i) => expect(lr).toBeCloseTo(expected[i]!, 6));
    expect(seen).toHaveLength(9);
    expect(trainer.history.logs.map((r) => r.learningRate)).toEqual(seen);
    const w = trainer.params.all[0]!.variable.dataSync();
    const total = expected.reduce((a, b) => a + b, 0);
    for (let i = 0; i < 3; i++) expect(w[i]! - w0[i]!).toBeCloseTo(-total, 5);
    trainer.dispose();
    dataset.dispose(data);
  });

  it('a custom schedule that gives NaN stops the fit with an error naming it', async () => {
    const bad: LearningRateSchedule = { kind: 'mine', at: (e) => (e > 0.5 ? Number.NaN : 0.1) };
    const trainer = new Trainer({ model: nn.dense(1), loss: 'mse', optimizer: { name: 'adam', learningRate: bad }, progress: false });
    const data = constantGradient();
    await expect(trainer.fit(data, { epochs: 1, batchSize: 4 })).rejects.toThrow(/= NaN .*mine schedule gave this at epoch 0\.666/);
    trainer.dispose();
    dataset.dispose(data);
  });
});

describe('batchNormStatistics (update_bn)', () => {
  it('equals the mean and biased variance of the layer input over all data, computed directly, for given params', () => {
    const trainer = new Trainer({ model: nn.sequential([nn.dense(4, { name: 'd' }), nn.batchNorm({ name: 'bn' }), nn.dense(2)]), loss: 'mse', inputShape: [3], progress: false });
    const x = tf.randomNormal([50, 3], 1, 2, 'float32', 3);
    const kernel = tf.randomNormal([3, 4], 0, 1, 'float32', 4);
    const bias = tf.tensor1d([0.5, -1, 2, 0]);
    const stats = nn.batchNormStatistics(trainer.model, x, { params: new Map([['d/kernel', kernel], ['d/bias', bias]]), batchSize: 7 });
    const h = tf.add(tf.matMul(x, kernel), bias);
    const direct = tf.moments(h, 0);
    expect(Array.from(stats.get('bn/movingMean')!.dataSync()).map((v, i) => v - direct.mean.dataSync()[i]!).every((d) => Math.abs(d) < 1e-4)).toBe(true);
    expect(Array.from(stats.get('bn/movingVariance')!.dataSync()).map((v, i) => v - direct.variance.dataSync()[i]!).every((d) => Math.abs(d) < 1e-3)).toBe(true);
    expect([...stats.keys()].sort()).toEqual(['bn/movingMean', 'bn/movingVariance']);
    tf.dispose([x, kernel, bias, h, direct.mean, direct.variance, ...stats.values()]);
    trainer.dispose();
  });
});
