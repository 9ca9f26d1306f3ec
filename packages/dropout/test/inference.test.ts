import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nn, Trainer } from '@tikhonov/core';
import { dropout, monteCarloPredict } from '@tikhonov/dropout';

/** A softmax-regression trainer with random W, b (seeded) and n inputs. */
function softmaxRegression(n: number, k: number, plugin: ReturnType<typeof dropout>) {
  return new Trainer({ model: nn.dense(k), loss: 'softmaxCrossEntropy', plugins: [plugin], inputShape: [n], seed: 5, progress: false });
}

describe('weight scaling is exact for softmax regression (seed §7.11, eq. 7.30)', () => {
  for (const rate of [0.5, 0.3]) {
    it(`the renormalised geometric mean over all 2ⁿ masks equals softmax((1−p)Wᵀv + b) for p = ${rate}, n = 10`, () => {
      const n = 10;
      const t = softmaxRegression(n, 4, dropout({ input: rate, hidden: 0, scaling: 'weight-scaling', inference: 'exact' }));
      t.params.get('dense_1/bias').variable.assign(tf.randomNormal([4], 0, 1, 'float32', 9));
      const v = tf.randomNormal([6, n], 0, 1.5, 'float32', 3);
      const ensemble = tf.softmax(t.predict(v) as tf.Tensor);
      const W = t.params.get('dense_1/kernel').variable;
      const b = t.params.get('dense_1/bias').variable;
      const scaled = tf.softmax(tf.add(tf.mul(tf.matMul(v, W), 1 - rate), b));
      const gap = tf.max(tf.abs(tf.sub(ensemble, scaled))).dataSync()[0]!;
      expect(gap).toBeLessThan(1e-5);
      // and weight-scaling inference (the default rule) gives the same numbers in one pass
      const fast = new Trainer({ model: nn.dense(4), loss: 'softmaxCrossEntropy', plugins: [dropout({ input: rate, hidden: 0, scaling: 'weight-scaling' })], inputShape: [n], seed: 5, progress: false });
      fast.params.get('dense_1/bias').variable.assign(b);
      const one = tf.softmax(fast.predict(v) as tf.Tensor);
      expect(tf.max(tf.abs(tf.sub(one, scaled))).dataSync()[0]!).toBeLessThan(1e-6);
      tf.dispose([ensemble, scaled, v, one]);
      t.dispose();
      fast.dispose();
    });
  }

  it('exact refuses more units than its bound, naming the bound', () => {
    const t = softmaxRegression(20, 2, dropout({ input: 0.5, hidden: 0, inference: 'exact' }));
    expect(() => t.predict(tf.ones([1, 20]))).toThrow(/n = 20 droppable units; the bound is exactMaxUnits = 16/);
    t.dispose();
  });
});

