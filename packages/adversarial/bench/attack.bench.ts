// Benchmark (not a test): the step time of adversarial training against
// clean training on the bench MLP 784-256-256-10, batch 128 (interleaved
// rounds, median ratios; expected ≈ 3× for Goodfellow's clean + FGSM batch,
// ≈ k + 1 for Madry's PGD-k), on the fastest backend that starts; then
// attack throughput (images/s, FGSM and PGD-10) on cpu, wasm and native.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { RandomStream } from '@tikhonov/core';
import { compareStepTimes, printStepTimes } from '@tikhonov/core/testing';
import { useNativeBackend } from '@tikhonov/backend-native';
import { useWasmBackend } from '@tikhonov/backend-wasm';
import { adversarialTraining, fgsm, madry, pgd, runAttack, trades, virtualAdversarial } from '@tikhonov/adversarial';

const native = await useNativeBackend().then(() => true, (e: Error) => (console.log(`native backend unavailable: ${e.message.split('\n')[0]}`), false));
await tf.setBackend(process.env.TIKHONOV_BENCH_BACKEND ?? (native ? 'native' : 'cpu'));
const rounds = Number(process.env.TIKHONOV_BENCH_ROUNDS ?? 5);
const e = 0.03;
const rows = await compareStepTimes(
  [
    { label: 'clean', plugins: [] },
    { label: 'adversarialTraining(FGSM)', plugins: [adversarialTraining({ attack: fgsm({ epsilon: e }) })], target: 3 },
    { label: 'madry(PGD-3)', plugins: [madry({ attack: pgd({ epsilon: e, steps: 3 }) })], target: 4 },
    { label: 'madry(PGD-7)', plugins: [madry({ attack: pgd({ epsilon: e, steps: 7 }) })], target: 8 },
    { label: 'trades(PGD-3)', plugins: [trades({ attack: pgd({ epsilon: e, steps: 3, randomStart: false }) })] },
    { label: 'virtualAdversarial(K=1)', plugins: [virtualAdversarial({ epsilon: 1 })] },
  ],
  { rounds },
);
console.log(`step time on ${tf.getBackend()} (the ratio's "target" column is the expected cost in forward+backward passes, not a limit):`);
printStepTimes(rows);

console.log('\nattack throughput, MLP 784-256-256-10, 512 images in batches of 128:');
const backends: Array<[string, () => Promise<unknown>]> = [
  ['cpu', async () => tf.setBackend('cpu')],
  ['wasm', async () => (tf.findBackend('wasm') ? tf.setBackend('wasm') : useWasmBackend())],
  ...(native ? [['native', async () => tf.setBackend('native')] as [string, () => Promise<unknown>]] : []),
];
for (const [name, start] of backends) {
  await start();
  const r = new RandomStream(['attack-bench']);
  const w = [r.normal([784, 256], 0, 0.05), r.normal([256, 256], 0, 0.05), r.normal([256, 10], 0, 0.05)];
  const model = (x: tf.Tensor) => tf.matMul(tf.relu(tf.matMul(tf.relu(tf.matMul(x, w[0]!)), w[1]!)), w[2]!);
  const x = r.uniform([512, 784]);
  const labels = tf.tensor1d(Array.from({ length: 512 }, (_, i) => i % 10), 'int32');
  const line: string[] = [];
  for (const attack of [fgsm({ epsilon: e, range: [0, 1] }), pgd({ epsilon: e, steps: 10, range: [0, 1] })]) {
    const once = async () => {
      const [out] = runAttack(model, x, { attack, labels, batchSize: 128 });
      await out!.x.data();
      out!.x.dispose();
    };
    await once();
    const reps = name === 'cpu' && attack.kind === 'pgd' ? 1 : 3;
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await once();
    const seconds = (performance.now() - t0) / 1000 / reps;
    line.push(`${attack.name} ${(512 / seconds).toFixed(0).padStart(7)} images/s`);
  }
  console.log(`  ${name.padEnd(7)} ${line.join('   ')}`);
  tf.dispose([...w, x, labels]);
}
