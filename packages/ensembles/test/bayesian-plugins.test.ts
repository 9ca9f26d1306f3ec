import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { dataset, HostRandom, nn, OptionError, schedules, Trainer, type Plugin } from '@tikhonov/core';
import { checkPlugin } from '@tikhonov/core/testing';
import { bayesByBackprop, posteriorStddevs, sampledEnsemble, svgd } from '@tikhonov/ensembles';

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

  it("sample mode returns one particle's output, each particle equally likely", async () => {
    const { trainer, plugin, data } = await run({ particles: 4 }, 50);
    const byHand = particlesOf(trainer, plugin).map((p) => X.map((row) => row[0]! * p[0]! + row[1]! * p[1]!));
    const counts = [0, 0, 0, 0];
    for (let s = 0; s < 200; s++) {
      const out = Array.from((trainer.predict(data.x, { sample: true }) as tf.Tensor).dataSync());
      const k = byHand.findIndex((h) => h.every((v, i) => Math.abs(v - out[i]!) < 1e-4));
      expect(k).toBeGreaterThanOrEqual(0);
      counts[k]!++;
    }
    // Binomial(200, ¼): mean 50, sd 6.1
    counts.forEach((c) => expect(Math.abs(c - 50)).toBeLessThan(25));
    trainer.dispose();
    dataset.dispose(data);
  }, 60_000);

  it('passes checkPlugin', async () => void (await checkPlugin(() => svgd({ particles: 3 }))));
  it('sampledEnsemble refuses a trainer with no sample-mode plugin, naming what it needs', () => {
    const plain = new Trainer({ model: nn.dense(1), loss: 'mse', progress: false });
    expect(() => sampledEnsemble(plain)).toThrow(/mode 'sample'/);
    expect(() => sampledEnsemble(plain, { samples: 0 } as never)).toThrow(/samples/);
    plain.dispose();
  });
});

