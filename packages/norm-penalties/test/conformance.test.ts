import { describe, expect, it } from 'vitest';
import { nn } from '@tikhonov/core';
import { checkPlugin } from '@tikhonov/core/testing';
import {
  activityL1,
  activityL2,
  elasticNet,
  klSparsity,
  l1,
  l2,
  lagrangian,
  maxNorm,
  nonNeg,
  normConstraint,
  studentT,
  tying,
  unitNorm,
  weightDecay,
} from '@tikhonov/norm-penalties';

const twoTowers = () => nn.multiHead(nn.dense(8, { activation: 'relu' }), { a: nn.dense(3, { name: 'towerA' }), b: nn.dense(3, { name: 'towerB' }) });

describe('every plugin passes checkPlugin', () => {
  const cases = {
    l2: () => l2({ alpha: 1e-3 }),
    'l2 (initial centre, per-layer α)': () => l2({ alpha: [{ select: { names: ['dense_1'], roles: ['weight'] }, alpha: 1e-2 }, { select: { roles: ['weight'] }, alpha: 1e-3 }], center: 'initial' }),
    'l1 subgradient': () => l1({ alpha: 1e-3 }),
    'l1 proximal': () => l1({ alpha: 1e-3, method: 'proximal' }),
    elasticNet: () => elasticNet({ l1: 1e-3, l2: 1e-3 }),
    weightDecay: () => weightDecay({ rate: 1e-2 }),
    maxNorm: () => maxNorm({ c: 1 }),
    unitNorm: () => unitNorm(),
    nonNeg: () => nonNeg(),
    'normConstraint l2': () => normConstraint({ k: 2 }),
    'normConstraint l1': () => normConstraint({ k: 5, norm: 'l1' }),
    lagrangian: () => lagrangian({ k: 1, dualRate: 0.1 }),
    activityL1: () => activityL1({ alpha: 1e-3 }),
    activityL2: () => activityL2({ alpha: 1e-3 }),
    studentT: () => studentT({ alpha: 1e-3 }),
  };
  for (const [label, factory] of Object.entries(cases)) {
    it(label, async () => {
      const report = await checkPlugin(factory);
      expect(report.tensorsPerStep).toBe(0);
    });
  }
  it('klSparsity (sigmoid units)', async () => {
    const report = await checkPlugin(() => klSparsity({ target: 0.1, alpha: 1e-2 }), { model: () => nn.sequential([nn.dense(16, { activation: 'sigmoid' }), nn.dense(3)]) });
    expect(report.tensorsPerStep).toBe(0);
  });
  it('tying (two towers)', async () => {
    const report = await checkPlugin(() => tying({ pairs: [[{ names: ['towerA'] }, { names: ['towerB'] }]], alpha: 1e-2 }), {
      model: twoTowers,
      loss: { a: 'softmaxCrossEntropy', b: 'softmaxCrossEntropy' },
      data: () => {
        // same labels for both heads
        const base = (checkPluginData ??= makeData());
        return { ...base, y: { a: base.y as never, b: base.y as never } };
      },
    });
    expect(report.tensorsPerStep).toBe(0);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { gaussianBlobs } from '@tikhonov/datasets';
let checkPluginData: ReturnType<typeof makeData> | undefined;
function makeData() {
  return gaussianBlobs({ examples: 96, classes: 3, features: 8, seed: 1 });
}
void tf;

describe('options are validated at creation', () => {
  it('names the option, the value and what is allowed', () => {
    expect(() => l2({ alpha: -1 })).toThrow(/l2: option 'alpha' = -1 is not allowed; must be a finite number ≥ 0/);
    expect(() => maxNorm({ c: 0 })).toThrow(/maxNorm: option 'c' = 0 is not allowed; must be > 0/);
    expect(() => l1({ alpha: 1, method: 'ista' as never })).toThrow(/l1: option 'method' = "ista" is not allowed; must be 'subgradient' or 'proximal'/);
    expect(() => klSparsity({ alpha: 1, target: 1 })).toThrow(/klSparsity: option 'target' = 1 is not allowed; must be in \(0, 1\)/);
    expect(() => l2({ alpha: 1, selct: {} } as never)).toThrow("l2: option 'selct' = {} is not allowed; it is not an option here; did you mean 'select'? (allowed: alpha, center, select, name)");
  });

  it('a selector that matches no parameter is an error at fit start naming the selector', async () => {
    const { Trainer } = await import('@tikhonov/core');
    const t = new Trainer({ model: nn.dense(3), loss: 'softmaxCrossEntropy', plugins: [l2({ alpha: 1, select: { names: ['dense_9'] } })], progress: false });
    await expect(t.fit(makeData(), { epochs: 1 })).rejects.toThrow(/l2: option 'select' \{ names: \["dense_9"\] \} matches no parameter; the model has dense_1\/kernel \(weight\), dense_1\/bias \(bias\)/);
    t.dispose();
  });
});
