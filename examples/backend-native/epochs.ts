// The demo's model (MLP 64-128-128-10 on the digits) trained on the tfjs cpu
// backend, on wasm (@tikhonov/backend-wasm) and on the native backend: time
// per epoch and the same accuracy.
import * as tf from '@tensorflow/tfjs-core';
import { nn, Trainer } from '@tikhonov/core';
import { loadDigits, trainValidationTest } from '@tikhonov/datasets';
import { useNativeBackend } from '@tikhonov/backend-native';
import { useWasmBackend } from '@tikhonov/backend-wasm';
import { printTable, useCpu } from '../shared.js';

const rows: Array<Array<string | number>> = [];
for (const backend of ['cpu', 'wasm', 'native']) {
  if (backend === 'cpu') await useCpu();
  else if (backend === 'wasm') await useWasmBackend();
  else console.log('native backend:', await useNativeBackend());
  const { train, test } = trainValidationTest(loadDigits().data, { validation: 0.2, test: 0.5, seed: 0 });
  const trainer = new Trainer({
    model: nn.sequential([nn.dense(128, { activation: 'relu' }), nn.dense(128, { activation: 'relu' }), nn.dense(10)]),
    loss: 'softmaxCrossEntropy',
    optimizer: { name: 'momentum', learningRate: 0.05 },
    seed: 0,
  });
  const epochs = 20;
  const start = performance.now();
  await trainer.fit(train, { epochs, batchSize: 32 });
  const msPerEpoch = (performance.now() - start) / epochs;
  rows.push([backend, `${msPerEpoch.toFixed(1)} ms`, (await trainer.evaluate(test)).accuracy!]);
  trainer.dispose();
}
printTable(['backend', 'time per epoch (17 steps of 32)', 'test accuracy'], rows);
const ms = rows.map((r) => parseFloat(String(r[1])));
console.log(`speed-up over cpu: wasm ${(ms[0]! / ms[1]!).toFixed(1)}×, native ${(ms[0]! / ms[2]!).toFixed(1)}×`);
tf.disposeVariables();
