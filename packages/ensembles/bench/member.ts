// The member module of the parallel bench: each worker thread sets up the
// native backend with its share of the cores and makes the same trainer.
import * as tf from '@tensorflow/tfjs-core';
import { nn, Trainer } from '@tikhonov/core';
import { useNativeBackend } from '@tikhonov/backend-native';

export async function setup({ threads }: { threads: number }): Promise<void> {
  tf.env().set('PROD', true);
  await useNativeBackend({ threads });
}

export function makeTrainer(seed: number): Trainer {
  return new Trainer({
    model: nn.sequential([nn.dense(256, { activation: 'relu' }), nn.dense(256, { activation: 'relu' }), nn.dense(10)]),
    loss: 'softmaxCrossEntropy',
    optimizer: 'adam',
    seed,
    progress: false,
  });
}
