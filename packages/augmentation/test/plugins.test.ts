import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { nn, Order, Trainer, type Plugin } from '@tikhonov/core';
import { checkPlugin } from '@tikhonov/core/testing';
import { labelSmoothing } from '@tikhonov/noise';
import {
  affine, augment, brightness, contrast, cutmix, flip, gamma, gaussianNoise, mixup, mixupCutmix, oneOf, randAugment, randomCrop,
  randomErasing, randomResizedCrop, rotate, scale, shear, tangentProp, testTimeAugmentation, translate, trivialAugment,
} from '@tikhonov/augmentation';
import { batchTap, host, imageData, images, tinyImageModel } from './helpers.js';

const fitOnce = async (plugins: Plugin[], data = imageData(12), batchSize = 12, seed = 0) => {
  const seen: Array<{ x: number[]; y: number[]; shape: number[] }> = [];
  const t = new Trainer({ model: tinyImageModel(), loss: 'softmaxCrossEntropy', plugins: [...plugins, batchTap(seen)], seed, logEvery: 1, progress: false });
  await t.fit(data, { epochs: 1, batchSize, shuffle: false });
  return { seen, trainer: t };
};

describe('the conformance kit', () => {
  const imageCheck = { model: () => tinyImageModel(), data: () => imageData(48), batchSize: 12 };
  const cases: Array<[string, () => Plugin]> = [
    ['translate', () => translate({ dx: 1.5 })],
    ['rotate', () => rotate({ degrees: 15, fill: 'reflect' })],
    ['scale', () => scale({ range: [0.9, 1.1], interpolation: 'nearest' })],
    ['shear', () => shear({ x: 10, y: 5 })],
    ['affine', () => affine({ degrees: 10, translate: [1, 1], scale: [0.9, 1.1], shear: 5, p: 0.7 })],
    ['flip', () => flip()],
    ['randomCrop', () => randomCrop({ padding: 2 })],
    ['randomResizedCrop', () => randomResizedCrop({ scale: [0.5, 1] })],
    ['brightness', () => brightness({ factor: 0.3 })],
    ['contrast', () => contrast({ factor: 0.3 })],
    ['gamma', () => gamma({ range: [0.8, 1.25] })],
    ['gaussianNoise', () => gaussianNoise({ stddev: 0.05 })],
    ['randomErasing', () => randomErasing()],
    ['mixup (per example)', () => mixup({ alpha: 0.4, mode: 'example' })],
    ['cutmix', () => cutmix({ alpha: 1 })],
    ['mixupCutmix', () => mixupCutmix()],
    ['augment', () => augment([flip(), rotate({ degrees: 10 })], { p: 0.5 })],
    ['oneOf', () => oneOf([translate({ dx: 1 }), randomErasing({ p: 1 })])],
    ['randAugment', () => randAugment({ n: 2, magnitude: 9 })],
    ['trivialAugment', () => trivialAugment()],
    ['flip with label safety', () => flip({ safety: { unsafeFor: { flipHorizontal: [1] } } })],
    ['testTimeAugmentation', () => testTimeAugmentation({ transforms: [flip()] })],
    ['tangentProp', () => tangentProp({ tangents: ['translateX', 'rotate'], alpha: 0.01 })],
  ];
  for (const [label, factory] of cases) it(label, async () => void (await checkPlugin(factory, imageCheck)));
});

