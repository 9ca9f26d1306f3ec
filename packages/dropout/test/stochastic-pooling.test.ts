// Stochastic pooling (Zeiler & Fergus 2013), named in seed §7.11: each pooling
// region passes one activation drawn with probability aᵢ/Σa in training, and
// the probability-weighted average Σaᵢ²/Σaᵢ at inference.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nn, Trainer, type Module, type Plugin } from '@tikhonov/core';
import { checkPlugin } from '@tikhonov/core/testing';
import { stochasticPooling } from '@tikhonov/dropout';

/** h = relu(x ⊙ s) with a per-pixel scale s (initially 1), emitting a site: a stand-in for a ReLU conv layer. */
const scaledRelu: Module = {
  kind: 'scaledRelu',
  name: 'maps',
  emitsSite: true,
  init(shape, scope) {
    scope.param(scaledRelu, 'scale', { shape: shape as number[], role: 'weight', init: 'ones' });
    return shape;
  },
  apply: (x, scope) => tf.relu(tf.mul(x as tf.Tensor, scope.param(scaledRelu, 'scale'))),
};
const model = () => nn.sequential([scaledRelu, nn.maxPool2d(2), nn.flatten(), nn.dense(1)]);

/** Records the map at site 'maps' after the plugin, in the modes given. */
function mapTap(store: number[][], modes: Plugin['modes'] = ['train']): Plugin {
  return { name: 'tap', apiVersion: 2, order: 900, modes, transformActivation: (site, h) => (site.name === 'maps' && store.push(Array.from(h.dataSync())), h) };
}

// one 2×2 region with activations 1, 2, 3, 0 (row-major), one channel
const region = [1, 2, 3, 0];

describe('stochasticPooling (seed §7.11)', () => {
  it('in training each region keeps exactly one activation, drawn with probability aᵢ/Σa (χ² over 6000 draws), and a zero never', async () => {
    const n = 6000;
    const store: number[][] = [];
    const t = new Trainer({ model: model(), loss: 'mse', optimizer: { name: 'sgd', learningRate: 1e-9 }, plugins: [stochasticPooling({ sites: { names: ['maps'] } }), mapTap(store)], seed: 3, progress: false });
    const x = tf.tensor4d(Array.from({ length: n }, () => region).flat(), [n, 2, 2, 1]);
    await t.fit({ x, y: tf.zeros([n, 1]), size: n }, { epochs: 1, batchSize: n });
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const kept = store[0]!.slice(i * 4, i * 4 + 4);
      const nonZero = kept.map((v, j) => (v !== 0 ? j : -1)).filter((j) => j >= 0);
      expect(nonZero).toHaveLength(1);
      expect(kept[nonZero[0]!]).toBe(region[nonZero[0]!]); // passed unchanged
      counts[nonZero[0]!]! += 1;
    }
    expect(counts[3]).toBe(0);
    const p = region.map((a) => a / 6);
    const chi2 = [0, 1, 2].reduce((s, j) => s + (counts[j]! - n * p[j]!) ** 2 / (n * p[j]!), 0);
    console.log(`stochastic pooling draws over ${n}: ${counts.join(', ')} (expected ${p.map((q) => (q * n).toFixed(0)).join(', ')}), χ² = ${chi2.toFixed(2)}`);
    expect(chi2).toBeLessThan(13.8); // χ²(2) at 0.999
    t.dispose();
  });

  it('the gradient reaches only the drawn pixel; at inference the region is Σaᵢ²/Σaᵢ = 14/6 (so the max-pool passes it); sampled predictions vary', async () => {
    const grads: Record<string, number[]>[] = [];
    const gradTap: Plugin = { name: 'grads', apiVersion: 2, order: 900, transformGradients: (g) => (grads.push(Object.fromEntries(Object.entries(g).map(([k, v]) => [k, Array.from(v.dataSync())]))), g) };
    const store: number[][] = [];
    const t = new Trainer({ model: model(), loss: 'mse', optimizer: { name: 'sgd', learningRate: 1e-9 }, plugins: [stochasticPooling({ sites: { names: ['maps'] } }), mapTap(store, ['train', 'infer']), gradTap], seed: 5, progress: false });
    const x = tf.tensor4d(region, [1, 2, 2, 1]);
    await t.fit({ x, y: tf.tensor2d([[10]]), size: 1 }, { epochs: 4, batchSize: 1 });
    for (let step = 0; step < 4; step++) {
      const drawn = store[step]!.findIndex((v) => v !== 0);
      grads[step]!['maps/scale']!.forEach((g, j) => (j === drawn ? expect(Math.abs(g)).toBeGreaterThan(0) : expect(g).toBe(0)));
    }
    store.length = 0;
    const out = t.predict(x) as tf.Tensor;
    store[0]!.forEach((v) => expect(v).toBeCloseTo(14 / 6, 5));
    const w = t.params.get('dense_1/kernel').variable.dataSync()[0]!;
    const b = t.params.get('dense_1/bias').variable.dataSync()[0]!;
    expect(out.dataSync()[0]!).toBeCloseTo(w * (14 / 6) + b, 5);
    const samples = new Set(Array.from({ length: 12 }, () => tf.tidy(() => (t.predict(x, { sample: true }) as tf.Tensor).dataSync()[0]!.toFixed(5))));
    expect(samples.size).toBeGreaterThan(1);
    tf.dispose(out);
    t.dispose();
  });

  it('refuses a map whose size is not a multiple of poolSize, naming the site; needs sites; passes checkPlugin', async () => {
    const t = new Trainer({ model: nn.sequential([scaledRelu, nn.flatten(), nn.dense(1)]), loss: 'mse', plugins: [stochasticPooling({ sites: { names: ['maps'] }, poolSize: 2 })], progress: false });
    await expect(t.fit({ x: tf.ones([2, 3, 2, 1]), y: tf.zeros([2, 1]), size: 2 }, { epochs: 1 })).rejects.toThrow(/site 'maps' has shape \[2, 3, 2, 1\].*multiples of poolSize = 2/);
    t.dispose();
    expect(() => stochasticPooling({} as never)).toThrow(/sites/);
    expect(() => stochasticPooling({ sites: { names: ['maps'] }, poolSize: 0 })).toThrow(/poolSize/);
    const images = () => ({ x: tf.randomNormal([32, 4, 4, 1], 0, 1, 'float32', 1), y: tf.tensor1d(Array.from({ length: 32 }, (_, i) => i % 3), 'int32'), size: 32 });
    const cnn = () => nn.sequential([nn.conv2d(2, 3, { activation: 'relu', padding: 'same' }), nn.maxPool2d(2), nn.flatten(), nn.dense(3)]);
    const report = await checkPlugin(() => stochasticPooling({ sites: { kinds: ['hidden'] } }), { model: cnn, data: images, steps: 4, batchSize: 8 });
    expect(report.tensorsPerStep).toBe(0);
  });
});
