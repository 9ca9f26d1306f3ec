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
});
