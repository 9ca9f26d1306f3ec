// core's fused dense layer (FUSED_DENSE_KERNEL) on the native backend: act(x·W + b) and the gradients core registers
// for it against a float64 hand computation, the products it leaves out of a training step (a first layer's input
// gradient), and a Trainer with and without the kernel.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { dataset, FUSED_DENSE_KERNEL, HostRandom, nn, Trainer } from '@tikhonov/core';
import { useNativeBackend } from '@tikhonov/backend-native';
import { unavailable } from './available.js';

const [N, IN, OUT] = [5, 4, 3];

function expectClose(got: ArrayLike<number>, want: number[], tolerance: number) {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(Math.abs(got[i]! - w), `at ${i}: ${got[i]} vs ${w}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(w))));
}

describe.skipIf(unavailable !== undefined)('fused dense (core’s TikhonovDense) on native', () => {
  it('gives act(x·W + b) and the gradients of Σ c∘y for x, W and b of a float64 hand computation (relu and linear, with and without a bias)', async () => {
    await useNativeBackend({ threads: 1 });
    expect(tf.getKernel(FUSED_DENSE_KERNEL, 'native')).toBeDefined();
    const r = new HostRandom(4);
    const draw = (n: number) => Array.from({ length: n }, () => Math.fround(r.uniform() * 2 - 1));
    const [x, w, b, c] = [draw(N * IN), draw(IN * OUT), draw(OUT), draw(N * OUT)];
    for (const activation of ['relu', 'linear'] as const) {
      for (const withBias of [true, false]) {
        // float64: z = x·W + b, y = act(z), dz = c·act'(z), dx = dz·Wᵀ, dW = xᵀ·dz, db = Σₙ dz
        const z = Array.from({ length: N * OUT }, (_, k) => {
          const [n, j] = [Math.floor(k / OUT), k % OUT];
          let s = withBias ? b[j]! : 0;
          for (let i = 0; i < IN; i++) s += x[n * IN + i]! * w[i * OUT + j]!;
          return s;
        });
        expect(z.every((v) => Math.abs(v) > 1e-3)).toBe(true); // no z at relu's kink
        const y = z.map((v) => (activation === 'relu' ? Math.max(0, v) : v));
        const dz = z.map((v, k) => (activation === 'relu' && v <= 0 ? 0 : c[k]!));
        const dx = Array.from({ length: N * IN }, (_, k) => { const [n, i] = [Math.floor(k / IN), k % IN]; let s = 0; for (let j = 0; j < OUT; j++) s += dz[n * OUT + j]! * w[i * OUT + j]!; return s; });
        const dw = Array.from({ length: IN * OUT }, (_, k) => { const [i, j] = [Math.floor(k / OUT), k % OUT]; let s = 0; for (let n = 0; n < N; n++) s += x[n * IN + i]! * dz[n * OUT + j]!; return s; });
        const db = Array.from({ length: OUT }, (_, j) => { let s = 0; for (let n = 0; n < N; n++) s += dz[n * OUT + j]!; return s; });
        const tensors = [tf.tensor2d(x, [N, IN]), tf.tensor2d(w, [IN, OUT]), ...(withBias ? [tf.tensor1d(b)] : [])];
        const weights = tf.tensor2d(c, [N, OUT]);
        const dense = (xs: tf.Tensor, ws: tf.Tensor, bs?: tf.Tensor) =>
          tf.engine().runKernel(FUSED_DENSE_KERNEL, bs ? { a: xs, b: ws, bias: bs } : { a: xs, b: ws }, { transposeA: false, transposeB: false, activation }) as tf.Tensor;
        const before = tf.memory().numTensors;
        const { value, grads } = tf.valueAndGrads((xs: tf.Tensor, ws: tf.Tensor, bs?: tf.Tensor) => tf.sum(tf.mul(dense(xs, ws, bs), weights)))(tensors);
        const out = dense(tensors[0]!, tensors[1]!, tensors[2]);
        expectClose(await out.data(), y, 1e-6);
        expectClose(await value.data(), [y.reduce((s, v, k) => s + v * c[k]!, 0)], 1e-6);
        expectClose(await grads[0]!.data(), dx, 1e-6);
        expectClose(await grads[1]!.data(), dw, 1e-6);
        expect(grads.length).toBe(withBias ? 3 : 2);
        if (withBias) expectClose(await grads[2]!.data(), db, 1e-6);
        tf.dispose([value, ...grads, out]);
        expect(tf.memory().numTensors).toBe(before);
        tf.dispose([...tensors, weights]);
      }
    }
  });

  /** A 8-16-4 relu MLP trainer on native and its data; `fused` false unregisters the kernel for the run. */
  async function mlp(fused: boolean) {
    await useNativeBackend({ threads: 2 });
    const kernel = tf.getKernel(FUSED_DENSE_KERNEL, 'native')!;
    if (!fused) tf.unregisterKernel(FUSED_DENSE_KERNEL, 'native');
    const r = new HostRandom(5);
    const x = Array.from({ length: 64 * 8 }, () => r.uniform() - 0.5);
    const ids = Array.from({ length: 64 }, (_, i) => { const f = x.slice(i * 8, i * 8 + 4); return f.indexOf(Math.max(...f)); });
    const data = dataset.fromTensors(tf.tensor2d(x, [64, 8]), tf.tensor1d(ids, 'int32'));
    const trainer = new Trainer({ model: nn.sequential([nn.dense(16, { activation: 'relu' }), nn.dense(4)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.5 }, progress: false, seed: 2 });
    const done = () => {
      trainer.dispose();
      tf.dispose([data.x, data.y as tf.Tensor]);
      if (!tf.getKernel(FUSED_DENSE_KERNEL, 'native')) tf.registerKernel(kernel);
    };
    return { trainer, data, done };
  }

  it('a training step runs both layers as TikhonovDense and three products back (dW₂, dh₁, dW₁): no first-layer input gradient, and no Add or Relu', async () => {
    const counts = async (fused: boolean) => {
      const { trainer, data, done } = await mlp(fused);
      await trainer.fit(data, { epochs: 1, batchSize: 16, maxSteps: 1 });
      // tf.profile takes a TensorContainer-returning function, so the History is dropped here
      const profile = await tf.profile(async () => { await trainer.fit(data, { epochs: 1, batchSize: 16, maxSteps: trainer.step + 1 }); });
      done();
      const count = (name: string) => profile.kernels.filter((k) => k.name === name).length;
      return { dense: count(FUSED_DENSE_KERNEL), products: count('BatchMatMul'), adds: count('Add'), relus: count('Relu') };
    };
    expect(await counts(true)).toEqual({ dense: 2, products: 3, adds: 0, relus: 0 });
    // the composed layers: two products forward, the same three back, two bias adds and a relu
    expect(await counts(false)).toEqual({ dense: 0, products: 5, adds: 2, relus: 1 });
  });

  it('a Trainer trains to the same losses with and without the fused kernel, and leaks no tensors', async () => {
    const losses = async (fused: boolean) => {
      const { trainer, data, done } = await mlp(fused);
      await trainer.fit(data, { epochs: 1, batchSize: 16 });
      const before = tf.memory().numTensors;
      const history = await trainer.fit(data, { epochs: 6, batchSize: 16 });
      expect(tf.memory().numTensors).toBe(before);
      done();
      return history.series('loss');
    };
    const fused = await losses(true);
    const composed = await losses(false);
    expect(composed.at(-1)!).toBeLessThan(composed[0]! * 0.8); // it learns, so the comparison compares training
    expectClose(fused, composed, 1e-6);
  });
});
