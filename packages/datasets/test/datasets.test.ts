import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataError } from '@tikhonov/core';
import {
  gaussianBlobs,
  linearRegression,
  loadBreastCancer,
  loadDiabetes,
  loadDigits,
  loadMnistFormat,
  parseIdx,
  polynomialRegression,
  trainValidationTest,
  twoMoons,
} from '@tikhonov/datasets';

describe('embedded data sets', () => {
  it('digits: 1797 × 64 pixels scaled to [0, 1], 10 classes of about 180 each', () => {
    const { data, classes } = loadDigits();
    expect(data.x.shape).toEqual([1797, 64]);
    expect(classes).toHaveLength(10);
    const counts = new Array(10).fill(0);
    for (const c of (data.y as tf.Tensor).dataSync()) counts[c]++;
    expect(counts.every((c) => c >= 174 && c <= 183)).toBe(true);
    expect(tf.max(data.x).dataSync()[0]).toBe(1);
    // the first image of the file is a 0; its first row is 0,0,5,13,9,1,0,0
    expect(Array.from(data.x.dataSync().slice(0, 8)).map((v) => v * 16)).toEqual([0, 0, 5, 13, 9, 1, 0, 0]);
    expect(loadDigits({ imageShape: true }).data.x.shape).toEqual([1797, 8, 8, 1]);
  });

  it('breast cancer: 569 × 30, 212 malignant and 357 benign', () => {
    const { data, classes } = loadBreastCancer();
    expect(data.x.shape).toEqual([569, 30]);
    expect(classes).toEqual(['malignant', 'benign']);
    expect(tf.sum(data.y as tf.Tensor).dataSync()[0]).toBe(357);
  });

  it('diabetes: 442 × 10 with targets in [25, 346]', () => {
    const { data } = loadDiabetes();
    expect(data.x.shape).toEqual([442, 10]);
    const y = (data.y as tf.Tensor).dataSync();
    expect(Math.min(...y)).toBe(25);
    expect(Math.max(...y)).toBe(346);
  });
});

describe('synthetic tasks', () => {
  it('linear regression: least squares on the data recovers the true weights within the noise', () => {
    const task = linearRegression({ examples: 2000, features: 3, noise: 0.1, seed: 4 });
    const w = tf.tidy(() => {
      const X = task.data.x;
      const y = task.data.y as tf.Tensor;
      // normal equations, solved by Gaussian elimination on the 3×3 system
      const A = tf.matMul(X, X, true, false).arraySync() as number[][];
      const b = (tf.matMul(X, y, true, false).arraySync() as number[][]).map((r) => r[0]!);
      for (let i = 0; i < 3; i++) for (let k = i + 1; k < 3; k++) {
        const f = A[k]![i]! / A[i]![i]!;
        for (let j = i; j < 3; j++) A[k]![j]! -= f * A[i]![j]!;
        b[k]! -= f * b[i]!;
      }
      const out = [0, 0, 0];
      for (let i = 2; i >= 0; i--) out[i] = (b[i]! - A[i]!.slice(i + 1).reduce((s, a, j) => s + a * out[i + 1 + j]!, 0)) / A[i]![i]!;
      return out;
    });
    // standard error ≈ noise/√n ≈ 0.0022
    w.forEach((v, i) => expect(Math.abs(v - task.weights[i]!)).toBeLessThan(0.01));
  });

  it('polynomial regression: 12 features, y = sin(2πt) + noise, reproducible', () => {
    const a = polynomialRegression({ examples: 10, seed: 1 });
    const b = polynomialRegression({ examples: 10, seed: 1 });
    expect(a.data.x.shape).toEqual([10, 12]);
    expect(Array.from(a.data.x.dataSync())).toEqual(Array.from(b.data.x.dataSync()));
    const c = 2 * a.t[0]! - 1;
    expect(a.data.x.dataSync()[11]).toBeCloseTo(c ** 12, 5);
    const residual = (a.data.y as tf.Tensor).dataSync().map((y, i) => y - a.truth(a.t[i]!));
    expect(Math.max(...residual.map(Math.abs))).toBeLessThan(4 * 0.3);
  });

  it('blobs and moons have balanced labels and the asked shapes', () => {
    const blobs = gaussianBlobs({ examples: 90, classes: 3, features: 5, seed: 2 });
    expect(blobs.x.shape).toEqual([90, 5]);
    expect(tf.sum(blobs.y as tf.Tensor).dataSync()[0]).toBe(90);
    const moons = twoMoons({ examples: 100, seed: 3 });
    expect(tf.sum(moons.y as tf.Tensor).dataSync()[0]).toBe(50);
    expect(() => twoMoons({ examples: 0 })).toThrow("twoMoons: option 'examples' = 0 is not allowed; must be a positive integer");
  });
});

