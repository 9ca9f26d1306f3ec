// Benchmark (not a test): MLP step time with each penalty or constraint vs
// without, as median ratios of interleaved rounds measured in one run.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { compareStepTimes, printStepTimes } from '@tikhonov/core/testing';
import { l1, l2, maxNorm, weightDecay } from '@tikhonov/norm-penalties';

await tf.setBackend(process.env.TIKHONOV_BENCH_BACKEND ?? 'cpu');
const rounds = Number(process.env.TIKHONOV_BENCH_ROUNDS ?? 5);
printStepTimes(
  await compareStepTimes(
    [
      { label: 'none', plugins: [] },
      { label: 'l2(1e-4)', plugins: [l2({ alpha: 1e-4 })], target: 1.05 },
      { label: 'l1(1e-4) subgradient', plugins: [l1({ alpha: 1e-4 })] },
      { label: 'l1(1e-4) proximal', plugins: [l1({ alpha: 1e-4, method: 'proximal' })] },
      { label: 'weightDecay(1e-4)', plugins: [weightDecay({ rate: 1e-4 })] },
      { label: 'maxNorm(3)', plugins: [maxNorm({ c: 3 })], target: 1.1 },
    ],
    { rounds },
  ),
);
console.log(`backend ${tf.getBackend()}; MLP 784-256-256-10, batch 128, SGD; median of ${rounds} interleaved rounds of 3 steps`);
