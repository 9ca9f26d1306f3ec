// Tile (and what dispatches it: broadcastTo, tf.where of a per-image condition) on native equals tfjs-cpu's
// kernel value for value, for every dtype the native kernel takes and random shapes and repetitions.
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useNativeBackend } from '@tikhonov/backend-native';
import { unavailable } from './available.js';

type Dtype = 'float32' | 'int32' | 'bool';
const valuesFor = (dtype: Dtype, n: number, seed: number): number[] =>
  Array.from({ length: n }, (_, i) => (dtype === 'bool' ? (i * 7 + seed) % 3 === 0 ? 1 : 0 : dtype === 'int32' ? ((i * 13 + seed) % 17) - 8 : Math.sin(i * 1.7 + seed) * 5));

/** tf.tile's values on `backend`: the runs compare what two kernels computed from the same input. */
async function tiled(backend: 'cpu' | 'native', dtype: Dtype, shape: number[], reps: number[], seed: number): Promise<{ shape: number[]; values: number[] }> {
  if (backend === 'cpu') await tf.setBackend('cpu');
  else await useNativeBackend();
  return tf.tidy(() => {
    const x = tf.tensor(valuesFor(dtype, tf.util.sizeFromShape(shape), seed), shape, dtype);
    const y = tf.tile(x, reps);
    return { shape: y.shape, values: Array.from(y.dataSync()) };
  });
}

describe.skipIf(unavailable !== undefined)('Tile against tfjs-cpu', () => {
  it('random shapes of rank 1–5 and repetitions 1–3, float32, int32 and bool: the same values', async () => {
    const cases = fc.sample(
      fc.integer({ min: 1, max: 5 }).chain((rank) =>
        fc.record({
          shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: rank, maxLength: rank }),
          reps: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: rank, maxLength: rank }),
          dtype: fc.constantFrom<Dtype>('float32', 'int32', 'bool'),
          seed: fc.integer({ min: 0, max: 100 }),
        }),
      ),
      { numRuns: 120, seed: 20 },
    );
    for (const c of cases) {
      const expected = await tiled('cpu', c.dtype, c.shape, c.reps, c.seed);
      const got = await tiled('native', c.dtype, c.shape, c.reps, c.seed);
      expect(got, JSON.stringify(c)).toEqual(expected);
    }
  });

  it("the augmentation plugins' pattern: tf.where of a condition per image of a batch, and broadcastTo", async () => {
    const run = () =>
      tf.tidy(() => {
        const a = tf.tensor4d(valuesFor('float32', 6 * 5 * 4 * 2, 1), [6, 5, 4, 2]);
        const b = tf.neg(a);
        const cond = tf.tensor1d([1, 0, 0, 1, 1, 0], 'bool');
        const picked = tf.where(tf.reshape(cond, [6, 1, 1, 1]), a, b);
        const spread = tf.broadcastTo(tf.tensor3d(valuesFor('float32', 3, 2), [1, 3, 1]), [4, 3, 5]);
        return [Array.from(picked.dataSync()), Array.from(spread.dataSync())];
      });
    await tf.setBackend('cpu');
    const expected = run();
    await useNativeBackend();
    const got = run();
    expect(got).toEqual(expected);
    // and by hand: image 1 is b's (cond false), image 0 a's
    const a = valuesFor('float32', 6 * 5 * 4 * 2, 1);
    expect(got[0]!.slice(0, 40)).toEqual(Array.from(Float32Array.from(a.slice(0, 40))));
    expect(got[0]!.slice(40, 80)).toEqual(Array.from(Float32Array.from(a.slice(40, 80), (v) => -v)));
  });
});
