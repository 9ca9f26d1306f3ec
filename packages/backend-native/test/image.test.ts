import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { RandomStream } from '@tikhonov/core';
import { useNativeBackend } from '@tikhonov/backend-native';
import { unavailable } from './available.js';

const host = (t: tf.Tensor) => Array.from(t.dataSync());

describe.skipIf(unavailable !== undefined)('image kernels against tfjs-cpu', () => {
  it('Transform: every image of a batch as tfjs-cpu computes that image alone (its kernel stops after the first), all fills and interpolations', async () => {
    await tf.setBackend('cpu');
    const x = new RandomStream(['transform']).uniform([5, 7, 9, 2]);
    const r = new RandomStream(['rows']);
    // random affine rows near the identity, and one projective row
    const rows = tf.add(tf.tensor2d([1, 0, 0, 0, 1, 0, 0, 0], [1, 8]), tf.mul(r.uniform([5, 8], -0.4, 0.4), tf.tensor2d([1, 1, 6, 1, 1, 6, 0.02, 0.02], [1, 8])));
    for (const fill of ['constant', 'reflect', 'wrap', 'nearest'] as const) {
      for (const interpolation of ['bilinear', 'nearest'] as const) {
        await tf.setBackend('cpu');
        const expected = [0, 1, 2, 3, 4].flatMap((i) => host(tf.image.transform(tf.slice(x, i, 1) as tf.Tensor4D, tf.slice(rows, i, 1) as tf.Tensor2D, interpolation, fill, 0.3)));
        await useNativeBackend();
        const got = host(tf.image.transform(x as tf.Tensor4D, rows as tf.Tensor2D, interpolation, fill, 0.3));
        got.forEach((v, j) => expect(v).toBeCloseTo(expected[j]!, 5));
      }
    }
  });

  it('Reverse along each axis equals tfjs-cpu', async () => {
    await tf.setBackend('cpu');
    const x = new RandomStream(['reverse']).uniform([3, 4, 5, 2]);
    const expected = [0, 1, 2, 3].map((axis) => host(tf.reverse(x, axis)));
    await useNativeBackend();
    [0, 1, 2, 3].forEach((axis) => expect(host(tf.reverse(x, axis))).toEqual(expected[axis]));
  });
});
