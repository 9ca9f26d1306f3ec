import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/dataset.js';
import { accuracyOf } from '../metrics.js';
import { isRecord } from '../nn/module.js';
import type { ModelOutput } from '../nn/types.js';
import { validateOptions } from '../options.js';
import type { Metrics, Predict, PredictContext } from '../plugin.js';
import { RandomStream } from '../random.js';
import { pickOutput, sliceBatch } from './batches.js';
import { checkInputShape, buildModel, prepareData } from './build.js';
import { runForward } from './forward.js';
import type { RunState } from './run-state.js';
import { evaluateSchema, predictSchema, type InferenceOptions, type PredictOptions } from './trainer-options.js';

/** One inference forward through every enabled `wrapPredict`, outermost first in plugin order. Call inside a tidy. */
export function predictTensor(run: RunState, x: tf.Tensor, mode: 'infer' | 'sample'): ModelOutput {
  const call = ++run.predictCalls;
  run.pass.batch = undefined;
  run.pass.streamKey = [run.seed, 'predict', call];
  let next: Predict = (input, options) => runForward(run, input, { mode: inferenceMode(options?.mode ?? mode), tag: 'main', nested: false });
  for (const plugin of [...run.hooks.enabled(run.hooks.table.byHook.wrapPredict)].reverse()) {
    const inner = next;
    const ctx: PredictContext = { model: run.model, params: run.table!, random: new RandomStream([run.seed, 'predict', call, plugin.name]), mode };
    next = (input, options) => run.hooks.call(plugin, 'wrapPredict', () => plugin.wrapPredict!(input, inner, { ...ctx, mode: inferenceMode(options?.mode ?? ctx.mode) }));
  }
  return next(x);
}

function inferenceMode(mode: unknown): 'infer' | 'sample' {
  if (mode !== 'infer' && mode !== 'sample') throw new RangeError(`an inference forward runs in mode 'infer' or 'sample', not ${JSON.stringify(mode)}`);
  return mode;
}

/** Predictions for a tensor or data set, in batches, through every `wrapPredict`; the caller disposes them. */
export function predictAll(run: RunState, x: tf.Tensor | Dataset, options: PredictOptions): ModelOutput {
  const { batchSize = 256, sample = false } = validateOptions('predict', predictSchema, options);
  const input = x instanceof tf.Tensor ? x : x.x;
  buildModel(run, input.shape.slice(1));
  checkInputShape(run, input, 'predict input');
  const parts: ModelOutput[] = [];
  for (let start = 0; start < input.shape[0]!; start += batchSize) {
    const n = Math.min(batchSize, input.shape[0]! - start);
    parts.push(tf.tidy(() => predictTensor(run, tf.slice(input, start, n), sample ? 'sample' : 'infer')));
  }
  if (parts.length === 1) return parts[0]!;
  return tf.tidy(() => {
    const first = parts[0]!;
    const result = isRecord(first)
      ? Object.fromEntries(Object.keys(first).map((k) => [k, tf.concat(parts.map((p) => (p as Record<string, tf.Tensor>)[k]!))]))
      : tf.concat(parts as tf.Tensor[]);
    for (const p of parts) tf.dispose(isRecord(p) ? Object.values(p) : p);
    return result;
  });
}

/** Metrics of a data set in inference mode: `loss`, `accuracy` and per-output ones, averaged over examples. */
export async function evaluateData(run: RunState, data: Dataset, options: InferenceOptions & { prefix?: string } = {}): Promise<Metrics> {
  const { batchSize = 256 } = validateOptions('evaluate', evaluateSchema, options);
  prepareData(run, data, 'evaluation data');
  const losses = run.losses!;
  const sums = new Map<string, tf.Tensor>();
  const add = (key: string, value: tf.Tensor) => {
    const old = sums.get(key);
    sums.set(key, tf.keep(old ? tf.add(old, value) : value));
    old?.dispose();
  };
  for (let start = 0; start < data.size; start += batchSize) {
    const n = Math.min(batchSize, data.size - start);
    tf.tidy(() => {
      const batch = sliceBatch(data, start, n);
      const out = predictTensor(run, batch.x, 'infer');
      let total: tf.Scalar = tf.scalar(0);
      for (const loss of losses) {
        const prediction = pickOutput(out, loss.output);
        const target = pickOutput(batch.y, loss.output);
        const value = loss.fn(prediction, target, batch.weight);
        total = tf.add(total, tf.mul(value, loss.weight));
        if (loss.output) add(`${loss.output}.loss`, tf.mul(value, n));
        const correct = accuracyOf(loss.name, prediction, target);
        if (correct) add(loss.output ? `${loss.output}.accuracy` : 'accuracy', correct);
      }
      add('loss', tf.mul(total, n));
      run.metrics.forEach((m, i) => add(`metric ${i}`, m.stats(pickOutput(out, m.output), pickOutput(batch.y, m.output), n)));
    });
  }
  const prefix = options.prefix ?? '';
  const metrics: Metrics = {};
  for (const [key, sum] of sums) {
    const values = (await sum.data()) as Float32Array;
    sum.dispose();
    const extra = key.startsWith('metric ') ? run.metrics[Number(key.slice(7))] : undefined;
    if (extra) metrics[prefix + extra.key] = extra.finish(values, data.size);
    else metrics[prefix + key] = values[0]! / data.size;
  }
  return metrics;
}