describe('IDX files', () => {
  function idx(type: number, shape: number[], values: number[], bytes: number, write: (v: DataView, at: number, x: number) => void): Uint8Array {
    const out = new Uint8Array(4 + 4 * shape.length + values.length * bytes);
    const view = new DataView(out.buffer);
    out[2] = type;
    out[3] = shape.length;
    shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
    values.forEach((v, i) => write(view, 4 + 4 * shape.length + i * bytes, v));
    return out;
  }

  it('parses uint8 and big-endian float32 arrays and rejects truncated ones', () => {
    const u8 = parseIdx(idx(0x08, [2, 3], [1, 2, 3, 4, 5, 250], 1, (v, at, x) => v.setUint8(at, x)));
    expect(u8.shape).toEqual([2, 3]);
    expect(Array.from(u8.values)).toEqual([1, 2, 3, 4, 5, 250]);
    const f32 = parseIdx(idx(0x0d, [2], [1.5, -2.25], 4, (v, at, x) => v.setFloat32(at, x, false)));
    expect(Array.from(f32.values)).toEqual([1.5, -2.25]);
    const full = idx(0x08, [4], [1, 2, 3, 4], 1, (v, at, x) => v.setUint8(at, x));
    expect(() => parseIdx(full.slice(0, full.length - 1))).toThrow(/holds 3 bytes of values but its header \[4\] needs 4/);
    expect(() => parseIdx(new Uint8Array([1, 2, 3, 4]))).toThrow(/not an IDX file/);
    // cut inside the header (rank 2 needs 12 bytes): a DataError naming the data, not DataView's RangeError
    expect(() => parseIdx(full.slice(0, 6), 'train-images.idx')).toThrow(DataError);
    expect(() => parseIdx(full.slice(0, 6), 'train-images.idx')).toThrow(/train-images\.idx ends inside its header: 6 bytes, but a rank-1 IDX header needs 8/);
  });

  it('loads an MNIST-format directory (gzip or raw) and explains how to get missing files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'idx-'));
    try {
      const images = idx(0x08, [2, 2, 2], [0, 255, 51, 102, 0, 0, 0, 255], 1, (v, at, x) => v.setUint8(at, x));
      const labels = idx(0x08, [2], [7, 3], 1, (v, at, x) => v.setUint8(at, x));
      await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(images));
      await writeFile(join(dir, 'train-labels-idx1-ubyte'), labels);
      const data = loadMnistFormat({ dir });
      expect(data.x.shape).toEqual([2, 2, 2, 1]);
      expect(Array.from(data.x.dataSync().slice(0, 4))).toEqual(Array.from(Float32Array.from([0, 255, 51, 102], (v) => v / 255)));
      expect(Array.from((data.y as tf.Tensor).dataSync())).toEqual([7, 3]);
      const first = loadMnistFormat({ dir, limit: 1 });
      expect(first.x.shape).toEqual([1, 2, 2, 1]);
      expect(Array.from(first.x.dataSync())).toEqual(Array.from(Float32Array.from([0, 255, 51, 102], (v) => v / 255)));
      expect(() => loadMnistFormat({ dir, split: 'test' })).toThrow(DataError);
      expect(() => loadMnistFormat({ dir, split: 'test' })).toThrow(/apt-get install dataset-fashion-mnist/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('splits', () => {
  it('train/validation/test with standardisation fitted on train only', () => {
    const { data } = loadBreastCancer();
    const { train, validation, test } = trainValidationTest(data, { seed: 1, standardize: true });
    expect(train.size + validation.size + test.size).toBe(569);
    const mean = tf.mean(train.x, 0).dataSync();
    mean.forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-4));
    // validation is standardised with train's statistics, so its mean is only near 0
    expect(Math.max(...tf.mean(validation.x, 0).dataSync().map(Math.abs))).toBeGreaterThan(1e-3);
  });
});
