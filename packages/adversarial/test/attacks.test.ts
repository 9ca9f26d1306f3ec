import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nn, RandomStream, Trainer, type Plugin } from '@tikhonov/core';
import { numericGradient } from '@tikhonov/core/testing';
import { crossEntropyPerExample, fgsm, labelObjective, pgd, runAttack, type Attack } from '@tikhonov/adversarial';
import { pgdRestart, pgdSettings } from '../src/pgd.js';
import { digitsSplit, fixedMlp, trainDigits, unitInputs } from './helpers.js';

const host = (t: tf.Tensor) => Array.from(t.dataSync());
const one = (attack: Attack, model: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, labels?: tf.Tensor, seed = 0) => runAttack(model, x, { attack, labels, seed })[0]!.x;

describe('FGSM (seed §7.13, deck 004)', () => {
  it('x̃ − x = ε·sign(∇ₓJ) element for element, ∇ₓJ from a central-difference gradient', () => {
    const { model, dispose } = fixedMlp();
    const x = unitInputs(6);
    const y = tf.tensor1d([0, 1, 2, 2, 1, 0], 'int32');
    const epsilon = 0.05;
    const adv = one(fgsm({ epsilon }), model, x, y);
    const numeric = numericGradient((input) => tf.mean(crossEntropyPerExample(model(input), y)) as tf.Scalar, x, 1e-2);
    const delta = host(tf.sub(adv, x));
    let checked = 0;
    numeric.forEach((g, i) => {
      if (Math.abs(g) < 1e-3) return; // a sign too close to 0 to read off a float32 difference
      expect(delta[i]).toBeCloseTo(epsilon * Math.sign(g), 6);
      checked++;
    });
    expect(checked).toBeGreaterThan(40);
    dispose();
  });

  it('a linear model wᵀx moves by exactly ε‖w‖₁ (the max-norm perturbation of §7.13)', () => {
    const w = tf.tensor2d([0.5, -1.25, 2, 0.03, -0.7, 0, 1.5, -0.2], [8, 1]);
    const model = (x: tf.Tensor) => tf.matMul(x, w);
    const x = unitInputs(5);
    const target = tf.fill([5, 1], 10); // far above every output: the attack pushes each output down
    const epsilon = 0.01;
    const adv = one(fgsm({ epsilon, loss: 'mse' }), model, x, target);
    const moved = host(tf.sub(model(x), model(adv)));
    const l1 = [0.5, 1.25, 2, 0.03, 0.7, 0, 1.5, 0.2].reduce((a, b) => a + b);
    for (const m of moved) expect(m).toBeCloseTo(epsilon * l1, 5);
  });

  it('clips to the declared data range and stays inside the ε-ball', () => {
    const { model, dispose } = fixedMlp();
    const x = unitInputs(16);
    const adv = one(fgsm({ epsilon: 0.3, range: [0, 1] }), model, x, tf.tensor1d(Array.from({ length: 16 }, (_, i) => i % 3), 'int32'));
    const [a, b] = [host(adv), host(x)];
    a.forEach((v, i) => {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
      expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(0.3 + 1e-6);
    });
    dispose();
  });
});

