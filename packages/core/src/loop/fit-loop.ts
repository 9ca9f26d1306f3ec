import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset.js';
import { OptionError } from '../errors.js';
import type { History } from '../history.js';
import { validateOptions } from '../options.js';
import type { Metrics } from '../plugin.js';
import { createProgress, progressEnabled } from '../progress.js';
import { HostRandom, deriveSeed } from '../random.js';
import { hookTable, registerCallbacks } from '../plugin-registry.js';
import { prepareData } from './build.js';
import { createContexts } from './contexts.js';
import { evaluateData } from './inference.js';
import { logPoint, recordEpoch, takeGoodSnapshot } from './log-point.js';
import type { RunState } from './run-state.js';
import { trainStep } from './step.js';
import { fitSchema, type FitOptions } from './trainer-options.js';

/** Trains until `epochs` epochs are complete in total, a plugin requests a stop, or `maxSteps` is reached. */
export async function fitLoop(run: RunState, train: Dataset, options: FitOptions): Promise<History> {
  const opts = validateOptions('fit', fitSchema, options) as FitOptions;
  const batchSize = opts.batchSize ?? 32;
  const every = opts.validation?.every ?? 'epoch';
  prepareData(run, train, 'training data');
  if (opts.validation) prepareData(run, opts.validation.data, 'validation data');
  const disabled = checkDisable(run, opts.disable ?? []);
  const callbacks = opts.callbacks?.length ? registerCallbacks(opts.callbacks, run.plugins) : undefined;
  // epochs and maxSteps count over the trainer's life (Lightning's max_epochs/max_steps): a fit that could train nothing is a mistake to say, not a silent no-op
  if (run.epochCount >= opts.epochs) {
    throw new OptionError('fit', 'epochs', opts.epochs, `counts epochs in total over the trainer's life (as Lightning's max_epochs) and ${run.epochCount} are already complete, so nothing would train: pass epochs: ${run.epochCount + opts.epochs} to train ${opts.epochs} more`);
  }
  if (opts.maxSteps !== undefined && opts.maxSteps <= run.stepCount) {
    throw new OptionError('fit', 'maxSteps', opts.maxSteps, `counts steps in total and ${run.stepCount} are already done, so nothing would train: pass maxSteps: ${run.stepCount + opts.maxSteps} to train ${opts.maxSteps} more`);
  }
  run.stopRequest = undefined;
  const batchesPerEpoch = Math.ceil(train.size / batchSize);
  run.train = train;
  run.batchesPerEpoch = batchesPerEpoch;
  const totalSteps = Math.min(opts.maxSteps ?? Infinity, run.stepCount + (opts.epochs - run.epochCount) * batchesPerEpoch - run.batchInEpoch);
  const progress = await createProgress(progressEnabled(run.options.progress ?? 'auto'), Math.max(0, totalSteps));
  const hooks = run.hooks;
  const fitHook = (hook: 'beforeFit' | 'beforeEpoch' | 'afterEpoch' | 'afterFit') => hooks.sequenceAsync(hook, (p) => p[hook]!(run.contextsOf(p).fit));
  let stopBy = 'completed';
  let stopReason = `${opts.epochs} epochs`;
  hooks.disabled = disabled;
  const trainerTable = hooks.table;
  const added = callbacks?.filter((p) => !run.plugins.includes(p)) ?? [];
  if (callbacks) {
    // callbacks have fit-level hooks only, so the step's lists stay the trainer's
    hooks.table = hookTable(callbacks);
    createContexts(run, added);
  }
  try {
    await fitHook('beforeFit');
    await takeGoodSnapshot(run);
    const aborted = () => {
      if (opts.signal?.aborted && !run.stopRequest) run.requestStop('signal', abortReason(opts.signal));
      return run.stopRequest !== undefined;
    };
    aborted();
    let yielded = performance.now();
    outer: while (run.epochCount < opts.epochs && !run.stopRequest) {
      if (run.batchInEpoch === 0) await fitHook('beforeEpoch');
      if (run.stopRequest) break;
      const order = opts.shuffle === false ? identityOrder(train.size) : new HostRandom(deriveSeed(run.seed, 'shuffle', run.epochCount)).permutation(train.size);
      const orderTensor = tf.tensor1d(order, 'int32');
      try {
        for (let b = run.batchInEpoch; b < batchesPerEpoch; b++) {
          const start = b * batchSize;
          trainStep(run, train, orderTensor, start, Math.min(batchSize, train.size - start));
          run.batchInEpoch = b + 1;
          // numbers already read at log and validation points: no host read here
          progress.update(run.stepCount, { epoch: run.epochCount + 1, loss: run.history.logs.at(-1)?.loss, validation: run.history.evaluations.at(-1)?.['val.loss'] });
          if (run.stepCount % (run.options.logEvery ?? 50) === 0) await logPoint(run);
          if (opts.validation && every !== 'epoch' && run.stepCount % every.steps === 0) await validate(run, opts.validation.data);
          if (opts.maxSteps !== undefined && run.stepCount >= opts.maxSteps) {
            stopBy = 'maxSteps';
            stopReason = `${opts.maxSteps} steps`;
            break outer;
          }
          // a macrotask now and then: timers, input events and an abort get their turn
          if (performance.now() - yielded > YIELD_EVERY_MS) {
            await yieldToEventLoop();
            yielded = performance.now();
          }
          if (aborted()) break outer;
        }
      } finally {
        orderTensor.dispose();
      }
      await logPoint(run);
      run.batchInEpoch = 0;
      run.epochCount++;
      const metrics = every === 'epoch' && opts.validation ? await validate(run, opts.validation.data) : {};
      recordEpoch(run, run.epochCount, metrics);
      await fitHook('afterEpoch');
    }
    if (run.pendingLosses.length > 0) await logPoint(run);
    // a stop mid-epoch still records the partial epoch's numbers
    if (run.batchInEpoch > 0 && run.stopRequest) recordEpoch(run, run.epochCount + run.batchInEpoch / batchesPerEpoch);
    if (run.stopRequest) ({ by: stopBy, reason: stopReason } = run.stopRequest);
    run.history.stop = { by: stopBy, reason: stopReason, step: run.stepCount };
    await fitHook('afterFit');
    return run.history;
  } catch (error) {
    for (const plugin of hooks.enabled(hooks.table.byHook.onError)) {
      try {
        await hooks.callAsync(plugin, 'onError', () => plugin.onError!(error, run.contextsOf(plugin).fit));
      } catch (inner) {
        // onError must not hide the original failure; report and go on.
        console.error(`plugin '${plugin.name}' failed in onError:`, inner);
      }
    }
    throw error;
  } finally {
    hooks.disabled = new Set();
    hooks.table = trainerTable;
    for (const p of added) run.contexts.delete(p);
    run.train = undefined;
    run.batchesPerEpoch = 0;
    progress.stop();
  }
}

