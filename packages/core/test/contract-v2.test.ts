// The parts of plugin contract v2 that v1 lacked: per-fit disabling, dispose,
// definePlugin, registration rules for modes and afterStep kinds, and
// penalties reading the step's activations.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { definePlugin, exportCheckpoint, OptionError, PluginContractError, schemas, Trainer, type Plugin } from '@tikhonov/core';
import { orthogonality } from '../../../examples/core/plugins/orthogonality.js';
import { blobs, maxAbsDiff, mlp } from './helpers.js';

const make = (plugins: Plugin[], seed = 0) => new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.1 }, plugins, seed, progress: false });

describe('registration rules of v2', () => {
  it('refuses bad modes, modes without forward hooks, bad afterStep kinds and a kind without afterStep, naming the plugin', () => {
    const t = (plugin: Record<string, unknown>) => () => make([{ name: 'p', apiVersion: 2, ...plugin } as unknown as Plugin]);
    expect(t({ modes: ['train', 'eval'], transformActivation: (_s: unknown, h: unknown) => h })).toThrow(/plugin 'p': modes = \["train","eval"\] must be a non-empty list of distinct modes from train, sample, infer/);
    expect(t({ modes: [], transformActivation: (_s: unknown, h: unknown) => h })).toThrow(PluginContractError);
    expect(t({ modes: ['train'], penalty: () => undefined })).toThrow(/plugin 'p' declares modes but has none of transformParam, transformDense, transformActivation/);
    expect(t({ afterStepKind: 'project', afterStep: () => {} })).toThrow(/afterStepKind = "project" must be one of update, decay, constraint, average/);
    expect(t({ afterStepKind: 'decay' })).toThrow(/plugin 'p' declares afterStepKind 'decay' but has no afterStep/);
  });
});

describe('fit(data, { disable })', () => {
  it('a disabled plugin runs no hook during that fit, keeps its state for checkpoints, and runs again in the next fit', async () => {
    const calls: string[] = [];
    let steps = 0;
    const counter: Plugin = {
      name: 'counter',
      apiVersion: 2,
      beforeFit: () => void calls.push('beforeFit'),
      transformActivation: (_site, h) => (calls.push('transformActivation'), h),
      penalty: () => (calls.push('penalty'), undefined),
      afterStep: () => void steps++,
      wrapPredict: (x, next) => (calls.push('wrapPredict'), next(x)),
      stateDict: () => ({ steps }),
      loadStateDict: (s) => void (steps = s.steps as number),
    };
    const data = blobs(16);
    const t = make([counter]);
    await t.fit(data, { epochs: 1, batchSize: 8 });
    expect(steps).toBe(2);
    calls.length = 0;
    await t.fit(data, { epochs: 3, batchSize: 8, validation: { data }, disable: ['counter'] });
    expect(calls).toEqual([]);
    expect(steps).toBe(2);
    expect(t.step).toBe(6);
    // its state is still there for a checkpoint (v1's gated() copy returned undefined while off)
    expect((await exportCheckpoint(t)).state.plugins.counter).toEqual({ steps: 2 });
    // enabled again after that fit: inference and the next fit reach it
    tf.dispose(t.predict(data.x));
    await t.fit(data, { epochs: 4, batchSize: 8 });
    expect(steps).toBe(4);
    expect(calls.filter((c) => c === 'wrapPredict').length).toBe(1);
    await expect(t.fit(data, { epochs: 5, disable: ['countr'] })).rejects.toThrow(OptionError);
    await expect(t.fit(data, { epochs: 5, disable: ['countr'] })).rejects.toThrow(/option 'disable' = \["countr"\] is not allowed; 'countr' is not a plugin of this trainer; its plugins are counter/);
    t.dispose();
  });
});

describe('dispose', () => {
  it("trainer.dispose() calls every plugin's dispose once, and a throwing dispose is attributed", async () => {
    const held: tf.Tensor[] = [];
    const holder: Plugin = { name: 'holder', apiVersion: 2, beforeFit: () => void held.push(tf.keep(tf.ones([3]))), dispose: () => tf.dispose(held.splice(0)) };
    const before = tf.memory().numTensors;
    const data = blobs(8);
    const t = make([holder]);
    await t.fit(data, { epochs: 2, batchSize: 8 });
    expect(held.length).toBe(1);
    t.dispose();
    tf.dispose([data.x, data.y as tf.Tensor]);
    expect(held.length).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    const broken = make([{ name: 'broken', apiVersion: 2, dispose: () => { throw new Error('no'); } }]);
    expect(() => broken.dispose()).toThrow(/plugin 'broken' failed in dispose: no/);
  });
});