describe('the bayesByBackprop plugin over a Trainer (Blundell et al. 2015; deck 004)', () => {
  // one reparameterised sample per step; a cosine-decayed rate lets the last iterates settle
  async function fitted(steps: number, local: boolean) {
    const data = regression();
    const plugin = bayesByBackprop({ priorStddev: 1, initStddev: 0.1, local });
    const optimizer = { name: 'adam' as const, learningRate: schedules.cosineDecay({ initial: 0.02, min: 0.0005, epochs: steps }) };
    const trainer = new Trainer({ model: nn.dense(1, { useBias: false }), loss: gaussianNll, optimizer, plugins: [plugin], seed: 4, progress: false, logEvery: 1000 });
    await trainer.fit(data, { epochs: steps, batchSize: n });
    return { trainer, plugin, data };
  }

  it.each([
    ['at the pre-activation (local reparameterisation, the default)', true],
    ['per weight', false],
  ])('sampled %s: μ reaches the posterior mean and σ² the mean-field optimum 1/Aᵢᵢ; infer predicts with μ, sample draws w ~ q', async (_how, local) => {
    const { trainer, plugin, data } = await fitted(4000, local);
    const mean = Array.from(trainer.params.get('dense_1/kernel').variable.dataSync());
    const sd = posteriorStddevs(plugin).get('dense_1/kernel')!;
    // the mean-field Gaussian closest in KL(q‖p) to a Gaussian posterior of precision A: μ = its mean, σᵢ² = 1/Aᵢᵢ
    const target = [1 / A[0]![0]!, 1 / A[1]![1]!];
    console.log(`bayesByBackprop plugin (local: ${local}): μ (${mean.map((v) => v.toFixed(3))}) vs (${mu.map((v) => v.toFixed(3))}); σ² (${Array.from(sd, (v) => (v * v).toFixed(4))}) vs 1/Aᵢᵢ (${target.map((v) => v.toFixed(4))})`);
    [0, 1].forEach((i) => expect(Math.abs(mean[i]! - mu[i]!)).toBeLessThan(0.1 * Math.sqrt(cov[i]![i]!)));
    [0, 1].forEach((i) => expect(sd[i]! ** 2 / target[i]!).toBeGreaterThan(0.8));
    [0, 1].forEach((i) => expect(sd[i]! ** 2 / target[i]!).toBeLessThan(1.25));
    // inference: X·μ exactly
    const infer = Array.from((trainer.predict(data.x) as tf.Tensor).dataSync());
    expect(infer).toEqual(X.map((r) => expect.closeTo(r[0]! * mean[0]! + r[1]! * mean[1]!, 5)));
    // sampling: the spread of x·w over draws is xᵀ diag(σ²) x, by hand from σ (2 000 draws: within 10 %)
    // (drawn as a sampledEnsemble: its members are sample-mode predictions)
    const draws = 2000;
    const point = tf.tensor2d([X[0]!]);
    const spread = sampledEnsemble(trainer, { samples: draws, combine: 'regression' }).moments(point);
    const [m, v] = [spread.mean.dataSync()[0]!, spread.variance.dataSync()[0]!];
    tf.dispose([point, spread.mean, spread.variance]);
    const expected = X[0]![0]! ** 2 * sd[0]! ** 2 + X[0]![1]! ** 2 * sd[1]! ** 2;
    expect(v / expected).toBeGreaterThan(0.9);
    expect(v / expected).toBeLessThan(1.1);
    expect(Math.abs(m - infer[0]!)).toBeLessThan(4 * Math.sqrt(expected / draws));
    trainer.dispose();
    dataset.dispose(data);
  }, 60_000);

  it('local reparameterisation: the examples of one sampled batch see independent weights, each with variance xᵀdiag(σ²)x; per-weight sampling gives them one w', async () => {
    const data = regression();
    const spreadOf = async (local: boolean) => {
      const plugin = bayesByBackprop({ initStddev: 0.3, local });
      const trainer = new Trainer({ model: nn.dense(1), loss: gaussianNll, plugins: [plugin], seed: 6, progress: false });
      await trainer.fit(data, { epochs: 1, batchSize: n });
      // 4 000 copies of one input in one sampled pass
      const rows = 4000;
      const x = tf.tile(tf.tensor2d([X[1]!]), [rows, 1]);
      const out = Array.from((trainer.predict(x, { sample: true, batchSize: rows }) as tf.Tensor).dataSync());
      const sd = posteriorStddevs(plugin);
      const [sk, sb] = [sd.get('dense_1/kernel')!, sd.get('dense_1/bias')!];
      const expected = X[1]![0]! ** 2 * sk[0]! ** 2 + X[1]![1]! ** 2 * sk[1]! ** 2 + sb[0]! ** 2;
      const mean = out.reduce((s, v) => s + v, 0) / rows;
      const variance = out.reduce((s, v) => s + (v - mean) ** 2, 0) / (rows - 1);
      // correlation of neighbouring rows: 0 for independent draws
      const lag = out.slice(1).reduce((s, v, i) => s + (v - mean) * (out[i]! - mean), 0) / (rows - 1);
      tf.dispose(x);
      trainer.dispose();
      return { variance, expected, correlation: variance > 0 ? lag / variance : Number.NaN, rows };
    };
    const local = await spreadOf(true);
    console.log(`local reparameterisation: variance over one batch ${local.variance.toFixed(4)} vs xᵀdiag(σ²)x + σ_b² = ${local.expected.toFixed(4)}, lag-1 correlation ${local.correlation.toFixed(3)}`);
    // the sample variance of 4 000 normal draws is within 10 % of the truth (its relative standard error is 2.2 %)
    expect(local.variance / local.expected).toBeGreaterThan(0.9);
    expect(local.variance / local.expected).toBeLessThan(1.1);
    expect(Math.abs(local.correlation)).toBeLessThan(4 / Math.sqrt(local.rows));
    const perWeight = await spreadOf(false);
    expect(perWeight.variance).toBe(0);
    dataset.dispose(data);
  });

  it('the loss is the negative ELBO per example: the NLL at the sampled w plus KL[q ‖ p]/N, the KL in closed form', async () => {
    const data = regression();
    const oneStep = async (options: Parameters<typeof bayesByBackprop>[0]) => {
      const trainer = new Trainer({ model: nn.dense(1, { useBias: false }), loss: gaussianNll, plugins: [bayesByBackprop({ initStddev: 0.1, priorStddev: 2, ...options })], seed: 4, progress: false, logEvery: 1 });
      const mu0 = await (async () => {
        trainer.predict(data.x);
        return Array.from(trainer.params.get('dense_1/kernel').variable.dataSync());
      })();
      await trainer.fit(data, { epochs: 1, batchSize: n });
      const row = trainer.history.logs[0]!;
      trainer.dispose();
      return { mu0, row };
    };
    const withKl = await oneStep({});
    const withoutKl = await oneStep({ klWeight: 0 });
    // KL[N(μ, σ²) ‖ N(0, σ_p²)] = Σ log(σ_p/σ) + (σ² + μ²)/(2σ_p²) − ½ at the initial μ and σ = 0.1, σ_p = 2
    const kl = withKl.mu0.reduce((sum, m0) => sum + Math.log(2 / 0.1) + (0.1 ** 2 + m0 ** 2) / (2 * 4) - 0.5, 0);
    expect(withKl.row['bayesByBackprop.kl']).toBeCloseTo(kl, 4);
    // the same seed draws the same ε, so the two losses differ by exactly KL/N
    expect(withKl.mu0).toEqual(withoutKl.mu0);
    expect(withKl.row.loss! - withoutKl.row.loss!).toBeCloseTo(kl / n, 5);
    dataset.dispose(data);
  });

  it('bad options name the option; passes checkPlugin', async () => {
    await checkPlugin(() => bayesByBackprop());
    await checkPlugin(() => bayesByBackprop({ select: { roles: ['weight'] }, klWeight: 0.01 }));
    expect(() => bayesByBackprop({ initStddev: -1 })).toThrow(OptionError);
    expect(() => bayesByBackprop({ initStddev: -1 })).toThrow(/initStddev/);
    expect(() => bayesByBackprop({ betas: [0.9, 1] })).toThrow(/betas/);
  });
});
