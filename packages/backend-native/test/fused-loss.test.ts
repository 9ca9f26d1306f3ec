// core's fused softmax cross-entropy (FUSED_LOSS_KERNELS) on the native backend: the loss and its
// gradients against a float64 computation of the closed forms, −Σⱼ yⱼ log pⱼ and ∂/∂z = p·Σy − y,
// for one-hot, soft and unnormalised targets, sample weights and logits far from zero.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { dataset, FUSED_LOSS_KERNELS, HostRandom, nn, softmaxCrossEntropy, Trainer } from '@tikhonov/core';
import { useNativeBackend } from '@tikhonov/backend-native';
import { unavailable } from './available.js';

const ROWS = 6;
const COLS = 5;

/** Row-major logits: random in ±8, one row shifted by 1e4 and one by −1e4 (a naive exp overflows or underflows). */
function logitsOf(r: HostRandom): number[] {
  const z = Array.from({ length: ROWS * COLS }, () => (r.uniform() - 0.5) * 16);
  for (let j = 0; j < COLS; j++) {
    z[COLS + j]! += 1e4;
    z[2 * COLS + j]! -= 1e4;
  }
  return z.map(Math.fround); // the values the float32 tensor holds (near 1e4 its spacing is 0.001)
}

/** Targets of three kinds: one-hot rows, soft rows summing to 1, nonnegative rows of any mass. */
function targetsOf(kind: 'one-hot' | 'soft' | 'unnormalised', r: HostRandom): number[] {
  const y: number[] = [];
  for (let i = 0; i < ROWS; i++) {
    const row = Array.from({ length: COLS }, (_, j) => (kind === 'one-hot' ? (j === (i * 3) % COLS ? 1 : 0) : r.uniform()));
    const mass = row.reduce((a, b) => a + b, 0);
    y.push(...(kind === 'soft' ? row.map((v) => v / mass) : row));
  }
  return y.map(Math.fround);
}

/** In float64: each row's loss, −Σⱼ yⱼ·log pⱼ, p and log p (log-sum-exp shifted by the row's max). */
function closedForm(z: number[], y: number[]): { loss: number[]; p: number[]; logP: number[] } {
  const loss: number[] = [];
  const p: number[] = [];
  const logP: number[] = [];
  for (let i = 0; i < ROWS; i++) {
    const row = z.slice(i * COLS, (i + 1) * COLS);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    loss.push(row.reduce((s, v, j) => s - y[i * COLS + j]! * (v - lse), 0));
    p.push(...row.map((v) => Math.exp(v - lse)));
    logP.push(...row.map((v) => v - lse));
  }
  return { loss, p, logP };
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[], relative: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(expected[i]!)));
}

