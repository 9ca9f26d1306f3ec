import * as tf from '@tensorflow/tfjs-core';
import { PluginError, TikhonovError, TrainingDivergedError } from '../errors.js';
import * as dataset from '../data/index.js';
import { dense, sequential } from '../nn/index.js';
import type { Plugin } from '../plugin.js';
import { Trainer } from '../trainer.js';

/** A plugin factory and one options object it accepts (the property mutates around it). */
export type FactoryCase = readonly [factory: (options: never) => Plugin, valid: Record<string, unknown> | undefined];

/** Options of {@link checkFactories}. */
export interface CheckFactoriesOptions {
  /** Cases per factory (default 60). */
  numRuns?: number;
  /** fast-check's seed (default 1): the same cases every run. */
  seed?: number;
  /**
   * Junk values to leave out for these factories: e.g. 1e6 and 2⁴⁰ where an option counts copies of the model
   * (SVGD's particles), which a fit would try to allocate rather than refuse.
   */
  exclude?: readonly unknown[];
  /**
   * Trains briefly with a plugin the factory returned; it must return or throw a Tikhonov error. Default: two
   * steps of a 4-8-3 MLP on 12 random rows (softmax cross-entropy), then every param must be finite.
   */
  fit?: (plugin: Plugin) => Promise<void>;
}

/** Anything a user might type where a number, a string or an object goes. */
const JUNK: readonly unknown[] = [0, 1, 2, -1, 0.5, 1e-3, 1e6, NaN, Infinity, -Infinity, 2 ** 40, '', 'nope', 'val.loss', 'max', true, false, null, undefined, [], {}, [0, 1], { all: true }];
/** Option names plugins commonly take, and misspellings of them. */
const KEYS: readonly string[] = ['alpha', 'c', 'k', 'rate', 'p', 'stddev', 'epsilon', 'eps', 'steps', 'patience', 'monitor', 'mode', 'select', 'name', 'hidden', 'input', 'norm', 'decay', 'every', 'alpah', 'rat', 'pateince', 'seed'];

async function defaultFit(plugin: Plugin): Promise<void> {
  const x = tf.tidy(() => tf.reshape(tf.sin(tf.range(0, 48)), [12, 4]));
  const data = dataset.fromTensors(x, tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2], 'int32'));
  const trainer = new Trainer({ model: sequential([dense(8, { activation: 'relu' }), dense(3)]), loss: 'softmaxCrossEntropy', plugins: [plugin], seed: 0, progress: false });
  try {
    await trainer.fit(data, { epochs: 1, batchSize: 6, validation: { data } });
    for (const p of trainer.params.all) {
      const values = await p.variable.data();
      if (!values.every((v) => Number.isFinite(v))) throw new Error(`param ${p.name} is not finite after a fit that did not throw`);
    }
  } finally {
    trainer.dispose();
    tf.dispose([data.x, data.y as tf.Tensor]);
  }
}

/**
 * A seeded property test over plugin factories (fast-check, loaded on call: a dev dependency of the package whose
 * tests call this): each factory gets its valid options, the valid options with one value replaced by junk, with
 * a misspelt key added, or a dictionary of junk, and must either return a plugin that then trains briefly (or
 * refuses with a Tikhonov error) or throw a Tikhonov error naming what is wrong — never a TypeError or RangeError
 * from inside, and never a silent acceptance that breaks the fit later. Throws with the failing case.
 */
export async function checkFactories(cases: Readonly<Record<string, FactoryCase>>, options: CheckFactoriesOptions = {}): Promise<void> {
  const { default: fc } = await import('fast-check');
  const junk = fc.constantFrom(...JUNK.filter((v) => !(options.exclude ?? []).some((x) => Object.is(x, v))));
  const fit = options.fit ?? defaultFit;
  for (const [name, [factory, valid]] of Object.entries(cases)) {
    // the valid options must be valid, or the cases around them test nothing
    try {
      factory(valid as never);
    } catch (error) {
      throw new Error(`${name}(${show(valid)}), the case's valid options, threw ${(error as Error).message}`);
    }
    // the factory's own options get most of the cases; the common names of other plugins' options come as extras
    const own = Object.keys(valid ?? {});
    const keys = own.length > 0 ? own : [...KEYS];
    const mutated = fc.oneof(
      fc.constant(valid),
      fc.tuple(fc.constantFrom(...keys), junk).map(([k, v]) => ({ ...valid, [k]: v })),
      fc.tuple(fc.constantFrom(...keys), junk, fc.constantFrom(...keys), junk).map(([k, v, k2, v2]) => ({ ...valid, [k]: v, [k2]: v2 })),
      fc.tuple(fc.constantFrom(...KEYS), junk).map(([k, v]) => ({ ...valid, [k]: v })),
      fc.dictionary(fc.constantFrom(...keys, ...KEYS), junk, { maxKeys: 3 }),
      junk,
    );
    await fc.assert(
      fc.asyncProperty(mutated, async (opts) => {
        let plugin: Plugin;
        try {
          plugin = factory(opts as never);
        } catch (error) {
          if (error instanceof TikhonovError) return;
          throw new Error(`${name}(${show(opts)}) threw ${(error as Error).name}: ${(error as Error).message}, not a Tikhonov error`);
        }
        if (typeof plugin !== 'object' || plugin === null || typeof plugin.name !== 'string' || plugin.apiVersion !== 2) throw new Error(`${name}(${show(opts)}) returned ${show(plugin)}, not a plugin`);
        try {
          await fit(plugin);
        } catch (error) {
          // a hook's own crash arrives wrapped in a PluginError: accepted options that break a hook are the bug sought
          const inner = error instanceof PluginError && !(error.cause instanceof TikhonovError) ? error.cause : error;
          // a diverged loss is a refusal only for a large but finite number the user did type: NaN, ∞, a string or
          // an object let through and found out only as a diverged loss was silently accepted
          if (inner instanceof TrainingDivergedError && !onlyFiniteNumbersDiffer(opts, valid)) throw new Error(`${name}(${show(opts)}) was accepted, then training diverged: ${inner.message}`);
          if (inner instanceof TikhonovError) return;
          throw new Error(`${name}(${show(opts)}) was accepted, then its fit threw ${(inner as Error).name}: ${(inner as Error).message}`);
        }
      }),
      { numRuns: options.numRuns ?? 60, seed: options.seed ?? 1 },
    );
  }
}

/** Whether every option that differs from the valid ones is a finite number (a value a user could mean). */
function onlyFiniteNumbersDiffer(opts: unknown, valid: Record<string, unknown> | undefined): boolean {
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) return opts === valid;
  return Object.entries(opts).every(([k, v]) => v === valid?.[k] || (typeof v === 'number' && Number.isFinite(v)));
}

const show = (v: unknown) => {
  try {
    return JSON.stringify(v, (_, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x)) ?? String(v);
  } catch {
    return String(v);
  }
};
