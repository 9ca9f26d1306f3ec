// The addon's entry points are reachable by anyone through loadAddon(): any
// arguments must come back as a JavaScript error, never as a crash or a
// read or write outside the arrays given. Size products are checked in double
// (a wrapped int64 product once passed the length check and segfaulted).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadAddon, type NativeAddon } from '@tikhonov/backend-native';
import { unavailable } from './available.js';

describe.skipIf(unavailable !== undefined)('addon entry points under bad input', () => {
  const addon = () => loadAddon() as NativeAddon & Record<string, (...args: unknown[]) => unknown>;

  it('gemmBatched: batch·m·n beyond 2^53 (batch = 2^22, m = n = 2^21 wrapped to 0 in int64) is a RangeError, not a segfault', () => {
    const tiny = new Float32Array(4);
    // a and b as large as one m×k and k×n matrix (broadcast over the batch: stride 0), so their length checks pass
    const column = new Float32Array(2 ** 21);
    expect(() => addon().gemmBatched(column, column, new Float32Array(0), 2 ** 22, 2 ** 21, 2 ** 21, 1, false, false, 0, 0)).toThrow(/batch·m·n is .*too large/);
    expect(() => addon().gemmBatched(tiny, tiny, tiny, 2 ** 30, 1, 1, 1, false, false, 2 ** 40, 0)).toThrow(/\(batch − 1\)·aStride is .*too large/);
    expect(() => addon().transform(tiny, 2 ** 30, 2 ** 30, 2 ** 30, 2 ** 30, new Float32Array(8), false, 0, 0, 0, tiny)).toThrow(/batch·height·width·channels is .*too large/);
    expect(() => addon().reverseAxis(tiny, 2 ** 30, 2 ** 30, 2 ** 30, tiny)).toThrow(/outer·length·inner is .*too large/);
  });

  it('a bounded fast-check run over every entry point with random arguments: each call returns or throws an Error', () => {
    // setThreads, setZiggurat, setDnnl, setDnnlGemm and setDnnlWinograd change process-wide state (the thread count, the normal tables, the convolution and product paths) and are left out
    const names = ['gemmBatched', 'binary', 'lerp', 'adam', 'momentum', 'sgd', 'maxNormColumns', 'unary', 'gatherRows', 'transform', 'reverseAxis', 'select', 'castFloats', 'biasActivation', 'reluBiasGrad', 'reduceAxis', 'softmaxRows', 'softmaxCrossEntropyRows', 'argMaxRows', 'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'maxPool', 'maxPoolGrad', 'avgPool', 'avgPoolGrad', 'randomFill', 'poolFailureProbe', 'getThreads', 'config', 'gemmLibrary'];
    // every other export is in the list, so a new entry point cannot be left out of the run
    expect(Object.keys(addon()).filter((n) => !['setThreads', 'setZiggurat', 'setDnnl', 'setDnnlGemm', 'setDnnlWinograd'].includes(n)).sort()).toEqual([...names].sort());
    const length = fc.integer({ min: 0, max: 48 });
    const array = fc.oneof(
      length.map((n) => new Float32Array(n).map((_, i) => Math.sin(i) * 3)),
      length.map((n) => Int32Array.from({ length: n }, (_, i) => (i * 7) % 11 - 2)),
      length.map((n) => new Uint8Array(n)),
      length.map((n) => new Float64Array(n)),
      length.map((n) => new Uint32Array(n)),
    );
    const number = fc.oneof(fc.integer({ min: -2, max: 40 }), fc.constantFrom(0, 1, 2, 3, 0.5, -1, NaN, Infinity, 2 ** 31, 2 ** 31 - 1, 2 ** 40, 2 ** 53 + 2));
    const dims = ['batch', 'inHeight', 'inWidth', 'inChannels', 'outHeight', 'outWidth', 'outChannels', 'filterHeight', 'filterWidth', 'strideHeight', 'strideWidth', 'dilationHeight', 'dilationWidth', 'padTop', 'padLeft'];
    const geometry = fc.record(Object.fromEntries(dims.map((d) => [d, fc.oneof(fc.integer({ min: 0, max: 4 }), number)])));
    const argument = fc.oneof(array, array, number, number, fc.boolean(), geometry, fc.constantFrom(undefined, null, 'x', {}));
    let calls = 0;
    let errors = 0;
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.array(argument, { maxLength: 12 }), (name, args) => {
        calls++;
        try {
          addon()[name]!(...args);
        } catch (error) {
          errors++;
          expect(error).toBeInstanceOf(Error);
        }
      }),
      { numRuns: 3000, seed: 20261202 },
    );
    console.log(`addon fuzz: ${calls} calls, ${errors} refused with an Error, the rest ran; no crash`);
    expect(errors).toBeGreaterThan(0);
  });
});