describe('PGD (Madry et al. 2018)', () => {
  for (const norm of ['linf', 'l2'] as const) {
    it(`every iterate lies in the ${norm} ε-ball and the data range (within 1e-6)`, () => {
      const { model, dispose } = fixedMlp();
      const x = unitInputs(12);
      const y = tf.tensor1d(Array.from({ length: 12 }, (_, i) => i % 3), 'int32');
      const epsilon = norm === 'linf' ? 0.1 : 0.5;
      // runs are deterministic under the seed, so the run of t steps is the t-th iterate of a longer run's path
      for (let steps = 1; steps <= 8; steps++) {
        const adv = one(pgd({ epsilon, norm, steps, stepSize: epsilon / 2, range: [0, 1] }), model, x, y);
        const d = tf.sub(adv, x);
        const size = norm === 'linf' ? host(tf.max(tf.abs(d), 1)) : host(tf.sqrt(tf.sum(tf.square(d), 1)));
        for (const s of size) expect(s).toBeLessThanOrEqual(epsilon + 1e-6);
        for (const v of host(adv)) expect(v >= 0 && v <= 1).toBe(true);
        // the ball's edge is reached: the attack is not a no-op
        expect(Math.max(...size)).toBeGreaterThan(epsilon * 0.9);
      }
      dispose();
    });
  }

  it('its iterates are the projected steps: one step from x equals Π(x + α·sign(∇ₓJ)) by hand', () => {
    const { model, dispose } = fixedMlp();
    const x = unitInputs(4);
    const y = tf.tensor1d([0, 1, 2, 0], 'int32');
    const adv = one(pgd({ epsilon: 0.05, steps: 1, stepSize: 0.08, randomStart: false }), model, x, y);
    const g = tf.grad((input: tf.Tensor) => tf.sum(crossEntropyPerExample(model(input), y)))(x);
    const expected = tf.add(x, tf.clipByValue(tf.mul(0.08, tf.sign(g)), -0.05, 0.05));
    expect(host(adv)).toEqual(host(expected).map((v) => expect.closeTo(v, 6)));
    dispose();
  });

  describe('on a trained digits classifier', () => {
    let trainer: Trainer;
    let test: { x: tf.Tensor; y: tf.Tensor };
    beforeAll(async () => {
      const split = digitsSplit();
      trainer = await trainDigits(split.train, [], 20);
      test = { x: tf.slice(split.test.x, 0, 200), y: tf.slice(split.test.y as tf.Tensor, 0, 200) };
    });
    afterAll(() => trainer.dispose());
    const model = (x: tf.Tensor) => nn.single(trainer.predict(x, { batchSize: x.shape[0]! }), 'test');
    const lossOf = (x: tf.Tensor) => tf.mean(crossEntropyPerExample(model(x), test.y)).dataSync()[0]!;
    const successOf = (x: tf.Tensor) => tf.mean(tf.cast(tf.notEqual(tf.argMax(model(x), -1), tf.cast(test.y, 'int32')), 'float32')).dataSync()[0]!;

    it('the PGD loss is at least the FGSM loss on average, and both above the clean loss', () => {
      const epsilon = 0.1;
      const [clean, f, p] = [lossOf(test.x), lossOf(one(fgsm({ epsilon, range: [0, 1] }), model, test.x, test.y)), lossOf(one(pgd({ epsilon, steps: 10, range: [0, 1] }), model, test.x, test.y))];
      console.log(`digits, ε = ${epsilon}: mean loss clean ${clean.toFixed(3)}, FGSM ${f.toFixed(3)}, PGD-10 ${p.toFixed(3)}`);
      expect(f).toBeGreaterThan(clean);
      expect(p).toBeGreaterThanOrEqual(f);
    });

    it('more steps never lower the success rate (beyond one example in 200)', () => {
      const rates = [1, 2, 4, 8, 16].map((steps) => successOf(one(pgd({ epsilon: 0.08, steps, stepSize: 0.02, range: [0, 1] }), model, test.x, test.y)));
      console.log(`PGD success by steps 1, 2, 4, 8, 16: ${rates.map((r) => r.toFixed(3)).join(', ')}`);
      for (let i = 1; i < rates.length; i++) expect(rates[i]!).toBeGreaterThanOrEqual(rates[i - 1]! - 1 / 200);
      expect(rates[4]!).toBeGreaterThan(rates[0]!);
    });

    it('random starts are seeded: the same seed repeats the attack bit for bit, another seed does not', () => {
      const attack = pgd({ epsilon: 0.1, steps: 3, range: [0, 1] });
      const [a, b, c] = [one(attack, model, test.x, test.y, 7), one(attack, model, test.x, test.y, 7), one(attack, model, test.x, test.y, 8)];
      expect(host(a)).toEqual(host(b));
      expect(host(a)).not.toEqual(host(c));
    });

    it('with restarts each example keeps its own worst case over the starts (not the best restart of the batch)', () => {
      const options = { epsilon: 0.1, steps: 2, stepSize: 0.05, range: [0, 1] as [number, number] };
      const x = tf.slice(test.x, 0, 64);
      const y = tf.slice(test.y, 0, 64);
      const { objective } = labelObjective('crossEntropy', y, false);
      const combined = pgd({ ...options, restarts: 4 }).perturb({ model, x, objective, random: new RandomStream(['restarts']) });
      const stream = new RandomStream(['restarts']);
      const singles = [0, 1, 2, 3].map(() => host(objective(model(pgdRestart(pgdSettings(options), { model, x, objective, random: stream }, stream)))));
      const worst = singles[0]!.map((_, i) => Math.max(...singles.map((s) => s[i]!)));
      const got = host(objective(model(combined)));
      got.forEach((v, i) => expect(v).toBeCloseTo(worst[i]!, 4));
      // the restarts disagree on which is worst, so a per-batch pick would lose some examples' worst case
      const winners = new Set(worst.map((w, i) => singles.findIndex((s) => s[i] === w)));
      expect(winners.size).toBeGreaterThan(1);
    });

    it('early exit leaves an example where it was once misclassified', () => {
      const attack = pgd({ epsilon: 0.15, steps: 6, stepSize: 0.05, randomStart: false, earlyExit: true, range: [0, 1] });
      const adv = one(attack, model, test.x, test.y);
      const wrongAtStart = host(tf.notEqual(tf.argMax(model(test.x), -1), tf.cast(test.y, 'int32')));
      const moved = host(tf.max(tf.abs(tf.sub(adv, test.x)), 1));
      wrongAtStart.forEach((w, i) => {
        if (w) expect(moved[i]).toBe(0);
      });
      expect(wrongAtStart.some((w) => w)).toBe(true);
      // and stopping early does not make it weaker: success equals the plain attack's at least
      expect(successOf(adv)).toBeGreaterThanOrEqual(successOf(one(pgd({ epsilon: 0.15, steps: 1, stepSize: 0.05, randomStart: false, range: [0, 1] }), model, test.x, test.y)));
    });

    it('without labels the attack uses the model’s own predictions', () => {
      const attack = fgsm({ epsilon: 0.1, range: [0, 1] });
      const own = tf.argMax(model(test.x), -1);
      expect(host(one(attack, model, test.x))).toEqual(host(one(attack, model, test.x, own)));
    });

    it('a targeted attack reaches its target class', () => {
      const target = tf.fill([test.x.shape[0]!], 3, 'int32');
      const adv = runAttack(model, test.x, { attack: pgd({ epsilon: 0.3, steps: 20, range: [0, 1] }), target })[0]!.x;
      const hit = tf.mean(tf.cast(tf.equal(tf.argMax(model(adv), -1), 3), 'float32')).dataSync()[0]!;
      console.log(`targeted PGD-20 at ε = 0.3: ${(100 * hit).toFixed(1)} % reach class 3`);
      expect(hit).toBeGreaterThan(0.9);
    });

    it('several ε in one call equal the attack rebuilt at each ε', () => {
      const attack = pgd({ epsilon: 0.1, steps: 3, stepSize: 0.04, randomStart: false, range: [0, 1] });
      const results = runAttack(model, test.x, { attack, labels: test.y, epsilons: [0.05, 0.2] });
      expect(results.map((r) => r.epsilon)).toEqual([0.05, 0.2]);
      expect(host(results[0]!.x)).toEqual(host(one(pgd({ epsilon: 0.05, steps: 3, stepSize: 0.02, randomStart: false, range: [0, 1] }), model, test.x, test.y)).map((v) => expect.closeTo(v, 6)));
      expect(host(results[1]!.x)).toEqual(host(one(pgd({ epsilon: 0.2, steps: 3, stepSize: 0.08, randomStart: false, range: [0, 1] }), model, test.x, test.y)).map((v) => expect.closeTo(v, 6)));
    });

    it('leaves no tensor behind over many calls', () => {
      const attack = pgd({ epsilon: 0.1, steps: 3, restarts: 2, earlyExit: true, range: [0, 1] });
      const run = () => tf.dispose(runAttack(trainer, test.x, { attack, labels: test.y, epsilons: [0.05, 0.1], batchSize: 64 }).map((r) => r.x));
      run();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 10; i++) run();
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});

describe('attack inputs', () => {
  it('runs a Trainer in inference mode: a plugin declared for training only (a dropout-like mask) is off, so the attack is deterministic', async () => {
    const maskInTraining: Plugin = { name: 'mask', apiVersion: 2, transformActivation: (site, h, ctx) => (site.kind === 'hidden' ? tf.mul(h, ctx.random.bernoulli(h.shape, 0.5)) : h) };
    const trainer = new Trainer({ model: nn.sequential([nn.dense(16, { activation: 'tanh' }), nn.dense(3)]), loss: 'softmaxCrossEntropy', plugins: [maskInTraining], progress: false });
    const x = unitInputs(10);
    const y = tf.tensor1d(Array.from({ length: 10 }, (_, i) => i % 3), 'int32');
    await trainer.fit({ x, y, size: 10 }, { epochs: 2, batchSize: 5 });
    const attack = pgd({ epsilon: 0.1, steps: 3, randomStart: false });
    const [a, b] = [runAttack(trainer, x, { attack, labels: y })[0]!.x, runAttack(trainer, x, { attack, labels: y })[0]!.x];
    const plain = (input: tf.Tensor) => nn.single(trainer.model.forward(input, { training: false }), 'plain');
    expect(host(a)).toEqual(host(b));
    expect(host(a)).toEqual(host(one(attack, plain, x, y)).map((v) => expect.closeTo(v, 6)));
    trainer.dispose();
  });

  it('refuses bad options naming the option, its value and what is allowed', () => {
    expect(() => fgsm({ epsilon: -1 })).toThrow(/fgsm.*epsilon.*-1.*≥ 0/);
    expect(() => pgd({ epsilon: 0.1, nrom: 'l2' } as never)).toThrow(/nrom.*norm/);
    expect(() => pgd({ epsilon: 0.1, range: [1, 0] })).toThrow(/range.*min < max/);
    expect(() => pgd({ epsilon: 0.1, earlyExit: true, loss: 'mse' })).toThrow(/earlyExit/);
    const model = (x: tf.Tensor) => x;
    expect(() => runAttack(model, tf.ones([2, 2]), { attack: fgsm({ epsilon: 0.1, loss: 'mse' }) })).toThrow(/labels.*'mse'/);
    expect(() => runAttack(model, tf.ones([2, 2]), { attack: fgsm({ epsilon: 0.1 }), labels: tf.tensor1d([0, 1, 1], 'int32') })).toThrow(/labels.*one row per example of x \(2\), has 3/);
    expect(() => runAttack(model, tf.ones([2, 2]), { attack: { kind: 'fgsm' } as never })).toThrow(/attack.*fgsm\(\{\.\.\.\}\)/);
  });
});
