import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset.js';
import { PluginError } from '../errors.js';
import type { Plugin } from '../plugin.js';
import { modesOf } from '../plugin-registry.js';
import type { Trainer } from '../trainer.js';

/** Thrown by the conformance kit when a check fails. */
export class CheckFailure extends Error {
  override name = 'CheckPluginFailure';
}

/** Fails a check, naming the plugin. */
export function fail(plugin: string, what: string): never {
  throw new CheckFailure(`checkPlugin('${plugin}'): ${what}`);
}

/** Builds a trainer around a plugin list (the kit's model, data, loss and seed). */
export type MakeTrainer = (plugins: Plugin[]) => Trainer;

/** Fits a number of steps more (validation on the same data, so wrapPredict runs too). */
export type FitSteps = (trainer: Trainer, steps: number) => Promise<unknown>;

const values = (out: tf.Tensor | Record<string, tf.Tensor>): number[] => {
  const list = out instanceof tf.Tensor ? [out] : Object.values(out);
  const flat = list.flatMap((t) => Array.from(t.dataSync()));
  tf.dispose(list);
  return flat;
};

/**
 * Declared modes are honoured, for plugins without `wrapPredict` (which may
 * sample on purpose: Monte Carlo inference, test-time augmentation): their
 * `'infer'` forward hooks are deterministic (two predictions equal), and a
 * mode they are not declared for gives exactly the bare model's predictions.
 */
export function checkModes(name: string, trained: Trainer, bare: Trainer, data: Dataset): void {
  const plugin = trained.plugins.find((p) => p.name === name)!;
  bare.build(trained.model.inputShape);
  for (const p of bare.model.params) p.variable.assign(trained.params.get(p.name).variable);
  if (plugin.wrapPredict) return;
  const first = values(trained.predict(data.x));
  const again = values(trained.predict(data.x));
  if (first.some((v, i) => v !== again[i])) fail(name, "inference ('infer') is not deterministic: two predictions of the same input differ (draw randomness only in 'train' and 'sample')");
  for (const mode of ['infer', 'sample'] as const) {
    if (modesOf(plugin).includes(mode)) continue;
    const ours = values(trained.predict(data.x, { sample: mode === 'sample' }));
    const plain = values(bare.predict(data.x, { sample: mode === 'sample' }));
    const at = ours.findIndex((v, i) => v !== plain[i]);
    if (at >= 0) fail(name, `changes predictions in mode '${mode}' (index ${at}: ${ours[at]} vs ${plain[at]}) although its modes are [${modesOf(plugin).join(', ')}] and it has no wrapPredict`);
  }
}

/** A plugin that runs a nested forward in its penalty, as the Jacobian penalty and adversarial training do. */
export function nestedForwardProbe(): Plugin {
  return {
    name: 'checkPlugin.nestedForward',
    apiVersion: 2,
    penalty(ctx) {
      const out = ctx.forward(ctx.batch!.x, { tag: 'checkPlugin' });
      const t = out instanceof tf.Tensor ? out : Object.values(out)[0]!;
      return tf.mul(1e-2, tf.mean(tf.square(t))) as tf.Scalar;
    },
  };
}

/**
 * Nested-forward safety: with a plugin that runs a nested forward in its
 * penalty, the losses and params are identical whichever of the two comes
 * first in the list, and no tensor is left behind.
 */
export async function checkNestedForward(name: string, factory: () => Plugin, make: MakeTrainer, fitSteps: FitSteps, steps: number): Promise<void> {
  const runs: Array<{ losses: number[]; params: number[] }> = [];
  for (const order of ['plugin first', 'probe first']) {
    const plugins = order === 'plugin first' ? [factory(), nestedForwardProbe()] : [nestedForwardProbe(), factory()];
    const trainer = make(plugins);
    let before = 0;
    let after = 0;
    try {
      await fitSteps(trainer, steps);
      before = tf.memory().numTensors;
      await fitSteps(trainer, steps);
      after = tf.memory().numTensors;
    } catch (error) {
      trainer.dispose();
      fail(name, `is not safe next to a nested forward (${order}): the fit failed: ${(error as Error).message}`);
    }
    if (after !== before) fail(name, `leaks tensors next to a nested forward (${order}): ${before} before and ${after} after ${steps} more steps`);
    runs.push({ losses: trainer.history.logs.map((r) => r.loss!), params: trainer.model.params.flatMap((p) => Array.from(p.variable.dataSync())) });
    trainer.dispose();
  }
  const [a, b] = runs as [(typeof runs)[0], (typeof runs)[0]];
  // the penalties are summed in list order, so float rounding may differ in the last bits; a
  // plugin that counts nested passes or reads another pass's tensors differs by far more
  const close = (x: number, y: number) => Math.abs(x - y) <= 1e-5 * (1 + Math.abs(x));
  const lossAt = a.losses.findIndex((v, i) => !close(v, b.losses[i]!));
  if (lossAt >= 0) fail(name, `is not safe next to a nested forward: the logged loss at log point ${lossAt} is ${a.losses[lossAt]} with the plugin listed first and ${b.losses[lossAt]} with the nested-forward plugin first`);
  if (a.params.some((v, i) => !close(v, b.params[i]!))) fail(name, 'is not safe next to a nested forward: the params differ with the list order');
}

/** `dispose` frees what the plugin held: after `trainer.dispose()` the tensor count is back where it was. */
export async function checkDispose(name: string, factory: () => Plugin, make: MakeTrainer, fitSteps: FitSteps, steps: number): Promise<void> {
  const before = tf.memory().numTensors;
  const trainer = make([factory()]);
  await fitSteps(trainer, steps);
  try {
    trainer.dispose();
  } catch (error) {
    if (error instanceof PluginError) fail(name, `dispose threw: ${error.message}`);
    throw error;
  }
  const after = tf.memory().numTensors;
  if (after !== before) fail(name, `holds ${after - before} tensor(s) after trainer.dispose(); free them in the plugin's dispose hook`);
}
