// The training, off the page's thread: the wasm backend, the embedded digits
// as 8×8×1 images (the datasets package's browser build; images so that the
// augmentation can move them), 30 % of the training labels wrong,
// then a plain net and a regularized one, epoch by epoch, each epoch's
// numbers posted back.
import { affine } from '@tikhonov/augmentation';
import { dataset, nn, Trainer, type Plugin } from '@tikhonov/core';
import { useWasmBackend } from '@tikhonov/backend-wasm';
import { loadDigits } from '@tikhonov/datasets';
import { dropout } from '@tikhonov/dropout';
import { earlyStopping } from '@tikhonov/early-stopping';
import { corruptLabels, inputNoise } from '@tikhonov/noise';
import { l2, maxNorm } from '@tikhonov/norm-penalties';
import plainWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { FirstLayer, StartMessage, WorkerMessage } from './messages.js';

const post = (message: WorkerMessage) => self.postMessage(message);
const makers: Record<StartMessage['plugins'][number], () => Plugin> = {
  l2: () => l2({ alpha: 1e-2 }),
  maxNorm: () => maxNorm({ c: 3 }),
  dropout: () => dropout({ input: 0.2, hidden: 0.5 }),
  // the digits' pixels are in [0, 1]: σ = 0.1 is a tenth of the range (§7.5, §7.6.1)
  inputNoise: () => inputNoise({ stddev: 0.1 }),
  // ±5° and ±half a pixel: on 8×8 images a whole pixel is an eighth of the digit (see augmentation's README)
  affine: () => affine({ degrees: 5, translate: [0.5, 0.5] }),
  earlyStopping: () => earlyStopping({ patience: 5 }),
};

async function firstLayer(trainer: Trainer): Promise<FirstLayer> {
  const kernel = trainer.params.all.find((p) => p.role === 'weight')!.variable;
  const [inputs, units] = kernel.shape as [number, number];
  const values = (await kernel.data()) as Float32Array;
  const column = (u: number) => Array.from({ length: inputs }, (_, i) => values[i * units + u]!);
  let largestNorm = 0;
  for (let u = 0; u < units; u++) largestNorm = Math.max(largestNorm, Math.hypot(...column(u)));
  return { units: Array.from({ length: 16 }, (_, u) => column(u)), largestNorm };
}

async function start(message: StartMessage): Promise<void> {
  const info = await useWasmBackend({ paths: { 'tfjs-backend-wasm.wasm': plainWasm, 'tfjs-backend-wasm-simd.wasm': simdWasm, 'tfjs-backend-wasm-threaded-simd.wasm': threadedWasm } });
  const [clean, validationClean, test] = dataset.split(loadDigits({ imageShape: true }).data, [0.3, 0.2, 0.5], 0);
  // 30 % of the labels on another class, seeded as in `pnpm demo`
  const train = corruptLabels(clean!, { rate: 0.3, classes: 10, seed: 1 }).data;
  const validation = corruptLabels(validationClean!, { rate: 0.3, classes: 10, seed: 2 }).data;
  post({ type: 'ready', backend: `${info.backend}${info.simd ? ' (SIMD)' : ''}`, train: train.size, validation: validation.size });
  for (const run of ['plain', 'regularized'] as const) {
    // each epoch's numbers go to the page as the fit reaches them (a plugin's afterEpoch)
    const reporter: Plugin = {
      name: 'reporter',
      apiVersion: 2,
      afterEpoch: (ctx) => {
        const row = ctx.history.epochs.at(-1)!;
        post({ type: 'epoch', run, epoch: row.epoch!, loss: row.loss!, validationLoss: row['val.loss']!, validationAccuracy: row['val.accuracy']! });
      },
    };
    const plugins = [...(run === 'plain' ? [] : message.plugins.map((name) => makers[name]())), reporter];
    const trainer = new Trainer({ model: nn.sequential([nn.flatten(), nn.dense(256, { activation: 'relu' }), nn.dense(256, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'momentum', learningRate: 0.05 }, plugins, seed: 0, progress: false });
    const history = await trainer.fit(train, { epochs: message.epochs, batchSize: 32, validation: { data: validation } });
    post({ type: 'done', run, testAccuracy: (await trainer.evaluate(test!)).accuracy!, stop: history.stop?.reason ?? '', weights: await firstLayer(trainer), plugins: plugins.filter((p) => p !== reporter).map((p) => p.name) });
    trainer.dispose();
  }
}

self.onmessage = (event: MessageEvent<StartMessage>) => {
  if (event.data.type === 'start') start(event.data).catch((error: unknown) => post({ type: 'error', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
};
