// Exp, Sigmoid and Tanh, computed in double by the addon's vectorizable e^x
// (src/addon/exp.h) and rounded once to float, against the same functions
// in JavaScript's double-precision Math rounded by Math.fround: what
// tfjs-cpu's kernels compute (Math.exp, 1 / (1 + Math.exp(−x)), Math.tanh).
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { HostRandom } from '@tikhonov/core';
import { loadAddon, useNativeBackend } from '@tikhonov/backend-native';
import { unavailable } from './available.js';

const references: Array<[string, (x: tf.Tensor) => tf.Tensor, (v: number) => number]> = [
  ['exp', tf.exp, Math.exp],
  ['sigmoid', tf.sigmoid, (v) => 1 / (1 + Math.exp(-v))],
  ['tanh', tf.tanh, Math.tanh],
];

/** 200 000 inputs: the float range where e^x goes from 0 to +inf and beyond, small magnitudes down to 2^−40, and the edges. */
function inputs(): Float32Array {
  const r = new HostRandom(2026);
  const x = new Float32Array(200_000);
  for (let i = 0; i < x.length; i++) x[i] = i % 4 === 0 ? (r.uniform() - 0.5) * 2 ** -(r.uniform() * 40) : r.uniform() * 200 - 105;
  // overflow and underflow of float e^x (88.72, −103.97), the tanh series' switch (2^−12), zeros, infinities, NaN,
  // the smallest subnormal, the largest floats
  const edges = [0, -0, 2 ** -12, -(2 ** -12), 2 ** -12 * 1.0001, 88.72, 88.73, 89, -87.3, -103.97, -104, -105, -200, 20, -20, 1e-45, -1e-45, 3e38, -3e38, Infinity, -Infinity, NaN];
  edges.forEach((v, i) => (x[i * 997] = v));
  return x;
}

describe.skipIf(unavailable !== undefined)('exp, sigmoid and tanh on native', () => {
  it('equal Math.fround of the double-precision functions bit for bit (200 000 values, on 1 and 2 threads)', async () => {
    await useNativeBackend();
    const addon = loadAddon();
    const x = inputs();
    for (const threads of [1, 2]) {
      addon.setThreads(threads);
      for (const [name, op, ref] of references) {
        const got = tf.tidy(() => op(tf.tensor1d(x)).dataSync());
        const wrong: string[] = [];
        for (let i = 0; i < x.length; i++) {
          const want = Math.fround(ref(x[i]!));
          if (!Object.is(got[i], want)) wrong.push(`${name}(${x[i]}) = ${got[i]}, want ${want}`);
        }
        expect(wrong.slice(0, 5), `${wrong.length} of ${x.length} differ on ${threads} thread(s)`).toEqual([]);
      }
    }
    addon.setThreads(2);
  });

  it('keep the signs and limits: e^−0 = 1, tanh(−0) = −0, sigmoid and tanh saturate, NaN stays NaN', async () => {
    await useNativeBackend();
    const run = (op: (x: tf.Tensor) => tf.Tensor, values: number[]) => Array.from(tf.tidy(() => op(tf.tensor1d(values)).dataSync()));
    expect(run(tf.exp, [-0, -Infinity, Infinity, 89, -104, NaN])).toEqual([1, 0, Infinity, Infinity, 0, NaN]);
    expect(run(tf.tanh, [-0, 0, -1e-30, 50, -50, Infinity, -Infinity, NaN]).map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(['-0', 0, Math.fround(-1e-30), 1, -1, 1, -1, NaN]);
    expect(run(tf.sigmoid, [0, 200, -200, Infinity, -Infinity, NaN])).toEqual([0.5, 1, 0, 1, 0, NaN]);
  });
});
