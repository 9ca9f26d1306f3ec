// Core's Sum and Mean gradients (src/reduce-gradients.ts, registered over
// tfjs's): dy broadcast back over the reduced axes, divided by the reduced
// size for Mean, computed here by hand with loops over the indices.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import { HostRandom } from '@tikhonov/core';

const shape = [3, 4, 5];
const size = 60;
/** The flat index of [i, j, k] in `shape` and its reduced index in the output of a reduction over `axes`. */
function reducedIndex(flat: number, axes: number[]): number {
  const idx = [Math.floor(flat / 20), Math.floor(flat / 5) % 4, flat % 5];
  let out = 0;
  for (let a = 0; a < 3; a++) if (!axes.includes(a)) out = out * shape[a]! + idx[a]!;
  return out;
}

describe("core's Sum and Mean gradients", () => {
  it('d/dx Σ w·reduce(x) is w broadcast back over the reduced axes (÷ their size for mean), for every axis choice and keepDims', async () => {
    await tf.setBackend('cpu');
    const r = new HostRandom(5);
    const x = tf.tensor(Float32Array.from({ length: size }, () => r.uniform() - 0.5), shape);
    for (const axis of [undefined, 0, 1, 2, -1, [0, 2], [0, 1, 2]] as const) {
      const axes = axis === undefined ? [0, 1, 2] : (Array.isArray(axis) ? [...axis] : [axis]).map((a) => (a + 3) % 3);
      const outSize = shape.reduce((n, d, i) => (axes.includes(i) ? n : n * d), 1);
      const reducedSize = size / outSize;
      const w = Float32Array.from({ length: outSize }, () => r.uniform() * 2 - 1);
      for (const keepDims of [false, true]) {
        for (const [name, op] of [['sum', tf.sum], ['mean', tf.mean]] as const) {
          const grad = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.reshape(op(v, axis as number[] | undefined, keepDims), [outSize]), tf.tensor1d(w))))(x).dataSync());
          for (let i = 0; i < size; i++) {
            const wi = w[reducedIndex(i, axes)]!;
            const where = `${name} over ${JSON.stringify(axis)}, keepDims ${keepDims}, value ${i}`;
            // the sum's gradient is w itself; the mean's is w / n in float32, within one float rounding of the quotient
            if (name === 'sum') expect(grad[i], where).toBe(wi);
            else expect(Math.abs(grad[i]! - wi / reducedSize), where).toBeLessThanOrEqual(Math.abs(wi / reducedSize) * 2 ** -23);
          }
        }
      }
    }
    x.dispose();
  });

  it('are the ones registered: a float32 gradient broadcasts against OnesLike, and tensors do not leak', async () => {
    await tf.setBackend('cpu');
    const x = tf.randomNormal([40, 30]);
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => tf.tidy(() => tf.grad((v: tf.Tensor) => tf.add(tf.sum(tf.abs(v)), tf.mean(tf.square(v))))(x)));
    expect(profile.kernels.filter((k) => k.name === 'OnesLike')).toHaveLength(2);
    expect(tf.memory().numTensors).toBe(before + 1); // the gradient the tidy returned
    tf.dispose([x, profile.result as tf.Tensor]);
  });
});
