import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { hostRandomFill, RandomStream } from '@tikhonov/core';
import { loadAddon, useNativeBackend } from '@tikhonov/backend-native';
import { unavailable } from './available.js';

/** Index of the first difference of two arrays (bit for bit: NaN equals NaN, 0 differs from −0), or −1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return ua.length === ub.length ? -1 : ua.length;
}

describe.skipIf(unavailable !== undefined)('native random numbers are core’s, bit for bit', () => {
  it('uniform, normal and bernoulli over a million draws each, for several seeds', async () => {
    await useNativeBackend();
    const addon = loadAddon();
    const n = 1_000_000;
    for (const seed of [0, 1, 123456789, 2 ** 32 - 1]) {
      const cases: Array<[string, (out: Float32Array) => void, (out: Float32Array) => void]> = [
        ['uniform(-2, 3)', (o) => hostRandomFill.uniform(o, seed, -2, 3), (o) => addon.randomFill(0, o, seed, -2, 3)],
        ['normal(0.5, 2)', (o) => hostRandomFill.normal(o, seed, 0.5, 2), (o) => addon.randomFill(1, o, seed, 0.5, 2)],
        ['bernoulli(0.8)', (o) => hostRandomFill.bernoulli(o, seed, 0.8), (o) => addon.randomFill(2, o, seed, 0.8, 0)],
        // keep probabilities at and beyond the ends, and one that is not a multiple of 2⁻²⁴
        ['bernoulli(0)', (o) => hostRandomFill.bernoulli(o, seed, 0), (o) => addon.randomFill(2, o, seed, 0, 0)],
        ['bernoulli(1)', (o) => hostRandomFill.bernoulli(o, seed, 1), (o) => addon.randomFill(2, o, seed, 1, 0)],
        ['bernoulli(NaN)', (o) => hostRandomFill.bernoulli(o, seed, NaN), (o) => addon.randomFill(2, o, seed, NaN, 0)],
        ['bernoulli(1/3)', (o) => hostRandomFill.bernoulli(o, seed, 1 / 3), (o) => addon.randomFill(2, o, seed, 1 / 3, 0)],
      ];
      for (const [name, js, native] of cases) {
        const want = new Float32Array(n);
        const got = new Float32Array(n);
        js(want);
        native(got);
        expect(firstDifference(got, want), `${name}, seed ${seed}`).toBe(-1);
      }
    }
    // the draws reach the Ziggurat's tail (|z| > R = 3.44) and wedges, not only its fast path
    const z = new Float32Array(n);
    addon.randomFill(1, z, 7, 0, 1);
    expect(z.filter((v) => Math.abs(v) > 3.442619855899).length).toBeGreaterThan(200);
  });

  it('a RandomStream draws through the addon on native, and the same tensors as on cpu', async () => {
    const draw = () => {
      const stream = new RandomStream([42, 'plugin', 'dropout', 3]);
      return [stream.uniform([300, 7], -1, 1), stream.normal([50, 40], 0, 0.1), stream.bernoulli([128, 256], 0.5)].map((t) => {
        const values = t.dataSync() as Float32Array;
        t.dispose();
        return values;
      });
    };
    // count the addon's fills (the registered fill calls this very object's method)
    const addon = loadAddon();
    const original = addon.randomFill;
    const kinds: number[] = [];
    addon.randomFill = (kind, ...rest) => {
      kinds.push(kind);
      return original.call(addon, kind, ...rest);
    };
    try {
      await tf.setBackend('cpu');
      const onCpu = draw();
      expect(kinds).toEqual([]); // cpu: core's JavaScript generator
      await useNativeBackend();
      const onNative = draw();
      expect(kinds).toEqual([0, 1, 2]); // native: uniform, normal, Bernoulli from the addon
      onNative.forEach((values, i) => expect(firstDifference(values, onCpu[i]!)).toBe(-1));
    } finally {
      addon.randomFill = original;
    }
  });

  it('rejects a bad seed, an unknown kind and a wrong array type', () => {
    const addon = loadAddon();
    const out = new Float32Array(4);
    expect(() => addon.randomFill(0, out, -1, 0, 1)).toThrow(/seed must be an integer in \[0, 2\^32\), got -1/);
    expect(() => addon.randomFill(0, out, 0.5, 0, 1)).toThrow(/seed must be an integer/);
    expect(() => addon.randomFill(0, out, 2 ** 32, 0, 1)).toThrow(/seed must be an integer/);
    expect(() => addon.randomFill(3, out, 1, 0, 1)).toThrow(/unknown kind 3/);
    expect(() => addon.randomFill(0, new Float64Array(4) as never, 1, 0, 1)).toThrow(/out must be a Float32Array/);
    expect(() => addon.setZiggurat(new Uint32Array(127), new Float64Array(128), new Float64Array(128), 3)).toThrow(/128 values/);
  });
});
