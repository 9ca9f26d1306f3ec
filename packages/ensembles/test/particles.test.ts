import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { dataset, HostRandom, nn, Trainer, type Plugin } from '@tikhonov/core';
import { checkPlugin } from '@tikhonov/core/testing';
import { svgd } from '@tikhonov/ensembles';

const normal = (rng: HostRandom) => Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());

// Bayesian linear regression y = Xw + ε, ε ~ N(0, σ²), prior w ~ N(0, I): the posterior is Gaussian with
// precision A = I + XᵀX/σ² and mean A⁻¹Xᵀy/σ², computed here in float64 on the host
const rng = new HostRandom(9);
const n = 12;
const sigma = 0.5;
const X = Array.from({ length: n }, () => [normal(rng), normal(rng)]);
const y = X.map((row) => row[0]! - 0.5 * row[1]! + sigma * normal(rng));
const A = [0, 1].map((i) => [0, 1].map((j) => (i === j ? 1 : 0) + X.reduce((s, r) => s + r[i]! * r[j]!, 0) / sigma ** 2));
const det = A[0]![0]! * A[1]![1]! - A[0]![1]! * A[1]![0]!;
const cov = [[A[1]![1]! / det, -A[0]![1]! / det], [-A[1]![0]! / det, A[0]![0]! / det]];
const b = [0, 1].map((i) => X.reduce((s, r, k) => s + r[i]! * y[k]!, 0) / sigma ** 2);
const mu = [0, 1].map((i) => cov[i]![0]! * b[0]! + cov[i]![1]! * b[1]!);
// the per-example negative log-likelihood (y − ŷ)²/(2σ²), averaged over the batch
const gaussianNll = (pred: tf.Tensor | Record<string, tf.Tensor>, target: unknown) => tf.div(tf.mean(tf.square(tf.sub(pred as tf.Tensor, target as tf.Tensor))), 2 * sigma ** 2) as tf.Scalar;
const regression = () => dataset.fromArrays(X, y.map((v) => [v]));

const particlesOf = (trainer: Trainer, plugin: Plugin) => {
  const own = Array.from(trainer.params.get('dense_1/kernel').variable.dataSync());
  const others = (plugin.stateDict!().particles as Record<string, { values: number[] }>[]).map((p) => p['dense_1/kernel']!.values);
  return [own, ...others];
};
const moments = (ps: number[][]) => {
  const k = ps.length;
  const m = [0, 1].map((i) => ps.reduce((s, p) => s + p[i]!, 0) / k);
  const v = [0, 1].map((i) => ps.reduce((s, p) => s + (p[i]! - m[i]!) ** 2, 0) / k);
  return { m, v };
};

async function run(options: Parameters<typeof svgd>[0], steps: number) {
  const data = regression();
  const plugin = svgd({ priorStddev: 1, combine: 'regression', ...options });
  const trainer = new Trainer({ model: nn.dense(1, { useBias: false }), loss: gaussianNll, optimizer: { name: 'sgd', learningRate: 0.01 }, plugins: [plugin], seed: 3, progress: false, logEvery: 500 });
  await trainer.fit(data, { epochs: steps, batchSize: n });
  return { trainer, plugin, data };
}

describe('the svgd plugin over a Trainer (deck 004; Liu & Wang 2016)', () => {
  it("K particles of a dense model approach the closed-form Gaussian posterior; predict averages the particles' outputs", async () => {
    const { trainer, plugin, data } = await run({ particles: 30 }, 800);
    const ps = particlesOf(trainer, plugin);
    const { m, v } = moments(ps);
    console.log(`svgd plugin, 30 particles: mean (${m.map((x) => x.toFixed(3))}) vs (${mu.map((x) => x.toFixed(3))}); variances (${v.map((x) => x.toFixed(4))}) vs (${[cov[0]![0]!, cov[1]![1]!].map((x) => x.toFixed(4))})`);
    [0, 1].forEach((i) => expect(Math.abs(m[i]! - mu[i]!)).toBeLessThan(0.15 * Math.sqrt(cov[i]![i]!)));
    [0, 1].forEach((i) => expect(v[i]! / cov[i]![i]!).toBeGreaterThan(0.6));
    [0, 1].forEach((i) => expect(v[i]! / cov[i]![i]!).toBeLessThan(1.3));
    // by hand: the mean over particles of X·w
    const predicted = Array.from((trainer.predict(data.x) as tf.Tensor).dataSync());
    const byHand = X.map((row) => ps.reduce((s, p) => s + row[0]! * p[0]! + row[1]! * p[1]!, 0) / ps.length);
    expect(predicted).toEqual(byHand.map((v) => expect.closeTo(v, 4)));
    trainer.dispose();
    dataset.dispose(data);
  }, 60_000);

  it('without the repulsive term the particles collapse onto the MAP point', async () => {
    const { trainer, plugin, data } = await run({ particles: 8, repulsive: false }, 800);
    const { m, v } = moments(particlesOf(trainer, plugin));
    [0, 1].forEach((i) => expect(Math.abs(m[i]! - mu[i]!)).toBeLessThan(1e-3));
    [0, 1].forEach((i) => expect(v[i]!).toBeLessThan(1e-3 * cov[i]![i]!));
    trainer.dispose();
    dataset.dispose(data);
  }, 60_000);

  it('passes checkPlugin', async () => void (await checkPlugin(() => svgd({ particles: 3 }))));
});
