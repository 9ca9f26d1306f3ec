import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nn, Trainer, type Module } from '@tikhonov/core';
import { numericGradient } from '@tikhonov/core/testing';
import { blobs } from './helpers.js';

const build = (model: Module, inputShape: number[], seed = 0) => new Trainer({ model, loss: 'mse', inputShape, seed, progress: false });

describe('nn modules', () => {
  it('names params, gives roles and fan-in axes, and types sites', () => {
    const t = build(
      nn.sequential([nn.conv2d(4, 3, { activation: 'relu', padding: 'same' }), nn.maxPool2d(2), nn.batchNorm(), nn.flatten(), nn.dense(5, { activation: 'tanh' }), nn.dense(2)]),
      [6, 6, 1],
    );
    expect(t.model.params.map((p) => `${p.name}:${p.role}:${p.trainable}:[${p.fanInAxes}]`)).toEqual([
      'conv2d_1/kernel:weight:true:[0,1,2]',
      'conv2d_1/bias:bias:true:[]',
      'batchNorm_1/gamma:scale:true:[]',
      'batchNorm_1/beta:bias:true:[]',
      'batchNorm_1/movingMean:state:false:[]',
      'batchNorm_1/movingVariance:state:false:[]',
      'dense_1/kernel:weight:true:[0]',
      'dense_1/bias:bias:true:[]',
      'dense_2/kernel:weight:true:[0]',
      'dense_2/bias:bias:true:[]',
    ]);
    expect(t.model.params[0]!.shape).toEqual([3, 3, 1, 4]);
    expect(t.model.params[6]!.shape).toEqual([3 * 3 * 4, 5]);
    expect(t.model.sites).toEqual([
      { name: 'input', kind: 'input' },
      { name: 'conv2d_1', kind: 'hidden' },
      { name: 'dense_1', kind: 'hidden' },
      { name: 'output', kind: 'output' },
    ]);
    expect(t.model.select({ roles: ['weight'] }).map((p) => p.name)).toEqual(['conv2d_1/kernel', 'dense_1/kernel', 'dense_2/kernel']);
    expect(t.model.select({ match: /^dense/, roles: ['bias'] }).map((p) => p.name)).toEqual(['dense_1/bias', 'dense_2/bias']);
    t.dispose();
  });

  it("avgPool2d with 'same' padding: the mean over in-bounds pixels, and a gradient that matches central differences (tf.avgPool's does not)", () => {
    for (const [size, strides] of [[3, 1], [2, 2], [3, 2]] as const) {
      const x = tf.randomNormal([2, 5, 4, 3], 0, 1, 'float32', size * 10 + strides);
      const t = build(nn.avgPool2d(size, { strides, padding: 'same' }), [5, 4, 3]);
      const forward = (v: tf.Tensor) => t.model.forward(v, { training: true }) as tf.Tensor;
      // forward: the same numbers as tfjs's own 'same' average pooling
      const ours = forward(x);
      const theirs = tf.avgPool(x as tf.Tensor4D, size, strides, 'same');
      expect(ours.shape).toEqual(theirs.shape);
      const a = ours.dataSync();
      const b = theirs.dataSync();
      for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
      // backward: a weighted sum's gradient against central differences
      const weights = tf.randomNormal(ours.shape, 0, 1, 'float32', 99);
      const loss = (f: (v: tf.Tensor) => tf.Tensor) => (v: tf.Tensor) => tf.sum(tf.mul(f(v), weights)) as tf.Scalar;
      const numeric = numericGradient(loss(forward), x);
      const analytic = tf.grad(loss(forward))(x).dataSync();
      for (let i = 0; i < numeric.length; i++) expect(Math.abs(analytic[i]! - numeric[i]!)).toBeLessThan(2e-3);
      // the reason this module does not call tf.avgPool 'same' directly: its gradient is off at the borders
      const tfjs = tf.grad(loss((v) => tf.avgPool(v as tf.Tensor4D, size, strides, 'same')))(x).dataSync();
      expect(Math.max(...Array.from(tfjs, (g, i) => Math.abs(g - numeric[i]!)))).toBeGreaterThan(0.05);
      tf.dispose([x, ours, theirs, weights]);
      t.dispose();
    }
  });

  it.each(
    (['relu', 'linear'] as const).flatMap((activation) => [
      { layer: 'conv2d', activation, make: () => nn.conv2d(5, 3, { activation, padding: 'same' }), inputShape: [6, 7, 2], fusedKernel: 'FusedConv2D' },
      { layer: 'dense', activation, make: () => nn.dense(7, { activation }), inputShape: [9], fusedKernel: '_FusedMatMul' },
    ]),
  )('$layer ($activation) computes the same outside a gradient tape (one fused kernel) as under one (unfused ops)', async ({ activation, make, inputShape, fusedKernel }) => {
    const t = build(make(), inputShape);
    const x = tf.randomNormal([3, ...inputShape], 0, 1, 'float32', 5);
    // a non-zero bias, so that the fused kernel's bias is exercised
    const bias = t.model.select({ roles: ['bias'] })[0]!.variable as tf.Variable;
    bias.assign(tf.randomNormal(bias.shape, 0, 1, 'float32', 6));
    let inference: tf.Tensor | undefined;
    const kernelsOf = async (f: () => void) => (await tf.profile(f)).kernels.map((k) => k.name);
    const outside = await kernelsOf(() => {
      inference = t.model.forward(x, { training: false }) as tf.Tensor;
    });
    let taped: Float32Array | undefined;
    const under = await kernelsOf(() => {
      tf.dispose(
        tf.grad((v: tf.Tensor) => {
          const y = t.model.forward(v, { training: false }) as tf.Tensor;
          taped = y.dataSync() as Float32Array;
          return tf.sum(y) as tf.Scalar;
        })(x),
      );
    });
    // fused outside only: under a tape tfjs's fused gradient would compute
    // the input's gradient even for a first layer
    expect(outside).toContain(fusedKernel);
    expect(under).not.toContain(fusedKernel);
    const fused = inference!.dataSync();
    if (activation === 'relu') expect(fused.some((v) => v === 0) && fused.some((v) => v > 0)).toBe(true); // relu did something
    for (let i = 0; i < fused.length; i++) expect(fused[i]).toBeCloseTo(taped![i]!, 5);
    tf.dispose([x, inference!]);
    t.dispose();
  });

  it('initialises from the seed with the Glorot and He variances', () => {
    const t = build(nn.sequential([nn.dense(400, { activation: 'relu' }), nn.dense(300)]), [500], 3);
    const he = t.params.get('dense_1/kernel').variable;
    const glorot = t.params.get('dense_2/kernel').variable;
    const variance = (v: tf.Tensor) => tf.tidy(() => tf.moments(v).variance.dataSync()[0]!);
    // He: 2/fanIn; Glorot uniform: 2/(fanIn+fanOut); sampling error of 2e5 draws is well under 2%
    expect(variance(he) / (2 / 500)).toBeCloseTo(1, 1);
    expect(variance(glorot) / (2 / (400 + 300))).toBeCloseTo(1, 1);
    const again = build(nn.sequential([nn.dense(400, { activation: 'relu' }), nn.dense(300)]), [500], 3);
    expect(Array.from(again.params.get('dense_1/kernel').variable.dataSync().slice(0, 10))).toEqual(Array.from(he.dataSync().slice(0, 10)));
    t.dispose();
    again.dispose();
  });

  it('batchNorm trains on batch statistics and updates its moving averages after the step', async () => {
    const momentum = 0.9;
    const t = new Trainer({ model: nn.sequential([nn.batchNorm({ momentum }), nn.dense(3)]), loss: 'softmaxCrossEntropy', optimizer: 'sgd', progress: false });
    const data = blobs(16);
    await t.fit(data, { epochs: 1, batchSize: 16 });
    const mean = tf.tidy(() => tf.mean(data.x, 0).dataSync());
    const moving = t.params.get('batchNorm_1/movingMean').variable.dataSync();
    mean.forEach((m, i) => expect(moving[i]).toBeCloseTo((1 - momentum) * m, 5));
    t.dispose();
  });

  it('a custom module is a few lines: init declares params, apply reads them', async () => {
    const scaleShift: Module = {
      kind: 'scaleShift',
      init(shape, scope) {
        const features = (shape as number[])[0]!;
        scope.param(scaleShift, 'scale', { shape: [features], role: 'scale', init: 'ones' });
        scope.param(scaleShift, 'shift', { shape: [features], role: 'bias', init: 'zeros' });
        return shape;
      },
      apply: (x, scope) => tf.add(tf.mul(x as tf.Tensor, scope.param(scaleShift, 'scale')), scope.param(scaleShift, 'shift')),
    };
    const t = new Trainer({ model: nn.sequential([scaleShift, nn.dense(3)]), loss: 'softmaxCrossEntropy', progress: false });
    const h = await t.fit(blobs(30), { epochs: 8, batchSize: 10 });
    expect(t.model.params.map((p) => p.name)).toEqual(['scaleShift_1/scale', 'scaleShift_1/shift', 'dense_1/kernel', 'dense_1/bias']);
    expect(h.epochs[7]!.loss).toBeLessThan(h.epochs[0]!.loss!);
    t.dispose();
  });
});