/** The plugin names of `fit`'s `disable` option, each checked against the trainer's plugins. */
function checkDisable(run: RunState, names: readonly string[]): ReadonlySet<string> {
  const known = run.plugins.map((p) => p.name);
  for (const name of names) {
    if (!known.includes(name)) throw new OptionError('fit', 'disable', names, `'${name}' is not a plugin of this trainer; its plugins are ${known.join(', ') || 'none'}`);
  }
  return new Set(names);
}

/** How long a fit runs between yields to the event loop: about one frame. */
const YIELD_EVERY_MS = 16;

/** 0, 1, …, n − 1 with a plain loop: `Int32Array.from({ length }, fn)` calls fn per row (≈ 0.3 ms for 8192 rows, per fit). */
function identityOrder(n: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/** Lets queued macrotasks run (setImmediate in Node: no 1 ms timer clamp; a zero timeout elsewhere). */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));

/** The stop reason for an aborted signal, with its reason when one was given. */
function abortReason(signal: AbortSignal): string {
  const reason = signal.reason as unknown;
  const text = reason instanceof Error ? reason.message : reason === undefined ? '' : String(reason);
  return text && !(reason instanceof Error && reason.name === 'AbortError') ? `aborted: ${text}` : 'aborted';
}

/** A validation pass: log point, every beforeEvaluate, metrics with the `val.` prefix, then every afterEvaluate. */
async function validate(run: RunState, data: Dataset): Promise<Metrics> {
  await logPoint(run);
  await run.hooks.sequenceAsync('beforeEvaluate', (p) => p.beforeEvaluate!(run.contextsOf(p).fit));
  const metrics = await evaluateData(run, data, { prefix: 'val.' });
  run.history.evaluations.push({ step: run.stepCount, epoch: run.epochCount, ...metrics });
  await run.hooks.sequenceAsync('afterEvaluate', (p) => p.afterEvaluate!(metrics, run.contextsOf(p).fit));
  return metrics;
}
