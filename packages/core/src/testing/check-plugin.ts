import * as tf from '@tensorflow/tfjs-core';
import { fromTensors, type Dataset } from '../data/dataset.js';
import { PluginError } from '../errors.js';
import type { LossSpec } from '../losses.js';
import { dense, sequential } from '../nn/index.js';
import type { Module } from '../nn/module.js';
import type { OptimizerSpec } from '../optimizers.js';
import { HOOKS, type HookName, type Plugin } from '../plugin.js';
import { registerPlugins } from '../plugin-registry.js';
import { RandomStream } from '../random.js';
import { Trainer } from '../trainer.js';
import { CheckFailure, checkDispose, checkModes, checkNestedForward, fail } from './contract-checks.js';
import { packState, unpackState } from '../checkpoint-state.js';
import type { PluginState } from '../checkpoint-data.js';

/** Options of {@link checkPlugin}; the defaults fit a small MLP classifier. */
export interface CheckPluginOptions {
  /** Builds the model (called once per trainer). Default: dense(16, relu) → dense(3). */
  model?: () => Module;
  /** Builds the training data. Default: 96 seeded examples, 8 features, 3 classes. */
  data?: () => Dataset;
  loss?: LossSpec;
  optimizer?: OptimizerSpec;
  /** Steps of the short fit. Default 24. */
  steps?: number;
  batchSize?: number;
  seed?: number;
}

/** What {@link checkPlugin} verified. */
export interface CheckPluginReport {
  name: string;
  hooks: HookName[];
  finalLoss: number;
  tensorsPerStep: number;
  deterministic: true;
  stateRoundTrip: boolean;
  attributedHooks: HookName[];
}

/** Hooks a fit with validation reaches, so a throwing copy must surface as PluginError. */
const REACHED: HookName[] = ['beforeFit', 'beforeEpoch', 'transformBatch', 'variables', 'transformParam', 'transformDense', 'transformActivation', 'penalty', 'transformGradients', 'afterStep', 'beforeEvaluate', 'afterEvaluate', 'afterEpoch', 'afterFit', 'wrapPredict'];

function defaultData(): Dataset {
  return tf.tidy(() => {
    const random = new RandomStream(['checkPlugin', 'data']);
    const centers = random.normal([3, 8], 0, 2);
    const labels = tf.tensor1d(Array.from({ length: 96 }, (_, i) => i % 3), 'int32');
    const x = tf.add(tf.gather(centers, labels), random.normal([96, 8], 0, 1));
    return fromTensors(x, labels) as unknown as tf.TensorContainer;
  }) as unknown as Dataset;
}

/**
 * The conformance kit for plugin authors: run it in your own tests with a
 * factory that returns a fresh plugin each call. It checks that the plugin
 * registers under contract v2, trains a small model for N steps with a finite
 * loss (writing params only through the attributed path: a direct assign in
 * a hook fails there), leaks no tensor (numTensors flat from N to 2N steps),
 * is deterministic under a seed (bit-identical params), round-trips its state
 * through JSON, honours its declared modes (inference deterministic; modes
 * it is not declared for untouched), frees what it holds in `dispose`, gives
 * the same numbers whichever side of a nested-forward plugin it is listed on,
 * and that an error thrown in each hook it implements surfaces as a
 * PluginError naming it and the hook. Throws on the first failed check;
 * returns a report.
 */
