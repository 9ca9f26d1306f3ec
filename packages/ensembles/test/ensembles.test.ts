import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { dataset, HostRandom, nn, Order, RandomStream, Trainer, type Dataset, type Plugin } from '@tikhonov/core';
import { checkPlugin } from '@tikhonov/core/testing';
import { loadDigits } from '@tikhonov/datasets';
import { bagging, calibration, combine, deepEnsemble, ema, Ensemble, swa, temperatureScaling, uncertainty } from '@tikhonov/ensembles';

const host = (t: tf.Tensor) => Array.from(t.dataSync());
const normal = (rng: HostRandom) => Math.sqrt(-2 * Math.log(1 - rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());

describe('model averaging (seed §7.10)', () => {
  for (const [label, share] of [['c = 0', 0], ['c = v/2', 0.5], ['c = v', 1]] as const) {
    it(`the average of k members with error variance v and covariance c has mean squared error v/k + (k − 1)c/k (${label})`, () => {
      const k = 5;
      const v = 2;
      const c = share * v;
      const n = 20_000;
      const rng = new HostRandom(7);
      // member i predicts truth + εᵢ with εᵢ = √c·z₀ + √(v − c)·zᵢ: Var εᵢ = v, Cov(εᵢ, εⱼ) = c
      const errors = Array.from({ length: k }, () => new Float32Array(n));
      for (let e = 0; e < n; e++) {
        const shared = normal(rng);
        for (let i = 0; i < k; i++) errors[i]![e] = Math.sqrt(c) * shared + Math.sqrt(v - c) * normal(rng);
      }
      const truth = tf.zeros([n, 1]);
      const members = errors.map((err) => () => tf.tensor2d(err, [n, 1]));
      const averaged = host(new Ensemble(members, { combine: 'regression' }).predict(truth));
      const squares = averaged.map((a) => a * a);
      const mse = squares.reduce((s, q) => s + q, 0) / n;
      const sd = Math.sqrt(squares.reduce((s, q) => s + (q - mse) ** 2, 0) / (n - 1));
      const expected = v / k + ((k - 1) * c) / k;
      console.log(`${label}: MSE of the average ${mse.toFixed(4)}, v/k + (k−1)c/k = ${expected.toFixed(4)}, one member ${v}`);
      expect(Math.abs(mse - expected)).toBeLessThan(4 * (sd / Math.sqrt(n)));
    });
  }

  it('combination rules equal hand computations: mean of probabilities, renormalised geometric mean, majority vote with ties to the lowest class', () => {
    const a = tf.tensor2d([[2, 0, 0], [0, 1, 0]]);
    const b = tf.tensor2d([[0, 2, 0], [0, 1, 0]]);
    const softmax = (row: number[]) => row.map((v) => Math.exp(v) / row.reduce((s, w) => s + Math.exp(w), 0));
    const [pa, pb] = [[[2, 0, 0], [0, 1, 0]].map(softmax), [[0, 2, 0], [0, 1, 0]].map(softmax)];
    const mean = pa.map((row, i) => row.map((v, j) => (v + pb[i]![j]!) / 2));
    expect(host(combine([a, b], 'mean'))).toEqual(mean.flat().map((v) => expect.closeTo(v, 6)));
    const geo = pa.map((row, i) => {
      const g = row.map((v, j) => Math.sqrt(v * pb[i]![j]!));
      const z = g.reduce((s, w) => s + w, 0);
      return g.map((w) => w / z);
    });
    expect(host(combine([a, b], 'geometric'))).toEqual(geo.flat().map((v) => expect.closeTo(v, 6)));
    // row 0: one vote each for classes 0 and 1 — a tie, broken towards class 0; row 1: both vote 1
    expect(host(combine([a, b], 'vote'))).toEqual([0.5, 0.5, 0, 0, 1, 0]);
    expect(host(tf.argMax(combine([a, b], 'vote'), -1))).toEqual([0, 1]);
  });

  it('uncertainty: member variance and mutual information are zero for agreeing members and positive for disagreeing ones', () => {
    const same = uncertainty([tf.tensor2d([[1, 0]]), tf.tensor2d([[1, 0]])]);
    expect(host(same.variance)).toEqual([0, 0]);
    expect(host(same.mutualInformation)[0]).toBeCloseTo(0, 6);
    const apart = uncertainty([tf.tensor2d([[4, 0]]), tf.tensor2d([[0, 4]])]);
    // by hand: p = (0.982, 0.018) and its mirror; mean (0.5, 0.5): entropy ln 2, members' entropy H(0.982)
    const p = 1 / (1 + Math.exp(-4));
    const memberH = -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
    expect(host(apart.entropy)[0]).toBeCloseTo(Math.log(2), 5);
    expect(host(apart.mutualInformation)[0]).toBeCloseTo(Math.log(2) - memberH, 5);
    expect(host(apart.variance)[0]).toBeCloseTo((p - 0.5) ** 2, 6);
  });

  it('calibration metrics equal hand computations (NLL, Brier, ECE over bins)', () => {
    // confidences away from the bin edges (float32 0.7·10 falls just below 7)
    const p = tf.tensor2d([[0.93, 0.07], [0.62, 0.38], [0.26, 0.74], [0.19, 0.81]]);
    const y = tf.tensor1d([0, 1, 1, 0], 'int32');
    const c = calibration(p, y, 10);
    expect(c.nll).toBeCloseTo(-(Math.log(0.93) + Math.log(0.38) + Math.log(0.74) + Math.log(0.19)) / 4, 6);
    expect(c.brier).toBeCloseTo((2 * 0.07 ** 2 + 2 * 0.62 ** 2 + 2 * 0.26 ** 2 + 2 * 0.81 ** 2) / 4, 6);
    expect(c.accuracy).toBe(0.5);
    // bins: 0.93 (right), 0.62 (wrong), 0.74 (right), 0.81 (wrong), each alone in its bin
    expect(c.ece).toBeCloseTo((0.07 + 0.62 + 0.26 + 0.81) / 4, 6);
  });
});

describe('bagging (seed §7.10)', () => {
  it('a bootstrap sample holds 1 − (1 − 1/m)^m of the examples on average (≈ 63.2 %)', () => {
    const m = 200;
    const fractions = Array.from({ length: 400 }, (_, s) => new Set(dataset.bootstrapIndices(m, s)).size / m);
    const mean = fractions.reduce((a, b) => a + b) / fractions.length;
    const sd = Math.sqrt(fractions.reduce((a, b) => a + (b - mean) ** 2, 0) / (fractions.length - 1));
    const expected = 1 - (1 - 1 / m) ** m;
    expect(Math.abs(mean - expected)).toBeLessThan(4 * (sd / Math.sqrt(fractions.length)));
  });

  it('the out-of-bag error equals the error recomputed by hand from the members that left each example out', async () => {
    const { data } = loadDigits();
    const small = dataset.subset(data, Array.from({ length: 300 }, (_, i) => i));
    const result = await bagging({
      members: 4,
      data: small,
      seed: 3,
      fit: { epochs: 5, batchSize: 32 },
      makeTrainer: (seed) => new Trainer({ model: nn.sequential([nn.dense(32, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', seed, progress: false, optimizer: { name: 'adam', learningRate: 0.01 } }),
    });
    const labels = host(small.y as tf.Tensor);
    const probs = result.ensemble.members.map((m) => host(tf.softmax(nn.single((m as Trainer).predict(small.x), 't'))));
    let wrong = 0;
    let covered = 0;
    for (let e = 0; e < 300; e++) {
      const out = result.samples.map((s, k) => (s.includes(e) ? -1 : k)).filter((k) => k >= 0);
      if (!out.length) continue;
      covered++;
      const mean = Array.from({ length: 10 }, (_, c) => out.reduce((s, k) => s + probs[k]![e * 10 + c]!, 0) / out.length);
      if (mean.indexOf(Math.max(...mean)) !== labels[e]) wrong++;
    }
    expect(result.outOfBag.covered).toBe(covered);
    expect(result.outOfBag.error).toBeCloseTo(wrong / covered, 9);
    // every member left some examples out: about (1 − 1/m)^m of them
    expect(covered).toBeGreaterThan(0.5 * 300);
    result.ensemble.dispose();
  });

  it('on digits the averaged ensemble errs less than its mean member (5 members, 4 seeds)', async () => {
    const { data } = loadDigits();
    const margins: number[] = [];
    for (let seed = 0; seed < 4; seed++) {
      const [train, test] = dataset.split(data, [0.3, 0.7], seed);
      const ensemble = await deepEnsemble({
        members: 5,
        data: train!,
        seed,
        fit: { epochs: 15, batchSize: 32 },
        makeTrainer: (s) => new Trainer({ model: nn.sequential([nn.dense(32, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', seed: s, progress: false, optimizer: { name: 'adam', learningRate: 0.01 } }),
      });
      const report = ensemble.evaluate(test!);
      margins.push(report.meanMemberError - (1 - report.ensemble.accuracy));
      ensemble.dispose();
    }
    const mean = margins.reduce((a, b) => a + b) / margins.length;
    const se = Math.sqrt(margins.reduce((a, b) => a + (b - mean) ** 2, 0) / (margins.length - 1) / margins.length);
    console.log(`digits, 5-member deep ensemble: mean member error − ensemble error = ${(100 * mean).toFixed(2)} ± ${(100 * se).toFixed(2)} points over 4 seeds`);
    expect(mean).toBeGreaterThan(0);
    expect(mean).toBeGreaterThan(se);
  });
});

describe('weight averaging', () => {
  /** Records the params after every step, at the averaging tier, before the plugin under test. */
  const recorder = (store: number[][][]): Plugin => ({ name: 'recorder', apiVersion: 2, afterStepKind: 'average', order: Order.default - 1, afterStep: (ctx) => void store.push(ctx.params.all.map((p) => host(p.variable))) });
  const data = (): Dataset => tf.tidy(() => {
    const r = new HostRandom(1);
    return { x: tf.tensor2d(Array.from({ length: 48 * 4 }, () => r.uniform() * 2 - 1), [48, 4]), y: tf.tensor1d(Array.from({ length: 48 }, (_, i) => i % 3), 'int32'), size: 48 } as unknown as tf.TensorContainer;
  }) as unknown as Dataset;

  /** tanh(x·W1 + b1)·W2 + b2 with given params, the test net's forward by hand. */
  const forwardByHand = (x: tf.Tensor, [w1, b1, w2, b2]: tf.Tensor[]) => host(tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(x, w1 as tf.Tensor2D), b1!)), w2 as tf.Tensor2D), b2!));

  it('EMA equals the hand-written recursion θ̄ ← βθ̄ + (1 − β)θ exactly, and predict uses θ̄', async () => {
    const seen: number[][][] = [];
    const t = new Trainer({ model: nn.sequential([nn.dense(8, { activation: 'tanh' }), nn.dense(3)]), loss: 'softmaxCrossEntropy', plugins: [recorder(seen), ema({ decay: 0.9 })], seed: 2, progress: false });
    t.build([4]);
    let shadow = t.params.all.map((p) => tf.clone(p.variable));
    await t.fit(data(), { epochs: 2, batchSize: 12 });
    for (const step of seen) shadow = shadow.map((s, i) => tf.add(tf.mul(s, 0.9), tf.mul(tf.tensor(step[i]!, s.shape), 1 - 0.9)));
    const x = data().x;
    const byHand = forwardByHand(x, shadow);
    expect(seen).toHaveLength(8);
    expect(host(nn.single(t.predict(x), 'ema'))).toEqual(byHand.map((v) => expect.closeTo(v, 6)));
    // training continued on the raw params: they are not θ̄
    expect(host(t.params.all[0]!.variable)).not.toEqual(host(shadow[0]!));
    t.dispose();
  });

  it('SWA is the arithmetic mean of the params at the collected epoch ends', async () => {
    const atEpochEnd: number[][][] = [];
    const epochTap: Plugin = { name: 'epochTap', apiVersion: 2, order: Order.default - 1, afterEpoch: (ctx) => void atEpochEnd.push(ctx.params.all.map((p) => host(p.variable))) };
    const t = new Trainer({ model: nn.sequential([nn.dense(8, { activation: 'tanh' }), nn.dense(3)]), loss: 'softmaxCrossEntropy', plugins: [epochTap, swa({ start: 2, every: 2 })], seed: 2, progress: false });
    await t.fit(data(), { epochs: 7, batchSize: 12 });
    // epochs 2, 4, 6 are collected
    const collected = [atEpochEnd[1]!, atEpochEnd[3]!, atEpochEnd[5]!];
    const mean = collected[0]!.map((param, i) => param.map((_, j) => (collected[0]![i]![j]! + collected[1]![i]![j]! + collected[2]![i]![j]!) / 3));
    const x = data().x;
    const byHand = forwardByHand(x, mean.map((v, i) => tf.tensor(v, t.params.all[i]!.variable.shape)));
    expect(host(nn.single(t.predict(x), 'swa'))).toEqual(byHand.map((v) => expect.closeTo(v, 5)));
    t.dispose();
  });

  for (const [label, factory] of [['ema', () => ema({ decay: 0.9 })], ['ema with bias correction', () => ema({ decay: 0.9, biasCorrection: true })], ['swa', () => swa({ start: 1 })], ['temperatureScaling', () => temperatureScaling({ temperature: 1.7 })]] as const) {
    it(`${label} passes checkPlugin`, async () => void (await checkPlugin(factory)));
  }
});

describe('temperature scaling (Guo et al. 2017)', () => {
  it('recovers the temperature that made over-confident logits, and it is the NLL minimum of a fine grid', async () => {
    const { fitTemperature } = await import('@tikhonov/ensembles');
    const rng = new HostRandom(5);
    const n = 4000;
    const classes = 4;
    const trueLogits = Float32Array.from({ length: n * classes }, () => 1.5 * normal(rng));
    // labels drawn from softmax(z): the calibrated logits are z; the model reports 2.5·z, over-confident by T = 2.5
    const labels = Int32Array.from({ length: n }, (_, i) => {
      const row = Array.from(trueLogits.slice(i * classes, i * classes + classes), Math.exp);
      const total = row.reduce((a, b) => a + b);
      let u = rng.uniform() * total;
      return row.findIndex((v) => (u -= v) < 0);
    });
    const logits = tf.mul(tf.tensor2d(trueLogits, [n, classes]), 2.5);
    const fit = fitTemperature(logits, tf.tensor1d(labels, 'int32'));
    console.log(`fitted T = ${fit.temperature.toFixed(3)} (made with 2.5); NLL ${fit.nllBefore.toFixed(4)} → ${fit.nllAfter.toFixed(4)}`);
    expect(fit.temperature).toBeGreaterThan(2.2);
    expect(fit.temperature).toBeLessThan(2.8);
    expect(fit.nllAfter).toBeLessThan(fit.nllBefore);
    // an independent check: no temperature on a grid of 0.01 does better (beyond rounding)
    const scaled = (t: number) => calibration(tf.softmax(tf.div(logits, t)), tf.tensor1d(labels, 'int32')).nll;
    for (let t = 1.5; t <= 3.5; t += 0.01) expect(scaled(t)).toBeGreaterThan(fit.nllAfter - 1e-5);
  });
});

describe('Stein variational gradient descent (deck 004; Liu & Wang 2016)', () => {
  // Bayesian linear regression y = Xw + ε, ε ~ N(0, σ²), prior w ~ N(0, α⁻¹I): the posterior is Gaussian with
  // Σ = (αI + XᵀX/σ²)⁻¹ and μ = Σ·Xᵀy/σ², computed here in float64 on the host
  const rng = new HostRandom(9);
  const n = 12;
  const sigma = 0.5;
  const alpha = 1;
  const X = Array.from({ length: n }, () => [normal(rng), normal(rng)]);
  const wTrue = [1, -0.5];
  const y = X.map((row) => row[0]! * wTrue[0]! + row[1]! * wTrue[1]! + sigma * normal(rng));
  const A = [0, 1].map((i) => [0, 1].map((j) => (i === j ? alpha : 0) + X.reduce((s, r) => s + r[i]! * r[j]!, 0) / sigma ** 2));
  const det = A[0]![0]! * A[1]![1]! - A[0]![1]! * A[1]![0]!;
  const cov = [[A[1]![1]! / det, -A[0]![1]! / det], [-A[1]![0]! / det, A[0]![0]! / det]];
  const b = [0, 1].map((i) => X.reduce((s, r, k) => s + r[i]! * y[k]!, 0) / sigma ** 2);
  const mu = [0, 1].map((i) => cov[i]![0]! * b[0]! + cov[i]![1]! * b[1]!);
  const logPosterior = (w: tf.Tensor2D) => {
    const residual = tf.sub(tf.tensor2d(y, [n, 1]), tf.matMul(tf.tensor2d(X.flat(), [n, 2]), w, false, true));
    return tf.sub(tf.div(tf.sum(tf.square(residual), 0), -2 * sigma ** 2), tf.mul(alpha / 2, tf.sum(tf.square(w), 1))) as tf.Tensor1D;
  };
  const moments = (p: number[], k: number) => {
    const m = [0, 1].map((i) => p.filter((_, j) => j % 2 === i).reduce((a, v) => a + v, 0) / k);
    const c = [0, 1].map((i) => [0, 1].map((j) => Array.from({ length: k }, (_, s) => (p[s * 2 + i]! - m[i]!) * (p[s * 2 + j]! - m[j]!)).reduce((a, v) => a + v, 0) / k));
    return { m, c };
  };

  it('the particles’ mean and covariance approach the Gaussian posterior’s', async () => {
    const { steinVariationalGradientDescent } = await import('@tikhonov/ensembles');
    const k = 100;
    const particles = steinVariationalGradientDescent({ logPosterior, init: new RandomStream(['svgd']).normal([k, 2], 0, 1) as tf.Tensor2D, steps: 1500, stepSize: 0.01 });
    const { m, c } = moments(host(particles), k);
    console.log(`SVGD: mean (${m.map((v) => v.toFixed(3))}) vs (${mu.map((v) => v.toFixed(3))}); variances (${[c[0]![0]!, c[1]![1]!].map((v) => v.toFixed(4))}) vs (${[cov[0]![0]!, cov[1]![1]!].map((v) => v.toFixed(4))})`);
    // the mean within a tenth of a posterior standard deviation, the variances within 25 %
    [0, 1].forEach((i) => expect(Math.abs(m[i]! - mu[i]!)).toBeLessThan(0.1 * Math.sqrt(cov[i]![i]!)));
    [0, 1].forEach((i) => expect(c[i]![i]! / cov[i]![i]!).toBeGreaterThan(0.75));
    [0, 1].forEach((i) => expect(c[i]![i]! / cov[i]![i]!).toBeLessThan(1.25));
  });

  it('Bayes by Backprop: μ converges to the posterior mean and σ² to the mean-field optimum 1/diag(precision)', async () => {
    const { bayesByBackpropVector } = await import('@tikhonov/ensembles');
    const logLikelihood = (w: tf.Tensor2D) => {
      const residual = tf.sub(tf.tensor2d(y, [n, 1]), tf.matMul(tf.tensor2d(X.flat(), [n, 2]), w, false, true));
      return tf.div(tf.sum(tf.square(residual), 0), -2 * sigma ** 2) as tf.Tensor1D;
    };
    const q = bayesByBackpropVector({ logLikelihood, dimension: 2, priorStddev: 1 / Math.sqrt(alpha), steps: 3000, learningRate: 0.01, samples: 16, seed: 1 });
    // for a Gaussian posterior with precision A, the mean-field KL optimum has μ = posterior mean and σᵢ² = 1/Aᵢᵢ
    const target = [1 / A[0]![0]!, 1 / A[1]![1]!];
    console.log(`Bayes by Backprop: μ (${Array.from(q.mean, (v) => v.toFixed(3))}) vs (${mu.map((v) => v.toFixed(3))}); σ² (${Array.from(q.stddev, (v) => (v * v).toFixed(4))}) vs 1/Aᵢᵢ (${target.map((v) => v.toFixed(4))})`);
    [0, 1].forEach((i) => expect(Math.abs(q.mean[i]! - mu[i]!)).toBeLessThan(0.1 * Math.sqrt(cov[i]![i]!)));
    [0, 1].forEach((i) => expect(q.stddev[i]! ** 2 / target[i]!).toBeGreaterThan(0.8));
    [0, 1].forEach((i) => expect(q.stddev[i]! ** 2 / target[i]!).toBeLessThan(1.25));
  });

  it('without the repulsive term the particles collapse onto the MAP point (the posterior mean here)', async () => {
    const { steinVariationalGradientDescent } = await import('@tikhonov/ensembles');
    const k = 20;
    const particles = steinVariationalGradientDescent({ logPosterior, init: new RandomStream(['svgd']).normal([k, 2], 0, 1) as tf.Tensor2D, steps: 1500, stepSize: 0.01, repulsive: false });
    const { m, c } = moments(host(particles), k);
    [0, 1].forEach((i) => expect(Math.abs(m[i]! - mu[i]!)).toBeLessThan(1e-3));
    [0, 1].forEach((i) => expect(c[i]![i]!).toBeLessThan(1e-3 * cov[i]![i]!));
  });
});

describe('boosting (SAMME), the capacity-increasing opposite of bagging (seed §7.10)', () => {
  it('round 1 trains with equal weights and gets α = log((1 − err)/err) + log(K − 1); each reweighting leaves the last learner at weighted error exactly 1/2 (K = 2)', async () => {
    const { boosting } = await import('@tikhonov/ensembles');
    const { twoMoons } = await import('@tikhonov/datasets');
    const data = twoMoons({ examples: 300, noise: 0.3, seed: 2 });
    const weak = () => new Trainer({ model: nn.sequential([nn.dense(2, { activation: 'tanh' }), nn.dense(2)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', learningRate: 0.05 }, seed: 1, progress: false });
    const single = weak();
    await single.fit(data, { epochs: 40, batchSize: 50 });
    const singleError = 1 - (await single.evaluate(data)).accuracy!;
    const result = await boosting({ rounds: 6, makeTrainer: () => weak(), data, fit: { epochs: 40, batchSize: 50 } });
    const first = result.rounds[0]!;
    expect(first.error).toBeCloseTo(singleError, 6);
    expect(first.alpha).toBeCloseTo(Math.log((1 - singleError) / singleError), 6);
    expect(result.rounds.length).toBeGreaterThan(2);
    for (let m = 1; m < result.rounds.length; m++) {
      const previous = result.rounds[m - 1]!;
      const now = result.rounds[m]!.weights;
      const wrongShare = now.reduce((s, w, i) => s + (previous.wrong[i] ? w : 0), 0);
      expect(wrongShare).toBeCloseTo(0.5, 9);
      expect(now.reduce((s, w) => s + w, 0)).toBeCloseTo(1, 9);
    }
    single.dispose();
    result.ensemble.dispose();
  });
});

describe('boosting raises capacity, bagging does not (seed §7.10)', () => {
  it('on a 3×3 checkerboard, SAMME over 2-unit nets fits the training set far better than its first learner, while bagging the same nets stays near its members (3 data sets)', async () => {
    const { boosting, bagging } = await import('@tikhonov/ensembles');
    // weak learners: one hidden layer of 2 tanh units draws about two lines; the checkerboard needs four
    const weak = (seed: number) => new Trainer({ model: nn.sequential([nn.dense(2, { activation: 'tanh' }), nn.dense(2)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', learningRate: 0.05 }, seed, progress: false });
    const fit = { epochs: 40, batchSize: 50 };
    const boostGain: number[] = [];
    const bagGain: number[] = [];
    const lines: string[] = [];
    for (let s = 1; s <= 3; s++) {
      const rng = new HostRandom(s);
      const X = Array.from({ length: 600 }, () => [3 * rng.uniform() - 1.5, 3 * rng.uniform() - 1.5]);
      const data = dataset.fromArrays(X, X.map(([a, b]) => (Math.floor(a! + 1.5) + Math.floor(b! + 1.5)) % 2));
      const boosted = await boosting({ rounds: 16, makeTrainer: (m) => weak(m + 1), data, fit });
      const report = boosted.ensemble.evaluate(data);
      const [first, boostedError] = [1 - report.members[0]!.accuracy, 1 - report.ensemble.accuracy];
      const bagged = await bagging({ members: 5, makeTrainer: (seed) => weak(seed), data, fit, seed: s });
      const bagReport = bagged.ensemble.evaluate(data);
      const baggedError = 1 - bagReport.ensemble.accuracy;
      boostGain.push(first - boostedError);
      bagGain.push(bagReport.meanMemberError - baggedError);
      lines.push(`data ${s}: boosting ${boostedError.toFixed(3)} (${boosted.rounds.length} rounds) vs its first learner ${first.toFixed(3)}; bagging ${baggedError.toFixed(3)} vs its mean member ${bagReport.meanMemberError.toFixed(3)}`);
      // capacity: the boosted vote's training error is well under half its first learner's
      expect(boostedError).toBeLessThan(0.5 * first);
      boosted.ensemble.dispose();
      bagged.ensemble.dispose();
      dataset.dispose(data);
    }
    const diff = boostGain.map((g, i) => g - bagGain[i]!);
    const mean = diff.reduce((a, b) => a + b, 0) / diff.length;
    const se = Math.sqrt(diff.reduce((a, d) => a + (d - mean) ** 2, 0) / (diff.length - 1) / diff.length);
    console.log(`boosting vs bagging, training error on the checkerboard:\n  ${lines.join('\n  ')}\n  boosting's gain over its first learner minus bagging's over its mean member: ${mean.toFixed(3)} ± ${se.toFixed(3)} (s.e.)`);
    expect(mean).toBeGreaterThan(2 * se);
  }, 300_000);
});

describe('MAP = L² (deck 004)', () => {
  it('the MAP estimate under a Gaussian likelihood and prior N(0, λ⁻¹I) equals training with l2({ alpha: 2σ²λ/n }) (closed form in float64)', async () => {
    const { l2 } = await import('@tikhonov/norm-penalties');
    const rng = new HostRandom(4);
    const n = 40;
    const d = 3;
    const sigma = 0.7;
    const lambda = 5;
    const X = Array.from({ length: n }, () => Array.from({ length: d }, () => normal(rng)));
    const y = X.map((r) => 0.8 * r[0]! - 1.2 * r[1]! + 0.3 * r[2]! + sigma * normal(rng));
    // MAP: maximise −Σr²/(2σ²) − λ‖w‖²/2 ⇔ (XᵀX + σ²λI)w = Xᵀy, solved by Gaussian elimination
    const M = Array.from({ length: d }, (_, i) => [...Array.from({ length: d }, (_, j) => X.reduce((s, r) => s + r[i]! * r[j]!, 0) + (i === j ? sigma ** 2 * lambda : 0)), X.reduce((s, r, k) => s + r[i]! * y[k]!, 0)]);
    for (let c = 0; c < d; c++) for (let r = c + 1; r < d; r++) { const f = M[r]![c]! / M[c]![c]!; for (let k = c; k <= d; k++) M[r]![k]! -= f * M[c]![k]!; }
    const map = new Array(d).fill(0);
    for (let r = d - 1; r >= 0; r--) map[r] = (M[r]![d]! - M[r]!.slice(r + 1, d).reduce((s, v, k) => s + v * map[r + 1 + k]!, 0)) / M[r]![r]!;
    // core's mse is (1/n)Σr² and l2 adds α/2·‖w‖²: the same objective up to the factor 2σ²/n when α = 2σ²λ/n
    const t = new Trainer({ model: nn.dense(1, { useBias: false }), loss: 'mse', optimizer: { name: 'sgd', learningRate: 0.1 }, plugins: [l2({ alpha: (2 * sigma ** 2 * lambda) / n })], progress: false });
    await t.fit({ x: tf.tensor2d(X.flat(), [n, d]), y: tf.tensor2d(y, [n, 1]), size: n }, { epochs: 600, batchSize: n });
    const w = host(t.params.all[0]!.variable);
    w.forEach((v, i) => expect(v).toBeCloseTo(map[i]!, 4));
    t.dispose();
  });
});