describe('mixup and cutmix', () => {
  it('mixup: x̃ = λxᵢ + (1 − λ)xⱼ and ỹ = λyᵢ + (1 − λ)yⱼ, targets convex and summing to 1, on an odd batch', async () => {
    // 7 examples of 7 classes, each image the constant i + 1: the pixel value and the targets must tell the same λ and j
    const n = 7;
    const x = tf.mul(tf.ones([n, 4, 4, 1]), tf.reshape(tf.range(1, n + 1), [n, 1, 1, 1]));
    const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i), 'int32');
    const seen: Array<{ x: number[]; y: number[]; shape: number[] }> = [];
    const t = new Trainer({ model: tinyImageModel(n), loss: 'softmaxCrossEntropy', plugins: [mixup({ alpha: 0.4, mode: 'example' }), batchTap(seen)], progress: false });
    await t.fit({ x, y, size: n }, { epochs: 1, batchSize: n, shuffle: false });
    const out = seen[0]!;
    const lambdas: number[] = [];
    for (let i = 0; i < n; i++) {
      const row = out.y.slice(i * n, i * n + n);
      expect(row.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
      row.forEach((v) => expect(v).toBeGreaterThanOrEqual(0));
      const others = row.map((v, c) => [v, c] as const).filter(([v, c]) => c !== i && v > 0);
      expect(others.length).toBeLessThanOrEqual(1);
      const lam = row[i]!;
      const j = others.length ? others[0]![1] : i;
      const pixels = out.x.slice(i * 16, i * 16 + 16);
      for (const v of pixels) expect(v).toBeCloseTo(lam * (i + 1) + (1 - lam) * (j + 1), 5);
      lambdas.push(lam);
    }
    // per-example λ: not all the same
    expect(new Set(lambdas.map((l) => l.toFixed(6))).size).toBeGreaterThan(1);
    t.dispose();
  });

  it('cutmix: each target puts weight 1 − λ on the partner, exactly the fraction of pixels pasted from it', async () => {
    // every image a constant: its index + 1, so a pixel tells which image it came from
    const n = 9;
    const x = tf.mul(tf.ones([n, 8, 8, 1]), tf.reshape(tf.range(1, n + 1), [n, 1, 1, 1]));
    const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 3), 'int32');
    const { seen } = await fitOnce([cutmix({ alpha: 1, mode: 'example' })], { x, y, size: n }, n);
    const out = seen[0]!;
    let mixedSome = false;
    for (let i = 0; i < n; i++) {
      const pixels = out.x.slice(i * 64, i * 64 + 64);
      const foreign = pixels.filter((v) => v !== i + 1);
      const partner = foreign.length ? foreign[0]! - 1 : i;
      expect(foreign.every((v) => v === partner + 1)).toBe(true);
      const share = foreign.length / 64;
      const row = out.y.slice(i * 3, i * 3 + 3);
      const expected = [0, 0, 0];
      expected[i % 3] += 1 - share;
      expected[partner % 3] += share;
      row.forEach((v, c) => expect(v).toBeCloseTo(expected[c]!, 6));
      if (share > 0 && partner !== i) mixedSome = true;
    }
    expect(mixedSome).toBe(true);
  });

  it('label smoothing commutes with mixup: either order gives the same targets', async () => {
    const data = imageData(6);
    const a = await fitOnce([mixup({ alpha: 1, name: 'm' }), labelSmoothing({ epsilon: 0.1 })], data, 6);
    const smoothFirst: Plugin = { ...labelSmoothing({ epsilon: 0.1 }), order: Order.augmentation - 1 };
    const b = await fitOnce([mixup({ alpha: 1, name: 'm' }), smoothFirst], data, 6);
    expect(b.seen[0]!.y).toEqual(a.seen[0]!.y.map((v) => expect.closeTo(v, 6)));
  });
});

