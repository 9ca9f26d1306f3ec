import * as tf from '@tensorflow/tfjs-core';
import type { Batch, Dataset } from '../data/dataset.js';
import type { ParamInfo } from '../nn/types.js';
import type { Plugin, SiteActivation } from '../plugin.js';
import { PluginContractError } from '../errors.js';
import { dataLoss, gatherBatch } from './batches.js';
import { runForward } from './forward.js';
import type { RunState } from './run-state.js';
import { setLearningRate } from '../optimizers.js';
import { scheduledRate } from '../schedules.js';
import { gradientsOrCleanUp } from './tape.js';
import { alignSlots } from './optimizer-slots.js';

const NO_ACTIVATIONS: readonly SiteActivation[] = Object.freeze([]);
const NO_VARIABLES: ReadonlyMap<Plugin, Readonly<Record<string, tf.Variable>>> = new Map();

/**
 * One training step, all inside one tidy: transformBatch (pipe) → forward
 * under the tape (transformParam, transformActivation) → data loss + Σ
 * penalty (sum) → transformGradients (pipe) → the optimizer's update →
 * batch-norm state → afterStep by kind (sequence). The loss stays on the
 * backend until the next log point.
 */
export function trainStep(run: RunState, train: Dataset, order: tf.Tensor1D, start: number, size: number): void {
  const step = run.stepCount + 1;
  const pass = run.pass;
  pass.step = step;
  pass.epoch = run.epochCount;
  pass.mode = 'train';
  pass.streamKey = [run.seed, 'step', step];
  const hooks = run.hooks;
  const byHook = hooks.table.byHook;
  // host arithmetic only: the scheduled rate is a number, set before any hook reads ctx.learningRate
  if (run.schedule) setLearningRate(run.optimizer, scheduledRate(run.schedule, run.epochProgress));
  const record = byHook.penalty.length > 0 ? ([] as SiteActivation[]) : undefined;
  tf.tidy(() => {
    pass.batch = undefined;
    const batch: Batch = hooks.pipe(byHook.transformBatch, 'transformBatch', gatherBatch(train, tf.slice(order, start, size)), (plugin, b) =>
      plugin.transformBatch!(b, run.contextsOf(plugin).step),
    );
    pass.batch = batch;
    // no plugin owns variables in most runs: no per-step map then
    const own = byHook.variables.length === 0 ? NO_VARIABLES : pluginVariables(run);
    const stateUpdates = new Map<ParamInfo, tf.Tensor>();
    let value: tf.Scalar;
    let grads: tf.NamedTensorMap;
    try {
      ({ value, grads } = gradientsOrCleanUp(() => {
        const out = runForward(run, batch.x, { mode: 'train', tag: 'main', nested: false, record, stateUpdates });
        if (record) pass.activations = Object.freeze(record);
        const data = dataLoss(run.losses!, out, batch.y, batch.weight);
        return hooks.sum('penalty', (a: tf.Scalar, b: tf.Scalar) => tf.add(a, b) as tf.Scalar, data, (plugin) => plugin.penalty!(run.contextsOf(plugin).step));
      }, own.size === 0 ? trainableVariables(run) : [...trainableVariables(run), ...[...own.values()].flatMap((vars) => Object.values(vars))]));
    } finally {
      // the activations die with the tape's tidy: never hand them to a later hook
      pass.activations = NO_ACTIVATIONS;
    }
    const named = hooks.pipe(byHook.transformGradients, 'transformGradients', byParamName(run, grads), (plugin, g) => plugin.transformGradients!(g, run.contextsOf(plugin).step));
    const update = byVariableName(run, named);
    const names = Object.keys(update);
    // freeze/unfreeze (or a plugin) changed which variables are updated: re-key the optimizer's slots by name
    if (names.length !== run.slotOrder.length || names.some((name, i) => name !== run.slotOrder[i])) {
      alignSlots(run.optimizer, names, run.parkedSlots);
      run.slotOrder = names;
    }
    run.optimizer.applyGradients(update);
    for (const [param, next] of stateUpdates) {
      param.variable.assign(next);
      next.dispose();
    }
    for (const [plugin, vars] of own) pass.ownGradients.set(plugin, gradientsOf(vars, grads));
    try {
      hooks.sequence('afterStep', (plugin) => plugin.afterStep!(run.contextsOf(plugin).step));
    } finally {
      pass.ownGradients.clear();
    }
    // kept as is, not summed here: a running sum and a first-non-finite-step
    // flag cost ≈ 8 small kernels every step, which showed on fast backends
    // (0.5–1 ms of a 5 ms step); the log point reads them all at once
    run.pendingLosses.push(tf.keep(value));
  });
  pass.batch = undefined;
  run.stepCount = step;
}

/** Each plugin's own `variables` for this step, checked (trainable tfjs variables; none of them a model param). */
function pluginVariables(run: RunState): Map<Plugin, Readonly<Record<string, tf.Variable>>> {
  const out = new Map<Plugin, Readonly<Record<string, tf.Variable>>>();
  for (const plugin of run.hooks.enabled(run.hooks.table.byHook.variables)) {
    const v = run.hooks.call(plugin, 'variables', () => plugin.variables!());
    if (v === null || typeof v !== 'object') throw new PluginContractError(`plugin '${plugin.name}': variables() returned ${v === null ? 'null' : typeof v}; it must return a record of tf.Variable`);
    for (const [key, variable] of Object.entries(v)) {
      if (!(variable instanceof tf.Variable) || !variable.trainable) {
        const what = variable instanceof tf.Variable ? 'a non-trainable tf.Variable' : (variable as unknown) instanceof tf.Tensor ? 'a tensor, not a tf.Variable' : typeof variable;
        throw new PluginContractError(`plugin '${plugin.name}': variables() key '${key}' is ${what}; each value must be a trainable tf.Variable the plugin owns`);
      }
      if (run.model.params.some((p) => p.variable === variable)) throw new PluginContractError(`plugin '${plugin.name}': variables() key '${key}' is a model param; the trainer already differentiates those (their gradients reach transformGradients)`);
    }
    out.set(plugin, v);
  }
  return out;
}

/** A plugin's gradients (keyed like its variables) out of the tape's, keyed by tfjs variable name. */
function gradientsOf(vars: Readonly<Record<string, tf.Variable>>, grads: tf.NamedTensorMap): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [key, variable] of Object.entries(vars)) {
    const g = grads[variable.name];
    if (g) out[key] = g;
  }
  return out;
}

/** The variables the optimizer updates (frozen params left out), cached until freeze/unfreeze. */
function trainableVariables(run: RunState): tf.Variable[] {
  run.trainableCache ??= run.model.params.filter((p) => p.trainable).map((p) => p.variable);
  if (run.trainableCache.length === 0) throw new Error('every param is frozen; nothing to train (unfreeze some with trainer.unfreeze)');
  return run.trainableCache;
}

/** Gradients keyed by param name (what plugins see) from tfjs's variable names. */
function byParamName(run: RunState, grads: tf.NamedTensorMap): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  for (const p of run.model.params) {
    const g = grads[run.model.variableName(p)];
    if (g) out[p.name] = g;
  }
  return out;
}

/** Gradients keyed by tfjs variable name (what the optimizer needs). */
function byVariableName(run: RunState, grads: tf.NamedTensorMap): tf.NamedTensorMap {
  const out: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(grads)) out[run.model.variableName(run.model.param(name))] = g;
  return out;
}
