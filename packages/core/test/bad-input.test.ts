import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { dataset, nn, OptionError, Trainer, TrainingDivergedError, type Plugin } from '@tikhonov/core';
import { blobs, mlp, paramValues } from './helpers.js';

const trainer = (extra: Record<string, unknown> = {}) =>
  new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', progress: false, ...extra } as never);

describe('bad input gets a clear error naming the thing, its value and what is allowed', () => {
  it('x and y of different lengths; an empty data set; non-finite values', () => {
    expect(() => dataset.fromArrays([[1], [2], [3]], [0, 1])).toThrow(/x has 3 rows but y has 2 rows/);
    expect(() => dataset.fromTensors(tf.zeros([0, 3]), tf.zeros([0]))).toThrow(/x is empty .*at least one example/);
    expect(() => dataset.fromArrays([[1], [Number.NaN]], [0, 1])).toThrow(/x holds a non-finite value \(NaN\) in row 1/);
    expect(() => dataset.fromArrays([[1], [2]], [0, Infinity])).toThrow(/y holds a non-finite value \(Infinity\) in row 1/);
    // +∞ and −∞ together sum to NaN; −∞ alone to −∞: both are caught
    expect(() => dataset.fromArrays([[Infinity], [-Infinity]], [0, 1])).toThrow(/x holds a non-finite value \(Infinity\) in row 0/);
    expect(() => dataset.fromArrays([[1, 2], [3, -Infinity]], [0, 1])).toThrow(/x holds a non-finite value \(-Infinity\) in row 1/);
  });

  it('finite values whose float32 sum overflows are not taken for non-finite ones', () => {
    // 3e38 + 3e38 is beyond float32's largest value (≈ 3.4e38), so the check's fast sum is Infinity and the exact
    // element-by-element test must decide
    const big = tf.tensor2d([[3e38], [3e38], [-1]]);
    expect(tf.tidy(() => tf.sum(big).dataSync()[0])).toBe(Infinity);
    expect(() => dataset.fromTensors(big, tf.tensor1d([0, 1, 0], 'int32'))).not.toThrow();
    expect(() => dataset.fromTensors(tf.tensor2d([[3e38], [3e38], [Number.NaN]]), tf.tensor1d([0, 1, 0], 'int32'))).toThrow(/x holds a non-finite value \(NaN\) in row 2/);
  });

  it('x whose shape does not fit the model; targets outside the class range or of the wrong shape', async () => {
    const t = trainer({ inputShape: [4] });
    await expect(t.fit(dataset.fromArrays([[1, 2, 3]], [0]), { epochs: 1 })).rejects.toThrow(/x has examples of shape \[3\] but the model was built for \[4\]/);
    await expect(t.fit(dataset.fromArrays([[1, 2, 3, 4]], [3]), { epochs: 1 })).rejects.toThrow(/class id 3 at row 0 is out of range; the output has 3 classes, so ids must be integers in \[0, 2\]/);
    await expect(t.fit(dataset.fromArrays([[1, 2, 3, 4]], [[0, 1]]), { epochs: 1 })).rejects.toThrow(/targets of shape \[2\] per example do not fit the output \[3\]/);
    t.dispose();
  });

  it('batchSize or epochs not positive integers; unknown optimizer; bad options', async () => {
    const t = trainer();
    const data = blobs(8);
    await expect(t.fit(data, { epochs: 0 })).rejects.toThrow(OptionError);
    await expect(t.fit(data, { epochs: 0 })).rejects.toThrow("fit: option 'epochs' = 0 is not allowed; must be a positive integer");
    await expect(t.fit(data, { epochs: 1, batchSize: 2.5 })).rejects.toThrow("fit: option 'batchSize' = 2.5 is not allowed; must be an integer");
    await expect(t.fit(data, { epochs: 1, validation: { data, every: { steps: -1 } } })).rejects.toThrow(/option 'validation.every.steps' = -1/);
    expect(() => trainer({ optimizer: 'adamw' })).toThrow("Trainer: option 'optimizer' = \"adamw\" is not allowed; use one of sgd, momentum, adam, adamax, adagrad, adadelta, rmsprop");
    expect(() => trainer({ optimizer: { name: 'sgd', learningRate: -1 } })).toThrow(/option 'optimizer.learningRate' = -1/);
    // every field per optimizer: a misspelt one is named, not ignored; out-of-range values are refused
    expect(() => trainer({ optimizer: { name: 'adam', lr: 0.5 } })).toThrow(/Trainer: option 'optimizer\.lr' = 0\.5 is not allowed; it is not an option here \(allowed: name, learningRate, beta1, beta2, epsilon\)/);
    expect(() => trainer({ optimizer: { name: 'adam', beta1: 7 } })).toThrow(/option 'optimizer\.beta1' = 7 is not allowed; must be in \[0, 1\)/);
    expect(() => trainer({ optimizer: { name: 'adam', epsilon: -1 } })).toThrow(/option 'optimizer\.epsilon' = -1 is not allowed; must be > 0/);
    expect(() => trainer({ optimizer: { name: 'sgd', momentum: 0.9 } })).toThrow(/option 'optimizer\.momentum' = 0\.9 is not allowed; it is not an option here/);
    expect(() => trainer({ optimizer: { name: 'rmsprop', centered: 'yes' } })).toThrow(/option 'optimizer\.centered' = "yes" is not allowed; must be true or false/);
    expect(() => trainer({ optimizer: { name: 'momentum', momentum: 0.9, useNesterov: true } })).not.toThrow();
    expect(() => trainer({ loss: 'crossEntropy', inputShape: [4] })).toThrow(/option 'loss' = "crossEntropy" is not allowed; use one of mse, softmaxCrossEntropy, sigmoidCrossEntropy/);
    expect(() => trainer({ seed: -1 })).toThrow(/option 'seed' = -1/);
    expect(() => nn.dense(0)).toThrow("nn.dense: option 'units' = 0 is not allowed; must be a positive integer");
    t.dispose();
  });

  it('a misspelt option is refused, naming it and the nearest allowed one (Trainer, fit, validation, evaluate, predict)', async () => {
    expect(() => trainer({ plugin: [] })).toThrow("Trainer: option 'plugin' = [] is not allowed; it is not an option here; did you mean 'plugins'?");
    expect(() => trainer({ learningRate: 0.1 })).toThrow(/Trainer: option 'learningRate' = 0.1 is not allowed; it is not an option here \(allowed: model, loss, optimizer, plugins, seed, inputShape, logEvery, progress, metrics\)/);
    const t = trainer();
    const data = blobs(8);
    await expect(t.fit(data, { epochs: 1, batch_size: 8 } as never)).rejects.toThrow(/fit: option 'batch_size' = 8 is not allowed; it is not an option here; did you mean 'batchSize'\?/);
    await expect(t.fit(data, { epochs: 1, validation: { data, evry: 'epoch' } } as never)).rejects.toThrow(/fit: option 'validation.evry' = "epoch" is not allowed; .*did you mean 'every'\?/);
    await expect(t.evaluate(data, { batchsize: 4 } as never)).rejects.toThrow(/evaluate: option 'batchsize' = 4 .*did you mean 'batchSize'\?/);
    expect(() => t.predict(data.x, { samples: true } as never)).toThrow(/predict: option 'samples' = true .*did you mean 'sample'\?/);
    // the nn layers too
    expect(() => nn.dense(4, { activaton: 'relu' } as never)).toThrow("nn.dense: option 'activaton' = \"relu\" is not allowed; it is not an option here; did you mean 'activation'? (allowed: activation, useBias, kernelInitializer, name)");
    expect(() => nn.conv2d(4, 3, { stride: 2 } as never)).toThrow(/nn.conv2d: option 'stride' = 2 .*did you mean 'strides'\?/);
    expect(() => nn.batchNorm({ momentun: 0.9 } as never)).toThrow(/nn.batchNorm: option 'momentun' = 0.9 .*did you mean 'momentum'\?/);
    expect(() => nn.sequential([], { nmae: 'trunk' } as never)).toThrow(/nn.sequential: option 'nmae' .*did you mean 'name'\?/);
    t.dispose();
    tf.dispose([data.x, data.y as tf.Tensor]);
  });

  it('a loss that becomes NaN stops with TrainingDivergedError naming the step and leaves finite params', async () => {
    // A plugin whose penalty turns NaN from step 13 on: the divergence check at the next
    // log point (step 15) finds it and puts back the params of the last finite check (step 10).
    const poison: Plugin = {
      name: 'poison',
      apiVersion: 2,
      penalty: (ctx) => (ctx.step >= 13 ? tf.mul(tf.sum(ctx.params.get('dense_1/kernel').variable), Number.NaN) as tf.Scalar : undefined),
    };
    const t = trainer({ plugins: [poison], logEvery: 5, optimizer: { name: 'sgd', learningRate: 0.1 } });
    const error = await t.fit(blobs(64), { epochs: 5, batchSize: 4 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect(error).toMatchObject({ step: 13, restoredStep: 10 });
    expect((error as Error).message).toMatch(/the loss at step 13 is not finite/);
    for (const p of t.model.params) expect(p.variable.dataSync().every(Number.isFinite)).toBe(true);
    t.dispose();
  });

  it('after a TrainingDivergedError the params are those of the last finite check, and the trainer fits on cleanly', async () => {
    let poisoned = true;
    let atStep10: Record<string, Float32Array> | undefined;
    const poison: Plugin = {
      name: 'poison',
      apiVersion: 2,
      penalty: (ctx) => (poisoned && ctx.step >= 13 ? (tf.mul(tf.sum(ctx.params.get('dense_1/kernel').variable), Number.NaN) as tf.Scalar) : undefined),
      afterStep: (ctx) => void (ctx.step === 10 && (atStep10 = paramValues(ctx.params.all))),
    };
    const t = trainer({ plugins: [poison], logEvery: 5, optimizer: { name: 'sgd', learningRate: 0.1 } });
    const data = blobs(64);
    await expect(t.fit(data, { epochs: 5, batchSize: 4 })).rejects.toBeInstanceOf(TrainingDivergedError);
    expect(paramValues(t.model.params)).toEqual(atStep10);
    expect(t.step).toBe(15); // the steps ran still count
    poisoned = false;
    const logged = t.history.logs.length;
    const tensors = tf.memory().numTensors;
    await t.fit(data, { epochs: 5, batchSize: 4 });
    // 16 steps an epoch: the rest of epoch 1 (step 16), then epochs 2–5; a log row every 5 steps and at each epoch's end
    const rows = t.history.logs.slice(logged);
    expect(rows.map((r) => r.step)).toEqual([16, 20, 25, 30, 32, 35, 40, 45, 48, 50, 55, 60, 64, 65, 70, 75, 80]);
    expect(rows.every((r) => Number.isFinite(r.loss))).toBe(true);
    expect(t.history.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect(tf.memory().numTensors).toBe(tensors); // nothing left over from the diverged fit
    t.dispose();
    tf.dispose([data.x, data.y as tf.Tensor]);
  });

  it('after a divergence with Adam, momentum or RMSProp the optimizer slots are back at the last finite check too, so the next fit trains', async () => {
    for (const optimizer of [{ name: 'adam', learningRate: 0.01 }, { name: 'momentum', learningRate: 0.01 }, { name: 'rmsprop', learningRate: 0.01, centered: true }] as const) {
      let poisoned = true;
      const poison: Plugin = {
        name: 'poison',
        apiVersion: 2,
        penalty: (ctx) => (poisoned && ctx.step >= 13 ? (tf.mul(tf.sum(ctx.params.get('dense_1/kernel').variable), Number.NaN) as tf.Scalar) : undefined),
      };
      const t = trainer({ plugins: [poison], logEvery: 5, optimizer });
      const data = blobs(64);
      // the slots at step 10 (the last finite check before the poison)
      await t.fit(data, { epochs: 5, batchSize: 4, maxSteps: 10 });
      const slotsAt = async () => (await t.optimizer.getWeights()).map(({ name, tensor }) => ({ name, values: Array.from(tensor.dataSync()) }));
      const at10 = await slotsAt();
      await expect(t.fit(data, { epochs: 5, batchSize: 4 })).rejects.toBeInstanceOf(TrainingDivergedError);
      const after = await slotsAt();
      expect(after.map((s) => s.values)).toEqual(at10.map((s) => s.values));
      expect(after.every((s) => s.values.every(Number.isFinite))).toBe(true);
      poisoned = false;
      const tensors = tf.memory().numTensors;
      await t.fit(data, { epochs: 5, batchSize: 4 });
      expect(t.history.logs.at(-1)!.loss).toBeLessThan(t.history.logs[0]!.loss!);
      expect(tf.memory().numTensors).toBe(tensors);
      t.dispose();
      tf.dispose([data.x, data.y as tf.Tensor]);
    }
  });

  it('a fit that could train nothing (epochs or maxSteps already reached: both count in total) is refused, saying what to pass', async () => {
    const t = trainer();
    const data = blobs(16);
    await t.fit(data, { epochs: 2, batchSize: 8 });
    const step = t.step;
    await expect(t.fit(data, { epochs: 1, batchSize: 8 })).rejects.toThrow("fit: option 'epochs' = 1 is not allowed; counts epochs in total over the trainer's life (as Lightning's max_epochs) and 2 are already complete, so nothing would train: pass epochs: 3 to train 1 more");
    await expect(t.fit(data, { epochs: 5, batchSize: 8, maxSteps: step })).rejects.toThrow(`option 'maxSteps' = ${step} is not allowed; counts steps in total and ${step} are already done, so nothing would train: pass maxSteps: ${2 * step} to train ${step} more`);
    expect(t.step).toBe(step); // nothing ran
    await t.fit(data, { epochs: 3, batchSize: 8 });
    expect(t.step).toBe(step + 2);
    t.dispose();
    tf.dispose([data.x, data.y as tf.Tensor]);
  });

  it('a hand-built data set is checked at fit as the constructors check theirs (size, rows, finite values)', async () => {
    const t = trainer();
    const x = tf.randomNormal([4, 4]);
    const y = tf.tensor1d([0, 1, 2, 0], 'int32');
    const short = tf.tensor1d([0, 1, 2], 'int32');
    const bad = tf.tensor2d([[1, 2, 3, 4], [1, Number.NaN, 3, 4], [0, 0, 0, 0], [1, 1, 1, 1]]);
    await expect(t.fit({ x, y: short, size: 4 } as never, { epochs: 1 })).rejects.toThrow('training data: x has 4 rows but y has 3 rows; they must have the same number of rows');
    await expect(t.fit({ x, y, size: 5 } as never, { epochs: 1 })).rejects.toThrow(/training data: size is 5 but x has 4 rows/);
    await expect(t.fit({ x: bad, y, size: 4 } as never, { epochs: 1 })).rejects.toThrow(/training data: x holds a non-finite value \(NaN\) in row 1/);
    await expect(t.fit({ x, y, size: 4 } as never, { epochs: 1, validation: { data: { x, y: short, size: 4 } as never } })).rejects.toThrow(/validation data: x has 4 rows but y has 3 rows/);
    expect(t.step).toBe(0);
    await t.fit({ x, y, size: 4 } as never, { epochs: 1, batchSize: 2 });
    expect(t.step).toBe(2);
    t.dispose();
    tf.dispose([x, y, short, bad]);
  });

  it('a data set with mismatched y records for a multi-head model', async () => {
    const t = new Trainer({ model: nn.multiHead(nn.dense(4), { a: nn.dense(2), b: nn.dense(1) }), loss: { a: 'softmaxCrossEntropy', b: 'mse' }, progress: false });
    await expect(t.fit(dataset.fromArrays([[1, 2]], { a: [1] }), { epochs: 1 })).rejects.toThrow(/y has no targets for output 'b'/);
    expect(() => new Trainer({ model: nn.multiHead(nn.dense(4), { a: nn.dense(2) }), loss: { z: 'mse' }, inputShape: [2], progress: false })).toThrow(/option 'loss.z'.*the model's outputs are a/);
    t.dispose();
  });
});
