// core's fused convolution (FUSED_CONV_KERNEL) and its bias-and-relu gradient kernel
// (BIAS_ACTIVATION_GRAD_KERNEL) on the native backend: act(x ⋆ W + b) and the gradients core registers for it
// against a float64 hand computation (with the one-pass gradient kernel and with the composed ops), that kernel's
// NaN and ∞ against tfjs-cpu's mul(dy, step(y)), the kernels a CNN training step runs, and a Trainer with and without them.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BIAS_ACTIVATION_GRAD_KERNEL, dataset, FUSED_CONV_KERNEL, HostRandom, nn, Trainer } from '@tikhonov/core';
import { useNativeBackend } from '@tikhonov/backend-native';
import { unavailable } from './available.js';

function expectClose(got: ArrayLike<number>, want: number[], tolerance: number) {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(Math.abs(got[i]! - w), `at ${i}: ${got[i]} vs ${w}`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(w))));
}

/** Runs f with the named native kernels unregistered, then puts them back. */
async function without<T>(names: string[], f: () => Promise<T>): Promise<T> {
  const kernels = names.map((name) => tf.getKernel(name, 'native')!);
  for (const name of names) tf.unregisterKernel(name, 'native');
  try {
    return await f();
  } finally {
    for (const k of kernels) tf.registerKernel(k);
  }
}

/** One NHWC convolution's geometry, with tfjs's 'same' padding (the extra row or column at the bottom and right). */
function geometry(inH: number, inW: number, k: number, stride: number, pad: 'same' | 'valid') {
  const outH = pad === 'same' ? Math.ceil(inH / stride) : Math.ceil((inH - k + 1) / stride);
  const outW = pad === 'same' ? Math.ceil(inW / stride) : Math.ceil((inW - k + 1) / stride);
  const padT = pad === 'same' ? Math.floor(Math.max((outH - 1) * stride + k - inH, 0) / 2) : 0;
  const padL = pad === 'same' ? Math.floor(Math.max((outW - 1) * stride + k - inW, 0) / 2) : 0;
  return { outH, outW, padT, padL };
}

