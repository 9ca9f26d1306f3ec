// Benchmark (not a test): MLP 784-256-256-10 step time with dropout vs without
// (interleaved rounds, median ratio), and Monte Carlo inference cost per sample
// relative to one weight-scaled forward pass.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { dataset, nn, Trainer, type Plugin } from '@tikhonov/core';
import { dropout, monteCarloPredict } from '@tikhonov/dropout';

await tf.setBackend(process.env.TIKHONOV_BENCH_BACKEND ?? 'cpu');
const rounds = Number(process.env.TIKHONOV_BENCH_ROUNDS ?? 5);
const batch = 128;
const data = dataset.fromTensors(tf.randomNormal([batch * 4, 784], 0, 1, 'float32', 1), tf.randomUniform([batch * 4], 0, 10, 'int32', 2));
const make = (plugins: Plugin[]) =>
  new Trainer({
    model: nn.sequential([nn.dense(256, { activation: 'relu' }), nn.dense(256, { activation: 'relu' }), nn.dense(10)]),
    loss: 'softmaxCrossEntropy',
    optimizer: { name: 'sgd', learningRate: 0.01 },
    plugins,
    progress: false,
  });
const trainers = [make([]), make([dropout()])];
const run = async (t: Trainer, steps: number) => {
  await t.fit(data, { epochs: 1_000_000, batchSize: batch, maxSteps: t.step + steps });
  await t.params.get('dense_3/bias').variable.data();
};
for (const t of trainers) await run(t, 2);
const times: number[][] = [[], []];
for (let r = 0; r < rounds; r++) {
  for (const [i, t] of trainers.entries()) {
    const start = performance.now();
    await run(t, 3);
    times[i]!.push((performance.now() - start) / 3);
  }
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const ratio = median(times[1]!.map((t, r) => t / times[0]![r]!));
console.log(`step without dropout   ${median(times[0]!).toFixed(1).padStart(7)} ms`);
console.log(`step with dropout()    ${median(times[1]!).toFixed(1).padStart(7)} ms   ratio ${ratio.toFixed(3)} (target ≤ 1.10)`);

const x = tf.slice(data.x, 0, 512);
const timeIt = async (f: () => void) => {
  f();
  const start = performance.now();
  f();
  return performance.now() - start;
};
const dropped = trainers[1]!;
const single = await timeIt(() => tf.dispose(dropped.predict(x)));
const samples = 20;
const mc = await timeIt(() => {
  const r = monteCarloPredict(dropped, x, { samples });
  tf.dispose([r.mean, r.variance, r.entropy]);
});
console.log(`inference, 512 examples: weight scaling ${single.toFixed(1)} ms; Monte Carlo ${samples} samples ${mc.toFixed(1)} ms = ${(mc / samples).toFixed(1)} ms/sample (${(mc / samples / single).toFixed(2)}× one forward)`);
console.log(`backend ${tf.getBackend()}; medians of ${rounds} interleaved rounds`);
