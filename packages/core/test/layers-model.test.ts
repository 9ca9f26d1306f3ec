// @tikhonov/core/layers: a tfjs-layers Sequential trained through the adapter
// matches, step for step, the same LayersModel trained by a hand-written tfjs
// loop (plain SGD, then with an L² penalty and a max-norm projection written out
// by hand), and the trained weights go back into the LayersModel.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { nn, Trainer, type Plugin } from '@tikhonov/core';
import { fromLayersModel, toLayersModel, writeToLayersModel } from '@tikhonov/core/layers';
import { maxAbsDiff } from './helpers.js';

const n = 16;
const images = () => tf.tidy(() => tf.reshape(tf.sin(tf.mul(tf.range(0, n * 36), 0.37)), [n, 6, 6, 1]));
const labels = Array.from({ length: n }, (_, i) => i % 3);

/** conv → max-pool → flatten → dense → batch norm → dense logits, with seeded Keras initialisers. */
function layersModel(): tfl.Sequential {
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [6, 6, 1], filters: 4, kernelSize: 3, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }), name: 'conv' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool' }),
      tfl.layers.flatten({ name: 'flat' }),
      tfl.layers.dense({ units: 8, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }), name: 'hidden' }),
      tfl.layers.batchNormalization({ name: 'norm', momentum: 0.9 }),
      tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }), name: 'logits' }),
    ],
  });
}

/** Keras' maxNorm: each unit's incoming weights (all axes but the last) scaled down to norm ≤ c. */
function projectMaxNorm(kernel: tf.Tensor, c: number): tf.Tensor {
  return tf.tidy(() => {
    const axes = kernel.shape.slice(0, -1).map((_, i) => i);
    const norms = tf.sqrt(tf.sum(tf.square(kernel), axes, true));
    return tf.mul(kernel, tf.minimum(tf.div(c, norms), 1));
  });
}

/** The hand-written loop: mean softmax cross-entropy (+ α/2 Σ‖W‖² over the kernels), SGD, then the projection. */
function trainByHand(model: tfl.Sequential, steps: number, lr: number, alpha: number, maxNormC?: number): void {
  const x = images();
  const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
  const optimizer = tf.train.sgd(lr);
  const kernels = model.layers.flatMap((l) => l.getWeights().length > 0 && ['conv', 'hidden', 'logits'].includes(l.name) ? [l.name] : []);
  const trainable = model.trainableWeights.map((w) => w.read() as tf.Variable);
  for (let s = 0; s < steps; s++) {
    optimizer.minimize(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor;
      let loss = tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), -1))) as tf.Scalar;
      if (alpha > 0) for (const name of kernels) loss = tf.add(loss, tf.mul(alpha / 2, tf.sum(tf.square(model.getLayer(name).getWeights()[0]!)))) as tf.Scalar;
      return loss;
    }, false, trainable);
    if (maxNormC !== undefined) {
      for (const name of kernels) {
        const layer = model.getLayer(name);
        const [kernel, ...rest] = layer.getWeights();
        layer.setWeights([projectMaxNorm(kernel!, maxNormC), ...rest]);
      }
    }
  }
  optimizer.dispose();
  tf.dispose([x, y]);
}

const weightsOf = (model: tfl.LayersModel) => Object.fromEntries(model.layers.flatMap((l) => l.weights.map((w, i) => [`${l.name}/${i}`, Array.from(l.getWeights()[i]!.dataSync())])));

