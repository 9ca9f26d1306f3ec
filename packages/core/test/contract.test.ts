import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { dataset, Order, PluginContractError, PluginError, Trainer, type Plugin } from '@tikhonov/core';
import { blobs, mlp, recorder } from './helpers.js';

const make = (plugins: unknown[]) => new Trainer({ model: mlp(), loss: 'softmaxCrossEntropy', plugins: plugins as Plugin[], progress: false });

describe('plugin registration', () => {
  it('rejects an unknown hook by name', () => {
    expect(() => make([{ name: 'typo', apiVersion: 2, afterStpe: () => {} }])).toThrow(/plugin 'typo' has unknown key 'afterStpe'/);
  });
  it('rejects a missing name, a duplicate name and a wrong apiVersion', () => {
    expect(() => make([{ apiVersion: 2 }])).toThrow(PluginContractError);
    expect(() => make([{ apiVersion: 2 }])).toThrow(/has no name/);
    expect(() => make([{ name: 'a', apiVersion: 2 }, { name: 'a', apiVersion: 2 }])).toThrow(/two plugins are named 'a'/);
    expect(() => make([{ name: 'a', apiVersion: 3 }])).toThrow(/apiVersion 3; this core supports apiVersion 2/);
    // a v1 plugin is told what changed
    expect(() => make([{ name: 'old', apiVersion: 1, afterStep: () => {} }])).toThrow(/plugin 'old' is written for apiVersion 1; this core runs apiVersion 2: .*modes.*ctx\.mode.*ctx\.activations.*afterStepKind.*ctx\.params\.write.*exportCheckpoint.*disable.*dispose/);
  });
  it('rejects a factory passed instead of its plugin, and a hook that is not a function', () => {
    expect(() => make([() => ({})])).toThrow(/did you pass the factory/);
    expect(() => make([{ name: 'a', apiVersion: 2, penalty: 3 }])).toThrow(/'penalty' must be a function/);
  });
});

describe('order', () => {
  it('runs plugins by order, then list order, at every hook', async () => {
    const log: string[] = [];
    const trainer = new Trainer({
      model: mlp(),
      loss: 'softmaxCrossEntropy',
      plugins: [recorder('late', log, Order.earlyStopping), recorder('a', log), recorder('aug', log, Order.augmentation), recorder('b', log)],
      progress: false,
    });
    const data = blobs(8);
    await trainer.fit(data, { epochs: 1, batchSize: 8, validation: { data } });
    const names = (hook: string) => log.filter((l) => l.endsWith(`.${hook}`)).map((l) => l.split('.')[0]);
    for (const hook of ['beforeFit', 'transformBatch', 'penalty', 'afterStep', 'afterEvaluate', 'afterEpoch', 'afterFit']) {
      expect(names(hook)).toEqual(['aug', 'a', 'b', 'late']);
    }
    // one step: batch transforms, then penalties, then afterStep
    const step = log.slice(log.indexOf('aug.transformBatch'), log.indexOf('late.afterStep') + 1).map((l) => l.split('.')[1]);
    expect(step).toEqual([...Array(4).fill('transformBatch'), ...Array(4).fill('penalty'), ...Array(4).fill('afterStep')]);
    expect(trainer.describeLoop()).toMatch(/transformBatch\s+pipe\s+aug → a → b → late/);
    expect(trainer.describeLoop()).toMatch(/transformParam\s+pipe\s+—/);
    expect(trainer.describeLoop()).toMatch(/afterStep\s+sequence\s+aug \[update\] → a \[update\] → b \[update\] → late \[update\]/);
    trainer.dispose();
  });
});