describe('penalty reads ctx.activations', () => {
  it('sees the main pass sites in forward order, as computed before transforms, and nothing in other hooks', async () => {
    const seen: string[] = [];
    let after: number | undefined;
    const doubler: Plugin = { name: 'doubler', apiVersion: 2, transformActivation: (site, h) => (site.kind === 'hidden' ? tf.mul(h, 2) : h) };
    const reader: Plugin = {
      name: 'reader',
      apiVersion: 2,
      penalty(ctx) {
        for (const { site, value } of ctx.activations) seen.push(`${site.kind}:${site.name}:${value.shape.join('x')}`);
        const hidden = ctx.activations.find((a) => a.site.kind === 'hidden')!.value;
        // the model's own relu output, not the doubled value that flowed on
        const manual = tf.relu(tf.add(tf.matMul(ctx.batch!.x, ctx.params.get('dense_1/kernel').variable), ctx.params.get('dense_1/bias').variable));
        seen.push(`max diff ${maxAbsDiff(hidden.dataSync(), manual.dataSync())}`);
        return undefined;
      },
      afterStep: (ctx) => void (after = ctx.activations.length),
    };
    const t = make([doubler, reader]);
    await t.fit(blobs(8), { epochs: 1, batchSize: 8 });
    expect(seen).toEqual(['input:input:8x4', 'hidden:dense_1:8x8', 'output:output:8x3', 'max diff 0']);
    expect(after).toBe(0);
    t.dispose();
  });
});

describe('ctx.forward (nested passes)', () => {
  it('refuses a mode that is not one and the tag of the main pass, naming the option', async () => {
    const data = blobs(8);
    for (const [options, message] of [
      [{ mode: 'eval' }, /ctx.forward: option 'mode' = "eval" is not allowed; must be one of train, sample, infer/],
      [{ tag: 'main' }, /ctx.forward: option 'tag' = "main" is not allowed/],
    ] as const) {
      const nested: Plugin = { name: 'nested', apiVersion: 2, penalty: (ctx) => (tf.dispose(ctx.forward(ctx.batch!.x, options as never)), undefined) };
      const t = make([nested]);
      await expect(t.fit(data, { epochs: 1, batchSize: 8 })).rejects.toThrow(message);
      t.dispose();
    }
    tf.dispose([data.x, data.y as tf.Tensor]);
  });
});

describe('definePlugin', () => {
  const scale = definePlugin({
    name: 'scale',
    options: { factor: schemas.positive },
    setup: ({ factor }: { factor: number }) => ({ modes: ['train', 'infer'], transformActivation: (site, h) => (site.kind === 'output' ? tf.mul(h, factor) : h) }),
  });

  it('fills in apiVersion and the name (default or given), validates options strictly, naming the option', () => {
    expect(scale({ factor: 2 })).toMatchObject({ name: 'scale', apiVersion: 2, modes: ['train', 'infer'] });
    expect(scale({ factor: 2, name: 'twice' }).name).toBe('twice');
    expect(() => scale({ factor: -1 })).toThrow(/scale: option 'factor' = -1 is not allowed; must be > 0/);
    expect(() => scale({ factor: 2, fator: 3 } as never)).toThrow(/scale: option .*fator/);
    expect(() => scale({ factor: 2, name: '' })).toThrow(/option 'name' = "" is not allowed/);
  });

  it("the README's orthogonality plugin: penalty α‖WᵀW − I‖²_F and its gradient 4αW(WᵀW − I), against a float64 hand computation", async () => {
    const alpha = 0.03;
    const data = blobs(12);
    const gradients = async (plugins: Plugin[]) => {
      const store: Record<string, Float32Array> = {};
      const tap: Plugin = { name: 'tap', apiVersion: 2, order: 900, transformGradients: (g) => (Object.assign(store, { w: g['dense_1/kernel']!.dataSync().slice() }), g) };
      const t = new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.1 }, plugins: [...plugins, tap], seed: 4, logEvery: 1, progress: false });
      t.build([4]);
      const w = t.params.get('dense_1/kernel').variable.arraySync() as number[][];
      await t.fit(data, { epochs: 1, batchSize: 12, shuffle: false });
      const loss = t.history.logs[0]!.loss!;
      t.dispose();
      return { g: store.w!, w, loss };
    };
    const plain = await gradients([]);
    const ortho = await gradients([orthogonality({ alpha, select: { names: ['dense_1/kernel'] } })]);
    const w = plain.w; // [4, 8]: 4 inputs, 8 units
    const units = 8;
    const gram = Array.from({ length: units }, (_, a) => Array.from({ length: units }, (_, b) => w.reduce((s, row) => s + row[a]! * row[b]!, 0) - (a === b ? 1 : 0)));
    const penalty = alpha * gram.flat().reduce((s, v) => s + v * v, 0);
    expect(Math.abs(ortho.loss - plain.loss - penalty) / penalty).toBeLessThan(1e-5);
    const expected = w.flatMap((row, d) => row.map((_, u) => plain.g[d * units + u]! + 4 * alpha * row.reduce((s, wv, b) => s + wv * gram[b]![u]!, 0)));
    expect(maxAbsDiff(ortho.g, expected)).toBeLessThan(1e-5);
    tf.dispose([data.x, data.y as tf.Tensor]);
  });
});