describe('fromLayersModel (a tfjs-layers Sequential through the Trainer)', () => {
  for (const variant of ['plain', 'with l2 and maxNorm'] as const) {
    it(`matches a hand-written tfjs loop step for step (conv, pooling, dense, batch norm; ${variant}), and writes the trained weights back`, async () => {
      const alpha = variant === 'plain' ? 0 : 0.05;
      const c = variant === 'plain' ? undefined : 0.6;
      const byHand = layersModel();
      const adapted = layersModel();
      expect(weightsOf(adapted)).toEqual(weightsOf(byHand)); // the same seeded start
      trainByHand(byHand, 4, 0.1, alpha, c);
      // the same penalty and projection as plugins (norm-penalties' l2 and maxNorm are checked against them in that package)
      const plugins: Plugin[] = variant === 'plain' ? [] : [handL2(alpha), handMaxNorm(c!)];
      const t = new Trainer({ model: fromLayersModel(adapted), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.1 }, plugins, progress: false, logEvery: 100_000 });
      const x = images();
      await t.fit({ x, y: tf.tensor1d(labels, 'int32'), size: n }, { epochs: 4, batchSize: n, shuffle: false });
      writeToLayersModel(t, adapted);
      const [a, b] = [weightsOf(adapted), weightsOf(byHand)];
      for (const key of Object.keys(b)) expect(maxAbsDiff(a[key]!, b[key]!)).toBeLessThan(1e-5);
      // the LayersModel's own predict now gives the trainer's predictions
      const fromTrainer = t.predict(x) as tf.Tensor;
      const fromModel = adapted.predict(x) as tf.Tensor;
      expect(maxAbsDiff(fromTrainer.dataSync(), fromModel.dataSync())).toBeLessThan(1e-5);
      tf.dispose([x, fromTrainer, fromModel]);
      t.dispose();
    });
  }

  it('a functional model with a skip connection (Add) and a Concatenate matches the hand-written loop step for step', async () => {
    const build = () => {
      const input = tfl.input({ shape: [5], name: 'in' });
      const a = tfl.layers.dense({ units: 6, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 11 }), name: 'a' }).apply(input) as tfl.SymbolicTensor;
      const b = tfl.layers.dense({ units: 6, activation: 'tanh', kernelInitializer: tfl.initializers.glorotUniform({ seed: 12 }), name: 'b' }).apply(a) as tfl.SymbolicTensor;
      const sum = tfl.layers.add({ name: 'skip' }).apply([a, b]) as tfl.SymbolicTensor;
      const both = tfl.layers.concatenate({ name: 'cat' }).apply([sum, a]) as tfl.SymbolicTensor;
      const out = tfl.layers.dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 13 }), name: 'out' }).apply(both) as tfl.SymbolicTensor;
      return tfl.model({ inputs: input, outputs: out });
    };
    const x = tf.tidy(() => tf.reshape(tf.cos(tf.mul(tf.range(0, n * 5), 0.71)), [n, 5]));
    const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
    const byHand = build();
    const optimizer = tf.train.sgd(0.2);
    for (let s = 0; s < 5; s++) optimizer.minimize(() => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(byHand.apply(x, { training: true }) as tf.Tensor)), -1))) as tf.Scalar, false, byHand.trainableWeights.map((w) => w.read() as tf.Variable));
    const adapted = build();
    const t = new Trainer({ model: fromLayersModel(adapted), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.2 }, progress: false, logEvery: 100_000 });
    await t.fit({ x, y: tf.tensor1d(labels, 'int32'), size: n }, { epochs: 5, batchSize: n, shuffle: false });
    expect(t.model.sites.map((s) => `${s.kind}:${s.name}`)).toEqual(['input:input', 'hidden:a', 'hidden:b', 'output:output']);
    writeToLayersModel(t, adapted);
    const [p, q] = [weightsOf(adapted), weightsOf(byHand)];
    for (const key of Object.keys(q)) expect(maxAbsDiff(p[key]!, q[key]!)).toBeLessThan(1e-5);
    optimizer.dispose();
    tf.dispose([x, y]);
    t.dispose();
  });

  it('a functional model with two outputs becomes named heads: a record of losses trains it, predict returns both by layer name', async () => {
    const input = tfl.input({ shape: [4] });
    const trunk = tfl.layers.dense({ units: 5, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 21 }), name: 'trunk' }).apply(input) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: [tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: 22 }), name: 'kind' }).apply(trunk) as tfl.SymbolicTensor, tfl.layers.dense({ units: 1, kernelInitializer: tfl.initializers.glorotUniform({ seed: 23 }), name: 'size' }).apply(trunk) as tfl.SymbolicTensor] });
    const t = new Trainer({ model: fromLayersModel(model), loss: { kind: 'softmaxCrossEntropy', size: 'mse' }, optimizer: { name: 'adam', learningRate: 0.05 }, progress: false, logEvery: 1 });
    const x = tf.randomNormal([20, 4], 0, 1, 'float32', 3);
    const history = await t.fit({ x, y: { kind: tf.tensor1d(Array.from({ length: 20 }, (_, i) => i % 2), 'int32'), size: tf.sum(x, 1, true) }, size: 20 }, { epochs: 30, batchSize: 20 });
    expect(history.logs.at(-1)!.loss!).toBeLessThan(history.logs[0]!.loss!);
    const out = t.predict(x) as Record<string, tf.Tensor>;
    expect(Object.keys(out).sort()).toEqual(['kind', 'size']);
    expect(out.kind!.shape).toEqual([20, 2]);
    tf.dispose([...Object.values(out), x]);
    t.dispose();
  });

  it('refuses a final softmax unless asked to train on its logits, several inputs, layer regularizers and unconverted layers, naming them', () => {
    const soft = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 3, activation: 'softmax', name: 'out' })] });
    expect(() => fromLayersModel(soft)).toThrow(/layer 'out' \(Dense\) ends in softmax.*finalSoftmax: 'as-logits'/);
    expect(() => fromLayersModel(soft, { finalSoftmax: 'as-logits' })).not.toThrow();
    const [i1, i2] = [tfl.input({ shape: [4] }), tfl.input({ shape: [4] })];
    const twoInputs = tfl.model({ inputs: [i1, i2], outputs: tfl.layers.add().apply([i1, i2]) as tfl.SymbolicTensor });
    expect(() => fromLayersModel(twoInputs)).toThrow(/2 inputs.*must have one input/);
    const constrained = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 2, kernelConstraint: tfl.constraints.maxNorm({ maxValue: 1 }), name: 'capped' })] });
    expect(() => fromLayersModel(constrained)).toThrow(/layer 'capped' \(Dense\): option 'kernelConstraint' = "MaxNorm".*maxNorm.*names: \['capped\/kernel'\]/);
    const up = tfl.sequential({ layers: [tfl.layers.upSampling2d({ inputShape: [4, 4, 1], name: 'up' })] });
    expect(() => fromLayersModel(up)).toThrow(/layer 'up' \(UpSampling2D\).*not converted yet/);
  });

  it('a GaussianNoise layer adds N(0, σ²) in training (moments within 3σ) and nothing at inference', async () => {
    const sigma = 0.4;
    const model = tfl.sequential({ layers: [tfl.layers.gaussianNoise({ inputShape: [500], stddev: sigma, name: 'noise' }), tfl.layers.dense({ units: 1, name: 'readout', kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) })] });
    const seen: number[][] = [];
    const tap: Plugin = { name: 'tap', apiVersion: 2, transformActivation: (site, h) => (site.kind === 'input' || seen.push(Array.from(h.dataSync())), h) };
    // the noise layer emits no site; its effect is read at the output, z = (x + ε)w + b with x = 0; the readout's
    // weights (tfjs-layers' initializer) and the noise (the trainer's stream) are both seeded: the same draws every run
    const t = new Trainer({ model: fromLayersModel(model), loss: 'mse', optimizer: { name: 'sgd', learningRate: 1e-9 }, plugins: [tap], seed: 11, progress: false });
    t.build([500]);
    const w = Array.from(t.params.get('readout/kernel').variable.dataSync());
    const b = t.params.get('readout/bias').variable.dataSync()[0]!;
    await t.fit({ x: tf.zeros([400, 500]), y: tf.zeros([400, 1]), size: 400 }, { epochs: 1, batchSize: 400 });
    // output = noise·w + b with noise ~ N(0, σ²I): mean b, variance σ²‖w‖²
    const outs = seen[0]!;
    const mean = outs.reduce((a, v) => a + v, 0) / outs.length;
    const variance = outs.reduce((a, v) => a + (v - mean) ** 2, 0) / (outs.length - 1);
    const expected = sigma ** 2 * w.reduce((a, v) => a + v * v, 0);
    expect(Math.abs(mean - b)).toBeLessThan(3 * Math.sqrt(expected / outs.length));
    expect(Math.abs(variance - expected)).toBeLessThan(3 * expected * Math.sqrt(2 / (outs.length - 1)));
    expect((t.predict(tf.zeros([1, 500])) as tf.Tensor).dataSync()[0]).toBeCloseTo(b, 6);
    t.dispose();
  });

  it('a Dropout layer drops in training (inverted) and is the identity at inference', async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dropout({ inputShape: [200], rate: 0.5, name: 'drop' }), tfl.layers.dense({ units: 1, kernelInitializer: 'ones', useBias: false, name: 'sum' })] });
    const seen: number[][] = [];
    const tap: Plugin = { name: 'tap', apiVersion: 2, transformActivation: (site, h) => (site.kind === 'output' && seen.push(Array.from(h.dataSync())), h) };
    const t = new Trainer({ model: fromLayersModel(model), loss: 'mse', optimizer: { name: 'sgd', learningRate: 1e-9 }, plugins: [tap], progress: false });
    await t.fit({ x: tf.ones([1, 200]), y: tf.zeros([1, 1]), size: 1 }, { epochs: 1 });
    // Σ of 200 inputs each kept with probability ½ and scaled by 2: mean 200, sd 2·√(200·¼) ≈ 14
    expect(seen[0]![0]!).not.toBe(200);
    expect(Math.abs(seen[0]![0]! - 200)).toBeLessThan(4 * 14.2);
    expect((t.predict(tf.ones([1, 200])) as tf.Tensor).dataSync()[0]).toBeCloseTo(200, 3);
    t.dispose();
  });
});

