// Exp, Log, Sigmoid, Tanh and Softplus, computed in double by the addon's
// vectorizable e^x and ln x (src/addon/exp.h, log.h) and rounded once to
// float, against the same functions in JavaScript's double-precision Math
// rounded by Math.fround: what tfjs-cpu's kernels compute (Math.exp,
// Math.log, 1 / (1 + Math.exp(−x)), Math.tanh, and softplus's formula below).
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { HostRandom } from '@tikhonov/core';
import { loadAddon, useNativeBackend } from '@tikhonov/backend-native';
import { unavailable } from './available.js';

/** tfjs-cpu's softplus, written out: its cut-offs at ±(ln 2^−23 + 2), e^x below, x above, ln(1 + e^x) between. */
function softplus(v: number): number {
  const threshold = Math.log(2 ** -23) + 2;
  if (v < threshold) return Math.exp(v);
  if (v > -threshold) return v;
  return Math.log(1 + Math.exp(v));
}

const references: Array<[string, (x: tf.Tensor) => tf.Tensor, (v: number) => number]> = [
  ['exp', tf.exp, Math.exp],
  ['log', tf.log, Math.log],
  ['sigmoid', tf.sigmoid, (v) => 1 / (1 + Math.exp(-v))],
  ['tanh', tf.tanh, Math.tanh],
  ['softplus', tf.softplus, softplus],
];

/** 200 000 inputs: the float range where e^x goes from 0 to +inf and beyond, small magnitudes down to 2^−40, positive floats from 2^−149 to 2^128, and the edges. */
function inputs(): Float32Array {
  const r = new HostRandom(2026);
  const x = new Float32Array(200_000);
  for (let i = 0; i < x.length; i++) {
    if (i % 4 === 0) x[i] = (r.uniform() - 0.5) * 2 ** -(r.uniform() * 40);
    // positive floats of every exponent, subnormals included, for ln x
    else if (i % 4 === 1) x[i] = 2 ** (r.uniform() * 277 - 149);
    else x[i] = r.uniform() * 200 - 105;
  }
  // overflow and underflow of float e^x (88.72, −103.97), the tanh series' switch (2^−12), softplus's cut-offs
  // (±13.9423852: the floats either side), ln's halving of mantissas above √2 (the floats either side of √2 and of
  // √2/2, 1 and its neighbours), zeros, infinities, NaN, the smallest subnormal, the largest floats
  const edges = [0, -0, 2 ** -12, -(2 ** -12), 2 ** -12 * 1.0001, 88.72, 88.73, 89, -87.3, -103.97, -104, -105, -200, 20, -20, 13.942384719848633, 13.942385673522949, -13.942384719848633, -13.942385673522949,
    1.4142134189605713, 1.4142135381698608, 1.4142136573791504, 0.7071067094802856, 0.7071067690849304, 0.7071068286895752, 1, 0.99999994, 1.0000001, 1e-45, -1e-45, 3e38, -3e38, Infinity, -Infinity, NaN];
  edges.forEach((v, i) => (x[i * 997] = v));
  return x;
}

describe.skipIf(unavailable !== undefined)('exp, log, sigmoid, tanh and softplus on native', () => {
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
    expect(run(tf.log, [1, 0, -0, Infinity, -1, -Infinity, NaN, 1e-45])).toEqual([0, -Infinity, -Infinity, Infinity, NaN, NaN, NaN, Math.fround(Math.log(Math.fround(1e-45)))]);
    expect(run(tf.softplus, [0, 200, -200, Infinity, -Infinity, NaN])).toEqual([Math.fround(Math.LN2), 200, 0, Infinity, 0, NaN]);
  });
});