describe('label safety (seed §7.5: "b" vs "d", "6" vs "9")', () => {
  it('no example of a guarded class is ever flipped, over many batches; the guard counts what it skipped', async () => {
    const n = 30;
    // asymmetric images, so a flip is visible
    const x = images(n);
    const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 3), 'int32');
    const seen: Array<{ x: number[]; y: number[]; shape: number[] }> = [];
    const t = new Trainer({ model: tinyImageModel(), loss: 'softmaxCrossEntropy', plugins: [flip({ p: 0.5, safety: { unsafeFor: { flipHorizontal: [1, 2] } } }), batchTap(seen)], logEvery: 1, progress: false });
    await t.fit({ x, y, size: n }, { epochs: 20, batchSize: n, shuffle: false });
    const original = host(x);
    const mirrored = host(tf.reverse(x, 2));
    let flippedSafe = 0;
    let expectedGuarded = 0;
    seen.forEach((batch) => {
      for (let i = 0; i < n; i++) {
        const img = batch.x.slice(i * 64, i * 64 + 64);
        const isFlipped = img.every((v, p) => v === mirrored[i * 64 + p]);
        const isOriginal = img.every((v, p) => v === original[i * 64 + p]);
        expect(isFlipped || isOriginal).toBe(true);
        if (i % 3 !== 0) expect(isOriginal).toBe(true);
        else if (isFlipped) flippedSafe++;
      }
    });
    // class 0 is flipped about half the time; the guard's count is reported per step
    expect(flippedSafe).toBeGreaterThan(0.3 * 20 * 10);
    const guarded = t.history.logs.map((r) => r['flip.guarded']!);
    expect(guarded.every((g) => g >= 0 && g <= 20)).toBe(true);
    expectedGuarded = guarded.reduce((a, b) => a + b);
    // about half of the 20 guarded examples per step were chosen and skipped
    expect(expectedGuarded / (20 * 20)).toBeGreaterThan(0.35);
    expect(expectedGuarded / (20 * 20)).toBeLessThan(0.65);
    t.dispose();
  });

  it('a transform the task forbids is an error naming the hazard and the transform', () => {
    expect(() => flip({ safety: { forbid: ['flipHorizontal'] } })).toThrow(/forbids 'flipHorizontal', which flipHorizontal can do/);
    expect(() => rotate({ degrees: 180, safety: { forbid: ['rotate180'] } })).toThrow(/forbids 'rotate180', which rotate can do/);
    expect(() => augment([rotate({ degrees: 10 }), flip()], { safety: { forbid: ['flipHorizontal'] } })).toThrow(/forbids 'flipHorizontal'/);
    expect(() => flip({ safety: { forbid: ['flipHorizontal'], unsafeFor: { flipHorizontal: [2, 5] } } })).toThrow(/forbids 'flipHorizontal', which flipHorizontal can do \(it would change classes 2, 5\)/);
    // a small rotation is allowed where 180° is forbidden
    expect(() => rotate({ degrees: 20, safety: { forbid: ['rotate180'] } })).not.toThrow();
  });
});

describe('test-time augmentation', () => {
  it('predict is the log of the mean softmax over the original and the flipped copy, computed by hand', async () => {
    const t = new Trainer({ model: tinyImageModel(), loss: 'softmaxCrossEntropy', progress: false, seed: 4 });
    t.build([8, 8, 1]);
    const x = images(5);
    const plain = (input: tf.Tensor) => tf.softmax(nn.single(t.predict(input), 'p'));
    const expected = host(tf.log(tf.div(tf.add(plain(x), plain(tf.reverse(x, 2))), 2)));
    const tta = new Trainer({ model: tinyImageModel(), loss: 'softmaxCrossEntropy', plugins: [testTimeAugmentation({ transforms: [flip()] })], progress: false, seed: 4 });
    tta.build([8, 8, 1]);
    expect(host(nn.single(tta.predict(x), 'tta'))).toEqual(expected.map((v) => expect.closeTo(v, 5)));
    const geometric = new Trainer({ model: tinyImageModel(), loss: 'softmaxCrossEntropy', plugins: [testTimeAugmentation({ transforms: [flip()], combine: 'geometric' })], progress: false, seed: 4 });
    geometric.build([8, 8, 1]);
    const geo = host(tf.softmax(nn.single(geometric.predict(x), 'g')));
    const byHand = host(tf.softmax(tf.div(tf.add(tf.logSoftmax(nn.single(t.predict(x), 'p')), tf.logSoftmax(nn.single(t.predict(tf.reverse(x, 2)), 'p'))), 2)));
    expect(geo).toEqual(byHand.map((v) => expect.closeTo(v, 5)));
    [t, tta, geometric].forEach((m) => m.dispose());
  });

  it('training transforms never reach predict', async () => {
    const { trainer } = await fitOnce([rotate({ degrees: 30 }), flip({ p: 1 })]);
    const x = images(4);
    expect(host(nn.single(trainer.predict(x), 'a'))).toEqual(host(nn.single(trainer.predict(x), 'b')));
    const direct = host(nn.single(trainer.model.forward(x, { training: false }), 'c'));
    expect(host(nn.single(trainer.predict(x), 'a'))).toEqual(direct.map((v) => expect.closeTo(v, 6)));
    trainer.dispose();
  });
});

