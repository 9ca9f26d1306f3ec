import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { dataset, nn, Trainer, type Plugin } from '@tikhonov/core';
import { blobs, maxAbsDiff, mlp, paramValues } from './helpers.js';

/** A plugin that copies the gradients it sees (after earlier transforms) to the host. */
function gradientTap(store: Record<string, Float32Array>[], order = 800): Plugin {
  return {
    name: 'tap',
    apiVersion: 2,
    order,
    transformGradients(grads) {
      store.push(Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync().slice() as Float32Array])));
      return grads;
    },
  };
}

const sgd = (lr = 0.1) => ({ name: 'sgd' as const, learningRate: lr });

describe('the step', () => {
  it('a penalty changes each gradient by exactly ∂Ω/∂θ (Ω = c/2·‖W‖², so by c·W)', async () => {
    const c = 0.37;
    const half: Plugin = {
      name: 'halfSquare',
      apiVersion: 2,
      penalty: (ctx) => tf.mul(c / 2, tf.sum(tf.square(ctx.params.get('dense_1/kernel').variable))) as tf.Scalar,
    };
    const data = blobs(16);
    const grads = async (plugins: Plugin[]) => {
      const store: Record<string, Float32Array>[] = [];
      const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer: sgd(), plugins: [...plugins, gradientTap(store)], seed: 5, progress: false });
      t.build([4]);
      const w = t.params.get('dense_1/kernel').variable.dataSync().slice();
      await t.fit(data, { epochs: 1, batchSize: 16, shuffle: false });
      t.dispose();
      return { g: store[0]!, w };
    };
    const plain = await grads([]);
    const penalised = await grads([half]);
    const expected = plain.g['dense_1/kernel']!.map((g, i) => g + c * plain.w[i]!);
    expect(maxAbsDiff(penalised.g['dense_1/kernel']!, expected)).toBeLessThan(1e-6);
    // params the penalty does not touch get the same gradient
    expect(maxAbsDiff(penalised.g['dense_2/kernel']!, plain.g['dense_2/kernel']!)).toBe(0);
  });

  it('transformParam reaches the forward pass and its gradient flows through the transform', async () => {
    // Forward uses 3·W for the first kernel: outputs equal a model whose kernel is 3W,
    // and the gradient w.r.t. W is 3× the gradient w.r.t. the used value (chain rule).
    const triple: Plugin = { name: 'triple', apiVersion: 2, transformParam: (p, v) => (p.name === 'dense_1/kernel' ? tf.mul(v, 3) : v) };
    const data = blobs(16);
    const store: Record<string, Float32Array>[] = [];
    const a = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer: sgd(), plugins: [triple, gradientTap(store)], seed: 2, progress: false });
    const b = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer: sgd(), plugins: [gradientTap(store)], seed: 2, progress: false });
    a.build([4]);
    b.build([4]);
    b.params.get('dense_1/kernel').variable.assign(tf.mul(a.params.get('dense_1/kernel').variable, 3));
    await a.fit(data, { epochs: 1, batchSize: 16, shuffle: false });
    await b.fit(data, { epochs: 1, batchSize: 16, shuffle: false });
    const [ga, gb] = store;
    expect(maxAbsDiff(ga!['dense_1/kernel']!, gb!['dense_1/kernel']!.map((g) => 3 * g))).toBeLessThan(1e-5);
    expect(maxAbsDiff(ga!['dense_2/kernel']!, gb!['dense_2/kernel']!)).toBeLessThan(1e-6);
    // inference: a plugin without wrapPredict does not transform params
    const pa = a.predict(data.x) as tf.Tensor;
    const manual = tf.tidy(() => {
      const h = tf.relu(tf.add(tf.matMul(data.x, a.params.get('dense_1/kernel').variable), a.params.get('dense_1/bias').variable));
      return tf.add(tf.matMul(h, a.params.get('dense_2/kernel').variable), a.params.get('dense_2/bias').variable);
    });
    expect(maxAbsDiff(pa.dataSync(), manual.dataSync())).toBeLessThan(1e-5);
    tf.dispose([pa, manual]);
    a.dispose();
    b.dispose();
  });

  it('transformActivation sees every site with its kind and changes what flows on', async () => {
    const seen: string[] = [];
    const zeroHidden: Plugin = {
      name: 'zeroHidden',
      apiVersion: 2,
      transformActivation(site, h, ctx) {
        seen.push(`${site.kind}:${site.name}:${ctx.mode}`);
        return site.kind === 'hidden' ? tf.zerosLike(h) : h;
      },
    };
    const store: Record<string, Float32Array>[] = [];
    const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer: sgd(), plugins: [zeroHidden, gradientTap(store)], progress: false });
    await t.fit(blobs(16), { epochs: 1, batchSize: 16 });
    expect(seen).toEqual(['input:input:train', 'hidden:dense_1:train', 'output:output:train']);
    expect(t.model.sites.map((s) => `${s.kind}:${s.name}`)).toEqual(['input:input', 'hidden:dense_1', 'output:output']);
    // with the hidden layer zeroed, no gradient reaches the first layer and the second kernel
    expect(Math.max(...store[0]!['dense_1/kernel']!.map(Math.abs))).toBe(0);
    expect(Math.max(...store[0]!['dense_2/kernel']!.map(Math.abs))).toBe(0);
    expect(Math.max(...store[0]!['dense_2/bias']!.map(Math.abs))).toBeGreaterThan(0);
    t.dispose();
  });

  it('transformGradients is what the optimizer applies', async () => {
    const doubleIt: Plugin = {
      name: 'double',
      apiVersion: 2,
      transformGradients: (grads) => Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, 2)])),
    };
    const store: Record<string, Float32Array>[] = [];
    const lr = 0.1;
    const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer: sgd(lr), plugins: [gradientTap(store, 100), doubleIt], progress: false });
    t.build([4]);
    const before = paramValues(t.model.params);
    await t.fit(blobs(16), { epochs: 1, batchSize: 16 });
    const after = paramValues(t.model.params);
    for (const name of Object.keys(before)) {
      const expected = before[name]!.map((w, i) => w - lr * 2 * store[0]![name]![i]!);
      expect(maxAbsDiff(after[name]!, expected)).toBeLessThan(1e-6);
    }
    t.dispose();
  });

  it('shuffle: false takes the rows in order: step k’s gradient is the mse gradient of rows [kB, (k+1)B), by hand', async () => {
    // a linear model ŷ = x·w + b under mse: ∂L/∂w = (2/B) Σᵢ (ŷᵢ − yᵢ) xᵢ over the step's rows
    const rows = 12;
    const batch = 4;
    const xs = Array.from({ length: rows }, (_, i) => [i + 1, (i * 7) % 5 - 2]);
    const ys = xs.map(([a, b]) => 3 * a! - b! + 0.5);
    const weights: Float32Array[] = [];
    const grads: Record<string, Float32Array>[] = [];
    // transformGradients runs before the update: the weights it reads are the ones the gradient was taken at
    const weightTap: Plugin = { name: 'weights', apiVersion: 2, order: 900, transformGradients(g, ctx) {
        weights.push(ctx.params.get('dense_1/kernel').variable.dataSync().slice() as Float32Array);
        return g;
      },
    };
    const t = new Trainer({ model: nn.sequential([nn.dense(1)]), loss: 'mse', optimizer: sgd(0.001), plugins: [gradientTap(grads), weightTap], seed: 3, progress: false });
    await t.fit(dataset.fromArrays(xs, ys), { epochs: 1, batchSize: batch, shuffle: false });
    expect(grads).toHaveLength(rows / batch);
    for (let k = 0; k < rows / batch; k++) {
      const w = weights[k]!;
      // the bias starts at zero and moves by −lr·∂L/∂b each step: recompute it from the tapped gradients
      const bias = -0.001 * grads.slice(0, k).reduce((s, g) => s + g['dense_1/bias']![0]!, 0);
      let g0 = 0;
      let g1 = 0;
      for (let i = k * batch; i < (k + 1) * batch; i++) {
        const [a, b] = xs[i] as [number, number];
        const r = a * w[0]! + b * w[1]! + bias - ys[i]!;
        g0 += (2 / batch) * r * a;
        g1 += (2 / batch) * r * b;
      }
      const expected = [g0, g1];
      expect(maxAbsDiff(grads[k]!['dense_1/kernel']!, expected)).toBeLessThan(1e-4);
    }
    t.dispose();
  });

  it('frozen params do not move; the others do', async () => {
    const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer: 'adam', inputShape: [4], progress: false });
    expect(t.freeze({ names: ['dense_1'] })).toEqual(['dense_1/kernel', 'dense_1/bias']);
    const before = paramValues(t.model.params);
    await t.fit(blobs(32), { epochs: 2, batchSize: 8 });
    const after = paramValues(t.model.params);
    expect(maxAbsDiff(after['dense_1/kernel']!, before['dense_1/kernel']!)).toBe(0);
    expect(maxAbsDiff(after['dense_1/bias']!, before['dense_1/bias']!)).toBe(0);
    expect(maxAbsDiff(after['dense_2/kernel']!, before['dense_2/kernel']!)).toBeGreaterThan(1e-4);
    t.dispose();
  });

  it('freeze, then unfreeze mid-training with Adam: each param keeps its own moments (tfjs indexes slots by position), matching Adam by hand', async () => {
    // two kernels of the same shape, so moments handed to the wrong param would go unnoticed by shape
    const store: Record<string, Float32Array>[] = [];
    const t = new Trainer({ model: nn.sequential([nn.dense(3, { activation: 'tanh' }), nn.dense(3)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', learningRate: 0.05 }, plugins: [gradientTap(store)], inputShape: [3], seed: 4, progress: false });
    const start = paramValues(t.model.params);
    const data = blobs(12, 3);
    await t.fit(data, { epochs: 2, batchSize: 12 });
    t.freeze({ names: ['dense_1'] });
    await t.fit(data, { epochs: 4, batchSize: 12 });
    t.unfreeze({ names: ['dense_1'] });
    await t.fit(data, { epochs: 6, batchSize: 12 });
    expect(store.map((g) => Object.keys(g).length)).toEqual([4, 4, 2, 2, 4, 4]);
    // Adam by hand over the recorded gradients, in tfjs's form: one global step count t for the bias correction,
    // a param's moments updated only in the steps it is trained
    const [b1, b2, eps, lr] = [0.9, 0.999, 1e-7, 0.05];
    const final = paramValues(t.model.params);
    for (const name of Object.keys(start)) {
      const w = Array.from(start[name]!);
      const m = w.map(() => 0);
      const v = w.map(() => 0);
      store.forEach((grads, i) => {
        const g = grads[name];
        if (!g) return;
        const step = i + 1;
        const rate = (lr * Math.sqrt(1 - b2 ** step)) / (1 - b1 ** step);
        g.forEach((gj, j) => {
          m[j] = b1 * m[j]! + (1 - b1) * gj;
          v[j] = b2 * v[j]! + (1 - b2) * gj * gj;
          w[j] = w[j]! - (rate * m[j]!) / (Math.sqrt(v[j]!) + eps);
        });
      });
      expect(maxAbsDiff(final[name]!, w)).toBeLessThan(1e-4); // float32 against float64 over six Adam steps
    }
    t.dispose();
  });

  it('a module used twice shares its params and gets the sum of both uses’ gradients', async () => {
    const shared = nn.dense(4, { activation: 'tanh', name: 'shared' });
    const model = nn.sequential([shared, shared, nn.dense(3)]);
    const store: Record<string, Float32Array>[] = [];
    const t = new Trainer({ model, loss: 'softmaxCrossEntropy', optimizer: sgd(), plugins: [gradientTap(store)], inputShape: [4], progress: false });
    expect(t.model.params.map((p) => p.name)).toEqual(['shared/kernel', 'shared/bias', 'dense_1/kernel', 'dense_1/bias']);
    const data = blobs(8);
    await t.fit(data, { epochs: 1, batchSize: 8, shuffle: false });
    t.dispose();
    // independent computation: two distinct copies of the layer, gradient of each, summed
    const copies = new Trainer({
      model: nn.sequential([nn.dense(4, { activation: 'tanh', name: 'first' }), nn.dense(4, { activation: 'tanh', name: 'second' }), nn.dense(3)]),
      loss: 'softmaxCrossEntropy',
      optimizer: sgd(),
      plugins: [gradientTap(store)],
      inputShape: [4],
      progress: false,
    });
    const reference = new Trainer({ model: nn.sequential([shared, shared, nn.dense(3)]), loss: 'softmaxCrossEntropy', inputShape: [4], progress: false });
    for (const [from, to] of [['shared', 'first'], ['shared', 'second'], ['dense_1', 'dense_1']]) {
      copies.params.get(`${to}/kernel`).variable.assign(reference.params.get(`${from}/kernel`).variable);
      copies.params.get(`${to}/bias`).variable.assign(reference.params.get(`${from}/bias`).variable);
    }
    await copies.fit(data, { epochs: 1, batchSize: 8, shuffle: false });
    const [sharedGrads, copyGrads] = store;
    const summed = copyGrads!['first/kernel']!.map((g, i) => g + copyGrads!['second/kernel']![i]!);
    expect(maxAbsDiff(sharedGrads!['shared/kernel']!, summed)).toBeLessThan(1e-6);
    copies.dispose();
    reference.dispose();
  });

  it('multi-task: the loss is the weighted sum of each head’s loss', async () => {
    const model = nn.multiHead(nn.dense(6, { activation: 'relu' }), { digit: nn.dense(3), size: nn.dense(1) });
    const t = new Trainer({
      model,
      loss: { digit: { loss: 'softmaxCrossEntropy', weight: 0.7 }, size: { loss: 'mse', weight: 0.3 } },
      optimizer: sgd(),
      inputShape: [4],
      progress: false,
    });
    const base = blobs(24);
    const size = tf.tidy(() => tf.sum(base.x, 1, true));
    const data = dataset.fromTensors(base.x, { digit: base.y as tf.Tensor, size });
    const metrics = await t.evaluate(data);
    const out = t.predict(data.x) as Record<string, tf.Tensor>;
    const ce = tf.tidy(() => tf.mean(tf.neg(tf.sum(tf.mul(tf.oneHot(base.y as tf.Tensor1D, 3), tf.logSoftmax(out.digit!)), 1))).dataSync()[0]!);
    const mse = tf.tidy(() => tf.mean(tf.square(tf.sub(out.size!, size))).dataSync()[0]!);
    const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
    expect(relative(metrics['digit.loss']!, ce)).toBeLessThan(1e-5);
    expect(relative(metrics['size.loss']!, mse)).toBeLessThan(1e-5);
    expect(relative(metrics.loss!, 0.7 * ce + 0.3 * mse)).toBeLessThan(1e-5);
    const history = await t.fit(data, { epochs: 5, batchSize: 8 });
    expect(history.epochs[4]!.loss).toBeLessThan(history.epochs[0]!.loss!);
    tf.dispose(Object.values(out));
    t.dispose();
  });
});

describe('determinism and memory', () => {
  it('the same seed gives identical params; another seed does not', async () => {
    const run = async (seed: number) => {
      const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', seed, progress: false });
      await t.fit(blobs(40), { epochs: 3, batchSize: 8 });
      const v = paramValues(t.model.params);
      t.dispose();
      return v;
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    for (const k of Object.keys(a)) expect(maxAbsDiff(a[k]!, b[k]!)).toBe(0);
    expect(maxAbsDiff(a['dense_1/kernel']!, c['dense_1/kernel']!)).toBeGreaterThan(0);
  });

  it('tf.memory().numTensors is the same after step 10 and step 1000', async () => {
    const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer: 'adam', progress: false, logEvery: 25 });
    const data = blobs(40);
    await t.fit(data, { epochs: 2, batchSize: 4, maxSteps: 10 });
    const at10 = tf.memory().numTensors;
    await t.fit(data, { epochs: 100, batchSize: 4, maxSteps: 1000 });
    expect(t.step).toBe(1000);
    expect(tf.memory().numTensors).toBe(at10);
    t.dispose();
  });

  it('no host read happens inside a step', async () => {
    const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', progress: false, logEvery: 1000 });
    const data = blobs(64);
    t.build([4]);
    const proto = Object.getPrototypeOf(data.x) as { dataSync: () => unknown; data: () => unknown; arraySync: () => unknown };
    const counts = { sync: 0 };
    const originals = { dataSync: proto.dataSync, data: proto.data, arraySync: proto.arraySync };
    proto.dataSync = function (this: unknown) { counts.sync++; return originals.dataSync.call(this); };
    proto.data = function (this: unknown) { counts.sync++; return originals.data.call(this); };
    proto.arraySync = function (this: unknown) { counts.sync++; return originals.arraySync.call(this); };
    try {
      // 16 steps, one log point at the end of the epoch: one read of the 16 step losses
      await t.fit(data, { epochs: 1, batchSize: 4 });
    } finally {
      Object.assign(proto, originals);
    }
    // checkTargets reads the class ids once when the fit starts
    expect(counts.sync).toBe(2);
    t.dispose();
  });
});

describe('validation and modes', () => {
  it('validation every n steps runs afterEvaluate with val.* metrics at those steps', async () => {
    const seen: number[] = [];
    const watcher: Plugin = { name: 'watcher', apiVersion: 2, afterEvaluate: (metrics, ctx) => void seen.push(ctx.step, metrics['val.loss']!) };
    const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', plugins: [watcher], progress: false });
    const data = blobs(40);
    const history = await t.fit(data, { epochs: 2, batchSize: 8, validation: { data, every: { steps: 3 } } });
    expect(history.evaluations.map((r) => r.step)).toEqual([3, 6, 9]);
    expect(seen.filter((_, i) => i % 2 === 0)).toEqual([3, 6, 9]);
    const direct = await t.evaluate(data);
    expect(history.evaluations.at(-1)!['val.accuracy']).toBeGreaterThan(0);
    expect(direct.loss).toBeGreaterThan(0);
    t.dispose();
  });

  it('beforeEvaluate runs before each validation pass, where its changes are seen by that pass', async () => {
    const events: string[] = [];
    // a plugin that scales the output in inference by a factor it sets just before each validation
    let factor = 1;
    const scaler: Plugin = {
      name: 'scaler',
      apiVersion: 2,
      modes: ['infer'],
      beforeEvaluate: (ctx) => void (events.push(`before@${ctx.step}`), (factor = 0)),
      afterEvaluate: (metrics, ctx) => void events.push(`after@${ctx.step}`),
      transformActivation: (site, h) => (site.kind === 'output' ? tf.mul(h, factor) : h),
    };
    const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', plugins: [scaler], progress: false });
    const data = blobs(40);
    const history = await t.fit(data, { epochs: 1, batchSize: 8, validation: { data, every: { steps: 2 } } });
    expect(events).toEqual(['before@2', 'after@2', 'before@4', 'after@4']);
    // zero logits: the validation loss is exactly ln 3 (3 classes), which only the factor set in beforeEvaluate gives
    for (const row of history.evaluations) expect(row['val.loss']).toBeCloseTo(Math.log(3), 5);
    t.dispose();
  });

  it('in inference only plugins declared for the mode transform activations (having wrapPredict no longer matters); wrapPredict sees every call', async () => {
    const log: string[] = [];
    const trainOnly: Plugin = { name: 'trainOnly', apiVersion: 2, transformActivation: (s, h, ctx) => (log.push(`trainOnly:${ctx.mode}`), h) };
    const inferToo: Plugin = {
      name: 'inferToo',
      apiVersion: 2,
      modes: ['train', 'infer'],
      transformActivation: (s, h, ctx) => (log.push(`inferToo:${ctx.mode}`), s.kind === 'output' && ctx.mode === 'infer' ? tf.mul(h, 0) : h),
    };
    const wrapper: Plugin = { name: 'wrapper', apiVersion: 2, wrapPredict: (x, next, ctx) => (log.push(`wrap:${ctx.mode}`), next(x)) };
    const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', plugins: [trainOnly, inferToo, wrapper], inputShape: [4], progress: false });
    const out = t.predict(tf.ones([2, 4])) as tf.Tensor;
    expect(Array.from(out.dataSync(), Math.abs)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(log.splice(0)).toEqual(['wrap:infer', 'inferToo:infer', 'inferToo:infer', 'inferToo:infer']);
    // a sampled prediction reaches neither: both are declared for other modes
    const sampled = t.predict(tf.ones([2, 4]), { sample: true }) as tf.Tensor;
    expect(log).toEqual(['wrap:sample']);
    expect(Array.from(sampled.dataSync()).some((v) => v !== 0)).toBe(true);
    tf.dispose([out, sampled]);
    t.dispose();
  });
});
