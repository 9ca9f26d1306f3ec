// Benchmark (not a test): ms per training step of the MLP (784-256-256-10,
// batch 128) and the CNN (conv3×3×32, pool, conv3×3×64, pool, dense 128,
// dense 10 on 28×28×1, batch 64), SGD, on cpu, wasm with tfjs's own kernels,
// wasm with this package, and native when that addon is built; ratios from
// this one run. Then a per-kernel table of one wasm CNN step.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { dataset, nn, Trainer, type Dataset, type Module } from '@tikhonov/core';
import { useWasmBackend } from '@tikhonov/backend-wasm';
import { printKernelTable, profileKernels } from '@tikhonov/core/testing';
import { useTfjsOwnKernels } from '../src/register.js';

const mlp = () => nn.sequential([nn.dense(256, { activation: 'relu' }), nn.dense(256, { activation: 'relu' }), nn.dense(10)]);
const cnn = () => nn.sequential([nn.conv2d(32, 3, { activation: 'relu' }), nn.maxPool2d(2), nn.conv2d(64, 3, { activation: 'relu' }), nn.maxPool2d(2), nn.flatten(), nn.dense(128, { activation: 'relu' }), nn.dense(10)]);

interface Model {
  name: string;
  make: () => Module;
  shape: number[];
  batch: number;
}
const models: Model[] = [
  { name: 'MLP 784-256-256-10, batch 128', make: mlp, shape: [784], batch: 128 },
  { name: 'CNN 28×28×1, batch 64', make: cnn, shape: [28, 28, 1], batch: 64 },
];

async function stepTime(model: Model, steps: number): Promise<{ ms: number; trainer: Trainer; data: Dataset }> {
  const data = dataset.fromTensors(tf.randomNormal([model.batch * 2, ...model.shape], 0, 1, 'float32', 1), tf.randomUniform([model.batch * 2], 0, 10, 'int32', 2));
  const t = new Trainer({ model: model.make(), loss: 'softmaxCrossEntropy', optimizer: { name: 'sgd', learningRate: 0.01 }, progress: false, seed: 0 });
  const run = async (k: number) => {
    await t.fit(data, { epochs: 1_000_000, batchSize: model.batch, maxSteps: t.step + k });
    await t.model.params[t.model.params.length - 1]!.variable.data(); // wait for the backend
  };
  await run(1);
  const start = performance.now();
  await run(steps);
  return { ms: (performance.now() - start) / steps, trainer: t, data };
}

let nativeReady = false;
try {
  const { useNativeBackend } = await import('@tikhonov/backend-native');
  await useNativeBackend({ threads: 2 });
  nativeReady = true;
} catch (error) {
  console.log(`native: skipped (${(error as Error).message.split('\n')[0]})`);
}
await useWasmBackend();

for (const model of models) {
  const rows: Array<[string, number]> = [];
  const measure = async (label: string, backend: string, steps: number) => {
    await tf.setBackend(backend);
    const r = await stepTime(model, steps);
    rows.push([label, r.ms]);
    r.trainer.dispose();
    tf.dispose([r.data.x, r.data.y as tf.Tensor]);
  };
  // a CNN step on cpu (and on native, which still uses cpu's JavaScript
  // convolution gradients) takes ≈ 50 s at batch 64: one timed step there
  const slowConv = model.shape.length === 3;
  await measure('cpu (tfjs-backend-cpu)', 'cpu', slowConv ? 1 : 5);
  useTfjsOwnKernels(true);
  await measure('wasm, tfjs kernels only', 'wasm', 10); // + our added kernels, without which the CNN cannot train
  useTfjsOwnKernels(false);
  await measure('wasm + @tikhonov/backend-wasm', 'wasm', 20);
  if (nativeReady) await measure('native', 'native', slowConv ? 1 : 20);
  console.log(`\n${model.name}`);
  const ours = rows[2]![1];
  for (const [label, ms] of rows) console.log(`  ${label.padEnd(32)} ${ms.toFixed(1).padStart(8)} ms/step   ${(ms / ours).toFixed(2).padStart(6)}× ours`);
  console.log(`  wasm + ours is ${(rows[0]![1] / ours).toFixed(1)}× faster than cpu`);
}

// one wasm CNN step, kernel by kernel
await tf.setBackend('wasm');
const { trainer, data } = await stepTime(models[1]!, 2);
printKernelTable(await profileKernels(() => trainer.fit(data, { epochs: 1_000_000, batchSize: 64, maxSteps: trainer.step + 1 })), { title: 'one wasm CNN step: kernel', top: 12 });
