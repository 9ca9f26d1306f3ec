import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { HostRandom } from '@tikhonov/core';
import { affine, betaDraw, cutmixBoxes, entryOf, flip, randomErasing, rotate, transformRows, translate, type AffineParams } from '@tikhonov/augmentation';
import { boxMask } from '../src/photometric.js';
import { resampleAffine } from '../src/resample.js';
import { applyEntry } from '../src/plugin.js';
import { host, images } from './helpers.js';

const IDENTITY: AffineParams = { rotate: 0, shearX: 0, shearY: 0, scaleX: 1, scaleY: 1, dx: 0, dy: 0 };
const size = { height: 8, width: 8, channels: 1 };
const warp = (x: tf.Tensor4D, params: AffineParams[], interpolation: 'bilinear' | 'nearest' = 'bilinear') => resampleAffine(x, transformRows(params, size), interpolation, 'constant', 0);

describe('exact geometry', () => {
  it('identity parameters return the batch bit for bit (bilinear and nearest), and a transform with p = 0 does too', () => {
    const x = images(4);
    expect(host(warp(x, Array(4).fill(IDENTITY)))).toEqual(host(x));
    expect(host(warp(x, Array(4).fill(IDENTITY), 'nearest'))).toEqual(host(x));
    // p = 0: no image is chosen, the batch comes back untouched (and p = 1 does change it)
    expect(host(applyEntry(entryOf(rotate({ degrees: 30, p: 0 }), 'test'), x, undefined, new HostRandom(1)).x)).toEqual(host(x));
    expect(host(applyEntry(entryOf(rotate({ degrees: 30, p: 1 }), 'test'), x, undefined, new HostRandom(1)).x)).not.toEqual(host(x));
  });

  for (const fill of ['constant', 'nearest', 'reflect', 'wrap'] as const) {
    for (const interpolation of ['bilinear', 'nearest'] as const) {
      it(`equals tfjs's own Transform kernel image by image (${interpolation}, fill ${fill}) on random affine maps`, () => {
        // tfjs-cpu's kernel is right for the first image of a batch (it returns after it): run it one image at a time
        const x = images(6, 8, 8, 2);
        const entry = entryOf(affine({ degrees: 40, translate: [3, 2], scale: [0.6, 1.4], shear: 20 }), 'test');
        const params = entry.op.draw(6, new HostRandom(5), { height: 8, width: 8, channels: 2 }) as AffineParams[];
        const rows = transformRows(params, size);
        const ours = host(resampleAffine(x, rows, interpolation, fill, 0.25));
        for (let i = 0; i < 6; i++) {
          const row = [...rows.slice(i * 6, i * 6 + 6), 0, 0];
          const theirs = host(tf.image.transform(tf.slice(x, i, 1), tf.tensor2d([row]), interpolation, fill, 0.25));
          theirs.forEach((v, j) => expect(ours[i * 128 + j]).toBeCloseTo(v, 5));
        }
      });
    }
  }

  it("tfjs-cpu's own Transform kernel warps only the first image of a batch (why affine warps are tensor ops on cpu; when tfjs fixes it this fails)", () => {
    const x = images(3);
    const shifted = host(tf.image.transform(x, tf.tensor2d([[1, 0, 1, 0, 1, 0, 0, 0]]), 'nearest', 'constant', 0));
    // images 2 and 3 come back all at the fill value, image 1 is shifted
    expect(shifted.slice(64).every((v) => v === 0)).toBe(true);
    expect(shifted.slice(0, 64).some((v) => v !== 0)).toBe(true);
  });

  it('translating by k pixels and back by −k is the identity on the interior', () => {
    const x = images(3);
    for (const k of [1, 2, 3]) {
      const there = warp(x, Array(3).fill({ ...IDENTITY, dx: k, dy: -k }));
      const back = host(warp(there, Array(3).fill({ ...IDENTITY, dx: -k, dy: k })));
      const original = host(x);
      // interior: rows k … 7−k and columns k … 7−k keep their pixels
      for (let i = 0; i < 3; i++) for (let r = k; r < 8 - k; r++) for (let c = k; c < 8 - k; c++) expect(back[i * 64 + r * 8 + c]).toBe(original[i * 64 + r * 8 + c]);
      // and the content did move: the shifted batch is not the original
      expect(host(there)).not.toEqual(original);
    }
  });

  it('rotating by 90° equals a transposition and a flip', () => {
    const x = images(2);
    const turned = host(warp(x, Array(2).fill({ ...IDENTITY, rotate: Math.PI / 2 }), 'nearest'));
    const byHand = tf.reverse(tf.transpose(x, [0, 2, 1, 3]), 2);
    const alt = tf.reverse(tf.transpose(x, [0, 2, 1, 3]), 1);
    // the direction of a positive angle is a convention: it must be one of the two quarter turns, exactly
    const [a, b] = [host(byHand), host(alt)];
    expect(turned.every((v, i) => v === a[i]) || turned.every((v, i) => v === b[i])).toBe(true);
  });

  it('flipping twice is the identity; a flip reverses the width axis', () => {
    const x = images(3);
    const op = entryOf(flip({ p: 1 }), 'test').op;
    const once = op.apply(x, null, size);
    expect(host(op.apply(once, null, size))).toEqual(host(x));
    expect(host(once)).toEqual(host(tf.reverse(x, 2)));
  });

  it('per-image parameters differ inside a batch and repeat under the same seed', () => {
    const entry = entryOf(affine({ degrees: 20, translate: [1, 1], scale: [0.9, 1.1] }), 'test');
    const draw = (seed: number) => entry.op.draw(5, new HostRandom(seed), size) as AffineParams[];
    const a = draw(7);
    expect(new Set(a.map((p) => p.rotate)).size).toBe(5);
    expect(draw(7)).toEqual(a);
    expect(draw(8)).not.toEqual(a);
    const same = tf.tile(images(1), [5, 1, 1, 1]) as tf.Tensor4D;
    const out = entry.op.apply(same, a, size);
    const rows = [0, 1, 2, 3, 4].map((i) => host(tf.slice(out, i, 1)).join(','));
    expect(new Set(rows).size).toBe(5);
  });

  it('translate refuses a batch that is not NHWC, naming the shape', async () => {
    const { Trainer, nn } = await import('@tikhonov/core');
    const t = new Trainer({ model: nn.dense(3), loss: 'softmaxCrossEntropy', plugins: [translate({ dx: 1 })], progress: false });
    await expect(t.fit({ x: tf.ones([4, 64]), y: tf.tensor1d([0, 1, 2, 0], 'int32'), size: 4 }, { epochs: 1 })).rejects.toThrow(/translate needs images \[batch, height, width, channels\] \(rank 4, NHWC\); got shape \[4, 64\]/);
    t.dispose();
  });
});

