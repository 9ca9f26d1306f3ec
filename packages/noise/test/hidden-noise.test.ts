// Seed §7.5/§7.6: noise injected at hidden units. Taps before and after the
// plugin (by order) see the clean and the noisy activation at the site; the
// noise has the asked moments, and through the linear layer that follows
// the tanh layer,
// z = hV + c, it reaches the output as εV with covariance σ²VᵀV (closed form).
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nn, Order, Trainer, type Plugin } from '@tikhonov/core';
import { hiddenNoise, type NoiseKind } from '@tikhonov/noise';

const n = 400;
const units = 16;

/** Records every site's activation, by site kind, as it flows past this plugin's order. */
function siteTap(name: string, order: number, store: Record<string, number[]>): Plugin {
  return {
    name,
    apiVersion: 2,
    order,
    transformActivation: (site, h) => {
      store[site.kind] = Array.from(h.dataSync());
      return h;
    },
  };
}

async function oneStep(stddev: number, kind: NoiseKind) {
  const clean: Record<string, number[]> = {};
  const noisy: Record<string, number[]> = {};
  const t = new Trainer({
    model: nn.sequential([nn.dense(units, { activation: 'tanh' }), nn.dense(2)]),
    loss: 'mse',
    optimizer: { name: 'sgd', learningRate: 1e-9 },
    plugins: [siteTap('clean', Order.noise - 1, clean), hiddenNoise({ stddev, kind }), siteTap('noisy', Order.noise + 1, noisy)],
    seed: 8,
    progress: false,
  });
  t.build([3]);
  const V = Array.from(t.params.get('dense_2/kernel').variable.dataSync()); // units × 2
  const c = Array.from(t.params.get('dense_2/bias').variable.dataSync());
  const x = tf.tidy(() => tf.reshape(tf.add(tf.mul(tf.sin(tf.range(0, n * 3)), 2), 0.5), [n, 3]));
  await t.fit({ x, y: tf.zeros([n, 2]), size: n }, { epochs: 1, batchSize: n, shuffle: false });
  t.dispose();
  return { clean, noisy, V, c };
}

describe('hiddenNoise at a hidden site (seed §7.6)', () => {
  it('additive: ε = h̃ − h has mean 0 and variance σ² (within 3σ); the output moves by εV, with covariance σ²VᵀV', async () => {
    const sigma = 0.3;
    const { clean, noisy, V, c } = await oneStep(sigma, 'additive');
    const eps = noisy.hidden!.map((v, i) => v - clean.hidden![i]!);
    const count = eps.length;
    const mean = eps.reduce((s, v) => s + v, 0) / count;
    const variance = eps.reduce((s, v) => s + (v - mean) ** 2, 0) / (count - 1);
    expect(Math.abs(mean)).toBeLessThan((3 * sigma) / Math.sqrt(count));
    expect(Math.abs(variance - sigma ** 2)).toBeLessThan(3 * sigma ** 2 * Math.sqrt(2 / (count - 1)));
    // what flows on is the noisy layer: the output the step trained on is h̃V + c, by hand, so z̃ − z = εV
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < 2; j++) {
        const byHand = c[j]! + Array.from({ length: units }, (_, u) => noisy.hidden![i * units + u]! * V[u * 2 + j]!).reduce((a, b) => a + b, 0);
        expect(Math.abs(noisy.output![i * 2 + j]! - byHand)).toBeLessThan(1e-4);
      }
    }
    // covariance of εV over the examples against σ²VᵀV (2×2); each entry's sampling sd is √((Σ_aa Σ_bb + Σ_ab²)/n)
    const moves = Array.from({ length: n }, (_, i) => [0, 1].map((j) => Array.from({ length: units }, (_, u) => eps[i * units + u]! * V[u * 2 + j]!).reduce((a, b) => a + b, 0)));
    const Sigma = [0, 1].map((a) => [0, 1].map((b) => sigma ** 2 * Array.from({ length: units }, (_, u) => V[u * 2 + a]! * V[u * 2 + b]!).reduce((s, v) => s + v, 0)));
    for (const [a, b] of [[0, 0], [1, 1], [0, 1]] as const) {
      const empirical = moves.reduce((s, m) => s + m[a]! * m[b]!, 0) / n;
      const sd = Math.sqrt((Sigma[a]![a]! * Sigma[b]![b]! + Sigma[a]![b]! ** 2) / n);
      expect(Math.abs(empirical - Sigma[a]![b]!)).toBeLessThan(3.5 * sd);
    }
  });

  it('multiplicative: h̃/h has mean 1 and variance σ² (within 3σ), so the noise scales with the activation', async () => {
    const sigma = 0.2;
    const { clean, noisy } = await oneStep(sigma, 'multiplicative');
    const ratios = noisy.hidden!.map((v, i) => v / clean.hidden![i]!).filter((_, i) => Math.abs(clean.hidden![i]!) > 1e-3);
    const count = ratios.length;
    const mean = ratios.reduce((s, v) => s + v, 0) / count;
    const variance = ratios.reduce((s, v) => s + (v - mean) ** 2, 0) / (count - 1);
    expect(count).toBeGreaterThan(0.9 * n * units);
    expect(Math.abs(mean - 1)).toBeLessThan((3 * sigma) / Math.sqrt(count));
    expect(Math.abs(variance - sigma ** 2)).toBeLessThan(3 * sigma ** 2 * Math.sqrt(2 / (count - 1)));
  });
});
