// Benchmark (not a test): the step time of the Bayesian plugins against a
// plain step on the bench MLP 784-256-256-10 (batch 128; interleaved rounds,
// median ratios), on the fastest backend that starts. SVGD runs K
// forward/backward passes per step (one per particle), so ≈ K× is its floor;
// Bayes by Backprop runs one pass at a sampled w (or, local, one more product
// (x²)·σ² per dense layer) plus elementwise work on μ, ρ.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { compareStepTimes, printStepTimes } from '@tikhonov/core/testing';
import { useNativeBackend } from '@tikhonov/backend-native';
import { bayesByBackprop, svgd } from '@tikhonov/ensembles';

const native = await useNativeBackend().then(() => true, (e: Error) => (console.log(`native backend unavailable: ${e.message.split('\n')[0]}`), false));
await tf.setBackend(process.env.TIKHONOV_BENCH_BACKEND ?? (native ? 'native' : 'cpu'));
const rounds = Number(process.env.TIKHONOV_BENCH_ROUNDS ?? 8);
const rows = await compareStepTimes(
  [
    { label: 'none', plugins: [] },
    { label: 'bayesByBackprop (local reparameterisation)', plugins: [bayesByBackprop()] },
    { label: 'bayesByBackprop, per weight', plugins: [bayesByBackprop({ local: false })] },
    { label: 'svgd, 2 particles', plugins: [svgd({ particles: 2 })] },
    { label: 'svgd, 5 particles', plugins: [svgd({ particles: 5 })] },
  ],
  { rounds },
);
console.log(`backend ${tf.getBackend()}, ${rounds} interleaved rounds of 3 steps`);
printStepTimes(rows);