describe('control flow', () => {
  it('requestStop ends the fit after the current step and records who and why', async () => {
    let steps = 0;
    const stopper: Plugin = {
      name: 'stopper',
      apiVersion: 2,
      afterStep(ctx) {
        steps++;
        if (ctx.step === 3) ctx.requestStop('enough at step 3');
      },
    };
    const trainer = make([stopper]);
    const history = await trainer.fit(blobs(64), { epochs: 5, batchSize: 8 });
    expect(steps).toBe(3);
    expect(trainer.step).toBe(3);
    expect(history.stop).toEqual({ by: 'stopper', reason: 'enough at step 3', step: 3 });
    trainer.dispose();
  });

  it('a throwing hook surfaces as PluginError after every onError ran', async () => {
    const seen: string[] = [];
    const broken: Plugin = {
      name: 'broken',
      apiVersion: 2,
      penalty(ctx) {
        if (ctx.step === 2) throw new RangeError('bad penalty');
        return undefined;
      },
      onError: (e) => void seen.push(`broken:${(e as PluginError).hook}`),
    };
    const witness: Plugin = { name: 'witness', apiVersion: 2, onError: (e) => void seen.push(`witness:${(e as PluginError).plugin}`) };
    const before = tf.memory().numTensors;
    const trainer = make([broken, witness]);
    const data = blobs(32);
    const error = await trainer.fit(data, { epochs: 1, batchSize: 8 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginError);
    expect(error).toMatchObject({ plugin: 'broken', hook: 'penalty' });
    expect((error as PluginError).cause).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe("plugin 'broken' failed in penalty: bad penalty");
    expect(seen).toEqual(['broken:penalty', 'witness:broken']);
    // the failed step's tidy released its tensors, and the engine still trains
    trainer.dispose();
    dataset.dispose(data);
    expect(tf.memory().numTensors).toBe(before);
    const again = make([]);
    await again.fit(blobs(8), { epochs: 1, batchSize: 8 });
    again.dispose();
  });

  it('async fit-level hooks are awaited in order', async () => {
    const log: string[] = [];
    const slow: Plugin = { name: 'slow', apiVersion: 2, beforeFit: async () => { await new Promise((r) => setTimeout(r, 20)); log.push('slow'); } };
    const fast: Plugin = { name: 'fast', apiVersion: 2, beforeFit: () => void log.push('fast') };
    const trainer = make([slow, fast]);
    await trainer.fit(blobs(8), { epochs: 1, batchSize: 8 });
    expect(log).toEqual(['slow', 'fast']);
    trainer.dispose();
  });
});

describe('modes (sampled inference: predict with sample: true)', () => {
  it("a plugin declared for ['train', 'sample'] runs in training and sampled predicts only, with fresh draws per call; plain inference stays deterministic", async () => {
    const seen: string[] = [];
    // a user's own Gaussian noise at hidden sites that also samples at inference
    const noise: Plugin = {
      name: 'myNoise',
      apiVersion: 2,
      modes: ['train', 'sample'],
      transformActivation(site, h, ctx) {
        if (site.kind === 'hidden') seen.push(`hidden mode=${ctx.mode}`);
        return site.kind === 'hidden' ? tf.add(h, ctx.random.normal(h.shape, 0, 1)) : h;
      },
      wrapPredict(x, next, ctx) {
        seen.push(`predict mode=${ctx.mode}`);
        return next(x);
      },
    };
    const trainer = make([noise]);
    const data = blobs(12);
    await trainer.fit(data, { epochs: 1, batchSize: 12 });
    expect(seen.splice(0)).toEqual(['hidden mode=train']);
    const read = (sample: boolean) => {
      const out = trainer.predict(data.x, { sample }) as tf.Tensor;
      const values = Array.from(out.dataSync());
      out.dispose();
      return values;
    };
    const plain = [read(false), read(false)];
    expect(seen.splice(0)).toEqual(['predict mode=infer', 'predict mode=infer']);
    const sampled = [read(true), read(true)];
    expect(seen.splice(0)).toEqual(['predict mode=sample', 'hidden mode=sample', 'predict mode=sample', 'hidden mode=sample']);
    expect(plain[1]).toEqual(plain[0]);
    expect(sampled[0]).not.toEqual(plain[0]);
    expect(sampled[1]).not.toEqual(sampled[0]);
    // the mode does not outlive the call: evaluate and the next fit step see train and infer only
    await trainer.evaluate(data);
    await trainer.fit(data, { epochs: 2, batchSize: 12 });
    expect(seen.filter((s) => s.includes('sample'))).toEqual([]);
    expect(() => trainer.predict(data.x, { sample: 'yes' as unknown as boolean })).toThrow(/sample.*must be true or false/);
    trainer.dispose();
    data.x.dispose();
    (data.y as tf.Tensor).dispose();
  });
});