describe.skipIf(unavailable !== undefined)('fused convolution (core’s TikhonovConv2D) on native', () => {
  it('gives act(x ⋆ W + b) and the gradients of Σ c∘y for x, W and b of a float64 hand computation (relu and linear, bias or none, strides 1 and 2, same and valid), with the one-pass relu gradient and with the composed ops', async () => {
    await useNativeBackend({ threads: 1 });
    expect(tf.getKernel(FUSED_CONV_KERNEL, 'native')).toBeDefined();
    expect(tf.getKernel(BIAS_ACTIVATION_GRAD_KERNEL, 'native')).toBeDefined();
    const [N, H, W, CI, CO, K] = [2, 6, 5, 2, 3, 3];
    const r = new HostRandom(7);
    const draw = (n: number) => Array.from({ length: n }, () => Math.fround(r.uniform() * 2 - 1));
    const [x, w, b] = [draw(N * H * W * CI), draw(K * K * CI * CO), draw(CO)];
    let cases = 0;
    for (const [stride, pad] of [[1, 'same'], [2, 'same'], [1, 'valid'], [2, 'valid']] as const) {
      const { outH, outW, padT, padL } = geometry(H, W, K, stride, pad);
      const c = draw(N * outH * outW * CO);
      const xi = (n: number, h: number, v: number, ci: number) => ((n * H + h) * W + v) * CI + ci;
      const wi = (kh: number, kw: number, ci: number, co: number) => ((kh * K + kw) * CI + ci) * CO + co;
      const yi = (n: number, oh: number, ow: number, co: number) => ((n * outH + oh) * outW + ow) * CO + co;
      /** Calls f(x index, w index, y index) for every tap of every output inside the input. */
      const taps = (f: (xk: number, wk: number, yk: number) => void) => {
        for (let n = 0; n < N; n++) for (let oh = 0; oh < outH; oh++) for (let ow = 0; ow < outW; ow++) for (let kh = 0; kh < K; kh++) for (let kw = 0; kw < K; kw++) {
          const [h, v] = [oh * stride + kh - padT, ow * stride + kw - padL];
          if (h < 0 || h >= H || v < 0 || v >= W) continue;
          for (let ci = 0; ci < CI; ci++) for (let co = 0; co < CO; co++) f(xi(n, h, v, ci), wi(kh, kw, ci, co), yi(n, oh, ow, co));
        }
      };
      for (const activation of ['relu', 'linear'] as const) {
        for (const withBias of [true, false]) {
          // float64: z = x ⋆ W + b, y = act(z), dz = c·act'(z), dx and dW from the same taps, db = Σ dz per channel
          const z = Array.from({ length: N * outH * outW * CO }, (_, k) => (withBias ? b[k % CO]! : 0));
          taps((xk, wk, yk) => (z[yk]! += x[xk]! * w[wk]!));
          expect(z.every((v) => Math.abs(v) > 1e-4)).toBe(true); // no z at relu's kink
          const y = z.map((v) => (activation === 'relu' ? Math.max(0, v) : v));
          const dz = z.map((v, k) => (activation === 'relu' && v <= 0 ? 0 : c[k]!));
          const [dx, dw, db] = [x.map(() => 0), w.map(() => 0), b.map(() => 0)];
          taps((xk, wk, yk) => {
            dx[xk]! += dz[yk]! * w[wk]!;
            dw[wk]! += dz[yk]! * x[xk]!;
          });
          dz.forEach((v, k) => (db[k % CO]! += v));
          for (const oneKernel of [true, false]) {
            await without(oneKernel ? [] : [BIAS_ACTIVATION_GRAD_KERNEL], async () => {
              const tensors = [tf.tensor4d(x, [N, H, W, CI]), tf.tensor4d(w, [K, K, CI, CO]), ...(withBias ? [tf.tensor1d(b)] : [])];
              const weights = tf.tensor4d(c, [N, outH, outW, CO]);
              const conv = (xs: tf.Tensor, ws: tf.Tensor, bs?: tf.Tensor) =>
                tf.engine().runKernel(FUSED_CONV_KERNEL, bs ? { x: xs, filter: ws, bias: bs } : { x: xs, filter: ws }, { strides: stride, pad, dataFormat: 'NHWC', dilations: 1, activation }) as tf.Tensor;
              const before = tf.memory().numTensors;
              const { value, grads } = tf.valueAndGrads((xs: tf.Tensor, ws: tf.Tensor, bs?: tf.Tensor) => tf.sum(tf.mul(conv(xs, ws, bs), weights)))(tensors);
              const out = conv(tensors[0]!, tensors[1]!, tensors[2]);
              const label = `${activation}, bias ${withBias}, stride ${stride} ${pad}, one-pass gradient ${oneKernel}`;
              expect(out.shape, label).toEqual([N, outH, outW, CO]);
              expectClose(await out.data(), y, 1e-5);
              expectClose(await grads[0]!.data(), dx, 1e-5);
              expectClose(await grads[1]!.data(), dw, 1e-5);
              expect(grads.length, label).toBe(withBias ? 3 : 2);
              if (withBias) expectClose(await grads[2]!.data(), db, 1e-5);
              tf.dispose([value, ...grads, out]);
              expect(tf.memory().numTensors, label).toBe(before);
              tf.dispose([...tensors, weights]);
              cases++;
            });
          }
        }
      }
    }
    expect(cases).toBe(32);
  });

  it('the one-pass relu gradient gives what tfjs-cpu’s mul(dy, step(y)) and sum give, NaN and ∞ included, on 1 and 2 threads', async () => {
    // y: positive, zero and NaN (relu's outputs); dy: finite, ±∞ and NaN — 0·∞ is NaN, as the product gives it
    const r = new HostRandom(8);
    const [rows, cols] = [3000, 7]; // > 1024 rows: several blocks, added in order
    const yv = Array.from({ length: rows * cols }, (_, i) => (i % 11 === 0 ? NaN : i % 3 === 0 ? 0 : r.uniform()));
    const dyv = Array.from({ length: rows * cols }, (_, i) => (i % 13 === 0 ? Infinity : i % 17 === 0 ? -Infinity : i % 19 === 0 ? NaN : r.uniform() - 0.5));
    await tf.setBackend('cpu');
    const [dyC, yC] = [tf.tensor2d(dyv, [rows, cols]), tf.tensor2d(yv, [rows, cols])];
    const dzC = tf.mul(dyC, tf.step(yC));
    const want = { dz: Array.from(await dzC.data()), db: Array.from(await tf.sum(dzC, 0).data()) };
    // every column meets a NaN, so every sum is NaN: the finite rows below compare the sums as numbers
    expect(want.db.every((v) => Number.isNaN(v))).toBe(true);
    // above the size the addon splits over the pool: 10 000 rows × 7 (ten blocks of 1024 rows) and 128 × 512
    // (one block, which two threads take in column bands)
    const finite = [] as Array<{ rows: number; cols: number; dy: number[]; y: number[]; want: number[] }>;
    for (const [n, width] of [[10_000, cols], [128, 512]] as const) {
      const dy = Array.from({ length: n * width }, () => r.uniform() - 0.5);
      const y = Array.from({ length: n * width }, (_, i) => (i % 3 === 0 ? 0 : r.uniform()));
      const dz = tf.mul(tf.tensor2d(dy, [n, width]), tf.step(tf.tensor2d(y, [n, width])));
      finite.push({ rows: n, cols: width, dy, y, want: Array.from(await tf.sum(dz, 0).data()) });
      dz.dispose();
    }
    tf.dispose([dyC, yC, dzC]);
    const sums: number[][][] = [];
    for (const threads of [1, 2]) {
      await useNativeBackend({ threads });
      const run = (dy: number[], y: number[], n: number, width: number) =>
        tf.engine().runKernel(BIAS_ACTIVATION_GRAD_KERNEL, { dy: tf.tensor2d(dy, [n, width]), y: tf.tensor2d(y, [n, width]) }, { activation: 'relu' }) as tf.Tensor[];
      const [dz, db] = run(dyv, yv, rows, cols);
      expect(Array.from(await dz!.data())).toEqual(want.dz);
      expect(Array.from(await db!.data())).toEqual(want.db);
      tf.dispose([dz!, db!]);
      const these: number[][] = [];
      for (const f of finite) {
        const [dzF, dbF] = run(f.dy, f.y, f.rows, f.cols);
        expectClose(await dbF!.data(), f.want, 1e-6);
        // the sums are a native Sum of dz's, bit for bit (one block scheme), whatever the thread count
        const nativeSum = tf.sum(dzF!, 0);
        expect(Array.from(await dbF!.data())).toEqual(Array.from(await nativeSum.data()));
        these.push(Array.from(await dbF!.data()));
        tf.dispose([dzF!, dbF!, nativeSum]);
      }
      sums.push(these);
      expect(() => tf.engine().runKernel(BIAS_ACTIVATION_GRAD_KERNEL, { dy: tf.zeros([2, 3]), y: tf.zeros([3, 2]) }, { activation: 'relu' })).toThrow(/dy \[2,3\] and y \[3,2\] must have one shape/);
    }
    expect(sums[1]).toEqual(sums[0]);
  });

  /** The bench's CNN shape in small (conv 4, pool, conv 8, pool, dense 16, dense 3) on 8×8×1 images: a trainer and its data. */
  async function cnn(fused: boolean) {
    await useNativeBackend({ threads: 2 });
    const r = new HostRandom(9);
    const x = Array.from({ length: 48 * 64 }, () => r.uniform() - 0.5);
    // the class: which third of the image is brightest
    const ids = Array.from({ length: 48 }, (_, i) => { const s = [0, 1, 2].map((t) => x.slice(i * 64 + t * 21, i * 64 + t * 21 + 21).reduce((a, v) => a + v, 0)); return s.indexOf(Math.max(...s)); });
    const data = dataset.fromTensors(tf.tensor4d(x, [48, 8, 8, 1]), tf.tensor1d(ids, 'int32'));
    const model = nn.sequential([nn.conv2d(4, 3, { activation: 'relu', padding: 'same' }), nn.maxPool2d(2), nn.conv2d(8, 3, { activation: 'relu' }), nn.flatten(), nn.dense(16, { activation: 'relu' }), nn.dense(3)]);
    const trainer = new Trainer({ model, loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.2 }, progress: false, seed: 3 });
    const done = () => {
      trainer.dispose();
      tf.dispose([data.x, data.y as tf.Tensor]);
    };
    const run = <T>(f: () => Promise<T>) => (fused ? f() : without([FUSED_CONV_KERNEL, BIAS_ACTIVATION_GRAD_KERNEL], f));
    return { trainer, data, done, run };
  }

  it('a CNN training step runs both convolutions as TikhonovConv2D, one input gradient (the second layer’s), and the relu gradients in one kernel each: no Add, Relu, Step or Multiply', async () => {
    const counts = async (fused: boolean) => {
      const { trainer, data, done, run } = await cnn(fused);
      const profile = await run(async () => {
        await trainer.fit(data, { epochs: 1, batchSize: 16, maxSteps: 1 });
        return tf.profile(async () => { await trainer.fit(data, { epochs: 1, batchSize: 16, maxSteps: trainer.step + 1 }); });
      });
      done();
      const count = (name: string) => profile.kernels.filter((k) => k.name === name).length;
      return { conv: count(FUSED_CONV_KERNEL), composedConv: count('Conv2D'), inputGrads: count('Conv2DBackpropInput'), filterGrads: count('Conv2DBackpropFilter'), reluGrads: count(BIAS_ACTIVATION_GRAD_KERNEL), adds: count('Add'), relus: count('Relu'), steps: count('Step'), muls: count('Multiply') };
    };
    // three relu layers (two convolutions, the first dense layer) take the one-pass gradient; no Multiply is left
    // (the loss's mean and its gradient are core's fused mean kernels)
    expect(await counts(true)).toEqual({ conv: 2, composedConv: 0, inputGrads: 1, filterGrads: 2, reluGrads: 3, adds: 0, relus: 0, steps: 0, muls: 0 });
    // composed: two Conv2D, two bias adds and two relus forward (the dense layers are core's TikhonovDense either way),
    // and back each conv relu's step and product, and the dense relu's (composed once its kernel is gone)
    expect(await counts(false)).toEqual({ conv: 0, composedConv: 2, inputGrads: 1, filterGrads: 2, reluGrads: 0, adds: 2, relus: 2, steps: 3, muls: 3 });
  });

  it('a CNN Trainer trains to the same losses with and without the fused kernels, and leaks no tensors', async () => {
    const losses = async (fused: boolean) => {
      const { trainer, data, done, run } = await cnn(fused);
      const history = await run(async () => {
        await trainer.fit(data, { epochs: 1, batchSize: 16 });
        const before = tf.memory().numTensors;
        const h = await trainer.fit(data, { epochs: 8, batchSize: 16 });
        expect(tf.memory().numTensors).toBe(before);
        return h;
      });
      done();
      return history.series('loss');
    };
    const fused = await losses(true);
    const composed = await losses(false);
    expect(composed.at(-1)!).toBeLessThan(composed[0]! * 0.8); // it learns, so the comparison compares training
    expectClose(fused, composed, 1e-5);
  });
});