describe('boxes', () => {
  it('cutmix: the box covers exactly 1 − λ of each image, λ corrected to the clipped box (checked on the mask)', () => {
    const rng = new HostRandom(3);
    const lam = Float32Array.from({ length: 64 }, () => betaDraw(1, 1, rng));
    const { boxes, lam: kept } = cutmixBoxes(lam, 8, 8, rng);
    const fractions = host(tf.mean(boxMask(boxes, 64, 8, 8), [1, 2, 3]));
    fractions.forEach((f, i) => expect(f).toBeCloseTo(1 - kept[i]!, 6));
    // the correction is small: the clipped box is at most the requested one
    kept.forEach((k, i) => expect(k).toBeGreaterThanOrEqual(lam[i]! - 1e-6));
  });

  it('random erasing: each box has an area fraction in `scale`, up to the rounding of its sides', () => {
    const entry = entryOf(randomErasing({ p: 1, scale: [0.1, 0.3], ratio: [0.5, 2] }), 'test');
    const boxes = entry.op.draw(200, new HostRandom(4), { height: 32, width: 32, channels: 1 }) as Int32Array;
    for (let i = 0; i < 200; i++) {
      const area = (boxes[i * 4 + 2]! * boxes[i * 4 + 3]!) / 1024;
      if (area === 0) continue;
      expect(area).toBeGreaterThan(0.1 * 0.75);
      expect(area).toBeLessThan(0.3 * 1.3);
    }
  });
});

describe('Beta(α, α) draws', () => {
  for (const alpha of [0.2, 1, 4]) {
    it(`α = ${alpha}: sample mean 1/2 and variance 1/(4(2α + 1)) within 4 standard errors`, () => {
      const rng = new HostRandom(11);
      const n = 20_000;
      const v = Float64Array.from({ length: n }, () => betaDraw(alpha, alpha, rng));
      const mean = v.reduce((a, b) => a + b) / n;
      const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
      const trueVar = 1 / (4 * (2 * alpha + 1));
      // the fourth central moment of Beta(α, α) is 3/(16(2α+1)(2α+3)); it sets the variance's standard error
      const mu4 = 3 / (16 * (2 * alpha + 1) * (2 * alpha + 3));
      expect(Math.abs(mean - 0.5)).toBeLessThan(4 * Math.sqrt(trueVar / n));
      expect(Math.abs(variance - trueVar)).toBeLessThan(4 * Math.sqrt((mu4 - trueVar ** 2) / n));
    });
  }
});
