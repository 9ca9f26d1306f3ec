// The trial module of the sweep examples: what one trial trains. Every
// worker (thread or tikhonov-worker process) imports it once; `setup` picks
// the backend with that worker's share of the cores, and `makeTrainer` builds
// the trainer for one configuration of the search space.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { nn, Trainer, type Plugin } from '@tikhonov/core';
import { dropout } from '@tikhonov/dropout';
import { earlyStopping } from '@tikhonov/early-stopping';
import { l2, maxNorm } from '@tikhonov/norm-penalties';
import type { Params } from '@tikhonov/sweep';

/** The native backend on `threads` cores if it starts, else tfjs's cpu backend. */
export async function setup({ threads }: { threads: number }): Promise<void> {
  tf.env().set('PROD', true);
  try {
    const { useNativeBackend } = await import('@tikhonov/backend-native');
    await useNativeBackend({ threads });
  } catch {
    await tf.setBackend('cpu');
  }
}

/** An MLP 64-256-256-10 on digits, regularized as the configuration says; early stopping on validation accuracy scores it. */
export function makeTrainer(params: Params, seed: number): Trainer {
  const plugins: Plugin[] = [earlyStopping({ monitor: 'val.accuracy', patience: 10 })];
  if (typeof params.alpha === 'number' && params.alpha > 0) plugins.push(l2({ alpha: params.alpha }));
  if (typeof params.rate === 'number' && params.rate > 0) plugins.push(dropout({ input: 0.1, hidden: params.rate }));
  if (typeof params.maxNorm === 'number') plugins.push(maxNorm({ c: params.maxNorm }));
  return new Trainer({
    model: nn.sequential([nn.dense(256, { activation: 'relu' }), nn.dense(256, { activation: 'relu' }), nn.dense(10)]),
    loss: 'softmaxCrossEntropy',
    optimizer: { name: 'adam', learningRate: 0.002 },
    metrics: ['accuracy'],
    plugins,
    seed,
    progress: false,
  });
}
