// Benchmark (not a test): a 2-member deep ensemble trained in sequence (one
// thread; the backend on all cores and on one, the faster counts) vs on two
// worker threads (one core each), native backend, digits, MLP 64-256-256-10, interleaved rounds.
// Target ≥ 1.6×. Worker start-up (tfjs, the addon; from source also tsx) is
// inside the parallel time: it is what a user pays.
import * as tf from '@tensorflow/tfjs-core';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { useNativeBackend } from '@tikhonov/backend-native';
import { loadDigits } from '@tikhonov/datasets';
import { deepEnsemble, type Ensemble } from '@tikhonov/ensembles';
import { workerThreads } from '@tikhonov/ensembles/node';
import { makeTrainer } from './member.js';

tf.env().set('PROD', true);
const cores = availableParallelism();
const started = await useNativeBackend({ threads: cores }).then(() => true, (e: Error) => (console.log(`parallel bench skipped: the native backend is unavailable (${e.message.split('\n')[0]})`), false));
if (started) {
  const { data } = loadDigits();
  const epochs = Number(process.env.TIKHONOV_BENCH_EPOCHS ?? 60);
  const rounds = Number(process.env.TIKHONOV_BENCH_ROUNDS ?? 2);
  const fit = { epochs, batchSize: 32 };
  const module = new URL('./member.ts', import.meta.url);
  const params = (e: Ensemble) => e.members.map((m) => (m as ReturnType<typeof makeTrainer>).params.all.map((p) => Array.from(p.variable.dataSync())));
  const ratios: number[] = [];
  let identical = true;
  const sequence = async (threads: number) => {
    // the addon's thread pool is per process: set it for this run
    await useNativeBackend({ threads });
    const t0 = performance.now();
    const ensemble = await deepEnsemble({ members: 2, makeTrainer, data, fit });
    return { ensemble, ms: performance.now() - t0 };
  };
  for (let r = 0; r < rounds; r++) {
    const all = await sequence(cores);
    const one = await sequence(1);
    const t0 = performance.now();
    const parallel = await deepEnsemble({ members: 2, makeTrainer, data, fit, runner: workerThreads({ workers: 2, module }) });
    const par = performance.now() - t0;
    // the native kernels split work by the thread count, so bit-identity holds between runs with equal threads per member
    identical &&= JSON.stringify(params(one.ensemble)) === JSON.stringify(params(parallel));
    for (const e of [all.ensemble, one.ensemble, parallel]) e.dispose();
    // against the faster of the two sequential runs: the reference in its best configuration
    const best = Math.min(all.ms, one.ms);
    ratios.push(best / par);
    console.log(`round ${r + 1}: in sequence ${(all.ms / 1000).toFixed(2)} s (${cores} threads) / ${(one.ms / 1000).toFixed(2)} s (1 thread); 2 worker threads ${(par / 1000).toFixed(2)} s: ${(best / par).toFixed(2)}× the faster sequence`);
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  console.log(`2 members × ${epochs} epochs of digits (1797 examples, batch 32), ${cores} cores: parallel speed-up over the faster sequence ${median.toFixed(2)}× (range ${sorted[0]!.toFixed(2)}–${sorted.at(-1)!.toFixed(2)}); target ≥ 1.6×: ${median >= 1.6 ? 'met' : 'not met'}`);
  // the machine's own ceiling: the same arithmetic loop on one thread vs on two at once
  const loop = `let s = 0; for (let i = 0; i < 3e8; i++) s += i % 7; require('node:worker_threads').parentPort.postMessage(s);`;
  const spin = (n: number) => Promise.all(Array.from({ length: n }, () => new Promise((done) => new Worker(loop, { eval: true }).once('message', done))));
  let t0 = performance.now();
  await spin(1);
  const single = performance.now() - t0;
  t0 = performance.now();
  await spin(2);
  console.log(`this machine's two-thread scaling for plain JavaScript arithmetic (2 loops at once vs 1): ${((2 * single) / (performance.now() - t0)).toFixed(2)}×`);
  console.log(`members bit-identical to the sequential run with the same threads per member (1): ${identical ? 'yes' : 'NO'}`);
}
