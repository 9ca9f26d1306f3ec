// Small fixtures shared by core's tests.
import * as tf from '@tensorflow/tfjs-core';
import { dataset, nn, type Dataset, type Plugin } from '@tikhonov/core';

/** 3-class Gaussian blobs, seeded. */
export function blobs(n = 60, features = 4, seed = 1): Dataset {
  const labels = tf.tensor1d(Array.from({ length: n }, (_, i) => i % 3), 'int32');
  const x = tf.tidy(() => {
    const centers = tf.randomNormal([3, features], 0, 2, 'float32', seed);
    return tf.add(tf.gather(centers, labels), tf.randomNormal([n, features], 0, 1, 'float32', seed + 1));
  });
  return dataset.fromTensors(x, labels);
}

export const mlp = () => nn.sequential([nn.dense(8, { activation: 'relu' }), nn.dense(3)]);

/** Values of every param, copied to the host. */
export function paramValues(params: readonly { name: string; variable: tf.Variable }[]): Record<string, Float32Array> {
  return Object.fromEntries(params.map((p) => [p.name, p.variable.dataSync().slice() as Float32Array]));
}

/** A plugin recording which hooks ran, in order. */
export function recorder(name: string, log: string[], order?: number): Plugin {
  const hooks = ['beforeFit', 'beforeEpoch', 'afterEpoch', 'afterFit', 'afterEvaluate'] as const;
  const plugin: Record<string, unknown> = { name, apiVersion: 2, order };
  for (const h of hooks) plugin[h] = () => void log.push(`${name}.${h}`);
  plugin.transformBatch = (b: unknown) => (log.push(`${name}.transformBatch`), b);
  plugin.penalty = () => void log.push(`${name}.penalty`);
  plugin.afterStep = () => void log.push(`${name}.afterStep`);
  return plugin as unknown as Plugin;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
