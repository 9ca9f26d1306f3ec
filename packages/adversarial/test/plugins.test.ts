import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nn, Order, RandomStream, Trainer, type Plugin } from '@tikhonov/core';
import { checkPlugin } from '@tikhonov/core/testing';
import { twoMoons } from '@tikhonov/datasets';
import { adversarialTraining, catastrophicOverfittingGuard, crossEntropyPerExample, fgsm, klPerExample, madry, pgd, runAttack, trades, UnlabeledStream, virtualAdversarial } from '@tikhonov/adversarial';
import { tradesExamples } from '../src/trades.js';
import { virtualAdversarialPerturbation } from '../src/vat.js';
import { fixedMlp, unitInputs } from './helpers.js';

const host = (t: tf.Tensor) => Array.from(t.dataSync());

describe('the conformance kit', () => {
  const unlabeled = tf.keep(new RandomStream(['unlabeled']).normal([40, 8], 0, 2));
  const guardData = tf.tidy(() => ({ x: tf.keep(new RandomStream(['guard']).normal([24, 8], 0, 2)), y: tf.keep(tf.tensor1d(Array.from({ length: 24 }, (_, i) => i % 3), 'int32')), size: 24 }));
  const cases: Array<[string, () => Plugin]> = [
    ['adversarialTraining (FGSM)', () => adversarialTraining({ attack: fgsm({ epsilon: 0.1 }) })],
    ['madry (PGD with restarts and early exit)', () => madry({ attack: pgd({ epsilon: 0.1, steps: 2, restarts: 2, earlyExit: true }) })],
    ['trades', () => trades({ beta: 2, attack: pgd({ epsilon: 0.1, steps: 2, randomStart: false }) })],
    ['virtualAdversarial', () => virtualAdversarial({ epsilon: 0.5 })],
    ['virtualAdversarial with an unlabeled stream', () => virtualAdversarial({ epsilon: 0.5, unlabeled, unlabeledBatchSize: 8 })],
    ['catastrophicOverfittingGuard', () => catastrophicOverfittingGuard({ data: guardData, attack: pgd({ epsilon: 0.1, steps: 2 }) })],
  ];
  for (const [label, factory] of cases) it(label, async () => void (await checkPlugin(factory)));
});

describe('adversarialTraining (Goodfellow et al. 2015)', () => {
  it('the step loss is α·J(x) + (1 − α)·J(x̃), with J and x̃ computed independently at the initial params', async () => {
    const alpha = 0.3;
    const attack = fgsm({ epsilon: 0.2 });
    const x = unitInputs(12);
    const y = tf.tensor1d(Array.from({ length: 12 }, (_, i) => i % 3), 'int32');
    const make = (plugins: Plugin[]) => new Trainer({ model: nn.sequential([nn.dense(16, { activation: 'tanh' }), nn.dense(3)]), loss: 'softmaxCrossEntropy', plugins, seed: 5, logEvery: 1, progress: false });
    const reference = make([]);
    reference.build([8]);
    const model = (input: tf.Tensor) => nn.single(reference.predict(input, { batchSize: 12 }), 'reference');
    const xAdv = runAttack(model, x, { attack, labels: y })[0]!.x;
    const J = (input: tf.Tensor) => tf.mean(crossEntropyPerExample(model(input), y)).dataSync()[0]!;
    const expected = alpha * J(x) + (1 - alpha) * J(xAdv);
    const trained = make([adversarialTraining({ attack, alpha })]);
    await trained.fit({ x, y, size: 12 }, { epochs: 1, batchSize: 12 });
    expect(trained.history.logs[0]!.loss).toBeCloseTo(expected, 5);
    expect(J(xAdv)).toBeGreaterThan(J(x));
    reference.dispose();
    trained.dispose();
  });

  it('madry trains on the attack’s examples only: α = 0 of adversarialTraining gives the same params', async () => {
    const attack = fgsm({ epsilon: 0.2 });
    const x = unitInputs(12);
    const y = tf.tensor1d(Array.from({ length: 12 }, (_, i) => i % 3), 'int32');
    const run = async (plugin: Plugin) => {
      const t = new Trainer({ model: nn.sequential([nn.dense(16, { activation: 'tanh' }), nn.dense(3)]), loss: 'softmaxCrossEntropy', plugins: [plugin], seed: 5, progress: false });
      await t.fit({ x, y, size: 12 }, { epochs: 3, batchSize: 6 });
      const values = t.model.params.map((p) => host(p.variable));
      t.dispose();
      return values;
    };
    const [a, b] = [await run(madry({ attack })), await run(adversarialTraining({ attack, alpha: 0 }))];
    a.forEach((values, i) => values.forEach((v, j) => expect(v).toBeCloseTo(b[i]![j]!, 5)));
  });
});