describe.skipIf(unavailable !== undefined)("core's fused softmax cross-entropy on native", () => {
  for (const kind of ['one-hot', 'soft', 'unnormalised'] as const) {
    it(`${kind} targets: the loss and both gradients equal the closed forms, through the fused kernels`, async () => {
      await useNativeBackend({ threads: 2 });
      const r = new HostRandom(kind.length);
      const z = logitsOf(r);
      const y = targetsOf(kind, r);
      const w = Array.from({ length: ROWS }, () => Math.fround(0.5 + r.uniform()));
      const { loss, p, logP } = closedForm(z, y);
      const logits = tf.tensor2d(z, [ROWS, COLS]);
      const labels = tf.tensor2d(y, [ROWS, COLS]);
      const weight = tf.tensor1d(w);
      const profile = await tf.profile(() => {
        const [value, [dz, dy]] = tidyGrads(logits, labels, weight);
        // mean over rows of wᵢ·lossᵢ; ∂/∂zᵢ = wᵢ·(pᵢ·Σy − yᵢ)/rows; ∂/∂yᵢ = −wᵢ·log pᵢ/rows
        const mass = Array.from({ length: ROWS }, (_, i) => y.slice(i * COLS, (i + 1) * COLS).reduce((a, b) => a + b, 0));
        expectClose(value.dataSync(), [loss.reduce((s, l, i) => s + w[i]! * l, 0) / ROWS], 1e-5);
        expectClose(dz.dataSync(), p.map((pj, k) => (w[Math.floor(k / COLS)]! * (pj * mass[Math.floor(k / COLS)]! - y[k]!)) / ROWS), 1e-6);
        expectClose(dy.dataSync(), logP.map((l, k) => (-w[Math.floor(k / COLS)]! * l) / ROWS), 1e-5);
        tf.dispose([value, dz, dy]);
      });
      const names = profile.kernels.map((k) => k.name);
      expect(names).toContain(FUSED_LOSS_KERNELS.softmaxCrossEntropy);
      expect(names).toContain(FUSED_LOSS_KERNELS.softmaxCrossEntropyGrad);
      tf.dispose([logits, labels, weight]);
    });
  }

  it('the addon entry point checks its lengths: y against z, out against the rows, dy against the rows', async () => {
    const { loadAddon } = await import('@tikhonov/backend-native');
    const addon = loadAddon();
    const z = new Float32Array(12);
    expect(() => addon.softmaxCrossEntropyRows(z, new Float32Array(10), 4, new Float32Array(3), undefined)).toThrow(/y holds 10 values but z holds 12/);
    expect(() => addon.softmaxCrossEntropyRows(z, new Float32Array(12), 4, new Float32Array(4), undefined)).toThrow(/out must hold 1 value\(s\) per row/);
    expect(() => addon.softmaxCrossEntropyRows(z, new Float32Array(12), 4, new Float32Array(12), new Float32Array(2))).toThrow(/dy holds 2 values but there are 3 rows/);
  });

  for (const kind of ['class ids', 'soft rows'] as const) {
    it(`${kind} without sample weights: the mean loss and its gradients equal the closed forms, through the mean kernels alone`, async () => {
      await useNativeBackend({ threads: 2 });
      const r = new HostRandom(kind.length + 7);
      const z = logitsOf(r);
      const ids = Array.from({ length: ROWS }, (_, i) => (i * 3 + 1) % COLS);
      const y = kind === 'class ids' ? ids.flatMap((c) => Array.from({ length: COLS }, (_, j) => (j === c ? 1 : 0))) : targetsOf('soft', r);
      const { loss, p, logP } = closedForm(z, y);
      const logits = tf.tensor2d(z, [ROWS, COLS]);
      const labels = kind === 'class ids' ? tf.tensor1d(ids, 'int32') : tf.tensor2d(y, [ROWS, COLS]);
      // the loss and the logits' gradient, as a step computes them
      const profile = await tf.profile(() => {
        const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => softmaxCrossEntropy(t, labels))(logits);
        // ROWS = 6: dy/rows = 1/6 is rounded to float32 before it scales the rows, as tfjs's Mean gradient rounds it
        const d = Math.fround(1 / ROWS);
        expectClose(value.dataSync(), [loss.reduce((a, b) => a + b, 0) / ROWS], 1e-6);
        expectClose(grad.dataSync(), p.map((pj, k) => d * (pj - y[k]!)), 1e-6);
        tf.dispose([value, grad]);
      });
      // target rows have a gradient too (composed: a target that depends on trainable variables): −log p/rows
      if (kind === 'soft rows') {
        const grad = tf.grad((t: tf.Tensor) => softmaxCrossEntropy(logits, t))(labels);
        expectClose(await grad.data(), logP.map((l) => -l / ROWS), 1e-5);
        grad.dispose();
      }
      const names = profile.kernels.map((k) => k.name);
      expect(names).toContain(FUSED_LOSS_KERNELS.meanSoftmaxCrossEntropy);
      expect(names).toContain(FUSED_LOSS_KERNELS.meanSoftmaxCrossEntropyGrad);
      // the per-row pair, the one-hot rows, the casts and the mean are all spared
      for (const spared of [FUSED_LOSS_KERNELS.softmaxCrossEntropy, 'OneHot', 'Cast', 'Mean']) expect(names).not.toContain(spared);
      tf.dispose([logits, labels]);
    });
  }

  it('a class id outside [0, classes) is a RangeError naming its row, where a one-hot row would give it a loss of 0', async () => {
    await useNativeBackend({ threads: 2 });
    const logits = tf.zeros([3, 4]);
    for (const bad of [4, -1]) {
      const labels = tf.tensor1d([0, 1, bad], 'int32');
      expect(() => softmaxCrossEntropy(logits, labels)).toThrow(new RegExp(`class id ${bad} at row 2 is out of range; the logits have 4 classes, so ids must be integers in \\[0, 3\\]`));
      labels.dispose();
    }
    logits.dispose();
  });

  it("class-id targets give the mean of the closed form's per-row losses", async () => {
    await useNativeBackend({ threads: 2 });
    const z = logitsOf(new HostRandom(3));
    const ids = Array.from({ length: ROWS }, (_, i) => (i * 2) % COLS);
    const { loss } = closedForm(z, ids.flatMap((c) => Array.from({ length: COLS }, (_, j) => (j === c ? 1 : 0))));
    const value = tf.tidy(() => softmaxCrossEntropy(tf.tensor2d(z, [ROWS, COLS]), tf.tensor1d(ids, 'int32')));
    expectClose(await value.data(), [loss.reduce((a, b) => a + b, 0) / ROWS], 1e-5);
    value.dispose();
  });

  it('a Trainer on native trains to the losses of the composed ops on cpu, and leaks no tensors', async () => {
    const r = new HostRandom(5);
    const x = Array.from({ length: 64 * 8 }, () => r.uniform() - 0.5);
    // the class is the largest of each row's first 4 features: learnable
    const ids = Array.from({ length: 64 }, (_, i) => { const f = x.slice(i * 8, i * 8 + 4); return f.indexOf(Math.max(...f)); });
    const run = async (backend: 'cpu' | 'native') => {
      if (backend === 'native') await useNativeBackend({ threads: 2 });
      else await tf.setBackend('cpu');
      const data = dataset.fromTensors(tf.tensor2d(x, [64, 8]), tf.tensor1d(ids, 'int32'));
      const trainer = new Trainer({ model: nn.sequential([nn.dense(16, { activation: 'relu' }), nn.dense(4)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.5 }, progress: false, seed: 2 });
      await trainer.fit(data, { epochs: 1, batchSize: 16 });
      const before = tf.memory().numTensors;
      const history = await trainer.fit(data, { epochs: 6, batchSize: 16 });
      expect(tf.memory().numTensors).toBe(before);
      trainer.dispose();
      tf.dispose([data.x, data.y as tf.Tensor]);
      return history.series('loss').slice(-6);
    };
    const cpu = await run('cpu');
    const native = await run('native');
    expect(cpu[5]!).toBeLessThan(cpu[0]! * 0.8); // it learns, so the comparison compares training
    expectClose(native, cpu, 1e-4);
  });
});

/** The weighted loss and its gradients with respect to logits and labels, kept out of the tidy. */
function tidyGrads(logits: tf.Tensor2D, labels: tf.Tensor2D, weight: tf.Tensor1D): [tf.Scalar, tf.Tensor[]] {
  const f = (z: tf.Tensor, y: tf.Tensor) => softmaxCrossEntropy(z, y, weight);
  const { value, grads } = tf.valueAndGrads(f)([logits, labels]);
  return [value as tf.Scalar, grads];
}