describe('tangent propagation (Simard et al. 1992)', () => {
  it('is 0 on a model exactly invariant to the shift (the sum of the pixels of images with a zero border)', async () => {
    const x = tf.pad(images(6, 6, 6, 1), [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const t = new Trainer({ model: nn.sequential([nn.flatten(), nn.dense(1, { useBias: false, kernelInitializer: 'ones' })]), loss: 'mse', plugins: [tangentProp({ tangents: ['translateX', 'translateY'], alpha: 1 })], logEvery: 1, progress: false, optimizer: { name: 'sgd', learningRate: 1e-9 } });
    await t.fit({ x, y: tf.zeros([6, 1]), size: 6 }, { epochs: 1, batchSize: 6 });
    const plain = new Trainer({ model: nn.sequential([nn.flatten(), nn.dense(1, { useBias: false, kernelInitializer: 'ones' })]), loss: 'mse', logEvery: 1, progress: false, optimizer: { name: 'sgd', learningRate: 1e-9 } });
    await plain.fit({ x, y: tf.zeros([6, 1]), size: 6 }, { epochs: 1, batchSize: 6 });
    expect(Math.abs(t.history.logs[0]!.loss! - plain.history.logs[0]!.loss!)).toBeLessThan(1e-6 * plain.history.logs[0]!.loss!);
  });

  it('equals α·mean Σ (wᵀt)² on a linear model, with the tangent computed on the host', async () => {
    const alpha = 0.5;
    const x = images(4, 6, 6, 1);
    const t = new Trainer({ model: nn.sequential([nn.flatten(), nn.dense(1, { useBias: false })]), loss: 'mse', plugins: [tangentProp({ tangents: ['translateX', 'rotate'], alpha })], logEvery: 1, progress: false, optimizer: { name: 'sgd', learningRate: 1e-9 }, seed: 2 });
    const plain = new Trainer({ model: nn.sequential([nn.flatten(), nn.dense(1, { useBias: false })]), loss: 'mse', logEvery: 1, progress: false, optimizer: { name: 'sgd', learningRate: 1e-9 }, seed: 2 });
    const data = { x, y: tf.zeros([4, 1]), size: 4 };
    await t.fit(data, { epochs: 1, batchSize: 4 });
    await plain.fit(data, { epochs: 1, batchSize: 4 });
    const w = host(t.params.all[0]!.variable);
    const px = host(x);
    // tangents by hand: central differences with zeros outside; u = column, v = row, centre 2.5
    const at = (i: number, r: number, c: number) => (r < 0 || r > 5 || c < 0 || c > 5 ? 0 : px[i * 36 + r * 6 + c]!);
    let sum = 0;
    for (let i = 0; i < 4; i++) {
      let dTranslate = 0;
      let dRotate = 0;
      for (let r = 0; r < 6; r++) {
        for (let c = 0; c < 6; c++) {
          const du = (at(i, r, c + 1) - at(i, r, c - 1)) / 2;
          const dv = (at(i, r + 1, c) - at(i, r - 1, c)) / 2;
          dTranslate += w[r * 6 + c]! * -du;
          dRotate += w[r * 6 + c]! * ((r - 2.5) * du - (c - 2.5) * dv);
        }
      }
      sum += dTranslate ** 2 + dRotate ** 2;
    }
    const penalty = t.history.logs[0]!.loss! - plain.history.logs[0]!.loss!;
    expect(penalty).toBeCloseTo((alpha * sum) / 4, 4);
  });
});
