import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nn, RandomStream, Trainer, type Plugin } from '@tikhonov/core';
import { checkPlugin } from '@tikhonov/core/testing';
import { alphaDropout, dropConnect, dropout, gaussianDropout, monteCarloPredict, spatialDropout } from '@tikhonov/dropout';

describe('DropConnect', () => {
  it('dropped weights receive exactly zero gradient in that step; kept ones do not', async () => {
    const grads: Float32Array[] = [];
    const tap: Plugin = { name: 'tap', apiVersion: 2, transformGradients: (g) => (grads.push(g['dense_1/kernel']!.dataSync().slice() as Float32Array), g) };
    const rate = 0.5;
    const seed = 8;
    const t = new Trainer({ model: nn.dense(4), loss: 'softmaxCrossEntropy', plugins: [dropConnect({ rate, select: { names: ['dense_1/kernel'] } }), tap], inputShape: [6], seed, progress: false });
    const x = tf.randomNormal([16, 6], 0, 1, 'float32', 1);
    await t.fit({ x, y: tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 4), 'int32'), size: 16 }, { epochs: 1, batchSize: 16 });
    // the plugin's first draw in step 1 comes from the stream (seed, 'step', 1, name), call 0
    const mask = new RandomStream([seed, 'step', 1, 'dropConnect']).bernoulli([6, 4], 1 - rate).dataSync();
    grads[0]!.forEach((g, i) => {
      if (mask[i] === 0) expect(Math.abs(g)).toBe(0);
      else expect(Math.abs(g)).toBeGreaterThan(0);
    });
    expect(Array.from(mask).filter((m) => m === 0).length).toBeGreaterThan(0);
    t.dispose();
  });
});

describe('relatives of dropout', () => {
  it('gaussianDropout multiplies by N(1, p/(1−p)): empirical mean and variance within 3σ', () => {
    const p = 0.3;
    const plugin = gaussianDropout({ rate: p });
    const h = tf.ones([200, 50]);
    const out = plugin.transformActivation!({ name: 'dense_1', kind: 'hidden' }, h, { mode: 'train', random: new RandomStream([1]) } as never);
    const { mean, variance } = tf.moments(out);
    const n = 10_000;
    const v = p / (1 - p);
    expect(Math.abs(mean.dataSync()[0]! - 1)).toBeLessThan(3 * Math.sqrt(v / n));
    expect(Math.abs(variance.dataSync()[0]! - v)).toBeLessThan(3 * v * Math.sqrt(2 / n));
  });

  it('spatialDropout drops whole channels of NHWC maps', () => {
    const plugin = spatialDropout({ rate: 0.5 });
    const out = plugin.transformActivation!({ name: 'conv2d_1', kind: 'hidden' }, tf.ones([4, 3, 3, 8]), { mode: 'train', random: new RandomStream([2]) } as never);
    const perChannel = tf.sum(tf.notEqual(out, 0), [1, 2]).arraySync() as number[][];
    for (const row of perChannel) for (const c of row) expect([0, 9]).toContain(c);
    expect(perChannel.flat().filter((c) => c === 0).length).toBeGreaterThan(0);
  });

  it('alphaDropout keeps zero mean and unit variance of standard-normal inputs', () => {
    const plugin = alphaDropout({ rate: 0.2 });
    const h = tf.randomNormal([400, 100], 0, 1, 'float32', 5);
    const out = plugin.transformActivation!({ name: 'dense_1', kind: 'hidden' }, h, { mode: 'train', random: new RandomStream([3]) } as never);
    const { mean, variance } = tf.moments(out);
    expect(Math.abs(mean.dataSync()[0]!)).toBeLessThan(0.02);
    expect(Math.abs(variance.dataSync()[0]! - 1)).toBeLessThan(0.03);
  });
});

