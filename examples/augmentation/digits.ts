// Dataset augmentation on a small training set (seed §7.5): 300 UCI digits
// (8×8) trained with and without small random affine moves (±5°, ±0.5 px),
// test error over 5 splits. No flips: a mirrored digit is another digit.
import * as tf from '@tensorflow/tfjs-core';
import { dataset, HostRandom, nn, Trainer, type Dataset, type Plugin } from '@tikhonov/core';
import { loadDigits } from '@tikhonov/datasets';
import { affine } from '@tikhonov/augmentation';
import { printTable, useFastestBackend } from '../shared.js';

console.log(`backend: ${await useFastestBackend()}`);
const { data } = loadDigits({ imageShape: true });
const rows: Array<Array<string | number>> = [];
const errors = { plain: [] as number[], augmented: [] as number[] };
for (let seed = 0; seed < 5; seed++) {
  const order = new HostRandom(seed).permutation(data.size);
  const pick = (from: number, to: number): Dataset => dataset.subset(data, order.subarray(from, to));
  const [train, test] = [pick(0, 300), pick(300, data.size)];
  for (const kind of ['plain', 'augmented'] as const) {
    const plugins: Plugin[] = kind === 'augmented' ? [affine({ degrees: 5, translate: [0.5, 0.5] })] : [];
    const t = new Trainer({ model: nn.sequential([nn.flatten(), nn.dense(64, { activation: 'relu' }), nn.dense(10)]), loss: 'softmaxCrossEntropy', optimizer: { name: 'adam', learningRate: 0.003 }, plugins, seed, progress: false });
    await t.fit(train, { epochs: 120, batchSize: 32 });
    errors[kind].push(1 - (await t.evaluate(test)).accuracy!);
    t.dispose();
  }
  rows.push([`split ${seed}`, errors.plain[seed]!, errors.augmented[seed]!]);
}
const mean = (v: number[]) => v.reduce((a, b) => a + b) / v.length;
rows.push(['mean', mean(errors.plain), mean(errors.augmented)]);
printTable(['300 training digits', 'test error, plain', 'test error, augmented'], rows);
