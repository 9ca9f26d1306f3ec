// Binary kernels under broadcasts that are not one block of axes (a spatial dropout mask [n, 1, 1, c] against
// [n, h, w, c], [a, 1, c] against [1, b, 1]): the native kernel splits them along leading axes. The values are checked
// against a broadcast computed here index by index, each op in float32 as the addon's own tests define it.
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { useNativeBackend } from '@tikhonov/backend-native';
import { slicedPattern } from '../src/kernels/elementwise.js';
import { unavailable } from './available.js';

const f = Math.fround;
const OPS: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, (x: number, y: number) => number]> = [
  ['add', tf.add, (x, y) => f(x + y)],
  ['sub', tf.sub, (x, y) => f(x - y)],
  ['mul', tf.mul, (x, y) => f(x * y)],
  ['div', tf.div, (x, y) => f(x / y)],
  ['maximum', tf.maximum, (x, y) => (x > y || Number.isNaN(x) ? x : y)],
  ['greater', tf.greater, (x, y) => (x > y ? 1 : 0)],
];

/** out[i] = op(a[at(i)], b[bt(i)]) with numpy's broadcasting, from the multi-index of each output value. */
function broadcastByHand(a: Float32Array, as: number[], b: Float32Array, bs: number[], out: number[], op: (x: number, y: number) => number): number[] {
  const pad = (s: number[]) => [...Array(out.length - s.length).fill(1), ...s];
  const [pa, pb] = [pad(as), pad(bs)];
  const flat = (idx: number[], shape: number[]) => idx.reduce((acc, v, d) => acc * shape[d]! + (shape[d] === 1 ? 0 : v), 0);
  const values: number[] = [];
  const size = out.reduce((x, y) => x * y, 1);
  for (let i = 0; i < size; i++) {
    const idx: number[] = [];
    for (let d = out.length - 1, r = i; d >= 0; d--) {
      idx.unshift(r % out[d]!);
      r = Math.floor(r / out[d]!);
    }
    values.push(op(a[flat(idx, pa)]!, b[flat(idx, pb)]!));
  }
  return values;
}

describe.skipIf(unavailable !== undefined)('binary kernels under broadcasts of several blocks', () => {
  it('a spatial dropout mask [n, 1, 1, c] against [n, h, w, c] is n native products of [1, 1, c] against [h, w, c]', () => {
    expect(slicedPattern([64, 1, 1, 16], [64, 28, 28, 16], [64, 28, 28, 16])).toMatchObject({ prefix: 1, pa: { length: 16, repeat: 1 }, pb: { length: 28 * 28 * 16, repeat: 1 } });
    // sub-problems under 8 values stay with tfjs-cpu
    expect(slicedPattern([4, 1, 2], [1, 3, 1], [4, 3, 2])).toBeUndefined();
  });

  it('random shapes of rank 2–5 with random broadcast axes, six ops: each value as broadcast by hand', async () => {
    await useNativeBackend();
    const cases = fc.sample(
      fc.integer({ min: 2, max: 5 }).chain((rank) =>
        fc.record({
          out: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: rank, maxLength: rank }),
          aOnes: fc.array(fc.boolean(), { minLength: rank, maxLength: rank }),
          bOnes: fc.array(fc.boolean(), { minLength: rank, maxLength: rank }),
          aDrop: fc.integer({ min: 0, max: rank - 1 }),
          op: fc.integer({ min: 0, max: OPS.length - 1 }),
        }),
      ),
      { numRuns: 300, seed: 7 },
    );
    let sliced = 0;
    for (const c of cases) {
      const as = c.out.map((d, i) => (c.aOnes[i] ? 1 : d)).slice(c.aDrop);
      const bs = c.out.map((d, i) => (c.bOnes[i] ? 1 : d));
      const shape = tf.backend_util.assertAndGetBroadcastShape(as, bs);
      if (slicedPattern(as, bs, shape)) sliced++;
      const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
      const av = Float32Array.from({ length: size(as) }, (_, i) => (i === 3 ? NaN : Math.sin(i * 1.3) * 4));
      const bv = Float32Array.from({ length: size(bs) }, (_, i) => Math.cos(i * 0.7) * 3 + 0.1);
      const [name, op, byHand] = OPS[c.op]!;
      const got = tf.tidy(() => Array.from(op(tf.tensor(av, as), tf.tensor(bv, bs)).dataSync()));
      const expected = broadcastByHand(av, as, bv, bs, shape, byHand);
      expect(got.every((v, i) => Object.is(v, expected[i])), `${name} ${JSON.stringify(as)} · ${JSON.stringify(bs)}`).toBe(true);
    }
    // the sample must exercise the split path, not only the block patterns and tfjs-cpu
    expect(sliced).toBeGreaterThan(30);
  });
});
