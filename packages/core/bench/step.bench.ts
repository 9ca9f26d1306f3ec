// Benchmark (not a test): the Trainer's own cost — ms per training step of the
// MLP 784-256-256-10 (batch 128, SGD) with no plugins, against a hand-written
// tfjs loop and tfjs-layers' trainOnBatch, on the cpu backend (or
// TIKHONOV_BENCH_BACKEND), in alternating rounds. backend-native's bench runs
// the same comparison on the native backend.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { compareTrainerOverhead, printTrainerOverhead } from '@tikhonov/core/testing';

await tf.setBackend(process.env.TIKHONOV_BENCH_BACKEND ?? 'cpu');
// cpu steps take ≈ 0.4 s: fewer, shorter rounds keep the bench near a minute
const slow = tf.getBackend() === 'cpu';
const rounds = Number(process.env.TIKHONOV_BENCH_ROUNDS ?? (slow ? 6 : 42));
const steps = Number(process.env.TIKHONOV_BENCH_STEPS ?? (slow ? 8 : 50));
printTrainerOverhead(await compareTrainerOverhead({ rounds, steps, warmup: slow ? 2 : 5 }));
