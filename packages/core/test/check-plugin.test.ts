import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { Plugin } from '@tikhonov/core';
import { checkPlugin } from '@tikhonov/core/testing';

/** A well-behaved plugin: hidden noise, a penalty, state. */
function good(): Plugin {
  let steps = 0;
  return {
    name: 'good',
    apiVersion: 2,
    transformActivation: (site, h, ctx) => (site.kind === 'hidden' ? tf.add(h, ctx.random.normal(h.shape, 0, 0.1)) : h),
    penalty: (ctx) => tf.mul(1e-3, tf.sum(tf.square(ctx.params.get('dense_1/kernel').variable))) as tf.Scalar,
    afterStep: () => void steps++,
    stateDict: () => ({ steps }),
    loadStateDict: (s) => void (steps = s.steps as number),
  };
}

describe('checkPlugin', () => {
  it('passes a well-behaved plugin and reports what it checked', async () => {
    const report = await checkPlugin(good);
    expect(report.name).toBe('good');
    expect(report.tensorsPerStep).toBe(0);
    expect(report.stateRoundTrip).toBe(true);
    expect(report.attributedHooks).toEqual(['transformActivation', 'penalty', 'afterStep']);
  });

  it('catches a leak', async () => {
    const kept: tf.Tensor[] = [];
    const leaky = (): Plugin => ({ name: 'leaky', apiVersion: 2, afterStep: (ctx) => void kept.push(tf.keep(tf.scalar(ctx.step))) });
    await expect(checkPlugin(leaky)).rejects.toThrow(/checkPlugin\('leaky'\): leaks tensors: .* \(1.00 per step\)/);
    tf.dispose(kept);
  });

  it('catches non-determinism (randomness not drawn from ctx.random)', async () => {
    const unseeded = (): Plugin => ({ name: 'unseeded', apiVersion: 2, transformBatch: (b) => ({ ...b, x: tf.add(b.x, tf.randomNormal(b.x.shape)) }) });
    await expect(checkPlugin(unseeded)).rejects.toThrow(/is not deterministic under a seed/);
  });

  it('catches state that does not round-trip', async () => {
    const lossy = (): Plugin => {
      let steps = 0;
      return { name: 'lossy', apiVersion: 2, afterStep: () => void steps++, stateDict: () => ({ steps }), loadStateDict() {} };
    };
    await expect(checkPlugin(lossy)).rejects.toThrow(/state does not round-trip/);
  });

  it('catches a direct param write inside a hook (writes go through ctx.params.write)', async () => {
    const direct = (): Plugin => ({ name: 'direct', apiVersion: 2, afterStep: (ctx) => ctx.params.get('dense_1/bias').variable.assign(tf.zeros([16])) });
    await expect(checkPlugin(direct)).rejects.toThrow(/checkPlugin\('direct'\): a short fit failed: .*assigned param 'dense_1\/bias' directly in afterStep/);
  });

  it('catches randomness in plain inference (declared modes honoured)', async () => {
    const noisy = (): Plugin => ({ name: 'noisy', apiVersion: 2, modes: ['train', 'infer'], transformActivation: (site, h, ctx) => (site.kind === 'hidden' ? tf.add(h, ctx.random.normal(h.shape, 0, 0.1)) : h) });
    await expect(checkPlugin(noisy)).rejects.toThrow(/checkPlugin\('noisy'\): inference \('infer'\) is not deterministic/);
  });

  it('catches tensors held past trainer.dispose() (no dispose hook)', async () => {
    const holder = (): Plugin => {
      let copy: tf.Tensor | undefined;
      return { name: 'holder', apiVersion: 2, beforeFit: (ctx) => void (copy ??= tf.keep(tf.clone(ctx.params.get('dense_1/kernel').variable))) };
    };
    await expect(checkPlugin(holder)).rejects.toThrow(/checkPlugin\('holder'\): holds 1 tensor\(s\) after trainer.dispose\(\)/);
  });

  it("catches a v1-style recorder that counts a nested forward's activations", async () => {
    // records in transformActivation and consumes in penalty, as activityL1 did in contract v1
    const recorder = (): Plugin => {
      let seen: tf.Tensor[] = [];
      return {
        name: 'recorder',
        apiVersion: 2,
        transformActivation: (site, h) => (site.kind === 'hidden' && seen.push(h), h),
        penalty() {
          const total = seen.length ? tf.mul(1e-2, tf.addN(seen.map((h) => tf.mean(tf.abs(h))))) : undefined;
          seen = [];
          return total as tf.Scalar | undefined;
        },
      };
    };
    await expect(checkPlugin(recorder)).rejects.toThrow(/checkPlugin\('recorder'\): is not safe next to a nested forward/);
  });
});
