// Two additions to contract v2: transformDense (a plugin computes a dense
// layer's product, as local reparameterisation needs) and a plugin's own
// tape variables with their gradients in ctx.ownGradients.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { dataset, nn, PluginContractError, PluginError, Trainer, type Plugin } from '@tikhonov/core';

const X = [
  [1, -2],
  [0.5, 3],
  [-1, 0.25],
];
const Y = [[1], [-2], [0.5]];
const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe('transformDense', () => {
  it('replaces a dense layer’s pre-activation, nested outermost-first in plugin order, over the params’ transformParam values', () => {
    const seen: string[] = [];
    // outer: 2·(inner); inner: (product) + 1; a transformParam plugin triples every kernel inside the product
    const outer: Plugin = { name: 'outer', apiVersion: 2, order: 1, modes: ['infer'], transformDense: (call, next) => (seen.push(`outer ${call.layer} [${call.input.shape}]`), tf.mul(next(), 2)) };
    const inner: Plugin = { name: 'inner', apiVersion: 2, order: 2, modes: ['infer'], transformDense: (call, next) => (seen.push(`inner ${call.kernel.name} ${call.bias?.name}`), tf.add(next(), 1)) };
    const triple: Plugin = { name: 'triple', apiVersion: 2, modes: ['infer'], transformParam: (p, v) => (p.role === 'weight' ? tf.mul(v, 3) : v) };
    const model = nn.sequential([nn.dense(3, { activation: 'relu' }), nn.dense(1)]);
    const trainer = new Trainer({ model, loss: 'mse', plugins: [inner, triple, outer], seed: 2, progress: false });
    const out = values(trainer.predict(tf.tensor2d(X)) as tf.Tensor);
    // by hand, in float64 from the params: h = relu(2·(x·3W₁ + b₁ + 1)), y = 2·(h·3W₂ + b₂ + 1)
    const p = (name: string) => values(trainer.params.get(name).variable);
    const [w1, b1, w2, b2] = [p('dense_1/kernel'), p('dense_1/bias'), p('dense_2/kernel'), p('dense_2/bias')];
    const expected = X.map((x) => {
      const h = [0, 1, 2].map((j) => Math.max(0, 2 * (3 * (x[0]! * w1[j]! + x[1]! * w1[3 + j]!) + b1[j]! + 1)));
      return 2 * (3 * h.reduce((s, v, j) => s + v * w2[j]!, 0) + b2[0]! + 1);
    });
    out.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4));
    expect(seen).toEqual(['outer dense_1 [3,2]', 'inner dense_1/kernel dense_1/bias', 'outer dense_2 [3,3]', 'inner dense_2/kernel dense_2/bias']);
    trainer.dispose();
  });

  it('runs only in the plugin’s modes, and is attributed when it throws', async () => {
    const model = nn.dense(1);
    const plain = new Trainer({ model, loss: 'mse', seed: 2, progress: false });
    const twice: Plugin = { name: 'twice', apiVersion: 2, transformDense: (_c, next) => tf.mul(next(), 2) };
    const wrapped = new Trainer({ model: nn.dense(1), loss: 'mse', plugins: [twice], seed: 2, progress: false });
    // declared for 'train' only (the default): inference is the plain layer
    expect(values(wrapped.predict(tf.tensor2d(X)) as tf.Tensor)).toEqual(values(plain.predict(tf.tensor2d(X)) as tf.Tensor));
    const broken: Plugin = { name: 'broken', apiVersion: 2, transformDense: () => { throw new Error('no'); } };
    const failing = new Trainer({ model: nn.dense(1), loss: 'mse', plugins: [broken], seed: 2, progress: false });
    const data = dataset.fromArrays(X, Y);
    await expect(failing.fit(data, { epochs: 1, batchSize: 3 })).rejects.toThrow(PluginError);
    await expect(failing.fit(data, { epochs: 1, batchSize: 3 })).rejects.toThrow(/broken.*transformDense/);
    [plain, wrapped, failing].forEach((t) => t.dispose());
    dataset.dispose(data);
  });
});