export async function checkPlugin(factory: () => Plugin, options: CheckPluginOptions = {}): Promise<CheckPluginReport> {
  const probe = factory();
  const [registered] = registerPlugins([probe]);
  const name = registered!.name;
  const hooks = HOOKS.filter((h) => typeof probe[h] === 'function');
  const steps = options.steps ?? 24;
  const batchSize = options.batchSize ?? 16;
  const data = options.data ? options.data() : defaultData();
  const perEpoch = Math.ceil(data.size / batchSize);
  const epochsFor = (n: number) => Math.ceil(n / perEpoch);
  const makeTrainer = (plugins: Plugin[]) =>
    new Trainer({
      model: options.model ? options.model() : sequential([dense(16, { activation: 'relu' }), dense(3)]),
      loss: options.loss ?? 'softmaxCrossEntropy',
      optimizer: options.optimizer ?? { name: 'sgd', learningRate: 0.05 },
      plugins,
      seed: options.seed ?? 3,
      logEvery: 4,
      progress: false,
    });
  const fitSteps = (trainer: Trainer, n: number) =>
    trainer.fit(data, { epochs: epochsFor(trainer.step + n), maxSteps: trainer.step + n, batchSize, validation: { data } });

  // 1. finite loss over N steps (a direct param write inside a hook fails here, as the contract's PluginContractError)
  const first = makeTrainer([probe]);
  try {
    await fitSteps(first, steps);
  } catch (error) {
    if (error instanceof CheckFailure) throw error;
    fail(name, `a short fit failed: ${(error as Error).message}`);
  }
  const losses = first.history.logs.map((r) => r.loss!);
  if (losses.length === 0) fail(name, 'no loss was logged');
  if (!losses.every(Number.isFinite)) fail(name, `loss is not finite: ${losses.join(', ')}`);

  // 2. no leak: the tensor count after N more steps is the same
  const before = tf.memory().numTensors;
  await fitSteps(first, steps);
  const after = tf.memory().numTensors;
  if (after !== before) fail(name, `leaks tensors: ${before} before and ${after} after ${steps} more steps (${((after - before) / steps).toFixed(2)} per step)`);
  const finalValues = first.model.params.map((p) => p.variable.dataSync().slice());
  first.dispose();

  // 3. determinism: a second run from a fresh plugin gives identical params
  const second = makeTrainer([factory()]);
  await fitSteps(second, steps);
  await fitSteps(second, steps);
  second.model.params.forEach((p, i) => {
    const a = finalValues[i]!;
    const b = p.variable.dataSync();
    for (let j = 0; j < a.length; j++) {
      if (a[j] !== b[j]) fail(name, `is not deterministic under a seed: param '${p.name}' differs at index ${j} (${a[j]} vs ${b[j]})`);
    }
  });

  // 4. state survives a checkpoint file's encoding (JSON, typed arrays in binary) and loadStateDict
  let stateRoundTrip = false;
  const stateful = second.plugins[0]!;
  if (stateful.stateDict) {
    if (!stateful.loadStateDict) fail(name, 'has stateDict but no loadStateDict');
    const encode = (state: unknown) => {
      const { json, binary } = packState(state);
      return { text: JSON.stringify(json), binary };
    };
    const saved = encode(stateful.stateDict());
    const json = `${saved.text} + ${Array.from(saved.binary).join(',')}`;
    const fresh = factory();
    fresh.loadStateDict!(unpackState(JSON.parse(saved.text), saved.binary, 'checkPlugin') as PluginState);
    const reloaded = encode(fresh.stateDict!());
    const again = `${reloaded.text} + ${Array.from(reloaded.binary).join(',')}`;
    if (again !== json) fail(name, `state does not round-trip: saved ${json.slice(0, 200)}, reloaded ${again.slice(0, 200)}`);
    stateRoundTrip = true;
  }

  // 5. declared modes honoured: inference deterministic, undeclared modes untouched
  const bare = makeTrainer([]);
  checkModes(name, second, bare, data);
  bare.dispose();
  second.dispose();

  // 6. dispose frees what the plugin held; 7. safe next to a nested forward
  await checkDispose(name, factory, makeTrainer, fitSteps, steps);
  await checkNestedForward(name, factory, makeTrainer, fitSteps, steps);

  // 8. errors in each implemented hook are attributed to the plugin and hook
  const attributedHooks: HookName[] = [];
  for (const hook of hooks.filter((h) => REACHED.includes(h))) {
    const plugin = factory();
    const broken = { ...plugin, [hook]: () => {
      throw new Error(`deliberate failure in ${hook}`);
    } } as Plugin;
    const trainer = makeTrainer([broken]);
    let caught: unknown;
    try {
      // a whole epoch, so epoch-end hooks, validation and wrapPredict are reached
      await trainer.fit(data, { epochs: 1, batchSize, validation: { data } });
    } catch (error) {
      caught = error;
    }
    trainer.dispose();
    if (!(caught instanceof PluginError) || caught.plugin !== name || caught.hook !== hook) {
      fail(name, `an error thrown in ${hook} surfaced as ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}, not as PluginError { plugin: '${name}', hook: '${hook}' }`);
    }
    attributedHooks.push(hook);
  }
  return { name, hooks, finalLoss: losses[losses.length - 1]!, tensorsPerStep: (after - before) / steps, deterministic: true, stateRoundTrip, attributedHooks };
}
