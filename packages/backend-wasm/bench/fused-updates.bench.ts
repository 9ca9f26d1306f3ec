// Benchmark (not a test): core's fused updates on wasm (this package's
// JavaScript passes over the wasm heap) against tfjs's optimizers composed of
// wasm kernels, in one process, interleaved rounds (core's
// compareFusedOptimizers: digits MLP 64-256-256-10, batch 32, 10 epochs, from
// the same seed; the numbers are the same bit for bit, tested).
import * as tf from '@tensorflow/tfjs-core';
import { compareFusedOptimizers } from '@tikhonov/core/testing';
import { loadDigits } from '@tikhonov/datasets';
import { useWasmBackend } from '@tikhonov/backend-wasm';

await useWasmBackend();
tf.env().set('PROD', true);
await compareFusedOptimizers(loadDigits().data, Number(process.env.TIKHONOV_BENCH_ROUNDS ?? 8));