/** L² on every kernel, α/2·Σ‖W‖², written here so core's test needs no plugin package. */
function handL2(alpha: number): Plugin {
  return { name: 'handL2', apiVersion: 2, penalty: (ctx) => tf.mul(alpha / 2, tf.addN(ctx.params.all.filter((p) => p.name.endsWith('/kernel')).map((p) => tf.sum(tf.square(p.variable))))) as tf.Scalar };
}
/** Keras' maxNorm on every kernel after each step, through the attributed write path. */
function handMaxNorm(c: number): Plugin {
  return { name: 'handMaxNorm', apiVersion: 2, afterStepKind: 'constraint', afterStep: (ctx) => ctx.params.all.filter((p) => p.name.endsWith('/kernel')).forEach((p) => ctx.params.write(p, projectMaxNorm(p.variable, c))) };
}

describe('toLayersModel (a trained nn.sequential as a tf.Sequential)', () => {
  it('predicts as the trainer does, saves in tfjs format that tf.loadLayersModel reads back with the same predictions, and converts back', async () => {
    const t = new Trainer({
      model: nn.sequential([nn.conv2d(3, 3, { activation: 'relu', padding: 'same' }), nn.maxPool2d(2), nn.flatten(), nn.dense(6, { activation: 'tanh' }), nn.batchNorm(), nn.dense(3)]),
      loss: 'softmaxCrossEntropy',
      optimizer: { name: 'adam', learningRate: 0.01 },
      seed: 6,
      progress: false,
    });
    const x = images();
    await t.fit({ x, y: tf.tensor1d(labels, 'int32'), size: n }, { epochs: 5, batchSize: 8 });
    const exported = toLayersModel(t);
    expect(exported.layers.map((l) => l.getClassName())).toEqual(['Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'BatchNormalization', 'Dense']);
    const ours = t.predict(x) as tf.Tensor;
    const theirs = exported.predict(x) as tf.Tensor;
    expect(maxAbsDiff(ours.dataSync(), theirs.dataSync())).toBeLessThan(1e-5);
    // save through tfjs's own serialisation, then load
    let saved: tf.io.ModelArtifacts | undefined;
    await exported.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    const again = loaded.predict(x) as tf.Tensor;
    expect(maxAbsDiff(ours.dataSync(), again.dataSync())).toBeLessThan(1e-5);
    // and back into a trainer: the same predictions
    const back = new Trainer({ model: fromLayersModel(loaded), loss: 'softmaxCrossEntropy', inputShape: [6, 6, 1], progress: false });
    const round = back.predict(x) as tf.Tensor;
    expect(maxAbsDiff(ours.dataSync(), round.dataSync())).toBeLessThan(1e-5);
    tf.dispose([x, ours, theirs, again, round]);
    t.dispose();
    back.dispose();
  });

  it('refuses what tfjs-layers cannot express, naming the module', () => {
    const t = new Trainer({ model: nn.sequential([nn.dense(4, { activation: 'leakyRelu' }), nn.dense(2)]), loss: 'mse', inputShape: [3], progress: false });
    expect(() => toLayersModel(t)).toThrow(/module 'dense_1' \(dense\): option 'activation' = "leakyRelu".*to be exported/);
    const heads = new Trainer({ model: nn.multiHead(nn.dense(4), { a: nn.dense(1) }), loss: { a: 'mse' }, inputShape: [3], progress: false });
    expect(() => toLayersModel(heads)).toThrow(/must be an nn.sequential to be exported/);
    t.dispose();
    heads.dispose();
  });
});