describe('Monte Carlo sampling reaches the relatives', () => {
  it('monteCarloPredict varies with dropConnect and gaussianDropout; plain inference stays deterministic', () => {
    for (const plugin of [dropConnect({ rate: 0.3 }), gaussianDropout({ rate: 0.3 })]) {
      const t = new Trainer({ model: nn.sequential([nn.dense(8, { activation: 'relu' }), nn.dense(3)]), loss: 'softmaxCrossEntropy', plugins: [plugin], inputShape: [4], progress: false });
      const x = tf.randomNormal([5, 4], 0, 1, 'float32', 3);
      const { variance } = monteCarloPredict(t, x, { samples: 20 });
      expect(tf.max(variance).dataSync()[0]!).toBeGreaterThan(1e-6);
      const a = (t.predict(x) as tf.Tensor).dataSync();
      expect(Array.from((t.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from(a));
      t.dispose();
    }
  });
});

describe("dropout's Monte Carlo inference samples the other plugins declared for 'sample'", () => {
  it('with every dropout rate 0, Monte Carlo predictions still vary through a DropConnect beside it; weight-scaling inference with the same pair is deterministic', () => {
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 3);
    const read = (inference: 'weight-scaling' | { monteCarlo: { samples: number } }) => {
      const t = new Trainer({ model: nn.sequential([nn.dense(8, { activation: 'relu' }), nn.dense(3)]), loss: 'softmaxCrossEntropy', plugins: [dropout({ input: 0, hidden: 0, inference }), dropConnect({ rate: 0.3 })], inputShape: [4], seed: 1, progress: false });
      const draw = () => {
        const out = t.predict(x) as tf.Tensor;
        const v = Array.from(out.dataSync());
        out.dispose();
        return v;
      };
      const pair = [draw(), draw()];
      t.dispose();
      return pair;
    };
    const [mcA, mcB] = read({ monteCarlo: { samples: 4 } });
    expect(mcA).not.toEqual(mcB);
    const [wsA, wsB] = read('weight-scaling');
    expect(wsA).toEqual(wsB);
    x.dispose();
  });
});

describe("Monte Carlo sampling through the core contract (mode 'sample')", () => {
  it("monteCarloPredict samples a user's own plugin declared for mode 'sample', and refuses a trainer with no plugin that could", () => {
    const x = tf.randomNormal([5, 4], 0, 1, 'float32', 3);
    const model = () => nn.sequential([nn.dense(8, { activation: 'relu' }), nn.dense(3)]);
    const own: Plugin = {
      name: 'halveAtRandom',
      apiVersion: 2,
      modes: ['train', 'sample'],
      transformActivation: (site, h, ctx) => (site.kind === 'hidden' ? tf.mul(h, ctx.random.bernoulli(h.shape, 0.5)) : h),
    };
    const t = new Trainer({ model: model(), loss: 'softmaxCrossEntropy', plugins: [own], inputShape: [4], progress: false });
    const { mean, variance, entropy } = monteCarloPredict(t, x, { samples: 20 });
    expect(tf.max(variance).dataSync()[0]!).toBeGreaterThan(1e-6);
    tf.dispose([mean, variance, entropy]);
    t.dispose();
    const none = new Trainer({ model: model(), loss: 'softmaxCrossEntropy', plugins: [{ name: 'quiet', apiVersion: 2, afterStep: () => {} }], inputShape: [4], progress: false });
    expect(() => monteCarloPredict(none, x)).toThrow(/no plugin of the trainer is declared for mode 'sample'/);
    none.dispose();
    x.dispose();
  });
});

describe('every plugin passes checkPlugin', () => {
  const tinyCnn = () => nn.sequential([nn.conv2d(2, 2, { activation: 'relu' }), nn.flatten(), nn.dense(3)]);
  const images = () => {
    const labels = tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 3), 'int32');
    return { x: tf.randomNormal([32, 4, 4, 1], 0, 1, 'float32', 1), y: labels, size: 32 };
  };
  const cases: Record<string, [() => Plugin, Parameters<typeof checkPlugin>[1]?]> = {
    'dropout (weight scaling)': [() => dropout()],
    'dropout (weight-scaling convention, Monte Carlo)': [() => dropout({ scaling: 'weight-scaling', inference: { monteCarlo: { samples: 3 } } })],
    dropConnect: [() => dropConnect({ rate: 0.3 })],
    gaussianDropout: [() => gaussianDropout({ rate: 0.3 })],
    alphaDropout: [() => alphaDropout({ rate: 0.1 })],
    'spatialDropout (tiny CNN)': [() => spatialDropout({ rate: 0.3 }), { model: tinyCnn, data: images, steps: 4, batchSize: 8 }],
  };
  for (const [label, [factory, options]] of Object.entries(cases)) {
    it(label, async () => expect((await checkPlugin(factory, options)).tensorsPerStep).toBe(0));
  }
});

describe('options', () => {
  it('are validated at creation with the option, value and what is allowed', () => {
    expect(() => dropout({ hidden: 1 })).toThrow(/dropout: option 'hidden' = 1 is not allowed; must be in \[0, 1\)/);
    expect(() => dropout({ inference: { monteCarlo: { samples: 0 } } })).toThrow(/dropout: option 'inference(\.monteCarlo\.samples)?'/);
    expect(() => dropConnect({ rate: -0.1 })).toThrow(/dropConnect: option 'rate' = -0.1/);
    expect(() => dropout({ scaling: 'keras' as never })).toThrow(/must be 'inverted' or 'weight-scaling'/);
  });
});
