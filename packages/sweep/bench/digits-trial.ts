// The trial module of the sweep benchmark: digits, MLP 64-256-256-10, on the
// native backend when it starts (else tfjs's cpu backend). Patience is longer
// than the budget, so every trial runs all its epochs and trials cost the same.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { nn, Trainer, type Plugin } from '@tikhonov/core';
import { dropout } from '@tikhonov/dropout';
import { earlyStopping } from '@tikhonov/early-stopping';
import { l2 } from '@tikhonov/norm-penalties';
import type { Params } from '@tikhonov/sweep';

export async function setup({ threads }: { threads: number }): Promise<void> {
  tf.env().set('PROD', true);
  try {
    if (process.env.TIKHONOV_BENCH_BACKEND === 'cpu') throw new Error('cpu asked for');
    await (await import('@tikhonov/backend-native')).useNativeBackend({ threads });
  } catch {
    await tf.setBackend('cpu');
  }
}

export function makeTrainer(params: Params, seed: number): Trainer {
  const plugins: Plugin[] = [earlyStopping({ monitor: 'val.loss', patience: 1000 })];
  if ((params.alpha as number) > 0) plugins.push(l2({ alpha: params.alpha as number }));
  if ((params.rate as number) > 0) plugins.push(dropout({ input: 0, hidden: params.rate as number }));
  return new Trainer({ model: nn.sequential([nn.dense(256, { activation: 'relu' }), nn.dense(256, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer: 'adam', plugins, seed, progress: false });
}
