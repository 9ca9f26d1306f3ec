// Property-based tests (fast-check, seeded and bounded): whatever a user
// passes to the nn factories, the Trainer and fit, the call either works or
// throws a Tikhonov error (OptionError, ModelError, DataError, …) — never a
// TypeError or RangeError from inside, and a fit that runs leaves finite
// params. Valid sizes are kept small so that no generated fit runs long.
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nn, TikhonovError, Trainer, type Module } from '@tikhonov/core';

/** Anything a user might type where a number, a string or an object goes. */
const junk = fc.oneof(
  fc.integer({ min: -3, max: 6 }),
  fc.constantFrom(0, 0.5, -1, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 40),
  fc.constantFrom('relu', 'tanh', 'softmax', 'same', 'valid', 'adam', 'sgd', 'mse', 'nope', ''),
  fc.constantFrom(undefined, null, true, false, [], {}, [2], [0, 3]),
);
/** An options object with keys from `allowed` (and a misspelt one now and then), each set to junk. */
const optionsOf = (allowed: string[]) => fc.dictionary(fc.constantFrom(...allowed, 'activaton', 'batch_size', 'units'), junk, { maxKeys: 4 });

/** Calls f; it must return, or throw a TikhonovError. */
function worksOrRefuses<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (error) {
    if (!(error instanceof TikhonovError)) throw new Error(`not a Tikhonov error: ${(error as Error).name}: ${(error as Error).message}`);
    return undefined;
  }
}

const layerOptions = ['activation', 'useBias', 'kernelInitializer', 'name', 'strides', 'padding', 'dilation', 'momentum', 'epsilon'];
const factory = fc.oneof(
  fc.tuple(junk, optionsOf(layerOptions)).map(([u, o]) => () => nn.dense(u as number, o)),
  fc.tuple(junk, junk, optionsOf(layerOptions)).map(([f, k, o]) => () => nn.conv2d(f as number, k as number, o)),
  fc.tuple(junk, optionsOf(layerOptions)).map(([s, o]) => () => nn.maxPool2d(s as number, o)),
  fc.tuple(junk, optionsOf(layerOptions)).map(([s, o]) => () => nn.avgPool2d(s as number, o)),
  optionsOf(layerOptions).map((o) => () => nn.flatten(o)),
  optionsOf(layerOptions).map((o) => () => nn.batchNorm(o)),
  fc.tuple(junk, optionsOf(layerOptions)).map(([a, o]) => () => nn.activation(a as never, o)),
  junk.map((c) => () => nn.sequential(c as never)),
);

describe('property: bad input meets a Tikhonov error, never a raw one', () => {
  it('nn factories and building their modules on any input shape (400 seeded cases)', () => {
    fc.assert(
      fc.property(fc.array(factory, { minLength: 1, maxLength: 3 }), fc.array(fc.oneof(fc.integer({ min: 1, max: 6 }), junk), { minLength: 1, maxLength: 3 }), (makers, shape) => {
        const modules = makers.map((make) => worksOrRefuses(make)).filter((m): m is Module => m !== undefined);
        if (modules.length === 0) return;
        const t = worksOrRefuses(() => new Trainer({ model: nn.sequential([...modules, nn.flatten(), nn.dense(2)]), loss: 'mse', inputShape: shape as number[], progress: false }));
        t?.dispose();
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  it('Trainer options and fit options, each fit that runs leaving finite params (150 seeded cases)', async () => {
    const x = tf.tidy(() => tf.reshape(tf.sin(tf.range(0, 32)), [8, 4]));
    const y = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32');
    const trainerOptions = fc.record(
      {
        loss: fc.oneof(fc.constantFrom('softmaxCrossEntropy', 'mse'), junk),
        optimizer: fc.oneof(fc.constantFrom('sgd', 'adam'), fc.record({ name: fc.constantFrom('sgd', 'adam', 'rmsprop', 'nope'), learningRate: fc.oneof(fc.constantFrom(0.01, 0.1), junk) }, { requiredKeys: ['name'] }), junk),
        seed: fc.oneof(fc.integer({ min: 0, max: 9 }), junk),
        logEvery: fc.oneof(fc.integer({ min: 1, max: 4 }), junk),
        metrics: fc.oneof(fc.constantFrom(['accuracy'], ['mse'], ['top3']), junk),
        plugins: fc.oneof(fc.constant([]), junk),
        batch_size: junk,
      },
      { requiredKeys: [] },
    );
    const fitOptions = fc.record(
      {
        epochs: fc.oneof(fc.integer({ min: 1, max: 3 }), junk.filter((v) => !(typeof v === 'number' && Number.isInteger(v) && v > 3))),
        batchSize: fc.oneof(fc.integer({ min: 1, max: 8 }), junk.filter((v) => !(typeof v === 'number' && v > 8))),
        shuffle: fc.oneof(fc.boolean(), junk),
        maxSteps: fc.oneof(fc.integer({ min: 1, max: 6 }), junk.filter((v) => !(typeof v === 'number' && v > 6))),
        validationData: junk,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(trainerOptions, fitOptions, async (options, fitWith) => {
        const t = worksOrRefuses(() => new Trainer({ model: nn.sequential([nn.dense(5, { activation: 'relu' }), nn.dense(3)]), progress: false, ...(options as object) } as never));
        if (!t) return;
        try {
          await t.fit({ x, y, size: 8 }, fitWith as never);
          for (const p of t.model.params) expect(Array.from(p.variable.dataSync()).every(Number.isFinite)).toBe(true);
        } catch (error) {
          if (!(error instanceof TikhonovError)) throw new Error(`fit threw a raw ${(error as Error).name}: ${(error as Error).message}`);
        } finally {
          t.dispose();
        }
      }),
      { numRuns: 150, seed: 11 },
    );
    tf.dispose([x, y]);
  });
});
