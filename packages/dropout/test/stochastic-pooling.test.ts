// Stochastic pooling (Zeiler & Fergus 2013), named in seed §7.11: each pooling
// region passes one activation drawn with probability aᵢ/Σa in training, and
// the probability-weighted average Σaᵢ²/Σaᵢ at inference.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nn, Trainer, type Module, type Plugin } from '@tikhonov/core';
import { stochasticPool2d } from '@tikhonov/dropout';

/** h = relu(x ⊙ s) with a per-pixel scale s (initially 1): a stand-in for a ReLU conv layer, with a param to train. */
const scaledRelu: Module = {
  kind: 'scaledRelu',
  name: 'maps',
  init(shape, scope) {
    scope.param(scaledRelu, 'scale', { shape: shape as number[], role: 'weight', init: 'ones' });
    return shape;
  },
  apply: (x, scope) => tf.relu(tf.mul(x as tf.Tensor, scope.param(scaledRelu, 'scale'))),
};
/** The pooled value of the one 2×2 region is the model's output. */
const model = () => nn.sequential([scaledRelu, stochasticPool2d(2), nn.flatten()]);

/** Records the output the step trained on. */
function outputTap(store: number[][]): Plugin {
  return { name: 'tap', apiVersion: 2, order: 900, transformActivation: (site, h) => (site.kind === 'output' && store.push(Array.from(h.dataSync())), h) };
}

// one 2×2 region with activations 1, 2, 3, 0 (row-major), one channel: distinct values tell which pixel was drawn
const region = [1, 2, 3, 0];

describe('stochasticPool2d (seed §7.11)', () => {
  it('in training each region passes one of its activations, drawn with probability aᵢ/Σa (χ² over 6000 draws), and a zero never', async () => {
    const n = 6000;
    const store: number[][] = [];
    const t = new Trainer({ model: model(), loss: 'mse', optimizer: { name: 'sgd', learningRate: 1e-9 }, plugins: [outputTap(store)], seed: 3, progress: false });
    await t.fit({ x: tf.tensor4d(Array.from({ length: n }, () => region).flat(), [n, 2, 2, 1]), y: tf.zeros([n, 1]), size: n }, { epochs: 1, batchSize: n });
    const counts = [0, 0, 0, 0];
    for (const v of store[0]!) {
      const drawn = region.indexOf(v);
      expect(drawn).toBeGreaterThanOrEqual(0); // passed unchanged: one of the region's values
      counts[drawn]! += 1;
    }
    expect(counts[3]).toBe(0);
    const p = region.map((a) => a / 6);
    const chi2 = [0, 1, 2].reduce((s, j) => s + (counts[j]! - n * p[j]!) ** 2 / (n * p[j]!), 0);
    console.log(`stochastic pooling draws over ${n}: ${counts.join(', ')} (expected ${p.map((q) => (q * n).toFixed(0)).join(', ')}), χ² = ${chi2.toFixed(2)}`);
    expect(chi2).toBeLessThan(13.8); // χ²(2) at 0.999
    t.dispose();
  });

  it('the gradient reaches only the drawn pixel; at inference the region gives Σaᵢ²/Σaᵢ = 14/6; sampled predictions vary', async () => {
    const grads: Record<string, number[]>[] = [];
    const gradTap: Plugin = { name: 'grads', apiVersion: 2, order: 900, transformGradients: (g) => (grads.push(Object.fromEntries(Object.entries(g).map(([k, v]) => [k, Array.from(v.dataSync())]))), g) };
    const store: number[][] = [];
    const t = new Trainer({ model: model(), loss: 'mse', optimizer: { name: 'sgd', learningRate: 1e-9 }, plugins: [outputTap(store), gradTap], seed: 5, progress: false });
    const x = tf.tensor4d(region, [1, 2, 2, 1]);
    await t.fit({ x, y: tf.tensor2d([[10]]), size: 1 }, { epochs: 4, batchSize: 1 });
    for (let step = 0; step < 4; step++) {
      const drawn = region.indexOf(store[step]![0]!);
      grads[step]!['maps/scale']!.forEach((g, j) => (j === drawn ? expect(Math.abs(g)).toBeGreaterThan(0) : expect(g).toBe(0)));
    }
    const out = t.predict(x) as tf.Tensor;
    expect(out.dataSync()[0]!).toBeCloseTo(14 / 6, 5);
    const samples = new Set(Array.from({ length: 12 }, () => tf.tidy(() => (t.predict(x, { sample: true }) as tf.Tensor).dataSync()[0]!)));
    expect(samples.size).toBeGreaterThan(1);
    [...samples].forEach((v) => expect(region).toContain(v));
    tf.dispose(out);
    t.dispose();
  });

  it('refuses a map whose size is not a multiple of poolSize, overlapping strides and a bad size, naming the option; trains inside a CNN without leaking', async () => {
    const t = new Trainer({ model: nn.sequential([scaledRelu, stochasticPool2d(2), nn.flatten(), nn.dense(1)]), loss: 'mse', progress: false });
    expect(() => t.build([3, 2, 1])).toThrow(/stochasticPool2d: option 'input' = "\[3, 2, 1\]".*multiples of poolSize = 2/);
    t.dispose();
    expect(() => stochasticPool2d(0)).toThrow(/poolSize.*positive integer/);
    expect(() => stochasticPool2d(2, { strides: 1 })).toThrow(/strides.*must equal poolSize = 2/);
    const cnn = new Trainer({ model: nn.sequential([nn.conv2d(2, 3, { activation: 'relu', padding: 'same' }), stochasticPool2d(2), nn.flatten(), nn.dense(3)]), loss: 'softmaxCrossEntropy', seed: 1, progress: false });
    const data = { x: tf.randomNormal([16, 4, 4, 1], 0, 1, 'float32', 1), y: tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 3), 'int32'), size: 16 };
    await cnn.fit(data, { epochs: 2, batchSize: 8 });
    const before = tf.memory().numTensors;
    await cnn.fit(data, { epochs: 6, batchSize: 8 });
    expect(tf.memory().numTensors).toBe(before);
    cnn.dispose();
  });
});
