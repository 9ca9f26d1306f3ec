// Benchmark (not a test): images per second of each transform for a batch of
// 128 images 28×28×1 and of 32 images 32×32×3, on cpu, wasm and native, and
// on wasm and native its cost for 64 images as a fraction of the CNN training
// step of core's BENCH_MODELS (batch 64, 28×28×1) on that backend (target ≤ 10 % for
// the geometric ops and mixup/cutmix on native). A cpu CNN step takes tens of
// seconds, so cpu gets throughput only.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { HostRandom, RandomStream } from '@tikhonov/core';
import { BENCH_MODELS, timeSteps } from '@tikhonov/core/testing';
import { useNativeBackend } from '@tikhonov/backend-native';
import { useWasmBackend } from '@tikhonov/backend-wasm';
import { affine, entryOf, flip, randAugment, randomCrop, randomErasing, randomResizedCrop, rotate, translate, brightness, contrast, gamma, gaussianNoise, type ImageSize } from '@tikhonov/augmentation';
import { cutmixBatch, mixupBatch } from '../src/mix.js';
import { applyEntry } from '../src/plugin.js';

const native = await useNativeBackend().then(() => true, (e: Error) => (console.log(`native backend unavailable: ${e.message.split('\n')[0]}`), false));
const policy = randAugment({ n: 2, magnitude: 9 });
const transforms: Array<[string, (x: tf.Tensor4D, y: tf.Tensor2D, rng: HostRandom) => tf.Tensor]> = [
  ...([
    ['translate', translate({ dx: 2 })],
    ['rotate', rotate({ degrees: 15 })],
    ['affine', affine({ degrees: 10, translate: [2, 2], scale: [0.9, 1.1], shear: 5 })],
    ['flip', flip({ p: 1 })],
    ['randomCrop', randomCrop({ padding: 4 })],
    ['randomResizedCrop', randomResizedCrop()],
    ['brightness', brightness({ factor: 0.3 })],
    ['contrast', contrast({ factor: 0.3 })],
    ['gamma', gamma({ range: [0.8, 1.25] })],
    ['gaussianNoise', gaussianNoise({ stddev: 0.1 })],
    ['randomErasing', randomErasing({ p: 1 })],
  ] as const).map(([label, plugin]) => {
    const entry = entryOf(plugin, 'bench');
    return [label, (x: tf.Tensor4D, _y: tf.Tensor2D, rng: HostRandom) => applyEntry(entry, x, undefined, rng).x] as [string, (x: tf.Tensor4D, y: tf.Tensor2D, rng: HostRandom) => tf.Tensor];
  }),
  ['randAugment (n 2, m 9)', (x, y, rng) => policy.transformBatch!({ x, y }, { random: new RandomStream(['bench', rng.int(1000)]), report: () => undefined } as never).x],
  ['mixup', (x, y, rng) => mixupBatch({ x, y }, y, new Float32Array(x.shape[0]).fill(0.3), tf.tensor1d(rng.permutation(x.shape[0]), 'int32')).x],
  ['cutmix', (x, y, rng) => cutmixBatch({ x, y }, y, new Float32Array(x.shape[0]).fill(0.3), tf.tensor1d(rng.permutation(x.shape[0]), 'int32'), rng, 'bench').x],
];

const backends: Array<[string, () => Promise<unknown>]> = [
  ['cpu', async () => tf.setBackend('cpu')],
  ['wasm', async () => (tf.findBackend('wasm') ? tf.setBackend('wasm') : useWasmBackend())],
  ...(native ? [['native', async () => tf.setBackend('native')] as [string, () => Promise<unknown>]] : []),
];
const shapes: Array<[number, ImageSize]> = [
  [128, { height: 28, width: 28, channels: 1 }],
  [32, { height: 32, width: 32, channels: 3 }],
];
for (const [name, start] of backends) {
  await start();
  let stepMs = NaN;
  if (name !== 'cpu') {
    const { ms, trainer, data } = await timeSteps(BENCH_MODELS[1]!, { steps: 5, warmup: 2 });
    stepMs = ms;
    trainer.dispose();
    tf.dispose([data.x, data.y as tf.Tensor]);
  }
  console.log(`\n${name}${Number.isFinite(stepMs) ? ` (CNN training step ${stepMs.toFixed(1)} ms)` : ''}`);
  console.log(`${'transform'.padEnd(18)} ${shapes.map(([n, s]) => `${n}×${s.height}×${s.width}×${s.channels} images/s`.padStart(26)).join('')}${Number.isFinite(stepMs) ? '   time for 64 images / CNN step (batch 64)' : ''}`);
  for (const [label, run] of transforms) {
    const cells: string[] = [];
    let firstMs = NaN;
    for (const [n, s] of shapes) {
      const x = new RandomStream(['bench', n]).uniform([n, s.height, s.width, s.channels]) as tf.Tensor4D;
      const y = tf.oneHot(tf.tensor1d(Array.from({ length: n }, (_, i) => i % 10), 'int32'), 10) as tf.Tensor2D;
      const rng = new HostRandom(1);
      const once = async () => {
        const out = tf.tidy(() => run(x, y, rng));
        await out.data();
        out.dispose();
      };
      await once();
      // sub-millisecond work swings 2–5× on this VM between calls: many reps, the median
      const reps = name === 'cpu' ? 2 : 21;
      const times: number[] = [];
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        await once();
        times.push(performance.now() - t0);
      }
      const ms = times.sort((a, b) => a - b)[reps >> 1]!;
      if (Number.isNaN(firstMs)) firstMs = ms;
      cells.push(`${((n / ms) * 1000).toFixed(0)}`.padStart(26));
      tf.dispose([x, y]);
    }
    // the step trains 64 images: compare the transform's time for 64 of the 128
    const share = Number.isFinite(stepMs) ? `   ${((100 * firstMs * (64 / 128)) / stepMs).toFixed(1).padStart(6)} %` : '';
    console.log(`${label.padEnd(18)}${cells.join('')}${share}`);
  }
}
