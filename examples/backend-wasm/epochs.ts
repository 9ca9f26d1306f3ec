// The demo's MLP (64-128-128-10 on the digits) and the CNN of the wasm issue
// (conv3×3×32, pool, conv3×3×64, pool, dense 128, dense 10 on 28×28×1)
// trained on the wasm backend: time per epoch and test accuracy. The CNN uses
// Fashion-MNIST when Debian's dataset-fashion-mnist is installed (6 000
// training images), else the digits upsampled to 28×28.
import * as tf from '@tensorflow/tfjs-core';
import { dataset, nn, Trainer, type Dataset } from '@tikhonov/core';
import { loadDigits, loadMnistFormat, trainValidationTest } from '@tikhonov/datasets';
import { useWasmBackend } from '@tikhonov/backend-wasm';
import { printTable } from '../shared.js';

const info = await useWasmBackend();
console.log(`wasm backend: SIMD ${info.simd}, ${info.threads} thread (${info.notes.join('; ')})`);

function imageData(): { name: string; train: Dataset; test: Dataset } {
  try {
    return { name: 'Fashion-MNIST (6 000 / 1 000)', train: loadMnistFormat({ split: 'train', limit: 6000 }), test: loadMnistFormat({ split: 'test', limit: 1000 }) };
  } catch (error) {
    console.log(`(${(error as Error).message.split(';')[0]}: using the digits upsampled to 28×28 instead)`);
    const { data } = loadDigits();
    const images = tf.tidy(() => tf.image.resizeBilinear(tf.reshape(data.x as tf.Tensor, [-1, 8, 8, 1]) as tf.Tensor4D, [28, 28]));
    // train and test only: trainValidationTest needs a validation part
    const [train, test] = dataset.split(dataset.fromTensors(images, data.y as tf.Tensor), [0.7, 0.3], 0);
    return { name: 'digits upsampled to 28×28', train: train!, test: test! };
  }
}

const digits = trainValidationTest(loadDigits().data, { validation: 0.2, test: 0.5, seed: 0 });
const images = imageData();
const runs = [
  { name: 'MLP 64-128-128-10, digits', train: digits.train, test: digits.test, epochs: 20, batchSize: 32, model: nn.sequential([nn.dense(128, { activation: 'relu' }), nn.dense(128, { activation: 'relu' }), nn.dense(10)]) },
  {
    name: `CNN, ${images.name}`,
    train: images.train,
    test: images.test,
    epochs: 3,
    batchSize: 64,
    model: nn.sequential([nn.conv2d(32, 3, { activation: 'relu' }), nn.maxPool2d(2), nn.conv2d(64, 3, { activation: 'relu' }), nn.maxPool2d(2), nn.flatten(), nn.dense(128, { activation: 'relu' }), nn.dense(10)]),
  },
];
const rows: Array<Array<string | number>> = [];
for (const run of runs) {
  const trainer = new Trainer({ model: run.model, loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', learningRate: 1e-3 }, seed: 0 });
  const start = performance.now();
  await trainer.fit(run.train, { epochs: run.epochs, batchSize: run.batchSize });
  const seconds = (performance.now() - start) / 1000 / run.epochs;
  rows.push([run.name, `${seconds.toFixed(2)} s`, (await trainer.evaluate(run.test)).accuracy!]);
  trainer.dispose();
}
printTable(['model (on wasm)', 'time per epoch', 'test accuracy'], rows);
