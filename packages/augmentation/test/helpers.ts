import * as tf from '@tensorflow/tfjs-core';
import { nn, Order, RandomStream, type Dataset, type Plugin } from '@tikhonov/core';

export const host = (t: tf.Tensor) => Array.from(t.dataSync());

/** Seeded images in [0, 1]: n × h × w × c. */
export function images(n: number, h = 8, w = 8, c = 1, seed = 1): tf.Tensor4D {
  return tf.tidy(() => new RandomStream(['images', seed]).uniform([n, h, w, c], 0, 1)) as tf.Tensor4D;
}

/** A plugin that records every batch the step trains on, after the augmentation tier. */
export function batchTap(store: Array<{ x: number[]; y: number[]; shape: number[] }>): Plugin {
  return {
    name: 'batchTap',
    apiVersion: 2,
    order: Order.adversarial + 1,
    transformBatch: (b) => (store.push({ x: host(b.x), y: host(b.y as tf.Tensor), shape: b.x.shape }), b),
  };
}

/** A small image classifier: flatten → dense(k). */
export const tinyImageModel = (k = 3) => nn.sequential([nn.flatten(), nn.dense(k)]);

/** Seeded 8×8×1 images with 3 classes, as a data set. */
export function imageData(n = 48, seed = 2): Dataset {
  return tf.tidy(() => ({ x: images(n, 8, 8, 1, seed), y: tf.tensor1d(Array.from({ length: n }, (_, i) => i % 3), 'int32'), size: n })) as unknown as Dataset;
}
