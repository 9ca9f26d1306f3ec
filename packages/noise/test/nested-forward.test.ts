// Contract v2: a penalty that runs nested forward passes (the Jacobian
// penalty) next to one that reads the step's activations (activityL1) gives
// the same loss in either list order — the loss computed by hand below. In
// contract v1 activityL1 recorded activations in transformActivation, so it
// also counted the Jacobian's nested passes in one order (1.874 vs 2.056).
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nn, Trainer, type Plugin } from '@tikhonov/core';
import { jacobianPenalty } from '@tikhonov/noise';
import { activityL1 } from '@tikhonov/norm-penalties';

const n = 6;
const xs = Array.from({ length: n }, (_, i) => [Math.sin(i + 1), Math.cos(2 * i + 0.5), (i - 2.5) / 3]);
const ids = [0, 1, 1, 0, 1, 0];
const alpha = 0.05;
const nu = 0.3;

/** The step-1 loss of a tanh MLP 3-4-2 with activityL1(α) and jacobianPenalty(ν), in float64 from the initial params. */
function byHand(w1: number[][], b1: number[], w2: number[][], b2: number[]): number {
  let data = 0;
  let activity = 0;
  let jacobian = 0;
  for (let i = 0; i < n; i++) {
    const h = b1.map((b, u) => Math.tanh(b + xs[i]!.reduce((s, x, d) => s + x * w1[d]![u]!, 0)));
    const z = b2.map((b, j) => b + h.reduce((s, hu, u) => s + hu * w2[u]![j]!, 0));
    const max = Math.max(...z);
    const logSum = max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0));
    data += logSum - z[ids[i]!]!;
    activity += h.reduce((s, v) => s + Math.abs(v), 0);
    // ∂z_j/∂x_d = Σ_u w1[d][u]·(1 − h_u²)·w2[u][j]
    for (let j = 0; j < 2; j++) {
      for (let d = 0; d < 3; d++) {
        const g = h.reduce((s, hu, u) => s + w1[d]![u]! * (1 - hu * hu) * w2[u]![j]!, 0);
        jacobian += g * g;
      }
    }
  }
  return data / n + (alpha * activity) / n + (nu * jacobian) / n;
}

async function firstLoss(plugins: Plugin[]): Promise<{ loss: number; hand: number; tensorsFlat: boolean }> {
  const t = new Trainer({
    model: nn.sequential([nn.dense(4, { activation: 'tanh' }), nn.dense(2)]),
    loss: 'softmaxCrossEntropy',
    optimizer: { name: 'sgd', learningRate: 0.1 },
    plugins,
    seed: 7,
    logEvery: 1,
    progress: false,
  });
  const data = { x: tf.tensor2d(xs), y: tf.tensor1d(ids, 'int32'), size: n };
  t.build([3]);
  const read = (name: string) => t.params.get(name).variable.arraySync() as never;
  const hand = byHand(read('dense_1/kernel'), read('dense_1/bias'), read('dense_2/kernel'), read('dense_2/bias'));
  await t.fit(data, { epochs: 10, batchSize: n, shuffle: false });
  const before = tf.memory().numTensors;
  await t.fit(data, { epochs: 20, batchSize: n, shuffle: false });
  const tensorsFlat = tf.memory().numTensors === before;
  const loss = t.history.logs[0]!.loss!;
  t.dispose();
  tf.dispose([data.x, data.y]);
  return { loss, hand, tensorsFlat };
}

describe('nested forward passes (contract v2)', () => {
  it('activityL1 + jacobianPenalty: the same loss in both list orders, equal to the hand computation, with flat numTensors', async () => {
    const a = await firstLoss([activityL1({ alpha }), jacobianPenalty({ nu })]);
    const b = await firstLoss([jacobianPenalty({ nu }), activityL1({ alpha })]);
    expect(Math.abs(a.loss - a.hand) / a.hand).toBeLessThan(1e-5);
    expect(Math.abs(b.loss - b.hand) / b.hand).toBeLessThan(1e-5);
    expect(a.tensorsFlat && b.tensorsFlat).toBe(true);
  });

  it('a nested pass is tagged: forward hooks see its tag and nested = true, the main pass sees main', async () => {
    const seen = new Set<string>();
    const watcher: Plugin = { name: 'watcher', apiVersion: 2, transformActivation: (site, h, ctx) => (seen.add(`${ctx.pass.tag}:${ctx.pass.nested}:${ctx.mode}`), h) };
    const t = new Trainer({ model: nn.sequential([nn.dense(4, { activation: 'tanh' }), nn.dense(2)]), loss: 'softmaxCrossEntropy', plugins: [watcher, jacobianPenalty({ nu })], progress: false });
    await t.fit({ x: tf.tensor2d(xs), y: tf.tensor1d(ids, 'int32'), size: n }, { epochs: 1, batchSize: n });
    expect([...seen].sort()).toEqual(['jacobian:true:train', 'main:false:train']);
    t.dispose();
  });
});
