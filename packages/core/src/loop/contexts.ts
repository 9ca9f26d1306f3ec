import * as tf from '@tensorflow/tfjs-core';
import { exportCheckpoint } from '../checkpoint.js';
import { learningRateOf, setLearningRate } from '../optimizers.js';
import { OptionError } from '../errors.js';
import { MODES, type FitContext, type Mode, type Plugin, type StepContext } from '../plugin.js';
import { RandomStream } from '../random.js';
import { dataLoss } from './batches.js';
import { runForward, type ForwardRequest } from './forward.js';
import { evaluateData } from './inference.js';
import type { RunState } from './run-state.js';

const NO_GRADIENTS: Readonly<Record<string, tf.Tensor>> = Object.freeze({});

/** Builds the step and fit contexts of every plugin, once, at construction (and of a fit's callbacks, for that fit). */
export function createContexts(run: RunState, plugins: readonly Plugin[] = run.plugins): void {
  for (const plugin of plugins) run.contexts.set(plugin, { step: stepContext(run, plugin), fit: fitContext(run, plugin) });
}

/** The fit context a plugin's fit-level hooks get: its requestStop is attributed to it. */
function fitContext(run: RunState, plugin: Plugin): FitContext {
  return {
    get model() {
      return run.model;
    },
    get params() {
      return run.table!;
    },
    seed: run.seed,
    get epoch() {
      return run.epochCount;
    },
    get step() {
      return run.stepCount;
    },
    history: run.history,
    get learningRate() {
      return learningRateOf(run.optimizer);
    },
    schedule: run.schedule,
    setLearningRate(lr) {
      if (run.schedule) throw new OptionError(plugin.name, 'learningRate', lr, `cannot be set while the optimizer follows the ${run.schedule.kind} schedule (it sets the rate every step); give the optimizer a constant learningRate`);
      if (learningRateOf(run.optimizer) === undefined) throw new OptionError(plugin.name, 'learningRate', lr, 'the optimizer has no learningRate to set');
      if (!(typeof lr === 'number' && Number.isFinite(lr) && lr > 0)) throw new OptionError(plugin.name, 'learningRate', lr, 'must be a finite number > 0');
      setLearningRate(run.optimizer, lr);
    },
    get data() {
      return run.train;
    },
    get stepsPerEpoch() {
      return run.batchesPerEpoch;
    },
    get stopRequest() {
      return run.stopRequest;
    },
    requestStop: (reason) => run.requestStop(plugin.name, reason),
    evaluate: (data, prefix) => evaluateData(run, data, { prefix }),
    exportCheckpoint: () => exportCheckpoint(run.target),
  };
}

/** A nested pass's request from `ctx.forward`'s options, refusing a mode or tag that is not one. */
function nestedRequest(options: { mode?: Mode; tag?: string }, current: Mode): ForwardRequest {
  const mode = options.mode ?? current;
  if (!(MODES as readonly string[]).includes(mode)) throw new RangeError(`ctx.forward: option 'mode' = ${JSON.stringify(mode)} is not allowed; must be one of ${MODES.join(', ')}`);
  const tag = options.tag ?? 'nested';
  if (typeof tag !== 'string' || tag.length === 0 || tag === 'main') throw new RangeError(`ctx.forward: option 'tag' = ${JSON.stringify(tag)} is not allowed; must be a non-empty string other than 'main' (the trainer's own pass)`);
  return { mode, tag, nested: true };
}

/** The step context: getters over the run's pass state, so one object serves every step. */
function stepContext(run: RunState, plugin: Plugin): StepContext {
  const pass = run.pass;
  let streamFor: ReadonlyArray<number | string> | undefined;
  let stream: RandomStream | undefined;
  return {
    get model() {
      return run.model;
    },
    get params() {
      return run.table!;
    },
    get step() {
      return pass.step;
    },
    get epoch() {
      return pass.epoch;
    },
    get mode() {
      return pass.mode;
    },
    get pass() {
      return { tag: pass.tag, nested: pass.nested };
    },
    get batch() {
      return pass.batch;
    },
    get activations() {
      return pass.activations;
    },
    get learningRate() {
      return learningRateOf(run.optimizer);
    },
    schedule: run.schedule,
    get epochProgress() {
      return run.epochProgress;
    },
    get stepsPerEpoch() {
      return run.batchesPerEpoch;
    },
    get random() {
      // One stream per (seed, step or predict call, plugin): fresh when the key changes.
      if (streamFor !== pass.streamKey) {
        streamFor = pass.streamKey;
        stream = new RandomStream([...pass.streamKey, plugin.name]);
      }
      return stream!;
    },
    get ownGradients() {
      return pass.ownGradients.get(plugin) ?? NO_GRADIENTS;
    },
    forward: (x, options = {}) => runForward(run, x, nestedRequest(options, pass.mode)),
    loss: (prediction, target, weight) => dataLoss(run.losses!, prediction, target, weight),
    report: (name, value) => {
      const key = `${plugin.name}.${name}`;
      const old = run.reports.get(key);
      run.reports.set(key, tf.keep(typeof value === 'number' ? tf.scalar(value) : tf.clone(value)));
      old?.dispose();
    },
    requestStop: (reason) => run.requestStop(plugin.name, reason),
  };
}
