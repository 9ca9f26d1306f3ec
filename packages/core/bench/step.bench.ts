// Benchmark (not a test): ms per training step of the Trainer with no plugins,
// against a hand-written tfjs loop (optimizer.minimize) and tfjs-layers'
// trainOnBatch, on the same backend, model (MLP 784-256-256-10), batch (128)
// and optimizer (SGD), timed in alternating rounds. Prints each and the ratios
// measured in this run.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { dataset, nn, softmaxCrossEntropy, Trainer } from '@tikhonov/core';

const backend = process.env.TIKHONOV_BENCH_BACKEND ?? 'cpu';
await tf.setBackend(backend);
const steps = Number(process.env.TIKHONOV_BENCH_STEPS ?? 15);
const warmup = Number(process.env.TIKHONOV_BENCH_WARMUP ?? 3);
const batch = 128;
const n = batch * (steps + warmup); // the data set; the hand-written loops wrap around it

const x = tf.randomNormal([n, 784], 0, 1, 'float32', 1);
const labels = tf.randomUniform([n], 0, 10, 'int32', 2);
const data = dataset.fromTensors(x, labels);

const rounds = Number(process.env.TIKHONOV_BENCH_ROUNDS ?? 5);
/** The three ways of training, each a function running k steps; timed in alternating rounds below. */
const runners: Array<[label: string, run: (steps: number) => Promise<void>]> = [];

// 1. Trainer, no plugins
const trainer = new Trainer({
  model: nn.sequential([nn.dense(256, { activation: 'relu' }), nn.dense(256, { activation: 'relu' }), nn.dense(10)]),
  loss: 'softmaxCrossEntropy',
  optimizer: { name: 'sgd', learningRate: 0.01 },
  progress: false,
  logEvery: 50,
});
runners.push(['Trainer (no plugins)', async (k) => {
  await trainer.fit(data, { epochs: 1_000, batchSize: batch, shuffle: false, maxSteps: trainer.step + k });
  await trainer.params.get('dense_3/bias').variable.data(); // wait for the backend to finish
}]);

// 2. hand-written loop: gather the batch, optimizer.minimize
const w = [tf.variable(tf.randomNormal([784, 256], 0, 0.05)), tf.variable(tf.zeros([256])), tf.variable(tf.randomNormal([256, 256], 0, 0.05)), tf.variable(tf.zeros([256])), tf.variable(tf.randomNormal([256, 10], 0, 0.05)), tf.variable(tf.zeros([10]))];
const sgd = tf.train.sgd(0.01);
let cursor = 0;
runners.push(['hand-written optimizer.minimize', async (k) => {
  for (let s = 0; s < k; s++) {
    tf.tidy(() => {
      const idx = tf.range(cursor, cursor + batch, 1, 'int32');
      cursor = (cursor + batch) % (n - batch);
      const xb = tf.gather(x, idx);
      const yb = tf.gather(labels, idx);
      sgd.minimize(() => {
        const h1 = tf.relu(tf.add(tf.matMul(xb, w[0]!), w[1]!));
        const h2 = tf.relu(tf.add(tf.matMul(h1, w[2]!), w[3]!));
        return softmaxCrossEntropy(tf.add(tf.matMul(h2, w[4]!), w[5]!), yb);
      });
    });
  }
  await w[5]!.data();
}]);

// 3. tfjs-layers trainOnBatch
const layersModel = tfl.sequential({
  layers: [tfl.layers.dense({ inputShape: [784], units: 256, activation: 'relu' }), tfl.layers.dense({ units: 256, activation: 'relu' }), tfl.layers.dense({ units: 10 })],
});
layersModel.compile({ optimizer: tf.train.sgd(0.01), loss: (yTrue: tf.Tensor, yPred: tf.Tensor) => softmaxCrossEntropy(yPred, tf.argMax(yTrue, -1)) });
const oneHot = tf.oneHot(labels, 10);
runners.push(['tfjs-layers trainOnBatch', async (k) => {
  for (let s = 0; s < k; s++) {
    const [xb, yb] = tf.tidy(() => {
      const idx = tf.range(cursor, cursor + batch, 1, 'int32');
      return [tf.gather(x, idx), tf.gather(oneHot, idx)];
    });
    cursor = (cursor + batch) % (n - batch);
    await layersModel.trainOnBatch(xb!, yb!);
    tf.dispose([xb!, yb!]);
  }
}]);

// Rounds alternate the three, so the machine's drift (20–40 % on a shared VM)
// falls on all alike; a ratio is the median of the rounds' ratios.
const times = runners.map(() => [] as number[]);
for (const [, run] of runners) await run(warmup);
for (let r = 0; r < rounds; r++) {
  for (const [i, [, run]] of runners.entries()) {
    const start = performance.now();
    await run(steps);
    times[i]!.push((performance.now() - start) / steps);
  }
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1]!;
for (const [i, [label]] of runners.entries()) console.log(`${label.padEnd(34)} ${median(times[i]!).toFixed(1).padStart(8)} ms/step (median of ${rounds} rounds)`);
const ratio = (i: number) => median(times[0]!.map((t, r) => t / times[i]![r]!));
console.log(`\nbackend ${tf.getBackend()}, ${rounds} rounds of ${steps} timed steps each after ${warmup} warm-up steps`);
console.log(`Trainer / hand-written loop = ${ratio(1).toFixed(3)}  (target ≤ 1.05)`);
console.log(`Trainer / tfjs-layers       = ${ratio(2).toFixed(3)}  (target < 1)`);
