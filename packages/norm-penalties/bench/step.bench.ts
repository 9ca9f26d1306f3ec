// Benchmark (not a test): step time of the MLP 784-256-256-10 (batch 128, SGD)
// with each penalty or constraint vs without, as ratios measured in one run.
// Configurations are interleaved in rounds and each ratio is the median over
// rounds, so machine drift affects all of them alike.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { dataset, nn, Trainer, type Plugin } from '@tikhonov/core';
import { l1, l2, maxNorm, weightDecay } from '@tikhonov/norm-penalties';

await tf.setBackend(process.env.TIKHONOV_BENCH_BACKEND ?? 'cpu');
const rounds = Number(process.env.TIKHONOV_BENCH_ROUNDS ?? 5);
const stepsPerRound = 3;
const batch = 128;
const data = dataset.fromTensors(tf.randomNormal([batch * 4, 784], 0, 1, 'float32', 1), tf.randomUniform([batch * 4], 0, 10, 'int32', 2));

const configs: Array<{ label: string; plugins: Plugin[]; target?: number }> = [
  { label: 'none', plugins: [] },
  { label: 'l2(1e-4)', plugins: [l2({ alpha: 1e-4 })], target: 1.05 },
  { label: 'l1(1e-4) subgradient', plugins: [l1({ alpha: 1e-4 })] },
  { label: 'l1(1e-4) proximal', plugins: [l1({ alpha: 1e-4, method: 'proximal' })] },
  { label: 'weightDecay(1e-4)', plugins: [weightDecay({ rate: 1e-4 })] },
  { label: 'maxNorm(3)', plugins: [maxNorm({ c: 3 })], target: 1.1 },
];
const trainers = configs.map(
  (c) =>
    new Trainer({
      model: nn.sequential([nn.dense(256, { activation: 'relu' }), nn.dense(256, { activation: 'relu' }), nn.dense(10)]),
      loss: 'softmaxCrossEntropy',
      optimizer: { name: 'sgd', learningRate: 0.01 },
      plugins: c.plugins,
      progress: false,
    }),
);
const run = async (t: Trainer, steps: number) => {
  await t.fit(data, { epochs: 1_000_000, batchSize: batch, maxSteps: t.step + steps });
  await t.params.get('dense_3/bias').variable.data();
};
for (const t of trainers) await run(t, 2); // warm-up
const times = configs.map(() => [] as number[]);
for (let r = 0; r < rounds; r++) {
  for (const [i, t] of trainers.entries()) {
    const start = performance.now();
    await run(t, stepsPerRound);
    times[i]!.push((performance.now() - start) / stepsPerRound);
  }
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const ratios = configs.map((_, i) => median(times[i]!.map((ms, r) => ms / times[0]![r]!)));
configs.forEach((c, i) => {
  const target = c.target ? `  (target ≤ ${c.target.toFixed(2)})` : '';
  console.log(`${c.label.padEnd(22)} ${median(times[i]!).toFixed(1).padStart(7)} ms/step   ratio ${ratios[i]!.toFixed(3)}${target}`);
});
console.log(`backend ${tf.getBackend()}; median of ${rounds} interleaved rounds of ${stepsPerRound} steps`);