describe('TRADES (Zhang et al. 2019)', () => {
  it('the inner maximisation raises the KL above random points of the ball: above their mean for every example, above their best on average', () => {
    const { model, dispose } = fixedMlp(3);
    const x = unitInputs(10);
    const epsilon = 0.1;
    const p = tf.softmax(model(x));
    const xAdv = tradesExamples(pgd({ epsilon, steps: 10, randomStart: false, range: [0, 1] }), model, x, new RandomStream(['trades-max']));
    const kl = host(klPerExample(p, model(xAdv)));
    const random = new RandomStream(['trades-random']);
    const bestRandom = new Array(10).fill(0);
    const meanRandom = new Array(10).fill(0);
    for (let k = 0; k < 50; k++) {
      const point = tf.clipByValue(tf.add(x, random.uniform(x.shape, -epsilon, epsilon)), 0, 1);
      host(klPerExample(p, model(point))).forEach((v, i) => {
        bestRandom[i] = Math.max(bestRandom[i], v);
        meanRandom[i] += v / 50;
      });
    }
    // the KL is not concave: from next to x the ascent can end at a lower local maximum than a lucky random point
    kl.forEach((v, i) => expect(v).toBeGreaterThan(2 * meanRandom[i]));
    const mean = (v: number[]) => v.reduce((a, b) => a + b) / v.length;
    console.log(`TRADES inner max: mean KL ${mean(kl).toFixed(4)}, best of 50 random points ${mean(bestRandom).toFixed(4)}, their mean ${mean(meanRandom).toFixed(4)}`);
    expect(mean(kl)).toBeGreaterThan(mean(bestRandom));
    dispose();
  });

  it('the step loss is the clean loss computed independently plus β times the reported KL', async () => {
    const beta = 4;
    const x = unitInputs(12);
    const y = tf.tensor1d(Array.from({ length: 12 }, (_, i) => i % 3), 'int32');
    const make = (plugins: Plugin[]) => new Trainer({ model: nn.sequential([nn.dense(16, { activation: 'tanh' }), nn.dense(3)]), loss: 'softmaxCrossEntropy', plugins, seed: 5, logEvery: 1, progress: false });
    const reference = make([]);
    reference.build([8]);
    const clean = tf.mean(crossEntropyPerExample(nn.single(reference.predict(x), 'reference'), y)).dataSync()[0]!;
    const t = make([trades({ beta, attack: pgd({ epsilon: 0.3, steps: 3, randomStart: false }) })]);
    await t.fit({ x, y, size: 12 }, { epochs: 1, batchSize: 12 });
    const row = t.history.logs[0]!;
    expect(row['trades.kl']).toBeGreaterThan(1e-3);
    expect(row.loss).toBeCloseTo(clean + beta * row['trades.kl']!, 5);
    reference.dispose();
    t.dispose();
  });

  it('with ε = 0 the KL term vanishes: the same params as plain training', async () => {
    const x = unitInputs(12);
    const y = tf.tensor1d(Array.from({ length: 12 }, (_, i) => i % 3), 'int32');
    const run = async (plugins: Plugin[]) => {
      const t = new Trainer({ model: nn.sequential([nn.dense(16, { activation: 'tanh' }), nn.dense(3)]), loss: 'softmaxCrossEntropy', plugins, seed: 5, progress: false });
      await t.fit({ x, y, size: 12 }, { epochs: 3, batchSize: 6 });
      const values = t.model.params.map((p) => host(p.variable));
      t.dispose();
      return values;
    };
    const [a, b] = [await run([trades({ beta: 6, attack: pgd({ epsilon: 0, steps: 2 }) })]), await run([])];
    a.forEach((values, i) => values.forEach((v, j) => expect(v).toBeCloseTo(b[i]![j]!, 5)));
  });

  it('refuses to run when a later batch transform changed the batch it attacked', async () => {
    const later: Plugin = { name: 'later', apiVersion: 2, order: Order.adversarial + 1, transformBatch: (b) => ({ ...b, x: tf.mul(b.x, 1) }) };
    const t = new Trainer({ model: nn.dense(3), loss: 'softmaxCrossEntropy', plugins: [trades({ attack: pgd({ epsilon: 0.1, steps: 1 }) }), later], progress: false });
    await expect(t.fit({ x: unitInputs(6), y: tf.tensor1d([0, 1, 2, 0, 1, 2], 'int32'), size: 6 }, { epochs: 1 })).rejects.toThrow(/trades: the batch changed after trades's transformBatch/);
    t.dispose();
  });
});

describe('virtual adversarial training (Miyato et al. 2018)', () => {
  it('the power iteration finds the dominant eigenvector of the KL’s Hessian Wᵀ(diag p − ppᵀ)W, computed in float64', () => {
    const k = 4;
    const d = 6;
    const W = Array.from(new RandomStream(['vat-w']).normal([d, k], 0, 1).dataSync());
    const x = new RandomStream(['vat-x']).normal([1, d], 0, 1);
    const model = (input: tf.Tensor) => tf.matMul(input, tf.tensor2d(W, [d, k]));
    const p = tf.softmax(model(x));
    const r = host(virtualAdversarialPerturbation(model, x, p, { epsilon: 1, xi: 1e-6, powerIterations: 20 }, new RandomStream(['vat-d'])));
    // the Hessian by hand: H = Wᵀ(diag p − ppᵀ)W for logits z = xW (W is d × k)
    const pv = host(p);
    const H = Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) => {
      let s = 0;
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) s += W[a * k + i]! * ((i === j ? pv[i]! : 0) - pv[i]! * pv[j]!) * W[b * k + j]!;
      return s;
    }));
    let v = Array.from({ length: d }, (_, i) => 1 + i);
    for (let it = 0; it < 500; it++) {
      const next = H.map((row) => row.reduce((s, h, j) => s + h * v[j]!, 0));
      const norm = Math.hypot(...next);
      v = next.map((e) => e / norm);
    }
    const cosine = Math.abs(r.reduce((s, e, i) => s + e * v[i]!, 0)) / Math.hypot(...r);
    expect(Math.hypot(...r)).toBeCloseTo(1, 5);
    expect(cosine).toBeGreaterThan(0.999);
  });

  it('an unlabeled stream visits every example once per pass and depends only on (seed, step)', () => {
    const x = tf.reshape(tf.range(0, 10), [10, 1]);
    const stream = new UnlabeledStream(x, 4, 'test');
    const seen = [1, 2, 3, 4, 5].flatMap((s) => Array.from(stream.indicesAt(9, s)));
    expect([...seen.slice(0, 10)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([...seen.slice(10, 20)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(new UnlabeledStream(x, 4, 'test').indicesAt(9, 3))).toEqual(seen.slice(8, 12));
    expect(host(stream.batchAt(9, 2))).toEqual(seen.slice(4, 8));
    expect(() => new UnlabeledStream(x, 11, 'vat')).toThrow(/vat.*unlabeledBatchSize.*11.*\[1, 10\]/);
  });

  it('with 10 labels per class on two moons, VAT with the unlabeled rest beats supervised-only training (mean over 5 seeds)', async () => {
    const errors = { supervised: [] as number[], vat: [] as number[] };
    for (let seed = 0; seed < 5; seed++) {
      const all = twoMoons({ examples: 1020, noise: 0.1, seed: 100 + seed });
      const labelled = { x: tf.slice(all.x, 0, 20), y: tf.slice(all.y as tf.Tensor, 0, 20), size: 20 };
      const unlabeled = tf.slice(all.x, 20, 500);
      const test = { x: tf.slice(all.x, 520, 500), y: tf.slice(all.y as tf.Tensor, 520, 500), size: 500 };
      for (const kind of ['supervised', 'vat'] as const) {
        const t = new Trainer({
          model: nn.sequential([nn.dense(32, { activation: 'relu' }), nn.dense(32, { activation: 'relu' }), nn.dense(2)]),
          loss: 'softmaxCrossEntropy',
          optimizer: { name: 'adam', learningRate: 0.01 },
          plugins: kind === 'vat' ? [virtualAdversarial({ epsilon: 0.3, alpha: 1, unlabeled, unlabeledBatchSize: 100 })] : [],
          seed,
          progress: false,
        });
        await t.fit(labelled, { epochs: 300, batchSize: 20 });
        errors[kind].push(1 - (await t.evaluate(test)).accuracy!);
        t.dispose();
      }
      tf.dispose([all.x, all.y as tf.Tensor, labelled.x, labelled.y, unlabeled, test.x, test.y]);
    }
    const stats = (v: number[]) => {
      const mean = v.reduce((a, b) => a + b) / v.length;
      const se = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1) / v.length);
      return { mean, se };
    };
    const [s, v] = [stats(errors.supervised), stats(errors.vat)];
    console.log(`two moons, 20 labels + 480 unlabeled, test error over 5 seeds: supervised ${(100 * s.mean).toFixed(1)} ± ${(100 * s.se).toFixed(1)} %, VAT ${(100 * v.mean).toFixed(1)} ± ${(100 * v.se).toFixed(1)} %`);
    expect(v.mean).toBeLessThan(s.mean);
  });
});

