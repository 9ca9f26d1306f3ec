import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nn, type Trainer } from '@tikhonov/core';
import { fgsm, pgd, robustness, robustnessSvg, robustnessTable, runAttack, type RobustnessRow } from '@tikhonov/adversarial';
import { sanityWarnings } from '../src/robustness.js';
import { accuracyOf, digitsSplit, trainDigits } from './helpers.js';

describe('robustness', () => {
  let trainer: Trainer;
  let test: { x: tf.Tensor; y: tf.Tensor; size: number };
  beforeAll(async () => {
    const split = digitsSplit();
    trainer = await trainDigits(split.train, [], 15);
    test = { x: tf.slice(split.test.x, 0, 150), y: tf.slice(split.test.y as tf.Tensor, 0, 150), size: 150 };
  });
  afterAll(() => trainer.dispose());

  it('each row is the accuracy on the attack’s examples at that ε, measured independently; error grows with ε and PGD ≥ FGSM', () => {
    const attacks = [fgsm({ epsilon: 0.1, range: [0, 1] }), pgd({ epsilon: 0.1, steps: 5, range: [0, 1] })];
    const epsilons = [0, 0.05, 0.1, 0.2];
    const report = robustness(trainer, test, { attacks, epsilons, seed: 4 });
    const model = (x: tf.Tensor) => nn.single(trainer.predict(x), 'test');
    expect(report.clean).toBeCloseTo(accuracyOf(model(test.x), test.y), 6);
    for (const attack of attacks) {
      const results = runAttack(trainer, test.x, { attack, labels: test.y, epsilons: epsilons.slice(1), seed: 4 });
      for (const r of results) {
        const row = report.rows.find((w) => w.attack === attack.name && w.epsilon === r.epsilon)!;
        expect(row.accuracy).toBeCloseTo(accuracyOf(model(r.x), test.y), 6);
        expect(row.error).toBeCloseTo(1 - row.accuracy, 9);
      }
    }
    console.log(robustnessTable(report));
    expect(report.warnings).toEqual([]);
    const svg = robustnessSvg([{ label: 'plain', report }]);
    expect(svg.match(/<path d="M/g)).toHaveLength(2);
    expect(svg).toContain('FGSM L∞');
  });

  it('flags gradient masking: error falling as ε grows, PGD weaker than FGSM, more PGD steps weaker than fewer', () => {
    const row = (attack: string, kind: 'fgsm' | 'pgd', steps: number, epsilon: number, error: number): RobustnessRow => ({ attack, kind, steps, epsilon, accuracy: 1 - error, error });
    const sound = [row('FGSM L∞', 'fgsm', 1, 0.1, 0.3), row('FGSM L∞', 'fgsm', 1, 0.2, 0.5), row('PGD-5 L∞', 'pgd', 5, 0.1, 0.4), row('PGD-5 L∞', 'pgd', 5, 0.2, 0.7)];
    expect(sanityWarnings(sound, 0.005)).toEqual([]);
    const falling = [row('FGSM L∞', 'fgsm', 1, 0.1, 0.3), row('FGSM L∞', 'fgsm', 1, 0.2, 0.2)];
    expect(sanityWarnings(falling, 0.005)).toEqual([expect.stringMatching(/FGSM L∞: error falls from 30.0 % at ε=0.1 to 20.0 % at ε=0.2/)]);
    const weakPgd = [row('FGSM L∞', 'fgsm', 1, 0.1, 0.3), row('PGD-5 L∞', 'pgd', 5, 0.1, 0.25)];
    expect(sanityWarnings(weakPgd, 0.005)).toEqual([expect.stringMatching(/PGD-5 L∞ \(error 25.0 %\) is weaker than FGSM L∞/)]);
    const fewerSteps = [row('PGD-5 L∞', 'pgd', 5, 0.1, 0.4), row('PGD-20 L∞', 'pgd', 20, 0.1, 0.35)];
    expect(sanityWarnings(fewerSteps, 0.005)).toEqual([expect.stringMatching(/PGD-20 L∞ .* weaker than PGD-5 L∞ with fewer steps/)]);
    // within the tolerance is noise, not a warning
    expect(sanityWarnings([row('FGSM L∞', 'fgsm', 1, 0.1, 0.3), row('FGSM L∞', 'fgsm', 1, 0.2, 0.298)], 0.005)).toEqual([]);
  });

  it('refuses bad options', () => {
    expect(() => robustness(trainer, test, { attacks: [], epsilons: [0.1] })).toThrow(/robustness.*attacks.*at least one attack/);
    expect(() => robustness(trainer, test, { attacks: [fgsm({ epsilon: 0.1 })], epsilons: [-0.1] })).toThrow(/robustness.*epsilons.*≥ 0/);
  });
});