describe('a plugin’s own variables', () => {
  it('are differentiated by the step’s tape: ctx.ownGradients in afterStep equals the hand gradient, and the optimizer leaves them alone', async () => {
    // the plugin scales the kernel by its own variable a: ŷ = x·(a·w); L = mean((ŷ − y)²), so ∂L/∂a = mean(2(ŷ − y)·(x·w))
    const a = tf.variable(tf.scalar(1.5), true);
    const got: number[] = [];
    const scale: Plugin = {
      name: 'scale',
      apiVersion: 2,
      variables: () => ({ a }),
      transformParam: (p, v) => (p.role === 'weight' ? tf.mul(v, a) : v),
      afterStep: (ctx) => void got.push(...values(ctx.ownGradients.a!)),
    };
    const trainer = new Trainer({ model: nn.dense(1, { useBias: false }), loss: 'mse', optimizer: { name: 'sgd', learningRate: 0.1 }, plugins: [scale], seed: 5, progress: false });
    trainer.predict(tf.tensor2d(X)); // builds the model
    const w = values(trainer.params.get('dense_1/kernel').variable);
    const data = dataset.fromArrays(X, Y);
    await trainer.fit(data, { epochs: 1, batchSize: 3, shuffle: false });
    const xw = X.map((x) => x[0]! * w[0]! + x[1]! * w[1]!);
    const hand = xw.reduce((s, v, i) => s + 2 * (1.5 * v - Y[i]![0]!) * v, 0) / X.length;
    expect(got).toHaveLength(1);
    expect(got[0]).toBeCloseTo(hand, 4);
    expect(a.dataSync()[0]).toBe(1.5);
    // the kernel's own gradient still reaches the optimizer: ∂L/∂w_k = mean(2(ŷ − y)·a·x_k)
    const after = values(trainer.params.get('dense_1/kernel').variable);
    [0, 1].forEach((k) => {
      const g = X.reduce((s, x, i) => s + 2 * (1.5 * xw[i]! - Y[i]![0]!) * 1.5 * x[k]!, 0) / X.length;
      expect(after[k]).toBeCloseTo(w[k]! - 0.1 * g, 4);
    });
    trainer.dispose();
    a.dispose();
    dataset.dispose(data);
  });

  it('must be trainable tf.Variables that are not model params, named in the error', async () => {
    const data = dataset.fromArrays(X, Y);
    const fitWith = async (variables: () => Record<string, unknown>) => {
      const plugin = { name: 'owner', apiVersion: 2, variables } as unknown as Plugin;
      const trainer = new Trainer({ model: nn.dense(1), loss: 'mse', plugins: [plugin], seed: 1, progress: false });
      try {
        await trainer.fit(data, { epochs: 1, batchSize: 3 });
      } finally {
        trainer.dispose();
      }
    };
    const frozen = tf.variable(tf.scalar(1), false);
    await expect(fitWith(() => ({ s: tf.scalar(1) }))).rejects.toThrow(/variables\(\) key 's' is .*each value must be a trainable tf.Variable/);
    await expect(fitWith(() => ({ f: frozen }))).rejects.toThrow(/key 'f' is a non-trainable tf.Variable/);
    let model: tf.Variable | undefined;
    const stealing: Plugin = { name: 'thief', apiVersion: 2, beforeFit: (ctx) => void (model = ctx.params.all[0]!.variable), variables: () => ({ w: model! }) };
    const trainer = new Trainer({ model: nn.dense(1), loss: 'mse', plugins: [stealing], seed: 1, progress: false });
    await expect(trainer.fit(data, { epochs: 1, batchSize: 3 })).rejects.toThrow(PluginContractError);
    await expect(trainer.fit(data, { epochs: 1, batchSize: 3 })).rejects.toThrow(/key 'w' is a model param/);
    trainer.dispose();
    frozen.dispose();
    dataset.dispose(data);
  });
});