describe('catastrophicOverfittingGuard', () => {
  it('on a collapse of the PGD accuracy it restores the params of the best check and stops', async () => {
    const data = twoMoons({ examples: 200, noise: 0.1, seed: 3 });
    const subset = { x: tf.slice(data.x, 0, 64), y: tf.slice(data.y as tf.Tensor, 0, 64), size: 64 };
    const atEpochEnd: number[][][] = [];
    // records the params at each epoch end, then wrecks them after the third (the collapse to catch)
    const saboteur: Plugin = {
      name: 'saboteur',
      apiVersion: 2,
      order: Order.default,
      afterEpoch(ctx) {
        atEpochEnd.push(ctx.params.all.map((p) => host(p.variable)));
        // negated output logits swap the two classes: accuracy a becomes 1 − a
        if (ctx.epoch === 3) for (const p of ctx.params.all.slice(-2)) ctx.params.write(p, tf.mul(p.variable, -1));
      },
    };
    const t = new Trainer({
      model: nn.sequential([nn.dense(16, { activation: 'relu' }), nn.dense(2)]),
      loss: 'softmaxCrossEntropy',
      optimizer: { name: 'adam', learningRate: 0.02 },
      plugins: [saboteur, catastrophicOverfittingGuard({ data: subset, attack: pgd({ epsilon: 0.05, steps: 3 }), maxDrop: 0.2 })],
      progress: false,
    });
    await t.fit(data, { epochs: 10, batchSize: 20 });
    const checks = (t.history.notes.catastrophicOverfittingGuard as { checks: Array<{ robustAccuracy: number }> }).checks;
    expect(t.history.stop?.by).toBe('catastrophicOverfittingGuard');
    expect(t.history.stop?.reason).toMatch(/catastrophic overfitting.*restored/);
    expect(checks).toHaveLength(3);
    const bestIndex = checks.reduce((b, c, i) => (c.robustAccuracy >= checks[b]!.robustAccuracy ? i : b), 0);
    expect(checks[2]!.robustAccuracy).toBeLessThan(checks[bestIndex]!.robustAccuracy - 0.2);
    t.params.all.forEach((p, i) => expect(host(p.variable)).toEqual(atEpochEnd[bestIndex]![i]));
    t.dispose();
  });
});