describe('training-time masks', () => {
  it('inverted and weight-scaling conventions give the inference activation as the expected training activation', async () => {
    // Average the input site over many training draws; compare with what inference passes on.
    for (const scaling of ['inverted', 'weight-scaling'] as const) {
      const rate = 0.4;
      const sums: number[] = [];
      let inferenceValue = 0;
      const probe = {
        name: 'probe',
        apiVersion: 2 as const,
        order: 900,
        modes: ['train', 'infer'] as const,
        transformActivation: (site: { kind: string }, h: tf.Tensor, ctx: { mode: string }) => {
          if (site.kind === 'input') {
            const m = tf.mean(h).dataSync()[0]!;
            if (ctx.mode === 'train') sums.push(m);
            else inferenceValue = m;
          }
          return h;
        },
      };
      const t = new Trainer({ model: nn.dense(2), loss: 'mse', optimizer: { name: 'sgd', learningRate: 1e-9 }, plugins: [dropout({ input: rate, scaling }), probe], progress: false });
      const x = tf.ones([50, 20]);
      await t.fit({ x, y: tf.zeros([50, 2]), size: 50 }, { epochs: 40, batchSize: 50 });
      tf.dispose(t.predict(tf.ones([50, 20])));
      const mean = sums.reduce((a, b) => a + b) / sums.length;
      // each draw averages 1000 units: sd of the per-draw mean ≈ sqrt(p(1−p)/1000)·scale; of 40 draws ÷ √40
      const scale = scaling === 'inverted' ? 1 / (1 - rate) : 1;
      const sd = (Math.sqrt(rate * (1 - rate) / 1000) * scale) / Math.sqrt(40);
      expect(Math.abs(mean - inferenceValue)).toBeLessThan(3 * sd);
      expect(inferenceValue).toBeCloseTo(scaling === 'inverted' ? 1 : 1 - rate, 6);
      t.dispose();
    }
  });

  it('keep rate within 3σ of 1 − rate; masks differ step to step, repeat under the seed; inference is deterministic', async () => {
    const rate = 0.3;
    const masks: number[][] = [];
    const recorder = {
      name: 'recorder',
      apiVersion: 2 as const,
      order: 900,
      transformActivation: (site: { kind: string }, h: tf.Tensor) => {
        if (site.kind === 'input') masks.push(Array.from(tf.notEqual(h, 0).dataSync()));
        return h;
      },
    };
    const run = async () => {
      const t = new Trainer({ model: nn.dense(2), loss: 'mse', plugins: [dropout({ input: rate }), recorder], seed: 11, progress: false });
      await t.fit({ x: tf.ones([100, 50]), y: tf.zeros([100, 2]), size: 100 }, { epochs: 3, batchSize: 100 });
      const a = (t.predict(tf.ones([3, 50])) as tf.Tensor).dataSync().slice();
      const b = (t.predict(tf.ones([3, 50])) as tf.Tensor).dataSync().slice();
      expect(Array.from(a)).toEqual(Array.from(b));
      t.dispose();
    };
    await run();
    const firstRun = masks.splice(0);
    await run();
    expect(masks).toEqual(firstRun);
    const kept = firstRun.flat();
    const keepRate = kept.reduce((s, v) => s + v, 0) / kept.length;
    const sigma = Math.sqrt((rate * (1 - rate)) / kept.length);
    expect(Math.abs(keepRate - (1 - rate))).toBeLessThan(3 * sigma);
    expect(firstRun[0]).not.toEqual(firstRun[1]);
  });
});

describe('Monte Carlo inference', () => {
  it('monteCarlo with the arithmetic mean equals the mean of the sampled probabilities; monteCarloPredict gives mean, variance, entropy', async () => {
    const make = (plugin: ReturnType<typeof dropout>) =>
      new Trainer({ model: nn.sequential([nn.dense(16, { activation: 'relu' }), nn.dense(3)]), loss: 'softmaxCrossEntropy', plugins: [plugin], inputShape: [5], seed: 1, progress: false });
    const x = tf.randomNormal([8, 5], 0, 1, 'float32', 2);
    const mc = make(dropout({ hidden: 0.5, inference: { monteCarlo: { samples: 200 } } }));
    const averaged = tf.softmax(mc.predict(x) as tf.Tensor);
    const helper = make(dropout({ hidden: 0.5 }));
    const { mean, variance, entropy } = monteCarloPredict(helper, x, { samples: 200 });
    // two independent 200-sample estimates of the same expectation agree to a few standard errors
    const se = tf.sqrt(tf.div(variance, 200));
    const z = tf.max(tf.div(tf.abs(tf.sub(averaged, mean)), tf.add(se, 1e-6))).dataSync()[0]!;
    expect(z).toBeLessThan(5);
    expect(tf.max(variance).dataSync()[0]!).toBeGreaterThan(1e-4);
    const manualEntropy = tf.neg(tf.sum(tf.mul(mean, tf.log(mean)), -1));
    expect(tf.max(tf.abs(tf.sub(entropy, manualEntropy))).dataSync()[0]!).toBeLessThan(1e-5);
    // without Monte Carlo, inference is the deterministic weight-scaled net
    const a = (helper.predict(x) as tf.Tensor).dataSync();
    expect(Array.from((helper.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from(a));
    mc.dispose();
    helper.dispose();
  });
});
